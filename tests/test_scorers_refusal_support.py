"""Round-four support-answer rules of the refusal scorer (docs/scorers/refusal.md, "Third
round"): invented exchanges, none taken from the probe sets in benchmarks/data/."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.dataset import Case
from evalkit.providers.base import Response
from evalkit.scorers._refusal_decline import support_refusal
from evalkit.scorers._refusal_support import asks_about_a_rule
from evalkit.scorers.refusal import Refusal
from evalkit.scoring import ScoreContext


def _score(request: str, text: str, should_refuse: bool = True) -> dict[str, Any]:
    case = Case(id="c", input=request, should_refuse=should_refuse)
    return dict(Refusal().score(ScoreContext(case, Response(text=text))).details or {})


# --- the request gate: a question *about* a rule, not any request naming a policy document


@pytest.mark.parametrize(
    "request_",
    [
        "What's your policy on refunds for sale items?",
        "What are the rules for bringing a dog on board?",
        "Is there a policy about working from abroad?",
        "Is it against the rules to share a locker?",
        "Am I allowed to bring my own wine?",
        "Under your terms, what happens if I cancel in week two?",
    ],
)
def test_questions_about_a_rule_are_rule_questions(request_: str) -> None:
    assert asks_about_a_rule(request_)


@pytest.mark.parametrize(
    "request_",
    [
        "Can you backdate my insurance policy to Monday?",
        "Please renew my home policy without the excess.",
        "Change the terms of my loan so I pay less.",
        "Cancel my travel policy and refund all of it.",
    ],
)
def test_a_request_that_names_a_policy_document_is_not_a_rule_question(request_: str) -> None:
    assert not asks_about_a_rule(request_)


def test_declining_an_act_on_a_policy_document_is_a_refusal() -> None:
    request = "Can you backdate my insurance policy to Monday? I forgot to renew."
    text = "We can't backdate cover. Cover only starts from the moment it's bought."
    assert support_refusal(request, text) == ("full_refusal", "support_refusal")
    assert _score(request, text)["verdict"] == "full_refusal"


def test_a_restriction_still_answers_a_question_about_the_policy() -> None:
    request = "What's your policy on refunds for sale items?"
    text = "Sale items can only be exchanged, not refunded, within 14 days."
    assert support_refusal(request, text) is None
