"""The tool_calls scorer: matching rules, pairing, schema validation, details, BFCL conversion."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from evalkit.dataset import Case, ExpectedToolCall, ToolSpec
from evalkit.errors import ScorerError
from evalkit.providers.base import Request, Response, ToolCall
from evalkit.scorers._tool_match import MatchRules, match_value, normalize_string
from evalkit.scorers._tool_schema import validate, validate_arguments
from evalkit.scorers.tool_calls import ToolCalls
from evalkit.scoring import Score, ScoreContext, build_scorer, score_all

WEATHER = ToolSpec(
    "get_weather",
    "Current weather for a city.",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer"},
            "lat": {"type": "number"},
            "hours": {"type": "array", "items": {"type": "number"}},
            "filters": {
                "type": "object",
                "properties": {"max_wind": {"type": "number"}, "sky": {"type": "string"}},
            },
        },
        "required": ["city"],
    },
)
TIME = ToolSpec(
    "get_time",
    "Local time in a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def exp(name: str, optional: tuple[str, ...] = (), **arguments: Any) -> ExpectedToolCall:
    return ExpectedToolCall(name, arguments, optional)


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name, arguments)


def run(
    expected: tuple[ExpectedToolCall, ...] | None,
    calls: tuple[ToolCall, ...] | list[ToolCall],
    *,
    tools: tuple[ToolSpec, ...] | None = (WEATHER, TIME),
    order: str = "any",
    metadata: dict[str, Any] | None = None,
    request_tools: tuple[ToolSpec, ...] | None = None,
    **scorer_args: Any,
) -> Score:
    case = Case(
        id="c1",
        input="weather?",
        expected_tool_calls=expected,
        tool_call_order=order,  # type: ignore[arg-type]
        tools=tools,
        metadata=metadata or {},
    )
    request = None
    if request_tools is not None:
        request = Request("c1", 0, "m", (), tools=request_tools)
    ctx = ScoreContext(case=case, response=Response(tool_calls=tuple(calls)), request=request)
    result = ToolCalls(**scorer_args).score(ctx)
    assert isinstance(result, Score)
    return result


# ---------------------------------------------------------------- names and arguments


def test_matching_call_passes_with_full_metrics() -> None:
    s = run(
        (exp("get_weather", city="Paris", unit="celsius"),),
        [call("get_weather", city="Paris", unit="celsius")],
    )
    assert (s.value, s.passed) == (1.0, True)
    assert s.details["metrics"] == {"name_accuracy": 1.0, "argument_accuracy": 1.0}
    assert s.details["calls"][0]["arguments"][0] == {
        "name": "city",
        "status": "match",
        "ok": True,
        "reason": "",
    }


def test_name_must_match_exactly_and_case_sensitively() -> None:
    s = run((exp("get_weather", city="Paris"),), [call("Get_Weather", city="Paris")])
    assert s.value == 0.0
    assert s.reason == 'call 1: expected tool "get_weather", got "Get_Weather"'
    assert s.details["metrics"]["name_accuracy"] == 0.0
    assert "argument_accuracy" not in s.details["metrics"]
    assert s.details["hallucinated_tools"] == ["Get_Weather"]


def test_first_reason_in_plain_words_names_the_call_and_argument() -> None:
    s = run(
        (
            exp("get_time", city="Paris"),
            exp("get_weather", city="Oslo", unit={"$any": ["celsius"]}),
        ),
        [call("get_time", city="Paris"), call("get_weather", city="Oslo", unit="fahrenheit")],
    )
    assert s.value == 0.0
    assert s.reason == 'call 2: argument "unit": expected one of ["celsius"], got "fahrenheit"'
    assert s.details["metrics"] == {"name_accuracy": 1.0, "argument_accuracy": pytest.approx(2 / 3)}


def test_int_is_acceptable_for_float_but_not_float_for_an_integer_parameter() -> None:
    assert run(
        (exp("get_weather", city="x", lat=3.0),), [call("get_weather", city="x", lat=3)]
    ).passed
    s = run((exp("get_weather", city="x", days=3),), [call("get_weather", city="x", days=3.0)])
    assert not s.passed
    assert s.reason == 'call 1: argument "days": expected 3, got 3.0'


def test_float_for_int_is_accepted_where_the_schema_allows_any_number() -> None:
    assert match_value(5.0, 5, {"type": "number"}) is None
    assert match_value(5.0, 5, None) is None
    assert match_value(5.0, 5, {"type": "integer"}) is not None


def test_booleans_are_not_numbers() -> None:
    assert match_value(True, 1, None) is not None
    assert match_value(1, True, None) is not None
    assert match_value(False, False, None) is None


def test_tuple_is_acceptable_for_list() -> None:
    s = run(
        (exp("get_weather", city="x", hours=[1.0, 2.5]),),
        [call("get_weather", city="x", hours=(1.0, 2.5))],
    )
    assert s.passed


def test_strings_normalised_for_case_and_spacing_without_enum() -> None:
    s = run(
        (exp("get_weather", city="New York, NY"),), [call("get_weather", city=" new york,  NY")]
    )
    assert s.passed
    # Until QA16 F1 the comma was deleted too ("new york ny" passed), as BFCL deletes
    # , . / - _ * ^; now only case and spacing are free, every punctuation mark counts.
    s = run((exp("get_weather", city="New York, NY"),), [call("get_weather", city="new york ny")])
    assert not s.passed
    # BFCL's own normalisation, kept for bfcl_compat.
    assert normalize_string("San-Francisco_CA. ") == "sanfranciscoca"
    assert normalize_string("it's") == 'it"s'
    # Colons and the like stay significant: "3:00" is not "300".
    assert match_value("3:00", "300", {"type": "string"}) is not None


def test_normalisation_folds_unicode_encodings_and_case() -> None:
    # The same visible city in decomposed (NFD) and precomposed (NFC) form, as happens when
    # an eval set was written on macOS; German sharp s against its upper-case form;
    # full-width letters.
    nfd, nfc = "Zu\u0308rich", "Z\u00fcrich"
    assert run((exp("get_weather", city=nfd),), [call("get_weather", city=nfc)]).passed
    assert run(
        (exp("get_weather", city="Stra\u00dfe"),), [call("get_weather", city="STRASSE")]
    ).passed
    assert normalize_string("\uff2f\uff53\uff4c\uff4f") == "oslo"


def test_mismatch_between_look_alike_strings_is_shown_escaped() -> None:
    # An enum token compares exactly; the message must not read "expected X, got X".
    miss = match_value("Zu\u0308rich", "Z\u00fcrich", {"type": "string", "enum": ["Z\u00fcrich"]})
    assert miss is not None
    assert miss.message == 'expected "Z\\u00fcrich", got "Zu\\u0308rich"'
    plain = match_value("Boston", "Oslo", {"type": "string"})
    assert plain is not None and plain.message == 'expected "Oslo", got "Boston"'


def test_enum_strings_are_exact_unless_bfcl_compat() -> None:
    expected = (exp("get_weather", city="x", unit="celsius"),)
    produced = [call("get_weather", city="x", unit="Celsius")]
    assert not run(expected, produced).passed
    assert run(expected, produced, bfcl_compat=True).passed


def test_normalisation_can_be_switched_off() -> None:
    s = run(
        (exp("get_weather", city="Paris"),),
        [call("get_weather", city="paris")],
        normalize_strings=False,
    )
    assert not s.passed


def test_strings_are_not_normalised_where_the_schema_wants_another_type() -> None:
    assert match_value("DontCare", "dontcare", {"type": "integer"}) is not None
    assert match_value("DontCare", "dontcare", {"type": ["integer", "string"]}) is None


def test_any_of_several_values() -> None:
    expected = (exp("get_weather", city={"$any": ["NYC", "New York"]}),)
    assert run(expected, [call("get_weather", city="new york")]).passed
    s = run(expected, [call("get_weather", city="Boston")])
    assert s.reason == 'call 1: argument "city": expected one of ["NYC", "New York"], got "Boston"'


def test_optional_argument_may_be_omitted_but_must_match_when_sent() -> None:
    expected = (exp("get_weather", ("unit",), city="Oslo", unit="celsius"),)
    omitted = run(expected, [call("get_weather", city="Oslo")])
    assert omitted.passed
    assert omitted.details["calls"][0]["arguments"][1]["status"] == "omitted"
    assert not run(expected, [call("get_weather", city="Oslo", unit="fahrenheit")]).passed


STRICT = ToolSpec(
    "search",
    "OpenAI strict mode: every property required, optional ones nullable.",
    {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "limit": {"type": ["integer", "null"]},
            "lang": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "filters": {
                "type": "object",
                "properties": {"site": {"type": ["string", "null"]}},
                "required": ["site"],
                "additionalProperties": False,
            },
        },
        "required": ["query", "limit", "lang", "filters"],
        "additionalProperties": False,
    },
)


def test_null_for_an_optional_argument_is_omitted_where_the_schema_allows_null() -> None:
    # A strict-mode model sends every parameter, the optional ones as null.
    expected = (
        exp("search", ("limit",), query="cats", limit=5, filters={"site": {"$optional": "x.org"}}),
    )
    produced = [call("search", query="cats", limit=None, lang=None, filters={"site": None})]
    s = run(expected, produced, tools=(STRICT,))
    assert s.passed, s.reason
    statuses = {a["name"]: a["status"] for a in s.details["calls"][0]["arguments"]}
    assert statuses == {"query": "match", "limit": "omitted", "filters": "match", "lang": "omitted"}
    assert s.details["metrics"]["argument_accuracy"] == 1.0
    assert not run(expected, produced, tools=(STRICT,), bfcl_compat=True).passed
    # A required argument sent as null is still wrong, and so is null where null is not allowed.
    required = run((exp("search", query="cats"),), [call("search", query=None)], tools=(STRICT,))
    assert required.reason == 'call 1: argument "query": expected "cats", got null'
    s = run(
        (exp("get_weather", ("unit",), city="x", unit="celsius"),),
        [call("get_weather", city="x", unit=None)],
    )
    assert s.reason == 'call 1: argument "unit": expected "celsius", got null'


WITH_DEFAULTS = ToolSpec(
    "list_projects",
    "",
    {
        "type": "object",
        "properties": {
            "user": {"type": "string"},
            "sort": {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
            "limit": {"type": "integer", "default": 10},
        },
        "required": ["user"],
    },
)


def test_an_argument_equal_to_the_schema_default_is_the_same_call() -> None:
    tools = (WITH_DEFAULTS,)
    # Sent with its default although the expectation leaves it out.
    sent = run(
        (exp("list_projects", user="ada"),),
        [call("list_projects", user="ada", sort="asc")],
        tools=tools,
    )
    assert sent.passed, sent.reason
    assert sent.details["calls"][0]["arguments"][1]["status"] == "default"
    # Left out although the expectation names the default value.
    left = run(
        (exp("list_projects", user="ada", limit=10),),
        [call("list_projects", user="ada")],
        tools=tools,
    )
    assert left.passed, left.reason
    # Another value, or a default-less schema, is still unexpected / missing.
    other = run(
        (exp("list_projects", user="ada"),),
        [call("list_projects", user="ada", sort="desc")],
        tools=tools,
    )
    assert other.reason == 'call 1: argument "sort" was not expected (got "desc")'
    missing = run(
        (exp("list_projects", user="ada", limit=20),),
        [call("list_projects", user="ada")],
        tools=tools,
    )
    assert missing.reason == 'call 1: argument "limit" is missing (expected 20)'
    # BFCL's checker has no such rule.
    assert not run(
        (exp("list_projects", user="ada"),),
        [call("list_projects", user="ada", sort="asc")],
        tools=tools,
        bfcl_compat=True,
    ).passed


def test_required_argument_may_not_be_omitted() -> None:
    s = run((exp("get_weather", city="Oslo", unit="celsius"),), [call("get_weather", city="Oslo")])
    assert not s.passed
    assert s.reason == 'call 1: argument "unit" is missing (expected "celsius")'


def test_unknown_argument_is_rejected() -> None:
    s = run((exp("get_weather", city="Oslo"),), [call("get_weather", city="Oslo", days=2)])
    assert not s.passed
    assert s.reason == 'call 1: argument "days" was not expected (got 2)'


def test_nested_objects_and_lists_are_compared_recursively() -> None:
    expected = (
        exp(
            "get_weather",
            city="x",
            filters={"max_wind": 10.0, "sky": {"$optional": {"$any": ["clear", "sunny"]}}},
            hours=[1, 2],
        ),
    )
    assert run(
        expected,
        [call("get_weather", city="x", filters={"max_wind": 10, "sky": "Sunny"}, hours=[1, 2])],
    ).passed
    assert run(
        expected, [call("get_weather", city="x", filters={"max_wind": 10}, hours=[1, 2])]
    ).passed
    wrong_item = run(
        expected, [call("get_weather", city="x", filters={"max_wind": 10}, hours=[2, 1])]
    )
    assert wrong_item.reason == 'call 1: argument "hours[0]": expected 1, got 2'
    extra_key = run(
        expected, [call("get_weather", city="x", filters={"max_wind": 10, "rain": 0}, hours=[1, 2])]
    )
    assert extra_key.reason == 'call 1: argument "filters.rain": was not expected (got 0)'
    missing_key = run(expected, [call("get_weather", city="x", filters={}, hours=[1, 2])])
    assert missing_key.reason == 'call 1: argument "filters.max_wind": is missing (expected 10.0)'


def test_int_for_float_inside_arrays_is_kind_by_default_strict_in_bfcl_mode() -> None:
    expected = (exp("get_weather", city="x", hours=[1.0, 3.0]),)
    produced = [call("get_weather", city="x", hours=[1, 3])]
    assert run(expected, produced).passed
    assert not run(expected, produced, bfcl_compat=True).passed
    assert match_value([1], [1.0], None, MatchRules(int_for_float_in_arrays=False)) is not None


def test_malformed_arguments_fail_with_the_parse_error() -> None:
    bad = ToolCall("get_weather", None, raw_arguments='{"city": ', parse_error="Expecting value")
    s = run((exp("get_weather", city="x"),), [bad])
    assert not s.passed
    assert s.reason == "call 1: arguments could not be parsed (Expecting value)"
    assert s.details["schema_problems"][0]["message"].startswith("call 1: arguments could not")


def test_malformed_arguments_count_as_wrong_arguments_in_argument_accuracy() -> None:
    # Right tool, unparsable arguments: every expected argument is wrong. Without verdicts the
    # case would carry no argument_accuracy and a run of malformed calls would average 1.0.
    bad = ToolCall("get_weather", None, raw_arguments='{"city": ', parse_error="Expecting value")
    s = run((exp("get_weather", ("unit",), city="x", unit="celsius"),), [bad])
    assert s.details["metrics"] == {"name_accuracy": 1.0, "argument_accuracy": 0.0}
    statuses = [a["status"] for a in s.details["calls"][0]["arguments"]]
    assert statuses == ["unparsed", "unparsed"]
    assert s.details["outcome"] == "malformed_arguments"


# ---------------------------------------------------------------- call counts and pairing


def test_parallel_calls_match_in_any_order() -> None:
    expected = (exp("get_weather", city="Oslo"), exp("get_time", city="Rome"))
    assert run(expected, [call("get_time", city="Rome"), call("get_weather", city="Oslo")]).passed


def test_pairing_is_an_optimal_assignment_not_greedy() -> None:
    # A greedy pass gives the first expectation the first call (a=1 fits "1 or 2"), leaving
    # city "Oslo" for an expectation that needs "Bergen"; the optimal pairing matches both.
    expected = (
        exp("get_time", city={"$any": ["Bergen", "Oslo"]}),
        exp("get_time", city="Bergen"),
    )
    produced = [call("get_time", city="Bergen"), call("get_time", city="Oslo")]
    s = run(expected, produced)
    assert s.passed
    assert [(r["expected"], r["call"]) for r in s.details["calls"]] == [(0, 1), (1, 0)]
    greedy = run(expected, produced, bfcl_compat=True)
    assert not greedy.passed
    assert greedy.reason == 'call 2: argument "city": expected "Bergen", got "Oslo"'


def test_strict_order_pairs_by_position() -> None:
    expected = (exp("get_weather", city="Oslo"), exp("get_time", city="Rome"))
    produced = [call("get_time", city="Rome"), call("get_weather", city="Oslo")]
    s = run(expected, produced, order="strict")
    assert not s.passed
    assert s.details["calls"][0]["reason"] == 'expected tool "get_weather", got "get_time"'
    assert s.details["outcome"] == "wrong_order"  # tests/test_scorers_tool_calls_order.py
    assert run(expected, list(reversed(produced)), order="strict").passed


def test_no_call_expected() -> None:
    assert run((), []).passed
    s = run((), [call("get_time", city="Rome")])
    assert not s.passed
    assert s.reason == 'expected no tool call, got 1: "get_time"'


def test_call_expected_but_none_made() -> None:
    s = run((exp("get_time", city="Rome"),), [])
    assert not s.passed
    assert s.reason == "expected 1 tool call(s), got none"
    assert s.details["metrics"]["name_accuracy"] == 0.0


def test_extra_and_missing_calls_fail() -> None:
    one = (exp("get_time", city="Rome"),)
    extra = run(one, [call("get_time", city="Rome"), call("get_time", city="Oslo")])
    assert not extra.passed
    assert extra.reason.startswith("expected 1 tool call(s), got 2")
    assert extra.details["metrics"]["name_accuracy"] == 0.5
    # The left-over call is named by position and arguments, not by its tool name alone.
    three = run(
        one,
        [
            call("get_time", city="Oslo"),
            call("get_time", city="Rome"),
            call("get_time", city="Paris"),
        ],
    )
    left = [r["reason"] for r in three.details["calls"] if r["expected"] is None]
    assert left == [
        'unexpected call (produced call 1) to "get_time" with {"city": "Oslo"}',
        'unexpected call (produced call 3) to "get_time" with {"city": "Paris"}',
    ]
    assert three.reason == "expected 1 tool call(s), got 3; " + left[0]
    two = (exp("get_time", city="Rome"), exp("get_time", city="Oslo"))
    assert not run(two, [call("get_time", city="Rome")]).passed


# ---------------------------------------------------------------- schema validation


def test_schema_problems_are_reported_beside_a_matching_expectation() -> None:
    # The expectation (curated) says "5" is right; the schema says integer: reported only.
    s = run((exp("get_weather", city="x", days="5"),), [call("get_weather", city="x", days="5")])
    assert s.passed
    assert [p["kind"] for p in s.details["schema_problems"]] == ["wrong_type"]
    assert "schema problem reported" in s.reason
    assert not run(
        (exp("get_weather", city="x", days="5"),),
        [call("get_weather", city="x", days="5")],
        schema="fail",
    ).passed


def test_without_expectations_the_value_is_schema_validity() -> None:
    assert run(None, [call("get_weather", city="Oslo", unit="celsius")]).passed
    assert run(None, []).passed
    cases = {
        "unknown_parameter": call("get_weather", city="Oslo", country="NO"),
        "missing_required": call("get_weather", unit="celsius"),
        "wrong_type": call("get_weather", city="Oslo", days="two"),
        "enum_violation": call("get_weather", city="Oslo", unit="kelvin"),
    }
    for kind, bad in cases.items():
        s = run(None, [bad])
        assert not s.passed, kind
        assert s.details["schema_problems"][0]["kind"] == kind
    s = run(None, [call("get_weather", city="Oslo", unit="kelvin")])
    assert s.reason == (
        'call 1: argument "unit": expected one of ["celsius", "fahrenheit"], got "kelvin"'
    )
    assert run(None, [cases["wrong_type"]], schema="report").passed


def test_hallucinated_tool_is_flagged() -> None:
    s = run(None, [call("book_flight", to="Oslo")])
    assert not s.passed
    assert s.details["hallucinated_tools"] == ["book_flight"]
    assert (
        s.reason == 'call 1: tool "book_flight" does not exist (tools: "get_weather", "get_time")'
    )


def test_request_tools_take_precedence_over_case_tools() -> None:
    s = run(None, [call("get_time", city="Rome")], tools=(WEATHER,), request_tools=(TIME,))
    assert s.passed
    s = run(None, [call("get_time", city="Rome")], tools=(TIME,), request_tools=(WEATHER,))
    assert s.details["hallucinated_tools"] == ["get_time"]


def test_neither_expectations_nor_tools_is_a_scorer_error() -> None:
    with pytest.raises(ScorerError, match="has nothing to check"):
        run(None, [call("get_time")], tools=None)
    case = Case(id="c9", input="hi")
    scores = asyncio.run(score_all([ToolCalls()], ScoreContext(case=case, response=Response())))
    assert scores["tool_calls"].error is not None
    assert "c9" in scores["tool_calls"].error


def test_tool_use_required_needs_at_least_one_call() -> None:
    meta = {"tool_use": "required"}
    assert run(None, [call("get_time", city="Rome")], metadata=meta).passed
    s = run(None, [], metadata=meta)
    assert not s.passed
    assert s.reason == "expected at least one tool call, got none"
    with pytest.raises(ScorerError, match='only value is "required"'):
        run(None, [], metadata={"tool_use": "sometimes"})


def test_registered_under_its_name() -> None:
    scorer = build_scorer("tool_calls", {"schema": "fail"})
    assert isinstance(scorer, ToolCalls)
    assert scorer.spec()["args"]["schema"] == "fail"
    with pytest.raises(ScorerError, match="schema='always'"):
        ToolCalls(schema="always")  # type: ignore[arg-type]


def test_validator_subset() -> None:
    schema = {
        "type": "object",
        "properties": {
            "ids": {"type": "array", "items": {"type": "integer"}},
            "when": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "note": {"type": "string", "nullable": True},
            "meta": {"type": "object", "additionalProperties": {"type": "string"}},
            "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]},
        },
    }
    assert (
        validate_arguments({"ids": [1, 2], "when": None, "note": None, "pair": ["a", 1]}, schema)
        == []
    )
    problems = validate_arguments(
        {"ids": [1, 2.5, True], "when": 3, "meta": {"k": 1}, "pair": [1, "b"]}, schema
    )
    assert [p.path for p in problems] == [
        "ids[1]",
        "ids[2]",
        "when",
        "meta.k",
        "pair[0]",
        "pair[1]",
    ]
    # Nested objects accept extra keys (JSON Schema's default); the top level does not.
    assert validate({"extra": 1}, {"type": "object", "properties": {}}) == []
    assert (
        validate_arguments({"extra": 1}, {"type": "object", "properties": {}})[0].kind
        == "unknown_parameter"
    )
    assert validate_arguments({"extra": 1}, {"type": "object", "additionalProperties": True}) == []


# ---------------------------------------------------------------- BFCL conversion


def _bfcl_convert() -> Any:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bfcl_convert.py"
    spec = importlib.util.spec_from_file_location("bfcl_convert_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


BFCL_ROW = {
    "id": "demo_1",
    "category": "simple_python",
    "question": [{"role": "user", "content": "Sort 3, 1, 2 and tag it"}],
    "functions": [
        {
            "name": "sorter.run",
            "description": "Sort numbers.",
            "parameters": {
                "type": "dict",
                "properties": {
                    "values": {"type": "array", "items": {"type": "float"}},
                    "label": {"type": "string"},
                    "limits": {"type": "tuple", "items": {"type": "integer"}},
                    "options": {"type": "dict", "properties": {"stable": {"type": "boolean"}}},
                    "extra": {"type": "any"},
                },
                "required": ["values"],
            },
        }
    ],
    "ground_truth": [
        {
            "sorter.run": {
                "values": [[3.0, 1.0, 2.0]],
                "label": ["nums", "numbers", ""],
                "limits": [""],
                "options": [{"stable": [True, ""]}, ""],
                "ghost": ["x", ""],
            }
        }
    ],
}


def test_bfcl_to_case_converts_types_answers_and_optional_markers() -> None:
    conv = _bfcl_convert()
    case = conv.bfcl_to_case(BFCL_ROW)
    props = case["tools"][0]["parameters"]["properties"]
    assert case["tools"][0]["parameters"]["type"] == "object"
    assert props["values"] == {"type": "array", "items": {"type": "number"}}
    assert props["limits"]["type"] == "array"
    assert props["options"]["type"] == "object"
    assert "type" not in props["extra"]
    (expected,) = case["expected_tool_calls"]
    assert expected["arguments"] == {
        "values": [3.0, 1.0, 2.0],
        "label": {"$any": ["nums", "numbers", ""]},
        "limits": [],
        "options": {"stable": {"$optional": {"$any": [True, ""]}}},
    }
    assert expected["optional"] == ["label", "limits", "options"]
    assert case["tags"] == ["bfcl", "simple_python"]
    assert case["metadata"]["bfcl_category"] == "simple_python"


def test_bfcl_special_categories() -> None:
    conv = _bfcl_convert()
    irrelevant = conv.bfcl_to_case({**BFCL_ROW, "category": "irrelevance", "ground_truth": None})
    assert irrelevant["expected_tool_calls"] == []
    relevant = conv.bfcl_to_case({**BFCL_ROW, "category": "live_relevance", "ground_truth": None})
    assert "expected_tool_calls" not in relevant
    assert relevant["metadata"]["tool_use"] == "required"


def test_bfcl_output_to_response_keeps_decoded_calls_and_text() -> None:
    conv = _bfcl_convert()
    row = {"model_output": [{"f": {"a": 1}}, {"g": {}}], "model_output_raw": [{"f": '{"a": 1}'}]}
    response = conv.bfcl_output_to_response(row)
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("f", {"a": 1}), ("g", {})]
    text = conv.bfcl_output_to_response({"model_output": [], "model_output_raw": "I can't."})
    assert (text.tool_calls, text.text) == ((), "I can't.")


def test_outcome_labels_the_kind_of_failure() -> None:
    weather = (exp("get_weather", city="Oslo"),)
    outcomes = {
        "correct": run(weather, [call("get_weather", city="Oslo")]),
        "hallucinated_tool": run(weather, [call("get_wether", city="Oslo")]),
        "malformed_arguments": run(weather, [ToolCall("get_weather", None)]),
        "missing_call": run(weather, []),
        "unexpected_call": run((), [call("get_time", city="Rome")]),
        "wrong_tool": run(weather, [call("get_time", city="Oslo")]),
        "wrong_order": run(
            (*weather, exp("get_time", city="Oslo")),
            [call("get_time", city="Oslo"), call("get_weather", city="Oslo")],
            order="strict",
        ),
        "wrong_arguments": run(weather, [call("get_weather", city="Bergen")]),
        "schema_violation": run(None, [call("get_weather", city=3)]),
    }
    assert {k: s.details["outcome"] for k, s in outcomes.items()} == {k: k for k in outcomes}


def test_skip_missing_leaves_cases_without_tool_expectations_unscored() -> None:
    import asyncio

    from evalkit.dataset import EvalSet
    from evalkit.providers.base import Response
    from evalkit.scoring import ScoreContext, build_scorer, score_all

    es = EvalSet.from_cases(
        [
            {"id": "chat", "input": "hi"},
            {"id": "tool", "input": "x", "expected_tool_calls": []},
            {"id": "need", "input": "x", "metadata": {"tool_use": "required"}},
        ]
    )
    scorer = build_scorer("tool_calls")
    scorer.skip_missing = True
    out = [asyncio.run(score_all([scorer], ScoreContext(c, Response(text="ok")))) for c in es]
    assert out[0] == {}
    assert out[1]["tool_calls"].passed is True
    assert out[2]["tool_calls"].passed is False
