"""``evalkit.cli._validate_lines``: a config problem's ``[table] key`` found as a line number,
and left as it was where the file does not tell."""

from __future__ import annotations

import sys
from pathlib import Path

from evalkit.cli._validate_lines import ConfigLines, with_lines
from evalkit.errors import Problem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10, as evalkit.config reads TOML there
    import tomli as tomllib

TEXT = '''\
runs_dir = "x"

[candidates.a]
provider = "replay"
prompt = """
[suites.fake]
dataset = 1
"""
modle = "m"
options.path = "r.jsonl"

[candidates]
b = { provider = "replay" }

[suites."one"]  # a comment
dataset = "one.jsonl"
scorers = [
  "exact_match",
  { name = "contains", threshold = 2 },
]

[[suites.two.gates]]
metric = "x"
[[suites.two.gates]]
metric = "y"
mni = 1

[prices.gpt-4o]
input = 1
'''


def test_tables_keys_and_array_entries() -> None:
    lines = ConfigLines.read(TEXT)
    assert lines.line("runs_dir") == 1
    assert lines.line("[candidates.a]") == 3
    assert lines.line("[candidates.a] modle") == 9
    assert lines.line("[candidates.a] options.api_key") == 10  # a dotted key: its first part
    assert lines.line("[candidates.b] model") == 13  # inline table: the line that holds it
    assert lines.line("[suites.one] dataset") == 16  # quoted name, comment after the header
    assert lines.line("[suites.one] scorers[1] threshold") == 19  # inline list: its entry's line
    assert lines.line("[suites.two] gates[1] mni") == 26
    assert lines.line("[suites.two] gates[1]") == 24
    assert lines.line("[prices] gpt-4o") == 28


def test_text_inside_a_multiline_string_is_not_a_table_or_key() -> None:
    lines = ConfigLines.read(TEXT)
    assert lines.line("[suites.fake] dataset") is None
    assert lines.line("[candidates.a] prompt") == 5


def test_only_config_locations_change(tmp_path: Path) -> None:
    config = tmp_path / "evalkit.toml"
    config.write_text(TEXT)
    given = [
        Problem(f"{config}: [candidates.a] modle", "unknown key"),
        Problem(f"{config} runs_dir", "bad"),
        Problem(f"{config}: [suites.nowhere] dataset", "not declared in the text"),
        Problem(f"{tmp_path / 'one.jsonl'}:3", "dataset line"),
        Problem(str(config), "whole file"),
    ]
    assert [p.where for p in with_lines(given, config)] == [
        f"{config}:9: [candidates.a] modle",
        f"{config}:1: runs_dir",
        f"{config}: [suites.nowhere] dataset",
        f"{tmp_path / 'one.jsonl'}:3",
        str(config),
    ]
    assert [p.message for p in with_lines(given, config)] == [p.message for p in given]
    assert with_lines(given, tmp_path / "gone.toml") == given


ENTRIES = """\
[suites.s]
scorers = [
  "groundedness",   # a comment, [with] brackets
  { name = "contains", treshold = 0.5 },
  { name = "regex", args = { pattern = "\\\\[x\\\\]," } },

  { name = "contains_any", args = { values = [
    "a",
    "b",
  ] } },
]
gates = [{ metric = "groundedness.mean", min = 0.5 },
  { metric = "x", mni = 1 }]
dataset = "d.jsonl"

[[suites.s.checks_like]]
name = "exact_match"
[[suites.s.checks_like]]
name = "fuzzy"
trhesh = 1
"""


def test_each_entry_of_an_array_over_lines_is_found_at_its_own_line() -> None:
    """QA11: every entry of a multi-line ``scorers = [...]`` was located at its first line."""
    lines = ConfigLines.read(ENTRIES)
    assert lines.line("[suites.s] scorers") == 2
    assert lines.line("[suites.s] scorers[0]") == 3
    assert lines.line("[suites.s] scorers[1] treshold") == 4
    assert lines.line("[suites.s] scorers[2] args") == 5
    assert lines.line("[suites.s] scorers[3] args.values[2]") == 7  # an entry's inner list
    assert lines.line("[suites.s] gates[0]") == 12
    assert lines.line("[suites.s] gates[1] mni") == 13
    # the same words as an array of tables: each entry at its header, a key at its line
    assert lines.line("[suites.s] checks_like[1]") == 18
    assert lines.line("[suites.s] checks_like[1] trhesh") == 20
    assert len(tomllib.loads(ENTRIES)["suites"]["s"]["scorers"]) == 4  # it is TOML


def test_an_entry_past_the_array_falls_back_to_its_first_line() -> None:
    lines = ConfigLines.read(ENTRIES)
    assert lines.line("[suites.s] scorers[9]") == 2


def test_lines_inside_an_array_are_never_read_as_tables_or_keys() -> None:
    text = 'a = [\n  "x",\n]\nb = 1\nc = [\n[1, 2],\n"k = 1"\n]\nd = 2\n'
    lines = ConfigLines.read(text)
    assert lines.line("c[1]") == 7
    assert lines.line("d") == 9  # not in a table "1, 2"
    assert lines.line("k") is None
    assert lines.line("b") == 4
