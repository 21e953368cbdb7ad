"""QA16 F6: a refused ``json_schema`` says which entry, suite, schema file and config line, and
lists every place; ``discriminator`` is an annotation; a fenced ``Infinity`` gets the "not
JSON" reason; ``1e400`` is a number to both JSON scorers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.dataset import Case
from evalkit.errors import ConfigError
from evalkit.providers.base import Response
from evalkit.scorers.json import JsonSchema, JsonValid, validate
from evalkit.scoring import ScoreContext


def ctx(text: str) -> ScoreContext:
    return ScoreContext(Case(id="c1", input="q"), Response(text=text))


def dated(*names: str) -> dict[str, object]:
    props = {n: {"type": "string", "format": "date-time"} for n in names}
    return {"type": "object", "properties": props}


def test_validate_names_the_entry_line_and_schema_file_of_each_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "simple.json").write_text(json.dumps(dated("when")))
    (tmp_path / "ticket.json").write_text(json.dumps(dated("a", "b", "c", "d", "e", "f", "g")))
    (tmp_path / "evals.jsonl").write_text('{"id": "s1", "input": "x"}\n')
    config = tmp_path / "evalkit.toml"
    config.write_text(
        '[candidates.a]\nprovider = "callable"\nmodel = "m"\noptions = { target = "p.py:a" }\n\n'
        '[suites.s]\ndataset = "evals.jsonl"\ncandidates = ["a"]\nscorers = [\n'
        '  { name = "json_schema", as = "simple", args = { schema = "simple.json" } },\n'
        '  { name = "json_schema", as = "ticket", args = { schema = "ticket.json" } },\n'
        "]\n"
    )
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err.splitlines()
    simple = [line for line in err if "simple.json" in line]
    ticket = [line for line in err if "ticket.json" in line]
    assert len(simple) == len(ticket) == 1
    assert simple[0].startswith(f"{config}:10: [suites.s] scorers[0]: scorer 'json_schema': ")
    assert ticket[0].startswith(f"{config}:11: [suites.s] scorers[1]: scorer 'json_schema': ")
    assert "format (at /properties/when)" in simple[0]
    places = ", ".join(f"/properties/{n}" for n in "abcde")
    assert f"format (at {places} and 2 more)" in ticket[0]


def test_a_pydantic_discriminated_union_is_accepted_and_still_checked() -> None:
    cat = {"type": "object", "properties": {"kind": {"const": "cat"}, "lives": {"type": "integer"}}}
    dog = {"type": "object", "properties": {"kind": {"const": "dog"}, "bark": {"type": "string"}}}
    schema = {
        "type": "object",
        "properties": {
            "pet": {
                "oneOf": [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {"cat": "#/$defs/Cat", "dog": "#/$defs/Dog"},
                },
            }
        },
        "$defs": {"Cat": {**cat, "required": ["kind"]}, "Dog": {**dog, "required": ["kind"]}},
    }
    scorer = JsonSchema(schema=schema)  # refused before: "discriminator (at /properties/pet)"
    assert scorer.score(ctx('{"pet": {"kind": "cat", "lives": 9}}')).reason == (
        "output conforms to the schema"
    )
    assert not scorer.score(ctx('{"pet": {"kind": "fish"}}')).passed


def test_a_fenced_infinity_is_named_as_not_json() -> None:
    text = 'Here it is:\n```json\n{"c": Infinity}\n```'
    for scorer in (JsonValid(), JsonSchema(schema={"type": "object"})):
        reason = scorer.score(ctx(text)).reason
        assert "in the fenced block: Infinity is not JSON" in reason, reason
    broken = JsonValid().score(ctx('Here:\n```json\n{"c": 1,}\n```')).reason
    # the parser's own words differ across Pythons (3.13: "Illegal trailing comma ...")
    assert "output is not valid JSON: in the fenced block: " in broken


@pytest.mark.parametrize("number", ["1e400", "-1E+400", "2.5e401"])
def test_a_number_beyond_double_range_is_a_number_to_both_scorers(number: str) -> None:
    text = f'{{"c": {number}}}'
    assert JsonValid().score(ctx(text)).passed
    for t in ("number", "integer"):
        score = JsonSchema(schema={"properties": {"c": {"type": t}}}).score(ctx(text))
        assert score.passed, score.reason
    huge = JsonSchema(schema={"properties": {"c": {"maximum": 100, "minimum": -100}}})
    reason = huge.score(ctx(text)).reason
    assert "e+40" in reason and ("maximum 100" in reason or "minimum -100" in reason)
    assert JsonSchema(schema={"properties": {"c": {"multipleOf": 0.5}}}).score(ctx(text)).passed


def test_huge_integers_and_multiples_are_exact() -> None:
    assert validate(10**400, {"multipleOf": 3}) != []
    assert validate(3 * 10**400, {"multipleOf": 3}) == []
    assert validate(10**400 + 1, {"multipleOf": 0.5}) == []
    assert validate(0.3, {"multipleOf": 0.1}) == []
    assert [e.keyword for e in validate(0.35, {"multipleOf": 0.1})] == ["multipleOf"]
    # a Python caller's infinity is still no JSON number
    assert [e.keyword for e in validate(float("inf"), {"maximum": 1})] == ["type"]


def test_an_inline_schema_refusal_still_reads_schema() -> None:
    with pytest.raises(ConfigError, match="the schema uses keywords"):
        JsonSchema(schema=dated("x"))
