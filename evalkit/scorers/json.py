"""JSON checks: the output is valid JSON (``json_valid``) and conforms to a schema (``json_schema``).

Models often wrap JSON in a Markdown fence or a sentence, so both scorers take ``extract``:

- ``"none"``: the whole output (trimmed) must be JSON;
- ``"fenced"`` (default): the whole output, else the first fenced block (```json or ```);
- ``"any"``: also the first JSON object or array embedded in prose.

The schema validator is evalkit's own and covers the common subset of JSON Schema (drafts 4
to 2020-12): ``type``, ``enum``, ``const``, ``properties``, ``required``,
``additionalProperties``, ``patternProperties``, ``items`` (one schema or a tuple),
``prefixItems``, ``minItems``/``maxItems``, ``uniqueItems``, ``minimum``/``maximum``,
``exclusiveMinimum``/``exclusiveMaximum``, ``multipleOf``, ``minLength``/``maxLength``,
``pattern``, ``anyOf``/``oneOf``/``allOf``/``not`` and ``$ref`` to ``#/definitions/...`` or
``#/$defs/...``. A schema that uses any other keyword that may assert something (``if``,
``contains``, ``format``, a misspelt ``minimun``) is refused when the scorer is built, unless
``allow_unchecked`` lists it: an output breaking it would pass with "conforms" (QA14 F4).

Parsing is strict RFC 8259: ``NaN``, ``Infinity`` and ``-Infinity``, which Python's ``json``
reads but ``JSON.parse``, Go, serde and Jackson reject, make the output invalid JSON.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from evalkit.errors import ConfigError
from evalkit.hashing import sha256_json
from evalkit.scorers._json_schema import (
    SchemaError,
    _type_name,
    _Validator,
    unchecked_keywords,
    validate,
)
from evalkit.scoring import Score, ScoreContext, Scorer

__all__ = ["EXTRACT_MODES", "JsonSchema", "JsonValid", "SchemaError", "find_json", "validate"]

EXTRACT_MODES = ("none", "fenced", "any")
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\r?\n(.*?)```", re.DOTALL)
_MAX_ERRORS = 50


def _not_json(name: str) -> Any:
    raise ValueError(
        f"{name} is not JSON (RFC 8259 has no NaN or Infinity; JSON.parse and most parsers "
        "reject it)"
    )


def _number(text: str) -> float | int:
    """A JSON number with a fraction or exponent. One beyond the double range (``1e400``,
    valid RFC 8259) would become ``inf``, which the schema check refuses as "not a JSON
    number" while ``json_valid`` passes it (QA16 F6); it is read as the integer it is (every
    decimal that large is one, short of a literal with hundreds of digits, rounded)."""
    value = float(text)
    if math.isinf(value):
        return int(Decimal(text).to_integral_value())
    return value


_STRICT = json.JSONDecoder(parse_constant=_not_json, parse_float=_number)
"""Python's ``json`` accepts ``NaN``/``Infinity``; the consumers a JSON check protects do not."""


def _why(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def find_json(text: str, extract: str = "fenced") -> tuple[Any, str]:
    """Parse JSON out of ``text``; return ``(value, where)`` with ``where`` in
    ``"whole"``, ``"fence"``, ``"embedded"``. Raise :class:`ValueError` saying why not."""
    stripped = text.strip()
    try:
        return _STRICT.decode(stripped), "whole"
    except ValueError as exc:
        first_error = _why(exc)
    if extract in ("fenced", "any"):
        fences = _FENCE.findall(text)
        fence_error = None
        # a fence labelled json first, then unlabelled ones
        for lang, body in sorted(fences, key=lambda f: f[0].lower() != "json"):
            if lang.lower() not in ("json", "jsonc", ""):
                continue
            try:
                return _STRICT.decode(body.strip()), "fence"
            except ValueError as exc:
                # the block meant to hold the JSON says why better than the whole output's
                # "Expecting value at line 1 column 1" (QA16 F6: a fenced Infinity)
                fence_error = fence_error or f"in the fenced block: {_why(exc)}"
        first_error = fence_error or first_error
    if extract == "any":
        for m in re.finditer(r"[{\[]", text):
            try:
                value, _ = _STRICT.raw_decode(text, m.start())
            except ValueError:
                continue
            return value, "embedded"
    if not stripped:
        raise ValueError("the output is empty")
    raise ValueError(first_error)


@dataclass
class JsonValid(Scorer):
    """1 when the output is (or, per ``extract``, contains) valid JSON."""

    name: ClassVar[str] = "json_valid"
    extract: str = "fenced"
    threshold: float = 0.5

    def __post_init__(self) -> None:
        _check_extract(self.name, self.extract)

    def score(self, ctx: ScoreContext) -> Score:
        try:
            value, where = find_json(ctx.response.text, self.extract)
        except ValueError as exc:
            return Score(0.0, False, f"output is not valid JSON: {exc}", {"where": None})
        kind = _type_name(value)
        return Score(1.0, True, f"valid JSON {kind} ({where})", {"where": where, "type": kind})


@dataclass
class JsonSchema(Scorer):
    """1 when the output's JSON conforms to ``schema``; details list errors by JSON pointer.

    ``schema`` is the schema itself (a table) or the path of a ``.json`` file (in a config,
    relative to the config's folder). Its sha256 is part of :meth:`spec` so a schema change shows in the run.
    """

    name: ClassVar[str] = "json_schema"
    path_args: ClassVar[tuple[str, ...]] = ("schema",)
    schema: Mapping[str, Any] | str | bool = field(default_factory=dict)
    extract: str = "fenced"
    allow_unchecked: Sequence[str] = ()
    """Keywords the validator does not check that the schema may use anyway (``["format"]``):
    the author accepts that outputs are not checked against them; every other such keyword
    is refused when the scorer is built."""
    threshold: float = 0.5
    _schema: Any = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        _check_extract(self.name, self.extract)
        where = f"scorer {self.name!r}"
        if isinstance(self.schema, str):
            path = Path(self.schema)
            try:
                self._schema = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ConfigError.single(
                    where,
                    f"schema file {str(path)!r} not found"
                    + ("" if path.is_absolute() else f" (relative to {Path.cwd()})"),
                ) from None
            except json.JSONDecodeError as exc:
                raise ConfigError.single(
                    where, f"schema file {str(path)!r} is not valid JSON: {exc}"
                ) from exc
        else:
            self._schema = self.schema
        if not isinstance(self._schema, (Mapping, bool)) or self._schema == {}:
            raise ConfigError.single(
                where, "schema is missing; give a JSON Schema object or a path to a .json file"
            )
        if isinstance(self.allow_unchecked, str):
            self.allow_unchecked = [self.allow_unchecked]
        self.allow_unchecked = list(self.allow_unchecked)
        unchecked = {
            k: v
            for k, v in unchecked_keywords(self._schema).items()
            if k not in self.allow_unchecked
        }
        if unchecked:
            listed = ", ".join(f"{k} (at {_places(v)})" for k, v in unchecked.items())
            which = f"schema file {self.schema!r}" if isinstance(self.schema, str) else "schema"
            raise ConfigError.single(
                where,
                f"the {which} uses keywords evalkit's validator does not check: {listed}; an "
                "output breaking them would pass as conforming. Remove them (or fix a "
                "misspelling), or accept that they go unchecked: allow_unchecked = "
                + json.dumps(sorted(unchecked)),
            )

    def spec(self) -> dict[str, Any]:
        d = super().spec()
        d["args"].pop("_schema", None)
        d["args"]["schema_sha256"] = sha256_json(self._schema)
        return d

    def score(self, ctx: ScoreContext) -> Score:
        try:
            value, where = find_json(ctx.response.text, self.extract)
        except ValueError as exc:
            return Score(0.0, False, f"output is not valid JSON: {exc}", {"errors": []})
        v = _Validator(self._schema)
        errors = v.validate(value, self._schema, "")
        details: dict[str, Any] = {
            "where": where,
            "errors": [e.to_dict() for e in errors[:_MAX_ERRORS]],
            "error_count": len(errors),
        }
        if v.ignored:
            details["ignored_keywords"] = sorted(v.ignored)
        if not errors:
            unchecked = f" ({', '.join(sorted(v.ignored))} not checked)" if v.ignored else ""
            return Score(1.0, True, f"output conforms to the schema{unchecked}", details)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return Score(0.0, False, f"{errors[0]}{more}", details)


def _places(pointers: Sequence[str], n: int = 5) -> str:
    """The first ``n`` schema locations, then how many more: a list cut without a word hid
    the place a user had to fix (QA16 F6)."""
    more = f" and {len(pointers) - n} more" if len(pointers) > n else ""
    return ", ".join(pointers[:n]) + more


def _check_extract(name: str, extract: str) -> None:
    if extract not in EXTRACT_MODES:
        raise ConfigError.single(
            f"scorer {name!r}", f"extract = {extract!r}; valid: {list(EXTRACT_MODES)}"
        )
