"""evalkit.expect: bounds on a scorer, messages naming the cases behind a miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.assertions import ScoreExpectationError, expect, summarise_scorer
from evalkit.records import ErrorInfo, Record
from evalkit.scoring import Score


def rec(
    case: str,
    value: float | None,
    *,
    repeat: int = 0,
    error: str | None = None,
    tags: tuple[str, ...] = (),
    scorer_error: str | None = None,
) -> Record:
    scores = {}
    if error is None:
        passed = None if value is None else value >= 0.5
        scores["g"] = Score(value, passed, "why", error=scorer_error)
    return Record(
        case_id=case,
        repeat=repeat,
        candidate="cand",
        fingerprint="f",
        request={},
        scores=scores,
        error=ErrorInfo(error, "missing", None, 0) if error else None,
        tags=tags,
    )


def test_min_mean_message_names_lowest_cases_first() -> None:
    records = [rec(f"c{i}", 1.0) for i in range(10)] + [rec("bad-2", 0.3), rec("bad-1", 0.1)]
    with pytest.raises(ScoreExpectationError) as info:
        expect(records, "g", min_mean=0.9)
    assert str(info.value) == "cand: g 0.87 < 0.90 on 12 cases: bad-1 (0.10), bad-2 (0.30)"
    assert info.value.summary.failed == ("bad-1", "bad-2")
    assert expect(records, "g", min_mean=0.8).n == 12


def test_pass_rate_repeats_and_tags() -> None:
    records = [
        rec("a", 1.0),
        rec("a", 0.0, repeat=1),  # a tie fails
        rec("b", 1.0, tags=("x",)),
        rec("c", 0.0, tags=("x",)),
    ]
    s = summarise_scorer(records, "g")
    assert s.values == {"a": 0.5, "b": 1.0, "c": 0.0}
    assert s.pass_rate == pytest.approx(1 / 3)
    with pytest.raises(ScoreExpectationError, match=r"cand: g \[x\] pass rate 0.50 < 0.60"):
        expect(records, "g", min_pass_rate=0.6, tag="x")
    with pytest.raises(ScoreExpectationError, match=r"g 0.50 > 0.40 on 3 cases: b \(1.00\)"):
        expect(records, "g", max_mean=0.4)


def test_missing_answers_and_scorer_errors_never_pass() -> None:
    records = [
        rec("ok", 1.0),
        rec("gone", None, error="cache_miss"),
        rec("broke", None, scorer_error="boom"),
    ]
    with pytest.raises(ScoreExpectationError) as info:
        expect(records, "g", min_mean=0.5)
    msg = str(info.value)
    assert "2 cases have no score (cache_miss; scorer error: boom): gone, broke" in msg
    with pytest.raises(ScoreExpectationError, match="no case has a score; scorers in this run: g"):
        expect([rec("y", None)], "g", min_mean=0.1)  # skipped by the scorer: nothing scored
    with pytest.raises(TypeError):
        expect(records, "g")


def test_the_hint_for_unscored_cases_follows_their_error_kinds() -> None:
    """A recording hint for a provider outage would send the reader the wrong way."""
    down = [rec("a", None, error="connection"), rec("b", None, error="connection")]
    with pytest.raises(ScoreExpectationError) as info:
        expect(down, "g", min_mean=0.5)
    msg = str(info.value)
    assert "2 cases have no score (connection): a, b; a provider error:" in msg
    assert "--retry-errors" in msg
    assert "--evalkit-mode record" not in msg
    assert "no case has a score" not in msg  # the unscored cases already say why
    with pytest.raises(ScoreExpectationError) as info:
        expect([rec("a", None, error="cache_miss")], "g", min_mean=0.5)
    assert "--evalkit-mode record" in str(info.value)
    assert "provider error" not in str(info.value)
    with pytest.raises(ScoreExpectationError) as info:
        expect([rec("a", None, scorer_error="boom")], "g", min_mean=0.5)
    assert "a scorer error: its message names" in str(info.value)
    assert "--evalkit-mode record" not in str(info.value)


def test_suite_result_needs_a_candidate_when_ambiguous() -> None:
    from evalkit.api import SuiteResult
    from evalkit.records import Run

    runs = {n: Run(path=Path(n), manifest={}, records=()) for n in "abc"}
    result = SuiteResult("s", "a", runs, ())
    with pytest.raises(TypeError, match="pass candidate=NAME"):
        expect(result, "g", min_mean=0.5)
    with pytest.raises(KeyError, match="did not run"):
        expect(result, "g", min_mean=0.5, candidate="z")


def test_a_tag_no_case_has_is_named_with_the_tags_there_are() -> None:
    records = [rec("a", 1.0, tags=("easy",)), rec("b", 0.0, tags=("hard",))]
    with pytest.raises(ScoreExpectationError) as info:
        expect(records, "g", min_mean=0.5, tag="hrad")
    assert (
        str(info.value) == "cand: g [hrad]: no case is tagged 'hrad'; tags in this run: easy, hard"
    )
    assert "no case has a score" not in str(info.value)
    assert expect(records, "g", max_mean=0.0, tag="hard").n == 1


def test_the_provider_error_hint_names_the_run_folder_to_resume(tmp_path: Path) -> None:
    """QA7 finding 7: the hint said `evalkit run --resume RUN_DIR`, a placeholder."""
    from evalkit.records import Run

    run = Run(
        path=tmp_path / "runs" / "cand", manifest={}, records=(rec("a", None, error="connection"),)
    )
    with pytest.raises(ScoreExpectationError) as info:
        expect(run, "g", min_mean=0.5)
    msg = str(info.value)
    assert f"evalkit run --resume {tmp_path / 'runs' / 'cand'} --retry-errors" in msg
    assert "RUN_DIR" not in msg


def test_a_comparison_or_other_object_gets_a_message_saying_what_to_pass(tmp_path: Path) -> None:
    """QA14 F12: expect(comparison, ...) failed with an internal TypeError (not iterable), and
    expect([comparison], ...) with an AttributeError."""
    from evalkit.api import evaluate
    from evalkit.errors import InputError
    from evalkit.records import read_run

    from .test_cli_check import project

    result = evaluate("qa", config=project(tmp_path, 0.5))
    comparison = result.comparisons[0]
    with pytest.raises(InputError) as info:
        expect(comparison, "exact_match", min_mean=0.5)
    msg = str(info.value)
    assert msg.startswith("expect(): got a Comparison; it takes a SuiteResult")
    assert f"expect(evalkit.read_run({str(comparison.candidate.path)!r}), ...)" in msg
    with pytest.raises(InputError, match=r"got a Comparison \(an item of the list given\)"):
        expect([comparison], "exact_match", min_mean=0.5)
    with pytest.raises(InputError, match="got a dict"):
        expect({"case_id": "a"}, "exact_match", min_mean=0.5)
    with pytest.raises(InputError, match="got a NoneType; it takes a SuiteResult"):
        expect(None, "exact_match", min_mean=0.5)  # QA15 F11
    # what the message advises works
    run = read_run(comparison.candidate.path)
    assert expect(run, "exact_match", min_mean=0.5).n == 8
