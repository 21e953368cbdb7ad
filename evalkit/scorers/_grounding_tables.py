"""Tables in passages, read as one sentence per row with the column headers on its cells.

A markdown or HTML table is a grid: the fact "the Pro plan costs $29" is a row, and the words
"Price" and "Plan" sit in a header line far from it. Read as plain text, every row is a line
without its headers and an HTML table is a single jumble of cells, so a claim about one row
looks like words scattered over the passage. Each row becomes one line instead,
``Plan: Pro; Price: $29 per month; Seats: 5.``, which the passage index splits into its own
sentence: support, proximity and the relation check then work row by row.

A table's title, the sentence right before it ("Prices for EU customers:", a heading, an HTML
``<caption>``), says something about every row, which no row repeats. It is recorded per row
(:attr:`ReadTables.titles`) and the passage index attaches its words to each row sentence for
support (:func:`title_rows`), so "EU customers pay €99 for Pro" can rest on the Pro row.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["TITLE_MAX_WORDS", "ReadTables", "read_tables", "title_rows"]

TITLE_MAX_WORDS = 15
"""A longer sentence before a table is prose that happens to precede it, not its title."""


@dataclass(frozen=True, slots=True)
class ReadTables:
    """A passage's text with its tables written out row by row."""

    text: str
    """The passage with each table replaced by one line per row."""
    rows: tuple[str, ...] = ()
    """The lines :attr:`text` gives the rows, so the index knows which sentences are rows."""
    row_keys: tuple[str, ...] = ()
    """The first cell of each row, where a table's first column names its rows (every value
    distinct, not a number): the "Pro" of the row "Pro | $29 | 5". A claim that names a row
    must take its other facts from that row (see ``relation_mismatch``)."""
    titles: tuple[str, ...] = ()
    """The title of each row's table, indexed like :attr:`rows` (``""`` when it has none): its
    caption, else the last sentence right before it (at most :data:`TITLE_MAX_WORDS` words)."""


def read_tables(text: str) -> ReadTables:
    """``text`` with every markdown and HTML table written as one line per row."""
    if "|" not in text and "<" not in text:  # the common case: no table at all
        return ReadTables(text)
    keys: list[str] = []
    rows: list[str] = []
    titles: list[str] = []
    if "<" in text and _HTML_TABLE.search(text):
        text = _HTML_TABLE.sub(lambda m: _html_table(m, rows, keys, titles), text)
    if "|" in text:
        text = _markdown_tables(text, rows, keys, titles)
    return ReadTables(text, tuple(rows), tuple(keys), tuple(titles))


def title_rows(
    read: ReadTables, sentences: Sequence[str], fold: Callable[[str], str]
) -> dict[int, frozenset[int]]:
    """Which of a passage's ``sentences`` (folded, as the index splits them) is a table's
    title, with the sentences that are its rows: ``{title: rows}``. The title is the last
    sentence before the table's first row that holds the title text."""
    if not any(read.titles):
        return {}
    where = {s.strip(): j for j, s in enumerate(sentences)}
    out: dict[int, set[int]] = {}
    for row, title in zip(read.rows, read.titles, strict=True):
        j = where.get(fold(row).strip())
        if not title or j is None:
            continue
        key = fold(title).strip().rstrip(".:")
        t = next((k for k in range(j - 1, -1, -1) if key in sentences[k]), None)
        if t is not None:
            out.setdefault(t, set()).add(j)
    return {t: frozenset(rs) for t, rs in out.items()}


def _title(before: str) -> str:
    """A table's title from the text right before it: the last sentence of its last line
    (a heading's ``#`` and emphasis removed), when short enough to be one."""
    if before.rstrip().lower().endswith("</table>"):  # right after another table
        return ""
    lines = [ln for ln in _TAG.sub(" ", before).split("\n") if ln.strip()]
    if not lines or "|" in lines[-1]:
        return ""
    last = _cell(html.unescape(lines[-1])).lstrip("#").strip()
    sentence = _SENTENCE_END.split(last)[-1].strip()
    return sentence if 0 < len(sentence.split()) <= TITLE_MAX_WORDS else ""


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _row_line(headers: list[str], cells: list[str]) -> str:
    """One row as a sentence: ``Header: cell; Header: cell.`` (a cell without a header, or
    whose header is empty, stands alone; empty cells are left out)."""
    parts = []
    for j, cell in enumerate(cells):
        if not cell:
            continue
        header = headers[j] if j < len(headers) else ""
        parts.append(f"{header}: {cell}" if header and header != cell else cell)
    line = "; ".join(parts)
    return line if not line or line[-1] in ".!?" else line + "."


def _table_lines(
    headers: list[str],
    rows: list[list[str]],
    lines: list[str],
    keys: list[str],
    titles: tuple[list[str], str],
) -> str:
    """The rows as lines (also added to ``lines``, and the table's title to ``titles[0]`` once
    per row); the first column's values are added to ``keys`` when they name the rows (all
    distinct and none a bare number)."""
    rows = [r for r in rows if any(r)]
    first = [r[0] for r in rows if r]
    if (
        len(first) == len(rows) >= 2
        and len(set(map(str.casefold, first))) == len(first)
        and not any(_NUMERIC.fullmatch(c) for c in first)
    ):
        keys.extend(first)
    out = [_row_line(headers, r) for r in rows]
    lines.extend(out)
    titles[0].extend([titles[1]] * len(out))
    return "\n".join(out)


_NUMERIC = re.compile(r"[\d\s.,:/%$€£+-]*")
_HTML_TABLE = re.compile(r"<table\b[^>]*>(.*?)</table\s*>", re.IGNORECASE | re.DOTALL)
_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)(?=<tr\b|</tr\s*>|$)", re.IGNORECASE | re.DOTALL)
_HTML_CELL = re.compile(
    r"<(t[hd])\b[^>]*>(.*?)(?=<t[hd]\b|</t[hd]\s*>|</tr\b|$)", re.IGNORECASE | re.DOTALL
)
_HTML_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _html_table(m: re.Match[str], lines: list[str], keys: list[str], titles: list[str]) -> str:
    """An HTML table's caption and rows; its first row of ``<th>`` cells only is the
    header. Its title is the caption, else the sentence before the table."""
    body = m.group(1)
    caption = _HTML_CAPTION.search(body)
    title = _cell(html.unescape(_TAG.sub(" ", caption.group(1)))) if caption else ""
    headers: list[str] = []
    rows: list[list[str]] = []
    for row in _HTML_ROW.finditer(body):
        cells = [
            (kind.lower(), _cell(html.unescape(_TAG.sub(" ", c))))
            for kind, c in _HTML_CELL.findall(row.group(1))
        ]
        if not cells:
            continue
        if not headers and not rows and all(kind == "th" for kind, _ in cells):
            headers = [c for _, c in cells]
        else:
            rows.append([c for _, c in cells])
    title = title if not title or title[-1] in ".!?:" else title + "."
    context = (titles, title or _title(m.string[max(0, m.start() - 300) : m.start()]))
    return (
        "\n"
        + (title + "\n" if title else "")
        + _table_lines(headers, rows, lines, keys, context)
        + "\n"
    )


_SEPARATOR = re.compile(r"\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*")
_PIPE = re.compile(r"(?<!\\)\|")


def _markdown_tables(text: str, lines: list[str], keys: list[str], titles: list[str]) -> str:
    """Markdown tables (a header line, a ``|---|---|`` line, then rows) and plain-text ones
    (see :func:`_plain_table`) written row by row. Other lines with pipes are left as
    written: without headers a line is already its own sentence."""
    given = text.split("\n")
    out: list[str] = []
    k = 0
    while k < len(given):
        if (
            k + 1 < len(given)
            and "|" in given[k]
            and "|" in given[k + 1]  # not a "---" rule under a line that has a pipe
            and "-" in given[k + 1]
            and _SEPARATOR.fullmatch(given[k + 1])
        ):
            headers = _markdown_cells(given[k])
            title = _title("\n".join(given[max(0, k - 3) : k]))  # a blank line may separate
            rows: list[list[str]] = []
            k += 2
            while k < len(given) and "|" in given[k]:
                rows.append(_markdown_cells(given[k]))
                k += 1
            out.append(_table_lines(headers, rows, lines, keys, (titles, title)))
            continue
        plain = _plain_table(given, k)
        if plain:  # "Plan | Price" over "Pro | $29" lines, with no "|---|" under the header
            headers = _markdown_cells(given[k])
            title = _title("\n".join(given[max(0, k - 3) : k]))
            rows = [_markdown_cells(line) for line in given[k + 1 : k + plain]]
            out.append(_table_lines(headers, rows, lines, keys, (titles, title)))
            k += plain
            continue
        out.append(given[k])
        k += 1
    return "\n".join(out)


def _plain_table(given: Sequence[str], k: int) -> int:
    """How many lines from ``given[k]`` make a plain-text table (0 when none): a header line
    of at least two cells, none holding a digit ("Plan | Price | Seats"), over at least two
    lines with as many cells. A header of words over rows of the same shape is how help
    centres paste a table; a lone line with pipes is left as a sentence."""
    if "|" not in given[k] or _DIGIT.search(given[k]):
        return 0
    width = len(_markdown_cells(given[k]))
    if width < 2:
        return 0
    n = 1
    while k + n < len(given) and "|" in given[k + n]:
        if len(_markdown_cells(given[k + n])) != width:
            break
        n += 1
    return n if n >= 3 else 0


_DIGIT = re.compile(r"\d")


def _markdown_cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [_cell(c.replace("\\|", "|")) for c in _PIPE.split(line)]


def _cell(text: str) -> str:
    """A cell's text on one line, without markdown emphasis."""
    return " ".join(text.replace("**", "").replace("__", "").split())
