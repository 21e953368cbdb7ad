"""The verdict's built-in rule on empty answers (``gates_builtin.new_empty_answers``): a candidate
that answers "" (no text, no tool call) where the baseline answered is no PASS by default, even
when every gate on claims, refusals and cost passes; a suite that gates ``empty.rate`` opts
out. (Provider errors: tests/test_gates_errors.py.)"""

from __future__ import annotations

from pathlib import Path

from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.providers.base import ToolCall
from evalkit.records import Run
from tests.helpers.runs import candidate_dict, make_record, make_run


def _runs(
    tmp_path: Path, empty: set[int], *, base_empty: set[int] = frozenset()
) -> tuple[Run, Run]:
    """Eight cases scored ``g`` 1.0 on both sides (an empty answer makes no claim, so a claim
    scorer gives it 1.0 too); the given cases' answers are empty."""
    base = [
        make_record(f"c{i}", {"g": 1.0}, output="" if i in base_empty else "It is 14 days.")
        for i in range(8)
    ]
    cand = [
        make_record(
            f"c{i}", {"g": 1.0}, output=" \n" if i in empty else "14 days.", candidate="cand"
        )
        for i in range(8)
    ]
    b = make_run(tmp_path / "b", base, scorers=["g"])
    c = make_run(tmp_path / "c", cand, scorers=["g"], candidate=candidate_dict("cand"))
    return b, c


def test_new_empty_answers_fail_the_verdict_although_every_gate_passes(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, {2, 5})
    v = compare(
        b, c, gates=[Gate("g.mean", max_drop=0.0), Gate("cost.per_case", max_rise_pct=10)]
    ).verdict
    assert v.status == "FAIL"
    *gates, empty = v.results
    assert all(g.passed for g in gates)
    assert (empty.rule, empty.metric, empty.passed) == ("new_empty_answers", "empty.rate", False)
    assert empty.cases == ("c2", "c5") and empty.observed == 2
    assert empty.reason.startswith("2 of 8 compared case(s) have an empty answer in the candidate")
    assert "gate empty.rate in the suite" in empty.reason
    # the run metric the opt-out gates on
    delta = compare(b, c).overall.metric("empty.rate")
    assert delta is not None
    assert (delta.baseline, delta.candidate) == (0.0, 0.25)


def test_empty_answers_the_baseline_gave_too_or_tool_calls_are_not_new(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, {2}, base_empty={2})
    assert compare(b, c).verdict.status == "PASS"
    # an answer that is only a tool call is not empty
    call = ToolCall(name="lookup_order", arguments={"id": "A-1"})
    base = [make_record("c0", {"g": 1.0})]
    cand = [make_record("c0", {"g": 1.0}, output="", tool_calls=[call], candidate="cand")]
    b2 = make_run(tmp_path / "b2", base, scorers=["g"])
    c2 = make_run(tmp_path / "c2", cand, scorers=["g"], candidate=candidate_dict("cand"))
    assert compare(b2, c2).verdict.status == "PASS"


def test_a_suite_gate_on_empty_rate_is_the_opt_out(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, {2, 5})
    v = compare(b, c, gates=[Gate("empty.rate", max=0.3)]).verdict
    assert v.status == "PASS" and [r.rule for r in v.results] == ["max"]
    v = compare(b, c, gates=[Gate("empty.rate", max=0.1)]).verdict
    assert v.status == "FAIL" and [r.rule for r in v.results] == ["max"]
    # a tagged gate on it does not opt the whole comparison out
    v = compare(b, c, gates=[Gate("empty.rate", max=1.0, tag="rag")]).verdict
    assert "new_empty_answers" in [r.rule for r in v.results]


def test_a_tag_a_partial_selection_did_not_run_is_skipped_not_failed(tmp_path: Path) -> None:
    from dataclasses import replace

    from evalkit.dataset import Selection
    from evalkit.gates import evaluate_gates

    b, c = _runs(tmp_path, set())
    whole = compare(b, c)
    gate = Gate("g.mean", tag="high-risk", max_drop=0.0)
    (failed,) = evaluate_gates(whole, [gate]).results
    assert failed.status == "fail" and "no shared case is tagged 'high-risk'" in failed.reason
    tools = Selection((), ("tools",), 4, selected=4, of=40)
    partial = replace(whole, dataset=replace(whole.dataset, candidate_selection=tools))
    verdict = evaluate_gates(partial, [gate])
    (skipped,) = verdict.results
    assert verdict.status == "PASS" and skipped.status == "skip"
    assert skipped.reason.startswith("g.mean on cases tagged 'high-risk': not checked: the ")
    assert "(4 of 40 cases selected in the candidate run (--tag tools --limit 4))" in (
        skipped.reason
    )
