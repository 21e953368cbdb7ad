"""tool_calls with ``tool_call_order: "strict"``: calls that are right as a set but made in
another order are one ``wrong_order`` outcome, not a ``wrong_tool`` per misplaced call
(QA8 #8); anything else wrong keeps its own outcome."""

from __future__ import annotations

from typing import Any

from evalkit.dataset import Case, ExpectedToolCall, ToolSpec
from evalkit.providers.base import Response, ToolCall
from evalkit.scorers.tool_calls import ToolCalls
from evalkit.scoring import Score, ScoreContext

CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOLS = (ToolSpec("get_weather", "", CITY), ToolSpec("get_time", "", CITY))


def _score(expected: list[tuple[str, str]], produced: list[tuple[str, str]], **kw: Any) -> Score:
    case = Case(
        id="t3",
        input="?",
        expected_tool_calls=tuple(ExpectedToolCall(n, {"city": c}) for n, c in expected),
        tool_call_order="strict",
        tools=TOOLS,
    )
    calls = tuple(ToolCall(n, {"city": c}) for n, c in produced)
    return ToolCalls(**kw).score(ScoreContext(case=case, response=Response(tool_calls=calls)))


def test_reversed_calls_are_a_wrong_order_with_the_per_position_detail_kept() -> None:
    s = _score(
        [("get_time", "Rome"), ("get_weather", "Rome")],
        [("get_weather", "Rome"), ("get_time", "Rome")],
    )
    assert (s.value, s.passed, s.details["outcome"]) == (0.0, False, "wrong_order")
    assert s.reason == (
        'right calls in the wrong order (tool_call_order "strict"): '
        "expected call 1 is call 2, expected call 2 is call 1"
    )
    assert [r["reason"] for r in s.details["calls"]] == [
        'expected tool "get_time", got "get_weather"',
        'expected tool "get_weather", got "get_time"',
    ]
    assert s.details["order"] == [{"expected": 0, "call": 1}, {"expected": 1, "call": 0}]
    # The metrics stay positional, as before: only the label and the reason changed.
    assert s.details["metrics"]["name_accuracy"] == 0.0


def test_one_tool_twice_with_swapped_arguments_is_a_wrong_order() -> None:
    s = _score(
        [("get_time", "Rome"), ("get_time", "Oslo"), ("get_weather", "Oslo")],
        [("get_time", "Oslo"), ("get_time", "Rome"), ("get_weather", "Oslo")],
    )
    assert s.details["outcome"] == "wrong_order"
    assert s.reason.endswith("expected call 1 is call 2, expected call 2 is call 1")
    assert s.details["calls"][0]["reason"] == 'argument "city": expected "Rome", got "Oslo"'


def test_an_order_problem_plus_another_fault_is_that_fault() -> None:
    wrong_arg = _score(
        [("get_time", "Rome"), ("get_weather", "Rome")],
        [("get_weather", "Oslo"), ("get_time", "Rome")],
    )
    assert wrong_arg.details["outcome"] == "wrong_tool"
    assert "order" not in wrong_arg.details
    missing = _score([("get_time", "Rome"), ("get_weather", "Rome")], [("get_weather", "Rome")])
    assert missing.details["outcome"] == "missing_call"


def test_in_order_calls_pass_and_any_order_is_unaffected() -> None:
    assert _score(
        [("get_time", "Rome"), ("get_weather", "Rome")],
        [("get_time", "Rome"), ("get_weather", "Rome")],
    ).passed
    case = Case(
        id="p",
        input="?",
        expected_tool_calls=(
            ExpectedToolCall("get_time", {"city": "Rome"}),
            ExpectedToolCall("get_weather", {"city": "Rome"}),
        ),
        tools=TOOLS,
    )
    calls = (ToolCall("get_weather", {"city": "Rome"}), ToolCall("get_time", {"city": "Rome"}))
    s = ToolCalls().score(ScoreContext(case=case, response=Response(tool_calls=calls)))
    assert s.passed and s.details["outcome"] == "correct"
