"""Gate metrics against the scorers ``evalkit validate`` built (QA12 F5).

The config's own check (:func:`evalkit.suites_checks.gate_metric_problem`) knows scorer names
only, so ``cost.per_cas`` beside a scorer named ``cost`` read as a detail metric of it and
surfaced after the paid run, as the comparison's "unknown metric; did you mean
"cost.per_case"?". Validate has built the scorers, so it knows more:

- every scorer's name, a ``file.py:Class`` reference's included, so an unknown prefix is
  certain once every entry built (one that did not build may be the prefix's: left alone);
- what the runtime takes for a stat (:meth:`evalkit.aggregate_types.RunAggregate.metrics`
  and ``gates._implicit_rate``): the run metrics, ``mean``, ``pass_rate``, ``unscored_rate``,
  ``<outcome>_rate`` and the ``details["metrics"]`` names. The last two are open for most
  scorers and left to the run; a built-in that declares its outcomes (``Scorer.outcomes``)
  and whose detail metrics are listed in :data:`DETAIL_METRICS` has a closed vocabulary,
  and a stat outside it is certainly wrong (the runtime would gate an undeclared outcome as
  a rate of 0, which passes);
- a ``no_new_failures`` gate judges cases (``gates._new_failure_test``): a scorer name,
  ``<scorer>.mean``/``.pass_rate``/``.unscored_rate``/``.<outcome>_rate``, ``errors.rate`` or
  ``cases``; a run metric or a detail metric fails it at run time.

A gate the config's check already reported is skipped here, so each mistake is named once.
A helper of ``evalkit validate``, not a subcommand.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.aggregate_types import RUN_METRICS
from evalkit.errors import Problem, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["DETAIL_METRICS", "gate_metric_problems", "scorer_vocabulary", "suite_tables"]

DETAIL_METRICS: Mapping[str, tuple[str, ...]] = {
    "evalkit.scorers.cost:Cost": (
        "priced_cost_usd",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "cache_write_tokens",
    ),
    "evalkit.scorers.cost:Latency": ("latency_ms",),
    "evalkit.scorers.tool_calls:ToolCalls": ("name_accuracy", "argument_accuracy"),
    "evalkit.scorers.refusal:Refusal": (
        "refused",
        "over_refusal_of_safe",
        "under_refusal_of_unsafe",
    ),
}
"""Every ``details["metrics"]`` name of the built-ins that declare their outcomes, by class
reference (a subclass may add its own, so it is not closed). Pinned by a test that runs them;
a built-in missing here is only treated as open."""

_RETIRED: Mapping[tuple[str, str], str] = {
    ("evalkit.scorers.cost:Cost", "cost_usd"): (
        "the cost scorer's cost_usd averaged the priced cases only, so a candidate half of whose "
        "answers went to an unpriced model read 'no change' (QA14 F3); gate the run metric "
        "cost.per_case (unknown when any answered record is unpriced), or {prefix}"
        ".priced_cost_usd to judge the priced cases alone (with {prefix}.unpriced_rate beside it)"
    ),
}
"""Detail metrics a built-in no longer gives, by class reference: why, and what to gate."""

_STATS = ("mean", "pass_rate", "unscored_rate")
"""Stats of every scorer, whatever it scores (``ScorerAggregate``)."""
_WHOLE = ("cases", "*", "all")
_RULES = ("min", "max", "max_drop", "max_rise", "max_rise_pct")


def suite_tables(path: Path) -> dict[str, Mapping[str, Any]]:
    """The config's raw ``[suites.NAME]`` tables, as written: a suite with problems keeps
    only its scorers before the first faulty entry, and a gate with problems is dropped, but
    validate reports by the file's own entries (``scorers[9]``, ``gates[4]``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("evalkit", {})
    suites = data.get("suites")
    if not isinstance(suites, Mapping):
        return {}
    return {name: body for name, body in suites.items() if isinstance(body, Mapping)}


def configured_names(body: Mapping[str, Any], built: Mapping[int, Any]) -> tuple[list[Any], bool]:
    """``(entries, complete)``: per configured scorer entry, its built scorer (``built`` maps
    the entry's index to it), else the name it scores under when the config tells it (an
    ``as``, a registered name); ``complete`` when every entry is known so."""
    from evalkit.suites_checks import scorer_keys

    raw = body.get("scorers", [])
    out: list[Any] = []
    complete = True
    for i, item in enumerate(raw if isinstance(raw, list) else ()):
        if i in built:
            out.append(built[i])
            continue
        keys, _ = scorer_keys({"scorers": [item]})
        if keys:
            out.append(keys[0])
        else:
            complete = False
    return out, complete


def scorer_vocabulary(scorer: Any) -> tuple[tuple[str, ...], bool]:
    """``(stats, closed)``: the stats ``scorer`` is known to produce, and whether those are
    all it can produce (:data:`DETAIL_METRICS` lists its detail metrics and it declares its
    outcomes). A name without a built scorer gives the stats of every scorer, open."""
    if isinstance(scorer, str):
        return _STATS, False
    cls = type(scorer)
    outcomes = getattr(scorer, "outcomes", None)
    rates = tuple(f"{o}_rate" for o in sorted(outcomes or ()))
    metrics = DETAIL_METRICS.get(f"{cls.__module__}:{cls.__qualname__}")
    return (*_STATS, *rates, *(metrics or ())), outcomes is not None and metrics is not None


def gate_metric_problems(
    where: str, body: Mapping[str, Any], built: Mapping[int, Any]
) -> list[Problem]:
    """A problem per gate of the raw suite table ``body`` whose metric the suite's scorers
    (``built``: entry index → built scorer) cannot produce, at ``<where> gates[i] metric``."""
    from evalkit.suites_checks import gate_metric_problem, scorer_keys

    entries, complete = configured_names(body, built)
    scorers = {(e if isinstance(e, str) else e.name): e for e in entries}
    gates = body.get("gates", [])
    out = []
    for i, gate in enumerate(gates if isinstance(gates, list) else ()):
        if not isinstance(gate, Mapping) or not isinstance(gate.get("metric"), str):
            continue  # the config's check names it
        metric, whole = gate["metric"], bool(gate.get("no_new_failures"))
        if gate_metric_problem(metric, *scorer_keys(body), whole=whole):
            continue  # reported by the config's check, at the same key
        value = any(gate.get(k) is not None for k in _RULES)
        why = (_value_problem(metric, scorers, complete) if value else None) or (
            _whole_problem(metric, scorers, complete) if whole else None
        )
        if why:
            out.append(Problem(f"{where} gates[{i}] metric", why))
    return out


def _value_problem(metric: str, scorers: Mapping[str, Any], complete: bool) -> str | None:
    """Why a min/max/delta rule finds no value for ``metric``, when certain."""
    if metric in RUN_METRICS:
        return None
    prefix, _, stat = metric.rpartition(".")
    if prefix not in scorers:
        return _no_scorer(metric, scorers, complete)
    stats, closed = scorer_vocabulary(scorers[prefix])
    if stat in stats:
        return None
    cls = type(scorers[prefix])
    retired = _RETIRED.get((f"{cls.__module__}:{cls.__qualname__}", stat))
    if retired:
        return f"metric {metric!r} is gone: " + retired.format(prefix=prefix)
    run = [m for m in RUN_METRICS if m.startswith(prefix + ".")]
    # Open: an outcome or detail metric of this name may come; only a near miss of a run
    # metric of the same prefix or of a declared outcome is a mistake (the config's check
    # does the same for mean and pass_rate; unscored_rate is no guide, any "<label>_rate"
    # being one's likeness).
    if not closed and not did_you_mean(stat, [*(m.rpartition(".")[2] for m in run), *stats[3:]]):
        return None
    choices = [*run, *(f"{prefix}.{s}" for s in stats)]
    hint = did_you_mean(metric, choices) or did_you_mean(metric, [*RUN_METRICS, *choices])
    what = (
        f"not a run metric, nor a stat of scorer {prefix!r}"
        if run
        else (f"not a stat of scorer {prefix!r}")
    )
    gives = ", ".join(stats) + ("" if closed else ", its <outcome>_rate and detail metrics")
    return (
        f"unknown metric {metric!r}: {what};{hint} fix the metric (scorer {prefix!r} gives "
        f"{gives}; run metrics: {', '.join(RUN_METRICS)})"
    )


def _no_scorer(metric: str, scorers: Mapping[str, Any], complete: bool) -> str | None:
    """An unknown prefix: certain only when every configured scorer's name is known."""
    if not complete:
        return None
    prefix, _, stat = metric.rpartition(".")
    names = list(scorers)
    close = did_you_mean(prefix, names) if prefix else ""
    hint = f' did you mean "{close.split(chr(34))[1]}.{stat}"?' if close else ""
    hint = hint or did_you_mean(metric, RUN_METRICS)
    what = f"no scorer {prefix!r} in this suite" if prefix else "not <scorer>.<stat>"
    return (
        f"unknown metric {metric!r}: {what};{hint} fix the metric or add the scorer (the "
        f"suite's scorers: {', '.join(names) or 'none'}; run metrics: {', '.join(RUN_METRICS)})"
    )


def _whole_problem(metric: str, scorers: Mapping[str, Any], complete: bool) -> str | None:
    """Why a ``no_new_failures`` rule cannot judge cases by ``metric``, when certain."""
    if metric in _WHOLE or metric == "errors.rate" or metric in scorers:
        return None
    prefix, _, stat = metric.rpartition(".")
    if prefix in scorers:
        stats, closed = scorer_vocabulary(scorers[prefix])
        if stat in _STATS or (stat.endswith("_rate") and (stat in stats or not closed)):
            return None
    elif not complete and metric not in RUN_METRICS:
        return None  # perhaps a stat of the scorer that did not build
    names = list(scorers)
    choices = [*_WHOLE[:1], "errors.rate", *names, *(f"{n}.{s}" for n in names for s in _STATS)]
    return (
        f"{metric!r}: no_new_failures needs a scorer name, '<scorer>.<outcome>_rate', "
        f"'errors.rate' or 'cases';{did_you_mean(metric, choices)} it judges cases, and "
        f"{_what_it_is(metric, prefix, scorers)}; scorers here: {', '.join(names) or 'none'}"
    )


def _what_it_is(metric: str, prefix: str, scorers: Mapping[str, Any]) -> str:
    if metric in RUN_METRICS:
        return f"{metric!r} is a run metric (a min/max or max_rise rule can gate it)"
    if prefix in scorers:
        return f"{metric!r} is no verdict of a case (a min/max or max_drop rule can gate it)"
    return f"no scorer {prefix!r} is in this suite"
