"""Validating eval-set lines: one decoded line (from :func:`evalkit.dataset_read.read_lines`,
re-exported here) to a :class:`~evalkit.dataset.Case` (:func:`parse_case`), every field's type
and shape checked. Every problem is recorded with its location and what to do, so a file is
fixed in one pass. :mod:`evalkit.dataset` collects the cases and re-exports
:func:`parse_case`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from evalkit.dataset import (
    CASE_FIELDS,
    Case,
    ContextPassage,
    ExpectedToolCall,
    Message,
    ToolSpec,
    _BadJSON,
)
from evalkit.dataset_checks import parse_checks
from evalkit.dataset_messages import _kind, _or, _show, parse_messages
from evalkit.dataset_read import read_lines
from evalkit.errors import Problem, did_you_mean

__all__ = ["parse_case", "read_lines"]


def parse_case(obj: Any, loc: str, problems: list[Problem], *, line: int = 0) -> Case | None:
    """Validate one decoded line; append problems and return ``None`` when it is invalid."""
    if isinstance(obj, _BadJSON):
        problems.append(Problem(loc, obj.message))
        return None
    if not isinstance(obj, dict):
        problems.append(
            Problem(
                loc, f"expected a JSON object, got {_kind(obj)}; write one case object per line"
            )
        )
        return None
    start = len(problems)

    def bad(field_name: str, message: str) -> None:
        problems.append(Problem(loc, f'field "{field_name}" {message}'))

    for key in obj:
        if key not in CASE_FIELDS:
            hint = did_you_mean(key, CASE_FIELDS)
            bad(key, f"is unknown;{hint or ' valid fields: ' + ', '.join(CASE_FIELDS)}")

    case_id = obj.get("id")
    if case_id is None:
        bad("id", "is required; give every case a unique string id")
    elif not isinstance(case_id, str) or not case_id.strip():
        bad("id", f"must be a non-empty string, got {_show(case_id)}")
    elif not case_id.isprintable():  # a line break or tab in an id breaks every listing of it
        bad(
            "id",
            f"must not contain line breaks, tabs or other control characters, got {_show(case_id)}",
        )
    elif case_id != case_id.strip():  # "c1 " and "c1" read the same and would be two cases
        bad("id", f"must not start or end with a space, got {_show(case_id)}; remove it")
    elif unicodedata.normalize("NFC", case_id) != case_id:
        bad(
            "id",
            f"is not in Unicode NFC form, got {_show(case_id)}: the same text written with "
            "combining characters would be another case; normalise the ids to NFC (e.g. "
            "Python's unicodedata.normalize('NFC', id))",
        )

    # An optional field set to null means "not given", as pandas and most exporters write it.
    inp = _parse_input(obj.get("input"), bad, case_id)
    variables = _or(obj.get("vars"), {})
    if not isinstance(variables, dict):
        bad("vars", f"must be an object of template variables, got {_kind(variables)}")
    if inp is None and not variables and not _has_problem(problems, start, "input"):
        bad("input", "is required unless the case gives vars for the prompt template")
    context = _parse_context(obj.get("context"), bad)
    expected = _parse_expected(obj.get("expected"), bad)
    calls = _parse_expected_calls(obj.get("expected_tool_calls"), bad)
    order = _or(obj.get("tool_call_order"), "any")
    if order not in ("any", "strict"):
        bad("tool_call_order", f'must be "any" or "strict", got {_show(order)}')
    tools = _parse_tools(obj.get("tools"), bad)
    refuse = obj.get("should_refuse")
    if refuse is not None and not isinstance(refuse, bool):
        bad("should_refuse", f"must be true or false, got {_show(refuse)}")
    tags = _or(obj.get("tags"), [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        bad("tags", f"must be a list of non-empty strings, got {_show(tags)}")
    metadata = _or(obj.get("metadata"), {})
    if not isinstance(metadata, dict):
        bad("metadata", f"must be an object, got {_kind(metadata)}")
    checks = parse_checks(obj.get("checks"), bad, case_id)

    if len(problems) > start:
        return None
    return Case(
        id=str(case_id),
        input=inp,
        vars=variables,
        context=context,
        expected=expected,
        expected_tool_calls=calls,
        tool_call_order=order,
        tools=tools,
        should_refuse=refuse,
        tags=tuple(tags),
        metadata=metadata,
        line=line,
        checks=checks,
    )


def _parse_input(value: Any, bad: Any, case_id: Any) -> str | tuple[Message, ...] | None:
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, list) or not value:
        bad("input", f"must be a string or a non-empty list of messages, got {_kind(value)}")
        return None
    return parse_messages(value, lambda text: bad("input", text), case_id)


def _parse_context(value: Any, bad: Any) -> tuple[ContextPassage, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        bad(
            "context",
            f"must be a list of strings or of {{id, text, source}} objects, got {_kind(value)}",
        )
        return ()
    passages = []
    first: dict[str, int] = {}
    for i, p in enumerate(value, start=1):
        passage = _parse_passage(i, p, bad)
        if passage is None:
            return ()
        if passage.id in first:
            bad(
                "context",
                f'item {i} has id "{passage.id}" like item {first[passage.id]}; ids must be '
                "unique within a case (a response cites passages by id)",
            )
            return ()
        first[passage.id] = i
        passages.append(passage)
    return tuple(passages)


_PASSAGE_KEYS = ("id", "text", "source")


def _parse_passage(i: int, p: Any, bad: Any) -> ContextPassage | None:
    if isinstance(p, str):
        return ContextPassage(str(i), p)
    if not isinstance(p, dict):
        bad("context", f"item {i} must be a string or {{id, text, source}}, got {_kind(p)}")
        return None
    for key in p:
        if key not in _PASSAGE_KEYS:
            hint = did_you_mean(key, _PASSAGE_KEYS) or " use id, text, source"
            bad("context", f'item {i} has unknown key "{key}";{hint}')
            return None
    if not isinstance(p.get("text"), str):
        bad("context", f'item {i} needs a string "text", got {_show(p.get("text"))}')
        return None
    # A number is a fine id ([3] is cited the same); a missing id is the item's position.
    pid = _or(p.get("id"), str(i))
    if isinstance(pid, bool) or not isinstance(pid, (str, int)) or not str(pid).strip():
        bad("context", f'item {i} "id" must be a non-empty string, got {_show(pid)}')
        return None
    source = p.get("source")
    if source is not None and not isinstance(source, str):
        bad("context", f'item {i} "source" must be a string, got {_show(source)}')
        return None
    return ContextPassage(str(pid), p["text"], source)


def _parse_expected(value: Any, bad: Any) -> tuple[str, ...] | None:
    # A blank answer is accepted here: "" means "the answer must be empty" to exact_match. The
    # scorers it would fool (contains family: "" is in every output) refuse it where the suite's
    # scorers are known: validate --config, run/check before the first request, and a scorer
    # error on the case (QA16 F4).
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    bad("expected", f"must be a string or a list of strings, got {_kind(value)}")
    return None


def _parse_expected_calls(value: Any, bad: Any) -> tuple[ExpectedToolCall, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        bad(
            "expected_tool_calls", f"must be a list of calls ([] means no call), got {_kind(value)}"
        )
        return None
    calls = []
    for i, c in enumerate(value, start=1):
        where = f"call {i}"
        if not isinstance(c, dict):
            bad("expected_tool_calls", f"{where} must be an object, got {_kind(c)}")
            return None
        unknown = set(c) - {"name", "arguments", "optional"}
        if unknown:
            key = sorted(unknown)[0]
            bad(
                "expected_tool_calls",
                f'{where} has unknown key "{key}";'
                f"{did_you_mean(key, ['name', 'arguments', 'optional']) or ' use name, arguments, optional'}",
            )
            return None
        if not isinstance(c.get("name"), str) or not c["name"]:
            bad("expected_tool_calls", f'{where} needs a "name" string')
            return None
        args = c.get("arguments", {})
        if not isinstance(args, dict):
            bad("expected_tool_calls", f'{where} "arguments" must be an object')
            return None
        for arg, v in args.items():
            if (
                isinstance(v, dict)
                and "$any" in v
                and (len(v) != 1 or not isinstance(v["$any"], list) or not v["$any"])
            ):
                bad(
                    "expected_tool_calls",
                    f'{where} argument "{arg}": "$any" must be the only key and a non-empty list',
                )
                return None
        optional = c.get("optional", [])
        if not isinstance(optional, list) or not all(isinstance(o, str) for o in optional):
            bad("expected_tool_calls", f'{where} "optional" must be a list of argument names')
            return None
        missing = [o for o in optional if o not in args]
        if missing:
            bad(
                "expected_tool_calls",
                f'{where} lists optional argument "{missing[0]}" that is not '
                'in "arguments"; give its acceptable value(s) there',
            )
            return None
        calls.append(ExpectedToolCall(c["name"], args, tuple(optional)))
    return tuple(calls)


def _parse_tools(value: Any, bad: Any) -> tuple[ToolSpec, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        bad("tools", f"must be a list of function specs, got {_kind(value)}")
        return None
    tools = []
    names: dict[str, int] = {}
    for i, t in enumerate(value, start=1):
        spec = t.get("function") if isinstance(t, dict) and t.get("type") == "function" else t
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
            bad("tools", f'tool {i} must be {{"name", "description", "parameters"}}')
            return None
        name = spec["name"]
        # An unknown key (a typo such as "parametres", or "strict") would be dropped unseen.
        for key in spec:
            if key not in _TOOL_KEYS:
                hint = did_you_mean(key, _TOOL_KEYS) or " use name, description, parameters"
                bad("tools", f'tool {i} ("{name}") has unknown key "{key}";{hint}')
                return None
        if not isinstance(_or(spec.get("description"), ""), str):
            bad("tools", f'tool {i} ("{name}") "description" must be a string')
            return None
        if not isinstance(_or(spec.get("parameters"), {}), dict):
            bad("tools", f'tool {i} ("{name}") "parameters" must be a JSON Schema object')
            return None
        if name in names:
            bad(
                "tools", f'tool {i} is named "{name}" like tool {names[name]}; names must be unique'
            )
            return None
        names[name] = i
        tools.append(ToolSpec.from_dict(spec))
    return tuple(tools)


_TOOL_KEYS = ("name", "description", "parameters")


def _has_problem(problems: list[Problem], start: int, field_name: str) -> bool:
    return any(p.message.startswith(f'field "{field_name}"') for p in problems[start:])
