"""``evalkit.cli._validate_lines``: a config problem's ``[table] key`` found as a line number,
and left as it was where the file does not tell."""

from __future__ import annotations

from pathlib import Path

from evalkit.cli._validate_lines import ConfigLines, with_lines
from evalkit.errors import Problem

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
    assert lines.line("[suites.one] scorers[1] threshold") == 17  # inline list: its first line
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
