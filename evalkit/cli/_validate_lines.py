"""Line numbers for problems located in a config file, for ``evalkit validate``.

Config problems name their table and key (``evalkit.toml: [suites.one] scorers[1] threshold``)
because :mod:`tomllib` keeps no positions. A demanding user wants ``evalkit.toml:14:`` as an
editor jumps to it, as for an eval set's lines. This module finds the line by reading the
file's table headers and key lines, and an array's entries from where each starts
(:mod:`evalkit.cli._validate_arrays`: ``scorers[2]`` of a ``scorers = [`` spread over lines
is the line of its third entry); where it cannot tell (a key set in an inline table, a
dotted key at the top), the problem keeps the location it had, so a guess is never printed.
Only the location changes; the message stays the one every other command prints.

A helper of ``evalkit validate``, not a subcommand (:data:`evalkit.cli.COMMANDS` names those).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.cli._validate_arrays import value_extent
from evalkit.errors import Problem

__all__ = ["ConfigLines", "with_lines"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*[.=]""")
_ITEM = re.compile(r"^([A-Za-z0-9_\-]+)\[(\d+)\]$")
_TRIPLE = re.compile(r'"""|\'\'\'')


def _name(dotted: str) -> str:
    """``suites."a b" .gates`` → ``suites.a b.gates``: how problems spell a table."""
    return ".".join(part.strip().strip("\"'") for part in dotted.split("."))


@dataclass
class ConfigLines:
    """Where each table and key of one TOML file is, by line number (1-based)."""

    tables: dict[str, int] = field(default_factory=dict)
    """Table name → its header line; an array of tables' entry i (from 0) is ``name#i``."""
    keys: dict[tuple[str, str], int] = field(default_factory=dict)
    """(table name, key) → the line that sets the key; the top level is table ``""``."""
    arrays: dict[str, int] = field(default_factory=dict)
    """Array-of-tables name → how many ``[[name]]`` headers it has."""
    items: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    """(table name, key) → the line where each entry of the key's inline array starts."""

    @classmethod
    def read(cls, text: str, prefix: str = "") -> ConfigLines:
        """Index ``text``; ``prefix`` (``tool.evalkit``) is taken off table names."""
        lines = cls()
        # In pyproject.toml, what precedes [tool.evalkit] belongs to other tools.
        table, in_string = ("\0" if prefix else ""), False
        rows = text.splitlines()
        skip_to = 0  # the last line of a value already read (an array over many lines)
        for number, line in enumerate(rows, start=1):
            if number <= skip_to:
                continue
            if len(_TRIPLE.findall(line)) % 2:
                opened = not in_string
                in_string = not in_string
                if not opened:
                    continue  # the line that closes a multi-line string sets no key
            elif in_string:
                continue  # a prompt's text may look like a header or a key
            header = _HEADER.match(line)
            if header:
                table = lines._enter(_name(header.group(2)), header.group(1) == "[[", prefix)
                lines.tables.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                name = _name(key.group(1))
                lines.keys.setdefault((table, name), number)
                end = lines._value(rows, number - 1, key, table, name)
                if end is not None:
                    skip_to, in_string = end, False  # its strings and brackets are read
        return lines

    def _value(
        self, rows: list[str], row: int, key: re.Match[str], table: str, name: str
    ) -> int | None:
        """The last line of the array or inline table that ``key`` sets on ``rows[row]``
        (recording where an array's entries start), or ``None`` for another value."""
        if not key.group(0).endswith("="):
            return None  # a dotted key: its value is not this name's
        line = rows[row]
        col = len(line) - len(line[key.end() :].lstrip())
        extent = value_extent(rows, row, col)
        if extent is None:
            return None
        if line[col] == "[":
            self.items.setdefault((table, name), extent.items)
        return extent.end

    def _enter(self, name: str, array: bool, prefix: str) -> str:
        if prefix and name == prefix:
            name = ""
        elif prefix:
            name = name[len(prefix) + 1 :] if name.startswith(prefix + ".") else "\0" + name
        if not array:
            return name
        self.arrays[name] = self.arrays.get(name, 0) + 1
        return f"{name}#{self.arrays[name] - 1}"  # from 0, as problems number gates[i]

    def line(self, location: str) -> int | None:
        """The line of ``[table] key`` / ``[table] item[i] key`` / ``key``, or None."""
        match = re.fullmatch(r"\[([^\]]+)\]\s*(.*)", location)
        table, rest = (match.group(1), match.group(2).split()) if match else ("", location.split())
        found = self.tables.get(table)
        if found is None and "." in table:  # [candidates] b = { ... }
            parent, _, last = table.rpartition(".")
            found = self.keys.get((parent, last))
        for token in rest:
            if f"{table}.{token}" in self.tables:  # [prices.gpt-4o]
                table = f"{table}.{token}"
                found = self.tables[table]
                continue
            item = _ITEM.match(token)
            if item and f"{table}.{item.group(1)}#{item.group(2)}" in self.tables:
                table = f"{table}.{item.group(1)}#{item.group(2)}"  # [[suites.x.gates]]
                found = self.tables[table]
                continue
            key = self.keys.get((table, token.split(".")[0].split("[")[0]))
            if key is None:
                break  # set inside an inline table or list: the line above is the best
            found = key
            starts = self.items.get((table, item.group(1))) if item else None
            if item and starts and int(item.group(2)) < len(starts):
                found = starts[int(item.group(2))]  # scorers = [ ..., its entry i, ... ]
            break
        return found


def with_lines(problems: Iterable[Problem], config: Path) -> list[Problem]:
    """``problems`` with ``<config>: [table] key`` rewritten as ``<config>:LINE: [table] key``.

    Problems located elsewhere (an eval set's ``path:line``) are returned as they are, as is
    every problem when the file cannot be read.
    """
    problems = list(problems)
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return problems
    prefix = "tool.evalkit" if config.name == "pyproject.toml" else ""
    lines = ConfigLines.read(text, prefix)
    out = []
    for problem in problems:
        out.append(_located(problem, str(config), lines))
    return out


def _located(problem: Problem, config: str, lines: ConfigLines) -> Problem:
    where = problem.where
    for sep in (": ", " "):  # top-level unknown keys read "<config> key"
        if where.startswith(config + sep):
            rest = where[len(config) + len(sep) :]
            number = lines.line(rest) if rest else None
            if number is not None:
                return Problem(f"{config}:{number}: {rest}", problem.message)
            break
    return problem
