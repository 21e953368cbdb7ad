"""The verdict's built-in rule ``new_truncated``: answers the candidate's ``max_tokens`` cut off
where the baseline's were whole.

Why a rule of its own (QA14 F8): lowering ``max_tokens`` to save cost is exactly the change a
promotion review must catch, and nothing caught it. A cut answer ("Refunds take 5 business")
still makes a supported claim, so groundedness gives it 1.0; it refuses nothing; it costs
less, so the cost rows read "better". A candidate whose every answer was cut passed with
"cost better". The provider says so on every record (finish reason ``length``: OpenAI's
``length``, Anthropic's ``max_tokens``, normalised by each adapter), so the rule reads that,
not the text. Answers the baseline had cut too, or whose finish reason the baseline's provider
did not report, are not new and do not count. Opt-out, as for
the other built-in rules: a suite gate on ``truncated.rate`` (no tag) sets its own tolerance.
"""

from __future__ import annotations

from evalkit.comparison import CaseRow, Comparison, GateResult
from evalkit.comparison_cases import CaseSide
from evalkit.gates_builtin import MAX_CASES, _failed, _ids, _natural

__all__ = ["METRIC", "RULE", "new_truncated"]

RULE = "new_truncated"
METRIC = "truncated.rate"


def _truncated(side: CaseSide | None) -> bool:
    return side is not None and side.error is None and side.truncated > 0


def _whole(side: CaseSide | None) -> bool:
    """Answered on every repeat, none of them cut off, as far as the provider said: a repeat
    whose finish reason is unknown may have been cut (a stored baseline of a callable
    pipeline recorded before its ``max_tokens`` was read as ``length`` says ``unknown``
    where it was cut), so it makes no truncation "new" (QA16 F7)."""
    return (
        side is not None
        and side.error is None
        and side.truncated == 0
        and not (side.finish_unknown)
    )


def truncated_cases(cmp: Comparison) -> list[CaseRow]:
    """Compared cases the candidate's answer was cut off on (some repeat) and the baseline's
    were not, in case id order."""
    rows = [r for r in cmp.cases if r.paired and _truncated(r.candidate) and _whole(r.baseline)]
    return sorted(rows, key=lambda r: _natural(r.case_id))


def new_truncated(cmp: Comparison) -> GateResult | None:
    """A failed result when the candidate has answers cut off by ``max_tokens`` on cases whose
    baseline answers were whole; the case ids, how many, and what to do."""
    new = truncated_cases(cmp)
    if not new:
        return None
    compared = sum(1 for r in cmp.cases if r.paired)
    limit = _max_tokens(cmp)
    raise_it = f"raise the candidate's max_tokens{f' (changed: {limit})' if limit else ''}"
    return _failed(
        "no new truncated answers",
        METRIC,
        RULE,
        (
            f"{len(new)} of {compared} compared case(s) have an answer cut off by max_tokens in "
            f"the candidate (finish reason length) where the baseline's answer was whole "
            f"({_ids(new)}): a cut answer can still pass scorers of claims, refusals and "
            "text, and it costs less, so means and cost read better than the answers are; "
            f"{raise_it} and run again, or read the cut answers in the report (badge "
            "'truncated'); to accept truncated answers, gate truncated.rate in the suite "
            "(e.g. max = 0.05)"
        ),
        observed=float(len(new)),
        cases=tuple(r.case_id for r in new[:MAX_CASES]),
    )


def _max_tokens(cmp: Comparison) -> str | None:
    """How the candidate's token limit differs from the baseline's (``"300 -> 4"``), when the
    configuration diff shows it."""
    for change in cmp.config.changes:
        if change.key in _LIMITS:
            return f"{change.key.removeprefix('params.')} {change.baseline} -> {change.candidate}"
    return None


_LIMITS = ("params.max_tokens", "params.max_completion_tokens", "params.max_output_tokens")
