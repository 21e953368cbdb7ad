"""``evalkit validate`` on whole projects (several suites, shared eval sets, folders) and
``evalkit inventory`` when parts are broken: every problem once, with its location."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import main

CONFIG = """
[candidates.a]
provider = "replay"
model = "m1"
prompt = "Q: {{ input }}"
options = { path = "replay.jsonl" }

[candidates.b]
provider = "replay"
model = "m2"
prompt = "{{ input }} ({{ custmer }})"

[candidates.unused]
provider = "replay"
model = "m3"
system_file = "latin.j2"

[suites.one]
dataset = "one.jsonl"
candidates = ["a", "b"]

[suites.two]
dataset = "two.jsonl"
candidates = ["a"]

[suites.again]
dataset = "./two.jsonl"
candidates = ["a"]
"""


def line_of(header: str, text: str = CONFIG) -> int:
    """The line number of ``header`` in ``text`` (1-based)."""
    return text.splitlines().index(header) + 1


def project(tmp_path: Path) -> Path:
    rows = [{"id": f"c{i}", "input": "x", "vars": {"customer": "A"}} for i in range(6)]
    (tmp_path / "one.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "two.jsonl").write_text(
        '{"id": "a", "input": "x", "contxt": ["c"]}\n{"id": "a", "input": "y"}\n'
    )
    (tmp_path / "latin.j2").write_bytes(b"caf\xe9")
    config = tmp_path / "evalkit.toml"
    config.write_text(CONFIG)
    return config


def test_every_problem_once_with_its_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(tmp_path)
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err.splitlines()
    two = tmp_path / "two.jsonl"
    assert err == [
        # a candidate no suite uses is still checked; a config location carries its line
        f"{config}:{line_of('[candidates.unused]')}: [candidates.unused]: latin.j2: cannot "
        "read the system template of "
        "candidate 'unused' (not valid UTF-8); fix the path in the config or save the file as "
        "UTF-8",
        # one template mistake, six cases: one line that says how many and which
        f"{config}:{line_of('[suites.one]')}: [suites.one]: candidate 'b' prompt:1: case 'c0' "
        "(eval set line 1): the "
        "template of candidate 'b' uses an undefined variable: 'custmer' is undefined; did you "
        'mean "customer"? add it to the case\'s vars or fix the template (defined: case_id, '
        "context, customer, input, metadata, tags) (the same in 5 more case(s): 'c1', 'c2', "
        "'c3', ...)",
        # two suites share the eval set: its problems are listed once, both of them
        f'{two}:1: field "contxt" is unknown; did you mean "context"?',
        f'{two}:2: duplicate id "a" (first on line 1); ids must be unique in a file',
        "4 problem(s) found",
    ]


def test_a_good_project_exits_0_and_an_eval_set_is_checked_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(tmp_path)
    (tmp_path / "two.jsonl").write_text('{"id": "a", "input": "x"}\n')
    (tmp_path / "latin.j2").write_text("Be brief.")
    config.write_text(CONFIG.replace("({{ custmer }})", "({{ customer }})"))
    assert main(["validate", str(tmp_path / "two.jsonl"), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.count("two.jsonl: 1 cases") == 1 and "one.jsonl: 6 cases" in out
    assert f"ok: {config}: 3 candidates, 3 suites" in out


def test_a_folder_stands_for_the_eval_sets_directly_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sets = tmp_path / "datasets"
    (sets / "replay").mkdir(parents=True)
    (sets / "a.jsonl").write_text('{"id": "a", "input": "x"}\n')
    (sets / "b.jsonl").write_text('{"id": "b", "inputt": "x"}\n')
    (sets / "replay" / "run.jsonl").write_text('{"case_id": "a", "output": "y"}\n')
    (sets / "README.md").write_text("not an eval set")
    assert main(["validate", str(sets)]) == 2
    captured = capsys.readouterr()
    assert "a.jsonl: 1 cases" in captured.out
    assert f'{sets / "b.jsonl"}:1: field "inputt" is unknown' in captured.err
    assert "run.jsonl" not in captured.err  # recorded replays in sub-folders are not eval sets
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["validate", str(empty)]) == 2
    assert f"{empty}: folder holds no .jsonl eval sets (sub-folders are not searched)" in (
        capsys.readouterr().err
    )


def test_a_config_without_evalkit_tables_is_not_a_silent_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "app"\n')
    assert main(["validate", str(pyproject)]) == 2
    assert "declares no candidates and no suites (is the [tool.evalkit] section missing?)" in (
        capsys.readouterr().err
    )


def test_inventory_lists_what_it_can_and_marks_broken_parts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(tmp_path)
    assert main(["inventory", "--config", str(config), "--json"]) == 2
    captured = capsys.readouterr()
    inv = json.loads(captured.out)
    by_name = {c["name"]: c for c in inv["candidates"]}
    assert by_name["a"]["suites"] == ["one", "two", "again"] and "error" not in by_name["a"]
    assert "cannot read its prompt or system file" in by_name["unused"]["error"]
    assert by_name["unused"]["suites"] == []
    # ./two.jsonl and two.jsonl are one eval set
    assert [(d["path"], d["suites"]) for d in inv["datasets"]] == [
        ("one.jsonl", ["one"]),
        ("two.jsonl", ["two", "again"]),
    ]
    assert inv["datasets"][0]["cases"] == 6
    assert inv["datasets"][1]["error"].startswith("2 problem(s), first: ")
    assert "2 part(s) could not be read" in captured.err
    assert main(["inventory", "--config", str(config)]) == 2
    text = capsys.readouterr().out
    assert "unused: replay / m3\n    error: cannot read" in text
    assert "two.jsonl: suites: two, again\n    error: 2 problem(s)" in text
