"""Secrets in a candidate's settings: refused in config files, taken from the environment with
``options.headers_env``, and never written or shown (manifest, results, report, inventory,
command output) when a candidate built in Python holds them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evalkit
from evalkit.cli import main
from evalkit.config import Candidate
from evalkit.config_secrets import redact_headers, redact_url, redacted, secret_values
from evalkit.errors import ConfigError
from tests.helpers.llm_server import LLMServer
from tests.helpers.secrets import assert_no_secret_in, assert_no_secret_under

HEADER_KEY = "sk-evalkitHEADERSECRET0123456789"
URL_PASS = "sk-evalkitURLSECRET0123456789"
QUERY_KEY = "sk-evalkitQUERYSECRET0123456789"
ENV_KEY = "sk-evalkitENVHEADER0123456789"
SECRETS = (HEADER_KEY, URL_PASS, QUERY_KEY, ENV_KEY)


def test_redaction_hides_values_keeps_changes_and_is_idempotent() -> None:
    url = f"https://user:{URL_PASS}@gw.example/v1?api-version=2024&token={QUERY_KEY}"
    shown = redact_url(url)
    assert shown is not None and URL_PASS not in shown and QUERY_KEY not in shown
    assert shown.startswith("https://[redacted ") and "api-version=2024" in shown
    assert redact_url(shown) == shown
    headers = {"Authorization": "Bearer abcdefgh12345", "X-Api-Key": HEADER_KEY, "X-Team": "a"}
    out = redact_headers(headers)
    assert out["X-Team"] == "a" and HEADER_KEY not in json.dumps(out)
    assert redacted(HEADER_KEY) != redacted(HEADER_KEY + "x")  # a changed key still shows
    assert redacted(redacted(HEADER_KEY)) == redacted(HEADER_KEY)
    assert HEADER_KEY in secret_values(url, {"headers": headers})
    assert URL_PASS in secret_values(url, {"headers": headers})


def test_candidate_fingerprint_tracks_a_secret_without_holding_it() -> None:
    def cand(key: str) -> Candidate:
        return Candidate(
            name="c",
            provider="openai",
            model="m",
            base_url=f"http://u:{URL_PASS}@127.0.0.1:1/v1",
            options={"headers": {"api-key": key}},
        )

    a, b = cand(HEADER_KEY), cand(HEADER_KEY + "2")
    assert a.fingerprint() != b.fingerprint()
    stored = json.dumps([a.to_dict(), a.summary()])
    assert_no_secret_in(stored, SECRETS)
    back = Candidate(
        name="c",
        provider="openai",
        model="m",
        base_url=a.to_dict()["base_url"],
        options=a.to_dict()["options"],
    )
    assert back.fingerprint() == a.fingerprint()  # a run read back resumes as the same one
    plain = Candidate(name="c", provider="openai", model="m", options={"headers": {"X-T": "a"}})
    assert plain.to_dict()["options"] == {"headers": {"X-T": "a"}}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"options": {"headers": {"api-key": HEADER_KEY}}}, "options.headers.api-key"),
        ({"options": {"headers": {"X-Custom": f"Bearer {HEADER_KEY}"}}}, "options.headers.X"),
        ({"base_url": f"http://user:{URL_PASS}@127.0.0.1:1/v1"}, "base_url"),
        ({"base_url": f"http://127.0.0.1:1/v1?token={QUERY_KEY}"}, "base_url"),
        ({"options": {"headers_env": {"api-key": 3}}}, "options.headers_env"),
    ],
)
def test_config_refuses_literal_secrets_without_echoing_them(
    body: dict[str, object], where: str
) -> None:
    with pytest.raises(ConfigError) as err:
        Candidate.from_dict("c", {"provider": "openai", "model": "m", **body})
    message = str(err.value)
    assert where in message and ("environment" in message or "headers_env" in message)
    assert_no_secret_in(message, SECRETS)


def _project(tmp_path: Path, candidate: str) -> Path:
    (tmp_path / "ds.jsonl").write_text(
        json.dumps({"id": "c1", "input": "hello", "expected": "hello"}) + "\n"
    )
    config = tmp_path / "evalkit.toml"
    config.write_text(
        candidate
        + '\n[suites.s]\ndataset = "ds.jsonl"\ncandidates = ["gw"]\nscorers = ["contains"]\n'
    )
    return config


def test_cli_commands_refuse_an_inline_key_and_never_print_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _project(
        tmp_path,
        '[candidates.gw]\nprovider = "openai"\nmodel = "m"\n'
        f'base_url = "http://user:{URL_PASS}@127.0.0.1:9/v1?token={QUERY_KEY}"\n'
        f'options = {{ headers = {{ "api-key" = "{HEADER_KEY}" }} }}\n',
    )
    for argv in (
        ["validate", "--config", "evalkit.toml"],
        ["inventory"],
        ["run", "--suite", "s", "--out", "out", "--no-progress"],
        ["check"],
    ):
        code = main(argv)
        captured = capsys.readouterr()
        assert code == 2, argv
        assert_no_secret_in(captured.out + captured.err, SECRETS)
        assert "headers_env" in captured.out + captured.err, argv
    assert not (tmp_path / "out").exists()
    if (tmp_path / ".evalkit").exists():
        assert_no_secret_under(tmp_path / ".evalkit", SECRETS)


def test_header_from_the_environment_reaches_the_server_and_nowhere_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVALKIT_GW_KEY", ENV_KEY)
    with LLMServer() as srv:
        _project(
            tmp_path,
            '[candidates.gw]\nprovider = "openai"\nmodel = "m"\n'
            f'base_url = "{srv.base_url}/v1"\nmax_retries = 0\n'
            'options = { headers_env = { "x-api-key" = "EVALKIT_GW_KEY" } }\n',
        )
        assert main(["validate", "--config", "evalkit.toml"]) == 0
        code = main(["run", "--suite", "s", "--out", "out", "--no-progress"])
        sent = srv.requests
    out = capsys.readouterr()
    assert code == 0, out.err
    assert sent and all(r["headers"]["x-api-key"] == ENV_KEY for r in sent)
    [found] = (tmp_path / "out").rglob("manifest.json")
    manifest = json.loads(found.read_text())
    assert manifest["candidate"]["options"]["headers_env"] == {"x-api-key": "EVALKIT_GW_KEY"}
    assert main(["inventory"]) == 0
    assert_no_secret_in(out.out + out.err + capsys.readouterr().out, SECRETS)
    assert_no_secret_under(tmp_path, SECRETS)


def test_unset_header_variable_is_an_auth_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVALKIT_UNSET_GW_KEY", raising=False)
    cand = Candidate(
        name="gw",
        provider="openai",
        model="m",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        options={"headers_env": {"api-key": "EVALKIT_UNSET_GW_KEY"}},
    )
    es = evalkit.EvalSet.from_cases([evalkit.Case(id="c1", input="hi")], name="t")
    run = evalkit.run(es, cand, [], evalkit.RunOptions(out_dir=tmp_path / "r", progress=False))
    err = run.records[0].error
    assert err is not None and err.kind == "auth" and "EVALKIT_UNSET_GW_KEY" in err.message


def test_python_candidate_with_inline_secrets_leaves_none_in_the_run_or_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    es = evalkit.EvalSet.from_cases(
        [evalkit.Case(id=f"c{i}", input=f"q{i}", expected=f"q{i}") for i in range(3)],
        name="t",
    )
    scorers = [evalkit.ScorerSpec("contains").build()]
    with LLMServer() as srv:
        good = Candidate(
            name="gw",
            provider="openai",
            model="m",
            base_url=f"{srv.base_url}/v1",
            options={"headers": {"api-key": HEADER_KEY}},
        )
        run = evalkit.run(es, good, scorers, evalkit.RunOptions(out_dir=tmp_path / "a"))
        sent = srv.requests
    assert run.records and all(r.error is None for r in run.records)
    assert all(r["headers"]["api-key"] == HEADER_KEY for r in sent)
    # a server that is not there: the connection error names the URL without its secrets
    down = Candidate(
        name="down",
        provider="openai",
        model="m",
        base_url=f"http://user:{URL_PASS}@127.0.0.1:9/v1?token={QUERY_KEY}",
        max_retries=0,
        options={"headers": {"api-key": HEADER_KEY}},
    )
    failed = evalkit.run(es, down, scorers, evalkit.RunOptions(out_dir=tmp_path / "b"))
    assert all(r.error is not None for r in failed.records)
    evalkit.write_report(evalkit.compare_runs(run, failed), tmp_path / "report.html")
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) in (0, 1)
    assert main(["report", str(tmp_path / "a"), str(tmp_path / "b"), "--out",
                 str(tmp_path / "r2.html")]) in (0, 1)  # fmt: skip
    captured = capsys.readouterr()
    assert_no_secret_in(captured.out + captured.err, SECRETS)
    assert_no_secret_under(tmp_path, SECRETS)
