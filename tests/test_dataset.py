from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.dataset import MAX_PROBLEMS, EvalSet, iter_cases, load_eval_set
from evalkit.errors import DatasetError


def write(tmp_path: Path, rows: list[object], name: str = "set.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    return path


def problems(tmp_path: Path, rows: list[object]) -> list[str]:
    path = write(tmp_path, rows)
    with pytest.raises(DatasetError) as info:
        load_eval_set(path)
    prefix = f"{path}:"
    return [str(p).removeprefix(prefix) for p in info.value.problems]


def test_full_case_round_trips(tmp_path: Path) -> None:
    row = {
        "id": "refund-001",
        "input": [{"role": "user", "content": "Can I get a refund?"}],
        "vars": {"customer": "Ada"},
        "context": [
            "Refunds within 30 days.",
            {"id": "policy-2", "text": "No refunds on sale items.", "source": "policy.md"},
        ],
        "expected": ["Yes, within 30 days."],
        "expected_tool_calls": [
            {"name": "lookup_order", "arguments": {"id": {"$any": [1, "1"]}}, "optional": ["id"]}
        ],
        "tool_call_order": "strict",
        "tools": [{"name": "lookup_order", "description": "d", "parameters": {"type": "object"}}],
        "should_refuse": False,
        "tags": ["refunds", "high-risk"],
        "metadata": {"owner": "support"},
    }
    es = load_eval_set(write(tmp_path, [row]))
    case = es.cases[0]
    assert case.context[0].id == "1" and case.context[1].id == "policy-2"
    assert case.context[1].source == "policy.md"
    assert case.expected_tool_calls is not None
    assert case.expected_tool_calls[0].optional == ("id",)
    assert case.line == 1
    again = EvalSet.from_cases([case])
    assert again.cases[0] == case.__class__(**{**_fields(case), "line": 1})
    assert es.tag_counts() == {"refunds": 1, "high-risk": 1}


def _fields(case: object) -> dict[str, object]:
    return {f: getattr(case, f) for f in case.__slots__}  # type: ignore[attr-defined]


def test_unknown_field_gets_did_you_mean(tmp_path: Path) -> None:
    assert problems(tmp_path, [{"id": "a", "input": "x", "expectd": "y"}]) == [
        '1: field "expectd" is unknown; did you mean "expected"?'
    ]


def test_every_field_error_has_exact_message(tmp_path: Path) -> None:
    rows: list[object] = [
        {"input": "no id"},
        {"id": 3, "input": "x"},
        {"id": "c", "input": 5},
        {"id": "d", "input": [{"role": "robot", "content": "x"}]},
        {"id": "e", "input": "x", "context": [1]},
        {"id": "f", "input": "x", "expected": 4},
        {"id": "g", "input": "x", "expected_tool_calls": {"name": "f"}},
        {"id": "h", "input": "x", "expected_tool_calls": [{"name": "f", "args": {}}]},
        {
            "id": "i",
            "input": "x",
            "expected_tool_calls": [{"name": "f", "arguments": {"a": {"$any": []}}}],
        },
        {
            "id": "j",
            "input": "x",
            "expected_tool_calls": [{"name": "f", "arguments": {}, "optional": ["b"]}],
        },
        {"id": "k", "input": "x", "tool_call_order": "random"},
        {"id": "l", "input": "x", "tools": [{"description": "no name"}]},
        {"id": "m", "input": "x", "should_refuse": "yes"},
        {"id": "n", "input": "x", "tags": ["ok", ""]},
        {"id": "o", "input": "x", "metadata": []},
        {"id": "p", "vars": "x"},
        {"id": "q"},
        "[1, 2]",
        "{not json",
        {"id": "r", "input": "x"},
        {"id": "r", "input": "again"},
    ]
    assert problems(tmp_path, rows) == [
        '1: field "id" is required; give every case a unique string id',
        '2: field "id" must be a non-empty string, got 3',
        '3: field "input" must be a string or a non-empty list of messages, got a number',
        '4: field "input" message 1 has role "robot"; use one of ["system", "user", "assistant", "tool"]',
        '5: field "context" item 1 must be a string or {id, text, source}, got a number',
        '6: field "expected" must be a string or a list of strings, got a number',
        '7: field "expected_tool_calls" must be a list of calls ([] means no call), got an object',
        '8: field "expected_tool_calls" call 1 has unknown key "args"; did you mean "arguments"?',
        '9: field "expected_tool_calls" call 1 argument "a": "$any" must be the only key and a non-empty list',
        '10: field "expected_tool_calls" call 1 lists optional argument "b" that is not in "arguments"; '
        "give its acceptable value(s) there",
        '11: field "tool_call_order" must be "any" or "strict", got "random"',
        '12: field "tools" tool 1 must be {"name", "description", "parameters"}',
        '13: field "should_refuse" must be true or false, got "yes"',
        '14: field "tags" must be a list of non-empty strings, got ["ok", ""]',
        '15: field "metadata" must be an object, got a list',
        '16: field "vars" must be an object of template variables, got a string',
        '17: field "input" is required unless the case gives vars for the prompt template',
        "18: expected a JSON object, got a list; write one case object per line",
        "19: invalid JSON (Expecting property name enclosed in double quotes at column 2); "
        "each line must be one JSON object",
        '21: duplicate id "r" (first on line 20); ids must be unique in a file',
    ]


def test_problems_are_capped_and_counted(tmp_path: Path) -> None:
    path = write(tmp_path, [{"id": f"x{i}", "inputt": "x"} for i in range(MAX_PROBLEMS + 7)])
    with pytest.raises(DatasetError) as info:
        load_eval_set(path)
    # each line has two problems: the unknown field and the missing input
    assert len(info.value.problems) == MAX_PROBLEMS
    assert info.value.truncated == 2 * (MAX_PROBLEMS + 7) - MAX_PROBLEMS
    assert "more problem(s) not shown" in str(info.value)


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="file not found; check the path"):
        load_eval_set(tmp_path / "nope.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(DatasetError, match="the eval set has no cases"):
        load_eval_set(empty)


def test_version_is_content_hash_insensitive_to_formatting(tmp_path: Path) -> None:
    a = write(tmp_path, [{"id": "a", "input": "x", "tags": ["t"]}], "a.jsonl")
    b = tmp_path / "b.jsonl"
    b.write_text('{ "tags": ["t"],   "input": "x", "id": "a" }\n\n')
    c = write(tmp_path, [{"id": "a", "input": "y", "tags": ["t"]}], "c.jsonl")
    assert load_eval_set(a).version == load_eval_set(b).version
    assert load_eval_set(a).version != load_eval_set(c).version


def test_iter_cases_streams_and_stops_at_first_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path, [{"id": "a", "input": "x"}, {"id": "a", "input": "y"}])
    it = iter_cases(path)
    assert next(it).id == "a"
    with pytest.raises(DatasetError, match='duplicate id "a"'):
        next(it)


def test_openai_style_tools_are_accepted(tmp_path: Path) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    es = load_eval_set(write(tmp_path, [{"id": "a", "input": "x", "tools": [tool]}]))
    assert es.cases[0].tools is not None and es.cases[0].tools[0].name == "f"


def test_case_has_reports_set_fields() -> None:
    es = EvalSet.from_cases([{"id": "a", "input": "x", "expected_tool_calls": []}])
    case = es.cases[0]
    assert case.has("expected_tool_calls")  # [] is a real expectation: no call
    assert not case.has("context") and not case.has("should_refuse")
