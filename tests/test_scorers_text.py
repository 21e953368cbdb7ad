from __future__ import annotations

import asyncio

import pytest

from evalkit.dataset import Case
from evalkit.errors import ConfigError
from evalkit.providers.base import Response
from evalkit.scorers.text import (
    Contains,
    ContainsAll,
    ContainsAny,
    ExactMatch,
    Fuzzy,
    Regex,
    normalize,
)
from evalkit.scoring import ScoreContext, build_scorer, score_all


def ctx(text: str, expected: tuple[str, ...] | None = ("Paris",)) -> ScoreContext:
    return ScoreContext(Case(id="c1", input="q", expected=expected), Response(text=text))


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("exact_match", ExactMatch),
        ("contains", Contains),
        ("contains_all", ContainsAll),
        ("contains_any", ContainsAny),
        ("fuzzy", Fuzzy),
    ],
)
def test_registered(name: str, cls: type) -> None:
    assert isinstance(build_scorer(name), cls)
    assert build_scorer(name).name == name


def test_normalize_options() -> None:
    text = "  Don't  Panic,\tFriend!  "
    assert normalize(text) == "Don't  Panic,\tFriend!"
    assert normalize(text, strip=False) == text
    assert normalize(text, ignore_case=True) == "don't  panic,\tfriend!"
    assert normalize(text, ignore_whitespace=True) == "Don't Panic, Friend!"
    assert normalize(text, ignore_punctuation=True) == "Dont  Panic\tFriend"
    assert normalize("¿Qué?", ignore_punctuation=True) == "Qué"


def test_exact_match_default_is_strict_but_strips() -> None:
    assert ExactMatch().score(ctx(" Paris\n")).passed is True
    s = ExactMatch().score(ctx("paris"))
    assert (s.value, s.passed) == (0.0, False)
    assert s.reason == "output 'paris' equals none of 1 expected answer(s)"


def test_exact_match_normalised_any_reference() -> None:
    scorer = ExactMatch(ignore_case=True, ignore_punctuation=True, ignore_whitespace=True)
    s = scorer.score(ctx("the   city of  PARIS.", ("Lyon", "The city of Paris")))
    assert s.passed is True
    assert s.details["matched"] == 1
    assert s.reason == "output equals expected[1]"


def test_exact_match_requires_expected() -> None:
    out = asyncio.run(score_all([ExactMatch()], ctx("x", expected=None)))
    assert out["exact_match"].error is not None
    assert "needs field(s) ['expected']" in out["exact_match"].error


def test_contains_uses_expected_or_values() -> None:
    assert Contains().score(ctx("It is Paris, of course.")).passed is True
    assert Contains().requires == ("expected",)
    with_values = Contains(values="refund")
    assert with_values.requires == ()
    s = with_values.score(ctx("No money back.", expected=None))
    assert s.passed is False and s.reason == 'output contains none of "refund"'


def test_contains_case_and_whole_words() -> None:
    assert Contains(values=["paris"]).score(ctx("PARIS")).passed is False
    assert Contains(values=["paris"], ignore_case=True).score(ctx("PARIS")).passed is True
    assert ContainsAny(values=["cat"]).score(ctx("concatenate")).passed is True
    assert ContainsAny(values=["cat"], whole_words=True).score(ctx("concatenate")).passed is False
    assert ContainsAny(values=["cat"], whole_words=True).score(ctx("a cat.")).passed is True


def test_contains_any_reports_found() -> None:
    s = ContainsAny(values=["red", "blue", "green"]).score(ctx("blue sky, green grass"))
    assert s.passed is True and s.details["found"] == ["blue", "green"]
    assert s.reason == 'output contains "blue", "green"'


def test_contains_all_fraction_and_missing() -> None:
    s = ContainsAll(values=["a1", "b2", "c3", "d4"]).score(ctx("a1 and c3"))
    assert s.value == 0.5 and s.passed is False
    assert s.details["missing"] == ["b2", "d4"]
    assert s.reason == 'output lacks 2 of 4: "b2", "d4"'
    ok = ContainsAll(values=["a1", "c3"]).score(ctx("a1 and c3"))
    assert (ok.value, ok.passed, ok.reason) == (1.0, True, "output contains all 2")
    lenient = ContainsAll(values=["a1", "b2"], threshold=0.5).score(ctx("a1"))
    assert lenient.passed is True


def test_contains_rejects_bad_values() -> None:
    with pytest.raises(ConfigError, match="non-empty list"):
        ContainsAll(values=[])
    with pytest.raises(ConfigError, match="non-empty list"):
        ContainsAny(values=["ok", ""])


def test_regex_modes_flags_negate() -> None:
    assert Regex(pattern=r"\d{3}").score(ctx("call 555 now")).passed is True
    full = Regex(pattern=r"\d{3}", mode="fullmatch").score(ctx("call 555 now"))
    assert full.passed is False and full.reason == r"no fullmatch for /\d{3}/ in the output"
    assert Regex(pattern="^yes$", flags="i").score(ctx("YES")).passed is True
    assert Regex(pattern="^yes$", flags=["IGNORECASE"]).score(ctx("YES")).passed is True
    assert Regex(pattern="^yes$", flags="IGNORECASE").score(ctx("YES")).passed is True
    assert Regex(pattern="^b", flags="m").score(ctx("a\nb")).passed is True
    neg = Regex(pattern="(?i)as an ai", negate=True).score(ctx("As an AI, I cannot"))
    assert neg.passed is False and neg.reason == "output matches forbidden /(?i)as an ai/"
    m = Regex(pattern=r"(\d+)").score(ctx("total: 42 items"))
    assert m.details["match"] == "42" and m.reason == "matched '42'"


def test_regex_config_errors() -> None:
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        Regex(pattern="(")
    with pytest.raises(ConfigError, match="unknown regex flag 'q'"):
        Regex(pattern="a", flags="q")
    with pytest.raises(ConfigError, match="mode = 'find'"):
        Regex(pattern="a", mode="find")
    with pytest.raises(ConfigError, match="pattern is missing"):
        Regex()


def test_regex_spec_is_json() -> None:
    spec = build_scorer("regex", {"pattern": "a+", "flags": "i"}).spec()
    assert spec == {
        "name": "regex",
        "args": {
            "strip": True,
            "ignore_case": False,
            "ignore_whitespace": False,
            "ignore_punctuation": False,
            "threshold": 0.5,
            "pattern": "a+",
            "mode": "search",
            "flags": "i",
            "negate": False,
        },
        "ref": "evalkit.scorers.text:Regex",
    }


def test_fuzzy_best_over_references() -> None:
    s = Fuzzy().score(ctx("The capital is Paris", ("London", "the capital is paris.")))
    assert s.details["best"] == 1
    assert s.value is not None and s.value > 0.95 and s.passed is True
    low = Fuzzy().score(ctx("Berlin"))
    assert low.passed is False and low.value is not None and low.value < 0.5
    assert low.reason.startswith("ratio similarity 0.") and "below 0.8" in low.reason


def test_fuzzy_methods() -> None:
    long = ctx("Well, I think the answer is Paris.")
    assert Fuzzy(method="partial_ratio").score(long).value == 1.0
    assert Fuzzy().score(long).passed is False
    assert Fuzzy(method="token_set_ratio").score(ctx("b a c", ("a b c",))).value == 1.0
    with pytest.raises(ConfigError, match="method = 'cosine'"):
        Fuzzy(method="cosine")


# ------------------------------------------------ QA14 F11: Unicode NFC, look-alikes escaped

DECOMPOSED, PRECOMPOSED = "Cafe\u0301", "Caf\u00e9"


def test_text_scorers_compare_after_nfc() -> None:
    assert ExactMatch().score(ctx(DECOMPOSED, (PRECOMPOSED,))).passed
    assert ExactMatch().score(ctx(PRECOMPOSED, (DECOMPOSED,))).passed
    assert Contains().score(ctx(f"Un {DECOMPOSED} noir", (PRECOMPOSED,))).passed
    assert ContainsAll(values=[DECOMPOSED]).score(ctx(PRECOMPOSED)).passed
    assert Fuzzy().score(ctx(DECOMPOSED, (PRECOMPOSED,))).value == 1.0
    assert Regex(pattern=DECOMPOSED, mode="fullmatch").score(ctx(PRECOMPOSED)).passed
    assert normalize(DECOMPOSED) == PRECOMPOSED


def test_nfkc_is_not_applied_but_look_alikes_are_shown_escaped() -> None:
    wide = ExactMatch().score(ctx("\uff30\uff41\uff52\uff49\uff53", ("Paris",)))
    assert not wide.passed
    assert wide.reason.endswith(
        'expected[0] only looks the same: output "\\uff30\\uff41\\uff52\\uff49\\uff53", '
        'expected "Paris"'
    )
    hidden = ExactMatch().score(ctx("Pa\u200bris", ("Lyon", "Paris")))
    assert 'expected[1] only looks the same: output "Pa\\u200bris"' in hidden.reason
    assert "looks the same" not in ExactMatch().score(ctx("Lyon", ("Paris",))).reason
    assert not ExactMatch().score(ctx("x\u00b2", ("x2",))).passed  # x squared is not x2
