"""An unfinished run (provider quota, cost cap, interrupt, kill) fails the verdict (QA12 F1).

`evalkit check` passed a candidate that stopped after 2 of 33 cases, with ``partial: false``:
compare paired the cases it answered as if it were a selection nobody asked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import main
from evalkit.compare import compare
from evalkit.records import Run
from evalkit.report import write_report
from evalkit.summary import verdict_text
from tests.helpers.browser import open_page
from tests.helpers.runs import candidate_dict, make_record, make_run

PIPE = """
from evalkit.errors import ProviderError

def answer(request, **_):
    n = int(request.case_id[1:])
    if n >= 3:  # a spent daily quota: the provider asks to wait ten minutes
        raise ProviderError("rate_limit", "You exceeded your current quota", status=429,
                            retryable=True, retry_after=600)
    return f"a{n}"
"""

CONFIG = """
runs_dir = "runs"
reports_dir = "out"

[candidates.base]
provider = "replay"
model = "gpt-4o-mini"
options = { path = "base.jsonl" }

[candidates.cand]
provider = "callable"
model = "pipe"
concurrency = 1
options = { target = "pipe.py:answer" }

[suites.qa]
dataset = "qa.jsonl"
candidates = ["base", "cand"]
scorers = [{ name = "exact_match", args = { ignore_case = true } }]

[[suites.qa.gates]]
metric = "exact_match.pass_rate"
max_drop = 0.1
"""


def _pair(
    tmp_path: Path, status: str | None, stopped: dict[str, str] | None = None
) -> tuple[Run, Run]:
    base = make_run(tmp_path / "base", [make_record(f"q{i}", {"acc": True}) for i in range(5)])
    cand = make_run(
        tmp_path / "cand",
        [make_record(f"q{i}", {"acc": True}, candidate="cand") for i in range(2)],
        candidate=candidate_dict("cand"),
    )
    manifest: dict[str, Any] = {
        **cand.manifest,
        "dataset": {**cand.manifest["dataset"], "cases": 5},
    }
    if status is not None:
        manifest["status"] = status
    if stopped is not None:
        manifest["stopped"] = stopped
    return base, Run(cand.path, manifest, cand.records)


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("interrupted", "interrupted after 2 of 5 cases"),
        ("running", "still running, or killed, after 2 of 5 cases"),
        ("aborted", "aborted after 2 of 5 cases"),
    ],
)
def test_an_unfinished_candidate_fails_the_verdict_and_says_how_to_finish(
    tmp_path: Path, status: str, said: str
) -> None:
    base, cand = _pair(tmp_path, status)
    cmp = compare(base, cand)
    assert not cmp.passed
    first = cmp.verdict.failures[0]
    assert (first.rule, first.metric) == ("finished", "runs")
    assert first.reason.startswith(f"the candidate run is unfinished ({said})")
    assert f"finish it with evalkit run --resume {cand.path} and compare" in first.reason
    assert "`" not in first.reason  # a Markdown summary escaped them (QA13 F6)
    assert "--allow-partial" in first.reason
    assert cmp.dataset.partial and cmp.dataset.unfinished
    # the cases the run never reached are named as such, not as a selection's (QA13 F5)
    assert "(not answered (yet) by the unfinished candidate run)" in cmp.dataset.note
    assert verdict_text(cmp) == f"FAIL (partial: the candidate run is unfinished ({said}))"
    accepted = compare(base, cand, allow_partial=True)
    assert accepted.passed and accepted.dataset.partial
    assert verdict_text(accepted).startswith("PASS (partial: the candidate run is unfinished")
    again = type(cmp).from_dict(json.loads(json.dumps(cmp.to_dict())))
    assert again.candidate.status == status and again.dataset.unfinished == cmp.dataset.unfinished


def test_the_reason_names_what_stopped_it_and_finished_runs_are_left_alone(
    tmp_path: Path,
) -> None:
    stop = {"by": "budget", "reason": "--max-cost 0.03 reached: spent $0.0251"}
    base, cand = _pair(tmp_path, "incomplete", stop)
    (first,) = compare(base, cand).verdict.failures
    assert first.reason.startswith(
        "the candidate run is unfinished (stopped by the cost cap after 2 of 5 cases: "
        "--max-cost 0.03 reached: spent $0.0251)"
    )
    # the cap stops a resumed run again at once unless raised (QA13 F3)
    assert f"evalkit run --resume {cand.path} --max-cost USD (a higher cap)" in first.reason
    for status in ("complete", None):  # None: a run written before statuses
        base, cand = _pair(tmp_path / str(status), status)
        cmp = compare(base, cand)
        assert cmp.passed and not cmp.dataset.unfinished and not cmp.dataset.partial


def test_an_unfinished_baseline_is_named_too(tmp_path: Path) -> None:
    base, cand = _pair(tmp_path, "interrupted")
    cmp = compare(cand, base)  # the short run as the baseline
    assert cmp.verdict.failures[0].reason.startswith("the baseline run is unfinished")


def _project(tmp_path: Path) -> Path:
    cases = [{"id": f"q{i}", "input": f"question {i}", "expected": f"A{i}"} for i in range(8)]
    (tmp_path / "qa.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    answers = [{"case_id": f"q{i}", "output": f"a{i}"} for i in range(8)]
    (tmp_path / "base.jsonl").write_text("".join(json.dumps(a) + "\n" for a in answers))
    (tmp_path / "pipe.py").write_text(PIPE)
    (tmp_path / "evalkit.toml").write_text(CONFIG)
    return tmp_path / "evalkit.toml"


def test_check_fails_a_candidate_the_provider_stopped_unless_partial_is_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path)
    js, md = tmp_path / "v.json", tmp_path / "v.md"
    args = [
        "check",
        "--config",
        str(cfg),
        "--no-progress",
        "--json",
        str(js),
        "--markdown",
        str(md),
    ]
    assert main(args) == 1  # was 0: PASS on 3 of 8 cases
    out = capsys.readouterr().out
    short = "the candidate run is unfinished (stopped by the provider after 3 of 8 cases)"
    assert f"verdict: FAIL over suites qa (partial: [qa] {short}" in out
    assert (
        "FAIL  the candidate run is unfinished (stopped by the provider after 3 of 8 cases: " in out
    )
    assert "You exceeded your current quota" in out
    data = json.loads(js.read_text())
    assert (data["status"], data["partial"]) == ("FAIL", True)
    assert md.read_text().startswith(f"### ❌ evalkit: FAIL (partial: {short})")

    assert main([*args, "--allow-partial"]) == 0
    out = capsys.readouterr().out
    assert f"verdict: PASS over suites qa (partial: [qa] {short}" in out
    assert json.loads(js.read_text())["partial"] is True


def test_compare_and_report_commands_take_allow_partial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, cand = _pair(tmp_path, "interrupted")
    (cand.path / "manifest.json").write_text(json.dumps(cand.manifest))
    assert main(["compare", str(base.path), str(cand.path)]) == 1
    assert "verdict: FAIL (partial: the candidate run is unfinished" in capsys.readouterr().out
    assert main(["compare", str(base.path), str(cand.path), "--allow-partial"]) == 0
    out = tmp_path / "r.html"
    assert main(["report", str(base.path), str(cand.path), "--out", str(out)]) == 1
    assert (
        main(["report", str(base.path), str(cand.path), "--out", str(out), "--allow-partial"]) == 0
    )


def test_the_report_banner_fails_and_names_the_unfinished_run(browser: Any, tmp_path: Path) -> None:
    base, cand = _pair(tmp_path, "interrupted")
    page, watch = open_page(browser, write_report(compare(base, cand), tmp_path / "r.html"))
    assert watch.clean, watch
    assert page.inner_text("#overall-verdict").startswith("FAIL")
    text = page.inner_text("#section-0")
    assert "the candidate run is unfinished (interrupted after 2 of 5 cases)" in text
    assert "evalkit run --resume" in text
    page.close()


def test_missing_repeats_are_counted_as_repeats(tmp_path: Path) -> None:
    """QA13 F15: with --repeats 3, an interrupted run read "after 30 of 30 cases"."""
    base = make_run(
        tmp_path / "b",
        [make_record(f"q{i}", {"acc": True}, repeat=k) for i in range(3) for k in range(3)],
        repeats=3,
    )
    recs = [make_record(f"q{i}", {"acc": True}, repeat=0, candidate="cand") for i in range(3)]
    cand = make_run(tmp_path / "c", recs, candidate=candidate_dict("cand"), repeats=3)
    cand = Run(cand.path, {**cand.manifest, "status": "interrupted"}, cand.records)
    (first,) = compare(base, cand).verdict.failures
    assert first.reason.startswith(
        "the candidate run is unfinished (interrupted after 3 of 9 case repeats): the "
        "comparison rests on the repeats answered so far only"
    )


def test_check_refuses_an_unfinished_stored_baseline_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA13 F4: it ran (and paid for) every candidate, then failed; a selected stored
    baseline was refused up front, and an unfinished one now is too."""
    cfg = _project(tmp_path)
    base, _ = _pair(tmp_path / "stored", "interrupted")
    manifest = json.loads((base.path / "manifest.json").read_text())
    (base.path / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}))
    args = ["check", "--config", str(cfg), "--no-progress", "--baseline-run", str(base.path)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"--baseline-run {base.path} is unfinished (status interrupted)" in err
    assert not (tmp_path / "runs").exists()  # nothing ran
