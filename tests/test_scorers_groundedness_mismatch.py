"""groundedness's opt-in ``fail_on_mismatch`` pass rule for support answers.

With the default rule (supported fraction >= 0.6) a wrong fee in one claim of three passes;
on support answers the hard mismatch is what matters, and paraphrase is what makes the
wording checks fail. Invented text only.
"""

from __future__ import annotations

import pytest

from evalkit.dataset import Case, ContextPassage
from evalkit.errors import ScorerError
from evalkit.providers.base import Response
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext, build_scorer

CONTEXT = (
    ContextPassage(
        "1",
        "Customers may return unused items within 30 days of delivery for a full refund. "
        "Refunds are paid to the original card within 5 business days.",
    ),
    ContextPassage(
        "2",
        "Standard shipping inside Canada costs $7 and takes 3 to 6 business days. "
        "Orders above $80 ship free.",
    ),
)
SUPPORT = {"fail_on_mismatch": True, "threshold": 0.3}

ONE_WRONG_FEE = (
    "You can return unused items within 30 days of delivery for a full refund. "
    "Refunds are paid to the original card within 5 business days. "
    "Standard shipping inside Canada costs $9."
)
WORDING_ONLY = (
    "Unused items can be sent back within 30 days of delivery for a full refund. "
    "Happily, our courier partner takes great care of every single box you order."
)


def score(text: str, scorer: Groundedness) -> Score:
    result = scorer.score(ScoreContext(Case(id="c1", input="q", context=CONTEXT), Response(text)))
    assert isinstance(result, Score)
    return result


def test_one_wrong_figure_fails_although_the_fraction_passes() -> None:
    default = score(ONE_WRONG_FEE, Groundedness())
    assert (round(default.value or 0, 3), default.passed) == (0.667, True)  # the hole
    strict = score(ONE_WRONG_FEE, Groundedness(**SUPPORT))  # type: ignore[arg-type]
    assert strict.value == default.value  # the value is still the supported fraction
    assert strict.passed is False
    assert strict.reason.endswith("; fails on an amount mismatch (fail_on_mismatch)")
    assert "$9 not in passage 2" in strict.reason
    assert strict.details["metrics"]["hard_mismatch_claims"] == 1.0
    assert "hard_mismatch_claims" not in default.details["metrics"]  # default output unchanged


def test_wording_alone_passes_above_the_lower_threshold() -> None:
    assert score(WORDING_ONLY, Groundedness()).passed is False
    strict = score(WORDING_ONLY, Groundedness(**SUPPORT))  # type: ignore[arg-type]
    assert (strict.value, strict.passed) == (0.5, True)
    assert strict.details["metrics"]["hard_mismatch_claims"] == 0.0
    assert "fail_on_mismatch" not in strict.reason
    # the threshold still applies: nothing supported fails whatever the kind
    nothing = score("Parcels travel by zeppelin across glaciers.", Groundedness(**SUPPORT))  # type: ignore[arg-type]
    assert (nothing.value, nothing.passed) == (0.0, False)


def test_every_hard_kind_counts_and_is_named() -> None:
    cited = "Orders above $80 ship free [1]. Refunds are paid within 5 business days [1]."
    s = score(cited, Groundedness(**SUPPORT))  # type: ignore[arg-type]
    assert s.passed is False and s.reason.endswith(
        "fails on a citation mismatch (fail_on_mismatch)"
    )
    two = "Standard shipping inside Canada costs $9 and takes 8 to 12 business days."
    two += " Refunds are paid to the original card within 9 business days."
    s = score(two, Groundedness(**SUPPORT))  # type: ignore[arg-type]
    assert s.passed is False
    assert "fails on 2 mismatches (" in s.reason


def test_built_from_a_config_entry_and_bad_values_are_refused() -> None:
    built = build_scorer("groundedness", {"fail_on_mismatch": True}, threshold=0.3)
    assert isinstance(built, Groundedness) and built.fail_on_mismatch and built.threshold == 0.3
    assert score(ONE_WRONG_FEE, built).passed is False
    for bad in (
        {"fail_on_mismatch": "yes"},
        {"fail_on_mismatch": True, "mode": "judge", "judge_provider": "x", "judge_model": "y"},
    ):
        with pytest.raises(ScorerError, match="fail_on_mismatch must be true or false"):
            Groundedness(**bad)  # type: ignore[arg-type]
    with pytest.raises(ScorerError, match="keep one of them"):
        Groundedness(fail_on_mismatch=True, max_strongly_unsupported=2)
    with pytest.raises(ScorerError, match=r"fail_on_mismatch must be true or false \(got 1\)"):
        build_scorer("groundedness", {"fail_on_mismatch": 1})
