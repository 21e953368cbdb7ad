"""``evalkit run`` and ``evalkit cache`` end to end, including the openai adapter against the
loopback server (faults, auth errors, and no API key in any file the run writes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import main
from evalkit.records import read_run
from tests.helpers.killed_run import kill_after_lines
from tests.helpers.llm_server import LLMServer

PROVIDER = "tests.helpers.scripted_provider:ScriptedProvider"
FAKE_KEY = "sk-evalkit-FAKE-0123456789abcdef"


def _ds(path: Path, inputs: list[str]) -> Path:
    """Cases with ``expected`` too, so the text scorers these runs name can score them (a
    scorer that scores no case makes the command exit 3)."""
    path.write_text(
        "".join(
            json.dumps({"id": f"c{i}", "input": t, "expected": t}) + "\n"
            for i, t in enumerate(inputs)
        )
    )
    return path


def test_adhoc_run_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ds = _ds(tmp_path / "ds.jsonl", ["hello", "x [[error:auth]]"])
    out = tmp_path / "run"
    code = main(
        [
            "run",
            str(ds),
            "--provider",
            PROVIDER,
            "--model",
            "m",
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "c"),
            "--repeats",
            "2",
            "--param",
            "temperature=0",
            "--scorer",
            "contains",
            "--no-progress",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "records 4, errors 2 (auth 2)" in text and f"run dir: {out}" in text
    # what the errors say, once per kind: "connection 8" alone sent a new user to read
    # results.jsonl to learn that base_url pointed at a server that was not running
    assert "  auth (2 records, first c1 #0): scripted auth error" in text
    # each scorer's figures over the run (the command keeps no records in memory, so they
    # are read back from the run directory; they were missing from the summary)
    assert "  contains: " in text and "over 2 case(s)" in text
    run = read_run(out)
    assert {r.request["params"]["temperature"] for r in run.records} == {0}
    assert run.manifest["status"] == "complete"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--provider", PROVIDER], "--provider and --model are required"),
        (["--provider", PROVIDER, "--model", "m", "--scorer", "exact_matc"], "exact_match"),
        (["--provider", "nope", "--model", "m"], "unknown provider"),
        (["--provider", PROVIDER, "--model", "m", "--option", "novalue"], "KEY=VALUE"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    ds = _ds(tmp_path / "ds.jsonl", ["a"])
    assert main(["run", str(ds), *args, "--out", str(tmp_path / "r"), "--no-progress"]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r" / "results.jsonl").exists()


def test_missing_dataset_exits_2(tmp_path: Path) -> None:
    assert main(["run", str(tmp_path / "none.jsonl"), "--provider", PROVIDER, "--model", "m"]) == 2


def test_suite_with_several_candidates_and_cache_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _ds(tmp_path / "ds.jsonl", ["a", "b", "c"])
    (tmp_path / "evalkit.toml").write_text(
        f"""
[candidates.one]
provider = "{PROVIDER}"
model = "m1"
[candidates.two]
provider = "{PROVIDER}"
model = "m2"
[suites.s]
dataset = "ds.jsonl"
candidates = ["one", "two"]
"""
    )
    assert main(["run", "--suite", "s", "--out", "out", "--no-progress"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["one", "two"]
    assert main(["run", "--suite", "s", "--candidate", "two", "--no-progress"]) == 0
    runs = list((tmp_path / ".evalkit" / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("s-") and runs[0].name.endswith("-two")
    assert read_run(runs[0]).manifest["counts"]["cache_hits"] == 3
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    assert "entries 6" in capsys.readouterr().out
    assert main(["cache", "prune"]) == 2
    assert main(["cache", "prune", "--max-size", "0"]) == 0
    assert "pruned 6 entries" in capsys.readouterr().out
    assert main(["cache", "clear", "--cache-dir", ".evalkit/cache"]) == 0


def _openai_run(ds: Path, srv: LLMServer, tmp_path: Path, *extra: str) -> list[str]:
    """``evalkit run`` of ``ds`` with the openai adapter against the loopback server, the key
    from ``EVALKIT_TEST_KEY``, into ``tmp_path/run`` with the cache in ``tmp_path/cache``."""
    return [
        "run", str(ds), "--provider", "openai", "--model", "gpt-4o-mini",
        "--base-url", srv.base_url + "/v1", "--api-key-env", "EVALKIT_TEST_KEY",
        "--out", str(tmp_path / "run"), "--cache-dir", str(tmp_path / "cache"),
        "--no-progress", *extra,
    ]  # fmt: skip


def _grep_dir(folder: Path, needle: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_openai_through_the_loopback_server_never_writes_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALKIT_TEST_KEY", FAKE_KEY)
    inputs = [f"question {i}" for i in range(20)] + ["bad [[status:401]]", "nf [[status:404]]"]
    ds = _ds(tmp_path / "ds.jsonl", inputs)
    with LLMServer(fault_rate=0.2, fault_statuses=(429, 500), fault_retry_after=0.01) as srv:
        assert main(_openai_run(ds, srv, tmp_path, "--scorer", "exact_match")) == 0
        assert any(c in srv.counts for c in (429, 500))  # faults really happened
    run = read_run(tmp_path / "run")
    by = {r.case_id: r for r in run.records}
    assert len(run.records) == 22
    assert all(by[f"c{i}"].ok and by[f"c{i}"].output == f"echo: question {i}" for i in range(20))
    assert by["c20"].error is not None and by["c20"].error.kind == "auth"
    assert by["c20"].error.attempts == 1 and by["c20"].error.status == 401
    assert by["c21"].error is not None and by["c21"].error.kind == "not_found"
    assert run.manifest["candidate"]["api_key_env"] == "EVALKIT_TEST_KEY"
    assert _grep_dir(tmp_path / "run", FAKE_KEY) == []
    assert _grep_dir(tmp_path / "cache", FAKE_KEY) == []
    assert _grep_dir(tmp_path / "run", FAKE_KEY[-12:]) == []


def test_unknown_provider_is_reported_before_anything_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evalkit.cli import main as cli_main

    data = tmp_path / "set.jsonl"
    data.write_text('{"id": "a", "vars": {"x": 1}}\n')  # would also fail to render
    code = cli_main(
        ["run", str(data), "--provider", "opnai", "--model", "m", "--out", str(tmp_path / "run")]
    )
    assert code == 2
    assert "unknown provider 'opnai'; did you mean \"openai\"?" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_retry_after_beyond_the_longest_wait_stops_the_run_for_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # An hour's Retry-After (a spent daily quota) cost six capped waits of 120 s per case,
    # and then every remaining case failed the same way. Now nothing new is sent: the run is
    # incomplete, says why, and --resume finishes it once the provider answers again.
    monkeypatch.setenv("EVALKIT_TEST_KEY", FAKE_KEY)
    inputs = ["quota [[fail:1:429]] [[retry-after:3600]]"] + [f"q{i}" for i in range(4)]
    ds = _ds(tmp_path / "ds.jsonl", inputs)
    with LLMServer() as srv:
        assert main(_openai_run(ds, srv, tmp_path, "--concurrency", "1")) == 0
        assert srv.counts.get(429) == 1 and not srv.counts.get(200)  # nothing sent after it
        run = read_run(tmp_path / "run")
        assert run.records == () and run.manifest["status"] == "incomplete"
        assert run.manifest["counts"]["not_run"] == 5
        assert run.manifest["stopped"]["by"] == "provider"
        assert "asked to wait 3600 s" in run.manifest["stopped"]["reason"]
        out = capsys.readouterr().out
        assert "5 case repeat(s) not run: " in out and "asked to wait 3600 s" in out
        assert f"once the limit resets, finish with: evalkit run --resume {tmp_path / 'run'}" in out
        assert main(["run", "--resume", str(tmp_path / "run"), "--no-progress"]) == 0
        assert srv.counts.get(200) == 5
    run = read_run(tmp_path / "run")
    assert run.manifest["status"] == "complete" and "stopped" not in run.manifest
    assert sorted(r.case_id for r in run.records if r.ok) == [f"c{i}" for i in range(5)]


def _flaky_project(tmp_path: Path, base_url: str, inputs: list[dict[str, Any]]) -> None:
    """Two candidates that give up on the first failure (max_retries = 0), so a run records
    the server's scripted failures as errors; repeats = 2, exact_match scorer."""
    (tmp_path / "ds.jsonl").write_text("".join(json.dumps(c) + "\n" for c in inputs))
    cands = "".join(
        f"""
[candidates.{name}]
provider = "openai"
model = "gpt-4o-mini"
base_url = "{base_url}/v1"
api_key_env = "EVALKIT_TEST_KEY"
max_retries = 0
concurrency = 4
params = {{ temperature = {t} }}
"""
        for name, t in (("one", 0), ("two", 1))
    )
    (tmp_path / "evalkit.toml").write_text(
        cands
        + """
[suites.s]
dataset = "ds.jsonl"
candidates = ["one", "two"]
repeats = 2
scorers = ["exact_match"]
"""
    )


def test_resume_with_retry_errors_reruns_only_the_errored_pairs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EVALKIT_TEST_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)
    # c0: fine; c1: both repeats of both candidates fail once (4 failures), then answer;
    # c2: rate limited once per pair; c3: refused every time (auth);
    # c4: answered, but exact_match cannot score it (no expected): a scorer error, kept.
    inputs = [
        {"id": "c0", "input": "fine", "expected": "echo: fine"},
        {"id": "c1", "input": "flaky [[fail:4:503]]", "expected": "echo: flaky"},
        {"id": "c2", "input": "busy [[fail:4:429]] [[retry-after:0]]", "expected": "echo: busy"},
        {"id": "c3", "input": "nope [[status:401]]", "expected": "x"},
        {"id": "c4", "input": "unscored"},
    ]
    with LLMServer() as srv:
        _flaky_project(tmp_path, srv.base_url, inputs)
        common = ["--cache-dir", str(tmp_path / "cache"), "--no-progress"]
        assert main(["run", "--suite", "s", "--out", "out", *common]) == 0
        first = {c: read_run(tmp_path / "out" / c) for c in ("one", "two")}
        for run in first.values():
            errored = sorted({r.case_id for r in run.records if r.error is not None})
            assert errored == ["c1", "c2", "c3"] and len(run.records) == 10
            assert run.manifest["counts"]["errors"] == 6
        seen = {t["input"]: srv.attempts(t["input"]) for t in inputs}
        assert seen == {"fine": 4, inputs[1]["input"]: 4, inputs[2]["input"]: 4,
                        "nope [[status:401]]": 4, "unscored": 4}  # fmt: skip
        capsys.readouterr()

        # the whole multi-candidate folder at once
        assert main(["run", "--resume", "out", "--retry-errors", *common]) == 0
        text = capsys.readouterr().out
        # one more request per errored pair (2 candidates x 2 repeats), none for the others:
        # a cached answer is never an error, so nothing errored is served from the cache
        after = {t["input"]: srv.attempts(t["input"]) for t in inputs}
        assert after == {k: v + (4 if k != "fine" and k != "unscored" else 0)
                         for k, v in seen.items()}  # fmt: skip

    assert text.count("retried 6 errored case repeat(s) of 6: 4 now ok, 2 errored again") == 2
    for name in ("one", "two"):
        folder = tmp_path / "out" / name
        run = read_run(folder)
        keys = [r.key for r in run.records]
        assert len(keys) == len(set(keys)) == 10  # exactly one record per (case, repeat)
        by = {r.key: r for r in run.records}
        for rep in (0, 1):
            assert by[("c1", rep)].ok and by[("c1", rep)].scores["exact_match"].passed
            assert by[("c2", rep)].ok and by[("c2", rep)].output == "echo: busy"
            error = by[("c3", rep)].error
            assert error is not None and error.kind == "auth"
            assert by[("c4", rep)].ok and by[("c4", rep)].scores["exact_match"].error
            assert by[("c0", rep)] == next(r for r in first[name].records if r.key == ("c0", rep))
        lines = (folder / "results.jsonl").read_text().splitlines()
        assert len(lines) == 16  # 10 + the 6 retried pairs, appended
        m = run.manifest
        assert m["status"] == "complete" and m["retry_errors"] == {
            "errored": 6, "retried": 6, "ok": 4, "not_retried": 0,
        }  # fmt: skip
        c = m["counts"]
        assert c["records"] == 10 and c["errors"] == 2 and c["errors_by_kind"] == {"auth": 2}
        assert c["input_tokens"] == sum(r.usage.input_tokens or 0 for r in run.records)
        assert c["output_tokens"] == sum(r.usage.output_tokens or 0 for r in run.records)
        assert c["cost_usd"] == pytest.approx(sum(r.cost or 0 for r in run.records))
        assert c["cache_hits"] + c["cache_misses"] == 10
        # every reader sees the deduplicated run: aggregate and frames
        from evalkit.aggregate import aggregate

        agg = aggregate(run.records, n_boot=0)
        assert agg.scorers[0].cases == 5
        assert len(run.to_frame()) == 10


def test_retry_errors_without_resume_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ds = _ds(tmp_path / "ds.jsonl", ["a"])
    args = ["run", str(ds), "--provider", PROVIDER, "--model", "m", "--retry-errors"]
    assert main([*args, "--out", str(tmp_path / "r"), "--no-progress"]) == 2
    assert "pass --resume RUN_DIR" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_sigkill_during_a_retry_then_retry_again_keeps_one_record_per_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALKIT_TEST_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)
    n = 40
    inputs = [
        {
            "id": f"c{i}",
            "input": f"q {i}" + (" [[fail:1:503]]" if i % 2 == 0 else ""),
            "expected": "x",
        }
        for i in range(n)
    ]
    with LLMServer(latency_ms=100) as srv:
        _flaky_project(tmp_path, srv.base_url, inputs)
        toml = (tmp_path / "evalkit.toml").read_text()
        (tmp_path / "evalkit.toml").write_text(
            toml.replace('candidates = ["one", "two"]\nrepeats = 2', 'candidates = ["one"]')
        )
        common = ["--cache-dir", str(tmp_path / "cache"), "--no-progress"]
        assert main(["run", "--suite", "s", "--out", "run", *common]) == 0
        results = tmp_path / "run" / "results.jsonl"
        assert read_run(tmp_path / "run").manifest["counts"]["errors"] == n // 2
        args = ["run", "--resume", "run", "--retry-errors", "--concurrency", "2", *common]
        retried_before_kill = kill_after_lines(args, tmp_path, results, n + 4) - n
        assert 4 <= retried_before_kill < n // 2  # killed mid-way
        assert main(["run", "--resume", "run", "--retry-errors", *common]) == 0
        attempts = [srv.attempts(c["input"]) for c in inputs]

    run = read_run(tmp_path / "run")
    keys = [r.key for r in run.records]
    assert len(keys) == len(set(keys)) == n and all(r.ok for r in run.records)
    raw = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(raw) == n + n // 2  # each errored pair got exactly one new line
    assert run.manifest["counts"]["records"] == n and run.manifest["counts"]["errors"] == 0
    assert run.manifest["retry_errors"]["errored"] == n // 2 - retried_before_kill
    # a good pair is never asked again; an errored one once more, or twice if it was in
    # flight at the kill (at most --concurrency 2 of them)
    assert all(a == 1 for a in attempts[1::2])
    assert all(a in (2, 3) for a in attempts[0::2])
    assert sum(attempts[0::2]) - 2 * (n // 2) <= 2


def test_the_summary_read_back_from_disk_equals_the_one_from_whole_records(
    tmp_path: Path,
) -> None:
    """The CLI keeps no records in memory; the summary reads them back slimmed (no request,
    output or score evidence). Its lines must be those of the whole records."""
    from dataclasses import replace

    from evalkit.cli.run import error_lines, scorer_lines
    from evalkit.scoring import Score
    from tests.helpers.runs import make_record, make_run

    def score(i: int) -> Score:
        outcome = "correct" if i % 3 else "over_refusal"
        details = {"outcome": outcome, "metrics": {"refused": float(i % 2)}, "claims": ["x"] * 50}
        return Score(float(i % 3 != 0), i % 3 != 0, "a long reason " * 20, details)

    recs = [
        make_record(f"c{i}", {"refusal": score(i)}, tags=["t"] if i % 2 else [], output="o" * 500)
        for i in range(30)
    ]
    recs.append(make_record("c30", error="auth"))
    whole = make_run(tmp_path / "r", recs, scorers=["refusal"])
    assert len(whole.records) == 31
    # as the CLI holds it: no records in memory, the manifest's counts
    read_back = replace(whole, records=(), manifest={**whole.manifest, "counts": {"records": 31}})
    lines = scorer_lines(whole)
    assert lines and lines == scorer_lines(read_back)
    from evalkit.cli.run import _stored_records

    assert error_lines(list(whole.records)) == error_lines(_stored_records(read_back))
    slim = _stored_records(read_back)
    assert all(len(r.output) <= 1 and r.request == {} for r in slim)  # emptiness kept
    assert slim[0].scores["refusal"].details == {
        "outcome": "over_refusal",
        "metrics": {"refused": 0.0},
    }
