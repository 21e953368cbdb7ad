"""The verdict's built-in rule ``finished``: a comparison of an unfinished run is no PASS.

A run stops early when the provider's quota runs out, the cost cap is reached, or the process
is interrupted or killed (a CI step's timeout). Its manifest says so (``status``), and compare
paired the cases it did answer, exactly like a run of selected cases: ``evalkit check`` passed
a candidate on 2 of 33 cases with ``partial: false`` (QA12 F1). A selection must be asked for
(``--allow-partial``); an unfinished run now must be too. The rule fails the verdict, names the
run, how far it got and why it stopped, and says how to finish it.
"""

from __future__ import annotations

from evalkit.comparison import Comparison, GateResult
from evalkit.comparison_meta import RunInfo, unfinished_text

__all__ = ["unfinished_runs"]


def unfinished_runs(cmp: Comparison) -> GateResult | None:
    """A failed result when either run did not answer every case it set out to."""
    said = unfinished_text(cmp.baseline, cmp.candidate, why=True)
    if not said:
        return None
    resume = " and ".join(_resume(info) for _, info in _sides(cmp) if info.unfinished)
    covers = (
        "rests on the repeats answered so far"
        if _repeats_missing_only(cmp)
        else "covers the cases answered so far"
    )
    reason = (
        f"{said}: the comparison {covers} only; finish it with {resume} and "
        "compare again, or pass --allow-partial (pytest: --evalkit-allow-partial) to accept a "
        "verdict on part of the eval set"
    )
    return GateResult(
        gate="both runs finished",
        metric="runs",
        tag=None,
        rule="finished",
        threshold=None,
        status="fail",
        reason=reason,
    )


def _resume(info: RunInfo) -> str:
    """The command that finishes the run: a run the cost cap stopped needs a higher cap, or
    it stops again at once (QA13 F3). Written without backticks, which a Markdown summary
    escaped into literal ones (QA13 F6)."""
    more = " --max-cost USD (a higher cap)" if info.stopped_by == "budget" else ""
    return f"evalkit run --resume {info.path}{more}"


def _repeats_missing_only(cmp: Comparison) -> bool:
    """Whether every case is there and only repeats are missing (``--repeats 3``)."""
    return all(
        not i.unfinished or (i.planned_cases is not None and i.cases >= i.planned_cases)
        for _, i in _sides(cmp)
    )


def _sides(cmp: Comparison) -> tuple[tuple[str, RunInfo], ...]:
    return (("candidate", cmp.candidate), ("baseline", cmp.baseline))
