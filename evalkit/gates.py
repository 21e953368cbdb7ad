"""Promotion gates: turn :class:`~evalkit.config.Gate` rules into a PASS/FAIL verdict with a
reason in plain words for every rule.

Absolute rules (``min``, ``max``) look at the candidate alone; delta rules (``max_drop``,
``max_rise``, ``max_rise_pct``) compare the candidate with the baseline, and with ``alpha`` fail
only when the change is also significant (p < alpha, from the comparison's paired test);
``no_new_failures`` fails when any case that was fine in the baseline is not now. ``tag``
restricts a rule to the cases with that tag. A gate that cannot be evaluated (unknown metric,
no cases with the tag, no value) fails and says why: a gate that silently passes is worse.
:func:`evaluate_gates` works on a :class:`~evalkit.comparison.Comparison`;
:func:`check_thresholds` checks the absolute rules on one run (delta rules ``skip``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from evalkit.comparison import CaseRow, Comparison, Delta, GateResult, Verdict
from evalkit.config import Gate
from evalkit.errors import did_you_mean
from evalkit.gates_builtin import (
    BUILTIN_RULES,
    ERRORS_HINT,
    MAX_CASES,
    MISSES_HINT,
    _hint,
    _run_dirs,
    _why_unknown,
    answered_nothing,
    builtin_results,
    error_limit,
    new_empty_answers,
    new_errors,
    new_scorer_errors,
    scorer_error_cases,
)
from evalkit.gates_finished import unfinished_runs
from evalkit.gates_lookup import candidate_alone
from evalkit.gates_lookup import implicit_rate as _implicit_rate
from evalkit.gates_lookup import ruler_changed as _ruler_changed

__all__ = [
    "BUILTIN_RULES",
    "DELTA_RULES",
    "ERRORS_HINT",
    "MISSES_HINT",
    "answered_nothing",
    "check_thresholds",
    "error_limit",
    "evaluate_gates",
    "fmt",
    "new_empty_answers",
    "new_errors",
    "new_scorer_errors",
]

DELTA_RULES = ("max_drop", "max_rise", "max_rise_pct")


def fmt(x: float | None) -> str:
    """A number for a reason: three significant digits, thousands without decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if abs(x) < 1e-9:  # 0, or float noise such as a bootstrap bound of -1e-12
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}".replace("-", "−")


def _ci(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"95% CI {fmt(low)}…{fmt(high)}"


def _where(gate: Gate) -> str:
    return f" on cases tagged {gate.tag!r}" if gate.tag else ""


def _unpriced_models(cmp: Comparison, tag: str | None, side: str) -> list[str]:
    """Models reported by ``side``'s answered cases without a known cost, first seen first."""
    out: dict[str, None] = {}
    for row in cmp.rows(tag=tag):
        cell = getattr(row, side)
        if cell is not None and cell.error is None and cell.cost is None and cell.model:
            out.setdefault(cell.model, None)
    return list(out)


def _unknown_metric(gate: Gate, rule: str, known: list[str]) -> GateResult:
    """A failed gate naming the metric it cannot find, with a did-you-mean and the choices."""
    hint = did_you_mean(gate.metric, known)
    return _result(
        gate, rule, False, f"{gate.metric}: unknown metric;{hint} metrics here: {', '.join(known)}"
    )


def _result(gate: Gate, rule: str, ok: bool, reason: str, **kw: Any) -> GateResult:
    threshold = None if rule == "no_new_failures" else getattr(gate, rule)
    return GateResult(
        gate=gate.label,
        metric=gate.metric,
        tag=gate.tag,
        rule=rule,
        threshold=threshold,
        status="pass" if ok else "fail",
        reason=reason,
        **kw,
    )


def _rules(gate: Gate) -> list[str]:
    rules = [r for r in ("min", "max", *DELTA_RULES) if getattr(gate, r) is not None]
    return rules + (["no_new_failures"] if gate.no_new_failures else [])


# ------------------------------------------------------------------------------ comparison


def evaluate_gates(
    comparison: Comparison, gates: Iterable[Gate], *, allow_partial: bool = False
) -> Verdict:
    """Evaluate every rule of every gate against a comparison; every result has a reason.

    Then the built-in rules (:data:`BUILTIN_RULES`), which no configuration has to ask for:
    unless ``allow_partial``, a run that stopped early (:mod:`evalkit.gates_finished`); a
    candidate that answered nothing and, unless the suite gates ``errors.rate`` itself, new
    provider errors; unless it gates ``empty.rate``, new empty answers; unless it gates
    ``truncated.rate``, new answers cut off by ``max_tokens`` (:mod:`evalkit.gates_truncated`);
    per scorer, unless it gates ``<scorer>.unscored_rate``, new scorer errors
    (:mod:`evalkit.gates_builtin`)."""
    gates = tuple(gates)
    results: list[GateResult] = []
    for gate in gates:
        for rule in _rules(gate):
            results.append(_evaluate(comparison, gate, rule))
    added = builtin_results(comparison, gates, results)
    first = () if allow_partial else tuple(r for r in [unfinished_runs(comparison)] if r)
    return Verdict(first + tuple(_run_dirs(r, comparison) for r in results) + added)


def _evaluate(cmp: Comparison, gate: Gate, rule: str) -> GateResult:
    sl = cmp.slice(gate.tag)
    if (sl is None or sl.cases == 0) and cmp.dataset.partial:
        # A selection (--tag tools --limit 4) without that tag's cases: the gate speaks for
        # cases that were not run, which is no failure of the candidate (QA: it failed the
        # verdict); the selection is what the reason names.
        return GateResult(
            gate=gate.label,
            metric=gate.metric,
            tag=gate.tag,
            rule=rule,
            threshold=None if rule == "no_new_failures" else getattr(gate, rule),
            status="skip",
            reason=(
                f"{gate.metric}{_where(gate)}: not checked: the compared part of the eval set "
                f"({cmp.dataset.coverage()}) holds no case tagged {gate.tag!r}; run the whole "
                "eval set, or select that tag, to check it"
            ),
        )
    if sl is None or sl.cases == 0:
        return _result(
            gate,
            rule,
            False,
            f"{gate.metric}: no shared case is tagged {gate.tag!r}, so the gate cannot be "
            f"checked; fix the tag (tags here: {', '.join(t.tag or '' for t in cmp.tags) or 'none'})",
        )
    ruler = _ruler_changed(cmp, gate.metric) if rule not in ("min", "max") else None
    if ruler:
        return _result(gate, rule, False, ruler)
    if rule == "no_new_failures":
        return _no_new_failures(cmp, gate)
    delta = sl.metric(gate.metric) or _implicit_rate(gate.metric, sl.metrics, cmp.outcomes)
    if delta is None:
        known = [m.metric for m in cmp.overall.metrics]
        rates = [f"{n}.{o}_rate" for n, outs in cmp.outcomes.items() for o in outs]
        return _unknown_metric(gate, rule, known + [r for r in rates if r not in known])
    why = {
        side: _why_unknown(gate.metric, run, _unpriced_models(cmp, gate.tag, side))
        for side, run in (("baseline", sl.baseline_run), ("candidate", sl.candidate_run))
    }
    if rule in ("min", "max"):
        alone = candidate_alone(sl, gate.metric) if delta.unpaired else None
        if alone is not None:  # not the paired value: every case the candidate scored
            value, ci, n = alone
            more = n - delta.n  # cases only the candidate scored, in the value now
            return _absolute(gate, rule, value, ci, n, why=why["candidate"], alone=max(more, 0))
        return _absolute(
            gate, rule, delta.candidate, delta.candidate_ci, delta.n, why=why["candidate"]
        )
    return _delta_rule(gate, rule, delta, why)


def _absolute(
    gate: Gate,
    rule: str,
    value: float | None,
    ci: tuple[float | None, float | None],
    n: int,
    *,
    why: str = "",
    alone: int = 0,
) -> GateResult:
    bound = getattr(gate, rule)
    name = f"{gate.metric}{_where(gate)}"
    if value is None:
        if why:
            return _result(gate, rule, False, f"{name} has no value{why}; {_hint(why)}")
        return _result(gate, rule, False, f"{name} has no value (nothing was measured)")
    ok = value >= bound if rule == "min" else value <= bound
    op = (">=" if ok else "<") if rule == "min" else ("<=" if ok else ">")
    own = f"{alone} of them unscored in the baseline" if alone else ""
    extra = ", ".join(x for x in (_ci(*ci), f"n={n}" if n else "", own) if x)
    return _result(
        gate,
        rule,
        ok,
        f"{name} {fmt(value)} {op} {rule} {fmt(bound)}" + (f" ({extra})" if extra else ""),
        observed=value,
    )


def _delta_rule(
    gate: Gate, rule: str, d: Delta, why: Mapping[str, str] | None = None
) -> GateResult:
    name = f"{gate.metric}{_where(gate)}"
    limit = getattr(gate, rule)
    if d.baseline is None or d.candidate is None or d.delta is None:
        sides = [s for s, v in (("baseline", d.baseline), ("candidate", d.candidate)) if v is None]
        why = why or {}
        text = " and ".join(f"the {s}{why.get(s, '')}" for s in sides or ["candidate"])
        hint = next((f"; {_hint(why[s])}" for s in sides if why.get(s)), "")
        return _result(gate, rule, False, f"{name} has no value in {text}; cannot compare{hint}")
    stats = ", ".join(
        x
        for x in (
            f"{fmt(d.baseline)} → {fmt(d.candidate)}",
            _ci(d.low, d.high),
            f"p={_p(d.p_value)}" if d.p_value is not None else "",
            # cases one side could not score (a judge that failed) are left out of the pair
            f"{d.unpaired} case(s) unscored on one side left out" if d.unpaired else "",
        )
        if x
    )
    if rule == "max_drop":
        change, verb = -d.delta, _verb(d.delta)
        over = change > limit
        text = (
            f"{name} {verb} {fmt(abs(d.delta))} ({stats})"
            if d.delta
            else f"{name} {verb} ({stats})"
        )
        allowed = f"allowed drop {fmt(limit)}"
    elif rule == "max_rise":
        change, verb = d.delta, _verb(d.delta)
        over = change > limit
        text = (
            f"{name} {verb} {fmt(abs(d.delta))} ({stats})"
            if d.delta
            else f"{name} {verb} ({stats})"
        )
        allowed = f"allowed rise {fmt(limit)}"
    else:
        if d.baseline == 0:
            change = math.inf if d.candidate > 0 else 0.0
            went = f"went from 0 to {fmt(d.candidate)}" if d.candidate else "did not change"
            text = f"{name} {went} ({stats})"
        else:
            change = d.delta / abs(d.baseline) * 100
            verb = "rose" if change > 0 else "dropped"
            text = f"{name} {verb} {fmt(abs(change))}% ({stats})"
        over = change > limit
        allowed = f"allowed rise {fmt(limit)}%"
    if not over:
        return _result(
            gate, rule, True, f"{text}, within {allowed}", observed=change, p_value=d.p_value
        )
    if gate.alpha is not None:
        if d.p_value is None:
            text += f"; no paired test for this metric, so alpha {fmt(gate.alpha)} is not applied"
        elif d.p_value >= gate.alpha:
            return _result(
                gate,
                rule,
                True,
                f"{text} > {allowed}, but not significant (p={_p(d.p_value)} ≥ alpha "
                f"{fmt(gate.alpha)})",
                observed=change,
                p_value=d.p_value,
            )
    return _result(gate, rule, False, f"{text} > {allowed}", observed=change, p_value=d.p_value)


def _verb(delta: float) -> str:
    """ "rose", "dropped", or "did not change": a tie read "dropped 0 (0 → 0)" (QA)."""
    return "rose" if delta > 0 else "dropped" if delta < 0 else "did not change"


def _p(p: float | None) -> str:
    return "n/a" if p is None else "<0.001" if p < 0.001 else f"{p:.3f}"


def _no_new_failures(cmp: Comparison, gate: Gate) -> GateResult:
    rows = [r for r in cmp.rows(tag=gate.tag) if r.paired]
    test, what = _new_failure_test(gate.metric, cmp)
    if test is None:
        known = [s.name for s in cmp.overall.scorers]
        return _result(
            gate,
            "no_new_failures",
            False,
            f"{gate.metric}: no_new_failures needs a scorer name, '<scorer>.<outcome>_rate', "
            f"'errors.rate' or 'cases';{did_you_mean(gate.metric.split('.')[0], known)} "
            f"scorers here: {', '.join(known) or 'none'}",
        )
    new = [r.case_id for r in rows if test(r)]
    name = f"{gate.metric}{_where(gate)}"
    if not new:
        return _result(
            gate,
            "no_new_failures",
            True,
            f"{name}: no new failures ({len(rows)} case(s) compared)",
            observed=0,
        )
    shown = ", ".join(new[:10]) + (f", ... ({len(new) - 10} more)" if len(new) > 10 else "")
    return _result(
        gate,
        "no_new_failures",
        False,
        f"{name}: {len(new)} new {what}: {shown}",
        observed=float(len(new)),
        cases=tuple(new[:MAX_CASES]),
    )


def _new_failure_test(metric: str, cmp: Comparison) -> tuple[Any, str]:
    if metric in ("cases", "*", "all"):
        return (lambda r: r.status == "regression"), "case(s) passed in the baseline and fail now"
    if metric == "errors.rate":
        return (
            lambda r: r.candidate.error is not None and r.baseline.error is None
        ), "case(s) have a provider error now and had none in the baseline"
    scorers = {s.name for s in cmp.overall.scorers}
    scorer, _, stat = metric.rpartition(".")
    if scorer in scorers and stat == "unscored_rate":
        new = {r.case_id for r in scorer_error_cases(cmp, scorer)}
        return (lambda r: r.case_id in new), f"case(s) have a {scorer} scorer error now, not before"
    if metric in scorers or (scorer in scorers and stat in ("mean", "pass_rate")):
        name = metric if metric in scorers else scorer
        return (
            lambda r: r.scorer_status.get(name) == "regression"
        ), f"case(s) passed {name} in the baseline and fail it now"
    if scorer in scorers and stat.endswith("_rate"):
        label = stat[: -len("_rate")]

        def has(side: Any) -> bool:
            cell = side.scores.get(scorer)
            return cell is not None and label in cell.outcomes

        def is_new(r: CaseRow) -> bool:
            return has(r.candidate) and not has(r.baseline)

        return is_new, f"case(s) are {label} now and were not in the baseline"
    return None, ""


if TYPE_CHECKING:
    from evalkit.gates_single import check_thresholds


def __getattr__(name: str) -> Any:
    """Re-export :func:`check_thresholds` lazily: ``gates_single`` imports this module's
    helpers, so an eager import here broke whichever of the two was imported first."""
    if name == "check_thresholds":
        from evalkit import gates_single

        return gates_single.check_thresholds
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
