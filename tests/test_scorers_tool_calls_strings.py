"""tool_calls: how string arguments are compared (QA14 F1: values must not merge)."""

from __future__ import annotations

import pytest

from evalkit.dataset import Case, ExpectedToolCall, ToolSpec
from evalkit.providers.base import Response, ToolCall
from evalkit.scorers._tool_match import MatchRules, match_value, same_string
from evalkit.scorers._tool_strings import normalize_string, string_groups
from evalkit.scorers.tool_calls import ToolCalls
from evalkit.scoring import Score, ScoreContext

TRANSFER = ToolSpec(
    "transfer",
    "Move money.",
    {
        "type": "object",
        "properties": {
            "amount": {"type": "string"},
            "to": {"type": "string"},
            "date": {"type": "string"},
        },
        "required": ["amount", "to"],
    },
)


def transfer(expected: dict[str, str], made: dict[str, str], bfcl_compat: bool = False) -> Score:
    case = Case(
        id="t",
        input="pay",
        tools=(TRANSFER,),
        expected_tool_calls=(ExpectedToolCall("transfer", expected),),
    )
    response = Response(tool_calls=(ToolCall("transfer", made),))
    score = ToolCalls(bfcl_compat=bfcl_compat).score(ScoreContext(case=case, response=response))
    assert isinstance(score, Score)
    return score


# The four QA14 F1 reproductions: each pair differs in value, so the call is wrong.
VALUE_CHANGES = [
    ("amount", "500", "-500"),  # a sign
    ("amount", "10.50", "1050"),  # a decimal point between digits
    ("date", "1/12/2024", "11/2/2024"),  # where a separator stands between digit groups
    ("to", "ACC-12-3", "ACC-1-23"),  # the same in an id
    ("amount", "+1", "1"),
    ("amount", "0.5", ".5"),
    ("amount", "1,5", "15"),  # a decimal comma is not a thousands separator
    ("date", "3:00", "300"),
    ("to", "x+1", "x-1"),
]


@pytest.mark.parametrize(("name", "expected", "made"), VALUE_CHANGES)
def test_a_string_that_differs_in_value_fails(name: str, expected: str, made: str) -> None:
    base = {"amount": "5", "to": "ACC-1"}
    score = transfer({**base, name: expected}, {**base, name: made})
    assert not score.passed
    assert score.details["outcome"] == "wrong_arguments"
    assert f'argument "{name}"' in score.reason
    assert not same_string(made, expected)


LENIENT = [
    ("2024-01-05", "2024/01/05"),
    ("05.01.2024", "05-01-2024"),  # a chain of dotted digit groups is a date, not a decimal
    ("New York, NY", "new york ny"),
    ("  Paris ", "PARIS"),
    ("San-Francisco_CA.", "san francisco ca"),
    ("1,000,000", "1000000"),
    ("-1,250.75", "-1250.75"),
    ("U.S.", "US"),
    ("ACC12", "ACC-12"),
    ("Zu\u0308rich", "Z\u00fcrich"),
    ("Stra\u00dfe", "STRASSE"),
    ("\u221210", "-10"),  # typographic minus
    ("it's", 'it"s'),
]


@pytest.mark.parametrize(("expected", "made"), LENIENT)
def test_the_intended_leniency_is_kept(expected: str, made: str) -> None:
    assert transfer({"amount": "5", "to": expected}, {"amount": "5", "to": made}).passed


def test_groups_keep_sign_decimal_point_and_boundaries() -> None:
    assert string_groups("-500") == ("-500",)
    assert string_groups("ACC-500") == ("acc", "500")  # a hyphen after a letter separates
    assert string_groups("10.50") == ("10.50",)
    assert string_groups("11/2/2024") == ("11", "2", "2024")
    assert string_groups("1.2.3") == ("1", "2", "3")
    assert string_groups("1,000,00") == ("1", "000", "00")  # not a well-formed grouping
    assert string_groups("3:00") == ("3", ":", "00")


def test_bfcl_compat_keeps_bfcls_own_stripping() -> None:
    # BFCL deletes separators, so its checker equates these; bfcl_compat mirrors it on purpose.
    for name, expected, made in VALUE_CHANGES[:4]:
        base = {"amount": "5", "to": "ACC-1"}
        assert transfer({**base, name: expected}, {**base, name: made}, bfcl_compat=True).passed
    assert normalize_string("-10.50") == normalize_string("1050")
    assert same_string("-500", "500", MatchRules(bfcl_strings=True))


def test_enum_strings_and_switched_off_normalisation_stay_exact() -> None:
    assert match_value("2024/01/05", "2024-01-05", {"type": "string"}) is None
    off = MatchRules(normalize_strings=False)
    assert match_value("2024/01/05", "2024-01-05", None, off) is not None
    enum = {"type": "string", "enum": ["a-b"]}
    assert match_value("a b", "a-b", enum) is not None
