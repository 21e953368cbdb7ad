"""One case of one run, consolidated over its repeats: :class:`CaseScorer` per scorer and
:class:`CaseSummary` per case, built by :func:`summarise_cases`.

The definitions (what applies, passes, is flaky) are in :mod:`evalkit.aggregate`'s docstring
and ``docs/compare.md``. Re-exported by :mod:`evalkit.aggregate`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from evalkit.records import Record

__all__ = ["CaseScorer", "CaseSummary", "all_tags", "scorer_names", "summarise_cases"]


@dataclass(frozen=True)
class CaseScorer:
    """One scorer on one case, consolidated over repeats."""

    value: float | None
    """Mean of the scored values over repeats."""
    verdicts: tuple[bool | None, ...]
    """Per repeat: passed, failed (a provider error included), or ``None`` (no verdict: a
    value-only score, or a scorer error, which is unscored and not the candidate's failure)."""
    errors: int
    """Repeats where the scorer failed or the provider returned no response."""
    outcomes: Mapping[str, int]
    """``details["outcome"]`` label → repeats that had it."""
    scored: int
    """Repeats with a value or an outcome (the outcome-rate denominator)."""
    metrics: Mapping[str, float]
    """``details["metrics"]`` means over repeats."""
    unscored: int = 0
    """Repeats the scorer could not score (a scorer error without a provider error: a judge
    that gave no score or was rate-limited); counted in ``errors`` and given no verdict."""
    judged: int = 0
    """Repeats the scorer gave a value, a verdict or an outcome (neither error kind): a case
    with none (a refusal case without ``should_refuse``) applies but is not scored."""

    @cached_property
    def pass_rate(self) -> float | None:
        v = [x for x in self.verdicts if x is not None]
        return sum(v) / len(v) if v else None

    @cached_property
    def unscored_rate(self) -> float:
        """Share of the repeats the scorer could not score (``<scorer>.unscored_rate``)."""
        return self.unscored / len(self.verdicts) if self.verdicts else 0.0

    @cached_property
    def passed(self) -> bool | None:
        """Majority verdict over repeats; a tie fails."""
        rate = self.pass_rate
        return None if rate is None else rate > 0.5

    @cached_property
    def flaky(self) -> bool:
        return len({x for x in self.verdicts if x is not None}) > 1


@dataclass(frozen=True)
class CaseSummary:
    """One case of one run: its records (sorted by repeat) and per-scorer consolidation."""

    case_id: str
    tags: tuple[str, ...]
    records: tuple[Record, ...]
    scorers: Mapping[str, CaseScorer]

    @cached_property
    def passed(self) -> bool | None:
        """Passes every scorer that gave a verdict; ``None`` when none did."""
        verdicts = [s.passed for s in self.scorers.values() if s.passed is not None]
        if not verdicts:
            return False if any(r.error for r in self.records) else None
        return all(verdicts)

    @cached_property
    def verdicts(self) -> tuple[bool | None, ...]:
        """Per repeat: passed every scorer with a verdict (provider errors fail)."""
        out: list[bool | None] = []
        for i in range(len(self.records)):
            vs = [s.verdicts[i] for s in self.scorers.values() if s.verdicts[i] is not None]
            out.append(all(vs) if vs else (False if self.records[i].error else None))
        return tuple(out)

    @cached_property
    def pass_rate(self) -> float | None:
        v = [x for x in self.verdicts if x is not None]
        return sum(v) / len(v) if v else None

    @cached_property
    def flaky(self) -> bool:
        return len({x for x in self.verdicts if x is not None}) > 1


def scorer_names(
    records: Iterable[Record], manifest: Mapping[str, Any] | None = None
) -> tuple[str, ...]:
    """Every scorer name that appears in the records, and with ``manifest`` every scorer the
    run declared, sorted. A scorer whose every record failed at the provider appears in no
    record; without the manifest it would vanish from the aggregate, and a gate on it would
    read "unknown metric" instead of a pass rate of 0."""
    names = {name for r in records for name in r.scores}
    for spec in (manifest or {}).get("scorers") or ():
        if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
            names.add(spec["name"])
    return tuple(sorted(names))


def all_tags(records: Iterable[Record]) -> tuple[str, ...]:
    return tuple(sorted({t for r in records for t in r.tags}))


def summarise_cases(
    records: Iterable[Record], scorers: Sequence[str] | None = None
) -> dict[str, CaseSummary]:
    """Group records by case (first-seen order) and consolidate each scorer over repeats."""
    records = tuple(records)
    names = tuple(scorers) if scorers is not None else scorer_names(records)
    groups: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        groups[r.case_id].append(r)
    out: dict[str, CaseSummary] = {}
    for case_id, recs in groups.items():
        recs.sort(key=lambda r: r.repeat)
        per: dict[str, CaseScorer] = {}
        for name in names:
            cs = _case_scorer(recs, name)
            if cs is not None:
                per[name] = cs
        tags = tuple(dict.fromkeys(t for r in recs for t in r.tags))
        out[case_id] = CaseSummary(case_id, tags, tuple(recs), per)
    return out


def _case_scorer(recs: Sequence[Record], name: str) -> CaseScorer | None:
    values: list[float] = []
    verdicts: list[bool | None] = []
    outcomes: Counter[str] = Counter()
    metric_sums: dict[str, list[float]] = defaultdict(list)
    errors = scored = unscored = judged = 0
    applied = False
    for r in recs:
        s = r.scores.get(name)
        if s is None:
            failed = r.error is not None and name not in r.skipped
            verdicts.append(False if failed else None)
            errors += failed
            applied |= failed
            continue
        applied = True
        if r.error is not None:  # no response to score: the candidate's failure
            verdicts.append(False)
            errors += 1
            continue
        if s.error is not None:  # the scorer's failure, not the candidate's: unscored
            verdicts.append(None)
            errors += 1
            unscored += 1
            continue
        verdicts.append(None if s.passed is None else bool(s.passed))
        outcome = s.details.get("outcome") if isinstance(s.details, Mapping) else None
        value = _finite(s.value)
        if value is not None:
            values.append(value)
        if value is not None or isinstance(outcome, str):
            scored += 1
        judged += value is not None or isinstance(outcome, str) or s.passed is not None
        if isinstance(outcome, str):
            outcomes[outcome] += 1
        metrics = s.details.get("metrics") if isinstance(s.details, Mapping) else None
        if isinstance(metrics, Mapping):
            for k, v in metrics.items():
                if not isinstance(v, bool) and (x := _finite(v)) is not None:
                    metric_sums[str(k)].append(x)
    if not applied:
        return None
    return CaseScorer(
        value=sum(values) / len(values) if values else None,
        verdicts=tuple(verdicts),
        errors=errors,
        outcomes=dict(outcomes),
        scored=scored,
        metrics={k: sum(v) / len(v) for k, v in metric_sums.items()},
        unscored=unscored,
        judged=judged,
    )


def _finite(v: object) -> float | None:
    """``v`` as a float when it is a finite number, else ``None``.

    A NaN or infinite value (a scorer bug, or ``NaN`` read back from JSON) counts as no value:
    it used to make its case's mean over repeats NaN, dropping the other repeats, and an
    infinite value made the scorer's mean infinite and its interval NaN.
    """
    if isinstance(v, (int, float)) and math.isfinite(v):
        return float(v)
    return None
