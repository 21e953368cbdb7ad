"""The end-of-run summary's scorer lines (evalkit/cli/_run_summary.py): each figure says how
many cases it is over."""

from __future__ import annotations

from pathlib import Path

from evalkit.cli._run_summary import scorer_lines
from evalkit.scoring import Score
from tests.helpers.runs import make_record, make_run

NO_VERDICT = Score(None, None, "compliance; the case sets no should_refuse: no outcome")


def test_a_case_without_value_or_verdict_is_not_counted_in_the_figures(tmp_path: Path) -> None:
    # QA10 #11: refusal over 7 cases, one without should_refuse (no value, no verdict): the
    # mean and the pass rate are over 6, and the line said "over 7 case(s)".
    scores = [True, True, True, True, False, False, NO_VERDICT]
    recs = [make_record(f"c{i}", {"refusal": s}) for i, s in enumerate(scores)]
    (line,) = scorer_lines(make_run(tmp_path / "run", recs))
    assert line.startswith("  refusal: mean 0.667 [")
    assert "pass rate 66.7% [" in line
    assert line.endswith("] over 6 of 7 case(s)"), line


def test_figures_over_different_cases_each_say_their_count(tmp_path: Path) -> None:
    # a value without a verdict counts in the mean only
    scores = [True, False, Score(0.5, None, "no verdict"), NO_VERDICT]
    recs = [make_record(f"c{i}", {"mine": s}) for i, s in enumerate(scores)]
    (line,) = scorer_lines(make_run(tmp_path / "run", recs))
    assert "mean 0.500 [" in line and "] over 3 of 4 case(s), pass rate 50.0% [" in line
    assert line.endswith("] over 2 of 4 case(s)"), line


def test_every_case_counted_reads_as_before(tmp_path: Path) -> None:
    recs = [make_record(c, {"acc": ok}) for c, ok in zip("abc", (True, True, False), strict=True)]
    (line,) = scorer_lines(make_run(tmp_path / "run", recs))
    assert line.endswith("] over 3 case(s)"), line


def test_errors_are_counted_as_records_and_named_by_kind(tmp_path: Path) -> None:
    # QA11 #10: "over 6 case(s), 4 error(s)" put record counts (2 cases x 2 repeats) beside
    # case counts, with provider and scorer errors in one number.
    recs = [make_record(f"c{i}", {"acc": True}, repeat=r) for i in range(4) for r in range(2)]
    recs += [make_record("c4", {}, repeat=r, error="timeout") for r in range(2)]
    recs += [make_record("c5", {"acc": Score.failure("boom")}, repeat=r) for r in range(2)]
    (line,) = scorer_lines(make_run(tmp_path / "run", recs))
    assert ", 2 record(s) with a provider error" in line, line
    assert ", 2 record(s) with a scorer error (unscored)" in line, line
    assert "error(s)" not in line
