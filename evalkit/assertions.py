"""Assertions on scores with messages a reviewer can act on, for eval tests and notebooks.

::

    result = evalkit.evaluate("support")
    evalkit.expect(result, "groundedness", min_mean=0.9, candidate="support-candidate")
    # AssertionError: support-candidate: groundedness 0.81 < 0.90 on 12 cases:
    #   refund-004 (0.20), billing-002 (0.35), ...

The message names the cases that pulled the number down (worst first), so a failing CI job
says where to look without opening the report. A case with no answer (provider error, a
recording missing in replay mode) or a scorer error never silently passes: it fails the
expectation and is named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.records import Record

__all__ = ["ScoreExpectationError", "ScoreSummary", "expect", "summarise_scorer"]

SHOWN = 8
"""Case ids listed in a message before ``(+N more)``."""


class ScoreExpectationError(AssertionError):
    """An :func:`expect` that did not hold; ``summary`` has the numbers behind it."""

    def __init__(self, message: str, summary: ScoreSummary) -> None:
        super().__init__(message)
        self.summary = summary


@dataclass(frozen=True)
class ScoreSummary:
    """One scorer over one candidate's cases (repeats averaged per case)."""

    scorer: str
    candidate: str
    n: int
    """Cases with a score."""
    mean: float | None
    pass_rate: float | None
    values: Mapping[str, float]
    """Case id → mean value over repeats."""
    failed: tuple[str, ...]
    """Cases whose majority verdict is a fail, worst value first."""
    unanswered: Mapping[str, str]
    """Case id → why there is no score: the provider error kind or ``scorer error: ...``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "scorer": self.scorer,
            "candidate": self.candidate,
            "n": self.n,
            "mean": self.mean,
            "pass_rate": self.pass_rate,
            "failed": list(self.failed),
            "unanswered": dict(self.unanswered),
        }


def summarise_scorer(
    records: Iterable[Record], scorer: str, *, tag: str | None = None
) -> ScoreSummary:
    """Per-case values and verdicts of ``scorer`` (cases the scorer skipped are left out)."""
    from evalkit.scoring_run import shown_in_case

    values: dict[str, list[float]] = defaultdict(list)
    verdicts: dict[str, list[bool]] = defaultdict(list)
    unanswered: dict[str, str] = {}
    candidate = ""
    seen_scorer = False
    for r in records:
        if tag is not None and tag not in r.tags:
            continue
        candidate = candidate or r.candidate
        if r.error is not None:
            unanswered.setdefault(r.case_id, r.error.kind)
            continue
        s = r.scores.get(scorer)
        if s is None:
            continue
        seen_scorer = True
        if s.error is not None:
            # without its "case '<id>': ", so that one fault on many cases is one kind
            unanswered.setdefault(r.case_id, f"scorer error: {shown_in_case(s.error, r.case_id)}")
            continue
        if s.value is None:
            continue  # skipped (skip_missing): not this scorer's kind of case
        values[r.case_id].append(float(s.value))
        if s.passed is not None:
            verdicts[r.case_id].append(bool(s.passed))
    means = {cid: sum(v) / len(v) for cid, v in values.items()}
    passed = {cid: sum(v) > len(v) / 2 for cid, v in verdicts.items()}  # a tie fails
    failed = sorted((cid for cid, ok in passed.items() if not ok), key=lambda c: means.get(c, 0))
    if not seen_scorer:
        unanswered = {k: v for k, v in unanswered.items() if not v.startswith("scorer error")}
    return ScoreSummary(
        scorer=scorer,
        candidate=candidate,
        n=len(means),
        mean=sum(means.values()) / len(means) if means else None,
        pass_rate=sum(passed.values()) / len(passed) if passed else None,
        values=means,
        failed=tuple(failed),
        unanswered=unanswered,
    )


def _unanswered_hint(kinds: list[str], run_dir: Any = None) -> str:
    """What to do about cases without a score: a missing recording is the usual cause in
    replay, but a provider or scorer error has its own cause, which the hint must not hide.
    The words are the gates' (:data:`~evalkit.gates.MISSES_HINT`, ``ERRORS_HINT``)."""
    from evalkit.gates import ERRORS_HINT, MISSES_HINT

    hints = []
    if "cache_miss" in kinds:
        hints.append(f"a missing recording: {MISSES_HINT}")
    if any(k != "cache_miss" and not k.startswith("scorer error") for k in kinds):
        # the run's own folder in the command, when known, not the RUN_DIR placeholder
        hint = ERRORS_HINT.replace("RUN_DIR", str(run_dir)) if run_dir else ERRORS_HINT
        hints.append(f"a provider error: {hint}")
    if any(k.startswith("scorer error") for k in kinds):
        hints.append("a scorer error: its message names the case field or argument to fix")
    return "; ".join(hints)


def expect(
    result: Any,
    scorer: str,
    *,
    min_mean: float | None = None,
    max_mean: float | None = None,
    min_pass_rate: float | None = None,
    candidate: str | None = None,
    tag: str | None = None,
) -> ScoreSummary:
    """Assert bounds on ``scorer`` over a run; raise :class:`ScoreExpectationError` if not met.

    ``result`` is a :class:`~evalkit.api.SuiteResult` (``candidate`` picks the run; default:
    the only candidate that is not the baseline), a :class:`~evalkit.records.Run` or records.
    ``tag`` restricts the check to cases with that tag. Returns the summary when it holds.
    """
    if min_mean is None and max_mean is None and min_pass_rate is None:
        raise TypeError("expect(): give min_mean, max_mean or min_pass_rate")
    records, name = _records(result, candidate)
    s = summarise_scorer(records, scorer, tag=tag)
    who = name or s.candidate or next((r.candidate for r in records), "")
    label = f"{who}: {scorer}" + (f" [{tag}]" if tag else "")
    problems: list[str] = []
    if s.unanswered:
        kinds = sorted(set(s.unanswered.values()))
        problems.append(
            f"{label}: {len(s.unanswered)} cases have no score ({'; '.join(kinds)}): "
            f"{_ids(list(s.unanswered))}; {_unanswered_hint(kinds, _run_dir(result, name))}"
        )
    tags = sorted({t for r in records for t in r.tags})
    if tag is not None and tag not in tags:  # else "no case has a score" blames the scorer
        problems.append(
            f"{label}: no case is tagged {tag!r}; tags in this run: {', '.join(tags) or 'none'}"
        )
    elif s.n == 0:
        scorers = sorted({k for r in records for k in r.scores})
        if not s.unanswered:  # else the line above already says why
            problems.append(
                f"{label}: no case has a score; scorers in this run: {', '.join(scorers) or 'none'}"
            )
    else:
        assert s.mean is not None
        low = [c for c in sorted(s.values, key=lambda c: s.values[c])]
        if min_mean is not None and s.mean < min_mean:
            below = [c for c in low if s.values[c] < min_mean]
            problems.append(
                f"{label} {s.mean:.2f} < {min_mean:.2f} on {s.n} cases: {_ids(below, s.values)}"
            )
        if max_mean is not None and s.mean > max_mean:
            above = [c for c in reversed(low) if s.values[c] > max_mean]
            problems.append(
                f"{label} {s.mean:.2f} > {max_mean:.2f} on {s.n} cases: {_ids(above, s.values)}"
            )
        if min_pass_rate is not None:
            if s.pass_rate is None:
                problems.append(f"{label}: no pass/fail verdicts to check min_pass_rate on")
            elif s.pass_rate < min_pass_rate:
                problems.append(
                    f"{label} pass rate {s.pass_rate:.2f} < {min_pass_rate:.2f} on {s.n} "
                    f"cases; failing: {_ids(list(s.failed), s.values)}"
                )
    if problems:
        raise ScoreExpectationError("\n".join(problems), s)
    return s


def _ids(ids: Sequence[str], values: Mapping[str, float] | None = None) -> str:
    shown = [f"{c} ({values[c]:.2f})" if values and c in values else c for c in ids[:SHOWN]]
    more = f", ... (+{len(ids) - SHOWN} more)" if len(ids) > SHOWN else ""
    return ", ".join(shown) + more


def _run_dir(result: Any, name: str | None) -> Any:
    """The folder of the run ``expect`` checked, when it has one (records alone have none)."""
    from evalkit.api import SuiteResult
    from evalkit.records import Run

    if isinstance(result, SuiteResult) and name is not None and name in result.runs:
        return result.runs[name].path
    return result.path if isinstance(result, Run) else None


def _records(result: Any, candidate: str | None) -> tuple[Sequence[Record], str | None]:
    """The records to check, and the candidate name they belong to."""
    from evalkit.api import SuiteResult
    from evalkit.errors import InputError
    from evalkit.records import Record, Run

    if isinstance(result, SuiteResult):
        runs = dict(result.runs)
        if candidate is None:
            others = [n for n in runs if n != result.baseline] or list(runs)
            if len(others) != 1:
                raise TypeError(
                    f"expect(): suite {result.suite!r} ran {sorted(runs)}; "
                    "pass candidate=NAME to say which one to check"
                )
            candidate = others[0]
        if candidate not in runs:
            raise KeyError(
                f"expect(): candidate {candidate!r} did not run in suite {result.suite!r}; "
                f"runs: {sorted(runs)}"
            )
        return runs[candidate].records, candidate
    if isinstance(result, Run):
        return result.records, str(result.candidate.get("name") or "") or None
    records = tuple(result) if _iterable(result) else (result,)
    wrong = [r for r in records if not isinstance(r, Record)][:1]
    if wrong:  # None among them too
        raise InputError(_not_records(result, wrong[0]))
    if candidate is not None:
        records = tuple(r for r in records if r.candidate == candidate)
    return records, candidate


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return not isinstance(value, (str, bytes, Mapping))


def _not_records(result: Any, wrong: Any) -> str:
    """``expect(comparison, ...)`` is the natural guess in a notebook (QA14 F12); say what to
    pass instead of failing inside the summary with a ``TypeError``."""
    got = type(wrong).__name__
    hint = ""
    if got == "Comparison":
        hint = (
            "; a Comparison holds aggregates, not each case's scores: check its candidate run, "
            f"expect(evalkit.read_run({str(getattr(wrong.candidate, 'path', 'RUN_DIR'))!r}), "
            "...), or the SuiteResult that evaluate() returned"
        )
    where = "" if wrong is result else f" (an item of the {type(result).__name__} given)"
    return (
        f"expect(): got a {got}{where}; it takes a SuiteResult (what evaluate() returns), a Run "
        f"(read_run(RUN_DIR)) or Record objects{hint}"
    )
