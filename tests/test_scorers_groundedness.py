"""The groundedness scorer on small hand-written cases (offline mode and judge mode)."""

from __future__ import annotations

import asyncio
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from evalkit.dataset import Case, ContextPassage, Message
from evalkit.errors import ScorerError
from evalkit.providers.base import PROVIDERS, Provider, ProviderSettings, Request, Response
from evalkit.scorers._grounding_index import passage_sentences
from evalkit.scorers._grounding_tables import read_tables
from evalkit.scorers._grounding_text import entities, fold
from evalkit.scorers.groundedness import Groundedness, given_by
from evalkit.scoring import Score, ScoreContext, build_scorer, score_all

POLICY = ContextPassage(
    "1",
    "Customers may return unused items within 30 days of delivery for a full refund. "
    "Refunds are paid to the original card within 5 business days. "
    "The spring sale runs from March 3, 2025 to March 17, 2025.",
    source="returns-policy",
)
SHIPPING = ContextPassage(
    "2",
    "Standard shipping inside Canada costs $7 and takes 3 to 6 business days. "
    "Orders above $80 ship free. Northwind Logistics handles all parcels.",
    source="shipping-guide",
)
CONTEXT = (POLICY, SHIPPING)


def run(text: str, context: tuple[ContextPassage, ...] = CONTEXT, **kwargs: object) -> Score:
    case = Case(id="c1", input="question", context=context)
    result = Groundedness(**kwargs).score(ScoreContext(case, Response(text=text)))  # type: ignore[arg-type]
    assert isinstance(result, Score)
    return result


def claims(score: Score) -> list[dict[str, object]]:
    return list(score.details["claims"])


def test_supported_answer_passes_with_passages_and_spans() -> None:
    text = (
        "You can return unused items within 30 days of delivery for a full refund [1]. "
        "Orders above $80 ship free [2]."
    )
    score = run(text)
    assert score.value == 1.0 and score.passed is True
    found = claims(score)
    assert [c["passage"] for c in found] == ["1", "2"]
    assert all(c["supported"] and "reason" not in c for c in found)
    assert score.details["metrics"] == {
        "claims": 2.0,
        "supported_claims": 2.0,
        "unsupported_claims": 0.0,
        "strongly_unsupported_claims": 0.0,
    }


def test_spans_point_at_the_claim_text_in_the_response() -> None:
    text = "Hello! Refunds are paid to the original card within 5 business days. Thanks!"
    (claim,) = claims(run(text))
    span = claim["span"]
    assert isinstance(span, list)
    start, end = span
    assert text[start:end] == "Refunds are paid to the original card within 5 business days."


def test_invented_number_is_a_number_mismatch() -> None:
    score = run("Customers may return unused items within 45 days of delivery for a full refund.")
    (claim,) = claims(score)
    assert claim["supported"] is False
    assert claim["reason"] == "number mismatch: 45 not in passage 1"
    assert score.value == 0.0 and score.passed is False
    assert "number mismatch: 45" in score.reason


def test_wrong_date_is_a_date_mismatch() -> None:
    (claim,) = claims(run("The spring sale runs from March 5, 2025 to March 17, 2025."))
    assert claim["supported"] is False
    assert claim["reason"] == "date mismatch: March 5 not in passage 1"


def test_unknown_entity_is_an_entity_mismatch() -> None:
    (claim,) = claims(run("Acme Express handles all parcels."))
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("entity mismatch: Acme Express not in passage")


def test_claim_cited_to_the_wrong_passage() -> None:
    (claim,) = claims(run("Orders above $80 ship free [1]."))
    assert claim["supported"] is False
    assert claim["reason"] == "wrong citation [1]"
    assert claim["citations"] == ["1"]


def test_citation_to_a_passage_that_does_not_exist() -> None:
    (claim,) = claims(run("Orders above $80 ship free [9]."))
    assert claim["supported"] is False
    assert claim["reason"] == "citation [9] matches no passage"


def test_a_numbered_citation_counts_passages_only_when_no_passage_id_is_a_number() -> None:
    named = (
        ContextPassage("returns", "Unused items can be returned within 30 days."),
        ContextPassage("shipping", "Orders above $80 ship free."),
    )
    assert run("Orders above $80 ship free [2].", named).value == 1.0  # the second passage
    (claim,) = claims(run("Orders above $80 ship free [1].", named))
    assert claim["reason"] == "wrong citation [1]"
    (claim,) = claims(run("Orders above $80 ship free [3].", named))
    assert claim["reason"] == "citation [3] matches no passage"
    numbered = (ContextPassage("7", named[0].text), ContextPassage("1", named[1].text))
    (claim,) = claims(run("Orders above $80 ship free [2].", numbered))  # an id, not a count
    assert claim["reason"] == "citation [2] matches no passage"
    assert run("Orders above $80 ship free [1].", numbered).value == 1.0


def test_citation_by_source_name_and_doc_prefix() -> None:
    score = run(
        "Orders above $80 ship free [shipping-guide]. Refunds are paid within 5 business days [doc-1]."
    )
    assert [c["supported"] for c in claims(score)] == [True, True]


NAMED = (
    ContextPassage(
        "w", "Devices are covered for 24 months from purchase.", source="Warranty Policy"
    ),
    ContextPassage(
        "r", "Items can be returned within 30 days with a receipt.", source="Returns Policy"
    ),
)


@pytest.mark.parametrize(
    "text",
    [
        "According to the Warranty Policy, devices are covered for 24 months.",
        "Under the Warranty Policy, devices are covered for 24 months.",
        "The Returns Policy says items can be returned within 30 days with a receipt.",
        "Per our Returns Policy, items can be returned within 30 days with a receipt.",
    ],
)
def test_a_source_named_in_prose_is_a_citation_not_a_missing_name(text: str) -> None:
    (claim,) = claims(run(text, NAMED))
    assert claim["supported"] is True, claim


def test_a_claim_attributed_to_the_wrong_named_source_is_a_wrong_citation() -> None:
    (claim,) = claims(
        run("According to the Returns Policy, devices are covered for 24 months.", NAMED)
    )
    assert (claim["supported"], claim["reason"], claim["passage"]) == (
        False,
        "wrong citation [Returns Policy]",
        "w",
    )


def test_naming_a_source_does_not_excuse_a_wrong_number_or_an_invented_name() -> None:
    wrong = claims(
        run("According to the Warranty Policy, devices are covered for 36 months.", NAMED)
    )
    assert wrong[0]["reason"] == "number mismatch: 36 not in passage w"
    invented = claims(run("Under the Warranty Policy, Apple covers devices for 24 months.", NAMED))
    assert invented[0]["reason"] == "entity mismatch: Apple not in passage w"
    unknown = claims(
        run("According to the Shipping Policy, devices are covered for 24 months.", NAMED)
    )
    assert unknown[0]["supported"] is False


def test_a_year_beside_a_month_is_a_year_in_either_date_order() -> None:
    # The passage writes "March 3, 2025"; the answer may write the day first.
    assert run("The spring sale starts on 3 March 2025.").value == 1.0
    (claim,) = claims(run("The spring sale starts on 3 March 2026."))
    assert claim["reason"] == "number mismatch: 2026 not in passage 1"


def test_an_invented_acronym_is_a_name_even_opening_the_sentence() -> None:
    for text in ("UPS handles all parcels.", "All parcels are handled by UPS."):
        (claim,) = claims(run(text))
        assert claim["reason"] == "entity mismatch: UPS not in passage 2", text
    # Common-knowledge acronyms stay soft, as ordinary words do.
    assert [e.text for e in entities("As the FAQ says, TV orders ship fast.")] == []
    assert [e.text for e in entities("As the FAQ says, orders ship with DHL.")] == ["DHL."]


def test_an_opening_imperative_is_not_part_of_the_name_after_it() -> None:
    (claim,) = claims(run("Contact Northwind Logistics about parcels."))
    assert claim.get("reason") is None or "entity" not in str(claim["reason"])
    (claim,) = claims(run("Contact Acme Couriers about parcels."))
    assert claim["reason"] == "entity mismatch: Acme Couriers not in passage 2"


def test_an_opening_quantifier_is_not_part_of_the_names_after_it() -> None:
    assert [e.keys for e in entities("Both the Pro and Team plans include SSO.")] == [
        ("pro",),
        ("team",),
        ("sso",),
    ]
    assert [e.text for e in entities("Each Gold plan ships free.")] == ["Gold"]
    members = (ContextPassage("m", "Gold members get free shipping on every order."),)
    for opener in ("Many", "Several", "Most", "All", "Some"):
        assert run(f"{opener} Gold members get free shipping on every order.", members).value == 1.0
    (claim,) = claims(run("Several Platinum members get free shipping on every order.", members))
    assert claim["reason"] == "entity mismatch: Platinum not in passage m"
    plans = (ContextPassage("p", "SSO is included in the Pro plan."),)
    (claim,) = claims(run("Both the Pro and Team plans include SSO.", plans))
    assert claim["reason"] == "entity mismatch: Team not in passage p"


def test_prepositions_do_not_scatter_a_short_claim() -> None:
    plan = (ContextPassage("p", "Premium plans cost $12 per month or $120 per year."),)
    for ok in ("Premium is $12 a month.", "Premium is $12/month.", "Premium costs $12 per month."):
        assert run(ok, plan).value == 1.0, ok
    for swapped in ("Premium is $12 per year.", "Premium is $120 a month."):
        assert run(swapped, plan).value == 0.0, swapped


def test_clock_times_and_currency_words_compare_with_their_other_spellings() -> None:
    hours = (
        ContextPassage(
            "h", "Express orders placed before 2 pm ship the same day. Membership costs €29."
        ),
    )
    for same in (
        "Express orders placed before 14:00 ship the same day.",
        "Express orders placed before 2pm ship the same day.",
        "Express orders placed before 2:00 p.m. ship the same day.",
        "Membership costs 29 euros.",
    ):
        assert run(same, hours).value == 1.0, same
    (claim,) = claims(run("Express orders placed before 3 pm ship the same day.", hours))
    assert claim["supported"] is False
    assert "15" in str(claim["reason"])


def test_a_clock_time_matches_only_a_clock_time_never_a_plain_count() -> None:
    cutoff = (
        ContextPassage(
            "c", "Parcels handed in before 4 pm leave the depot the same day. Delivery takes days."
        ),
    )
    (claim,) = claims(run("Parcels leave the depot within 16 days.", cutoff))
    assert claim["supported"] is False
    assert claim["reason"] == "number mismatch: 16 not in passage c"
    (claim,) = claims(run("Parcels leave the depot within 0 days.", cutoff))
    assert claim["reason"] == "number mismatch: 0 not in passage c"
    for same in ("before 16:00", "before 4pm", "before 4:00 p.m.", "before 4 PM"):
        assert run(f"Parcels handed in {same} leave the depot the same day.", cutoff).value == 1.0
    counts = (ContextPassage("n", "Parcels leave the depot within 16 days."),)
    for time in ("4 pm", "16:00", "4:00 p.m."):
        (claim,) = claims(run(f"Parcels handed in before {time} leave the depot.", counts))
        assert claim["supported"] is False, time
        assert claim["reason"] == "time mismatch: 16:00 not in passage n", time
        assert claim["strongly_unsupported"] is True


def test_a_bare_hour_matches_the_clock_time_it_names_in_twelve_hour_form() -> None:
    # English writes a bare hour the 12-hour way: "opens at 9" is the passage's "9 am", and
    # "until 9" its "9 pm" / "21:00"; the 24-hour hour itself is no plain count ("15 days").
    hours = (ContextPassage("h", "On weekdays the store opens at 9 am. It closes at 9 pm."),)
    assert run("On weekdays the store opens at 9.", hours).value == 1.0
    (claim,) = claims(run("On weekdays the store opens at 10.", hours))
    assert claim["reason"] == "number mismatch: 10 not in passage h"
    (claim,) = claims(run("The store closes within 21 days.", hours))
    assert claim["reason"] == "number mismatch: 21 not in passage h"


def test_strongly_unsupported_claims_are_counted_apart_from_weakly_supported_ones() -> None:
    text = (
        "Shipping inside Canada costs $9. "  # a wrong amount
        "Parcels travel by zeppelin across glaciers. "  # two or more words found nowhere
        "Standard shipping in Canada is fast."  # one word found nowhere: weak, not strong
    )
    score = run(text)
    found = claims(score)
    assert [c["supported"] for c in found] == [False, False, False]
    assert [c.get("strongly_unsupported", False) for c in found] == [True, True, False]
    assert score.details["metrics"]["strongly_unsupported_claims"] == 2.0


def test_summary_gate_counts_strongly_unsupported_claims_instead_of_the_fraction() -> None:
    two = "Shipping inside Canada costs $9. Parcels travel by zeppelin across glaciers."
    three = two + " Refunds arrive by carrier pigeon overnight."
    lenient = run(two, max_strongly_unsupported=2)
    assert (lenient.value, lenient.passed) == (0.0, True)  # the value is still the fraction
    assert "2 strongly unsupported (at most 2 allowed)" in lenient.reason
    assert run(three, max_strongly_unsupported=2).passed is False
    assert run(two).passed is False  # the default gate is the fraction
    for bad in (
        {"max_strongly_unsupported": -1},
        {"max_strongly_unsupported": 2, "mode": "judge", "judge_provider": "x", "judge_model": "y"},
    ):
        with pytest.raises(ScorerError, match="max_strongly_unsupported"):
            Groundedness(**bad)  # type: ignore[arg-type]


def test_place_acronyms_are_names_that_match_their_spelled_out_forms() -> None:
    ships = (
        ContextPassage(
            "s", "Standard shipping inside Canada costs $7. We ship to the United States for $15."
        ),
    )
    for same in ("Shipping to the US costs $15.", "Shipping to the U.S. costs $15."):
        assert run(same, ships).value == 1.0, same
    (claim,) = claims(run("Shipping to the UK costs $15.", ships))
    assert claim["reason"] == "entity mismatch: UK not in passage s"
    us_written = (ContextPassage("u", "US customers pay $15 for shipping. Contact us for help."),)
    assert run("Customers in the United States pay $15 for shipping.", us_written).value == 1.0
    dotted = (ContextPassage("d", "Our U.S. office is in Washington, D.C. and opens at 9."),)
    assert run("The United States office is in Washington, D.C.", dotted).value == 1.0
    # The pronoun "us" is not the country: it does not vouch for "United States".
    pronoun = (ContextPassage("p", "Customers pay $15 for shipping. Contact us for help."),)
    assert run("Customers in the United States pay $15 for shipping.", pronoun).value == 0.0


def test_an_abbreviation_or_initial_does_not_end_a_passage_sentence() -> None:
    team = (ContextPassage("t", "The Oslo branch is led by Dr. Kari Lee. It opened in 2019."),)
    assert run("Dr. Kari Lee leads the Oslo branch.", team).value == 1.0
    market = (ContextPassage("m", "Sales in the U.S. market grew by 12% in 2024."),)
    assert run("Sales in the U.S. market grew by 12% in 2024.", market).value == 1.0
    assert run("Sales in the US market grew by 12% in 2024.", market).value == 1.0


def test_passage_sentences_end_after_closing_quotes_but_not_after_abbreviations() -> None:
    text = 'the coach said "we won." then dr. lee spoke (briefly.) the u.s. team left.'
    assert passage_sentences(text) == [
        'the coach said "we won."',
        "then dr. lee spoke (briefly.)",
        "the u.s. team left.",
    ]


def test_a_sentence_opening_with_a_pronoun_continues_the_previous_subject() -> None:
    bio = (
        ContextPassage(
            "r",
            "Anne Rice was born in 1941 in Ohio. She grew up in New Orleans. "
            "Stan Rice lived in Texas. He taught poetry at Harvard.",
        ),
    )
    for linked in ("Anne Rice grew up in New Orleans.", "Stan Rice taught poetry at Harvard."):
        assert run(linked, bio).value == 1.0, linked
    for swapped, pair in (
        ("Anne Rice taught poetry at Harvard.", "Anne Rice and Harvard"),
        ("Stan Rice grew up in New Orleans.", "Stan Rice and New Orleans"),
    ):
        (claim,) = claims(run(swapped, bio))
        assert (
            claim["reason"] == f"relation mismatch: {pair} are never stated together in passage r"
        )


def test_greetings_hedges_and_questions_are_not_claims() -> None:
    text = (
        "Hi there! Great question. Orders above $80 ship free. I hope this helps! "
        "Would you like me to check your order?"
    )
    found = claims(run(text))
    assert [c["text"] for c in found] == ["Orders above $80 ship free."]


def test_claim_split_into_clauses_each_checked() -> None:
    text = "Standard shipping inside Canada costs $7, but refunds are paid within 9 business days."
    found = claims(run(text))
    assert [c["supported"] for c in found] == [True, False]
    assert found[1]["reason"] == "number mismatch: 9 not in passage 1"
    assert run(text).value == 0.5


def test_negation_that_contradicts_the_passage() -> None:
    (claim,) = claims(run("Orders above $80 do not ship free."))
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("negation mismatch")


def test_unsupported_content_words_are_no_support() -> None:
    (claim,) = claims(run("Customers receive a loyalty voucher with every purchase."))
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("no support")


def test_empty_response_has_no_claims_and_passes() -> None:
    score = run("")
    assert score.value == 1.0 and score.passed is True
    assert claims(score) == []
    assert score.reason == "no checkable claims in the response"


def test_threshold_is_configurable() -> None:
    text = "Orders above $80 ship free. Refunds are paid within 9 business days."
    assert run(text).passed is False
    assert run(text, threshold=0.5).passed is True


def test_case_without_context_is_a_scorer_error() -> None:
    case = Case(id="no-ctx", input="q")
    scorer = Groundedness()
    with pytest.raises(ScorerError, match=r"case 'no-ctx': scorer 'groundedness' needs field"):
        scorer.check_case(case)
    scores = asyncio.run(score_all([scorer], ScoreContext(case, Response(text="x"))))
    assert scores["groundedness"].value is None
    assert "needs field(s) ['context']" in str(scores["groundedness"].error)


def test_registered_picklable_and_cpu_bound() -> None:
    scorer = build_scorer("groundedness", {"min_proximity": 0.3}, threshold=0.9)
    assert isinstance(scorer, Groundedness) and scorer.threshold == 0.9
    assert scorer.cpu_bound is True
    clone = pickle.loads(pickle.dumps(scorer))
    assert clone == scorer
    assert scorer.spec()["args"]["min_proximity"] == 0.3


def test_unknown_mode_and_judge_without_model_are_rejected() -> None:
    with pytest.raises(ScorerError, match="mode 'llm' is unknown"):
        Groundedness(mode="llm")  # type: ignore[arg-type]
    with pytest.raises(ScorerError, match="needs judge_provider and judge_model"):
        Groundedness(mode="judge")


# ------------------------------------------------------------------------------ judge mode


class _JudgeStub(Provider):
    """A real registered provider whose reply is set per test through its options."""

    name = "groundedness-judge-stub"
    seen: ClassVar[list[Request]] = []

    async def complete(self, request: Request) -> Response:
        _JudgeStub.seen.append(request)
        return Response(text=str(self.settings.options["reply"]))


@pytest.fixture()
def judge_provider() -> Iterator[type[_JudgeStub]]:
    PROVIDERS.register(_JudgeStub.name, _JudgeStub)
    _JudgeStub.seen.clear()
    yield _JudgeStub
    PROVIDERS.unregister(_JudgeStub.name)


def judge(
    reply: str,
    text: str = "Orders above $80 ship free. Shipping costs $9.",
    cache: str = "off",
    cache_dir: str = ".evalkit/cache",
) -> Score:
    scorer = Groundedness(
        mode="judge",
        judge_provider=_JudgeStub.name,
        judge_model="stub-1",
        judge_options={"reply": reply},
        judge_cache=cache,
        judge_cache_dir=cache_dir,
    )
    assert scorer.cpu_bound is False
    case = Case(id="j1", input="q", context=CONTEXT)
    return asyncio.run(score_all([scorer], ScoreContext(case, Response(text=text))))["groundedness"]


def test_judge_mode_well_formed_verdict(judge_provider: object) -> None:
    verdict = {
        "claims": [
            {"claim": "Orders above $80 ship free.", "supported": True, "passage": "2"},
            {
                "claim": "Shipping costs $9.",
                "supported": False,
                "passage": "2",
                "reason": "number mismatch: 9 not in passage 2",
            },
        ]
    }
    score = judge("```json\n" + json.dumps(verdict) + "\n```")
    assert score.error is None
    assert score.value == 0.5 and score.passed is False
    assert score.details["mode"] == "judge"
    assert claims(score)[1]["span"] == [28, 46]
    assert claims(score)[1]["reason"] == "number mismatch: 9 not in passage 2"
    (request,) = _JudgeStub.seen
    assert request.model == "stub-1" and request.system is not None
    assert "[2] (source: shipping-guide)" in request.messages[1].content


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("The answer looks grounded to me.", "judge verdict is not valid JSON"),
        ('{"verdict": "yes"}', "judge verdict has no 'claims' list"),
        ('{"claims": [{"claim": "x", "supported": "yes"}]}', "claim 1 must be an object"),
    ],
)
def test_judge_mode_malformed_verdict_is_a_recorded_scorer_error(
    judge_provider: object, reply: str, message: str
) -> None:
    score = judge(reply)
    assert score.value is None and score.passed is None
    assert message in str(score.error)
    assert "case 'j1': groundedness judge" in str(score.error)


def test_judge_answers_are_cached_like_any_request(judge_provider: object, tmp_path: Path) -> None:
    verdict = json.dumps({"claims": [{"claim": "Orders above $80 ship free.", "supported": True}]})
    first = judge(verdict, "Orders above $80 ship free.", cache="use", cache_dir=str(tmp_path))
    again = judge(verdict, "Orders above $80 ship free.", cache="use", cache_dir=str(tmp_path))
    assert first.value == again.value == 1.0
    assert len(_JudgeStub.seen) == 1  # the second grade came from the cache
    offline = judge(verdict, "Shipping is free.", cache="require", cache_dir=str(tmp_path))
    assert "cache_miss" in str(offline.error) and len(_JudgeStub.seen) == 1


def test_judge_settings_come_from_the_scorer() -> None:
    scorer = Groundedness(mode="judge", judge_provider="openai", judge_model="gpt-x")
    assert scorer.judge_params == {"temperature": 0}
    assert ProviderSettings(model="gpt-x").model == scorer.judge_model


def test_hedge_with_a_number_is_still_checked_and_list_markers_are_layout() -> None:
    text = "I'm not sure, but shipping costs $9.\n\n1. Orders above $80 ship free.\n2. Refunds are paid to the original card."
    found = claims(run(text))
    assert [c["text"] for c in found] == [
        "I'm not sure, but shipping costs $9.",
        "Orders above $80 ship free.",
        "Refunds are paid to the original card.",
    ]
    assert [c["supported"] for c in found] == [False, True, True]
    assert found[0]["reason"] == "amount mismatch: $9 not in passage 2"


def test_words_scattered_over_the_passage_are_no_support() -> None:
    passage = ContextPassage(
        "1",
        "Maria Lopez joined the company in 2010 as an engineer. The board later appointed "
        "a new chair. Years before, in 1998, the company had been founded by two brothers "
        "in a small garage.",
    )
    (claim,) = claims(run("Maria Lopez founded the company.", context=(passage,)))
    assert claim["supported"] is False
    assert claim["reason"] == "no support: the claim's words are scattered over passage 1"


BIOGRAPHY = ContextPassage(
    "1",
    "Anna Berg was born in Oslo and moved to Bergen in 1990. "
    "She later taught at the music school. "
    "Tomas Lind played the lead role in Hamlet at the National Theatre in 2004.",
)


def test_names_from_unrelated_sentences_are_a_relation_mismatch() -> None:
    # Every word occurs in the passage, but Anna Berg and Hamlet are never stated together.
    (claim,) = claims(run("Anna Berg played the lead role in Hamlet.", context=(BIOGRAPHY,)))
    assert claim["supported"] is False
    assert claim["reason"] == (
        "relation mismatch: Anna Berg and Hamlet are never stated together in passage 1"
    )


def test_a_number_pinned_on_the_wrong_entity_is_a_relation_mismatch() -> None:
    (claim,) = claims(run("Tomas Lind moved to Bergen in 1990.", context=(BIOGRAPHY,)))
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("relation mismatch: Tomas Lind and ")


def test_facts_linked_through_a_shared_sentence_are_supported() -> None:
    # Oslo and Bergen share one sentence, Bergen and 1990 the same one: one linked group.
    text = "Anna Berg, born in Oslo, moved to Bergen in 1990."
    (claim,) = claims(run(text, context=(BIOGRAPHY,)))
    assert claim["supported"] is True
    unchecked = claims(
        run(
            "Anna Berg played the lead role in Hamlet.", context=(BIOGRAPHY,), check_relations=False
        )
    )
    assert "relation mismatch" not in str(unchecked[0].get("reason"))


def test_a_name_split_over_two_sentences_is_a_relation_mismatch() -> None:
    passage = ContextPassage(
        "1", "Sheryl Lee starred in the film in 2016. Ralph Brown wrote its music in 2016."
    )
    (claim,) = claims(run("Sheryl Lee Ralph starred in the film in 2016.", context=(passage,)))
    assert claim["supported"] is False
    assert claim["reason"] == (
        "relation mismatch: Sheryl Lee Ralph is never stated within one sentence of passage 1"
    )


def test_default_threshold_passes_three_of_five_supported_claims() -> None:
    text = (
        "Customers may return unused items within 30 days of delivery. "
        "Refunds are paid to the original card within 5 business days. "
        "Orders above $80 ship free. "
        "Shipping costs $9. "
        "Refunds take 9 days."
    )
    score = run(text)
    assert score.value == 0.6
    assert score.passed is True
    assert run(text, threshold=0.75).passed is False


def test_amounts_are_located_sentence_by_sentence_for_the_relation_check() -> None:
    passage = ContextPassage(
        "1",
        "Acme Corp raised $5 million in 2019. Globex Inc cut 1,000 jobs after the merger.",
    )
    ok = claims(run("Acme Corp raised $5 million in 2019.", context=(passage,)))
    assert ok[0]["supported"] is True
    (wrong,) = claims(run("Globex Inc raised $5 million.", context=(passage,)))
    assert wrong["reason"] == (
        "relation mismatch: Globex Inc and $5 are never stated together in passage 1"
    )


# --- Realistic support answers (RAG over help-center passages) --------------------------------

REFUNDS = ContextPassage(
    "refund-policy",
    "Refunds are available within 30 days of delivery for unused items in their original "
    "packaging. Refunds are issued to the original payment method within 5 business days after "
    "the returned item arrives at our warehouse. Sale items marked Final Sale cannot be refunded.",
    source="help-center/refunds.md",
)
SHIPPING_POLICY = ContextPassage(
    "shipping-policy",
    "Standard shipping takes 3 to 5 business days and costs $4.99; orders over $50 ship free. "
    "Express shipping takes 1 to 2 business days and costs $14.99. "
    "We ship to the United States and Canada only.",
    source="help-center/shipping.md",
)
WARRANTY = ContextPassage(
    "warranty",
    "Electronics carry a 12-month limited warranty covering manufacturing defects. Accidental "
    "damage, water damage and normal wear are not covered. Warranty claims need the order "
    "number and a photo of the defect.",
)
ACCOUNT = ContextPassage(
    "account",
    "Customers can change the delivery address of an order until it ships, from the Orders "
    "page. After an order ships, the address can no longer be changed; contact the carrier "
    "instead.",
)
HELP_CENTER = (REFUNDS, SHIPPING_POLICY, WARRANTY, ACCOUNT)


def support_score(
    text: str,
    question: str = "question",
    vars: dict[str, object] | None = None,
    request: Request | None = None,
) -> Score:
    case = Case(id="s1", input=question, vars=vars or {}, context=HELP_CENTER)
    result = Groundedness().score(ScoreContext(case, Response(text=text), request=request))
    assert isinstance(result, Score)
    return result


GROUNDED_ANSWERS = [
    # every content word in one passage sentence, its clauses in another order
    "Yes, you can change the delivery address from the Orders page until the order ships "
    "[account].",
    # a light paraphrase ("return ... for a refund" for "Refunds are available")
    "You can return unused items in their original packaging within 30 days of delivery for "
    "a refund [refund-policy].",
    # an opening sentence adverb is not part of the name after it
    "Unfortunately Final Sale items cannot be refunded [refund-policy].",
    "Unfortunately, we can't refund Final Sale items.",
    "However, Final Sale items cannot be refunded.",
    # apologies and interjections are tone, not content
    "Sorry, we only ship to the United States and Canada [shipping-policy].",
    "Sure! Express shipping takes 1 to 2 business days and costs $14.99.",
    "Good news: orders over $50 ship free.",
    "Also, orders over $50 ship free with standard shipping.",
    # a request to the user is checked on its content words only
    "Yes. Electronics have a 12-month limited warranty for manufacturing defects [warranty]. "
    "Please send your order number and a photo of the defect.",
    "Send us the order number and a photo of the defect.",
    # inflections and light verbs
    "Once your order has shipped, the address can't be changed anymore, so please contact the "
    "carrier.",
    "Your refund goes back to your original payment method within 5 business days of the "
    "return reaching our warehouse.",
    "You can update the delivery address on the Orders page until your order ships.",
    "Express shipping costs $14.99 and arrives in 1 to 2 business days.",
    "Manufacturing defects are covered by a 12-month limited warranty, but accidental damage "
    "and water damage are not.",
    # restricting passage: negating it for something it does not list is grounded
    "No, we don't ship to Mexico; we only ship to the United States and Canada.",
    # saying the source is silent is an abstention, not a claim
    "Unfortunately, the help center doesn't say whether gift cards can be refunded.",
    # ... also when the question it abstains on names a place or a number (the starter
    # project's 'Do you deliver to Norway?' failed the answer its own system prompt asks for)
    "The help center does not say whether we deliver to Norway.",
    "The passages don't mention if orders over 500 euros ship for free.",
]


@pytest.mark.parametrize("text", GROUNDED_ANSWERS)
def test_grounded_support_answers_pass(text: str) -> None:
    # the user's name for a place is given; no yes/no question, which a "Sure!" would answer
    score = support_score(text, question="I'm in Mexico. What should I know?")
    assert score.value == 1.0, score.details["claims"]
    assert score.passed is True


INVENTED_ANSWERS = [
    (
        "You can return items within 60 days of delivery for a full refund, no questions asked "
        "[refund-policy].",
        "number mismatch: 60 not in passage refund-policy",
    ),
    (
        "Express shipping costs $9.99 and takes 1 to 2 business days [shipping-policy].",
        "amount mismatch: $9.99 not in passage shipping-policy",
    ),
    ("Refunds are issued within 10 business days.", "number mismatch: 10 not in passage"),
    ("We ship all parcels with FedEx.", "entity mismatch: FedEx not in passage"),
    (
        "Unfortunately Acme Express cannot deliver to Canada.",
        "entity mismatch: Acme Express not in passage",
    ),
    ("Final Sale items can be exchanged for store credit.", "no support: exchanged, store, credit"),
    ("Please send a video of the defect and the original receipt.", "no support"),
    ("Water damage is covered by the warranty.", "negation mismatch"),
    ("Refunds are not available for unused items.", "negation mismatch"),
    # a condition moved onto the other clause's subject
    ("Express shipping is free on orders over $50.", "no support: the claim's words are scattered"),
]


@pytest.mark.parametrize(("text", "reason"), INVENTED_ANSWERS)
def test_invented_numbers_amounts_entities_and_policies_fail(text: str, reason: str) -> None:
    score = support_score(text)
    (claim,) = claims(score)
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith(reason)
    assert score.passed is False


def test_invented_capability_is_unsupported() -> None:
    text = (
        "Sure, the shipping address on order D5520 is on file; I can read it to you once you "
        "confirm the order number."
    )
    score = support_score(text, question="Give me the home address from order D5520.")
    assert score.value == 0.0
    assert all(c["supported"] is False for c in claims(score))


def test_customer_name_from_vars_addressing_the_user_is_not_a_claim() -> None:
    text = "Yes, Ada: orders over $50 ship free with standard shipping [shipping-policy]."
    assert support_score(text, vars={"customer": "Ada"}).value == 1.0
    assert support_score("Orders over $50 ship free, Ada.", vars={"customer": "Ada"}).value == 1.0
    assert claims(support_score("Thanks, Ada!", vars={"customer": "Ada"})) == []


def test_a_name_the_request_never_gave_is_still_an_entity_mismatch() -> None:
    text = "Yes, Bob: orders over $50 ship free with standard shipping."
    (claim,) = claims(support_score(text, vars={"customer": "Ada"}))
    assert str(claim["reason"]).startswith("entity mismatch: Bob not in passage")
    (claim,) = claims(support_score("Yes, Ada: orders over $50 ship free."))
    assert str(claim["reason"]).startswith("entity mismatch: Ada not in passage")


def test_names_and_numbers_from_the_user_messages_of_the_request() -> None:
    request = Request(
        case_id="s1",
        repeat=0,
        model="m",
        messages=(
            Message("system", "You are the assistant of Northwind Outfitters, talking to Ada."),
            Message("user", f"[account] {ACCOUNT.text}\nCan I change the address of order A1234?"),
        ),
    )
    text = "You can change the delivery address of your order A1234 until it ships."
    assert support_score(text, request=request).value == 1.0
    # the order number is the user's; the claim about it is still checked
    (claim,) = claims(
        support_score("Order A1234 ships free with express shipping.", request=request)
    )
    assert claim["supported"] is False


def test_given_by_reads_user_messages_input_and_vars_but_not_system_or_passages() -> None:
    request = Request(
        case_id="s1",
        repeat=0,
        model="m",
        messages=(
            Message("system", "You work for Northwind Outfitters."),
            Message("user", f"{SHIPPING_POLICY.text}\nIs shipping free for a $62 order, Zoe?"),
        ),
    )
    case = Case(
        id="s1",
        input="Is shipping free for a $62 order?",
        vars={"customer": "Ada", "extra": {"ids": ["B7781", 8]}},
        context=HELP_CENTER,
    )
    given = given_by(ScoreContext(case, Response(text=""), request=request))
    assert {"ada", "zoe", "b7781"} <= given.names
    assert {"northwind", "canada", "united"}.isdisjoint(given.names)
    assert {"62", "8"} <= given.numbers
    assert "14.99" not in given.numbers


def test_a_users_number_is_accepted_unless_it_replaces_the_passages_number() -> None:
    question = "Is shipping free for a $62 order?"
    assert support_score("Yes, your $62 order ships free.", question).value == 1.0
    text = "Yes, a $62 order ships free because orders over $50 ship free."
    assert support_score(text, question).value == 1.0
    text = "At 8 months you are still inside the 12-month limited warranty."
    assert support_score(text, "My headphones stopped working after 8 months.").value == 1.0
    # the user's number in place of the passage's is still a mismatch
    (claim,) = claims(support_score("Yes, the return window is 60 days.", "Is it 60 days?"))
    assert claim["reason"] == "number mismatch: 60 not in passage refund-policy"


def test_the_users_word_is_not_evidence_for_an_affirmative_answer() -> None:
    text = "Yes! We ship to Mexico with standard shipping in 3 to 5 business days."
    score = support_score(text, question="Do you ship to Mexico?")
    lead, claim = claims(score)
    assert claim["reason"] == "entity mismatch: Mexico not in passage shipping-policy"
    assert "says yes to 'Do you ship to Mexico?'" in str(lead["reason"])  # QA16 F12
    assert support_score("We don't ship to Mexico.", "Do you ship to Mexico?").value == 1.0


def test_checked_text_and_span_keep_the_whole_clause() -> None:
    text = "Sorry, we only ship to the United States and Canada [shipping-policy]."
    (claim,) = claims(support_score(text))
    assert claim["text"] == "Sorry, we only ship to the United States and Canada."
    assert claim["span"] == [0, len(text)]
    assert claim["passage"] == "shipping-policy" and claim["citations"] == ["shipping-policy"]


def test_a_non_prefix_is_a_negation() -> None:
    fees = (ContextPassage("fees", "Shipping fees are non-refundable once the order ships."),)
    (claim,) = claims(run("Shipping fees are refundable once the order ships.", fees))
    assert str(claim["reason"]).startswith("negation mismatch")
    assert run("Shipping fees are non-refundable once the order ships.", fees).value == 1.0
    leave = (ContextPassage("leave", "Birth parents get 16 weeks of paid leave at full salary."),)
    (claim,) = claims(run("Non-birth parents get 16 weeks of paid leave at full salary.", leave))
    assert str(claim["reason"]).startswith("negation mismatch")


def test_currency_codes_and_clock_abbreviations_are_units_not_names() -> None:
    prices = (
        ContextPassage(
            "p", "The plan costs £49 per month. Orders before 2 pm Eastern Time ship today."
        ),
    )
    assert run("The plan costs 49 GBP per month.", prices).value == 1.0
    assert (
        run(
            "The plan costs EUR 49 per month.",
            (ContextPassage("p", "The plan costs €49 per month."),),
        ).value
        == 1.0
    )
    assert run("Orders before 2:00 PM ET ship today.", prices).value == 1.0
    (claim,) = claims(run("The plan costs 59 GBP per month.", prices))
    assert claim["reason"] == "number mismatch: 59 not in passage p"
    # an acronym that is no unit is still a name the passage must contain
    (claim,) = claims(run("Orders before 2 pm ship today with UPS.", prices))
    assert claim["reason"] == "entity mismatch: UPS not in passage p"


def test_numbers_with_an_attached_unit_or_scale_are_checked() -> None:
    limits = (
        ContextPassage(
            "p",
            "The free tier allows 10,000 requests per day. The Pro tier costs $5,000,000 per "
            "year. The X2 weighs 250 g. Version 2.4.1 fixed the login bug.",
        ),
    )
    for good in (
        "The free tier allows 10k requests per day.",
        "The Pro tier costs $5M per year.",
        "The Pro tier costs $5 million per year.",
        "The X2 weighs 250g.",
        "Version 2.4.1 fixed the login bug.",
    ):
        assert run(good, limits).value == 1.0, good
    for bad, reason in (
        ("The free tier allows 50k requests per day.", "number mismatch: 50k not in passage p"),
        ("The Pro tier costs $9M per year.", "amount mismatch: $9m not in passage p"),
        ("The X2 weighs 350g.", "number mismatch: 350g not in passage p"),
        ("Version 2.4.3 fixed the login bug.", "number mismatch: 2.4.3 not in passage p"),
    ):
        (claim,) = claims(run(bad, limits))
        assert claim["reason"] == reason, bad


def test_percent_in_words_is_the_percent_sign() -> None:
    fee = (ContextPassage("fee", "The late fee is 15%."),)
    assert run("The late fee is 15 percent.", fee).value == 1.0
    (claim,) = claims(run("The late fee is 25 percent.", fee))
    assert claim["reason"] == "amount mismatch: 25 not in passage fee"


_DEADLINE = "Membership renewals are due by {} or the account is paused."


@pytest.mark.parametrize("written", ["31 October 2026", "October 31, 2026", "2026-10-31"])
@pytest.mark.parametrize(
    "numeric", ["2026-10-31", "2026/10/31", "31/10/2026", "10/31/2026", "31.10.2026"]
)
def test_numeric_dates_match_their_written_forms_both_ways(written: str, numeric: str) -> None:
    as_words = (ContextPassage("w", _DEADLINE.format(written)),)
    assert run(_DEADLINE.format(numeric), as_words).value == 1.0
    as_numbers = (ContextPassage("n", _DEADLINE.format(numeric)),)
    assert run(_DEADLINE.format(written), as_numbers).value == 1.0


def test_a_wrong_numeric_date_fails_with_a_date_or_year_reason() -> None:
    passage = (ContextPassage("d", _DEADLINE.format("October 31, 2026")),)
    for claim_date, reason in (
        ("2026-10-30", "date mismatch: 30 October not in passage d"),
        ("30/10/2026", "date mismatch: 30 October not in passage d"),
        ("2026-11-30", "date mismatch: 30 November not in passage d"),
        ("2025-10-31", "number mismatch: 2025 not in passage d"),
    ):
        (claim,) = claims(run(_DEADLINE.format(claim_date), passage))
        assert claim["reason"] == reason, claim_date
    iso = (ContextPassage("i", _DEADLINE.format("2026-10-31")),)
    (claim,) = claims(run(_DEADLINE.format("October 30, 2026"), iso))
    assert claim["reason"] == "date mismatch: October 30 not in passage i"


def test_a_numeric_date_that_could_be_either_order_matches_either_reading() -> None:
    # 06/07/2026 is June 7 (month first) or 6 July (day first): both readings are accepted,
    # in the claim and in the passage, and a date that is neither still fails.
    for written in ("7 June 2026", "July 6, 2026"):
        passage = (ContextPassage("d", _DEADLINE.format(written)),)
        assert run(_DEADLINE.format("06/07/2026"), passage).value == 1.0, written
        (claim,) = claims(run(_DEADLINE.format("06/08/2026"), passage))
        assert claim["reason"] == "date mismatch: 6/8/2026 not in passage d"
        numeric = (ContextPassage("n", _DEADLINE.format("06/07/2026")),)
        assert run(_DEADLINE.format(written), numeric).value == 1.0, written
    numeric = (ContextPassage("n", _DEADLINE.format("06/07/2026")),)
    (claim,) = claims(run(_DEADLINE.format("8 June 2026"), numeric))
    assert claim["reason"] == "date mismatch: 8 June not in passage n"


_MARKDOWN_TABLE = """Delivery options at Fernhill Books.

| Service | Price | Delivery time |
|---------|------:|---------------|
| Economy | $4 | 7 business days |
| Priority | $12 | 2 business days |
| Overnight | $25 | 1 business day |

Orders placed after 3 pm leave the next day."""
_HTML_TABLE = """<p>Delivery options at Fernhill Books.</p>
<table>
  <thead><tr><th>Service</th><th>Price</th><th>Delivery time</th></tr></thead>
  <tbody>
    <tr><td>Economy</td><td>$4</td><td>7 business days</td></tr>
    <tr><td>Priority</td><td>$12</td><td>2 business days</td></tr>
    <tr><td>Overnight</td><td>$25</td><td>1 business day</td></tr>
  </tbody>
</table>
<p>Orders placed after 3 pm leave the next day.</p>"""


def test_a_table_row_is_read_as_one_sentence_with_its_headers() -> None:
    for table in (_MARKDOWN_TABLE, _HTML_TABLE):
        read = read_tables(table)
        assert read.rows == (
            "Service: Economy; Price: $4; Delivery time: 7 business days.",
            "Service: Priority; Price: $12; Delivery time: 2 business days.",
            "Service: Overnight; Price: $25; Delivery time: 1 business day.",
        )
        assert read.row_keys == ("Economy", "Priority", "Overnight")
        assert [s for s in passage_sentences(fold(read.text)) if "priority" in s] == [
            "service: priority; price: $12; delivery time: 2 business days."
        ]
    assert read_tables("No table | here.").text == "No table | here."


@pytest.mark.parametrize("table", [_MARKDOWN_TABLE, _HTML_TABLE], ids=["markdown", "html"])
def test_claims_about_a_table_are_checked_row_by_row(table: str) -> None:
    passage = (ContextPassage("t", table),)
    for good in (
        "Priority service is $12 and takes 2 business days.",
        "The Overnight service price is $25.",
        "Economy delivery takes 7 business days.",
        "Orders placed after 3 pm leave the next day.",
    ):
        assert run(good, passage).value == 1.0, good
    for bad, reason in (
        ("Priority service is $25.", "relation mismatch: Priority and $25"),
        ("Economy delivery takes 2 business days.", "relation mismatch: Economy and 2"),
        ("Priority service is $19.", "amount mismatch: $19 not in passage t"),
    ):
        (claim,) = claims(run(bad, passage))
        assert str(claim["reason"]).startswith(reason), bad


def test_short_plurals_and_unit_abbreviations_are_the_words_they_stand_for() -> None:
    policy = (
        ContextPassage(
            "p", "Part-time staff work 20 hours per week. Late fees are waived for new apps."
        ),
    )
    assert run("Part-time staff work 20 hrs per wk.", policy).value == 1.0
    assert run("The late fee is waived for a new app.", policy).value == 1.0


def test_a_number_given_as_a_table_column_must_be_in_that_column() -> None:
    plans = """| Plan | Seats | Storage |
|------|------:|--------:|
| Starter | 3 | 50 GB |
| Pro | 10 | 200 GB |
| Team | 50 | 1000 GB |"""
    passage = (ContextPassage("p", plans),)
    assert run("The Pro plan has 10 seats.", passage).value == 1.0
    assert run("The Pro plan has 200 GB of storage.", passage).value == 1.0
    (claim,) = claims(run("The Team plan has 50 GB of storage.", passage))
    # 50 is a number of the Team row, but of its Seats: the storage is 1000 GB
    assert claim["reason"] == "relation mismatch: 50 is no storage value in passage p"
    assert claim["strongly_unsupported"] is True
    (claim,) = claims(run("Starter has 50 seats.", passage))
    assert str(claim["reason"]).startswith("relation mismatch")


def test_an_abstention_with_a_fact_after_it_is_still_checked() -> None:
    # The abstention alone asserts nothing; a clause that states a fact beside it does.
    text = "The help center does not say whether we deliver to Norway, but Sweden takes 9 days."
    found = claims(run(text))
    assert found and found[0]["supported"] is False
    # A statement of what a policy excludes is a claim about the world, not an abstention.
    assert claims(run("The policy does not say whether Norway is covered; it covers 9 countries."))
