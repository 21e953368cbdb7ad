"""Untrusted text shown, not obeyed: in a terminal, a CI log, a Markdown summary and the report.

A model's output, a case id or a provider's error body reaches the terminal summary, the run
summary, error messages and pytest's failure reports. An ANSI escape sequence in it
(``\\x1b[2K\\x1b[1A`` erases the line above; ``\\x1b]8;;`` makes a link) or a carriage return
could overwrite "verdict: FAIL" with "verdict: PASS" in a reviewer's terminal, and a bidi
override (U+202E) or isolate could reorder a line: "Ignore the refund policy" added to a system
prompt can be made to read backwards, or as some other sentence. Invisible characters (a
zero-width space, a word joiner, Unicode tag characters that smuggle ASCII) make "z\u200bz"
read as "zz". Every such character is replaced by its escape (``\\x1b``, ``\\u202E``,
``\\U000E0041``): the reviewer sees that something is there and what it is.

This module is the one definition of "such a character", for every place: :func:`inert` for
terminals and Markdown, :func:`split` for the HTML report (which marks each escape up,
:mod:`evalkit.report.bidi`), and :data:`PAGE_PATTERN` for the report's script, which compiles
the very same pattern. Tabs and newlines stay everywhere: they only move text. A carriage
return stays on the page (a browser reads it as a line break; it cannot overwrite anything).

A few of these characters are kept where text needs them and where they cannot reorder or
hide anything; anywhere else ("ad\u200dmin", "z\u200bz") they are escaped like the rest:

- a zero-width joiner inside an emoji sequence (👩‍💻) and the tag characters of a subdivision
  flag (🏴 + tags + cancel tag);
- a zero-width (non-)joiner between two letters of a script that joins (Arabic, Persian, the
  Indic scripts): "می\u200cخواهم";
- a zero-width space between two letters of Thai, Lao, Myanmar or Khmer, which write words
  without spaces and mark the boundaries with it: "ภาษา\u200bไทย";
- a soft hyphen between two letters of a European alphabet (Latin, Greek, Cyrillic,
  Armenian): "Versicherungs\u00adbedingungen";
- a right-to-left mark (RLM) or Arabic letter mark (ALM) whose nearest letters on both sides,
  across only spaces, digits, punctuation, symbols and combining marks in the same line, are
  right-to-left letters: "הוא \u200f₪100\u200f כולל". There the text already reads right to
  left on both sides, so the mark orders nothing that its neighbours did not (a number's
  currency sign at most); next to a left-to-right letter, the same mark can make two Latin
  words swap places. A left-to-right mark (LRM) is always escaped: its use is between Latin
  text and right-to-left text, and there it can make two right-to-left words swap places
  ("אבג\u200e - דהו" in a left-to-right line reads דהו first).

Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are escaped everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

__all__ = ["BIDI_CONTROLS", "INVISIBLE_CLASS", "PAGE_PATTERN", "escape_char", "inert", "split"]

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""ALM, LRM, RLM, the embeddings and overrides (LRE RLE PDF LRO RLO), the isolates (LRI RLI
FSI PDI): every invisible character that changes how the text around it is ordered."""

_C0_C1 = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F))
"""C0 and C1 controls but tab, newline and carriage return (ANSI escapes start with 0x1B)."""
_CR = ((0x0D, 0x0D),)
_INVISIBLE = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # arabic letter mark
    (0x115F, 0x1160),  # hangul fillers
    (0x17B4, 0x17B5),  # khmer inherent vowels
    (0x180E, 0x180E),  # mongolian vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; LRM, RLM
    (0x202A, 0x202E),  # embeddings, overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, isolates, deprecated format
    (0x3164, 0x3164),  # hangul filler
    (0xFEFF, 0xFEFF),  # zero-width no-break space (BOM)
    (0xFFA0, 0xFFA0),  # halfwidth hangul filler
    (0xFFF9, 0xFFFB),  # interlinear annotation
    (0x1D173, 0x1D17A),  # musical formatting
    (0xE0000, 0xE007F),  # tag characters
)
_PICTOGRAPHIC = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21AA),
    (0x231A, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25AA, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1FAFF),
)
"""Emoji that may be joined by U+200D (an approximation of Extended_Pictographic)."""
_JOINING = (
    (0x0600, 0x061B),  # arabic (without ALM, U+061C)
    (0x061D, 0x08FF),  # arabic, syriac, thaana, nko, samaritan, mandaic, arabic extended
    (0x0900, 0x0DFF),  # devanagari … sinhala
    (0x0F00, 0x0FFF),  # tibetan
    (0x1000, 0x109F),  # myanmar
    (0x1780, 0x17B3),  # khmer (without its inherent vowels)
    (0x17B6, 0x17FF),
    (0xFB50, 0xFDFF),  # arabic presentation forms
    (0xFE70, 0xFEFE),
)
"""Scripts whose letters a zero-width (non-)joiner legitimately sits between."""


def _where(
    blocks: Iterable[tuple[int, int]], keep: Callable[[str], bool]
) -> tuple[tuple[int, int], ...]:
    """The characters of ``blocks`` that ``keep`` accepts, as ranges, never a character that
    this module escapes: one pattern, compiled by Python and by the page, from this Python's
    Unicode tables (a character Python does not know yet is left out, which only escapes)."""
    out: list[tuple[int, int]] = []
    for lo, hi in blocks:
        for code in range(lo, hi + 1):
            if not keep(chr(code)) or _inside(_C0_C1 + _CR + _INVISIBLE, code):
                continue
            if out and out[-1][1] == code - 1:
                out[-1] = (out[-1][0], code)
            else:
                out.append((code, code))
    return tuple(out)


def _inside(ranges: Iterable[tuple[int, int]], code: int) -> bool:
    return any(a <= code <= b for a, b in ranges)


def _letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


_NO_SPACES = _where(
    ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x19E0, 0x19FF), (0xA9E0, 0xA9FF),
     (0xAA60, 0xAA7F)),
    _letter,
)  # fmt: skip
"""Letters and marks of Thai, Lao, Myanmar and Khmer: a zero-width space between two of them
is a word boundary."""
_HYPHENATED = _where(((0x0041, 0x058F), (0x1E00, 0x1FFF)), _letter)
"""Letters and marks of the Latin, Greek, Cyrillic and Armenian blocks: a soft hyphen between
two of them is a hyphenation point."""
_RTL_BLOCKS = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF), (0x10800, 0x10FFF),
               (0x1E800, 0x1EFFF))  # fmt: skip
_RTL = _where(
    _RTL_BLOCKS,
    lambda ch: unicodedata.bidirectional(ch) in ("R", "AL") and unicodedata.category(ch) != "Cf",
)
"""Right-to-left letters (bidi class R or AL) of the Hebrew, Arabic, Syriac, Thaana, NKo and
other right-to-left blocks."""
_NEUTRAL = _where(
    ((0x0020, 0x00FF), (0x0300, 0x036F), *_RTL_BLOCKS, (0x2000, 0x206F), (0x20A0, 0x20CF)),
    lambda ch: (
        unicodedata.bidirectional(ch) in ("WS", "CS", "ES", "ET", "EN", "AN", "ON", "NSM")
        and unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
        and not _inside(_PICTOGRAPHIC, ord(ch))
    ),
)
"""What may stand between a right-to-left mark and its right-to-left letters: spaces, digits,
punctuation, symbols, combining marks (no letter, no line break, no control, no emoji)."""


def _class(ranges: Iterable[tuple[int, int]]) -> str:
    # Literal characters, not escapes: Python's re and JavaScript's RegExp (flag "u") read the
    # same source, so the page compiles this pattern as it is. The few characters that mean
    # something inside a class are escaped the one way both read alike.
    def lit(code: int) -> str:
        return ("\\" if chr(code) in "\\[]^-" else "") + chr(code)

    return "[" + "".join(lit(a) if a == b else f"{lit(a)}-{lit(b)}" for a, b in ranges) + "]"


def _pattern(controls: tuple[tuple[int, int], ...]) -> str:
    emoji = _class(_PICTOGRAPHIC) + "[\ufe0f\U0001f3fb-\U0001f3ff]*"
    rtl, neutral = _class(_RTL), _class(_NEUTRAL)
    keep = (
        f"{emoji}(?:\u200d{emoji})+",
        "\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f",
        f"{_class(_JOINING)}[\u200c\u200d]+(?={_class(_JOINING)})",
        f"{_class(_NO_SPACES)}\u200b+(?={_class(_NO_SPACES)})",
        f"{_class(_HYPHENATED)}\u00ad+(?={_class(_HYPHENATED)})",
        f"{rtl}(?:{neutral}*[\u200f\u061c])+(?={neutral}*{rtl})",
    )
    return f"({'|'.join(keep)})|({_class(controls)})"


_TERMINAL = re.compile(_pattern(_C0_C1 + _CR + _INVISIBLE))
PAGE_PATTERN = _pattern(_C0_C1 + _INVISIBLE)
"""The report's pattern (group 1: kept as it is, group 2: one character to show escaped);
``templates/report.js`` compiles this same source with ``new RegExp(source, "gu")``."""
_PAGE = re.compile(PAGE_PATTERN)
INVISIBLE_CLASS = _class(_C0_C1 + _INVISIBLE)
"""Every character the page escapes somewhere, kept or not (a regular expression class): the
report's search ignores them all, so "ภาษาไทย" finds "ภาษา\u200bไทย" and "case-01" finds
"case-\u202e01"."""


def escape_char(ch: str) -> str:
    """``\\x1b`` below U+0100, ``\\u202E`` in the BMP, ``\\U000E0041`` above it."""
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def inert(text: str) -> str:
    """``text`` with every C0/C1 control but tab and newline, every bidi control and every
    invisible character as its escape (``\\x1b``, ``\\r``-as-``\\x0d``, ``\\u202E``)."""
    return _TERMINAL.sub(lambda m: m.group(1) or escape_char(m.group(2)), text)


def split(text: str) -> list[str]:
    """``text`` cut for the report: even items are text to show as it is, odd items one
    character each, to show as its escape (a carriage return counts as text here)."""
    out: list[str] = []
    start = 0
    for m in _PAGE.finditer(text):
        if m.group(2) is None:
            continue
        out += [text[start : m.start()], m.group(2)]
        start = m.end()
    out.append(text[start:])
    return out
