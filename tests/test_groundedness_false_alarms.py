"""Groundedness on faithful support answers: the false alarms a support assistant's ordinary
wording raised (phone numbers before a comma, courtesy sentences, plain-text tables, ...),
each beside the hallucination of the same kind that must still fail.

The sentences are written for these tests; none is a row of a benchmark.
"""

from __future__ import annotations

import pytest

from tests.helpers.grounding import run


def _claims(text: str, passage: str, question: str = "question") -> list[dict[str, object]]:
    return list(run(text, passage, question).details["claims"])


def _unsupported(text: str, passage: str, question: str = "question") -> list[str]:
    return [str(c["text"]) for c in _claims(text, passage, question) if not c["supported"]]


# -- phone numbers: a comma right after the number does not split it into its groups

_HOTLINE = "For billing questions call 1-888-555-0143 between 8 a.m. and 6 p.m. on weekdays."


@pytest.mark.parametrize(
    "answer",
    [
        "For billing questions call 1-888-555-0143, between 8 a.m. and 6 p.m. on weekdays.",
        "For billing questions call (888) 555-0143, between 8 a.m. and 6 p.m. on weekdays.",
    ],
)
def test_a_phone_number_followed_by_a_comma_is_one_number(answer: str) -> None:
    assert _unsupported(answer, _HOTLINE) == []


def test_a_wrong_digit_in_a_phone_number_before_a_comma_still_fails() -> None:
    (claim,) = _claims(
        "For billing questions call 1-888-555-0134, between 8 a.m. and 6 p.m. on weekdays.",
        _HOTLINE,
    )
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("number mismatch: 1-888-555-0134")
