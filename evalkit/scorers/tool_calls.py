"""Tool-call correctness, registered as ``tool_calls``.

Compares the calls a response made with the case's ``expected_tool_calls`` (names, then
arguments, by the rules in :mod:`evalkit.scorers._tool_match`), and independently validates
every call against the tool's JSON Schema (:mod:`evalkit.scorers._tool_schema`) and flags
calls to tools that do not exist. What decides the value:

- ``expected_tool_calls`` set: the calls must match, one to one. Parallel calls are paired
  by an optimal assignment (so ``f(a); f(b)`` matches ``f(b); f(a)`` even when a greedy pass
  would pair them badly); with ``tool_call_order: "strict"`` the i-th call must match the
  i-th expectation. ``[]`` means no call may be made. Schema problems are reported and, with
  ``schema="fail"``, fail the case too.
- no expectations but ``metadata["tool_use"] == "required"``: at least one call must be made
  (which and how is not checked beyond the schema).
- no expectations, tools known (request or case): the value is schema validity, because it is
  the only evidence there is (no hallucinated tool, no unknown or missing argument, no wrong
  type or enum value). ``schema="report"`` turns that off.
- neither expectations nor tools: a :class:`~evalkit.errors.ScorerError`.

``details`` holds ``calls`` (per expected/produced pair, with per-argument verdicts),
``schema_problems``, ``hallucinated_tools``, ``outcome`` (``correct``, ``hallucinated_tool``,
``malformed_arguments``, ``schema_violation``, ``missing_call``, ``unexpected_call``,
``wrong_order``, ``wrong_tool`` or ``wrong_arguments``) and ``metrics`` (``name_accuracy`` and
``argument_accuracy``, averaged per run by the comparison code). ``wrong_order`` is a strict
order broken by calls that are all right as a set: the per-position rows in ``calls`` still say
what each position got, and ``order`` pairs each expected call with the call that matches it.

A call whose ``arguments`` are not an object (a pipeline's own :class:`ToolCall` holding a
list, a string or a number) is judged as the provider adapters judge such an argument string
from the wire: unparsed, with a ``parse_error``, outcome ``malformed_arguments``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from evalkit.dataset import Case, ExpectedToolCall, ToolSpec
from evalkit.errors import ScorerError
from evalkit.providers.base import ToolCall
from evalkit.scorers._tool_match import CallVerdict, MatchRules, compare_call, object_arguments
from evalkit.scorers._tool_schema import SchemaProblem, show, validate_arguments
from evalkit.scoring import Score, ScoreContext, Scorer

__all__ = ["TOOL_USE_KEY", "ToolCalls", "pair_calls"]

TOOL_USE_KEY = "tool_use"
"""Case metadata key; ``"required"`` means "some call must be made" (BFCL's live_relevance)."""

Pair = tuple[int | None, int | None]


@dataclass
class ToolCalls(Scorer):
    """Tool-call correctness: expected calls matched, arguments normalised, schema validated."""

    name: ClassVar[str] = "tool_calls"
    requires: ClassVar[tuple[str, ...]] = ()
    needs: ClassVar[str] = 'expected_tool_calls, tools or metadata {"tool_use": "required"}'
    """What :meth:`applies_to` looks for, in words (``requires`` cannot say "or"); named by
    ``evalkit validate`` when cases lack it."""
    good_outcomes: ClassVar[frozenset[str] | None] = frozenset({"correct"})
    """Every other outcome is a failure mode: its rising rate is worse (docs/compare.md)."""
    outcomes: ClassVar[frozenset[str] | None] = frozenset(
        {
            "correct",
            "hallucinated_tool",
            "malformed_arguments",
            "schema_violation",
            "wrong_order",
            "missing_call",
            "unexpected_call",
            "wrong_tool",
            "wrong_arguments",
        }
    )
    """What :func:`_outcome` returns, so a notebook's summary has every rate, 0.0 included."""
    threshold: float = 0.5
    schema: Literal["auto", "fail", "report"] = "auto"
    """Whether schema problems fail a case: ``auto`` only when it has no expected calls."""
    normalize_strings: bool = True
    """Compare non-enum strings by the value they are written as (number, date or time, grouped
    identifier), else as text ignoring only case, Unicode form and spacing
    (:mod:`evalkit.scorers._tool_strings`, docs/scorers/tool_calls.md)."""
    bfcl_compat: bool = False
    """Reproduce BFCL's checker where evalkit deliberately differs (greedy pairing, strings
    compared with separators deleted, enum strings normalised, no int for float inside arrays,
    no null-as-omitted or schema-default equivalence, schema never fails a case)."""

    def __post_init__(self) -> None:
        if self.schema not in ("auto", "fail", "report"):
            raise ScorerError(
                f'scorer "tool_calls": schema={self.schema!r} is not valid; '
                'use "auto", "fail" or "report"'
            )

    @property
    def greedy(self) -> bool:
        """Pair parallel calls greedily, as BFCL does (only with ``bfcl_compat``)."""
        return self.bfcl_compat

    @property
    def rules(self) -> MatchRules:
        """Value-comparison rules implied by the fields."""
        return MatchRules(
            normalize_strings=self.normalize_strings,
            bfcl_strings=self.bfcl_compat,
            normalize_enum_strings=self.bfcl_compat,
            int_for_float_in_arrays=not self.bfcl_compat,
            null_is_omitted=not self.bfcl_compat,
            schema_defaults=not self.bfcl_compat,
        )

    def applies_to(self, case: Case) -> bool:
        """With ``skip_missing``: only cases that expect calls, carry tools or require tool use
        (a case relying on the candidate's tools alone needs ``skip_missing`` off)."""
        return (
            case.expected_tool_calls is not None
            or bool(case.tools)
            or bool(case.metadata and case.metadata.get(TOOL_USE_KEY))
        )

    def score(self, ctx: ScoreContext) -> Score:
        case = ctx.case
        tools = _tools(ctx)
        calls = tuple(object_arguments(c) for c in ctx.response.tool_calls)
        expected = case.expected_tool_calls
        tool_use = case.metadata.get(TOOL_USE_KEY) if case.metadata else None
        if expected is None and tool_use is None and tools is None:
            raise ScorerError(
                f'case {case.id!r}: scorer "tool_calls" has nothing to check (no '
                "expected_tool_calls, no tools on the case or the request); add "
                "expected_tool_calls to the case, give the candidate tools, or set metadata "
                '{"tool_use": "required"}'
            )
        if tool_use not in (None, "required"):
            raise ScorerError(
                f'case {case.id!r}: metadata "{TOOL_USE_KEY}" is {tool_use!r}; the only '
                'value is "required" (use expected_tool_calls [] for "no call")'
            )
        problems, hallucinated = _schema_check(calls, tools)
        details: dict[str, Any] = {
            "n_expected": None if expected is None else len(expected),
            "n_calls": len(calls),
            "produced": [c.name for c in calls],
            "schema_problems": problems,
            "hallucinated_tools": hallucinated,
        }
        schema_bad = [p["message"] for p in problems]
        if expected is not None:
            ok, reason = self._expected(ctx, calls, expected, tools, details)
            schema_counts = self.schema == "fail" and not self.bfcl_compat
        else:
            ok, reason = True, ""
            if tool_use == "required" and not calls:
                ok, reason = False, "expected at least one tool call, got none"
            schema_counts = self.schema != "report" and not self.bfcl_compat
        schema_failed = ok and schema_counts and bool(schema_bad)
        if schema_failed:
            ok, reason = False, schema_bad[0]
        if ok and not reason:
            reason = _success_reason(expected, tool_use, calls, schema_bad)
        details["outcome"] = _outcome(ok, schema_failed, expected, calls, details)
        value = 1.0 if ok else 0.0
        return Score(value, value >= self.threshold, reason, details)

    def _expected(
        self,
        ctx: ScoreContext,
        calls: Sequence[ToolCall],
        expected: Sequence[ExpectedToolCall],
        tools: Mapping[str, ToolSpec] | None,
        details: dict[str, Any],
    ) -> tuple[bool, str]:
        rules = self.rules

        def params(name: str) -> Mapping[str, Any] | None:
            spec = tools.get(name) if tools else None
            return spec.parameters if spec is not None else None

        matrix = [[compare_call(c, e, params(e.name), rules) for c in calls] for e in expected]
        mode = "strict" if ctx.case.tool_call_order == "strict" else "any"
        pairs = pair_calls(matrix, len(calls), mode, greedy=self.greedy)
        rows, first, names_ok, args_ok, args_total = [], "", 0, 0, 0
        for ei, ci in pairs:
            verdict = matrix[ei][ci] if ei is not None and ci is not None else None
            row: dict[str, Any] = {"expected": ei, "call": ci}
            if verdict is None:
                row["ok"], row["name_ok"] = False, False
                row["reason"] = (
                    f"expected {show(expected[ei].name)} but no call was left to match it"
                    if ei is not None
                    else _unexpected(ci, calls)
                )
            else:
                row.update(ok=verdict.ok, name_ok=verdict.name_ok, reason=verdict.reason)
                row["arguments"] = [a.to_dict() for a in verdict.arguments]
                names_ok += verdict.name_ok
                if verdict.name_ok:
                    args_ok += verdict.arguments_right
                    args_total += len(verdict.arguments)
            rows.append(row)
            if not first and not row["ok"]:
                first = row["reason"] if ei is None else f"call {ei + 1}: {row['reason']}"
        details["calls"] = rows
        denominator = max(len(expected), len(calls))
        metrics = {"name_accuracy": names_ok / denominator if denominator else 1.0}
        if args_total:
            metrics["argument_accuracy"] = args_ok / args_total
        elif not denominator:
            metrics["argument_accuracy"] = 1.0
        details["metrics"] = metrics
        if not expected and calls:
            return False, f"expected no tool call, got {len(calls)}: " + ", ".join(
                show(c.name) for c in calls
            )
        if expected and not calls:
            return False, f"expected {len(expected)} tool call(s), got none"
        if len(calls) != len(expected) and not first:
            first = f"expected {len(expected)} tool call(s), got {len(calls)}"
        elif len(calls) != len(expected):
            first = f"expected {len(expected)} tool call(s), got {len(calls)}; {first}"
        elif first and mode == "strict":
            first = _order_only(matrix, len(calls), details) or first
        return not first, first


def pair_calls(
    matrix: Sequence[Sequence[CallVerdict]], n_calls: int, mode: str, *, greedy: bool = False
) -> list[Pair]:
    """Pair expected calls (rows) with produced calls (columns).

    ``strict`` pairs by position. Otherwise pairs maximise, in this order, the number of
    matching calls, of right names and of right arguments (an optimal assignment, so the
    result never depends on output order). ``greedy`` first takes, for each expected call in
    order, the first unused matching call, as BFCL does; the leftovers are then paired
    optimally, only for the diagnostics.
    """
    n_exp = len(matrix)
    if mode == "strict":
        pairs: list[Pair] = [(i, i) for i in range(min(n_exp, n_calls))]
    else:
        pairs = []
        free_e, free_c = list(range(n_exp)), list(range(n_calls))
        if greedy:
            for ei in range(n_exp):
                ci = next((c for c in free_c if matrix[ei][c].ok), None)
                if ci is not None:
                    pairs.append((ei, ci))
                    free_e.remove(ei)
                    free_c.remove(ci)
        pairs += _optimal(matrix, free_e, free_c)
    used_e = {e for e, _ in pairs}
    used_c = {c for _, c in pairs}
    pairs += [(e, None) for e in range(n_exp) if e not in used_e]
    pairs += [(None, c) for c in range(n_calls) if c not in used_c]
    return sorted(pairs, key=lambda p: (p[0] is None, p[0] or 0, p[1] or 0))


def _optimal(
    matrix: Sequence[Sequence[CallVerdict]], rows: list[int], cols: list[int]
) -> list[Pair]:
    if not rows or not cols:
        return []
    from scipy.optimize import linear_sum_assignment  # scipy arrives with scikit-learn

    def weight(v: CallVerdict) -> float:
        return 1_000_000.0 * v.ok + 1_000.0 * v.name_ok + v.arguments_right

    gains = [[weight(matrix[r][c]) for c in cols] for r in rows]
    row_ind, col_ind = linear_sum_assignment(gains, maximize=True)
    return [(rows[int(r)], cols[int(c)]) for r, c in zip(row_ind, col_ind, strict=True)]


def _order_only(
    matrix: Sequence[Sequence[CallVerdict]], n_calls: int, details: dict[str, Any]
) -> str:
    """With a strict order broken: when the calls match the expectations one to one as a set,
    the only fault is their order; say so (``details["order"]`` pairs each expected call with
    the call matching it) rather than report every misplaced call as a wrong tool. ``""``
    when the calls are wrong in some other way too."""
    pairs = pair_calls(matrix, n_calls, "any")
    loose = [(e, c) for e, c in pairs if e is not None and c is not None and matrix[e][c].ok]
    if len(loose) != len(pairs):
        return ""
    details["order"] = [{"expected": e, "call": c} for e, c in loose]
    moved = ", ".join(f"expected call {e + 1} is call {c + 1}" for e, c in loose if e != c)
    return f'right calls in the wrong order (tool_call_order "strict"): {moved}'


def _unexpected(ci: int | None, calls: Sequence[ToolCall]) -> str:
    """Which produced call was left over, with its arguments: with two extra calls to the
    same tool, the name alone does not say which one a reviewer should look at."""
    if ci is None:
        return "unexpected call"
    c = calls[ci]
    args = show(c.arguments) if c.arguments is not None else f"(unparsed) {show(c.raw_arguments)}"
    return f"unexpected call (produced call {ci + 1}) to {show(c.name)} with {args}"


def _tools(ctx: ScoreContext) -> dict[str, ToolSpec] | None:
    """The tools the request carried, else the case's; ``None`` when neither is known."""
    specs: Sequence[ToolSpec] | None = None
    if ctx.request is not None and ctx.request.tools:
        specs = ctx.request.tools
    elif ctx.case.tools is not None:
        specs = ctx.case.tools
    return None if specs is None else {t.name: t for t in specs}


def _schema_check(
    calls: Sequence[ToolCall], tools: Mapping[str, ToolSpec] | None
) -> tuple[list[dict[str, Any]], list[str]]:
    problems: list[dict[str, Any]] = []
    hallucinated: list[str] = []
    if tools is None:
        return problems, hallucinated
    for i, call in enumerate(calls):
        where = f"call {i + 1}"
        spec = tools.get(call.name)
        found: list[SchemaProblem] = []
        if spec is None:
            hallucinated.append(call.name)
            known = ", ".join(show(n) for n in tools) or "none"
            found.append(
                SchemaProblem(
                    "", "invalid", f"tool {show(call.name)} does not exist (tools: {known})"
                )
            )
        elif call.arguments is None:
            why = call.parse_error or "not a JSON object"
            found.append(SchemaProblem("", "invalid", f"arguments could not be parsed ({why})"))
        else:
            found = validate_arguments(call.arguments, spec.parameters)
        problems += [{"call": i, **p.to_dict(), "message": f"{where}: {p}"} for p in found]
    return problems, hallucinated


def _outcome(
    ok: bool,
    schema_failed: bool,
    expected: Sequence[ExpectedToolCall] | None,
    calls: Sequence[ToolCall],
    details: Mapping[str, Any],
) -> str:
    """One label per case, aggregated as ``tool_calls.<outcome>_rate`` in reports."""
    if ok:
        return "correct"
    if details["hallucinated_tools"]:
        return "hallucinated_tool"
    if any(not isinstance(c.arguments, Mapping) for c in calls):
        return "malformed_arguments"
    if schema_failed:
        return "schema_violation"
    if details.get("order"):
        return "wrong_order"
    n_expected = 1 if expected is None else len(expected)  # tool_use "required"
    if len(calls) < n_expected:
        return "missing_call"
    if len(calls) > n_expected and expected is not None:
        return "unexpected_call"
    if any(not row["name_ok"] for row in details.get("calls", ())):
        return "wrong_tool"
    return "wrong_arguments"


def _success_reason(
    expected: Sequence[ExpectedToolCall] | None,
    tool_use: Any,
    calls: Sequence[ToolCall],
    schema_bad: list[str],
) -> str:
    note = f"; schema problem reported: {schema_bad[0]}" if schema_bad else ""
    if expected is None and tool_use == "required":
        return f"{len(calls)} tool call(s) made, as required{note}"
    if expected is None:
        if not calls:
            return "no tool call; nothing to validate"
        return f"{len(calls)} tool call(s), valid against the tools' schemas{note}"
    if not expected:
        return "no tool call, as expected"
    return f"all {len(expected)} tool call(s) match{note}"
