"""Checks of a suite made at config load, before anything runs: gate metrics no scorer of the
suite can make and providers no registry knows.

Run at config load, so `validate`, `run`, `check`, evaluate() and the pytest plugin refuse
these before any provider is called, as bad input (exit 2) at the config key, instead of a
gate FAIL (exit 1) after every candidate was paid for. Names only are looked up (the scorer
and provider registries), nothing is imported or built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.errors import Problem, did_you_mean

__all__ = ["gate_metric_problem", "provider_problem", "provider_problems", "scorer_keys"]

_AGGREGATES = ("mean", "pass_rate")
_RUN_PREFIXES = ("cost", "tokens", "latency", "errors")
_WHOLE_RUN = ("cases", "*", "all")
"""What ``no_new_failures`` also accepts: every scorer of the case at once."""


def scorer_keys(body: Mapping[str, Any]) -> tuple[list[str], bool]:
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
    if unknown and (scorer or whole):  # no_new_failures also takes a bare scorer name
        return None
    what = f"no scorer {scorer!r} in this suite" if scorer else "not <scorer>.<stat>"
    hint = did_you_mean(metric, choices + ([*scorers, *_WHOLE_RUN] if whole else []))
    return f"unknown metric {metric!r}: {what};{hint} fix the metric or add the scorer;{listing}"


def provider_problems(
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
