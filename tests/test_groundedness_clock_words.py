"""Clock times written in words against the passage's digits ("half past five" for "17:30").

Every sentence is invented for the test; each case has both sides.
"""

from __future__ import annotations

import pytest

from tests.helpers.grounding import run


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The shop closes at half past five.", "The shop closes at 17:30."),
        ("The shop closes at half past five.", "The shop closes at 5:30 pm."),
        ("The shop opens at a quarter to nine.", "The shop opens at 08:45."),
        ("The shop opens at 9 o'clock.", "The shop opens at 09:00."),
        ("The shop closes at 5 o'clock.", "The shop closes at 17:00."),
        ("The shop closes at six o'clock.", "The shop closes at 6pm."),
    ],
)
def test_a_clock_time_in_words_meets_the_same_time(claim: str, passage: str) -> None:
    score = run(claim, passage)
    assert score.value == 1.0, score.details["claims"]


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The shop closes at half past six.", "The shop closes at 17:30."),
        ("The shop closes at 4 o'clock.", "The shop closes at 17:00."),
        ("The shop opens at a quarter past nine.", "The shop opens at 08:45."),
        # the time is stated, but of another thing in another sentence
        (
            "The shop closes at half past five.",
            "The shop closes at 20:00. Deliveries arrive at 17:30 on weekdays.",
        ),
    ],
)
def test_another_time_in_words_still_fails(claim: str, passage: str) -> None:
    score = run(claim, passage)
    assert score.value == 0.0, score.details["claims"]
