"""Notes every view of a comparison prints beside its numbers (terminal, Markdown, report),
so a number that is an estimate, unknown or taken over part of the cases never reads as a
plain measurement. Written once here; :mod:`evalkit.summary` and :mod:`evalkit.report` show
them."""

from __future__ import annotations

import re
from typing import Any

from evalkit.comparison import Comparison, SliceComparison

__all__ = [
    "cost_measured",
    "estimated_note",
    "one_line",
    "truncated_note",
    "unpriced_note",
    "unscored_notes",
]


def one_line(text: Any, limit: int = 120) -> str:
    """``text`` on one line, cut at ``limit`` characters with an ellipsis."""
    s = re.sub(r"\s+", " ", str(text)).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def estimated_note(sl: SliceComparison) -> str:
    """Says which token counts (and so costs) are evalkit's estimates; ``""`` when none."""
    b, c = sl.baseline_run.usage_estimated, sl.candidate_run.usage_estimated
    if not b and not c:
        return ""
    return (
        f"tokens and cost estimated (provider reported no usage) for {b} of "
        f"{sl.baseline_run.records} baseline and {c} of {sl.candidate_run.records} candidate "
        "record(s)"
    )


def truncated_note(sl: SliceComparison) -> str:
    """How many answered records of each side the token limit cut off (finish reason
    ``length``); ``""`` when none was. A cut answer can pass scorers of claims and refusals and
    reads cheaper, so the count is said wherever the errors are (QA14 F8)."""
    b, c = sl.baseline_run, sl.candidate_run
    if not b.truncated and not c.truncated:
        return ""
    return (
        f"answers cut off by max_tokens (finish reason length): baseline {b.truncated} of "
        f"{b.answered}, candidate {c.truncated} of {c.answered} answered record(s)"
    )


def unpriced_note(cmp: Comparison) -> str:
    """Says which side's answered records have no price, and the models they report, so an
    unknown ``cost.*`` (shown as n/a) reads as "add a price", not as a missing measurement;
    ``""`` when every answered record is priced."""
    from evalkit.gates import _unpriced_models  # the models gates name for the same reason

    parts = []
    for side, run in (
        ("baseline", cmp.overall.baseline_run),
        ("candidate", cmp.overall.candidate_run),
    ):
        text = run.unpriced_text()
        if not text:
            continue
        models = _unpriced_models(cmp, None, side)
        # Each name cut, not the note: a long model name must not push out what to do.
        named = ", ".join(repr(one_line(m, 60)) for m in models[:3])
        named += ", ..." if len(models) > 3 else ""
        which = f" ({'model' if len(models) == 1 else 'models'} {named})" if models else ""
        parts.append(f"{side} {text.removeprefix('unknown: ')}{which}")
    if not parts:
        return ""
    return f"cost unknown: {' and '.join(parts)}; add [prices] entries"


def cost_measured(cmp: Comparison) -> bool:
    """Whether the comparison's suite looks at cost: a ``cost`` scorer or a gate on ``cost.*``.

    Only then does the summary print :func:`unpriced_note` as a line of its own: a suite that
    scores refusals of recorded models would otherwise end every comparison with "add [prices]
    entries" for models nobody meant to price. The unknown value still reads ``n/a`` marked
    ``unpriced`` in its row (never 0), and the report keeps the full note."""
    return any(s.name == "cost" for s in cmp.overall.scorers) or any(
        r.metric.startswith("cost.") for r in cmp.verdict.results
    )


def unscored_notes(cmp: Comparison) -> list[str]:
    """One note per scorer with scorer errors beyond the records without a response: its mean
    leaves those cases out, so a judge that fails on a candidate's weak cases would read as an
    improvement, and a judge whose every call failed (a wrong key) would leave a PASS with no
    word about it. Provider errors alone have their own line."""
    notes = []
    provider = (cmp.overall.baseline_run.errors, cmp.overall.candidate_run.errors)
    for s in cmp.overall.scorers:
        b, n = s.baseline, s.candidate
        if not any(a is not None and a.errors > e for a, e in zip((b, n), provider, strict=True)):
            continue
        b_txt = f"{b.errors} of {b.cases}" if b is not None else "no scores"
        n_txt = f"{n.errors} of {n.cases}" if n is not None else "no scores"
        notes.append(
            f"{s.name} could not score {n_txt} cases of the candidate and {b_txt} of the "
            "baseline: its mean is over the scored cases only; the case rows say why."
        )
    return notes
