"""tool_calls on a call whose arguments are not an object, as a pipeline of the user's own can
build one (``ToolCall(..., arguments=["Oslo"])``): a ``malformed_arguments`` verdict for that
call, the case scored, never a crash (QA8 #7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalkit.config import Candidate
from evalkit.dataset import Case, EvalSet, ExpectedToolCall, ToolSpec
from evalkit.engine import RunOptions, run
from evalkit.providers.base import Request, Response, ToolCall
from evalkit.scorers._tool_schema import validate_arguments
from evalkit.scorers.tool_calls import ToolCalls
from evalkit.scoring import Score, ScoreContext

CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = ToolSpec("get_weather", "", CITY)


def _score(arguments: Any, expected: bool = True) -> Score:
    case = Case(
        id="t10",
        input="?",
        expected_tool_calls=(ExpectedToolCall("get_weather", {"city": "Oslo"}),)
        if expected
        else None,
        tools=(WEATHER,),
    )
    call = ToolCall("get_weather", arguments)
    return ToolCalls().score(ScoreContext(case=case, response=Response(tool_calls=(call,))))


@pytest.mark.parametrize(
    ("arguments", "why"),
    [
        (["Oslo"], "arguments are a list, not an object"),
        ('{"city": "Oslo"}', "arguments are a str, not an object"),
        (3, "arguments are an int, not an object"),
        (None, "not a JSON object"),
    ],
)
@pytest.mark.parametrize("expected", [True, False])
def test_arguments_that_are_not_an_object_are_malformed(
    arguments: Any, why: str, expected: bool
) -> None:
    s = _score(arguments, expected)
    assert (s.value, s.passed, s.details["outcome"]) == (0.0, False, "malformed_arguments")
    assert s.reason == f"call 1: arguments could not be parsed ({why})"
    if expected:
        assert [a["status"] for a in s.details["calls"][0]["arguments"]] == ["unparsed"]
        assert s.details["metrics"] == {"name_accuracy": 1.0, "argument_accuracy": 0.0}


def test_the_schema_validator_reports_a_non_object_instead_of_crashing() -> None:
    [problem] = validate_arguments(["Oslo"], CITY)  # type: ignore[arg-type]
    assert (problem.kind, problem.message) == (
        "invalid",
        'arguments must be an object, got array ["Oslo"]',
    )


def _pipeline(request: Request, **_: Any) -> Response:
    args: Any = ["Oslo"] if request.case_id == "list" else {"city": "Oslo"}
    return Response(text="", tool_calls=(ToolCall(name="get_weather", arguments=args),))


def test_a_callable_pipeline_returning_a_list_is_scored_not_a_scorer_error(
    tmp_path: Path,
) -> None:
    exp = [{"name": "get_weather", "arguments": {"city": "Oslo"}}]
    tools = [{"name": "get_weather", "parameters": CITY}]
    es = EvalSet.from_cases(
        [
            {"id": c, "input": "weather?", "expected_tool_calls": exp, "tools": tools}
            for c in ("list", "ok")
        ],
        name="fn",
    )
    cand = Candidate(name="fn", provider="callable", model="fn", options={"target": _pipeline})
    opts = RunOptions(out_dir=tmp_path / "run", cache_mode="off", progress="off")
    result = run(es, cand, [ToolCalls()], opts)
    by_id = {r.case_id: r.scores["tool_calls"] for r in result.records}
    assert by_id["list"].error is None
    assert (by_id["list"].value, by_id["list"].details["outcome"]) == (0.0, "malformed_arguments")
    assert by_id["ok"].details["outcome"] == "correct"
