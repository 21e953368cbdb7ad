"""A partial comparison (a run of selected cases, ``evalkit run --case/--tag/--limit``) on the
page: the label its verdict badges carry, its coverage note, and which one-run-only cases a
selection explains.

A green PASS over 12 of 40 cases must not read as a PASS on the eval set, so the coverage
goes on the badge itself (``PASS · partial 12/40``), not only into a note. And a case that the
other run never selected is not news: listing the 28 unselected cases of a full baseline as
"baseline only" buries the few that matter, so they become one line with their count. A case
the other run selected but has not run (an unfinished run) is listed as "not run" there, and
one an eval set version lacks as "baseline only" / "candidate only". All of this is display: the comparison's statistics already cover only the cases both
runs have, and nothing here changes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.compare import CaseRow, Comparison, RunInfo
from evalkit.dataset import Selection

__all__ = [
    "OutsideSelection",
    "admits",
    "not_run",
    "outside_lines",
    "outside_selection",
    "page_partial",
    "partial_view",
    "section_notes",
]


def admits(sel: Selection, case_id: str, tags: Sequence[str]) -> bool:
    """Whether the selection's id and tag filters keep this case (its ``limit`` aside), by the
    rule of :meth:`evalkit.dataset.Selection.picks`."""
    return Selection(sel.cases, sel.tags).picks(case_id, tags) is True


def _left_out(sel: Selection | None, run: RunInfo, row: CaseRow, same_version: bool) -> bool:
    """Whether ``run`` lacks the case because its selection did not pick it.

    The selection says so itself when it can (:meth:`~evalkit.dataset.Selection.picks`: the
    filters, and the ids a limit kept, recorded in manifests since they were). A limit
    without recorded ids (an older run) leaves one case: a run holding as many cases as its
    selection picked holds exactly those, so with the same eval set version any other case
    was left out; a run holding fewer is unfinished, and a case the filters keep counts as
    not run, even when the limit might have cut it (shown once too often rather than hidden).
    """
    if sel is None:
        return False
    picked = sel.picks(row.case_id, row.tags)
    if picked is not None:
        return not picked
    return same_version and bool(sel.selected) and run.cases >= sel.selected


@dataclass(frozen=True)
class OutsideSelection:
    """The one-run-only cases that a declared selection explains, by the side they are in."""

    baseline: frozenset[str] = frozenset()
    """Ids of baseline-only cases the candidate run's selection left out."""
    candidate: frozenset[str] = frozenset()
    """Ids of candidate-only cases the baseline run's selection left out."""

    def __contains__(self, case_id: object) -> bool:
        return case_id in self.baseline or case_id in self.candidate


def outside_selection(c: Comparison) -> OutsideSelection:
    """Which ``baseline_only`` / ``candidate_only`` rows are only outside the other run's
    selection (see :func:`_left_out`); both empty for a comparison of whole runs."""
    m = c.dataset
    base: set[str] = set()
    cand: set[str] = set()
    for row in c.cases:
        if row.status == "baseline_only":
            sel, run, ids = m.candidate_selection, c.candidate, base
        elif row.status == "candidate_only":
            sel, run, ids = m.baseline_selection, c.baseline, cand
        else:
            continue
        if _left_out(sel, run, row, m.same_version):
            ids.add(row.case_id)
    return OutsideSelection(frozenset(base), frozenset(cand))


def not_run(c: Comparison, outside: OutsideSelection) -> dict[str, str]:
    """Case id → ``"baseline_not_run"`` / ``"candidate_not_run"`` for each one-run-only case the
    other run was meant to run and has not (an unfinished run: stopped, or cut by the cost
    cap; a provider error is a record, so not this). Only for runs of one eval set version:
    across versions a case may simply not exist on the other side, and stays ``... only``.
    Cases outside the other run's selection are not here (they are one line, not rows)."""
    if not c.dataset.same_version:
        return {}
    out = {}
    for row in c.cases:
        if row.case_id in outside:
            continue
        if row.status == "baseline_only":
            out[row.case_id] = "candidate_not_run"
        elif row.status == "candidate_only":
            out[row.case_id] = "baseline_not_run"
    return out


def partial_view(c: Comparison) -> dict[str, Any] | None:
    """``{"label": "partial 12/40", "coverage": sentence}`` for a partial comparison, else
    ``None``. The numbers are the cases compared (both runs have them) over the eval set's."""
    m = c.dataset
    if not m.partial:
        return None
    of = max((s.of for s in (m.baseline_selection, m.candidate_selection) if s), default=0)
    return {
        "label": f"partial {m.shared}/{of}" if of else "partial",
        "coverage": f"Partial: {m.coverage()}; only the {m.shared} case(s) of both runs are compared "
        "and gated, not the whole eval set.",
    }


def section_notes(c: Comparison, outside: OutsideSelection) -> list[str]:
    """The dataset notes of a partial comparison, without its coverage (shown at the badge)
    and counting as listed only the one-run-only cases that are (the comparison's own note
    says every such case is listed, which the page no longer does for unselected ones)."""
    m = c.dataset
    notes = []
    if not m.same_version:
        notes.append(
            f"Eval set versions differ ({str(m.baseline_version)[:12]} vs "
            f"{str(m.candidate_version)[:12]}); mismatch allowed, so only the {m.shared} "
            "shared cases are compared."
        )
    b_only = m.baseline_only - len(outside.baseline)
    c_only = m.candidate_only - len(outside.candidate)
    if (b_only or c_only) and m.same_version:
        said = [
            f"{n} case(s) the {who} run selected but has not run"
            for n, who in ((c_only, "baseline"), (b_only, "candidate"))
            if n
        ]
        notes.append(
            " and ".join(said) + " are listed as not run and not counted in the statistics "
            "(an unfinished run: resume it to compare them)."
        )
    elif b_only or c_only:
        notes.append(
            f"{b_only} case(s) only in the baseline and {c_only} only in the candidate are "
            "listed but not counted in the statistics."
        )
    return notes


def outside_lines(c: Comparison, outside: OutsideSelection) -> list[str]:
    """The one line per side that stands for the unlisted cases, e.g. ``28 case(s) of the
    baseline run are outside the candidate run's selection (--case refund-*): not run there,
    so neither listed nor compared.``"""
    m = c.dataset
    lines = []
    for ids, here, there, sel in (
        (outside.baseline, "baseline", "candidate", m.candidate_selection),
        (outside.candidate, "candidate", "baseline", m.baseline_selection),
    ):
        if ids and sel is not None:
            lines.append(
                f"{len(ids)} case(s) of the {here} run are outside the {there} run's "
                f"selection ({sel.flags()}): not run there, so neither listed nor compared."
            )
    return lines


def page_partial(sections: Sequence[dict[str, Any]], verdict: str | None) -> dict[str, Any]:
    """The page verdict's label and the coverage notes beside it: ``PASS · partial 12/40`` for
    one partial comparison, ``PASS · partial: 2 of 3 comparisons`` for several."""
    parts = [s for s in sections if s.get("partial")]
    if verdict is None or not parts:
        return {"verdict_label": verdict, "partial": []}
    if len(sections) == 1:
        label = f"{verdict} · {parts[0]['partial']['label']}"
    else:
        label = f"{verdict} · partial: {len(parts)} of {len(sections)} comparisons"
    notes = [
        {"name": s["name"] if len(sections) > 1 else "", "coverage": s["partial"]["coverage"]}
        for s in parts
    ]
    return {"verdict_label": label, "partial": notes}
