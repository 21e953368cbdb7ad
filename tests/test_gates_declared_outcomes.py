"""A gate on an outcome rate a scorer cannot emit is an unknown metric, not a rate of 0.

``gates._implicit_rate`` reads ``<scorer>.<label>_rate`` for a label no case had as 0 on both
sides, so "no new under-refusal" works before the first under-refusal; but a typo
(``tool_calls.wrong_tol_rate``) then passed every gate at 0 (QA12, F5's follow-up). A scorer
that declares its outcomes (``Scorer.outcomes``) now closes that hole.
"""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.scoring import Score
from tests.helpers.runs import candidate_dict, make_record, make_run

SPEC = {"name": "tool_calls", "args": {}, "ref": "evalkit.scorers.tool_calls:ToolCalls"}
OPEN = {"name": "mine", "args": {}, "ref": "tests.nowhere:Mine"}  # declares nothing


def _pair(tmp_path: Path):  # type: ignore[no-untyped-def]
    ok = Score(1.0, True, "ok", {"outcome": "correct"})
    recs = [make_record(f"c{i}", {"tool_calls": ok, "mine": ok}) for i in range(4)]
    cands = [
        make_record(f"c{i}", {"tool_calls": ok, "mine": ok}, candidate="cand") for i in range(4)
    ]
    b = make_run(tmp_path / "b", recs, scorers=[SPEC, OPEN])
    c = make_run(tmp_path / "c", cands, scorers=[SPEC, OPEN], candidate=candidate_dict("cand"))
    return b, c


def test_a_misspelled_outcome_of_a_closed_scorer_fails_with_did_you_mean(tmp_path: Path) -> None:
    b, c = _pair(tmp_path)
    typo = Gate(metric="tool_calls.wrong_tol_rate", max_rise=0.0)
    right = Gate(metric="tool_calls.wrong_tool_rate", max_rise=0.0)
    cmp = compare(b, c, gates=[typo, right])
    assert "wrong_tool" in cmp.outcomes["tool_calls"]
    bad, good = cmp.verdict.results
    assert bad.status == "fail" and "tool_calls.wrong_tol_rate: unknown metric" in bad.reason
    # the list of metrics names the declared rates no case had too (QA13 F12)
    assert "tool_calls.missing_call_rate" in bad.reason
    assert good.status == "pass"  # a declared label no case had is a rate of 0
    again = type(cmp).from_dict(json.loads(json.dumps(cmp.to_dict())))
    assert again.outcomes == cmp.outcomes


def test_a_scorer_that_declares_nothing_keeps_the_implicit_zero(tmp_path: Path) -> None:
    b, c = _pair(tmp_path)
    (result,) = compare(
        b, c, gates=[Gate(metric="mine.anything_rate", max_rise=0.0)]
    ).verdict.results
    assert result.status == "pass"
