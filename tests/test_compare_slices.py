"""A case's status in a comparison (``compare_slices.pair_status``): a new failure on one scorer
is a regression even when another scorer already failed the case on both sides (QA10 finding
5: it read "unchanged fail", was left out of the worst regressions and the report's
"regressions only" filter, and pytest called it XFAIL)."""

from __future__ import annotations

from pathlib import Path

from evalkit.compare import compare
from evalkit.comparison import Comparison
from evalkit.config import Gate
from evalkit.frames import cases_frame
from evalkit.report.cases import case_views
from evalkit.summary import terminal_summary, worst_regressions
from tests.helpers.runs import candidate_dict, make_record, make_run


def _compare(
    tmp_path: Path, base: dict[str, dict[str, bool]], cand: dict[str, dict[str, bool]]
) -> Comparison:
    b = make_run(tmp_path / "b", [make_record(k, v) for k, v in base.items()], scorers=["a", "t"])
    c = make_run(
        tmp_path / "c",
        [make_record(k, v, candidate="c") for k, v in cand.items()],
        scorers=["a", "t"],
        candidate=candidate_dict("c"),
    )
    return compare(b, c, gates=[Gate("cases", no_new_failures=True)])


def test_a_new_failure_on_one_scorer_is_a_regression_though_another_failed_on_both_sides(
    tmp_path: Path,
) -> None:
    cmp = _compare(
        tmp_path,
        {"t1": {"a": False, "t": True}, "ok": {"a": True, "t": True}},
        {"t1": {"a": False, "t": False}, "ok": {"a": True, "t": True}},
    )
    row = {r.case_id: r for r in cmp.cases}["t1"]
    assert row.status == "regression"  # was unchanged_fail
    assert row.scorer_status == {"a": "unchanged_fail", "t": "regression"}
    assert cmp.overall.counts.regression == 1 and cmp.overall.counts.unchanged_fail == 0
    assert [r.case_id for r in worst_regressions(cmp)] == ["t1"]
    assert [r.case_id for r in cmp.rows(status="regression")] == ["t1"]
    # the overall no_new_failures gate and the summary's "worst regressions" follow
    (gate,) = cmp.verdict.results
    assert not gate.passed and gate.cases == ("t1",)
    assert "worst regressions (1 in all):\n  t1: t: wrong\n" in terminal_summary(cmp)
    # the notebook frame and the report's case rows (its "regressions only" filter reads `st`)
    frame = cases_frame([cmp]).set_index("case_id")
    assert frame.loc["t1", "status"] == "regression"
    (view,) = [v for v in case_views(cmp.cases) if v["id"] == "t1"]
    assert view["st"] == "regression" and view["reg"] == ["t"]


def test_otherwise_the_overall_verdicts_decide_as_before(tmp_path: Path) -> None:
    cmp = _compare(
        tmp_path,
        {
            "fixed_one": {"a": False, "t": False},  # one scorer improves, the other still fails
            "swap": {"a": True, "t": False},  # t improves, a newly fails
            "better": {"a": False, "t": True},
            "same": {"a": False, "t": False},
        },
        {
            "fixed_one": {"a": True, "t": False},
            "swap": {"a": False, "t": True},
            "better": {"a": True, "t": True},
            "same": {"a": False, "t": False},
        },
    )
    status = {r.case_id: r.status for r in cmp.cases}
    assert status == {
        "fixed_one": "unchanged_fail",
        "swap": "regression",  # a newly fails, whatever t did
        "better": "improvement",
        "same": "unchanged_fail",
    }
