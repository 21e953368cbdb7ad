"""groundedness: advisory and discourse frames ("One thing to be aware of:", "It's worth
knowing that", "For comparison,", "If you'd like") are no words a passage must hold; the fact
they frame is checked as before. Invented sentences, no probe rows."""

from __future__ import annotations

import pytest

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_frames import drop_frames
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

PASSAGE = (
    "Locker rental. A small locker costs £4 per day and a large locker costs £7 per day. "
    "Keys that are lost are replaced for £15. Lockers are emptied every Sunday night."
)


def score(answer: str) -> Score:
    case = Case(id="c", input="q", context=(ContextPassage("p", PASSAGE),))
    result = Groundedness().score(ScoreContext(case=case, response=Response(answer)))
    assert isinstance(result, Score)
    return result


@pytest.mark.parametrize(
    "answer",
    [
        "One thing to be aware of: lockers are emptied every Sunday night.",
        "It's worth knowing that lost keys are replaced for £15.",
        "For comparison, a large locker costs £7 per day.",
        "Just remember that lockers are emptied every Sunday night.",
        "The good news is that a small locker costs £4 per day.",
    ],
)
def test_a_framed_fact_is_supported(answer: str) -> None:
    s = score(answer)
    assert s.value == 1.0, s.details["claims"]


@pytest.mark.parametrize(
    "answer, reason",
    [
        ("One thing to be aware of: lockers are emptied every Saturday night.", "Saturday"),
        ("It's worth knowing that lost keys are replaced for £25.", "25"),
        ("For comparison, a large locker costs £9 per day.", "9"),
        ("Just remember that lockers are never emptied on Sunday night.", "negat"),
    ],
)
def test_the_frame_does_not_hide_a_wrong_figure_name_or_negation(answer: str, reason: str) -> None:
    s = score(answer)
    assert s.value == 0.0
    assert reason in s.details["claims"][0]["reason"]


def test_a_frame_is_a_closed_phrase_not_a_word() -> None:
    # "worth", "like", "difference" and "note" stay content outside their frames
    assert drop_frames("a voucher worth the fare") == "a voucher worth the fare"
    assert drop_frames("a sofa like this one") == "a sofa like this one"
    assert "difference" in drop_frames("we refund the difference")
    assert "note" in drop_frames("bring a doctor's note")
    assert "worth" not in drop_frames("It's worth noting that fees apply")


def test_an_invented_fact_inside_a_frame_still_fails() -> None:
    s = score("If you'd like, we can deliver the locker key to your hotel.")
    assert s.value == 0.0
