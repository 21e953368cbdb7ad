"""Convert Berkeley Function Calling Leaderboard (BFCL) rows into evalkit cases and responses.

Used by ``bench_tool_calls.py`` and reusable for building eval sets from ``bfcl_tasks.jsonl``:

    from bfcl_convert import bfcl_to_case
    case_dict = bfcl_to_case(row)      # one evalkit JSONL case (a dict)

What the conversion does, and why:

- **Tools**: BFCL's JSON-Schema-like docs become JSON Schema: ``dict`` -> ``object``,
  ``float`` -> ``number``, ``tuple`` -> ``array``, ``any`` -> no type restriction; everything
  else (enum, required, items, properties, descriptions, defaults) is kept.
- **Expectations**: a possible answer ``{fn: {param: [acceptable values]}}`` becomes
  ``{"name": fn, "arguments": {param: value or {"$any": [...]}}, "optional": [...]}``.
  ``""`` in BFCL's list means "may be omitted": the parameter goes into ``optional`` unless
  the tool's schema requires it (BFCL checks ``required`` first). A parameter whose only
  acceptable value is ``""``, or that the tool does not declare, must not be sent, so it is
  left out of ``arguments``. Nested dict answers (``{key: [values]}``) become nested objects
  whose omittable keys are ``{"$optional": ...}``.
- **What BFCL's checker also accepts, made explicit**: where ``""`` marks an omittable
  parameter, BFCL's checker also accepts the value ``""`` for string parameters (and for
  parameters whose listed answers are strings, and for nested dict keys) and ``[]`` for array
  parameters. Those values are added to the acceptable ones, so that evalkit's scorer, which
  has no notion of BFCL's marker, reproduces the leaderboard's verdicts.
- **Categories**: ``irrelevance``/``live_irrelevance`` expect no call (``[]``);
  ``live_relevance`` expects at least one call of any kind, written as
  ``"metadata": {"tool_use": "required"}`` with no ``expected_tool_calls``. Parallel
  categories keep evalkit's default ``tool_call_order: "any"``. The category is a tag and,
  with BFCL's id, in ``metadata``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from evalkit.providers.base import Response, ToolCall

__all__ = ["bfcl_output_to_response", "bfcl_schema", "bfcl_to_case", "expected_calls"]

_TYPES = {"dict": "object", "float": "number", "tuple": "array"}
_NO_CALL = ("irrelevance", "live_irrelevance")


def bfcl_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """BFCL's parameter schema as JSON Schema (types renamed, recursively)."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            if value != "any":
                out["type"] = _TYPES.get(value, value)
        elif key == "properties" and isinstance(value, Mapping):
            out["properties"] = {k: bfcl_schema(v) for k, v in value.items()}
        elif key == "items" and isinstance(value, Mapping):
            out["items"] = bfcl_schema(value)
        else:
            out[key] = value
    return out


def _tool(doc: Mapping[str, Any]) -> dict[str, Any]:
    params = bfcl_schema(doc.get("parameters") or {"type": "dict", "properties": {}})
    return {"name": doc["name"], "description": doc.get("description", ""), "parameters": params}


def _one_or_any(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else {"$any": values}


def _nested(value: Any, doc: Mapping[str, Any]) -> Any:
    """One acceptable value; BFCL writes nested dicts (and lists of them) as ``{key: [values]}``."""
    bfcl_type = doc.get("type")
    if isinstance(value, dict) and bfcl_type == "dict":
        return _nested_dict(value)
    if isinstance(value, list) and (doc.get("items") or {}).get("type") == "dict":
        return [_nested_dict(v) if isinstance(v, dict) else v for v in value]
    return value


def _nested_dict(answer: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, options in answer.items():
        if not isinstance(options, list):  # a literal value, not a list of acceptable ones
            out[key] = options
            continue
        real = [o for o in options if o != ""]
        accepted = real + ([""] if "" in options else [])
        value = _one_or_any(accepted)
        out[key] = {"$optional": value} if "" in options else value
    return out


def _arguments(answer: Mapping[str, list[Any]], doc: Mapping[str, Any]) -> dict[str, Any]:
    params = doc.get("parameters") or {}
    props = params.get("properties") or {}
    required = set(params.get("required") or ())
    arguments: dict[str, Any] = {}
    optional: list[str] = []
    for name, options in answer.items():
        if name not in props:
            continue  # the tool has no such parameter: sending it is always wrong
        pdoc = props[name]
        real = [o for o in options if o != ""]
        accepted = [_nested(o, pdoc) for o in real]
        omittable = "" in options
        if omittable:
            first = real[0] if real else None
            if pdoc.get("type") in ("string", "any") or isinstance(first, str):
                accepted.append("")
            elif pdoc.get("type") in ("array", "tuple") and (
                first is None or isinstance(first, list)
            ):
                accepted.append([])
        if not accepted:
            continue  # only "" was acceptable: the argument must be left out
        arguments[name] = _one_or_any(accepted)
        if omittable and name not in required:
            optional.append(name)
    return {"arguments": arguments, "optional": optional}


def expected_calls(row: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The row's possible answer as ``expected_tool_calls`` (``None`` for live_relevance)."""
    category = row["category"]
    if category in _NO_CALL:
        return []
    if not row.get("ground_truth"):
        return None
    docs = {d["name"]: d for d in row["functions"]}
    calls = []
    for answer in row["ground_truth"]:
        ((name, args),) = answer.items()
        calls.append({"name": name, **_arguments(args, docs.get(name, {}))})
    return calls


def bfcl_to_case(row: Mapping[str, Any]) -> dict[str, Any]:
    """One BFCL row (task or labelled output) as an evalkit JSONL case dict."""
    category = row["category"]
    case: dict[str, Any] = {
        "id": row["id"],
        "input": [{"role": m["role"], "content": m["content"]} for m in row["question"]],
        "tools": [_tool(d) for d in row["functions"]],
        "tags": ["bfcl", category],
        "metadata": {
            "source": "bfcl",
            "bfcl_category": category,
            "bfcl_id": row.get("entry_id", row["id"]),
        },
    }
    calls = expected_calls(row)
    if calls is not None:
        case["expected_tool_calls"] = calls
    elif category == "live_relevance":
        case["metadata"]["tool_use"] = "required"
    return case


def bfcl_output_to_response(row: Mapping[str, Any]) -> Response:
    """A labelled row's model output as an evalkit :class:`Response`.

    ``model_output`` is BFCL's own decoding (``[]`` when nothing decoded), so the calls are
    exactly those the leaderboard judged; a text answer is kept as the response text.
    """
    calls = tuple(
        ToolCall(name=name, arguments=args, raw_arguments=json.dumps(args))
        for call in row["model_output"]
        for name, args in call.items()
    )
    raw = row.get("model_output_raw")
    text = raw if isinstance(raw, str) else ""
    return Response(
        text=text,
        tool_calls=calls,
        finish_reason="tool_calls" if calls else "stop",
    )
