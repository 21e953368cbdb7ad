"""groundedness: expressive sentences (sympathy, congratulations, thanks, wishes) about the
user's own situation are no claims; ones that reuse the passages' words, state a figure or a
name, or speak for the company are still checked. Invented sentences, no probe rows."""

from __future__ import annotations

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_expressive import is_expressive
from evalkit.scorers._grounding_text import Given
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

PASSAGE = (
    "Boarding kennels. Dogs can stay in our kennels for up to 14 nights. "
    "The nightly rate is £28 per dog. Bookings must be made 7 days in advance."
)


def score(answer: str, question: str = "q", **args: object) -> Score:
    case = Case(id="c", input=question, context=(ContextPassage("p", PASSAGE),))
    result = Groundedness(**args).score(ScoreContext(case=case, response=Response(answer)))  # type: ignore[arg-type]
    assert isinstance(result, Score)
    return result


def texts(s: Score) -> list[str]:
    return [c["text"] for c in s.details["claims"]]


def test_sympathy_and_congratulations_about_the_user_are_no_claims() -> None:
    for opener in (
        "Congratulations on the new baby!",
        "I'm so sorry, that sounds really stressful.",
        "I hope your grandmother recovers quickly.",
        "A road trip to the coast sounds exciting!",
        "Thanks for thinking ahead.",
    ):
        s = score(f"{opener} Dogs can stay in our kennels for up to 14 nights.")
        assert s.value == 1.0, (opener, s.details["claims"])
        assert texts(s) == ["Dogs can stay in our kennels for up to 14 nights."]


def test_a_name_the_user_gave_may_appear_in_sympathy() -> None:
    s = score(
        "Sorry to hear about the storm in Lisbon. The nightly rate is £28 per dog.",
        question="Our flight from Lisbon was cancelled, can the dog stay longer?",
    )
    assert s.value == 1.0


def test_an_expressive_sentence_with_the_passages_words_is_still_checked() -> None:
    # "kennels" and "nights" are the knowledge base's words: this may restate policy
    s = score("Congratulations, your dog gets 20 free nights in our kennels!")
    assert s.value == 0.0
    assert "20" in s.details["claims"][0]["reason"]


def test_a_figure_or_an_unknown_name_keeps_a_sympathy_checked() -> None:
    known = {"kennel", "dog", "night", "rate"}
    assert not is_expressive("Sorry about the 3 days of waiting!", known, Given())
    assert not is_expressive("Congratulations on moving to Paris!", known, Given())
    assert is_expressive(
        "Congratulations on moving to Paris!", known, Given(names=frozenset({"paris"}))
    )


def test_the_company_speaking_for_itself_is_a_claim() -> None:
    # no passage word, but "we" describes what the company offers: an invented service
    s = score("Sorry, we offer grooming for anxious pets too.")
    assert s.value == 0.0


def test_without_passages_nothing_is_skipped_here() -> None:
    assert not is_expressive("Congratulations on the new baby!", set(), Given())
    assert not is_expressive("Congratulations on the new baby!", None, Given())


def test_an_ordinary_claim_without_an_expressive_word_is_not_skipped() -> None:
    s = score("Cats get a separate quiet room.")
    assert s.value == 0.0


def test_a_wish_that_presupposes_a_benefit_is_a_claim() -> None:
    for answer in (
        "Congratulations on your free upgrade!",
        "Enjoy your complimentary night!",
        "Thanks for waiting, your refund is on its way!",
    ):
        assert score(answer).value == 0.0, answer


WARRANTY = (
    "Warranty repairs. Requests are assessed within 5 working days. "
    "We send you an email once a decision has been made."
)


def _warranty(answer: str, question: str) -> Score:
    case = Case(id="c", input=question, context=(ContextPassage("p", WARRANTY),))
    result = Groundedness().score(ScoreContext(case=case, response=Response(answer)))
    assert isinstance(result, Score)
    return result


def test_a_courtesy_that_announces_an_event_nobody_reported_is_a_claim() -> None:
    """QA16 F12 c: "congratulations on the approval" tells the user a decision was made."""
    question = "I filed a repair request on Monday. What happens next?"
    for answer in (
        "Good luck with the laptop, and congratulations on the approval!",
        "Congratulations on your accepted request!",
        "Enjoy your replacement!",
        "So sorry it got declined.",
        "Thanks for your payment.",
    ):
        s = _warranty(answer, question)
        assert s.value == 0.0, (answer, s.reason)
        assert s.details["claims"], answer


def test_a_courtesy_about_an_event_the_user_reported_is_still_none() -> None:
    told = "Great news, my repair request was approved this morning! How long until it's fixed?"
    s = _warranty(
        "Congratulations on the approval! Requests are assessed within 5 working days.", told
    )
    assert s.value == 1.0, s.details["claims"]
    s = _warranty("Sorry to hear it was declined.", "My request was declined. Can I appeal?")
    assert s.reason == "no checkable claims in the response"
