"""Matching one produced tool call against one expected call, argument by argument.

The expectation language (documented in docs/scorers/tool_calls.md) is plain JSON:

- a value is the expected value; ``{"$any": [v1, v2]}`` accepts any of several values;
- ``{"$optional": v}`` marks an object key (or a top-level argument) that may be omitted and
  must match ``v`` when sent; top-level arguments can also be listed in ``optional``;
- objects are compared key by key (missing and extra keys both fail), lists element by
  element in order, recursively.

Values are compared after the normalisation a reviewer would apply and the Berkeley Function
Calling Leaderboard (BFCL) applies: an integer is acceptable for a float; a float is
acceptable for an integer only when the schema allows any number (``5.0`` is not an
``integer``); ``true`` is never a number; tuples are lists; strings are compared by
:func:`same_string` when the schema allows a string and gives no ``enum`` (an enum value is an
exact token the tool parses, so ``"Celsius"`` is not ``"celsius"``). Unlike BFCL, which deletes
separators (so ``"-500"`` would equal ``"500"``), evalkit compares the value a string is
written as, else its text (:mod:`evalkit.scorers._tool_strings`); ``bfcl_compat`` restores
BFCL's deletion.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from evalkit.dataset import ExpectedToolCall
from evalkit.providers.base import ToolCall
from evalkit.scorers._tool_schema import allowed_types, item_schema, property_schema, show
from evalkit.scorers._tool_strings import normalize_string, same_value

__all__ = [
    "ArgumentVerdict",
    "CallVerdict",
    "MatchRules",
    "Mismatch",
    "compare_call",
    "match_value",
    "normalize_string",
    "object_arguments",
    "same_string",
]


@dataclass(frozen=True, slots=True)
class MatchRules:
    """How lenient value comparison is; the defaults are evalkit's documented semantics."""

    normalize_strings: bool = True
    """Compare strings by :func:`same_value` where the schema gives no enum."""
    bfcl_strings: bool = False
    """Compare them by BFCL's :func:`normalize_string` instead, which deletes separators and so
    equates ``"-500"`` with ``"500"`` (only with ``bfcl_compat``)."""
    normalize_enum_strings: bool = False
    """Normalise enum strings too (BFCL does; evalkit compares enum tokens exactly)."""
    int_for_float_in_arrays: bool = True
    """Accept ``[1, 3]`` for ``[1.0, 3.0]`` (BFCL does not inside arrays; evalkit does)."""
    null_is_omitted: bool = True
    """An argument (or nested key) that may be left out, sent as ``null`` where its schema
    allows ``null``, counts as left out: OpenAI's strict mode makes every parameter required
    and sends the optional ones as ``null`` (BFCL has no such rule)."""
    schema_defaults: bool = True
    """An argument sent with its schema's ``default``, or left out where the expected value is
    that default, is the same call (BFCL has no such rule)."""


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Why a value does not match: where (``.key`` / ``[i]`` below the argument) and what."""

    path: str
    message: str


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _operator(value: Any, op: str) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and op in value


def describe(expected: Any) -> str:
    """An expectation in plain words: ``"x"``, ``one of ["a", "b"]``."""
    if _operator(expected, "$optional"):
        return describe(expected["$optional"])
    if _operator(expected, "$any"):
        return f"one of {show(list(expected['$any']))}"
    return show(expected)


def match_value(
    got: Any,
    expected: Any,
    schema: Mapping[str, Any] | None = None,
    rules: MatchRules = MatchRules(),
    *,
    in_array: bool = False,
) -> Mismatch | None:
    """``None`` when ``got`` is acceptable for ``expected``, else the first :class:`Mismatch`."""
    if _operator(expected, "$optional"):
        return match_value(got, expected["$optional"], schema, rules, in_array=in_array)
    if _operator(expected, "$any"):
        options = list(expected["$any"])
        misses = [match_value(got, o, schema, rules, in_array=in_array) for o in options]
        if any(m is None for m in misses):
            return None
        if len(options) == 1 and isinstance(options[0], (Mapping, list)):
            return misses[0]  # the nested path says more than the whole value
        return Mismatch("", f"expected {describe(expected)}, got {show(got)}")
    if isinstance(got, tuple):
        got = list(got)
    if isinstance(expected, Mapping):
        return _match_object(got, expected, schema, rules)
    if isinstance(expected, (list, tuple)):
        return _match_list(got, list(expected), schema, rules)
    if _scalar_ok(got, expected, schema, rules, in_array):
        return None
    return Mismatch("", f"expected {_shown(expected, got)}, got {_shown(got, expected)}")


def _shown(value: Any, other: Any) -> str:
    """``show(value)``, with non-ASCII escaped when it would print exactly like ``other``
    (two encodings of "Zürich" must not read as "expected "Zürich", got "Zürich"")."""
    text = show(value)
    looks_same = unicodedata.normalize("NFKC", text) == unicodedata.normalize("NFKC", show(other))
    if looks_same and value != other:
        return json.dumps(value, ensure_ascii=True)
    return text


def _scalar_ok(
    got: Any, expected: Any, schema: Mapping[str, Any] | None, rules: MatchRules, in_array: bool
) -> bool:
    types = allowed_types(schema)
    if expected is None or isinstance(expected, bool):
        return got is expected  # None, True and False are singletons; 1 is not True
    if _is_number(expected):
        if not _is_number(got) or got != expected:
            return False
        if isinstance(got, float) and isinstance(expected, int):
            # 5.0 for an integer: fine unless the schema insists on an integer.
            return types is None or "number" in types
        if isinstance(got, int) and isinstance(expected, float):
            return rules.int_for_float_in_arrays or not in_array
        return True
    if isinstance(expected, str):
        if not isinstance(got, str):
            return False
        if got == expected:
            return True
        return _normalises(schema, types, rules) and same_string(got, expected, rules)
    return bool(got == expected)


def same_string(got: str, expected: str, rules: MatchRules = MatchRules()) -> bool:
    """Whether two strings are the same argument under the normalisation ``rules`` ask for."""
    if rules.bfcl_strings:
        return normalize_string(got) == normalize_string(expected)
    return same_value(got, expected)


def _normalises(
    schema: Mapping[str, Any] | None, types: set[str] | None, rules: MatchRules
) -> bool:
    if not rules.normalize_strings or (types is not None and "string" not in types):
        return False
    has_enum = isinstance(schema, Mapping) and isinstance(schema.get("enum"), list)
    return not has_enum or rules.normalize_enum_strings


def _match_list(
    got: Any, expected: list[Any], schema: Mapping[str, Any] | None, rules: MatchRules
) -> Mismatch | None:
    if not isinstance(got, list) or len(got) != len(expected):
        return Mismatch("", f"expected {show(expected)}, got {show(got)}")
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        miss = match_value(g, e, item_schema(schema, i), rules, in_array=True)
        if miss is not None:
            return Mismatch(f"[{i}]{miss.path}", miss.message)
    return None


def _match_object(
    got: Any, expected: Mapping[str, Any], schema: Mapping[str, Any] | None, rules: MatchRules
) -> Mismatch | None:
    if not isinstance(got, Mapping):
        return Mismatch("", f"expected an object {show(expected)}, got {show(got)}")
    for key, exp in expected.items():
        if key not in got:
            if _operator(exp, "$optional"):
                continue
            return Mismatch(f".{key}", f"is missing (expected {describe(exp)})")
        sub = property_schema(schema, key)
        miss = match_value(got[key], exp, sub, rules)
        if miss is not None and not (
            _operator(exp, "$optional") and _null_omits(got[key], sub, rules)
        ):
            return Mismatch(f".{key}{miss.path}", miss.message)
    for key in got:
        if key not in expected and not _null_omits(got[key], property_schema(schema, key), rules):
            return Mismatch(f".{key}", f"was not expected (got {show(got[key])})")
    return None


def _null_omits(value: Any, schema: Mapping[str, Any] | None, rules: MatchRules) -> bool:
    """Whether ``value`` is a ``null`` standing for "not sent" (see ``null_is_omitted``)."""
    if value is not None or not rules.null_is_omitted:
        return False
    types = allowed_types(schema)
    return types is not None and "null" in types


def _is_default(value: Any, schema: Mapping[str, Any] | None, rules: MatchRules) -> bool:
    """Whether ``value`` is the schema's declared ``default`` (see ``schema_defaults``)."""
    if not rules.schema_defaults or not isinstance(schema, Mapping) or "default" not in schema:
        return False
    return match_value(value, schema["default"], schema, rules) is None


ArgumentStatus = Literal[
    "match", "mismatch", "missing", "omitted", "default", "unexpected", "unparsed"
]


@dataclass(frozen=True, slots=True)
class ArgumentVerdict:
    """The verdict on one argument of one call."""

    name: str
    status: ArgumentStatus
    """``omitted`` is an optional argument left out, or sent as ``null`` where the schema
    allows it (fine); ``missing`` a required one left out; ``default``: sent with the schema's
    default where nothing was expected, or left out where the default was expected (fine);
    ``unparsed``: the call's argument string was not a JSON object."""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("match", "omitted", "default")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "ok": self.ok, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class CallVerdict:
    """The verdict on one produced call against one expected call."""

    name_ok: bool
    arguments: tuple[ArgumentVerdict, ...] = ()
    reason: str = ""
    """The first problem in plain words, ``""`` when the call matches."""

    @property
    def ok(self) -> bool:
        return self.name_ok and not self.reason

    @property
    def arguments_right(self) -> int:
        return sum(a.ok for a in self.arguments)


def compare_call(
    call: ToolCall,
    expected: ExpectedToolCall,
    parameters: Mapping[str, Any] | None = None,
    rules: MatchRules = MatchRules(),
) -> CallVerdict:
    """Compare one call with one expectation; ``parameters`` is the tool's JSON Schema."""
    if call.name != expected.name:
        return CallVerdict(False, (), f"expected tool {show(expected.name)}, got {show(call.name)}")
    if not isinstance(call.arguments, Mapping):  # None, or a pipeline's list or string
        why = f"arguments could not be parsed ({call.parse_error or 'not a JSON object'})"
        # Every expected argument is wrong, not unjudged: without verdicts the call would drop
        # out of argument_accuracy and a run of malformed calls would average 1.0.
        unparsed = tuple(ArgumentVerdict(n, "unparsed", why) for n in expected.arguments)
        return CallVerdict(True, unparsed, why)
    verdicts: list[ArgumentVerdict] = []
    for name, exp in expected.arguments.items():
        schema = property_schema(parameters, name)
        optional = name in expected.optional or _operator(exp, "$optional")
        if name not in call.arguments:
            if optional:
                verdicts.append(ArgumentVerdict(name, "omitted"))
            elif rules.schema_defaults and _default_expected(schema, exp, rules):
                verdicts.append(ArgumentVerdict(name, "default"))
            else:
                why = f'argument "{name}" is missing (expected {describe(exp)})'
                verdicts.append(ArgumentVerdict(name, "missing", why))
            continue
        value = call.arguments[name]
        miss = match_value(value, exp, schema, rules)
        if miss is None:
            verdicts.append(ArgumentVerdict(name, "match"))
        elif optional and _null_omits(value, schema, rules):
            verdicts.append(ArgumentVerdict(name, "omitted"))
        else:
            verdicts.append(
                ArgumentVerdict(name, "mismatch", f'argument "{name}{miss.path}": {miss.message}')
            )
    for name, value in call.arguments.items():
        if name in expected.arguments:
            continue
        schema = property_schema(parameters, name)
        if _null_omits(value, schema, rules):
            verdicts.append(ArgumentVerdict(name, "omitted"))
        elif _is_default(value, schema, rules):
            verdicts.append(ArgumentVerdict(name, "default"))
        else:
            why = f'argument "{name}" was not expected (got {show(value)})'
            verdicts.append(ArgumentVerdict(name, "unexpected", why))
    first = next((v.reason for v in verdicts if not v.ok), "")
    return CallVerdict(True, tuple(verdicts), first)


def _default_expected(schema: Mapping[str, Any] | None, expected: Any, rules: MatchRules) -> bool:
    """Whether the schema's ``default`` satisfies ``expected``, so leaving it out is the same."""
    if not isinstance(schema, Mapping) or "default" not in schema:
        return False
    return match_value(schema["default"], expected, schema, rules) is None


def object_arguments(call: ToolCall) -> ToolCall:
    """``call`` with arguments that are not an object (a pipeline built the :class:`ToolCall`
    itself with a list, a string, a number) turned into an unparsed call, as the adapters turn
    such an argument string: the scorer then reports ``malformed_arguments`` instead of
    crashing on ``.items()`` of a list, and the raw value stays visible."""
    args = call.arguments
    if args is None or isinstance(args, Mapping):
        return call
    raw = call.raw_arguments
    if raw is None:
        try:
            raw = json.dumps(args, ensure_ascii=False)
        except (TypeError, ValueError):
            raw = repr(args)
    kind = type(args).__name__
    why = f"arguments are {'an' if kind[:1] in 'aeiou' else 'a'} {kind}, not an object"
    return replace(call, arguments=None, raw_arguments=raw, parse_error=why)
