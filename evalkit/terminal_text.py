"""Untrusted text printed to a terminal or a CI log: control characters shown, not obeyed.

A model's output, a case id or a provider's error body reaches the terminal summary, the run
summary, error messages and pytest's failure reports. An ANSI escape sequence in it
(``\\x1b[2K\\x1b[1A`` erases the line above; ``\\x1b]8;;`` makes a link) or a carriage return
could overwrite "verdict: FAIL" with "verdict: PASS" in a reviewer's terminal, and a bidi
override could reorder a line. Every such character is replaced by its escape, as the HTML
report does for bidi controls (:mod:`evalkit.report.bidi`). Tabs and newlines stay: they
only move text, and the summaries fold them where one line is wanted.
"""

from __future__ import annotations

import re

__all__ = ["inert"]

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVISIBLE = "\u200b\u2060\ufeff"
"""Zero-width space, word joiner and BOM: text that prints as nothing (the zero-width
(non-)joiners stay: emoji sequences and Indic and Persian scripts need them),
so "z\u200bz" read as "zz" in an error about the very id that holds it."""
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}{_INVISIBLE}]")


def inert(text: str) -> str:
    """``text`` with every C0/C1 control but tab and newline, every bidi control and every
    zero-width character, as its escape (``\\x1b``, ``\\r``-as-``\\x0d``, ``\\u202E``)."""
    return _CONTROL.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04X}"
