"""Field checks that used to let data through wrong or lose it: context passages, per-case
tools, conversations, null for optional fields. Messages show values as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.dataset import CASE_FIELDS, load_eval_set
from evalkit.errors import DatasetError


def problems(tmp_path: Path, rows: list[dict[str, object]]) -> list[str]:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_eval_set(path)
    return [str(p).removeprefix(f"{path}:") for p in info.value.problems]


def test_context_passages_are_checked_key_by_key(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"id": "a", "input": "x", "context": [{"id": "k", "txt": "t"}]},
        {"id": "b", "input": "x", "context": [{"id": "k", "text": "t", "source": 3}]},
        {"id": "c", "input": "x", "context": ["first", {"id": "1", "text": "second"}]},
        {"id": "d", "input": "x", "context": [{"id": ["k"], "text": "t"}]},
        {"id": "e", "input": "x", "context": [{"id": "k"}]},
    ]
    assert problems(tmp_path, rows) == [
        '1: field "context" item 1 has unknown key "txt"; did you mean "text"?',
        '2: field "context" item 1 "source" must be a string, got 3',
        '3: field "context" item 2 has id "1" like item 1; ids must be unique within a case '
        "(a response cites passages by id)",
        '4: field "context" item 1 "id" must be a non-empty string, got ["k"]',
        '5: field "context" item 1 needs a string "text", got null',
    ]


def test_passage_ids_null_or_missing_take_the_position(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    row = {
        "id": "a",
        "input": "x",
        "context": [{"id": None, "text": "t"}, {"text": "u"}, {"id": 7, "text": "v"}],
    }
    path.write_text(json.dumps(row) + "\n")
    assert [p.id for p in load_eval_set(path).cases[0].context] == ["1", "2", "7"]


def test_tool_specs_refuse_unknown_keys_and_duplicate_names(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"id": "a", "input": "x", "tools": [{"name": "f", "parametres": {"type": "object"}}]},
        {"id": "b", "input": "x", "tools": [{"name": "f"}, {"name": "f"}]},
        {"id": "c", "input": "x", "tools": [{"name": "f", "description": 3}]},
        {
            "id": "d",
            "input": "x",
            "tools": [{"type": "function", "function": {"name": "f", "strict": True}}],
        },
        {"id": "e", "input": "x", "tools": [{"name": ""}]},
    ]
    assert problems(tmp_path, rows) == [
        '1: field "tools" tool 1 ("f") has unknown key "parametres"; did you mean "parameters"?',
        '2: field "tools" tool 2 is named "f" like tool 1; names must be unique',
        '3: field "tools" tool 1 ("f") "description" must be a string',
        '4: field "tools" tool 1 ("f") has unknown key "strict"; use name, description, parameters',
        '5: field "tools" tool 1 must be {"name", "description", "parameters"}',
    ]


def test_conversations_need_a_non_system_turn_and_roles_get_a_hint(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"id": "a", "input": [{"role": "system", "content": "be nice"}]},
        {"id": "b", "input": [{"role": "User", "content": "hi"}]},
        {"id": "c", "input": [{"role": "user", "content": ["hi"]}]},
        {"id": "d", "input": [{"role": "user", "content": "hi", "name": "ada"}]},
    ]
    assert problems(tmp_path, rows) == [
        '1: field "input" has only system messages; add the user\'s turn',
        '2: field "input" message 1 has role "User"; did you mean "user"? use one of '
        '["system", "user", "assistant", "tool"]',
        '3: field "input" message 1 content must be a string, got ["hi"]',
        '4: field "input" message 1 (user) of case "d" has "name", which only a tool message '
        "carries; remove it",
    ]


def test_null_means_not_given_for_every_optional_field(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    row = {
        "id": "a",
        "input": "x",
        # every optional field, including any added later
        **{k: None for k in CASE_FIELDS if k not in ("id", "input")},
    }
    path.write_text(json.dumps(row) + "\n")
    case = load_eval_set(path).cases[0]
    assert case.vars == {} and case.tags == () and case.metadata == {}
    assert case.tool_call_order == "any" and case.expected_tool_calls is None
    assert problems(tmp_path, [{"id": "b", "input": None}]) == [
        '1: field "input" is required unless the case gives vars for the prompt template'
    ]


def test_non_string_ids_are_shown_as_json(tmp_path: Path) -> None:
    assert problems(
        tmp_path, [{"id": 7, "input": "x"}, {"id": True, "input": "x"}, {"id": None, "input": "x"}]
    ) == [
        '1: field "id" must be a non-empty string, got 7',
        '2: field "id" must be a non-empty string, got true',
        '3: field "id" is required; give every case a unique string id',
    ]


def test_an_invalid_line_still_claims_its_id(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"id": "a", "input": "x", "tag": ["t"]},
        {"id": "a", "input": "y"},
    ]
    assert problems(tmp_path, rows) == [
        '1: field "tag" is unknown; did you mean "tags"?',
        '2: duplicate id "a" (first on line 1); ids must be unique in a file',
    ]


def test_ids_with_control_characters_are_refused(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [{"id": "a\nb", "input": "x"}, {"id": "café 1", "input": "y"}]
    assert problems(tmp_path, rows) == [
        '1: field "id" must not contain line breaks, tabs or other control characters, got "a\\nb"'
    ]


def test_cases_built_in_python_with_non_json_values_are_problems() -> None:
    from evalkit.dataset import EvalSet

    rows: list[dict[str, object]] = [
        {"id": "a", "input": "x", "metadata": {"score": float("nan")}},  # pandas' missing value
        {"id": "b", "input": "x", "vars": {"when": object}},
        {"id": "c", "input": "x"},
    ]
    with pytest.raises(DatasetError) as info:
        EvalSet.from_cases(rows, name="frame")
    assert [str(p) for p in info.value.problems] == [
        "frame:1: holds a value that is not JSON (NaN or Infinity, e.g. a pandas frame's "
        "missing value: use None); use strings, numbers, true/false, null, lists and objects",
        "frame:2: cannot hash a value of type type: <class 'object'>; use strings, numbers, "
        "true/false, null, lists and objects",
    ]
