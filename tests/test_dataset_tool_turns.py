"""Tool-using conversations in eval sets: both accepted shapes, every refusal located, the
documented examples valid, and the readable form the report shows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import _input_text
from evalkit.dataset import EvalSet, Message, ToolCall, load_eval_set
from evalkit.errors import DatasetError

ROOT = Path(__file__).resolve().parent.parent
USER = {"role": "user", "content": "Weather in Paris?"}


def _assistant(*calls: dict[str, Any], content: Any = "") -> dict[str, Any]:
    return {"role": "assistant", "content": content, "tool_calls": list(calls)}


def _tool(call_id: str | None, content: str = "18C", **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "tool", "content": content, **kw}
    if call_id is not None:
        out["tool_call_id"] = call_id
    return out


def problems(tmp_path: Path, inputs: list[list[Any]]) -> list[str]:
    path = tmp_path / "agent.jsonl"
    rows = [{"id": f"c{i}", "input": conv} for i, conv in enumerate(inputs, start=1)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_eval_set(path)
    return [str(p).removeprefix(f"{path}:") for p in info.value.problems]


def test_evalkit_and_openai_shapes_parse_to_the_same_messages() -> None:
    ours = [
        USER,
        _assistant({"id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}}),
        _tool("c1", name="get_weather"),
    ]
    wire = [
        USER,
        _assistant(
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            content=None,
        ),
        _tool("c1", name="get_weather"),
    ]
    a, b = EvalSet.from_cases([{"id": "a", "input": ours}, {"id": "b", "input": wire}]).cases
    assert a.input == b.input
    assert isinstance(a.input, tuple)
    assert a.input[1] == Message(
        "assistant", "", (ToolCall("get_weather", {"city": "Paris"}, id="c1"),)
    )
    assert a.input[2] == Message("tool", "18C", tool_call_id="c1", name="get_weather")
    # a case round-trips through to_dict (what from_cases and rescoring rely on)
    again = EvalSet.from_cases([a]).cases[0]
    assert again.input == a.input


def test_parameterless_calls_and_old_style_tool_messages_are_accepted() -> None:
    conv = [USER, _assistant({"id": "n", "name": "now"}), _tool("n", "noon")]
    old = [USER, {"role": "assistant", "content": "ok"}, _tool(None, "18C")]
    a, b = EvalSet.from_cases([{"id": "a", "input": conv}, {"id": "b", "input": old}]).cases
    assert isinstance(a.input, tuple) and a.input[1].tool_calls[0].arguments == {}
    assert isinstance(b.input, tuple)
    assert b.input[2].to_dict() == {"role": "tool", "content": "18C"}  # unchanged, no new keys


def test_every_broken_tool_turn_is_named_with_line_case_and_message(tmp_path: Path) -> None:
    call = {"id": "k", "name": "get_weather", "arguments": {"city": "Paris"}}
    rows: list[list[Any]] = [
        [USER, _assistant({"name": "get_weather", "arguments": {}})],
        [USER, _assistant({"id": "k", "name": "f", "arguments": [1]})],
        [USER, _assistant({"id": "k", "name": "f", "arguments": "{not json"})],
        [USER, _assistant({"id": "k", "name": "f", "args": {}})],
        [USER, {"role": "assistant", "content": "", "tool_call": []}],
        [USER, _assistant(call), _tool("zz")],
        [USER, _tool("k")],
        [USER, _assistant(call), _tool("k"), _tool("k")],
        [USER, _assistant(call)],
        [USER, _assistant(call), _tool(None)],
        [USER, _assistant(call), _tool("k"), USER, _assistant(call), _tool("k")],
        [USER, _assistant(call), _tool("k", name="get_time")],
        [{"role": "user", "content": "x", "tool_call_id": "k"}],
        [USER, _assistant({"id": "k", "function": {"name": "f", "arguments": "{}", "x": 1}})],
    ]
    assert problems(tmp_path, rows) == [
        '1: field "input" message 2 tool call 1 of case "c1" ("get_weather") needs an "id" '
        'string, got null; the tool message that answers it repeats it as "tool_call_id"',
        '2: field "input" message 2 tool call 1 of case "c2" ("f") "arguments" must be an '
        "object (or a JSON string of one), got [1]",
        '3: field "input" message 2 tool call 1 of case "c3" ("f") "arguments" must be an '
        'object (or a JSON string of one), got "{not json"',
        '4: field "input" message 2 tool call 1 of case "c4" has unknown key "args"; did you '
        'mean "arguments"?',
        '5: field "input" message 2 of case "c5" has unknown key "tool_call"; did you mean '
        '"tool_calls"?',
        '6: field "input" message 3 (tool) of case "c6" answers tool_call_id "zz", which no '
        'tool call of the assistant turn before it has: message 2 made only "k"; put each '
        "result right after the assistant message that made the call, with that call's id",
        '6: field "input" message 2 tool call "k" ("get_weather") of case "c6" has no tool '
        'result; add {"role": "tool", "tool_call_id": "k", "content": ...} right after it '
        "(OpenAI and Anthropic both refuse an unanswered call)",
        '7: field "input" message 2 (tool) of case "c7" answers tool_call_id "k", which no '
        "tool call of the assistant turn before it has: no assistant turn with tool_calls "
        "comes directly before it; put each result right after the assistant message that "
        "made the call, with that call's id",
        '8: field "input" message 4 (tool) of case "c8" answers "k" again (message 3 did); '
        "one result per call",
        '9: field "input" message 2 tool call "k" ("get_weather") of case "c9" has no tool '
        'result; add {"role": "tool", "tool_call_id": "k", "content": ...} right after it '
        "(OpenAI and Anthropic both refuse an unanswered call)",
        '10: field "input" message 3 (tool) of case "c10" has no "tool_call_id"; message 2 '
        'made the call(s) it may answer: "k" (get_weather); set the id of the one this '
        "result is for",
        '10: field "input" message 2 tool call "k" ("get_weather") of case "c10" has no tool '
        'result; add {"role": "tool", "tool_call_id": "k", "content": ...} right after it '
        "(OpenAI and Anthropic both refuse an unanswered call)",
        '11: field "input" message 5 tool call "k" of case "c11" repeats the id of a call in '
        "message 2; ids must be unique in a conversation",
        '11: field "input" message 6 (tool) of case "c11" answers "k" again (message 3 did); '
        "one result per call",
        '12: field "input" message 3 (tool) of case "c12" names tool "get_time", but call "k" '
        'is to "get_weather"; fix the name',
        '13: field "input" message 1 (user) of case "c13" has "tool_call_id", which only a '
        "tool message carries; remove it",
        '14: field "input" message 2 tool call 1 of case "c14" "function" must be {"name", '
        '"arguments"} (OpenAI\'s form)',
    ]


def _doc_cases() -> list[dict[str, Any]]:
    text = (ROOT / "docs" / "eval-sets.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```json\n(.*?)^```", text, re.S | re.M)
    return [json.loads(line) for b in blocks for line in b.splitlines() if line.strip()]


def test_the_documented_examples_load_including_the_tool_conversation() -> None:
    cases = EvalSet.from_cases(_doc_cases(), name="docs").by_id()
    agent = cases["agent-009"].input
    assert isinstance(agent, tuple)
    assert agent[1].tool_calls[0].id == agent[2].tool_call_id == "call_1"


def test_documented_error_example_is_what_loading_says(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "eval-sets.md").read_text(encoding="utf-8")
    shown = re.search(r"^datasets/agent\.jsonl:3: (.*)$", text, re.M)
    assert shown is not None
    first = {"role": "user", "content": "Refund?"}
    conv = [first, _assistant({"id": "call_1", "name": "get_order"}), _tool("call_2")]
    path = tmp_path / "agent.jsonl"
    lines = [{"id": f"ok-{i}", "input": "x"} for i in (1, 2)] + [{"id": "agent-012", "input": conv}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_eval_set(path)
    assert info.value.problems[0].message == shown.group(1)


def test_the_report_input_shows_calls_and_results() -> None:
    case = EvalSet.from_cases(
        [
            {
                "id": "a",
                "input": [
                    {"role": "system", "content": "secret"},
                    USER,
                    _assistant(
                        {"id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}},
                        content="Checking.",
                    ),
                    _tool("c1"),
                    {"role": "user", "content": "Thanks"},
                ],
            }
        ]
    ).cases[0]
    assert isinstance(case.input, tuple)
    request = {"messages": [m.to_dict() for m in case.input]}
    assert _input_text(request) == (
        "Weather in Paris?\n\nChecking.\n"
        '[tool call] get_weather({"city": "Paris"})\n\n'
        "[tool result: get_weather] 18C\n\nThanks"
    )
    old = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
    assert _input_text(old) == "a\n\nb"
