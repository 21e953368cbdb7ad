"""compare(): which way an outcome rate is good comes from the scorer's declaration or from the
records (never from case majorities, which flip for flaky candidates; QA8 finding 1)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from evalkit.compare import compare
from evalkit.compare_slices import declared_good_outcomes
from evalkit.records import Record, Run
from evalkit.scoring import Score, Scorer
from tests.helpers.runs import candidate_dict, make_record, make_run

TOOL_CALLS_REF = "evalkit.scorers.tool_calls:ToolCalls"


def _tc(outcome: str) -> Score:
    ok = outcome == "correct"
    return Score(float(ok), ok, outcome, {"outcome": outcome})


def _flaky_pair(tmp_path: Path, spec: dict) -> tuple[Run, Run]:
    """Baseline always correct; the candidate hallucinates a tool in 1 of 3 repeats of t7,
    which still passes by majority (as QA8's `flaky` candidate did)."""
    base: list[Record] = []
    cand: list[Record] = []
    for i in range(9):
        cid = f"t{i + 1}"
        tags = ("weather",) if cid == "t7" else ()
        for rep in range(3):
            ok = _tc("correct")
            base.append(make_record(cid, {"tool_calls": ok}, repeat=rep, tags=tags))
            bad = cid == "t7" and rep == 1
            out = _tc("hallucinated_tool" if bad else "correct")
            cand.append(
                make_record(cid, {"tool_calls": out}, repeat=rep, tags=tags, candidate="flaky")
            )
    b = make_run(tmp_path / "b", base, repeats=3, scorers=[spec])
    c = make_run(tmp_path / "c", cand, repeats=3, scorers=[spec], candidate=candidate_dict("flaky"))
    return b, c


def test_rising_hallucinated_tool_rate_with_repeats_is_worse(tmp_path: Path) -> None:
    spec = {"name": "tool_calls", "args": {}, "ref": TOOL_CALLS_REF}
    cmp = compare(*_flaky_pair(tmp_path, spec))
    d = cmp.overall.metric("tool_calls.hallucinated_tool_rate")
    assert d is not None and d.delta is not None and d.delta > 0
    assert d.higher_is_better is False and d.worse
    assert cmp.overall.metric("tool_calls.correct_rate").higher_is_better is True  # type: ignore[union-attr]


def test_undeclared_scorer_direction_comes_from_records_not_case_majority(
    tmp_path: Path,
) -> None:
    # No ref: the fallback. The one hallucinating record fails, so the outcome is bad, even
    # though its case passes by majority.
    cmp = compare(*_flaky_pair(tmp_path, {"name": "tool_calls", "args": {}}))
    d = cmp.overall.metric("tool_calls.hallucinated_tool_rate")
    assert d is not None and d.higher_is_better is False and d.worse


def test_direction_is_the_same_in_every_tag_slice(tmp_path: Path) -> None:
    spec = {"name": "tool_calls", "args": {}, "ref": TOOL_CALLS_REF}
    b, c = _flaky_pair(tmp_path, spec)
    cmp = compare(b, c)
    assert [t.tag for t in cmp.tags] == ["weather"]
    for sl in (cmp.overall, *cmp.tags):
        d = sl.metric("tool_calls.hallucinated_tool_rate")
        assert d is not None and d.higher_is_better is False and d.worse


@dataclass
class Cites(Scorer):
    """A project scorer that declares ``cited`` good, whatever the verdicts say."""

    name: ClassVar[str] = "cites"
    good_outcomes: ClassVar[frozenset[str] | None] = frozenset({"cited"})


def test_a_declaration_wins_over_the_records(tmp_path: Path) -> None:
    ref = f"{__name__}:Cites"
    assert declared_good_outcomes({"ref": ref}) == frozenset({"cited"})
    # "cited" records fail here (another check failed them): the records alone would call it
    # bad; the scorer's declaration says it is good.
    base = [
        make_record(f"c{i}", {"cites": Score(0.0, False, "", {"outcome": "cited"})})
        for i in range(2)
    ]
    cand = [
        make_record(
            f"c{i}", {"cites": Score(0.0, False, "", {"outcome": "uncited"})}, candidate="x"
        )
        for i in range(2)
    ]
    spec = {"name": "cites", "args": {}, "ref": ref}
    b = make_run(tmp_path / "b", base, scorers=[spec])
    c = make_run(tmp_path / "c", cand, scorers=[spec], candidate=candidate_dict("x"))
    cmp = compare(b, c)
    cited = cmp.overall.metric("cites.cited_rate")
    uncited = cmp.overall.metric("cites.uncited_rate")
    assert cited is not None and cited.higher_is_better is True and cited.worse
    assert uncited is not None and uncited.higher_is_better is False and uncited.worse


def test_an_unknown_or_unimportable_ref_declares_nothing() -> None:
    assert declared_good_outcomes(None) is None
    assert declared_good_outcomes({"ref": "no_such_module_xyz:Thing"}) is None
    assert declared_good_outcomes({"ref": "evalkit.scorers.nope:Thing"}) is None
    assert declared_good_outcomes({"ref": "evalkit.scorers.text:Contains"}) is None
    assert declared_good_outcomes({"ref": "evalkit.scorers.refusal:Refusal"}) == {"correct"}
