"""``evalkit.cli._validate_arrays``: where each entry of a TOML array spread over lines starts,
through strings, comments and nesting that hold brackets and commas; ``None`` where the text
cannot be followed."""

from __future__ import annotations

import sys

from evalkit.cli._validate_arrays import Extent, value_extent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10, as evalkit.config reads TOML there
    import tomli as tomllib

ARRAY = '''\
scorers = [  # a comment with [brackets], {braces} and a comma,
  "groundedness",   # entry 0 "quoted, in a comment" ]
  { name = "contains", args = { value = "a ] , [ b" } },
  { name = "regex", args = { pattern = '\\[\\d+\\],' } },
  'a literal ] b, "c"',

  # a comment line between entries: [not, an, entry]
  { name = "contains_any", args = { values = [
      "x, y",
      "z ]",
  ] } },
  { name = "judge", args = { rubric = """a rubric with
"quotes", [brackets] and
  # no comment""" } },
  [1, [2, 3]], "two on one line",
  "escaped \\" quote, ]",
]
after = 1
'''


def test_each_entry_starts_where_it_is_written() -> None:
    rows = ARRAY.splitlines()
    extent = value_extent(rows, 0, rows[0].index("["))
    assert extent == Extent(items=(2, 3, 4, 5, 8, 12, 15, 15, 16), end=17)
    assert len(tomllib.loads(ARRAY)["scorers"]) == len(extent.items)  # the same entries


def test_one_line_arrays_tables_and_empty_ones() -> None:
    assert value_extent(['a = ["x", "y"]'], 0, 4) == Extent((1, 1), 1)
    assert value_extent(["a = []"], 0, 4) == Extent((), 1)
    assert value_extent(["a = [", "  ", "]"], 0, 4) == Extent((), 3)
    assert value_extent(["a = [", "  1,", "]"], 0, 4) == Extent((2,), 3)  # trailing comma
    # an inline table: its end only (its keys are not entries)
    assert value_extent(["o = { a = [", "1, 2", "], b = 'x' }"], 0, 4) == Extent((), 3)


def test_what_cannot_be_followed_is_none() -> None:
    assert value_extent(["a = 1"], 0, 4) is None  # no array there
    assert value_extent(["a = [", '  "x",'], 0, 4) is None  # never closed
    assert value_extent(['a = ["x]'], 0, 4) is None  # a string not closed on its line
    assert value_extent(['a = ["""x', "]"], 0, 4) is None  # a multi-line string not closed
    assert value_extent(["a = [1}"], 0, 4) is None  # mismatched
    assert value_extent(["a = ["], 5, 0) is None  # out of the text
