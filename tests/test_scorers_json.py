from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.dataset import Case
from evalkit.errors import ConfigError
from evalkit.providers.base import Response
from evalkit.scorers.json import JsonSchema, JsonValid, find_json, validate
from evalkit.scoring import ScoreContext, build_scorer


def ctx(text: str) -> ScoreContext:
    return ScoreContext(Case(id="c1", input="q"), Response(text=text))


def pointers(instance: Any, schema: Any) -> list[tuple[str, str]]:
    return [(e.pointer, e.keyword) for e in validate(instance, schema)]


# ------------------------------------------------------------------------ extraction


def test_find_json_modes() -> None:
    assert find_json(' {"a": 1} ') == ({"a": 1}, "whole")
    fenced = 'Here you go:\n```json\n{"a": 2}\n```\nAnything else?'
    assert find_json(fenced) == ({"a": 2}, "fence")
    with pytest.raises(ValueError):
        find_json(fenced, "none")
    plain_fence = "```\n[1, 2]\n```"
    assert find_json(plain_fence) == ([1, 2], "fence")
    prose = 'The answer is {"a": [1, {"b": null}]} as requested.'
    with pytest.raises(ValueError):
        find_json(prose)
    assert find_json(prose, "any") == ({"a": [1, {"b": None}]}, "embedded")
    # a json-labelled fence wins over an earlier unlabelled one
    two = '```\nnot json\n```\n```json\n{"x": true}\n```'
    assert find_json(two) == ({"x": True}, "fence")
    with pytest.raises(ValueError, match="the output is empty"):
        find_json("   ")


def test_json_valid_scorer() -> None:
    ok = JsonValid().score(ctx('```json\n{"a": 1}\n```'))
    assert (ok.value, ok.passed, ok.reason) == (1.0, True, "valid JSON object (fence)")
    bad = JsonValid().score(ctx('{"a": 1,}'))
    assert bad.passed is False
    # The parser's own words differ between Python versions; its position is always given.
    assert bad.reason.startswith("output is not valid JSON: ")
    assert "line 1 column" in bad.reason
    assert "line 1 column" in bad.reason
    assert isinstance(build_scorer("json_valid", {"extract": "none"}), JsonValid)
    with pytest.raises(ConfigError, match="extract = 'all'"):
        JsonValid(extract="all")


# ------------------------------------------------------------------------ validator


def test_types() -> None:
    assert pointers(3, {"type": "integer"}) == []
    assert pointers(3.0, {"type": "integer"}) == []
    assert pointers(3.5, {"type": "integer"}) == [("", "type")]
    assert pointers(True, {"type": "integer"}) == [("", "type")]
    assert pointers(True, {"type": "number"}) == [("", "type")]
    assert pointers(None, {"type": ["string", "null"]}) == []
    assert pointers([], {"type": "object"}) == [("", "type")]
    [e] = validate("x", {"type": "integer"})
    assert str(e) == '(root): expected integer, got string ("x")'


def test_object_keywords_with_pointers() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 2},
            "tags": {"type": "array", "items": {"type": "string"}},
            "a/b": {"type": "integer"},
        },
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    errors = validate({"name": "x", "tags": ["ok", 3], "a/b": "1", "extra": 1}, schema)
    got = {(e.pointer, e.keyword) for e in errors}
    assert got == {
        ("", "required"),
        ("/name", "minLength"),
        ("/tags/1", "type"),
        ("/a~1b", "type"),
        ("/extra", "additionalProperties"),
    }
    msgs = {e.pointer: e.message for e in errors}
    assert msgs[""] == "required property 'age' is missing"
    assert msgs["/extra"] == "unknown property 'extra'; allowed: ['a/b', 'name', 'tags']"


def test_additional_properties_schema_and_pattern_properties() -> None:
    schema = {
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": {"type": "integer"},
    }
    assert pointers({"x-a": "s", "n": 1}, schema) == []
    assert pointers({"x-a": 1, "n": "s"}, schema) == [("/x-a", "type"), ("/n", "type")]


def test_enum_const_json_equality() -> None:
    assert pointers(1.0, {"enum": [1, 2]}) == []
    assert pointers(True, {"enum": [1]}) == [("", "enum")]
    assert pointers({"b": 1, "a": [1]}, {"const": {"a": [1.0], "b": 1}}) == []
    [e] = validate("fahrenheit", {"enum": ["celsius"]})
    assert e.message == 'expected one of ["celsius"], got "fahrenheit"'


def test_numbers() -> None:
    assert pointers(5, {"minimum": 5, "maximum": 5}) == []
    assert pointers(4, {"minimum": 5}) == [("", "minimum")]
    assert pointers(5, {"exclusiveMinimum": 5}) == [("", "exclusiveMinimum")]
    assert pointers(5, {"maximum": 5, "exclusiveMaximum": True}) == [("", "exclusiveMaximum")]
    assert pointers(0.3, {"multipleOf": 0.1}) == []
    assert pointers(7, {"multipleOf": 2}) == [("", "multipleOf")]


def test_strings_and_arrays() -> None:
    assert pointers("abc", {"pattern": "^a"}) == []
    assert pointers("xbc", {"pattern": "^a"}) == [("", "pattern")]
    assert pointers("é", {"maxLength": 1}) == []
    assert pointers([1, 1], {"uniqueItems": True}) == [("/1", "uniqueItems")]
    assert pointers([], {"minItems": 1}) == [("", "minItems")]
    assert pointers([1, "a", None], {"items": [{"type": "integer"}, {"type": "string"}]}) == []
    tuple_closed = {"prefixItems": [{"type": "integer"}], "items": False}
    assert pointers([1, 2], tuple_closed) == [("/1", "items")]


def test_combinators() -> None:
    any_of = {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}
    assert pointers(-1, any_of) == [("", "anyOf")]
    assert pointers(1, any_of) == []
    [e] = validate(-1, any_of)
    assert e.message.startswith("matches none of the 2 schemas in anyOf; closest: ")
    one_of = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    [e] = validate(1, one_of)
    assert e.message == "matches 2 of oneOf's schemas [0, 1]; expected exactly one"
    assert pointers(1.5, one_of) == []
    assert pointers(1, {"allOf": [{"minimum": 0}, {"maximum": 0}]}) == [("", "maximum")]
    assert pointers("a", {"not": {"type": "string"}}) == [("", "not")]
    assert pointers(1, True) == [] and pointers(1, False) == [("", "false")]


def test_refs_definitions_and_defs_and_recursion() -> None:
    schema = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "v": {"$ref": "#/definitions/val"},
                    "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
            }
        },
        "definitions": {"val": {"type": "integer"}},
        "$ref": "#/$defs/node",
    }
    tree = {"v": 1, "kids": [{"v": 2, "kids": [{"v": "three"}]}]}
    assert pointers(tree, schema) == [("/kids/0/kids/0/v", "type")]
    assert pointers(1, {"$ref": "#/definitions/missing"}) == [("", "$ref")]
    assert pointers(1, {"$ref": "other.json#/x"}) == [("", "$ref")]
    loop = {"$ref": "#"}
    assert pointers(1, loop)[0][1] == "$ref"  # infinite self-reference is stopped


# ------------------------------------------------------------------------ scorer

SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}},
    "required": ["answer", "confidence"],
    "additionalProperties": False,
    "format_hint": "x",
}


def test_json_schema_scorer_inline() -> None:
    scorer = JsonSchema(schema=SCHEMA, allow_unchecked=["format_hint"])
    ok = scorer.score(ctx('{"answer": "Paris", "confidence": 0.9}'))
    assert (ok.value, ok.passed) == (1.0, True)
    assert ok.reason == "output conforms to the schema (format_hint not checked)"
    assert ok.details["ignored_keywords"] == ["format_hint"]
    bad = scorer.score(ctx('```json\n{"answer": 1, "extra": 2}\n```'))
    assert bad.passed is False and bad.value == 0.0
    assert bad.reason == "(root): required property 'confidence' is missing (and 2 more)"
    assert bad.details["error_count"] == 3
    assert {e["pointer"] for e in bad.details["errors"]} == {"", "/answer", "/extra"}
    plain = {k: v for k, v in SCHEMA.items() if k != "format_hint"}
    fine = JsonSchema(schema=plain).score(ctx('{"answer": "Paris", "confidence": 0.9}'))
    assert fine.reason == "output conforms to the schema" and "ignored_keywords" not in fine.details
    nojson = scorer.score(ctx("Paris"))
    assert nojson.passed is False and nojson.reason.startswith("output is not valid JSON")


def test_json_schema_from_file_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "answer.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = {"schema": "schemas/answer.json", "allow_unchecked": ["format_hint"]}
    scorer = build_scorer("json_schema", args)
    assert isinstance(scorer, JsonSchema)
    assert scorer.score(ctx('{"answer": "a", "confidence": 1}')).passed is True
    spec = scorer.spec()
    assert spec["args"]["schema"] == "schemas/answer.json"
    assert len(spec["args"]["schema_sha256"]) == 64
    assert "_schema" not in spec["args"]


def test_json_schema_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        JsonSchema(schema=str(tmp_path / "nope.json"))
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid JSON"):
        JsonSchema(schema=str(tmp_path / "bad.json"))
    with pytest.raises(ConfigError, match="schema is missing"):
        JsonSchema()


# ------------------------------------------------------------- QA14 F4: strict JSON, unchecked


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    text = f'{{"answer": "x", "confidence": {constant}}}'
    for scorer in (JsonValid(), JsonValid(extract="any"), JsonSchema(schema=CONFIDENCE)):
        score = scorer.score(ctx(text))
        assert score.passed is False, scorer
        assert f"{constant.lstrip('-')} is not JSON" in score.reason
    fenced = f"Here:\n```json\n[{constant}]\n```"
    assert JsonValid().score(ctx(fenced)).passed is False
    # a real number still passes; the string "NaN" is JSON
    assert JsonSchema(schema=CONFIDENCE).score(ctx('{"answer": "x", "confidence": 1}')).passed
    assert JsonValid().score(ctx('{"confidence": "NaN"}')).passed


CONFIDENCE = {
    "type": "object",
    "required": ["answer", "confidence"],
    "properties": {"confidence": {"type": "number", "minimum": 0, "maximum": 1}},
}


def test_a_python_nan_fails_range_keywords_in_validate() -> None:
    assert pointers({"answer": "x", "confidence": float("nan")}, CONFIDENCE) == [
        ("/confidence", "type")
    ]


def test_a_schema_with_unchecked_keywords_is_refused_when_built() -> None:
    schema = {
        "type": "object",
        "if": {"properties": {"kind": {"const": "refund"}}},
        "then": {"required": ["amount"]},
        "properties": {"email": {"type": "string", "format": "email"}, "if": {"type": "string"}},
    }
    with pytest.raises(ConfigError) as info:
        JsonSchema(schema=schema)
    message = str(info.value)
    assert "if (at /), then (at /), format (at /properties/email)" in message
    assert 'allow_unchecked = ["format", "if", "then"]' in message
    accepted = JsonSchema(schema=schema, allow_unchecked=["if", "then", "format"])
    score = accepted.score(ctx('{"kind": "refund", "email": "not an address"}'))
    assert score.passed and score.reason == (
        "output conforms to the schema (format, if, then not checked)"
    )
    # annotations assert nothing and need no permission
    JsonSchema(schema={"type": "object", "title": "t", "description": "d", "x-order": 1})
