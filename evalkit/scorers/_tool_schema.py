"""A small JSON Schema validator for tool-call arguments (the subset tool specs use).

``jsonschema`` is not one of evalkit's dependencies, and tool specs use a narrow subset of
JSON Schema, so this module implements exactly that subset: ``type`` (one name or a list),
``enum``, ``const``, ``required``, ``properties``, ``additionalProperties`` (bool or schema),
``items`` (one schema, or a list for tuple-like arrays, as does ``prefixItems``),
``anyOf``/``oneOf`` (valid when any branch is valid) and OpenAPI's ``nullable``.
Other keywords (``$ref``, ``minimum``, ``pattern``, ...) are ignored rather than guessed at.

Two decisions differ from a general-purpose validator, both because tool arguments come from
a model and go to a program:

- *Types are the Python types JSON decodes to*: ``integer`` is an ``int`` (``5.0`` is not an
  integer, as most function-calling back ends reject it), ``number`` is an ``int`` or a
  ``float``, and ``true`` is never a number.
- *At the top level, an argument the tool does not declare is a problem* unless the schema
  explicitly sets ``additionalProperties``: a hallucinated argument is the commonest
  production failure, and APIs either reject it or drop it silently. Nested objects follow
  JSON Schema's default (extra keys allowed) unless they say otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "SchemaProblem",
    "allowed_types",
    "item_schema",
    "property_schema",
    "type_name",
    "validate",
    "validate_arguments",
]

ProblemKind = Literal[
    "unknown_parameter", "missing_required", "wrong_type", "enum_violation", "invalid"
]


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One way in which a call's arguments break the tool's JSON Schema."""

    path: str
    """Where: the argument name, then ``.key`` and ``[index]`` for nested values."""
    kind: ProblemKind
    message: str
    """Plain words, e.g. ``expected one of ["celsius", "fahrenheit"], got "kelvin"``."""

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "message": self.message}

    def __str__(self) -> str:
        return f'argument "{self.path}": {self.message}' if self.path else self.message


def show(value: Any, limit: int = 80) -> str:
    """A value as JSON for messages, shortened so a long argument cannot flood a report."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def type_name(value: Any) -> str:
    """The JSON Schema type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def allowed_types(schema: Mapping[str, Any] | None) -> set[str] | None:
    """The type names a schema allows, or ``None`` when it does not restrict the type."""
    if not isinstance(schema, Mapping):
        return None
    declared = schema.get("type")
    if declared is None:
        branches = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(branches, list):
            union: set[str] = set()
            for branch in branches:
                types = allowed_types(branch)
                if types is None:
                    return None
                union |= types
            return union
        return None
    types = {declared} if isinstance(declared, str) else {str(t) for t in declared}
    if schema.get("nullable") is True:
        types.add("null")
    return types


def property_schema(schema: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    """The schema of object property ``key`` (``None`` when unknown)."""
    if not isinstance(schema, Mapping):
        return None
    props = schema.get("properties")
    if isinstance(props, Mapping) and isinstance(props.get(key), Mapping):
        return props[key]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, Mapping) else None


def item_schema(schema: Mapping[str, Any] | None, index: int) -> Mapping[str, Any] | None:
    """The schema of array element ``index`` (``None`` when unknown)."""
    if not isinstance(schema, Mapping):
        return None
    prefix = schema.get("prefixItems")
    items = schema.get("items")
    if isinstance(prefix, list):
        return prefix[index] if index < len(prefix) else items
    if isinstance(items, list):
        return items[index] if index < len(items) else None
    return items if isinstance(items, Mapping) else None


def _type_ok(value: Any, types: set[str]) -> bool:
    actual = type_name(value)
    return actual in types or (actual == "integer" and "number" in types)


def validate(value: Any, schema: Mapping[str, Any] | None, path: str = "") -> list[SchemaProblem]:
    """Every way ``value`` breaks ``schema``; empty when it conforms."""
    if not isinstance(schema, Mapping) or not schema:
        return []
    branches = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(branches, list) and branches:
        if any(not validate(value, b, path) for b in branches if isinstance(b, Mapping)):
            return []
        return [
            SchemaProblem(path, "invalid", f"matches none of the allowed forms, got {show(value)}")
        ]
    types = allowed_types(schema)
    if types is not None and not _type_ok(value, types):
        want = " or ".join(sorted(types))
        return [
            SchemaProblem(
                path, "wrong_type", f"expected {want}, got {type_name(value)} {show(value)}"
            )
        ]
    problems: list[SchemaProblem] = []
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(_same(value, e) for e in enum):
        problems.append(
            SchemaProblem(
                path, "enum_violation", f"expected one of {show(enum)}, got {show(value)}"
            )
        )
    if "const" in schema and not _same(value, schema["const"]):
        problems.append(
            SchemaProblem(
                path, "enum_violation", f"expected {show(schema['const'])}, got {show(value)}"
            )
        )
    if isinstance(value, Mapping):
        problems += _validate_object(value, schema, path, strict_extra=False)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            problems += validate(item, item_schema(schema, i), f"{path}[{i}]")
    return problems


def validate_arguments(
    arguments: Mapping[str, Any], parameters: Mapping[str, Any] | None
) -> list[SchemaProblem]:
    """Validate a call's arguments against its tool's ``parameters`` schema.

    Unlike :func:`validate`, an argument the schema does not declare is reported unless the
    schema sets ``additionalProperties`` itself (see the module docstring for why).
    """
    if not isinstance(arguments, Mapping):  # a caller's list or string: a problem, not a crash
        got = f"{type_name(arguments)} {show(arguments)}"
        return [SchemaProblem("", "invalid", f"arguments must be an object, got {got}")]
    if not isinstance(parameters, Mapping):
        return []
    return _validate_object(arguments, parameters, "", strict_extra=True)


def _validate_object(
    value: Mapping[str, Any], schema: Mapping[str, Any], path: str, *, strict_extra: bool
) -> list[SchemaProblem]:
    problems: list[SchemaProblem] = []
    props = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
    assert isinstance(props, Mapping)
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    assert isinstance(required, list)
    for name in required:
        if name not in value:
            problems.append(
                SchemaProblem(_join(path, name), "missing_required", "is required but missing")
            )
    extra = schema.get("additionalProperties", not strict_extra)
    for key, item in value.items():
        where = _join(path, str(key))
        if key in props:
            problems += validate(item, props[key], where)
        elif extra is False:
            known = ", ".join(f'"{k}"' for k in props) or "none"
            problems.append(
                SchemaProblem(
                    where, "unknown_parameter", f"is not a parameter of the tool (known: {known})"
                )
            )
        elif isinstance(extra, Mapping):
            problems += validate(item, extra, where)
    return problems


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``true != 1``, recursively."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    numbers = isinstance(a, (int, float)) and isinstance(b, (int, float))
    return (numbers or type_name(a) == type_name(b)) and bool(a == b)
