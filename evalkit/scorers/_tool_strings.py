"""How two string arguments of a tool call are compared when the schema gives no ``enum``.

A reviewer reads ``"2024-01-05"`` and ``"2024/01/05"``, ``"New York, NY"`` and ``"new york ny"``
as the same argument, so exact equality is too strict. The Berkeley Function Calling Leaderboard
(BFCL) gets that leniency by deleting whitespace and ``, . / - _ * ^`` before comparing, which
also deletes what carries the value: ``"-500"`` becomes ``"500"``, ``"10.50"`` becomes
``"1050"``, and ``"11/2/2024"`` and ``"1/12/2024"`` both become ``"1122024"`` (QA14 F1). An agent
that refunds -500 instead of 500 must not pass.

:func:`string_groups` therefore splits a string into the sequence of its groups and compares
those. A separator (whitespace or one of BFCL's ``, . / - _ * ^``) ends a group but is itself not
compared, so which separator was used does not matter while where it stood does: ``"11/2/2024"``
is ``("11", "2", "2024")`` and ``"1/12/2024"`` is ``("1", "12", "2024")``. What can change the
value is kept inside the group it belongs to:

- a sign: ``-`` or ``+`` right before a digit and not right after a letter or digit
  (``"-500"`` is ``("-500",)``; in ``"ACC-1"`` or ``"2024-01"`` the hyphen separates);
- a decimal point: one ``.`` between digits (``"10.50"``); a chain of three or more dotted digit
  groups (``"05.01.2024"``, ``"1.2.3"``) is a date or version, so its dots separate;
- thousands separators are dropped where the grouping is well formed (``"1,000,000"`` is
  ``"1000000"``: first group of one to three digits, every later group exactly three);
- any other punctuation (``:``, ``(``, ``+``, ``%``, ``"``) is a group of its own, so
  ``"3:00"`` is not ``"300"`` and ``"x+1"`` is not ``"x-1"``.

Single letters joined by dots are one abbreviation (``"U.S.A."`` is ``("usa",)``, as is
``"USA"``). A change from letters to digits also ends a group (``"ACC12"`` is ``("acc", "12")``, as is
``"ACC-12"``): it moves no character from one group to another, so it cannot make two different
values equal the way deleting a separator between digit groups does.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["SEPARATORS", "fold", "normalize_string", "string_groups"]

SEPARATORS = frozenset(",./-_*^")
"""BFCL's punctuation set; with whitespace, what may separate two groups."""

_BFCL_NOISE = re.compile(r"[\s,./\-_*^]")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d|,\d)")
_DIGITS = re.compile(r"\d+(?:\.\d+)*")
_DECIMAL = re.compile(r"\.\d+(?!\.\d)")
_ABBREVIATION = re.compile(r"[^\W\d_](?:\.[^\W\d_])+(?![^\W\d_])")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "'": '"'})


def fold(text: str) -> str:
    """NFKC, then ``casefold``; typographic minus and dashes read as ``-``, ``'`` as ``"``.

    NFKC because the same visible text arrives in several encodings (an eval set written on
    macOS often holds decomposed "u + combining diaeresis" where the model emits the precomposed
    "ü"; full-width "Ｏｓｌｏ" is "Oslo"), ``casefold`` rather than ``lower`` so "Straße"
    equals "STRASSE".
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_MINUS_SIGNS)


def normalize_string(text: str) -> str:
    """BFCL's normalisation: :func:`fold`, then delete whitespace and ``, . / - _ * ^``.

    Used only with ``bfcl_compat``; it equates ``"-500"`` with ``"500"`` (see the module
    docstring), which evalkit's default :func:`string_groups` does not.
    """
    return _BFCL_NOISE.sub("", fold(text))


def _is_word(ch: str) -> bool:
    """A letter (or a combining mark, which belongs to the letter before it)."""
    return (ch.isalnum() and not ch.isdecimal()) or unicodedata.category(ch).startswith("M")


def _number(text: str, i: int) -> tuple[list[str], int]:
    """The group(s) of the number starting at ``text[i]`` (a digit) and the index after it."""
    grouped = _THOUSANDS.match(text, i)
    if grouped is not None:
        end = grouped.end()
        digits = grouped.group().replace(",", "")
        decimal = _DECIMAL.match(text, end)
        if decimal is not None:
            return [digits + decimal.group()], decimal.end()
        return [digits], end
    run = _DIGITS.match(text, i)
    assert run is not None  # text[i] is a digit
    if run.group().count(".") <= 1:
        return [run.group()], run.end()  # a decimal point between digits belongs to the number
    return run.group().split("."), run.end()  # a dotted chain (date, version): dots separate


def string_groups(text: str) -> tuple[str, ...]:
    """The groups of ``text`` that decide whether two strings are the same argument.

    See the module docstring for the rules; ``string_groups(a) == string_groups(b)`` is the
    comparison.
    """
    folded = fold(text)
    groups: list[str] = []
    i, n = 0, len(folded)
    while i < n:
        ch = folded[i]
        prev = folded[i - 1] if i else ""
        after_value = prev.isalnum()
        if ch in "+-" and not after_value and i + 1 < n and folded[i + 1].isdecimal():
            numbers, i = _number(folded, i + 1)
            groups.extend([ch + numbers[0], *numbers[1:]])
        elif ch == "." and not after_value and i + 1 < n and folded[i + 1].isdecimal():
            run = re.match(r"\d+", folded[i + 1 :])
            assert run is not None
            groups.append("." + run.group())
            i += 1 + run.end()
        elif ch.isdecimal():
            numbers, i = _number(folded, i)
            groups.extend(numbers)
        elif (abbreviation := _ABBREVIATION.match(folded, i)) is not None:
            groups.append(abbreviation.group().replace(".", ""))
            i = abbreviation.end()
        elif _is_word(ch):
            start = i
            while i < n and _is_word(folded[i]):
                i += 1
            groups.append(folded[start:i])
        elif ch.isspace() or ch in SEPARATORS:
            i += 1
        else:
            groups.append(ch)
            i += 1
    return tuple(groups)
