"""Case selection, ``--resume --retry-errors`` and re-scoring used together, end to end through
the CLI as a user chains them: run -> kill -> retry -> re-score -> resume -> compare -> check.

Each test names the seam it covers; the bugs found there are locked by the tests marked
"before:" (what happened before the fix)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import main
from evalkit.compare import compare
from evalkit.dataset import load_eval_set
from evalkit.records import read_run
from tests.helpers import scripted_provider as sp
from tests.helpers.killed_run import kill_after_lines
from tests.helpers.llm_server import LLMServer

# At module level, before any in-process pytester run: it imports every scorer module (numpy,
# scikit-learn), and a pytester run restores sys.modules afterwards, so a first import inside
# a later test would load numpy's C extension a second time ("cannot load module more than
# once per process").
from tests.helpers.pytest_project import make_project
from tests.helpers.pytest_project import run as run_pytest

pytest_plugins = ["pytester"]

PROVIDER = "tests.helpers.scripted_provider:ScriptedProvider"
FAKE_KEY = "sk-evalkit-FAKE-0123456789abcdef"


def _rows() -> list[dict[str, Any]]:
    """Refund cases (two fail once with a non-retried auth error) and shipping cases (one
    fails once too, but a ``--case refund-*`` selection never runs it)."""
    return [
        {"id": "refund-1", "input": "r1", "expected": "echo: r1", "tags": ["billing"]},
        {"id": "refund-2", "input": "r2 [[fail:1:auth]]", "expected": "echo: r2"},
        {"id": "ship-1", "input": "s1 [[fail:1:auth]]", "expected": "echo: s1"},
        {"id": "refund-3", "input": "r3 [[fail:1:auth]]", "expected": "echo: r3"},
        {"id": "ship-2", "input": "s2", "expected": "echo: s2", "tags": ["shipping"]},
    ]


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _adhoc(ds: Path, out: Path, key: str, *extra: str, model: str = "m") -> list[str]:
    return [
        "run", str(ds), "--provider", PROVIDER, "--model", model, "--option", f"key={key}",
        "--scorer", "exact_match", "--out", str(out),
        "--cache-dir", str(out.parent / "cache"), "--no-progress", *extra,
    ]  # fmt: skip


def _lines(run_dir: Path) -> int:
    return len((run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines())


def test_retry_errors_on_a_selected_run_retries_only_its_errored_pairs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = uuid.uuid4().hex
    ds = _write(tmp_path / "ds.jsonl", _rows())
    out = tmp_path / "sel"
    assert main(_adhoc(ds, out, key, "--case", "refund-*", "--repeats", "2")) == 0
    first = read_run(out)
    assert first.manifest["counts"]["errors"] == 4  # refund-2 and refund-3, both repeats
    capsys.readouterr()

    assert main(["run", "--resume", str(out), "--retry-errors", "--no-progress"]) == 0
    text = capsys.readouterr().out
    calls = sp.CALLS[key]
    assert {c for c, _ in calls} == {"refund-1", "refund-2", "refund-3"}  # ship-* never asked
    assert calls[("refund-1", 0)] == calls[("refund-1", 1)] == 1  # answered: not asked again
    assert all(calls[(c, r)] == 2 for c in ("refund-2", "refund-3") for r in (0, 1))
    run = read_run(out)
    m = run.manifest
    assert m["selection"]["cases"] == ["refund-*"] and m["selection"]["selected"] == 3
    assert m["dataset"]["cases"] == 3 and m["status"] == "complete"
    assert m["retry_errors"] == {"errored": 4, "retried": 4, "ok": 4, "not_retried": 0}
    assert m["counts"]["records"] == 6 and m["counts"]["errors"] == 0
    assert len(run.records) == 6 and _lines(out) == 10  # 6 + the 4 retried pairs appended
    assert len(m["resumed_at"]) == 1
    assert "selection: 3 of 5 cases (--case refund-*); a partial run" in text
    assert "retried 4 errored case repeat(s) of 4: 4 now ok, 0 errored again" in text


def _server_project(tmp_path: Path, base_url: str, rows: list[dict[str, Any]]) -> None:
    """One candidate on the loopback server that gives up on the first failure."""
    _write(tmp_path / "ds.jsonl", rows)
    (tmp_path / "evalkit.toml").write_text(
        f"""
[candidates.one]
provider = "openai"
model = "gpt-4o-mini"
base_url = "{base_url}/v1"
api_key_env = "EVALKIT_TEST_KEY"
max_retries = 0
concurrency = 2

[suites.s]
dataset = "ds.jsonl"
candidates = ["one"]
scorers = ["exact_match"]
""",
        encoding="utf-8",
    )


def test_a_selected_run_killed_then_resumed_with_retry_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALKIT_TEST_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)
    n = 40
    # the "picked" cases are selected; every fourth case fails once with a 503
    rows: list[dict[str, Any]] = [
        {
            "id": f"c{i}",
            "input": f"q {i}" + (" [[fail:1:503]]" if i % 4 == 0 else ""),
            "expected": "x",
            "tags": ["picked"] if i % 2 == 0 else ["other"],
        }
        for i in range(n)
    ]
    picked = [r for r in rows if "picked" in r["tags"]]
    with LLMServer(latency_ms=80) as srv:
        _server_project(tmp_path, srv.base_url, rows)
        common = ["--cache-dir", str(tmp_path / "cache"), "--no-progress"]
        args = ["run", "--suite", "s", "--tag", "picked", "--out", "run", *common]
        results = tmp_path / "run" / "results.jsonl"
        before = kill_after_lines(args, tmp_path, results, 8)
        assert 8 <= before < len(picked)  # killed mid-way
        assert json.loads((tmp_path / "run" / "manifest.json").read_text())["status"] == "running"

        assert main(["run", "--resume", "run", "--retry-errors", *common]) == 0
        asked = {r["id"]: srv.attempts(r["input"]) for r in rows}

        run = read_run(tmp_path / "run")
        keys = [r.key for r in run.records]
        assert sorted(keys) == sorted((r["id"], 0) for r in picked)  # one per selected pair
        assert all(asked[r["id"]] == 0 for r in rows if r not in picked)  # never ran "other"
        # a failing case first asked by the resume got its 503 now; one answered before the
        # kill (or in flight at it) was retried and answered
        by = {r.case_id: r for r in run.records}
        for row in picked:
            failed_now = "fail" in row["input"] and asked[row["id"]] == 1
            assert by[row["id"]].ok is not failed_now, (row, asked[row["id"]])
        m = run.manifest
        errors = m["counts"]["errors"]
        assert m["status"] == "complete" and m["selection"]["selected"] == len(picked)
        assert m["counts"]["records"] == len(picked) and errors == sum(
            not r.ok for r in run.records
        )
        r = m["retry_errors"]
        assert r["retried"] == r["errored"] == r["ok"] and r["errored"] + errors >= 1

        assert main(["run", "--resume", "run", "--retry-errors", *common]) == 0
        again = read_run(tmp_path / "run")
        assert len(again.records) == len(picked) and all(r.ok for r in again.records)
        assert again.manifest["retry_errors"]["errored"] == errors
        assert again.manifest["counts"]["errors"] == 0 and len(again.manifest["resumed_at"]) == 2
        assert all(srv.attempts(r["input"]) == 0 for r in rows if r not in picked)
    # at most twice per case besides its one 503 (twice: in flight at the kill)
    assert all(asked[r["id"]] <= (3 if "fail" in r["input"] else 2) for r in picked)


def test_rescore_of_a_selected_retried_run_compares_partially_with_a_full_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run (full baseline) + run --case (candidate) -> retry -> score -> compare: the re-scored
    run has one record per pair, keeps the selection and every manifest key of the chain, and
    the comparison (CLI, Python, report) says it is partial and counts the latest records."""
    key = uuid.uuid4().hex
    ds = _write(tmp_path / "ds.jsonl", _rows())
    full, sel, rs = tmp_path / "full", tmp_path / "sel", tmp_path / "sel-rs"
    assert main(_adhoc(ds, full, key + "-base")) == 0
    assert main(_adhoc(ds, sel, key, "--case", "refund-*")) == 0
    assert main(["run", "--resume", str(sel), "--retry-errors", "--no-progress"]) == 0
    assert _lines(sel) == 5  # 3 + 2 retried: the error lines are still in the file
    capsys.readouterr()

    assert main(["score", str(sel), "--out", str(rs), "--scorer", "contains"]) == 0
    text = capsys.readouterr().out
    assert "selection: 3 of 5 cases (--case refund-*); a partial run" in text  # before: none
    got = read_run(rs)
    assert _lines(rs) == 3 and sorted(r.case_id for r in got.records) == [
        "refund-1",
        "refund-2",
        "refund-3",
    ]
    assert all(r.ok and "contains" in r.scores for r in got.records)
    source = read_run(sel).manifest
    m = got.manifest
    assert m["selection"] == source["selection"] and m["dataset"] == source["dataset"]
    assert m["dataset"]["version"] == load_eval_set(ds).version
    assert m["resumed_at"] == source["resumed_at"]
    assert m["retry_errors"] == {"errored": 2, "retried": 2, "ok": 2, "not_retried": 0}
    assert m["rescored_from"]["run_id"] == source["run_id"] != m["run_id"]
    per_scorer = ("scored", "scorer_errors")  # the new scorers'; the rest is the provider's
    assert {k: v for k, v in m["counts"].items() if k not in per_scorer} == {
        k: v for k, v in source["counts"].items() if k not in per_scorer
    }
    assert m["counts"]["errors"] == 0

    # the full baseline errored on refund-2 and refund-3; the candidate's retried records win
    cmp = compare(read_run(full), read_run(sel), n_boot=0)
    rate = cmp.overall.metric("errors.rate")
    assert rate is not None and rate.candidate == 0 and rate.baseline == pytest.approx(2 / 3)
    assert cmp.dataset.partial and cmp.candidate.records == 3
    assert main(["compare", str(full), str(rs), "--report", str(tmp_path / "r.html")]) == 0
    text = capsys.readouterr().out
    assert "partial: 3 of 5 cases selected in the candidate run (--case refund-*)" in text
    assert "errors: baseline 2 (auth 2), candidate 0" in text
    assert "partial 3/5" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_resuming_a_rescored_budget_stopped_run_finishes_it_and_keeps_rescored_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ``incomplete`` run re-scored, then the re-scored folder resumed: every pair once, the
    new ones scored by the re-score's scorers, ``rescored_from`` kept (before: dropped)."""
    key = uuid.uuid4().hex
    rows = [{"id": f"c{i}", "input": f"question {i}", "expected": f"echo: question {i}"}
            for i in range(6)]  # fmt: skip
    ds = _write(tmp_path / "ds.jsonl", rows)
    src, rs = tmp_path / "inc", tmp_path / "inc-rs"
    stop = ["--max-cost", "1e-9", "--concurrency", "1"]
    assert main(_adhoc(ds, src, key, *stop, model="gpt-4o-mini")) == 0
    assert read_run(src).manifest["status"] == "incomplete"
    assert main(["score", str(src), "--out", str(rs), "--scorer", "contains"]) == 0
    m = read_run(rs).manifest
    assert m["status"] == "incomplete" and m["counts"]["not_run"] == 5
    assert m["rescored_from"]["scorers_from"] == "given"
    assert (
        "the source run is incomplete (5 case repeat(s) never run); finish this one with: "
        f"evalkit run --resume {rs} --max-cost USD\n"
    ) in capsys.readouterr().out

    assert main(["run", "--resume", str(rs), "--max-cost", "1", "--no-progress"]) == 0
    run = read_run(rs)
    assert sorted(r.case_id for r in run.records) == [f"c{i}" for i in range(6)]
    assert _lines(rs) == 6  # nothing duplicated, nothing lost
    assert all(set(r.scores) == {"contains"} for r in run.records)
    m2 = run.manifest
    assert m2["status"] == "complete" and m2["counts"]["not_run"] == 0
    assert m2["rescored_from"] == m["rescored_from"]  # before: gone after the resume
    assert m2["run_id"] == m["run_id"] and len(m2["resumed_at"]) == 1
    assert read_run(src).manifest["status"] == "incomplete"  # the source is untouched
    assert all(sp.CALLS[key][(f"c{i}", 0)] == 1 for i in range(6))


def _suite_project(tmp_path: Path, key: str) -> None:
    _write(
        tmp_path / "ds.jsonl",
        [{"id": f"c{i}", "input": f"question {i}", "expected": f"echo: question {i}",
          "tags": ["even" if i % 2 == 0 else "odd"]} for i in range(6)],
    )  # fmt: skip
    (tmp_path / "evalkit.toml").write_text(
        f"""
[candidates.base]
provider = "{PROVIDER}"
model = "gpt-4o-mini"
options = {{ key = "{key}" }}
concurrency = 1
[candidates.cand]
provider = "{PROVIDER}"
model = "gpt-4o"
options = {{ key = "{key}" }}
[suites.s]
dataset = "ds.jsonl"
candidates = ["base", "cand"]
baseline = "base"
scorers = [{{ name = "fuzzy", threshold = 0.9 }}]
[[suites.s.gates]]
metric = "fuzzy.pass_rate"
max_drop = 0.05
""",
        encoding="utf-8",
    )


def test_a_suite_run_rescored_with_given_scorers_resumes_and_rescores_with_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: the manifest still named the config's suite, so --resume rebuilt the suite's
    scorers and refused ("the scorers changed (['exact_match'] -> ['fuzzy'])"), and scoring
    the re-scored run again silently went back to the suite's fuzzy scorer."""
    monkeypatch.chdir(tmp_path)
    _suite_project(tmp_path, uuid.uuid4().hex)
    common = ["--cache-dir", "cache", "--no-progress"]
    stop = ["--max-cost", "1e-9"]
    assert main(["run", "--suite", "s", "--candidate", "base", "--out", "b", *stop, *common]) == 0
    assert main(["score", "b", "--out", "b-rs", "--scorer", "exact_match"]) == 0
    capsys.readouterr()
    assert main(["run", "--resume", "b-rs", "--max-cost", "1", *common]) == 0, (
        capsys.readouterr().err
    )
    run = read_run("b-rs")
    assert len(run.records) == 6 and all(set(r.scores) == {"exact_match"} for r in run.records)
    assert run.manifest["suite"] == "s" and run.manifest["status"] == "complete"
    assert main(["score", "b-rs", "--out", "b-rs2"]) == 0
    again = read_run("b-rs2")
    assert all(set(r.scores) == {"exact_match"} for r in again.records)
    assert [s["name"] for s in again.manifest["scorers"]] == ["exact_match"]
    # a re-score from the suite follows the config, as the run itself does
    assert main(["score", "b", "--out", "b-suite"]) == 0
    assert read_run("b-suite").manifest["rescored_from"]["scorers_from"] == "config"


def test_check_with_a_selected_rescored_stored_baseline_needs_allow_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: without --allow-partial, a stored baseline that ran --tag even made check PASS
    (exit 0) on half the eval set; --case/--tag/--limit themselves were refused."""
    monkeypatch.chdir(tmp_path)
    _suite_project(tmp_path, uuid.uuid4().hex)
    common = ["--cache-dir", "cache", "--no-progress"]
    assert main(["run", "--suite", "s", "--candidate", "base", "--out", "b", "--tag", "even",
                 *common]) == 0  # fmt: skip
    assert main(["score", "b", "--out", "b-rs"]) == 0
    capsys.readouterr()
    check = ["check", "--suite", "s", "--candidate", "cand", "--baseline-run", "b-rs",
             "--no-progress", "--report", "r.html"]  # fmt: skip
    assert main([*check, "--out", "c0", "--json", "c0.json"]) == 2
    err = capsys.readouterr().err
    assert "--baseline-run b-rs selected 3 of 6 cases (--tag even)" in err
    assert "--allow-partial" in err and not Path("c0").exists() and not Path("c0.json").exists()

    assert main([*check, "--allow-partial", "--out", "c1", "--json", "c1.json"]) == 0
    assert json.loads(Path("c1.json").read_text())["partial"] is True
    assert "3 of 6 cases selected in the baseline run (--tag even)" in capsys.readouterr().out
    assert len(read_run("c1/s").records) == 6  # the candidate ran the whole set

    flags = ["--tag", "even", "--allow-partial", "--out", "c2", "--json", "c2.json"]
    assert main([*check, *flags]) == 0
    out = capsys.readouterr().out
    assert "verdict: PASS over suites s (partial: [s] 3 of 6 cases selected in both runs" in out
    assert json.loads(Path("c2.json").read_text())["partial"] is True
    assert read_run("c2/s").manifest["selection"]["tags"] == ["even"]


def test_a_rescored_run_whose_retry_the_budget_stopped_is_retried_in_its_own_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run --tag -> retry stopped by --max-cost (status incomplete, not_retried) -> score (the
    summary says what is left and how to finish it) -> --resume --retry-errors on the new
    folder: one record per pair, counts of the latest records, the source untouched."""
    key = uuid.uuid4().hex
    rows = [
        {"id": f"c{i}", "input": f"question {i}" + (" [[fail:1:auth]]" if i % 2 else ""),
         "expected": f"echo: question {i}", "tags": ["t"] if i < 6 else []}
        for i in range(8)
    ]  # fmt: skip
    ds = _write(tmp_path / "ds.jsonl", rows)
    src, rs = tmp_path / "r", tmp_path / "r-rs"
    assert main(_adhoc(ds, src, key, "--tag", "t", model="gpt-4o-mini")) == 0
    retry = ["run", "--resume", str(src), "--retry-errors", "--no-progress"]
    assert main([*retry, "--max-cost", "1e-9", "--concurrency", "1"]) == 0
    m = read_run(src).manifest
    assert m["status"] == "incomplete" and m["retry_errors"]["not_retried"] == 2
    capsys.readouterr()
    assert main(["score", str(src), "--out", str(rs)]) == 0
    assert (
        "the source run is incomplete (2 errored case repeat(s) not retried); finish this one "
        f"with: evalkit run --resume {rs} --retry-errors --max-cost USD\n"
    ) in capsys.readouterr().out
    assert _lines(rs) == 6 and read_run(rs).manifest["counts"]["errors"] == 2

    # the source's --max-cost 1e-9 is the resumed run's too: raise it to finish
    assert (
        main(["run", "--resume", str(rs), "--retry-errors", "--no-progress", "--max-cost", "1"])
        == 0
    )
    run = read_run(rs)
    m2 = run.manifest
    assert m2["status"] == "complete" and m2["counts"]["errors"] == 0
    assert m2["retry_errors"] == {"errored": 2, "retried": 2, "ok": 2, "not_retried": 0}
    assert m2["selection"]["tags"] == ["t"] and m2["rescored_from"]["run_id"] == m["run_id"]
    assert len(run.records) == 6 and _lines(rs) == 8 and all(r.ok for r in run.records)
    assert read_run(src).manifest["counts"]["errors"] == 2  # the source is never modified
    assert all(sp.CALLS[key][(str(r["id"]), 0)] == (2 if r["id"] in {"c1", "c3", "c5"} else 1)
               for r in rows[:6])  # fmt: skip
    assert not any(c in {"c6", "c7"} for c, _ in sp.CALLS[key])


def test_pytest_plugin_gates_against_rescored_stored_baselines(pytester: pytest.Pytester) -> None:
    """``pytest --evalkit-baseline RUN_DIR`` reads a re-scored run as any other: a whole one
    catches the candidate's two failures (max_drop fails); one re-scored from a run of the
    four cases the candidate gets right compares those only, and passes."""

    project = make_project(pytester.path)
    config = str(project / "evalkit.toml")
    base = ["run", "--config", config, "--suite", "qa", "--candidate", "base", "--no-progress"]
    assert main([*base, "--out", "full-src"]) == 0
    assert main([*base, "--case", "q[1-4]", "--out", "sel-src"]) == 0
    for name in ("full", "sel"):
        assert main(["score", f"{name}-src", "--out", name]) == 0
        assert read_run(project / name).manifest["rescored_from"]["scorers_from"] == "config"
    args = ["--evalkit-suite", "qa", "--evalkit-candidate", "cand", "-v"]
    whole = run_pytest(pytester, *args, "--evalkit-baseline", "full")
    whole.assert_outcomes(passed=2, failed=1)
    whole.stdout.fnmatch_lines(["*exact_match.pass_rate*cand*FAILED*"])
    part = run_pytest(pytester, *args, "--evalkit-baseline", "sel")
    part.assert_outcomes(passed=1, failed=2)  # the gates refuse a partial comparison
    part = run_pytest(pytester, *args, "--evalkit-baseline", "sel", "--evalkit-allow-partial")
    part.assert_outcomes(passed=3)


def test_pytest_plugin_says_a_selected_stored_baseline_is_partial(
    pytester: pytest.Pytester,
) -> None:

    project = make_project(pytester.path)
    cmd = ["run", "--config", str(project / "evalkit.toml"), "--suite", "qa"]
    assert main([*cmd, "--candidate", "base", "--case", "q[1-4]", "--out", "sel"]) == 0
    got = run_pytest(
        pytester, "--evalkit-suite", "qa", "--evalkit-candidate", "cand",
        "--evalkit-baseline", "sel", "-v", "-rA",
    )  # fmt: skip
    assert got.ret != 0 or "4 of 6 cases" in got.stdout.str()


def test_a_run_with_a_relative_config_resumes_and_rescores_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: ``--config evalkit.toml`` was recorded as given (relative), so ``--resume`` and
    ``evalkit score`` run from another folder did not find it and silently fell back to the
    manifest's scorers: an edited threshold was ignored there and applied in the project."""
    project = tmp_path / "proj"
    project.mkdir()
    monkeypatch.chdir(project)
    _suite_project(project, uuid.uuid4().hex)
    common = ["--cache-dir", "cache", "--no-progress"]
    run = ["run", "--config", "evalkit.toml", "--suite", "s", "--candidate", "base"]
    assert main([*run, "--out", "b", "--max-cost", "1e-9", *common]) == 0
    assert main(["score", "b", "--out", "b-rs", "--config", "evalkit.toml"]) == 0
    for name in ("b", "b-rs"):
        assert read_run(name).manifest["config"] == str(project / "evalkit.toml")
    toml = (project / "evalkit.toml").read_text(encoding="utf-8")
    (project / "evalkit.toml").write_text(toml.replace("threshold = 0.9", "threshold = 0.7"))
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--resume", "proj/b-rs", "--max-cost", "1", "--no-progress"]) == 0
    assert main(["score", "proj/b", "--out", "b-rs2"]) == 0
    capsys.readouterr()
    for name in ("proj/b-rs", "b-rs2"):
        (scorer,) = read_run(name).manifest["scorers"]
        assert scorer["name"] == "fuzzy" and scorer["args"]["threshold"] == 0.7, name
