"""evalkit's own JSON Schema validator, behind :func:`evalkit.scorers.json.validate`.

It covers the common subset of drafts 4 to 2020-12 listed in :mod:`evalkit.scorers.json` and
records the keywords it does not check (``_Validator.ignored``), so the ``json_schema`` scorer
can list them instead of letting anyone believe they were checked. No dependency: the
``jsonschema`` package is not one of ours.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = ["SchemaError", "unchecked_keywords", "validate"]


@dataclass(frozen=True)
class SchemaError:
    """One way an instance breaks its schema, located by JSON pointer (RFC 6901)."""

    pointer: str
    """Where in the instance: ``""`` for the whole document, ``/items/0/name`` inside it."""
    keyword: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '(root)'}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "keyword": self.keyword, "message": self.message}


_ANNOTATIONS = frozenset(
    [
        "$schema",
        "$id",
        "id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "definitions",
        "$defs",
        "readOnly",
        "writeOnly",
        "deprecated",
        "discriminator",
    ]
)
"""Keywords that assert nothing about an instance, so skipping them loses nothing. ``format``
is formally an annotation too, but a schema author who writes ``"format": "email"`` expects
it checked, so it counts as unchecked (:func:`unchecked_keywords`), like ``contentEncoding``.
OpenAPI's ``discriminator`` (pydantic emits it for every discriminated union) only names the
property that tells the ``oneOf`` / ``anyOf`` beside it which branch applies; the branches'
own ``const`` / ``enum`` on that property, which are checked, already decide it (QA16 F6)."""
_HANDLED = frozenset(
    [
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "items",
        "prefixItems",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "$ref",
        "minProperties",
        "maxProperties",
    ]
)


_SUBSCHEMA = ("additionalProperties", "additionalItems", "not")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def _checks_nothing(keyword: str) -> bool:
    return keyword in _ANNOTATIONS or keyword.startswith("x-")  # OpenAPI extensions


def unchecked_keywords(schema: Any, ptr: str = "") -> dict[str, list[str]]:
    """Keyword → the schema locations (JSON pointers into the schema) of every keyword in
    ``schema`` that this validator does not check and that may assert something (``if``,
    ``contains``, ``format``, a misspelt ``minimun``), so an output breaking it would pass.
    Walks the subschemas the validator visits (and ``definitions`` / ``$defs``)."""
    found: dict[str, list[str]] = {}
    if not isinstance(schema, Mapping):
        return found

    def merge(more: dict[str, list[str]]) -> None:
        for k, where in more.items():
            found.setdefault(k, []).extend(where)

    for key, sub in schema.items():
        k = str(key)
        here = f"{ptr}/{_escape(k)}"
        if k not in _HANDLED and not _checks_nothing(k):
            found.setdefault(k, []).append(ptr or "/")
        elif k in _SUBSCHEMA or (k == "items" and isinstance(sub, Mapping)):
            merge(unchecked_keywords(sub, here))
        elif k in _SUBSCHEMA_MAPS and isinstance(sub, Mapping):
            for name, child in sub.items():
                merge(unchecked_keywords(child, f"{here}/{_escape(str(name))}"))
        elif (k in _SUBSCHEMA_LISTS or k == "items") and isinstance(sub, list):
            for i, child in enumerate(sub):
                merge(unchecked_keywords(child, f"{here}/{i}"))
    return found


def validate(instance: Any, schema: Mapping[str, Any] | bool) -> list[SchemaError]:
    """Every error of ``instance`` against ``schema`` (empty when it conforms)."""
    return _Validator(schema).validate(instance, schema, "")


class _Validator:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.ignored: set[str] = set()
        self._depth = 0

    def validate(self, inst: Any, schema: Any, ptr: str) -> list[SchemaError]:
        if schema is True:
            return []
        if schema is False:
            return [SchemaError(ptr, "false", "no value is allowed here")]
        if not isinstance(schema, Mapping):
            return []
        errs: list[SchemaError] = []

        def err(keyword: str, message: str) -> None:
            errs.append(SchemaError(ptr, keyword, message))

        for k in schema:
            if k not in _HANDLED and not _checks_nothing(str(k)):
                self.ignored.add(str(k))
        if "$ref" in schema:
            errs += self._ref(inst, str(schema["$ref"]), ptr)
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(inst, t) for t in types):
                want = " or ".join(types)
                err("type", f"expected {want}, got {_type_name(inst)} ({_show(inst)})")
                return errs  # the other keywords would only repeat the type error
        if "enum" in schema and not any(_json_eq(inst, e) for e in schema["enum"]):
            err("enum", f"expected one of {_show(schema['enum'])}, got {_show(inst)}")
        if "const" in schema and not _json_eq(inst, schema["const"]):
            err("const", f"expected {_show(schema['const'])}, got {_show(inst)}")
        if isinstance(inst, Mapping):
            errs += self._object(inst, schema, ptr)
        elif isinstance(inst, list):
            errs += self._array(inst, schema, ptr)
        elif isinstance(inst, str):
            n = len(inst)
            if "minLength" in schema and n < schema["minLength"]:
                err("minLength", f"string of length {n} is shorter than {schema['minLength']}")
            if "maxLength" in schema and n > schema["maxLength"]:
                err("maxLength", f"string of length {n} is longer than {schema['maxLength']}")
            if "pattern" in schema and not re.search(schema["pattern"], inst):
                err("pattern", f"{_show(inst)} does not match /{schema['pattern']}/")
        elif isinstance(inst, (int, float)) and not isinstance(inst, bool):
            errs += [SchemaError(ptr, k, m) for k, m in _number(inst, schema)]
        for sub in schema.get("allOf", ()):
            errs += self.validate(inst, sub, ptr)
        if "anyOf" in schema:
            results = [self.validate(inst, s, ptr) for s in schema["anyOf"]]
            if all(results):
                err("anyOf", _none_matched("anyOf", results))
        if "oneOf" in schema:
            results = [self.validate(inst, s, ptr) for s in schema["oneOf"]]
            ok = [i for i, r in enumerate(results) if not r]
            if not ok:
                err("oneOf", _none_matched("oneOf", results))
            elif len(ok) > 1:
                err("oneOf", f"matches {len(ok)} of oneOf's schemas {ok}; expected exactly one")
        if "not" in schema and not self.validate(inst, schema["not"], ptr):
            err("not", f"{_show(inst)} matches a schema it must not match")
        return errs

    def _ref(self, inst: Any, ref: str, ptr: str) -> list[SchemaError]:
        if not ref.startswith("#"):
            return [SchemaError(ptr, "$ref", f"cannot resolve {ref!r}: only local refs (#/...)")]
        target: Any = self.root
        for part in ref[1:].lstrip("/").split("/") if ref != "#" else ():
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return [SchemaError(ptr, "$ref", f"cannot resolve {ref!r} in the schema")]
        self._depth += 1
        try:
            if self._depth > 200:
                return [SchemaError(ptr, "$ref", f"{ref!r} recurses too deeply")]
            return self.validate(inst, target, ptr)
        finally:
            self._depth -= 1

    def _object(self, inst: Mapping[str, Any], schema: Mapping[str, Any], ptr: str) -> list:
        errs: list[SchemaError] = []
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        for name in schema.get("required", ()):
            if name not in inst:
                errs.append(SchemaError(ptr, "required", f"required property {name!r} is missing"))
        n = len(inst)
        if "minProperties" in schema and n < schema["minProperties"]:
            errs.append(SchemaError(ptr, "minProperties", f"{n} properties, fewer than allowed"))
        if "maxProperties" in schema and n > schema["maxProperties"]:
            errs.append(SchemaError(ptr, "maxProperties", f"{n} properties, more than allowed"))
        extra = schema.get("additionalProperties", True)
        for key, val in inst.items():
            child = f"{ptr}/{_escape(key)}"
            matched = False
            if key in props:
                matched = True
                errs += self.validate(val, props[key], child)
            for pat, sub in patterns.items():
                if re.search(pat, key):
                    matched = True
                    errs += self.validate(val, sub, child)
            if not matched:
                if extra is False:
                    allowed = sorted(props)
                    errs.append(
                        SchemaError(
                            child,
                            "additionalProperties",
                            f"unknown property {key!r}; allowed: {allowed}",
                        )
                    )
                elif isinstance(extra, Mapping):
                    errs += self.validate(val, extra, child)
        return errs

    def _array(self, inst: list[Any], schema: Mapping[str, Any], ptr: str) -> list:
        errs: list[SchemaError] = []
        n = len(inst)
        if "minItems" in schema and n < schema["minItems"]:
            errs.append(SchemaError(ptr, "minItems", f"{n} items, fewer than {schema['minItems']}"))
        if "maxItems" in schema and n > schema["maxItems"]:
            errs.append(SchemaError(ptr, "maxItems", f"{n} items, more than {schema['maxItems']}"))
        if schema.get("uniqueItems"):
            for i in range(n):
                if any(_json_eq(inst[i], inst[j]) for j in range(i)):
                    errs.append(SchemaError(f"{ptr}/{i}", "uniqueItems", "duplicate item"))
        items = schema.get("items")
        prefix = schema.get("prefixItems")
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", True)
        prefix = prefix or []
        for i, val in enumerate(inst):
            sub = prefix[i] if i < len(prefix) else items
            if sub is None:
                continue
            if sub is False and i >= len(prefix):
                errs.append(SchemaError(f"{ptr}/{i}", "items", f"no item allowed past {i}"))
                continue
            errs += self.validate(val, sub, f"{ptr}/{i}")
        return errs


def _number(x: float, s: Mapping[str, Any]) -> list[tuple[str, str]]:
    if isinstance(x, float) and not math.isfinite(x):  # a Python caller's NaN: every
        # comparison with it is false (a parsed 1e400 arrives as an int: json._number)
        return [("type", f"{x!r} is not a JSON number (JSON has no NaN or Infinity)")]
    out = []
    # draft 4 spells exclusive bounds as booleans beside minimum/maximum
    lo: Any = s.get("minimum")
    hi: Any = s.get("maximum")
    if _is_num(lo) and s.get("exclusiveMinimum") is True:
        lo, s = None, {**s, "exclusiveMinimum": lo}
    if _is_num(hi) and s.get("exclusiveMaximum") is True:
        hi, s = None, {**s, "exclusiveMaximum": hi}
    em: Any = s.get("exclusiveMinimum")
    eM: Any = s.get("exclusiveMaximum")
    if _is_num(lo) and x < lo:
        out.append(("minimum", f"{_show(x)} is less than the minimum {lo}"))
    if _is_num(hi) and x > hi:
        out.append(("maximum", f"{_show(x)} is more than the maximum {hi}"))
    if _is_num(em) and x <= em:
        out.append(("exclusiveMinimum", f"{_show(x)} must be more than {em}"))
    if _is_num(eM) and x >= eM:
        out.append(("exclusiveMaximum", f"{_show(x)} must be less than {eM}"))
    step: Any = s.get("multipleOf")
    if _is_num(step) and step > 0 and not _multiple(x, step):
        out.append(("multipleOf", f"{_show(x)} is not a multiple of {s['multipleOf']}"))
    return out


def _multiple(x: float, m: float) -> bool:
    """Whether ``x`` is a multiple of ``m``: exactly for integers (``1e400`` is read as one,
    beyond a float's range), within rounding for the rest (0.3 is a multiple of 0.1)."""
    if isinstance(x, int) and isinstance(m, int):
        return x % m == 0
    try:
        q = x / m
    except OverflowError:  # a huge integer over a fractional step: exact arithmetic
        return (Fraction(x) / Fraction(str(m))).denominator == 1
    return math.isfinite(q) and abs(q - round(q)) <= 1e-9


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_type(inst: Any, t: str) -> bool:
    if t == "integer":  # an int beyond a float's range (a parsed 1e400) is one too
        return _is_num(inst) and (isinstance(inst, int) or float(inst).is_integer())
    if t == "number":
        return _is_num(inst)
    py = {"string": str, "boolean": bool, "null": type(None), "array": list, "object": Mapping}
    return t in py and isinstance(inst, py[t])


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "integer" if v.is_integer() else "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def _json_eq(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true != 1 and key order does not matter."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_num(a) and _is_num(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_eq(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_json_eq(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _none_matched(keyword: str, results: list[list[SchemaError]]) -> str:
    closest = min(results, key=len)
    first = f"; closest: {closest[0]}" if closest else ""
    return f"matches none of the {len(results)} schemas in {keyword}{first}"


def _escape(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _show(v: Any, n: int = 60) -> str:
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**21:
        return f"{Decimal(v):.6g}"  # a parsed 1e400 reads 1e+400, not 60 digits cut off
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[: n - 1] + "…"
