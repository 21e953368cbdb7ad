"""Per-case checks: the ``checks`` scorer runs the checks a case carries in its ``checks`` field.

A suite's scorers apply to every case; some facts belong to one case only ("this answer must
mention the receipt", "must match this pattern", "the judge must find it polite"). A case
lists them as ``{"name", "args", "threshold", "label"}`` entries naming registered scorers
(:class:`~evalkit.dataset.Check`), and a suite opts in by listing ``"checks"`` among its
scorers. Decisions:

- The composite's value is the share of the case's checks that passed; it passes when that
  share reaches ``threshold`` (default 1.0: every check). A case without checks is left
  unscored, not failed, with or without the suite's ``skip_missing``.
- A check's scorer is built once per distinct (name, args, threshold) and kept for the run,
  so a judge check keeps its client and a regex compiles once; :meth:`Checks.aclose` closes
  them all at the end of the run.
- A check that cannot run (bad arguments, a case field its scorer needs, an exception, a
  returned error, no verdict) is neither a pass nor a fail, as a scorer's error is elsewhere
  in evalkit (:class:`~evalkit.scoring.Score`): the case is scored over the checks that ran,
  the others listed in ``details["errored"]`` and the reason, and a labelled one gives no
  ``checks.<label>`` value for that case. When none could run, the case is a scorer error
  (value and verdict ``None``), so a suite whose judge checks all failed (a wrong key) counts
  in the manifest's ``scorer_errors`` and ends in the "scored nothing" exit 3, instead of
  reading as every case FAILED: a false regression.
- Where a judge connects and which key it sends come from the config, never from the eval
  set (:data:`~evalkit.dataset_checks.CONFIG_ONLY_ARGS`): the suite gives them once in
  ``defaults``, e.g. ``args = { defaults = { judge = { provider = "openai", model = "..." } } }``.
  File arguments (``json_schema``'s schema path, ``judge``'s ``rubric_file``) are refused:
  relative to what? Give the schema or rubric inline.
- Checks run in the event loop: a sync one where it stands in the case's list, the async ones
  (a judge check: one LLM call each) awaited together, their entries kept in the case's
  order; each judge keeps its own ``concurrency`` limit. A ``cpu_bound`` scorer used as a
  check does not go to the worker processes (the composite is one scorer there).
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from evalkit.dataset import Case, Check, EvalSet
from evalkit.errors import ConfigError, Problem, ScorerError, did_you_mean
from evalkit.hashing import canonical_json
from evalkit.scoring import SCORERS, Score, ScoreContext, Scorer, as_score, build_scorer
from evalkit.scoring_run import RAISED_ADVICE, call_off_loop, off_loop, raised

__all__ = ["CHECK_ADVICE", "Checks", "check_problems"]

_FIX = (
    "fix the scorer to return False (or 0.0) for an answer it rejects, or drop the check from "
    "the case"
)
CHECK_ADVICE = f"this check is left out of the case's checks score; {_FIX}"
"""What to do about a check whose scorer raised: the end of its entry's ``error``
(``scorer 'x' raised ValueError: boom (at scorers/mine.py:6); this check is left out ...``)."""

_MAX_DETAILS = 2000
"""Characters of a check's own details kept (as JSON); larger details are summarised."""
_MAX_REASON = 300
_MAX_KEYS = 20
_MAX_VALUE = 200
_METRIC = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class Checks(Scorer):
    """Run each case's own checks; see the module docstring."""

    name: ClassVar[str] = "checks"
    defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Arguments per scorer name, under every check's own (``{"judge": {"provider": ...}}``)."""
    threshold: float = 1.0
    _built: dict[str, Scorer | str] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    """A built scorer, or why it could not be built, per distinct check."""

    def __post_init__(self) -> None:
        where = f"scorer {self.name!r}"
        if not isinstance(self.defaults, Mapping):
            raise ConfigError.single(where, "defaults must be a table of scorer name -> args")
        names = [n for n in SCORERS.names() if n != self.name]
        problems = []
        for key, value in self.defaults.items():
            if key not in names:
                hint = did_you_mean(key, names) or f" registered scorers: {', '.join(names)}"
                problems.append(Problem(where, f"defaults names unknown scorer {key!r};{hint}"))
            elif not isinstance(value, Mapping):
                problems.append(
                    Problem(where, f"defaults.{key} must be a table of arguments, got {value!r}")
                )
        if problems:
            raise ConfigError(problems)

    def spec(self) -> dict[str, Any]:
        d = super().spec()
        d["args"].pop("_built", None)
        return d

    def applies_to(self, case: Case) -> bool:
        return bool(case.checks)

    def skips(self, case: Case) -> bool:
        """A case without checks has nothing to score here: unscored, never failed."""
        return not case.checks

    def scorer_for(self, check: Check) -> Scorer:
        """The check's scorer, built on first use; :class:`ConfigError` when it cannot be."""
        key = canonical_json([check.name, dict(check.args), check.threshold])
        built = self._built.get(key)
        if built is None:
            try:
                built = self._build(check)
            except ConfigError as exc:
                built = "; ".join(
                    p.message if p.message.startswith(p.where) else f"{p.where}: {p.message}"
                    for p in exc.problems
                )  # "scorer 'x' has no argument ..." names its scorer already
            except Exception as exc:  # a plugin's own validation, in its own words
                built = f"scorer {check.name!r} could not be built: {type(exc).__name__}: {exc}"
            self._built[key] = built
        if isinstance(built, str):
            raise ConfigError.single(f"check {check.key!r}", built)
        return built

    def _build(self, check: Check) -> Scorer:
        where = f"scorer {check.name!r}"
        args = {**dict(self.defaults.get(check.name, {})), **dict(check.args)}
        try:
            factory = SCORERS.get(check.name)
        except Exception as exc:
            raise ConfigError.single(where, str(exc)) from exc
        files = [a for a in getattr(factory, "path_args", ()) if isinstance(args.get(a), str)]
        if files:
            raise ConfigError.single(
                where,
                f"argument {files[0]!r} names a file, which a check does not read; give its "
                "content inline (a schema object, a rubric text)",
            )
        try:
            return build_scorer(check.name, args, check.threshold, where=where)
        except ConfigError as exc:
            if check.name == "judge" and not {"provider", "model"} <= set(args):
                raise ConfigError.single(
                    where,
                    f"{exc.problems[0].message}; give them once for every judge check in the "
                    'suite: scorers = [{ name = "checks", args = { defaults = { judge = '
                    '{ provider = "...", model = "..." } } } }]',
                ) from exc
            raise

    async def score(self, ctx: ScoreContext) -> Score:  # type: ignore[override]
        entries = await self._run_all(ctx)
        n = len(entries)
        errored = [e for e in entries if "error" in e]
        ran = [e for e in entries if "error" not in e]
        failed = [e for e in ran if e["passed"] is not True]
        details: dict[str, Any] = {
            "checks": entries,
            "failed": [_key(e) for e in failed],
            **({"errored": [_key(e) for e in errored]} if errored else {}),
        }
        if not ran:  # nothing was evaluated: a scorer error, never a failed case
            what = "the check" if n == 1 else f"none of the {n} checks"
            error = f"{what} could {'not ' if n == 1 else ''}run: " + _listed(errored, "error")
            if any(e["error"].endswith(CHECK_ADVICE) for e in errored):
                error += f"; {_FIX}"  # the entries' advice, once (their listing leaves it out)
            return Score(None, None, f"scorer error: {error}", details, error)
        value = (len(ran) - len(failed)) / len(ran)
        if not failed:
            reason = f"all {len(ran)} checks passed" if len(ran) != 1 else "the check passed"
        else:
            reason = f"{len(failed)} of {len(ran)} checks failed: {_listed(failed, 'reason')}"
        if errored:
            reason += f"; {len(errored)} of {n} checks could not run (left out): " + _listed(
                errored, "reason"
            )
        metrics = {
            e["label"]: 1.0 if e["passed"] is True else 0.0
            for e in ran
            if e["label"] is not None and _metric_name(e["label"])
        }
        judge_cost = [
            m["judge_cost_usd"]
            for e in ran
            if isinstance(m := e["details"].get("metrics"), Mapping)
            and isinstance(m.get("judge_cost_usd"), (int, float))
        ]
        if judge_cost:  # what judge checks cost, averaged like a judge scorer's
            metrics["judge_cost_usd"] = float(sum(judge_cost))
        if metrics:
            details["metrics"] = metrics
        return Score(value, value >= self.threshold, reason, details)

    async def _run_all(self, ctx: ScoreContext) -> list[dict[str, Any]]:
        """Every check's entry, in the case's order. A sync check runs where it stands; the
        async ones (a judge check: one LLM call each) are awaited together, so a case with
        five judge checks waits for the slowest, not for the sum."""
        entries: list[dict[str, Any]] = []
        pending: list[tuple[int, Scorer, Awaitable[Any]]] = []
        try:
            for i, check in enumerate(ctx.case.checks):
                entries.append({"name": check.name, "label": check.label})
                scorer: Scorer | None = None
                try:
                    scorer = self._ready(check, ctx)
                    # a user's sync scorer must not block the loop here either
                    result = call_off_loop(scorer, ctx) if off_loop(scorer) else scorer.score(ctx)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    entries[i] |= _errored(_message(exc, scorer))
                    continue
                if inspect.isawaitable(result):
                    pending.append((i, scorer, result))  # its entry is completed below
                else:
                    entries[i] |= _outcome(scorer, result, ctx)
        except BaseException:
            for _, _, awaitable in pending:  # never started: no "never awaited" warning
                if inspect.iscoroutine(awaitable):
                    awaitable.close()
            raise
        if pending:
            done = await asyncio.gather(*(_awaited(s, a, ctx) for _, s, a in pending))
            for (i, _, _), outcome in zip(pending, done, strict=True):
                entries[i] |= outcome
        return entries

    def _ready(self, check: Check, ctx: ScoreContext) -> Scorer:
        """The check's scorer, after the checks :func:`~evalkit.scoring.score_all` makes."""
        scorer = self.scorer_for(check)
        missing = [f for f in scorer.requires if not ctx.case.has(f)]
        if missing:
            raise ScorerError(
                f"scorer {check.name!r} needs case field(s) {missing}, which the case "
                "does not set; add them to the case or drop the check"
            )
        scorer.check_case(ctx.case)
        return scorer

    async def aclose(self) -> None:
        """Close every check's scorer (a judge's client); the first failure is raised after
        all were closed."""
        first: BaseException | None = None
        for built in self._built.values():
            if isinstance(built, Scorer):
                try:
                    await built.aclose()
                except Exception as exc:
                    first = first or exc
        if first is not None:
            raise first


def check_problems(
    es: EvalSet,
    scorer: Checks,
    where: str | None = None,
    skip: Callable[[str], bool] | None = None,
) -> list[Problem]:
    """Every check of ``es`` that cannot be built with ``scorer``'s defaults, as problems at
    ``<eval set>:<line>`` (a check repeated on many lines is reported once, with the count).
    For ``evalkit validate``: a bad argument is found before a run pays for answers.
    ``skip(name)`` leaves out the checks of scorers that cannot be built without a suite."""
    source = where or str(es.path or es.name)
    seen: dict[str, tuple[Problem, list[str]]] = {}
    skipped: dict[str, bool] = {}
    for case in es:
        for i, check in enumerate(case.checks, start=1):
            if skip is not None and skipped.setdefault(check.name, skip(check.name)):
                continue
            try:
                scorer.scorer_for(check)
            except ConfigError as exc:
                key = canonical_json([check.name, dict(check.args), check.threshold])
                message = f'field "checks" item {i} ("{check.name}"): {exc.problems[0].message}'
                loc = f"{source}:{case.line}" if case.line else f"{source}: case {case.id!r}"
                seen.setdefault(key, (Problem(loc, message), []))[1].append(case.id)
    out = []
    for problem, ids in seen.values():
        more = f" (the same check in {len(ids) - 1} more case(s))" if len(ids) > 1 else ""
        out.append(Problem(problem.where, problem.message + more))
    return out


async def _awaited(scorer: Scorer, awaitable: Awaitable[Any], ctx: ScoreContext) -> dict[str, Any]:
    """:func:`_outcome` of an async check, once awaited."""
    try:
        result = await awaitable
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return _errored(_message(exc, scorer))
    return _outcome(scorer, result, ctx)


def _outcome(scorer: Scorer, result: Any, ctx: ScoreContext) -> dict[str, Any]:
    """A check's value, verdict, reason and details; or, when it returned an error, a result
    that is no score, or no verdict, what :func:`_errored` makes of it."""
    try:
        score = as_score(scorer, result, ctx.case.id)
    except Exception as exc:
        return _errored(_message(exc))
    if score.error is not None:
        return _errored(score.error)
    if score.passed is None:  # the scorer declined to judge: not a fail, not a pass
        why = f"returned no verdict: {score.reason}" if score.reason else "returned no verdict"
        return _errored(why)
    return {
        "value": score.value,
        "passed": score.passed,
        "reason": _clip(score.reason, _MAX_REASON),
        "details": _small(score.details),
    }


def _errored(error: str) -> dict[str, Any]:
    """The entry of a check that could not run: no value, no verdict, its error."""
    return {
        "value": None,
        "passed": None,
        "reason": _clip(f"error: {error}", _MAX_REASON),
        "details": {},
        "error": error,
    }


def _message(exc: Exception, scorer: Scorer | None = None) -> str:
    """A check's error: evalkit's own words as they are; an exception the check's ``scorer``
    raised as :func:`~evalkit.scoring_run.raised` words a scorer's (the scorer, the
    exception, the line of the scorer's file), with advice that fits a check."""
    if isinstance(exc, (ScorerError, ConfigError)):
        return str(exc)
    if scorer is None:  # raised while building or checking the case: no scorer file to name
        return f"{type(exc).__name__}: {exc}"
    return raised(scorer, exc).removesuffix(f"; {RAISED_ADVICE}") + f"; {CHECK_ADVICE}"


def _listed(entries: list[dict[str, Any]], field: str) -> str:
    """``label: text; ...`` for the first five entries, and how many more. The advice of a
    check that raised is left out: the entry keeps it, and one list would repeat it."""
    shown = "; ".join(f"{_key(e)}: {_clip(_text(e, field), 120)}" for e in entries[:5])
    return shown + (f"; and {len(entries) - 5} more" if len(entries) > 5 else "")


def _text(entry: Mapping[str, Any], field: str) -> str:
    """An entry's ``field``, its error told without the advice of a check that raised."""
    if "error" not in entry:
        return str(entry[field])
    error = str(entry["error"]).removesuffix(f"; {CHECK_ADVICE}")
    return f"error: {error}" if field == "reason" else error


def _key(entry: Mapping[str, Any]) -> str:
    return str(entry["label"] or entry["name"])


def _metric_name(label: str) -> bool:
    """Whether a label can be a metric (``checks.<label>``) without clashing with the
    aggregate's own stats or a gate's ``<scorer>.<stat>`` split."""
    return (
        _METRIC.fullmatch(label) is not None
        and label not in ("mean", "pass_rate", "judge_cost_usd")
        and not label.endswith("_rate")
    )


def _small(details: Mapping[str, Any]) -> dict[str, Any]:
    """A check's details as they are when small; else each large value is replaced by a note
    of its size (the small ones, a judge's grade, stay): one case with a dozen judge checks
    must not carry a dozen full evidence trails in every record."""
    try:
        size = len(canonical_json(dict(details)))
    except (TypeError, ValueError):
        return {"omitted": "details that are not JSON"}
    if size <= _MAX_DETAILS:
        return dict(details)
    out: dict[str, Any] = {}
    for key, value in list(details.items())[:_MAX_KEYS]:
        n = len(canonical_json(value))
        out[str(key)] = value if n <= _MAX_VALUE else f"(omitted: {n} characters)"
    if len(details) > _MAX_KEYS:
        out["omitted"] = f"{len(details) - _MAX_KEYS} more keys"
    return out


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
