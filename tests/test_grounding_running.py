"""groundedness: a worked example's running figures. A total of the amounts the answer just
listed is supported; a wrong total still fails, a claim whose own figure failed carries
nothing forward, and (QA16 F12) a figure the answer worked out is no operand of a later step
nor of a sum read as a saving or balance. Invented sentences."""

from __future__ import annotations

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_running import carried_keys, running_total
from evalkit.scorers._grounding_text import numbers
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

FARES = (
    "Ferry fares. A car with its driver costs £70.40 per crossing. Each extra adult costs "
    "£21.30. Children aged 5 to 15 cost £8.60. Under-5s travel free."
)
PLANS = "Streaming plans. The Family plan costs £13.49 per month. The annual plan costs £139."


def score(passage: str, answer: str, question: str = "q") -> Score:
    case = Case(id="c", input=question, context=(ContextPassage("p", passage),))
    result = Groundedness().score(ScoreContext(case=case, response=Response(answer)))
    assert isinstance(result, Score)
    return result


def claim(s: Score, start: str) -> dict[str, object]:
    return next(c for c in s.details["claims"] if str(c["text"]).startswith(start))


ITEMS = "A car with its driver costs £70.40. An extra adult costs £21.30. A child costs £8.60."


def test_a_total_of_the_listed_items_is_supported() -> None:
    s = score(FARES, f"{ITEMS} That comes to £100.30 in total.")
    assert claim(s, "That comes")["supported"] is True


def test_a_wrong_total_still_fails() -> None:
    s = score(FARES, f"{ITEMS} That comes to £100.80 in total.")
    assert "100.80" in str(claim(s, "That comes")["reason"])


def test_a_total_needs_a_result_cue() -> None:
    m = numbers("Ferries leave at £100.30.")[0]
    assert not running_total(m, "ferries leave at £100.30.", ("70.4@gbp", "21.3@gbp", "8.6@gbp"))
    m = numbers("So £100.30.")[0]
    assert running_total(m, "so £100.30.", ("70.4@gbp", "21.3@gbp", "8.6@gbp"))


def test_a_total_of_other_units_is_no_total() -> None:
    m = numbers("That's £30.")[0]
    assert not running_total(m, "that's £30.", ("10@day", "20@day"))


def test_a_claim_whose_figure_failed_carries_nothing() -> None:
    bad = numbers("An extra adult costs £25.30.")
    assert carried_keys(bad, "amount mismatch: 25.30 not in passage p") == ()
    assert carried_keys(bad, "no support: costs not in passage p") == ("25.3@gbp",)


def test_a_figure_the_answer_worked_out_is_no_operand_of_a_later_step() -> None:
    """QA16 F12 b: right arithmetic on the wrong operands. £161.88 - £13.49 is no saving of
    the annual plan and no balance after three months; the scorer cannot tell which of the
    answer's own figures a step should use, so it uses none of them (the correct £22.88 is
    a false alarm again, as before db07b5d)."""
    year = "At £13.49 per month, that's £161.88 a year"
    for answer in (
        f"{year}, so the annual plan saves you £148.39.",
        f"{year}, so after the 3 months you've paid you have £148.39 left to pay.",
        f"{year}. So after the 3 months you've paid, £148.39 is still to pay.",
        f"{year}. The annual plan saves you £148.39.",
    ):
        s = score(PLANS, answer, "I've paid 3 months of the Family plan. What's left this year?")
        assert s.value is not None and s.value < 0.6, answer
        step = next(c for c in s.details["claims"] if "148.39" in str(c["text"]))
        assert step["supported"] is False, answer
    assert "22.88" in str(score(PLANS, f"{year}, so the annual plan saves you £22.88.").reason)


def test_a_per_period_restatement_is_still_supported() -> None:
    assert score(PLANS, "At £13.49 per month, that's £161.88 a year.").value == 1.0


def test_a_sum_of_the_listed_items_is_no_saving_or_balance() -> None:
    m = numbers("So you save £152.49.")[0]
    assert not running_total(m, "so you save £152.49.", ("13.49@gbp", "139@gbp"))
    m = numbers("So you have £152.49 left.")[0]
    assert not running_total(m, "so you have £152.49 left.", ("13.49@gbp", "139@gbp"))
    assert running_total(numbers("So £152.49.")[0], "so £152.49.", ("13.49@gbp", "139@gbp"))
