"""Case selection end to end: ``evalkit run/check --case/--tag/--limit`` through the scripted
provider, the manifest's ``selection``, resume keeping it, bad ids, and a selected run compared
with a full baseline saying what it covers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.config import Candidate
from evalkit.dataset import load_eval_set
from evalkit.engine import RunOptions, run
from evalkit.errors import RunError
from evalkit.records import read_run
from tests.helpers import scripted_provider

PROVIDER = "tests.helpers.scripted_provider:ScriptedProvider"
ROWS = [
    {"id": "refund-1", "input": "r1", "expected": "echo: r1", "tags": ["billing"]},
    {"id": "ship-1", "input": "s1", "expected": "echo: s1", "tags": ["shipping", "hard"]},
    {"id": "refund-2", "input": "r2", "expected": "echo: r2", "tags": ["billing", "hard"]},
    {"id": "ship-2", "input": "s2", "expected": "echo: s2", "tags": ["shipping"]},
    {"id": "refund-3", "input": "r3", "expected": "echo: r3"},
]


@pytest.fixture
def ds(tmp_path: Path) -> Path:
    path = tmp_path / "support.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return path


def adhoc(ds: Path, out: Path, *extra: str, key: str = "sel") -> list[str]:
    return [
        "run", str(ds), "--provider", PROVIDER, "--model", "m", "--option", f"key={key}",
        "--scorer", "exact_match", "--out", str(out),
        "--cache-dir", str(out.parent / "cache"), "--no-progress", *extra,
    ]  # fmt: skip


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--case", "ship-2", "--case", "refund-1"], ["refund-1", "ship-2"]),
        (["--case", "refund-*"], ["refund-1", "refund-2", "refund-3"]),
        (["--tag", "hard", "--tag", "billing"], ["refund-1", "ship-1", "refund-2"]),
        (["--case", "refund-*", "--tag", "hard"], ["refund-2"]),
        (["--tag", "shipping", "--limit", "1"], ["ship-1"]),
        (["--limit", "2"], ["refund-1", "ship-1"]),
    ],
)
def test_run_selects_cases_and_the_manifest_records_it(
    tmp_path: Path,
    ds: Path,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    expected: list[str],
) -> None:
    out = tmp_path / "run"
    assert main(adhoc(ds, out, *flags)) == 0
    r = read_run(out)
    assert sorted(rec.case_id for rec in r.records) == sorted(expected)
    sel = r.manifest["selection"]
    assert sel["selected"] == len(expected) and sel["of"] == 5
    assert sel["cases"] == [f for i, f in enumerate(flags) if i and flags[i - 1] == "--case"]
    assert sel["tags"] == [f for i, f in enumerate(flags) if i and flags[i - 1] == "--tag"]
    assert sel["limit"] == (int(flags[-1]) if "--limit" in flags else None)
    # the dataset keeps the whole file's version; cases counts the cases run
    assert r.manifest["dataset"]["version"] == load_eval_set(ds).version
    assert r.manifest["dataset"]["cases"] == len(expected)
    assert f"selection: {len(expected)} of 5 cases (" in capsys.readouterr().out


def test_a_full_run_records_no_selection(tmp_path: Path, ds: Path) -> None:
    assert main(adhoc(ds, tmp_path / "run")) == 0
    assert read_run(tmp_path / "run").manifest["selection"] is None


def test_resume_reselects_the_recorded_cases_and_refuses_another_selection(
    tmp_path: Path, ds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    scripted_provider.CALLS.pop("resume-sel", None)
    assert main(adhoc(ds, out, "--case", "refund-*", "--limit", "2", key="resume-sel")) == 0
    # as if killed after the first record
    results = out / "results.jsonl"
    first = results.read_text().splitlines()[0]
    results.write_text(first + "\n")
    capsys.readouterr()

    common = ["--cache-mode", "off", "--no-progress"]
    assert main(["run", "--resume", str(out), "--tag", "billing", *common]) == 2
    err = capsys.readouterr().err
    assert "the run selected 2 of 5 cases (--case refund-* --limit 2)" in err
    assert "but --tag billing was asked; leave --case, --tag and --limit out" in err

    assert main(["run", "--resume", str(out), *common]) == 0  # no flags: the run's selection
    r = read_run(out)
    assert sorted(rec.case_id for rec in r.records) == ["refund-1", "refund-2"]
    assert r.manifest["selection"]["selected"] == 2 and r.manifest["status"] == "complete"
    called = {cid for cid, _ in scripted_provider.CALLS["resume-sel"]}
    assert called == {"refund-1", "refund-2"}  # never a case outside the selection
    # the same flags again are the same selection: nothing left to run
    assert main(["run", "--resume", str(out), "--limit", "2", "--case", "refund-*", *common]) == 0


def test_python_resume_with_another_selection_is_refused(tmp_path: Path, ds: Path) -> None:
    out = tmp_path / "run"
    assert main(adhoc(ds, out, "--tag", "hard")) == 0
    cand = Candidate.from_dict(
        "m", {"provider": PROVIDER, "model": "m", "options": {"key": "sel"}}, base_dir=tmp_path
    )
    opts = RunOptions(out_dir=out, resume=True, progress=False, cache_dir=tmp_path / "cache")
    with pytest.raises(RunError, match=r"the run selected 2 of 5 cases .* the whole eval set"):
        run(load_eval_set(ds), cand, [], opts)


def test_bad_ids_and_tags_are_bad_input_with_suggestions(
    tmp_path: Path, ds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(adhoc(ds, out, "--case", "refund-01", "--case", "shp-*", "--tag", "biling")) == 2
    err = capsys.readouterr().err
    assert '--case refund-01: no case has this id; closest: "refund-1"' in err
    assert '--case shp-*: no case id matches this pattern; closest: "ship-1"' in err
    assert '--tag biling: no case has this tag; closest: "billing"' in err
    assert main(adhoc(ds, out, "--case", "ship-*", "--tag", "billing")) == 2
    assert "leaves no case" in capsys.readouterr().err
    assert main(adhoc(ds, out, "--limit", "0")) == 2
    assert "--limit: must be >= 1" in capsys.readouterr().err
    assert not out.exists()  # refused before anything was written or paid for


def test_compare_of_a_selected_run_with_a_full_baseline_says_what_it_covers(
    tmp_path: Path, ds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, cand = tmp_path / "base", tmp_path / "cand"
    assert main(adhoc(ds, base)) == 0
    assert main(adhoc(ds, cand, "--case", "refund-*")) == 0
    capsys.readouterr()
    js, md = tmp_path / "cmp.json", tmp_path / "cmp.md"
    assert main(["compare", str(base), str(cand), "--json", str(js), "--markdown", str(md)]) == 0
    out = capsys.readouterr().out
    assert (
        "verdict: PASS (partial: 3 of 5 cases selected in the candidate run (--case refund-*))"
        in out
    )
    assert "only the 3 case(s) of both runs are compared and gated" in out
    cmp = json.loads(js.read_text())
    match = cmp["dataset"]
    assert match["partial"] is True and match["shared"] == 3 and match["same_version"] is True
    assert match["baseline_selection"] is None
    assert match["candidate_selection"]["selected"] == 3
    assert cmp["overall"]["cases"] == 3  # statistics over the common cases only
    assert "PASS (partial: 3 of 5 cases selected in the candidate run" in md.read_text()


CONFIG = """
runs_dir = "runs"
reports_dir = "reports"
cache_dir = "cache"

[candidates.base]
provider = "tests.helpers.scripted_provider:ScriptedProvider"
model = "m"

[candidates.cand]
provider = "tests.helpers.scripted_provider:ScriptedProvider"
model = "m"
system = "Be brief."

[suites.qa]
dataset = "support.jsonl"
candidates = ["base", "cand"]
scorers = ["exact_match"]

[[suites.qa.gates]]
metric = "exact_match.pass_rate"
max_drop = 0.1
"""


def test_check_needs_allow_partial_and_its_verdict_names_the_coverage(
    tmp_path: Path, ds: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evalkit.toml").write_text(CONFIG)
    assert main(["check", "--tag", "hard", "--no-progress"]) == 2
    assert "add --allow-partial" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()  # refused before anything ran

    js = tmp_path / "v.json"
    code = main(["check", "--tag", "hard", "--allow-partial", "--json", str(js), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert "verdict: PASS over suites qa (partial: [qa] 2 of 5 cases selected in both runs " in out
    data = json.loads(js.read_text())
    assert data["partial"] is True and data["suites"][0]["partial"] is True

    # a selected candidate against a stored full baseline run
    assert (
        main(["run", "--suite", "qa", "--candidate", "base", "--out", "full", "--no-progress"]) == 0
    )
    capsys.readouterr()
    args = ["check", "--baseline-run", "full", "--candidate", "cand", "--case", "ship-1"]
    assert main([*args, "--allow-partial", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "(partial: [qa] 1 of 5 cases selected in the candidate run (--case ship-1)" in out
