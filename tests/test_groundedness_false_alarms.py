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


# -- courtesy: sympathy, reassurance and well-wishing state nothing the context could support

_PARCELS = "Parcels lost in transit are refunded in full once the courier confirms the loss."


@pytest.mark.parametrize(
    "courtesy",
    [
        "I'm so sorry to hear that!",
        "Sorry about the wait.",
        "No worries.",
        "Don't worry.",
        "Not yet, I'm afraid.",
        "Enjoy your holiday!",
        "Have a lovely weekend!",
        "Thanks for your patience.",
    ],
)
def test_a_courtesy_sentence_is_no_claim(courtesy: str) -> None:
    answer = f"{courtesy} Parcels lost in transit are refunded in full."
    claims = _claims(answer, _PARCELS)
    assert [c["text"] for c in claims] == ["Parcels lost in transit are refunded in full."]


@pytest.mark.parametrize(
    "sentence",
    [
        "Sorry about the $12 handling fee.",  # a number: checked
        "Sorry, Platinum members are refunded twice.",  # a name: checked
        "Enjoy your free upgrade!",  # more than a pleasantry's object
        "Sorry about the delay caused by the courier strike in the north last week.",
    ],
)
def test_courtesy_wrapped_round_a_fact_is_still_checked(sentence: str) -> None:
    assert sentence in _unsupported(sentence, _PARCELS)
