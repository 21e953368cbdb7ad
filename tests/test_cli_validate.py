from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import main

CONFIG = """
[candidates.base]
provider = "replay"
model = "m1"
prompt_file = "prompts/p.j2"
options = { path = "replay.jsonl" }

[candidates.next]
provider = "replay"
model = "m2"
prompt = "{{ input }} ({{ customer }})"
tools = [{ name = "lookup", parameters = { type = "object" } }]

[suites.support]
dataset = "support.jsonl"
candidates = ["base", "next"]
scorers = ["check.py:Check"]
"""


SCORER = """
from dataclasses import dataclass
from evalkit.scoring import Score, Scorer


@dataclass
class Check(Scorer):
    name = "check"
    requires = ("expected",)

    def score(self, ctx):
        return Score(1.0, True)
"""


def make_project(tmp_path: Path) -> Path:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "p.j2").write_text("Q: {{ input }}")
    rows = [
        {"id": "a", "input": "x", "vars": {"customer": "Ada"}, "expected": "x", "tags": ["t1"]},
        {
            "id": "b",
            "input": "y",
            "vars": {"customer": "Bo"},
            "expected": "y",
            "tags": ["t1", "t2"],
        },
    ]
    (tmp_path / "support.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "evalkit.toml").write_text(CONFIG)
    (tmp_path / "check.py").write_text(SCORER)
    return tmp_path


def test_validate_ok_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path)
    assert main(["validate", str(root / "support.jsonl")]) == 0
    assert "support.jsonl: 2 cases" in capsys.readouterr().out


def test_validate_prints_every_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "input": "x", "expectd": 1}\n{"id": "a", "input": "y"}\n')
    other = tmp_path / "other.jsonl"
    other.write_text('{"input": "x"}\n')
    assert main(["validate", str(bad), str(other)]) == 2
    err = capsys.readouterr().err
    assert f'{bad}:1: field "expectd" is unknown; did you mean "expected"?' in err
    assert f'{other}:1: field "id" is required' in err
    # line 1 is invalid, but its id still counts: line 2 repeats it
    assert f'{bad}:2: duplicate id "a" (first on line 1)' in err
    assert "3 problem(s) found" in err


def test_validate_config_renders_every_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path)
    assert main(["validate", "--config", str(root / "evalkit.toml")]) == 0
    (root / "evalkit.toml").write_text(CONFIG.replace("({{ customer }})", "({{ custmer }})"))
    assert main(["validate", "--config", str(root / "evalkit.toml")]) == 2
    err = capsys.readouterr().err
    assert (
        "candidate 'next' prompt:1: case 'a' (eval set line 1): the template of candidate "
        "'next' uses an undefined variable: 'custmer' is undefined; did you mean \"customer\"?"
        in err
    )


def test_validate_config_checks_scorer_requirements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path)
    (root / "evalkit.toml").write_text(CONFIG.replace('["check.py:Check"]', '["no_such_scorer"]'))
    assert main(["validate", "--config", str(root / "evalkit.toml")]) == 2
    assert "unknown scorer 'no_such_scorer'" in capsys.readouterr().err
    (root / "support.jsonl").write_text('{"id": "a", "input": "x", "vars": {"customer": "A"}}\n')
    (root / "evalkit.toml").write_text(CONFIG)
    assert main(["validate", "--config", str(root / "evalkit.toml")]) == 2
    err = capsys.readouterr().err
    assert "scorer 'check.py:Check' needs ['expected'] but 1 case(s) lack them (first: 'a')" in err
    assert "set skip_missing = true on the scorer" in err  # the fix for mixed suites (QA11)


def test_inventory_lists_moving_parts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path)
    assert main(["inventory", "--config", str(root / "evalkit.toml"), "--json"]) == 0
    inv = json.loads(capsys.readouterr().out)
    by_name = {c["name"]: c for c in inv["candidates"]}
    assert by_name["base"]["prompt_file"] == "prompts/p.j2" and by_name["base"]["model"] == "m1"
    assert by_name["next"]["tools"] == ["lookup"] and by_name["next"]["suites"] == ["support"]
    assert inv["datasets"][0]["cases"] == 2 and inv["datasets"][0]["tags"] == {"t1": 2, "t2": 1}
    assert main(["inventory", "--config", str(root / "evalkit.toml")]) == 0
    text = capsys.readouterr().out
    assert "base: replay / m1" in text and "support.jsonl: 2 cases" in text


def test_no_command_and_help_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    with pytest.raises(SystemExit) as info:
        main(["validate", "--help"])
    assert info.value.code == 0
    assert "Validate JSONL eval sets" in capsys.readouterr().out


def test_validate_names_each_scorer_problem_once_and_refuses_a_shared_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path)
    config = root / "evalkit.toml"
    config.write_text(CONFIG.replace('["check.py:Check"]', '["no_such_scorer"]'))
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("[suites.support] scorers[0]") == 1  # the location, not twice over
    # two references, one name: a record would keep only one of their scores
    (root / "other.py").write_text(SCORER)
    config.write_text(CONFIG.replace('["check.py:Check"]', '["check.py:Check", "other.py:Check"]'))
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "scorers[1]: scorer name 'check' is already used by scorers[0]" in err


def test_a_json_array_file_is_one_problem_with_the_conversion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{"id": f"c{i}", "input": f"question {i}"} for i in range(500)]
    array = tmp_path / "set.json"
    array.write_text(json.dumps(rows, indent=2))
    assert main(["validate", str(array)]) == 2
    err = capsys.readouterr().err
    assert f"{array}:1: the file is a JSON array, not JSON Lines" in err
    assert "jq -c '.[]'" in err and err.count("\n") == 2  # the problem and the count
    assert "1 problem(s) found" in err
    obj = tmp_path / "one.json"
    obj.write_text(json.dumps(rows[0], indent=2))
    assert main(["validate", str(obj)]) == 2
    assert "one JSON object over several lines" in capsys.readouterr().err


def test_the_count_includes_the_problems_not_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(f'{{"id": "c{i}"}}\n' for i in range(80)))  # no input on any line
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    more = int(err.split("... and ")[1].split(" more")[0])
    assert f"{50 + more} problem(s) found" in err and more >= 30


def test_ids_that_read_the_same_are_refused_and_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"id": "c1", "input": "a"},
        {"id": "c1 ", "input": "b"},  # a trailing space
        {"id": "cafe\u0301", "input": "c"},  # 'café' with a combining accent (NFD)
        {"id": "z\u200bz", "input": "d"},  # a zero-width space
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:" in err and "must not start or end with a space" in err
    assert f"{path}:3:" in err and "is not in Unicode NFC form" in err
    assert f"{path}:4:" in err and "\u200b" not in err  # shown as an escape, not invisibly


PICKY = """
from dataclasses import dataclass
from evalkit.scoring import Score, Scorer


@dataclass
class Picky(Scorer):
    name = "picky"

    def applies_to(self, case):
        return bool(case.tags)

    def score(self, ctx):
        return Score(1.0, True)
"""


def test_a_scorer_overriding_applies_to_names_what_it_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # tool_calls checks "expected_tool_calls or tools", which requires cannot say: QA10 #11
    # read "needs [] but 2 case(s) lack them".
    root = make_project(tmp_path)
    config = root / "evalkit.toml"
    config.write_text(CONFIG.replace('["check.py:Check"]', '["tool_calls"]'))
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert (
        "scorer 'tool_calls' needs expected_tool_calls, tools or metadata "
        '{"tool_use": "required"} but 2 case(s) lack them (first: \'a\')'
    ) in err
    assert "needs []" not in err
    # a scorer that says nothing of what it needs: no empty list either
    (root / "picky.py").write_text(PICKY)
    (root / "support.jsonl").write_text('{"id": "a", "input": "x", "vars": {"customer": "A"}}\n')
    config.write_text(CONFIG.replace('["check.py:Check"]', '["picky.py:Picky"]'))
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "scorer 'picky.py:Picky' does not apply to 1 case(s) (its applies_to() says no" in err
    assert "skip_missing = true" in err and "[]" not in err


def test_problems_in_a_scorer_list_over_lines_point_at_their_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA11: each entry of a multi-line ``scorers = [...]`` was located at its first line."""
    root = make_project(tmp_path)
    config = root / "evalkit.toml"
    scorers = (
        "[\n"
        '  "check.py:Check",  # [a comment], with a comma\n'
        '  { name = "contains", treshold = 0.5, args = { value = "[x]," } },\n'
        '  { name = "exact_match", skip_missing = "yes" },\n'
        "]\n"
        "gates = [\n"
        '  { metric = "check.mean", min = 0.5 },\n'
        '  { metric = "check.pass_rate", mni = 0.5 },\n'
        "]"
    )
    config.write_text(CONFIG.replace('["check.py:Check"]', scorers))
    first = CONFIG.count("\n", 0, CONFIG.index("scorers = ")) + 1  # the array's line
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"evalkit.toml:{first + 2}: [suites.support] scorers[1] treshold: unknown key" in err
    assert f"evalkit.toml:{first + 3}: [suites.support] scorers[2] skip_missing: must be" in err
    assert f"evalkit.toml:{first + 7}: [suites.support] gates[1] mni: unknown key" in err


def test_a_bad_tool_in_a_list_over_lines_points_at_its_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path)
    config = root / "evalkit.toml"
    tools = (
        "tools = [\n"
        '  { name = "lookup", parameters = { type = "object" } },\n'
        '  { description = "no name" },\n'
        "]"
    )
    text = CONFIG.replace('tools = [{ name = "lookup", parameters = { type = "object" } }]', tools)
    config.write_text(text)
    line = text.splitlines().index('  { description = "no name" },') + 1
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    expected = '[candidates.next] tools[1]: must be {"name", "description", "parameters"}'
    assert f"evalkit.toml:{line}: {expected}" in err


def test_a_bad_check_argument_is_listed_with_the_other_problems_and_no_ok(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA14 F6: the file read "ok:" on stdout and then had a problem on stderr; and a bad
    check argument was not listed at all while the file had another problem."""
    regex = {"id": "rx", "input": "x", "checks": [{"name": "regex", "args": {"pattern": "("}}]}
    only = tmp_path / "only.jsonl"
    only.write_text(json.dumps(regex) + "\n")
    assert main(["validate", str(only)]) == 2
    out, err = capsys.readouterr()
    assert "ok:" not in out
    assert f"{only}:1: field \"checks\" item 1 (\"regex\"): scorer 'regex': pattern '('" in err
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        '{"id": "a", "input": "x", "tags": "t"}\n'
        + json.dumps(regex)
        + "\n{not json\n"
        + json.dumps(
            {**regex, "id": "rx2", "checks": [{"name": "regex", "args": {"pattern": "["}}]}
        )
        + "\n"
    )
    assert main(["validate", str(mixed)]) == 2
    err = capsys.readouterr().err
    assert f'{mixed}:1: field "tags" must be a list' in err
    assert f"{mixed}:2: field \"checks\" item 1 (\"regex\"): scorer 'regex': pattern '('" in err
    assert f"{mixed}:3: invalid JSON" in err
    assert f"{mixed}:4: field \"checks\" item 1 (\"regex\"): scorer 'regex': pattern '['" in err
    assert "4 problem(s) found" in err
    lines = [line.split(":")[1] for line in err.splitlines() if line.startswith(str(mixed))]
    assert lines == ["1", "2", "3", "4"]  # in line order (QA15 F11)


def test_run_refuses_a_case_whose_check_cannot_be_built_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = tmp_path / "calls.txt"
    (tmp_path / "pipe.py").write_text(
        f"def answer(request):\n    open({str(calls)!r}, 'a').write('x')\n    return 'ok'\n"
    )
    data = tmp_path / "d.jsonl"
    rows = [
        {"id": "fine", "input": "x", "checks": [{"name": "contains", "args": {"expected": "ok"}}]},
        {"id": "rx", "input": "x", "checks": [{"name": "regex", "args": {"pattern": "("}}]},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code = main(
        ["run", str(data), "--provider", "callable", "--option", f"target={tmp_path}/pipe.py:answer",
         "--model", "m", "--scorer", "checks", "--out", str(tmp_path / "run"), "--no-progress"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert f'{data}:2: field "checks" item 1 ("regex"): scorer \'regex\'' in err
    assert not calls.exists(), "the pipeline was called before the bad check was refused"
