"""Secrets in a judge's provider settings (the ``judge`` scorer's and the ``checks`` scorer's
``defaults.judge``): refused in config files at ``file:line``, taken from the environment with
``options.headers_env``, and never written or shown (run dir, report, command output) when a
judge built in Python holds them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import evalkit
from evalkit.cli import main
from evalkit.config import Candidate
from evalkit.config_secrets import redact_scorer_args, scorer_secret_problems
from evalkit.dataset_checks import Check
from evalkit.providers.base import Request
from tests.helpers.llm_server import LLMServer
from tests.helpers.secrets import assert_no_secret_in, assert_no_secret_under

HEADER_KEY = "sk-evalkitJUDGEHEADER0123456789"
URL_PASS = "sk-evalkitJUDGEURL0123456789"
QUERY_KEY = "sk-evalkitJUDGEQUERY0123456789"
ENV_KEY = "sk-evalkitJUDGEENV0123456789"
SECRETS = (HEADER_KEY, URL_PASS, QUERY_KEY, ENV_KEY)
VERDICT = '[[text:{"score": 5, "reasoning": "fine"}]]'


def answer(request: Request) -> str:
    return "Paris"


def test_redaction_of_scorer_args_at_any_depth_keeps_the_rest() -> None:
    judge = {
        "provider": "openai",
        "base_url": f"http://u:{URL_PASS}@127.0.0.1:1/v1?api-version=1&token={QUERY_KEY}",
        "api_key_env": "JUDGE_KEY",
        "options": {"headers": {"api-key": HEADER_KEY, "X-Team": "a"}, "headers_env": {"k": "V"}},
        "params": {"max_tokens": 50},
        "tokenizer": "cl100k",
    }
    out = redact_scorer_args({"defaults": {"judge": judge}, "threshold": 0.5})
    assert_no_secret_in(json.dumps(out), SECRETS)
    shown = out["defaults"]["judge"]
    assert "api-version=1" in shown["base_url"] and "[redacted " in shown["base_url"]
    assert shown["options"]["headers"]["X-Team"] == "a"
    assert shown["options"]["headers_env"] == {"k": "V"} and shown["api_key_env"] == "JUDGE_KEY"
    assert shown["params"] == {"max_tokens": 50} and shown["tokenizer"] == "cl100k"
    assert redact_scorer_args(out) == out  # idempotent: a manifest read back keeps its markers


def test_scorer_secret_problems_name_the_place_never_the_value() -> None:
    args = {
        "base_url": f"http://127.0.0.1:1/v1?token={QUERY_KEY}",
        "options": {"headers": {"Authorization": f"Bearer {HEADER_KEY}"}},
        "defaults": {"judge": {"api_key": URL_PASS, "max_tokens": 5, "rubric": "be strict"}},
    }
    found = scorer_secret_problems(args, "[suites.s] scorers[0]")
    assert [p.where for p in found] == [
        "[suites.s] scorers[0] args.base_url",
        "[suites.s] scorers[0] args.options.headers.Authorization",
        "[suites.s] scorers[0] args.defaults.judge.api_key",
    ]
    assert_no_secret_in(" ".join(p.message for p in found), SECRETS)
    assert scorer_secret_problems({"params": {"max_tokens": 5}, "tokenizer": "x"}, "w") == []


def _project(tmp_path: Path, judge: str) -> None:
    (tmp_path / "ds.jsonl").write_text(
        json.dumps(
            {
                "id": "c1",
                "input": f"capital? {VERDICT}",
                "expected": "Paris",
                "checks": [{"name": "judge", "args": {"rubric": "Is it Paris?"}}],
            }
        )
        + "\n"
    )
    (tmp_path / "pipe.py").write_text("def answer(request):\n    return 'Paris'\n")
    (tmp_path / "evalkit.toml").write_text(
        '[candidates.c]\nprovider = "callable"\nmodel = "m"\n'
        'options = { target = "pipe.py:answer" }\n\n'
        '[suites.s]\ndataset = "ds.jsonl"\ncandidates = ["c"]\n'
        "scorers = [\n"
        '  "contains",\n'
        f'  {{ name = "checks", args = {{ defaults = {{ judge = {{ {judge} }} }} }} }},\n'
        f'  {{ name = "judge", args = {{ {judge} }} }},\n'
        "]\n"
    )


def test_config_refuses_a_judges_inline_key_at_file_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _project(
        tmp_path,
        'provider = "openai", model = "j", '
        f'base_url = "http://u:{URL_PASS}@127.0.0.1:9/v1?token={QUERY_KEY}", '
        f'options = {{ headers = {{ "api-key" = "{HEADER_KEY}" }} }}',
    )
    for argv in (
        ["validate", "--config", "evalkit.toml"],
        ["run", "--suite", "s", "--out", "out", "--no-progress"],
        ["check"],
    ):
        code = main(argv)
        captured = capsys.readouterr()
        text = captured.out + captured.err
        assert code == 2, (argv, text)
        assert_no_secret_in(text, SECRETS)
    validate = main(["validate", "--config", "evalkit.toml"])
    text = capsys.readouterr()
    assert validate == 2
    for where in (
        # at the line of each entry of the multi-line list (was: all at the list's line 9)
        "evalkit.toml:11: [suites.s] scorers[1] args.defaults.judge.options.headers.api-key",
        "evalkit.toml:12: [suites.s] scorers[2] args.base_url",
        "evalkit.toml:12: [suites.s] scorers[2] args.options.headers.api-key",
    ):
        assert where in text.out + text.err
    assert "headers_env" in text.out + text.err
    assert not (tmp_path / "out").exists()


def test_judge_header_from_the_environment_reaches_the_server_and_nowhere_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVALKIT_JUDGE_HDR", ENV_KEY)
    with LLMServer() as srv:
        _project(
            tmp_path,
            f'provider = "openai", model = "j", base_url = "{srv.base_url}/v1", '
            'api_key_env = "EVALKIT_JUDGE_HDR", max_retries = 0, '
            'options = { headers_env = { "x-api-key" = "EVALKIT_JUDGE_HDR" } }',
        )
        assert main(["validate", "--config", "evalkit.toml"]) == 0
        code = main(["run", "--suite", "s", "--out", "out", "--no-progress"])
        sent = srv.requests
    out = capsys.readouterr()
    assert code == 0, out.err
    assert len(sent) == 2 and all(r["headers"]["x-api-key"] == ENV_KEY for r in sent)
    [found] = (tmp_path / "out").rglob("manifest.json")
    specs = {s["name"]: s["args"] for s in json.loads(found.read_text())["scorers"]}
    assert specs["judge"]["options"]["headers_env"] == {"x-api-key": "EVALKIT_JUDGE_HDR"}
    assert_no_secret_in(out.out + out.err, SECRETS)
    assert_no_secret_under(tmp_path, SECRETS)


def _judge_args(base_url: str) -> dict[str, Any]:
    return {
        "provider": "openai",
        "model": "j",
        "base_url": base_url,
        "api_key_env": "EVALKIT_JUDGE_TEST_KEY",
        "options": {"headers": {"api-key": HEADER_KEY}},
        "cache": "off",
        "max_retries": 0,
    }


def test_python_judge_with_inline_secrets_leaves_none_in_the_run_report_or_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVALKIT_JUDGE_TEST_KEY", "sk-test-not-secret")
    # a case's own judge check takes its provider from the checks scorer's defaults.judge
    check = Check("judge", {"rubric": "Is it Paris?"})
    es = evalkit.EvalSet.from_cases(
        [
            evalkit.Case(id=f"c{i}", input=f"q{i} {VERDICT}", expected="Paris", checks=(check,))
            for i in range(2)
        ],
        name="t",
    )
    cand = Candidate(name="c", provider="callable", model="m", options={"target": answer})
    with LLMServer() as srv:
        base = f"http://user:{URL_PASS}@{srv.base_url.removeprefix('http://')}/v1"
        scorers = [
            evalkit.ScorerSpec("judge", _judge_args(base)).build(),
            evalkit.ScorerSpec("checks", {"defaults": {"judge": _judge_args(base)}}).build(),
        ]
        runs = [
            evalkit.run(es, cand, scorers, evalkit.RunOptions(out_dir=tmp_path / n, progress=False))
            for n in ("a", "b")
        ]
        sent = srv.requests
    assert all(r.scores["judge"].value == 1.0 for run in runs for r in run.records)
    assert all(r.scores["checks"].passed for run in runs for r in run.records)
    assert sent and all(r["headers"]["api-key"] == HEADER_KEY for r in sent)  # still sent
    assert main(["report", "a", "b", "--out", "report.html"]) in (0, 1)
    assert main(["compare", "a", "b"]) in (0, 1)
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    shown = {s["name"]: s["args"] for s in manifest["scorers"]}
    assert shown["judge"]["options"]["headers"]["api-key"].startswith("[redacted ")
    assert shown["checks"]["defaults"]["judge"]["base_url"].startswith("http://[redacted ")
    assert_no_secret_in(json.dumps(capsys.readouterr()), SECRETS)
    assert_no_secret_under(tmp_path, SECRETS)
