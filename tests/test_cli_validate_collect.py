"""``evalkit validate`` lists every problem of a project in one run, config errors included:
a broken candidate or suite does not stop the check of the parts that load. ``run`` and
``compare`` still stop at the first config error, with the message they always printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import main

CONFIG = """\
[candidates.a]
provider = "replay"
model = "m1"
prompt = "Q: {{ input }}"
temprature = 0

[candidates.b]
provider = "replay"
model = "m2"
prompt_file = "missing.j2"

[candidates.c]
provider = "replay"
model = "m3"
prompt = "{{ input }} ({{ custmer }})"

[suites.gone]
dataset = "gone.jsonl"
candidates = ["a"]
scorers = ["no_such_scorer"]

[suites.rows]
dataset = "rows.jsonl"
candidates = ["a", "b"]

[suites.render]
dataset = "good.jsonl"
candidates = ["b", "c"]
"""


def line_of(text: str, start: str) -> int:
    """The number (1-based) of the first line of ``text`` that starts with ``start``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def line_in(text: str, header: str, start: str) -> int:
    """The first line starting with ``start`` below the table ``header``."""
    lines = text.splitlines()
    top = lines.index(header)
    return next(i for i, line in enumerate(lines[top:], top + 1) if line.startswith(start))


def broken_project(tmp_path: Path, config: str = CONFIG) -> Path:
    rows = [{"id": f"k{i}", "input": "x", "vars": {"customer": "A"}} for i in range(3)]
    (tmp_path / "good.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "rows.jsonl").write_text('{"id": "r1", "input": "x"}\n{"id": "r2", "inptu": "y"}\n')
    path = tmp_path / "evalkit.toml"
    path.write_text(config)
    return path


def test_one_run_lists_config_dataset_scorer_and_template_problems_with_their_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = broken_project(tmp_path)
    assert main(["validate", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    rows = tmp_path / "rows.jsonl"
    expected = [
        # config problems first, each at its file:line and key, in the file's order
        f"{config}:{line_in(CONFIG, '[candidates.a]', 'temprature')}: [candidates.a] "
        "temprature: unknown key;",
        f"{config}:{line_in(CONFIG, '[candidates.b]', 'prompt_file')}: [candidates.b] "
        "prompt_file: file 'missing.j2' does not exist",
        f"{config}:{line_in(CONFIG, '[suites.gone]', 'dataset')}: [suites.gone] dataset: file "
        f"'gone.jsonl' does not exist (relative to {tmp_path}); fix the path",
        # the suite without its eval set still has its scorers built
        f"{config}:{line_in(CONFIG, '[suites.gone]', 'scorers')}: [suites.gone] scorers[0]: "
        "unknown scorer 'no_such_scorer'",
        # another suite's eval set, though that suite names the broken candidate b
        f'{rows}:2: field "inptu" is unknown; did you mean "input"?',
        f'{rows}:2: field "input" is required',
        # a template mistake, found in a suite that also names b
        f"{config}:{line_of(CONFIG, '[suites.render]')}: [suites.render]: candidate 'c' "
        "prompt:1: case 'k0' (eval set line 1): the template of candidate 'c' uses an "
        "undefined variable: 'custmer' is undefined",
        "7 problem(s) found",
    ]
    assert len(err) == len(expected), captured.err
    for line, start in zip(err, expected, strict=True):
        assert line.startswith(start), (line, start)
    assert "ok: " + str(tmp_path / "good.jsonl") in captured.out


def test_a_broken_candidate_is_reported_once_and_its_suites_are_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = broken_project(tmp_path)
    (tmp_path / "rows.jsonl").write_text('{"id": "r1", "input": "x"}\n')
    assert main(["validate", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    # b is in two suites: its own error once, no "unknown candidate" under either suite
    assert captured.err.count("candidates.b") == 1
    assert "unknown candidate" not in captured.err
    # both of b's suites had their eval set loaded and their other candidates rendered
    assert "rows.jsonl: 1 cases" in captured.out and "good.jsonl: 3 cases" in captured.out
    assert "[suites.render]: candidate 'c' prompt:1" in captured.err


def test_a_candidate_with_only_an_unknown_key_still_has_its_template_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "evalkit.toml"
    config.write_text(
        '[candidates.a]\nprovider = "replay"\nmodel = "m"\nprompt = "{{ qestion }}"\n'
        'tempreature = 0.2\n\n[suites.s]\ndataset = "s.jsonl"\ncandidates = ["a"]\n'
    )
    (tmp_path / "s.jsonl").write_text('{"id": "x", "input": "hi"}\n')
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{config}:5: [candidates.a] tempreature: unknown key" in err
    assert f"{config}:7: [suites.s]: candidate 'a' prompt:1: case 'x'" in err
    assert "'qestion' is undefined" in err and "2 problem(s) found" in err


def test_a_faulty_scorer_entry_keeps_the_earlier_entries_checked_under_their_own_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "evalkit.toml"
    config.write_text(
        '[candidates.a]\nprovider = "replay"\nmodel = "m"\n\n[suites.s]\ndataset = "s.jsonl"\n'
        'candidates = ["a"]\n\n[[suites.s.scorers]]\nname = "no_such"\n\n'
        '[[suites.s.scorers]]\nname = "exact_match"\nthreshold = 3\n'
    )
    (tmp_path / "s.jsonl").write_text('{"id": "x", "input": "hi"}\n')
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(
        f"{config}:14: [suites.s] scorers[1] threshold: must be a number in [0, 1], got 3"
    )
    assert err[1].startswith(f"{config}:9: [suites.s] scorers[0]: unknown scorer 'no_such'")
    assert err[2:] == ["2 problem(s) found"]


def test_pyproject_lines_count_from_the_file_top(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "app"\nmodel = "not evalkit\'s"\n\n[tool.evalkit]\nrunz_dir = "x"\n\n'
        '[tool.evalkit.candidates.a]\nprovider = "replay"\nmodel = "m"\nmodle = "m"\n'
    )
    assert main(["validate", str(pyproject)]) == 2
    err = capsys.readouterr().err
    assert f"{pyproject}:6: runz_dir: unknown key" in err
    assert f"{pyproject}:11: [candidates.a] modle: unknown key" in err


def test_run_and_compare_still_stop_at_the_first_config_error_with_the_same_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = broken_project(tmp_path)
    config_problems = [
        f'{config}: [candidates.a] temprature: unknown key; did you mean "params.temperature"? '
        "(params = { temperature = ... })",
        f"{config}: [candidates.b] prompt_file: file 'missing.j2' does not exist (relative to "
        f"{tmp_path}); fix the path",
        f"{config}: [suites.gone] dataset: file 'gone.jsonl' does not exist (relative to "
        f"{tmp_path}); fix the path",
    ]
    # no line numbers, no eval set or template problems: nothing past the config is read
    expected = "error: " + "\n".join(config_problems) + "\n"
    assert main(["run", "--config", str(config), "--suite", "render"]) == 2
    assert capsys.readouterr().err == expected
    base, cand = tmp_path / "no-run-a", tmp_path / "no-run-b"
    args = ["compare", str(base), str(cand), "--gates-from", str(config), "--suite", "render"]
    assert main(args) == 2
    assert capsys.readouterr().err == expected
