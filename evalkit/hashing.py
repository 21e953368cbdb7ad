"""One canonical JSON encoding and one hash, for dataset versions, fingerprints and cache keys.

Keys are sorted, separators fixed, floats written by ``repr`` and non-ASCII kept as is, so the
same value hashes the same on every machine and Python version. Never hash ``str(dict)``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from typing import Any

__all__ = ["callable_identity", "canonical_json", "sha256_bytes", "sha256_json", "sha256_text"]


def canonical_json(value: Any) -> str:
    """Serialise ``value`` deterministically (sorted keys, compact, UTF-8)."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_default,
    )


def _default(value: Any) -> Any:
    if isinstance(value, (tuple, set, frozenset)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"cannot hash a value of type {type(value).__name__}: {value!r}")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_json(value: Any) -> str:
    """The hex sha256 of :func:`canonical_json` of ``value``."""
    return sha256_text(canonical_json(value))


def callable_identity(fn: Any) -> dict[str, Any]:
    """What a Python function (or callable object) is, as hashable JSON: ``{"callable":
    "module:qualname", "source_sha256": ...}``.

    Used where a function stands in a candidate's settings (the ``callable`` provider's
    ``target`` given as a function in Python): the name says which function, the hash of its
    source says which version, so an edited function changes the fingerprint. The source
    hash is ``None`` when Python cannot find the source (a function built with ``exec``, a
    builtin); then only the name identifies it. A ``functools.partial`` is its function's
    identity plus its bound arguments; a callable object is its class's.
    """
    import functools

    if isinstance(fn, functools.partial):
        out = callable_identity(fn.func)
        out["partial"] = {"args": list(fn.args), "keywords": dict(fn.keywords)}
        try:
            canonical_json(out["partial"])
        except (TypeError, ValueError):
            out["partial"] = repr(fn.args) + repr(sorted(fn.keywords))
        return out
    obj = fn if inspect.isfunction(fn) or inspect.ismethod(fn) or inspect.isclass(fn) else None
    named = obj if obj is not None else type(fn)
    module = getattr(named, "__module__", None) or "?"
    qualname = getattr(named, "__qualname__", None) or getattr(named, "__name__", "?")
    code = getattr(named, "__code__", None)
    source: str | None = None
    # A function made by exec or eval has a pseudo file name ("<string>"): whatever linecache
    # holds under that name is some other code's (Python 3.13 registers its own), not its.
    if code is None or not code.co_filename.startswith("<"):
        try:
            source = inspect.getsource(named)
        except (OSError, TypeError):
            source = None
    return {
        "callable": f"{module}:{qualname}",
        "source_sha256": sha256_text(source) if source is not None else None,
    }
