"""Where each entry of a TOML array that spans lines starts, for ``evalkit validate``.

Why: ``scorers = [`` followed by one entry a line is how configs are written, and a problem
in ``scorers[2]`` located at the array's first line sent the reader to the wrong entry.
:mod:`tomllib` (and ``tomli`` on Python 3.10) keeps no positions, so the positions come from
this small scanner of one TOML value: it knows strings (basic, literal and their multi-line
forms, with escapes), comments and bracket nesting, which is all it takes to tell where an
entry starts and where the value ends. It checks nothing else: the file has already been
parsed, and a value it cannot follow to its end (text that is no TOML) gives ``None``, so
the caller keeps the line it had rather than print a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Extent", "value_extent"]

_OPEN = {"[": "]", "{": "}"}
_CLOSE = frozenset("]}")


@dataclass(frozen=True)
class Extent:
    """A value that starts with ``[`` or ``{``: where its entries start and where it ends."""

    items: tuple[int, ...]
    """The line (1-based) on which each entry of an array starts, in order; empty for an
    inline table."""
    end: int
    """The line (1-based) of the closing bracket."""


def value_extent(lines: Sequence[str], row: int, col: int) -> Extent | None:
    """The extent of the array or inline table opening at ``lines[row][col]`` (0-based), or
    ``None`` when nothing opens there or it never closes."""
    if row >= len(lines) or col >= len(lines[row]) or lines[row][col] not in _OPEN:
        return None
    array = lines[row][col] == "["
    stack: list[str] = []
    items: list[int] = []
    expecting = False  # inside the outer array, where the next entry may start
    r, c = row, col
    while r < len(lines):
        line = lines[r]
        while c < len(line):
            ch = line[c]
            if ch in " \t\r":
                c += 1
                continue
            if ch == "#":
                break  # a comment runs to the end of the line
            if expecting and ch not in ",]":
                items.append(r + 1)
                expecting = False
            if ch in _OPEN:
                stack.append(_OPEN[ch])
                expecting = array and len(stack) == 1 and ch == "["
                c += 1
            elif ch in _CLOSE:
                if not stack or stack.pop() != ch:
                    return None
                if not stack:
                    return Extent(tuple(items), r + 1)
                c += 1
            elif ch == "," and array and len(stack) == 1:
                expecting = True
                c += 1
            elif ch in "\"'":
                end = _string_end(lines, r, c)
                if end is None:
                    return None
                r, c = end
                line = lines[r]
            else:
                c += 1
        r, c = r + 1, 0
    return None


def _string_end(lines: Sequence[str], row: int, col: int) -> tuple[int, int] | None:
    """The position just after the string opening at ``lines[row][col]``; ``None`` when it
    is not closed (on its line, for a one-line string)."""
    line = lines[row]
    quote = line[col]
    if line.startswith(quote * 3, col):
        return _multiline_end(lines, row, col + 3, quote)
    c = col + 1
    while c < len(line):
        if line[c] == "\\" and quote == '"':
            c += 2  # an escape: \" does not close
            continue
        if line[c] == quote:
            return row, c + 1
        c += 1
    return None


def _multiline_end(lines: Sequence[str], row: int, col: int, quote: str) -> tuple[int, int] | None:
    """After a ``\"\"\"`` or ``'''`` string that starts at ``lines[row][col]``: its closing
    delimiter may be followed by up to two more quotes that belong to the string."""
    r, c = row, col
    while r < len(lines):
        line = lines[r]
        while c < len(line):
            if line[c] == "\\" and quote == '"':
                c += 2
                continue
            if line.startswith(quote * 3, c):
                c += 3
                extra = 0
                while extra < 2 and c < len(line) and line[c] == quote:
                    c, extra = c + 1, extra + 1
                return r, c
            c += 1
        r, c = r + 1, 0
    return None
