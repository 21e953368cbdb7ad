"""Which view a scorer's ``details`` get in the case detail: a dedicated one, recognised by
the details' shape, or the generic key/value view.

Shape, not name: a suite may rename ``tool_calls`` (``as = "tools_strict"``) or use
``groundedness`` twice, and a user scorer that writes the documented shape (``claims`` with
``supported``, ``calls`` as expected/made pairs) gets the same view as the built-in. Every
other scorer's details, a user scorer's ``{"word": "days", "hit": false}`` for one, are shown
as keys and values, so the evidence a scorer recorded is never silently dropped.

Size: details are untrusted and unbounded (a scorer may store a whole document), and a
report may carry 10,000 cases. A value is cut to :data:`MAX_VALUE` characters (its full
length is kept, so the page says how much was cut), nested values are compact JSON, and all
generic details of one side of a case share :data:`MAX_DETAILS` characters; the keys past the
budget are counted, not carried. Values are single values the page isolates (with their bidi
controls shown), so they are kept exact here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MAX_DETAILS",
    "MAX_KEY",
    "MAX_VALUE",
    "REFUSAL_VERDICTS",
    "generic_details",
    "has_view",
    "is_checks",
    "is_claims",
    "is_refusal",
    "is_tool_verdicts",
]

MAX_VALUE = 200
"""Characters kept of one value of the generic view (a string, or a nested value's JSON)."""
MAX_KEY = 80
"""Characters kept of one key of the generic view."""
MAX_DETAILS = 2_000
"""Characters of generic details kept per side of a case, over all its scorers."""
REFUSAL_VERDICTS = frozenset({"compliance", "partial_refusal", "full_refusal"})
"""The ``details["verdict"]`` values of the refusal shape (the ``refusal`` scorer's)."""


def _records(value: Any, key: str) -> bool:
    """``value`` is a list of mappings that each have ``key`` (an empty list counts: a
    built-in that found nothing to list still wrote its shape)."""
    return isinstance(value, (list, tuple)) and all(
        isinstance(v, Mapping) and key in v for v in value
    )


def is_claims(details: Mapping[str, Any]) -> bool:
    """Groundedness's shape: ``claims``, each with ``supported``."""
    return "claims" in details and _records(details["claims"], "supported")


def is_checks(details: Mapping[str, Any]) -> bool:
    """The checks scorer's shape: ``checks``, each with a ``name``."""
    return "checks" in details and _records(details["checks"], "name")


def is_tool_verdicts(details: Mapping[str, Any]) -> bool:
    """The tool_calls scorer's shape: ``calls`` as expected/made pairs with a verdict, or its
    ``schema_problems`` beside ``hallucinated_tools`` when the case expected no calls."""
    calls = details.get("calls")
    if calls is not None:
        return (
            _records(calls, "ok")
            and all("expected" in c and "call" in c for c in calls)
            and isinstance(details.get("schema_problems", []), (list, tuple))
        )
    return isinstance(details.get("schema_problems"), (list, tuple)) and (
        "hallucinated_tools" in details
    )


def is_refusal(details: Mapping[str, Any]) -> bool:
    """The refusal scorer's shape: a ``verdict`` among :data:`REFUSAL_VERDICTS`."""
    return details.get("verdict") in REFUSAL_VERDICTS


def has_view(details: Mapping[str, Any]) -> bool:
    """Some dedicated view shows these details."""
    return (
        is_claims(details)
        or is_checks(details)
        or is_tool_verdicts(details)
        or (is_refusal(details))
    )


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):  # a circular value (a scorer in this process): its repr
        return repr(value)


def generic_details(scorers: Mapping[str, Any], budget: int = MAX_DETAILS) -> list[dict[str, Any]]:
    """The generic view of the details of every scorer (name → details) no dedicated view
    recognises: ``[{"s": scorer, "kv": [[key, value] | [key, value, full length]], "cut":
    keys not shown}]``, ``cut`` only when the case's budget ran out. A value longer than
    :data:`MAX_VALUE` carries its full length as the third item, so the page can say "cut".
    """
    out: list[dict[str, Any]] = []
    left = budget
    for name, details in scorers.items():
        if not isinstance(details, Mapping) or not details or has_view(details):
            continue
        kv: list[list[Any]] = []
        items = list(details.items())
        for key, value in items:
            k = str(key)[:MAX_KEY]
            text = _text(value)
            shown_text = text[:MAX_VALUE]
            cost = len(k) + len(shown_text)
            if cost > left:
                left = 0
                break
            left -= cost
            kv.append([k, shown_text] if len(text) <= MAX_VALUE else [k, shown_text, len(text)])
        view: dict[str, Any] = {"s": name, "kv": kv}
        if len(kv) < len(items):
            view["cut"] = len(items) - len(kv)
        out.append(view)
    return out
