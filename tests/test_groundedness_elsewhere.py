"""A figure of a claim that another passage of the case states, in the claim's own context.

Support answers combine two help-centre articles in one sentence ("The Plus plan costs £12 a
month and includes 3 devices", price and devices in two articles). Every sentence here is
invented for the test; each case has both sides: the figure stated with its own words in
another passage passes, a figure that another passage states about something else still fails.
"""

from __future__ import annotations

import pytest

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

PRICES = "The Plus plan costs £12 a month. The Basic plan costs £6 a month."
DEVICES = "Each Plus account includes 3 devices. You can add more devices at any time."
DELIVERY = "Standard delivery takes up to 30 days. Express delivery takes 2 days."
RETURNS = "You can return an item within 14 days of delivery for a full refund."


def _score(text: str, *passages: str) -> Score:
    case = Case(
        id="c",
        input="question",
        context=tuple(ContextPassage(f"p{n}", p) for n, p in enumerate(passages)),
    )
    result = Groundedness().score(ScoreContext(case, Response(text=text)))
    assert isinstance(result, Score)
    return result


def _claim(text: str, *passages: str) -> dict[str, object]:
    (claim,) = _score(text, *passages).details["claims"]
    return dict(claim)


@pytest.mark.parametrize(
    ("claim", "passages"),
    [
        ("The Plus plan costs £12 a month and includes 3 devices.", (PRICES, DEVICES)),
        ("The Plus plan includes 3 devices and costs £12 a month.", (PRICES, DEVICES)),
        (
            "You can return an item within 14 days of delivery, and express delivery takes 2 days.",
            (RETURNS, DELIVERY),
        ),
    ],
)
def test_a_figure_stated_with_its_own_words_in_another_passage_passes(
    claim: str, passages: tuple[str, ...]
) -> None:
    claims = _score(claim, *passages).details["claims"]
    assert all(c["supported"] for c in claims), claims


@pytest.mark.parametrize(
    ("claim", "passages", "expected"),
    [
        # 30 days is the delivery window of the other article, not the returns window
        (
            "You can return an item within 30 days of delivery for a full refund.",
            (RETURNS, DELIVERY),
            "number mismatch: 30",
        ),
        # the other article's 3 counts something else
        (
            "The Plus plan costs £12 a month and includes 3 users.",
            (PRICES, DEVICES),
            "number mismatch: 3",
        ),
        # another plan's figure in the other article, named there
        (
            "The Plus plan costs £12 a month and includes 5 devices.",
            (PRICES, "Business accounts include 5 devices."),
            "number mismatch: 5",
        ),
        # a figure of a third article that counts something else
        (
            "The Plus plan costs £12 a month and includes 2 devices.",
            (PRICES, DEVICES, DELIVERY),
            "number mismatch: 2",
        ),
    ],
)
def test_a_figure_another_passage_states_about_something_else_fails(
    claim: str, passages: tuple[str, ...], expected: str
) -> None:
    result = _claim(claim, *passages)
    assert result["supported"] is False, result
    assert str(result["reason"]).startswith(expected), result


def test_a_figure_no_passage_states_still_fails() -> None:
    result = _claim("The Plus plan costs £12 a month and includes 4 devices.", PRICES, DEVICES)
    assert str(result["reason"]).startswith("number mismatch: 4"), result
