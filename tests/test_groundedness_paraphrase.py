"""Groundedness on support answers that restate a passage in their own words: one ordinary
word the passage lacks ("delayed") is the answer's wording when four or more of the claim's
other ordinary words are there, so it neither counts as novel nor pulls the claim's words
into a wider, scattered region; a second such word, a word that changes the promise
("free", "unlimited"), a short claim, a name or a number still fail.

The sentences are written for these tests; none is a row of a benchmark.
"""

from __future__ import annotations

import pytest

from tests.helpers.grounding import reason, run

_EXPORT = (
    "Large workspaces can take up to 24 hours to export. Smaller workspaces usually finish "
    "within a few minutes, after which we send a download link to the workspace owner by "
    "email. Links expire after 7 days."
)
_CLAIM = "Large workspaces can take up to 24 hours to export, so the email may be {}."


def _supported(text: str, passage: str) -> list[bool]:
    return [bool(c["supported"]) for c in run(text, passage).details["claims"]]


@pytest.mark.parametrize("word", ["delayed", "slow"])
def test_one_word_of_the_answers_own_is_spared_in_a_long_claim(word: str) -> None:
    # "email" sits in the next-but-one sentence: counted with the novel word, the claim's
    # words looked spread over two sentences ("scattered")
    assert _supported(_CLAIM.format(word), _EXPORT) == [True]


@pytest.mark.parametrize("words", ["delayed or lost", "delayed by a week"])
def test_two_words_the_passage_lacks_still_fail(words: str) -> None:
    assert reason(_CLAIM.format(words), _EXPORT).startswith("no support: ")


@pytest.mark.parametrize("word", ["free", "unlimited"])
def test_a_word_that_changes_the_promise_is_never_spared(word: str) -> None:
    assert reason(_CLAIM.format(word), _EXPORT).startswith("no support: ")


def test_a_short_claim_keeps_every_word() -> None:
    assert reason("Export emails may be delayed.", _EXPORT).startswith("no support: ")


def test_a_spared_word_does_not_excuse_a_wrong_number() -> None:
    text = "Large workspaces can take up to 48 hours to export, so the email may be delayed."
    assert reason(text, _EXPORT).startswith("number mismatch: 48")


def test_a_spared_word_does_not_excuse_an_invented_name() -> None:
    text = "Large Slack workspaces can take up to 24 hours to export, so the email may be delayed."
    assert reason(text, _EXPORT).startswith("entity mismatch: ")
