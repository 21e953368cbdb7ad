"""Bidirectional-text controls in untrusted text: shown, not obeyed, where they cannot be isolated.

A right-to-left override (U+202E) or isolate in a model name, a case id or an output reorders
the rest of its line as displayed: "baseline A → candidate B · 0.91 → 0.62" can be made to
read as an improvement. In HTML the page isolates every piece of data instead (``<bdi>`` in
the template and the page script, ``unicode-bidi`` in the CSS), which keeps the text exact.
Plain-text places cannot hold an isolating element: the document ``<title>``, ``<option>``
labels, SVG text and tooltips, and sentences the report composes around data (gate reasons,
notes, tool-call summaries). There each control is replaced by its visible escape
(``\\u202E``), so a reviewer sees that the text carries one. The free text a reviewer reads
inside a case (its input, each output, a claim) is isolated too, but an override there still
reversed the rest of that text ("txt.exe" read "exe.txt"), so the page script shows its
embeddings, overrides and isolates as escapes as well (LRM, RLM and ALM, marks that
right-to-left text carries, are left alone).
"""

from __future__ import annotations

import re

__all__ = ["BIDI_CONTROLS", "shown"]

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""ALM, LRM, RLM, the embeddings and overrides (LRE RLE PDF LRO RLO), the isolates (LRI RLI
FSI PDI): every invisible character that changes how the text around it is ordered."""

_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")


def shown(text: str) -> str:
    """``text`` with every bidi control replaced by its escape, e.g. ``\\u202E``."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04X}", text)
