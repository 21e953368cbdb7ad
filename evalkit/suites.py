"""Suites: an eval set, the candidates to run on it, the scorers that judge them, the gates.

A *gate* is a rule that can fail CI; a *scorer spec* names a scorer and its arguments. These are
declared under ``[suites.NAME]`` in ``evalkit.toml`` (parsed here, collecting every problem) and
can be built in Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.errors import Problem, did_you_mean

_SCORER_NAME = re.compile(r"[A-Za-z0-9_-]+")

__all__ = ["CACHE_MODES", "Gate", "ScorerSpec", "Suite", "parse_suite", "unknown_keys"]

CACHE_MODES = ("use", "refresh", "off", "require")


@dataclass(frozen=True)
class ScorerSpec:
    """A scorer as named in a suite: registered name or reference, arguments, threshold."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    threshold: float | None = None
    base_dir: str = "."
    """Folder that a ``file.py:attr`` reference resolves against (the config's folder)."""
    skip_missing: bool = False
    """Leave cases that lack the scorer's required fields unscored instead of recording a
    scorer error: for suites that mix kinds of cases (some with context, some with tools)."""
    alias: str | None = None
    """``as = "..."`` in the config: the name its scores go under, so one scorer can be used
    twice with different arguments (two ``contains`` checks)."""

    def build(self, where: str = "scorer") -> Any:
        from evalkit.scoring import build_scorer, rename_scorer

        scorer = build_scorer(
            self.name, self.args, self.threshold, where=where, base_dir=self.base_dir
        )
        if self.skip_missing:
            scorer.skip_missing = True
        if self.alias:
            rename_scorer(scorer, self.alias)
        return scorer

    @property
    def key(self) -> str:
        """The name its scores go under (before the scorer is built, for a reference, the
        reference itself)."""
        return self.alias or self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "args": dict(self.args),
            "threshold": self.threshold,
            "skip_missing": self.skip_missing,
            "as": self.alias,
        }


@dataclass(frozen=True)
class Gate:
    """A rule that can fail CI. ``metric`` is ``<scorer>.<stat>`` or a run metric.

    Stats: ``mean``, ``pass_rate``, ``<outcome>_rate`` (from ``details["outcome"]``),
    ``<metric>`` (from ``details["metrics"]``); run metrics: ``cost.total``, ``cost.per_case``,
    ``latency.p50``, ``latency.p95``, ``latency.max``, ``errors.rate``. Absolute bounds
    (``min``, ``max``) apply to one run; the others compare candidate with baseline.
    """

    metric: str
    name: str | None = None
    min: float | None = None
    max: float | None = None
    max_drop: float | None = None
    """Candidate may be at most this much below baseline (absolute)."""
    max_rise: float | None = None
    """Candidate may be at most this much above baseline (absolute)."""
    max_rise_pct: float | None = None
    """Candidate may be at most this many percent above baseline."""
    alpha: float | None = None
    """When set, a delta rule fails only if the change is significant at this level."""
    tag: str | None = None
    """Apply the rule to cases with this tag only."""
    no_new_failures: bool = False
    """Fail when any case that passed in the baseline fails in the candidate."""

    @property
    def label(self) -> str:
        return self.name or self.metric + (f" [{self.tag}]" if self.tag else "")

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _GATE_KEYS}


_GATE_KEYS = (
    "metric",
    "name",
    "min",
    "max",
    "max_drop",
    "max_rise",
    "max_rise_pct",
    "alpha",
    "tag",
    "no_new_failures",
)


@dataclass(frozen=True)
class Suite:
    """An eval set, the candidates to run on it, how to score them and which gates apply."""

    name: str
    dataset: str
    candidates: tuple[str, ...]
    scorers: tuple[ScorerSpec, ...] = ()
    gates: tuple[Gate, ...] = ()
    baseline: str | None = None
    """The candidate others are compared against (default: the first)."""
    repeats: int = 1
    cache: str = "use"
    max_cost_usd: float | None = None
    """Stop sending new requests once the run has spent this much (a budget, not a gate)."""
    base_dir: str = "."

    @property
    def dataset_path(self) -> Path:
        p = Path(self.dataset)
        return p if p.is_absolute() else Path(self.base_dir) / p

    @property
    def baseline_name(self) -> str:
        return self.baseline or self.candidates[0]


_SUITE_KEYS = (
    "dataset",
    "candidates",
    "scorers",
    "gates",
    "baseline",
    "repeats",
    "cache",
    "max_cost_usd",
)


def parse_suite(
    name: str,
    body: Any,
    base_dir: str,
    where: str,
    problems: list[Problem],
    cands: Mapping[str, Any],
    *,
    partial: bool = False,
) -> Suite | None:
    """The suite, or None when it has problems (all appended to ``problems``).

    With ``partial`` (``evalkit validate``), a suite with problems still gives what of it is
    valid, so its eval set and scorers are checked in the same run: its dataset path (even a
    missing one), the declared candidates it names, its scorers before the first faulty entry
    and its valid gates; other fields take their defaults. None only when it is not a table
    or names no dataset.
    """
    if not isinstance(body, Mapping):
        problems.append(Problem(where, "must be a table"))
        return None
    start = len(problems)
    unknown_keys(body, _SUITE_KEYS, where, "", problems)
    if not isinstance(body.get("dataset"), str):
        problems.append(
            Problem(
                f"{where} dataset", 'is required: the eval set path, e.g. "datasets/support.jsonl"'
            )
        )
    elif not (Path(base_dir) / body["dataset"]).is_file():
        # Relative to the config's folder only, as Suite.dataset_path reads it: a path that
        # happened to exist from the current directory passed here and failed at run time.
        problems.append(
            Problem(
                f"{where} dataset",
                f"file {body['dataset']!r} does not exist (relative to {base_dir}); fix the path",
            )
        )
    names = body.get("candidates")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        problems.append(
            Problem(f"{where} candidates", "must be a non-empty list of candidate names")
        )
        names = []
    for n in names:
        if n not in cands:
            problems.append(
                Problem(
                    f"{where} candidates",
                    f"unknown candidate {n!r};"
                    f"{did_you_mean(n, cands) or ' defined: ' + str(sorted(cands))}",
                )
            )
    baseline = body.get("baseline")
    if baseline is not None and baseline not in names:
        problems.append(
            Problem(
                f"{where} baseline", f"{baseline!r} is not one of the suite's candidates {names}"
            )
        )
    repeats = body.get("repeats", 1)
    if not isinstance(repeats, int) or repeats < 1:
        problems.append(
            Problem(f"{where} repeats", f"must be a whole number >= 1, got {repeats!r}")
        )
    cap = body.get("max_cost_usd")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap <= 0):
        why = f"must be a number of USD > 0 (the run's spending cap), got {cap!r}"
        problems.append(Problem(f"{where} max_cost_usd", why))
    cache = body.get("cache", "use")
    if cache not in CACHE_MODES:
        problems.append(
            Problem(f"{where} cache", f"must be one of {list(CACHE_MODES)}, got {cache!r}")
        )
    scorers = _parse_scorers(body.get("scorers", []), where, problems, base_dir)
    gates = _parse_gates(body.get("gates", []), where, problems, _scorer_keys(body))
    _provider_problems(names, cands, where, problems)
    if len(problems) > start:
        if not partial or not isinstance(body.get("dataset"), str):
            return None
        known = tuple(n for n in names if n in cands)
        return Suite(name, body["dataset"], known, scorers, gates, base_dir=base_dir)
    return Suite(
        name=name,
        dataset=body["dataset"],
        candidates=tuple(names),
        scorers=scorers,
        gates=gates,
        baseline=baseline,
        repeats=repeats,
        cache=cache,
        max_cost_usd=body.get("max_cost_usd"),
        base_dir=base_dir,
    )


def _parse_scorers(
    raw: Any, where: str, problems: list[Problem], base_dir: str = "."
) -> tuple[ScorerSpec, ...]:
    if not isinstance(raw, list):
        problems.append(
            Problem(f"{where} scorers", "must be a list of names or {name, args, threshold} tables")
        )
        return ()
    out: list[ScorerSpec] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw, start=1):
        # After a faulty entry nothing more is kept: a partial suite keeps the entries before
        # it, each still scorers[i] of the config (strict parsing returns no suite at all).
        keep = len(out) == i - 1
        given = (
            item
            if isinstance(item, str)
            else (item.get("as") or item.get("name"))
            if isinstance(item, Mapping)
            else None
        )
        if isinstance(given, str):
            if given in seen:
                # Scores are keyed by the scorer's name: the second would hide the first.
                problems.append(
                    Problem(
                        f"{where} scorers[{i}]",
                        f"{given!r} is already scorers[{seen[given]}]; scores are keyed by "
                        "the scorer's name, so one would hide the other; list it once, or "
                        'name this one with as = "..." to use the scorer twice',
                    )
                )
                continue
            seen[given] = i
        if isinstance(item, str):
            if keep:
                out.append(ScorerSpec(item, base_dir=base_dir))
            continue
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            problems.append(
                Problem(f"{where} scorers[{i}]", "must be a name or a table with a name")
            )
            continue
        item_start = len(problems)
        unknown_keys(
            item,
            ("name", "args", "threshold", "skip_missing", "as"),
            f"{where} scorers[{i}]",
            "",
            problems,
        )
        loc = f"{where} scorers[{i}]"
        thr = item.get("threshold")
        if thr is not None and (
            not isinstance(thr, (int, float)) or isinstance(thr, bool) or not 0 <= thr <= 1
        ):
            problems.append(Problem(f"{loc} threshold", f"must be a number in [0, 1], got {thr!r}"))
        args = item.get("args", {})
        if not isinstance(args, Mapping):
            problems.append(
                Problem(f"{loc} args", f"must be a table, e.g. args = {{ key = 1 }}, got {args!r}")
            )
            args = {}
        skip = item.get("skip_missing", False)
        if not isinstance(skip, bool):
            problems.append(Problem(f"{loc} skip_missing", f"must be true or false, got {skip!r}"))
        alias = item.get("as")
        if alias is not None and (not isinstance(alias, str) or not _SCORER_NAME.fullmatch(alias)):
            problems.append(
                Problem(
                    f"{loc} as",
                    "must be a name of letters, digits, '_' or '-' (it becomes the metric "
                    f"prefix, '<as>.pass_rate'), got {alias!r}",
                )
            )
            alias = None
        if keep and len(problems) == item_start:
            out.append(ScorerSpec(item["name"], dict(args), thr, base_dir, skip is True, alias))
    return tuple(out)


def _parse_gates(
    raw: Any, where: str, problems: list[Problem], scorers: tuple[list[str], bool] = ([], True)
) -> tuple[Gate, ...]:
    if not isinstance(raw, list):
        problems.append(
            Problem(f"{where} gates", "must be a list of gate tables ([[suites.NAME.gates]])")
        )
        return ()
    out = []
    for i, item in enumerate(raw, start=1):
        loc = f"{where} gates[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("metric"), str):
            problems.append(
                Problem(loc, 'needs metric = "<scorer>.<stat>", e.g. "groundedness.mean"')
            )
            continue
        start = len(problems)
        unknown_keys(item, _GATE_KEYS, loc, "", problems)
        rules = [
            k
            for k in ("min", "max", "max_drop", "max_rise", "max_rise_pct")
            if item.get(k) is not None
        ]
        if not rules and not item.get("no_new_failures"):
            problems.append(
                Problem(
                    loc,
                    "sets no rule; give min, max, max_drop, max_rise, "
                    "max_rise_pct or no_new_failures = true",
                )
            )
        for k in rules + (["alpha"] if item.get("alpha") is not None else []):
            if not isinstance(item[k], (int, float)) or isinstance(item[k], bool):
                problems.append(Problem(f"{loc} {k}", f"must be a number, got {item[k]!r}"))
        tag = item.get("tag")
        if tag is not None and (not isinstance(tag, str) or not tag):
            problems.append(Problem(f"{loc} tag", f"must be a tag name (a string), got {tag!r}"))
        if len(problems) == start:
            out.append(Gate(**{k: item[k] for k in _GATE_KEYS if k in item}))
        # After the gate is kept: validate's partial suite numbers its gates as the file does.
        why = gate_metric_problem(item["metric"], *scorers, whole=bool(item.get("no_new_failures")))
        if why:
            problems.append(Problem(f"{loc} metric", why))
    return tuple(out)


def unknown_keys(
    body: Mapping[str, Any],
    allowed: tuple[str, ...],
    where: str,
    prefix: str,
    problems: list[Problem],
    elsewhere: Mapping[str, tuple[str, ...]] | None = None,
) -> None:
    """One problem per key not in ``allowed``, with the closest allowed key as a hint, or the
    sub-table a known key belongs in (``elsewhere``: ``{"params": ("temperature", ...)}``)."""
    for key in body:
        if key not in allowed:
            hint = did_you_mean(key, allowed) or _belongs(key, elsewhere or {})
            hint = hint or f" valid keys: {', '.join(allowed)}"
            problems.append(Problem(f"{where} {prefix}{key}".rstrip(), f"unknown key;{hint}"))


def _belongs(key: str, elsewhere: Mapping[str, tuple[str, ...]]) -> str:
    for table, names in elsewhere.items():
        if key in names:
            return f" it belongs under {table}: {table} = {{ {key} = ... }}"
        close = did_you_mean(key, names)
        if close:
            name = close.split('"')[1]
            return f' did you mean "{table}.{name}"? ({table} = {{ {name} = ... }})'
    return ""


# ------------------------------------------------------------------ checks before anything runs
# Run at config load, so `validate`, `run`, `check`, evaluate() and the pytest plugin refuse
# these before any provider is called, as bad input (exit 2) at the config key, instead of a
# gate FAIL (exit 1) after every candidate was paid for.

_AGGREGATES = ("mean", "pass_rate")
_RUN_PREFIXES = ("cost", "tokens", "latency", "errors")
_WHOLE_RUN = ("cases", "*", "all")
"""What ``no_new_failures`` also accepts: every scorer of the case at once."""


def _scorer_keys(body: Mapping[str, Any]) -> tuple[list[str], bool]:
    """The names the suite's scorers score under, as far as they are known before building
    them, and whether some are not (a ``file.py:Class`` reference without ``as``, whose name
    is its class's). Read from the raw entries, so a faulty entry still names its scorer."""
    raw = body.get("scorers", [])
    keys: list[str] = []
    unknown = False
    for item in raw if isinstance(raw, list) else ():
        name = item.get("name") if isinstance(item, Mapping) else item
        alias = item.get("as") if isinstance(item, Mapping) else None
        if isinstance(alias, str) and alias:
            keys.append(alias)
        elif isinstance(name, str) and ":" not in name and _registered(name):
            keys.append(name)
        else:  # a reference's name is its class's; an unknown name is reported as a scorer's
            unknown = True
    # A suite without scorers gates runs scored elsewhere (evalkit compare, evalkit score).
    return keys, unknown or not keys


def _registered(name: str) -> bool:
    from evalkit.scoring import SCORERS  # the registry's names only; no scorer is imported

    return name in SCORERS


def gate_metric_problem(
    metric: str, scorers: list[str] | tuple[str, ...], unknown: bool = False, *, whole: bool = False
) -> str | None:
    """Why ``metric`` cannot be a gate metric of a suite scoring under ``scorers``, or None.

    Known before any run: the run metrics, each scorer's name and its built-in aggregates
    (``mean``, ``pass_rate``). A scorer's outcome rates (``<outcome>_rate``) and detail
    metrics come from its scores, so any other stat is accepted here, except a near miss of a
    built-in aggregate (``pass_rat``); the comparison names what the runs did produce.
    ``unknown``: some scorer's name is only known once built, so an unknown scorer part is
    not an error (``whole``: the gate is ``no_new_failures``, which also takes a scorer name
    or ``cases``).
    """
    from evalkit.aggregate_types import RUN_METRICS  # data model only; cheap

    if metric in RUN_METRICS or (whole and (metric in _WHOLE_RUN or metric in scorers)):
        return None
    scorer, _, stat = metric.rpartition(".")
    choices = [*(f"{s}.{a}" for s in scorers for a in _AGGREGATES), *RUN_METRICS]
    listing = (
        f" the suite's scorers: {', '.join(scorers) or 'none'} (<scorer>.mean, "
        "<scorer>.pass_rate, <scorer>.<outcome>_rate, <scorer>.<detail metric>); "
        f"run metrics: {', '.join(RUN_METRICS)}"
    )
    if scorer in scorers:
        if stat in _AGGREGATES or stat.endswith("_rate"):
            return None
        close = did_you_mean(stat, _AGGREGATES)
        if not close:
            return None  # a detail metric: known once the scorer has scored
        name = close.split('"')[1]
        return f'{metric!r} is not a metric of scorer {scorer!r}; did you mean "{scorer}.{name}"?'
    if scorer in _RUN_PREFIXES:
        return (
            f"{metric!r} is not a run metric;{did_you_mean(metric, choices)} run metrics: "
            f"{', '.join(RUN_METRICS)}"
        )
    if unknown and scorer:
        return None
    what = f"no scorer {scorer!r} in this suite" if scorer else "not <scorer>.<stat>"
    hint = did_you_mean(metric, choices + ([*scorers, *_WHOLE_RUN] if whole else []))
    return f"unknown metric {metric!r}: {what};{hint} fix the metric or add the scorer;{listing}"


def _provider_problems(
    names: list[str], cands: Mapping[str, Any], where: str, problems: list[Problem]
) -> None:
    """An unknown provider of a candidate the suite runs, at ``[candidates.NAME] provider``
    (once, however many suites run it): found now, not when the run starts its providers."""
    config = where.rsplit(": [suites.", 1)[0]
    for n in names:
        body = cands.get(n)
        provider = body.get("provider") if isinstance(body, Mapping) else None
        if not isinstance(provider, str):
            continue
        why = provider_problem(provider)
        problem = Problem(f"{config}: [candidates.{n}] provider", why or "")
        if why and problem not in problems:
            problems.append(problem)


def provider_problem(provider: str) -> str | None:
    """Why ``provider`` names no provider, or None. A ``module:attr`` reference is resolved
    when the run starts (importing the user's code is the run's business)."""
    if not provider or ":" in provider:
        return None
    from evalkit.providers.base import PROVIDERS  # the registry names only; nothing imported

    known = PROVIDERS.names()
    if provider in known:
        return None
    hint = did_you_mean(provider, known)
    return (
        f"unknown provider {provider!r};{hint} providers: {', '.join(known)} (or a "
        "'module:attr' reference to a Provider class); fix the name, or install the package "
        "that registers it"
    )
