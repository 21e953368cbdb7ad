"""Bidi and invisible controls in untrusted text: shown as marked escapes on the page, never obeyed.

A right-to-left override (U+202E) in a model name, a case id, a tool call or a system prompt
reorders the text after it as displayed: "baseline A → candidate B · 0.91 → 0.62" can be made
to read as an improvement, an added instruction in a prompt diff as gibberish or as another
sentence, and a tool argument "\u202e0001 DSU" as "USD 1000". Isolating the value (``<bdi>``)
keeps the text around it in order but still obeys the control inside it. So every control
(what :mod:`evalkit.terminal_text` defines: bidi embeddings, overrides, isolates and marks,
zero-width and other invisible characters, C0/C1 controls) is replaced by its escape
(``\\u202E``) everywhere the page shows data:

- in markup, :func:`marked` wraps the value in a ``<bdi>`` and each escape in a
  ``<span class="bidi">``, styled as an escape, so it cannot pass for text the data holds;
- in plain-text places that cannot hold markup (the document ``<title>``, ``<option>``
  labels, SVG text and tooltips), :func:`shown` writes the escape as text;
- the page script does the same for what it inserts, compiling the same pattern
  (:data:`evalkit.terminal_text.PAGE_PATTERN`, embedded in the page).

The view model therefore carries data as it is; rendering shows it.
"""

from __future__ import annotations

import json

from markupsafe import Markup, escape

from evalkit.terminal_text import BIDI_CONTROLS, INVISIBLE_CLASS, PAGE_PATTERN, escape_char, split

__all__ = [
    "BIDI_CONTROLS",
    "ESCAPE_TITLE",
    "has_controls",
    "invisible_json",
    "marked",
    "pattern_json",
    "shown",
]

ESCAPE_TITLE = "an invisible or bidirectional control character, shown instead of obeyed"
"""The tooltip of every marked escape (the page script uses the same words)."""


def shown(text: str) -> str:
    """``text`` with every control replaced by its escape, e.g. ``\\u202E`` (plain text)."""
    parts = split(text)
    return "".join(escape_char(p) if i % 2 else p for i, p in enumerate(parts))


def has_controls(text: str) -> bool:
    """``text`` holds a character the page shows as an escape."""
    return len(split(text)) > 1


def marked(text: object) -> Markup:
    """``text`` (any value, as ``str``) HTML-escaped in its own ``<bdi>``, each control as a
    marked escape: the template's ``data`` filter."""
    parts = split("" if text is None else str(text))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f'<span class="bidi" title="{ESCAPE_TITLE}">{escape_char(part)}</span>')
        elif part:
            out.append(str(escape(part)))
    return Markup("<bdi>" + "".join(out) + "</bdi>")


def pattern_json() -> str:
    """:data:`~evalkit.terminal_text.PAGE_PATTERN` as a JSON string for the page script, ASCII
    only (``\\u`` escapes): the pattern is made of control characters, which the HTML parser
    might otherwise rewrite; ``JSON.parse`` reads them back as they are."""
    return json.dumps(PAGE_PATTERN, ensure_ascii=True)


def invisible_json() -> str:
    """:data:`~evalkit.terminal_text.INVISIBLE_CLASS` as a JSON string (like
    :func:`pattern_json`): what the page's search ignores."""
    return json.dumps(INVISIBLE_CLASS, ensure_ascii=True)
