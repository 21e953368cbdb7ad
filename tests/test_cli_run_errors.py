"""Exit 3 when a command that makes calls evaluated nothing (``evalkit.cli._error_rate``):
``evalkit run``, ``run --resume [--retry-errors]`` and ``evalkit check``, through the real
CLI entry. The results are written whole before the exit, and a resume then finishes them."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import EXIT_ERRORS, main
from evalkit.records import read_run
from tests.helpers.llm_server import LLMServer

PROVIDER = "tests.helpers.scripted_provider:ScriptedProvider"
FAKE_KEY = "sk-evalkit-FAKE-0123456789abcdef"


def _ds(path: Path, inputs: list[str], **extra: Any) -> Path:
    path.write_text(
        "".join(
            json.dumps({"id": f"c{i}", "input": t, **extra}) + "\n" for i, t in enumerate(inputs)
        )
    )
    return path


def _adhoc(tmp_path: Path, ds: Path, *extra: str, out: str = "run") -> list[str]:
    return [
        "run", str(ds), "--provider", PROVIDER, "--model", "m", "--out", str(tmp_path / out),
        "--cache-dir", str(tmp_path / "cache"), "--no-progress", *extra,
    ]  # fmt: skip


def test_a_run_whose_every_call_failed_exits_3_with_everything_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ds = _ds(
        tmp_path / "ds.jsonl", ["a [[error:auth]]", "b [[error:auth]]", "c [[error:not_found]]"]
    )
    assert EXIT_ERRORS == 3
    assert main(_adhoc(tmp_path, ds, "--repeats", "2", "--scorer", "contains")) == 3
    out, err = capsys.readouterr()
    assert "records 6, errors 6 (auth 4, not_found 2)" in out  # the summary is still printed
    assert "error: evalkit run: candidate 'm': every call failed (6 of 6 records)" in err
    assert "commonest error: auth (4 of 6), first c0 #0: scripted auth error" in err
    assert "api_key_env" in err and "base_url" in err
    assert f"evalkit run --resume {tmp_path / 'run'} --retry-errors" in err
    run = read_run(tmp_path / "run")
    assert len(run.records) == 6 and all(r.error is not None for r in run.records)
    assert run.manifest["status"] == "complete"
    assert run.manifest["counts"]["errors"] == run.manifest["counts"]["records"] == 6


def test_some_errors_exit_0_by_default_and_max_error_rate_is_stricter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ds = _ds(tmp_path / "ds.jsonl", ["a", "b", "c", "d [[error:bad_request]]"])
    assert main(_adhoc(tmp_path, ds)) == 0
    assert capsys.readouterr().err == ""
    # the same records again (answers from the cache, the error called again): 1 of 4 errored
    assert main(_adhoc(tmp_path, ds, "--max-error-rate", "0.25", out="r2")) == 0  # not above
    assert main(_adhoc(tmp_path, ds, "--max-error-rate", "0.2", out="r3")) == 3
    err = capsys.readouterr().err
    assert "1 of 4 records are provider errors (25.0%, above --max-error-rate 0.2)" in err
    assert "commonest error: bad_request (1 of 1), first c3 #0: scripted bad_request error" in err
    run = read_run(tmp_path / "r3")
    assert run.manifest["counts"]["cache_hits"] == 3  # cache hits are answers, not errors
    assert len(run.records) == 4


def test_max_error_rate_1_never_exits_3(tmp_path: Path) -> None:
    ds = _ds(tmp_path / "ds.jsonl", ["a [[error:auth]]"])
    assert main(_adhoc(tmp_path, ds, "--max-error-rate", "1")) == 0


def test_scorer_errors_are_not_provider_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # exact_match cannot score the case without `expected`: a scorer error, not a provider
    # error, so --max-error-rate 0 does not count it; the scorer scored the other case
    (tmp_path / "ds.jsonl").write_text(
        '{"id": "c0", "input": "a", "expected": "a"}\n{"id": "c1", "input": "b"}\n'
    )
    ds = tmp_path / "ds.jsonl"
    assert main(_adhoc(tmp_path, ds, "--scorer", "exact_match", "--max-error-rate", "0")) == 0
    run = read_run(tmp_path / "run")
    assert all(r.ok for r in run.records) and run.records[1].scores["exact_match"].error


def test_a_scorer_that_could_score_no_case_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # every call answered, but exact_match could score none of them (no case has `expected`),
    # as a judge with a wrong key scores none: nothing was evaluated by it
    ds = _ds(tmp_path / "ds.jsonl", ["a", "b"])
    assert main(_adhoc(tmp_path, ds, "--scorer", "exact_match")) == 3
    err = capsys.readouterr().err
    assert (
        "error: evalkit run: candidate 'm': scorer 'exact_match' could not score any of its 2"
        in err
    )
    assert "first: c0 #0: " in err and "skip_missing" in err
    assert f"evalkit score {tmp_path / 'run'} --out NEW_DIR" in err
    run = read_run(tmp_path / "run")
    assert len(run.records) == 2 and all(r.scores["exact_match"].error for r in run.records)
    # --max-error-rate 1 never exits 3, as documented
    assert (
        main(_adhoc(tmp_path, ds, "--scorer", "exact_match", "--max-error-rate", "1", out="r2"))
        == 0
    )


@pytest.mark.parametrize("rate", ["1.5", "-0.1", "nan"])
def test_a_bad_max_error_rate_is_bad_input_before_any_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rate: str
) -> None:
    ds = _ds(tmp_path / "ds.jsonl", ["a"])
    assert main(_adhoc(tmp_path, ds, "--max-error-rate", rate)) == 2
    assert "--max-error-rate: must be a share between 0 and 1" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_max_error_rate_that_is_no_number_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ds = _ds(tmp_path / "ds.jsonl", ["a"])
    with pytest.raises(SystemExit) as exc:
        main(_adhoc(tmp_path, ds, "--max-error-rate", "ten percent"))
    assert exc.value.code == 2
    assert "--max-error-rate: invalid float value" in capsys.readouterr().err


def _closed_port() -> int:
    """A loopback port nobody listens on: a base_url that refuses every connection."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _project(tmp_path: Path, base_urls: dict[str, str], gates: str = "") -> None:
    cands = "".join(
        f"""
[candidates.{name}]
provider = "openai"
model = "gpt-4o-mini"
base_url = "{url}/v1"
api_key_env = "EVALKIT_TEST_KEY"
max_retries = 0
"""
        for name, url in base_urls.items()
    )
    suite = f"""
[suites.s]
dataset = "ds.jsonl"
candidates = {json.dumps(list(base_urls))}
scorers = ["exact_match"]
"""
    (tmp_path / "evalkit.toml").write_text(cands + suite + gates)


def test_one_candidate_with_a_dead_base_url_exits_3_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EVALKIT_TEST_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)
    _ds(tmp_path / "ds.jsonl", ["a", "b", "c"], expected="echo: a")
    with LLMServer() as srv:
        _project(tmp_path, {"good": srv.base_url, "dead": f"http://127.0.0.1:{_closed_port()}"})
        args = ["run", "--suite", "s", "--out", "out", "--no-progress", "--cache-mode", "off"]
        assert main(args) == 3
    err = capsys.readouterr().err
    assert "candidate 'dead': every call failed (3 of 3 records)" in err
    assert "commonest error: connection (3 of 3)" in err and "'good'" not in err
    assert FAKE_KEY not in err
    for name, errors in (("good", 0), ("dead", 3)):
        run = read_run(tmp_path / "out" / name)
        assert len(run.records) == 3 and run.manifest["counts"]["errors"] == errors
        assert run.manifest["status"] == "complete"


def test_resume_and_retry_after_exit_3_finish_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A refused key on the first attempt of each case (401 is never retried); once "fixed",
    # --resume --retry-errors calls only those again and the run exits 0.
    monkeypatch.setenv("EVALKIT_TEST_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)
    _ds(tmp_path / "ds.jsonl", ["q [[fail:1:401]]", "r [[fail:1:401]]"], expected="an answer")
    with LLMServer() as srv:
        _project(tmp_path, {"one": srv.base_url})
        common = ["--cache-dir", str(tmp_path / "cache"), "--no-progress"]
        assert main(["run", "--suite", "s", "--out", "run", *common]) == 3
        assert "commonest error: auth (2 of 2)" in capsys.readouterr().err
        assert len(read_run(tmp_path / "run").records) == 2
        # resume without --retry-errors: nothing is missing, still nothing evaluated
        assert main(["run", "--resume", "run", *common]) == 3
        assert "every call failed (2 of 2 records)" in capsys.readouterr().err
        assert main(["run", "--resume", "run", "--retry-errors", *common]) == 0
        assert capsys.readouterr().err == ""
        assert srv.counts.get(401) == 2 and srv.counts.get(200) == 2
    run = read_run(tmp_path / "run")
    assert [r.ok for r in run.records] == [True, True]
    assert run.manifest["counts"]["errors"] == 0


def test_check_exits_3_when_a_candidate_evaluated_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EVALKIT_TEST_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)
    _ds(tmp_path / "ds.jsonl", ["a", "b"], expected="echo: a")
    gate = '\n[[suites.s.gates]]\nmetric = "exact_match.pass_rate"\nmax_drop = 1.0\n'
    with LLMServer() as srv:
        urls = {"base": srv.base_url, "cand": f"http://127.0.0.1:{_closed_port()}"}
        _project(tmp_path, urls, gate)
        args = ["check", "--out", "out", "--report", "r.html", "--cache-mode", "off"]
        assert main([*args, "--no-progress"]) == 3
        out, err = capsys.readouterr()
        assert "verdict:" in out and (tmp_path / "r.html").is_file()  # all written first
        assert "error: evalkit check: candidate 'cand': every call failed (2 of 2" in err
        assert main([*args, "--no-progress", "--max-error-rate", "1"]) != 3
        assert main([*args, "--max-error-rate", "2"]) == 2
