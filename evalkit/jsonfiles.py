"""The JSON evalkit writes: values made JSON (a scorer's ``details``, and every file:
``results.jsonl``, ``manifest.json``, the report's embedded data), and files written
atomically (:func:`write_text_atomic`, :func:`write_json_atomic`).

Why: ``details`` is free-form by contract, and what a numpy or pandas scorer naturally puts
there (``numpy.int64`` from ``np.count_nonzero``, an array, a ``datetime``, a ``Decimal``, a
``set``) is not JSON. ``json.dumps`` raised on the first such record, which aborted the run
with a traceback and kept none of the answers already paid for (QA14 F5). And a ``NaN`` went
through as a bare ``NaN`` token, which ``JSON.parse`` and every strict reader refuse, although
``results.jsonl`` is a public format.

What :func:`to_json` does, so that what is written is as close to what the scorer meant as JSON
allows: numpy scalars become Python numbers (``.item()``), arrays and pandas series lists,
``datetime``/``date``/``time`` ISO 8601 strings, ``timedelta`` seconds, ``Decimal`` a float
when the float reads back as the same number (``1.50``, ``0.1``) else its string, ``set`` a
sorted list, bytes a short repr, enums their value, paths and UUIDs strings, dataclasses
dicts of their fields; NaN, ±Infinity and pandas' missing values (``NaT``, ``NA``) become
``null`` (unknown, as the aggregates read them; ``NaT`` is a ``datetime`` to Python and was
written as the string ``"NaT"``, ``NA`` as its repr ``"<NA>"``: QA15 F10). Mapping keys are
written as JSON writes them (``1`` as ``"1"``); two keys written alike (``1`` and ``"1"``) both
stay: a key that is not a string and collides gets its type added (``"1 (int)"``), with a
note, instead of one value silently replacing the other. Anything else becomes its ``repr``,
with a note saying so (the scorer's author is the one to fix it). What cannot be written at
all (a value that contains itself, nesting deeper than :data:`MAX_DEPTH`, a ``repr`` that
raises) is :class:`Unrecordable`, which scoring turns into a scorer error on that case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import math
import numbers
import os
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "NOTES_KEY",
    "Unrecordable",
    "details_to_json",
    "dumps",
    "numeric_metrics",
    "to_json",
    "write_json_atomic",
    "write_text_atomic",
]

MAX_DEPTH = 64
"""Nesting deeper than this is refused (a scorer's evidence is never that deep; a linked
structure walked by accident is)."""
NOTES_KEY = "evalkit_notes"
"""The ``details`` key under which scoring lists what was recorded as a ``repr``."""
_MAX_REPR = 200
_MAX_BYTES_SHOWN = 32


class Unrecordable(ValueError):
    """A value that has no JSON form at all; ``path`` says where (``details["x"][2]``)."""

    def __init__(self, path: str, what: str) -> None:
        super().__init__(f"{path}: {what}")
        self.path = path
        self.what = what


def to_json(value: Any, path: str = "value") -> tuple[Any, list[str]]:
    """``value`` as plain JSON data (dict, list, str, finite float, int, bool, None), and
    the notes on parts recorded as their ``repr``; :class:`Unrecordable` when impossible."""
    notes: list[str] = []
    return _convert(value, path, notes, set(), 0), notes


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` that never writes ``NaN``/``Infinity`` and never raises on a value
    :func:`to_json` can convert; what it cannot is written as a placeholder string. For files
    evalkit writes, where losing a record or a manifest is worse than one odd value."""
    kwargs["allow_nan"] = False
    try:  # the usual case: already plain data, written as is
        return json.dumps(value, **kwargs)
    except (TypeError, ValueError):
        pass
    return json.dumps(_convert(value, "value", [], set(), 0, lenient=True), **kwargs)


def _convert(
    value: Any, path: str, notes: list[str], seen: set[int], depth: int, lenient: bool = False
) -> Any:
    if value is None or isinstance(value, (str, bool)):
        return str(value) if isinstance(value, str) and type(value) is not str else value
    if isinstance(value, int) and not isinstance(value, enum.Enum):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if _pandas_missing(value):
        return None
    if depth > MAX_DEPTH:
        return _refuse(path, f"nested deeper than {MAX_DEPTH} levels", lenient)
    item = _numpy_item(value)
    if item is not _NOTHING:
        return _convert(item, path, notes, seen, depth + 1, lenient)
    if isinstance(value, (Mapping, list, tuple, set, frozenset)) or dataclasses.is_dataclass(value):
        if id(value) in seen:
            return _refuse(path, "contains itself", lenient)
        seen.add(id(value))
        try:
            return _container(value, path, notes, seen, depth, lenient)
        finally:
            seen.discard(id(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return _decimal(value)
    if isinstance(value, enum.Enum):
        return _convert(value.value, path, notes, seen, depth + 1, lenient)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        shown = repr(raw[:_MAX_BYTES_SHOWN])
        return shown if len(raw) <= _MAX_BYTES_SHOWN else f"{shown}… ({len(raw)} bytes)"
    if isinstance(value, (os.PathLike, uuid.UUID)):
        return os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _convert(float(value), path, notes, seen, depth + 1, lenient)
    return _as_repr(value, path, notes, lenient)


def _container(
    value: Any, path: str, notes: list[str], seen: set[int], depth: int, lenient: bool
) -> Any:
    if isinstance(value, Mapping) or dataclasses.is_dataclass(value):
        items = (
            value.items()
            if isinstance(value, Mapping)
            else ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
        )
        pairs = list(items)
        taken = {k for k, _ in pairs if isinstance(k, str)}  # a string key keeps its name
        out: dict[str, Any] = {}
        for k, v in pairs:
            key = _key(k)
            if key in out or (key in taken and not isinstance(k, str)):
                key = _distinct(k, key, out, taken, path, notes)
            out[key] = _convert(v, f"{path}[{key!r}]", notes, seen, depth + 1, lenient)
        return out
    converted = [
        _convert(v, f"{path}[{i}]", notes, seen, depth + 1, lenient) for i, v in enumerate(value)
    ]
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(converted)
        except TypeError:  # mixed types: a stable order all the same
            return sorted(converted, key=lambda v: json.dumps(v, sort_keys=True))
    return converted


def _key(key: Any) -> str:
    """A mapping key as JSON writes it (``json.dumps`` turns ``1`` into ``"1"`` and ``True``
    into ``"true"``); keys it refuses (a tuple) become their ``str``."""
    item = _numpy_item(key)
    key = key if item is _NOTHING else item
    if isinstance(key, str):
        return str(key)
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    return str(key)


def _distinct(
    raw: Any, key: str, out: Mapping[str, Any], taken: set[str], path: str, notes: list[str]
) -> str:
    """A name for the key ``raw`` that JSON would write as ``key``, already the name of
    another key of the same mapping (``1`` beside ``"1"``): its type added, then a number,
    so that both values are kept; noted, so the scorer's author sees it."""
    new = f"{key} ({type(raw).__name__})"
    n = 2
    while new in out or new in taken:
        new = f"{key} ({type(raw).__name__} {n})"
        n += 1
    notes.append(
        f"{path}: key {raw!r} is written {key!r} in JSON, as another key of the same mapping "
        f"is; recorded as {new!r} so that neither value is lost; use keys that stay distinct "
        "as strings"
    )
    return new


def _pandas_missing(value: Any) -> bool:
    """Whether ``value`` is pandas' ``NaT`` or ``NA`` (by type name, so that pandas need not
    be imported): unknown values, written as ``null`` like NaN."""
    kind = type(value)
    return kind.__name__ in ("NaTType", "NAType") and (kind.__module__ or "").startswith("pandas")


def _decimal(value: decimal.Decimal) -> float | str | None:
    if not value.is_finite():
        return None
    as_float = float(value)
    if math.isfinite(as_float) and decimal.Decimal(repr(as_float)) == value:
        return as_float
    return str(value)  # a float would change it: its digits, exactly


_NOTHING = object()


def _numpy_item(value: Any) -> Any:
    """A numpy scalar's Python value, a numpy array's (or pandas series') list; else
    ``_NOTHING``. By duck type, so that numpy need not be imported."""
    module = type(value).__module__ or ""
    if not module.startswith(("numpy", "pandas")):
        return _NOTHING
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and getattr(value, "ndim", 0) != 0:
        return tolist()
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (TypeError, ValueError):
            return _NOTHING
    return _NOTHING


def _as_repr(value: Any, path: str, notes: list[str], lenient: bool) -> Any:
    kind = type(value).__name__
    try:
        text = repr(value)
    except Exception as exc:
        return _refuse(path, f"{kind} has no JSON form and its repr() raised {exc!r}", lenient)
    if len(text) > _MAX_REPR:
        text = text[: _MAX_REPR - 1] + "…"
    notes.append(
        f"{path}: {kind} is not JSON, recorded as its repr; convert it in the scorer "
        "(str(), int(), float(), a list or a dict)"
    )
    return text


def _refuse(path: str, what: str, lenient: bool) -> Any:
    if lenient:
        return f"<not recorded: {what}>"
    raise Unrecordable(path, what)


def details_to_json(details: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A scorer's ``details`` as :func:`to_json` makes them, with ``details["metrics"]`` held
    to what it is averaged as: ``{name: number}``.

    Each metric value is a JSON number or ``null``: an int stays an int, and every other real
    number (``Decimal``, ``Fraction``, numpy's) becomes the nearest float, always. A
    ``Decimal`` was a float only when that float read back as the same number, else its
    digits as a string, so one key was a number on some cases and a string on others, and the
    run's mean left the strings out: ``recall`` read 1.0 where the cases averaged 0.833
    (QA16 F8). The rounding is a double's: ``Decimal(1) / 3`` is written ``0.3333333333333333``
    (about 16 significant digits), the precision every aggregate has anyway. NaN, ±Infinity
    and ``None`` are ``null``: no value for this case, as everywhere. Anything else (a
    string, a bool, a list; or ``metrics`` that is not a mapping) is :class:`Unrecordable`,
    which scoring makes a scorer error on the case naming the key, so that it is counted
    and seen, not averaged as missing. Elsewhere in ``details`` a ``Decimal`` keeps
    :func:`to_json`'s rule (its exact digits when a float would change it)."""
    plain, notes = to_json(details, "details")
    if "metrics" in details:
        plain["metrics"] = _metrics(details["metrics"])
    return plain, notes


def numeric_metrics(details: Mapping[str, Any]) -> bool:
    """Whether ``details["metrics"]``, when present, is already written as
    :func:`details_to_json` would write it (a dict of str -> int, finite float or ``None``):
    the check that lets already-plain details skip the conversion."""
    metrics = details.get("metrics")
    if "metrics" not in details:
        return True
    if type(metrics) is not dict:
        return False
    return all(
        type(k) is str and (v is None or type(v) is int or (type(v) is float and math.isfinite(v)))
        for k, v in metrics.items()
    )


def _metrics(metrics: Any) -> dict[str, Any]:
    if not isinstance(metrics, Mapping):
        raise Unrecordable(
            "details['metrics']",
            f"is a {type(metrics).__name__}, not a mapping of metric name -> number; give "
            "{name: number}",
        )
    out: dict[str, Any] = {}
    for k, v in metrics.items():
        out[_key(k)] = _metric(v, f"details['metrics'][{_key(k)!r}]")
    return out


def _metric(value: Any, path: str) -> int | float | None:
    item = _numpy_item(value)
    value = value if item is _NOTHING else item
    if value is None or _pandas_missing(value):
        return None
    if isinstance(value, dt.timedelta):  # seconds, as to_json writes it
        value = value.total_seconds()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if isinstance(value, numbers.Integral):
            return int(value)
        number = float(value)  # Decimal and Fraction round to the nearest double
        return number if math.isfinite(number) else None
    if isinstance(value, decimal.Decimal):  # not registered as numbers.Real
        number = float(value)
        return number if math.isfinite(number) else None
    try:
        shown = repr(value)
    except Exception:
        shown = "?"
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    raise Unrecordable(
        path,
        f"is a {type(value).__name__} ({shown}), not a number; metrics are averaged over the "
        "run as numbers, and this one would be left out of the mean without a word: give a "
        "number (float(...), 1.0/0.0 for a flag), or put it elsewhere in details",
    )


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file under this process's umask. Read once,
    at import (``os.umask`` can only be read by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _file_mode()


def write_text_atomic(path: Path, text: str) -> None:
    """Write text through a temporary file and a rename, so a reader (a browser, a CI artifact
    upload, another process) never sees half a file. The file gets the mode ``open()`` would
    give it: ``mkstemp`` creates 0600, which left manifests and reports unreadable to the
    rest of a team sharing the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """:func:`write_text_atomic` of indented JSON (:func:`dumps`: NaN is
    written as ``null``, a value JSON has no form for never loses the file)."""
    write_text_atomic(path, dumps(data, indent=2, ensure_ascii=False) + "\n")
