"""Outcome rates of a slice (``evalkit.aggregate``): 0.0 for an outcome of the scorer's
vocabulary that no scored case of the slice had, unknown when the slice scored no case."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.aggregate import aggregate, aggregate_by_tag, outcome_labels
from evalkit.records import Record
from evalkit.scoring import Score
from tests.helpers.runs import make_record


def _refusal(outcome: str | None) -> Score:
    """A refusal-like score: a case without ``should_refuse`` has no value and no outcome."""
    if outcome is None:
        return Score(None, None, "no should_refuse", {"verdict": "compliance"})
    ok = outcome == "correct"
    return Score(1.0 if ok else 0.0, ok, outcome, {"outcome": outcome})


def _rec(case_id: str, outcome: str | None, *tags: str, **kw: Any) -> Record:
    return make_record(case_id, {"refusal": _refusal(outcome)}, tags=tags, **kw)


RECORDS = [
    _rec("a", "correct", "billing"),
    _rec("b", "over_refusal", "billing"),
    _rec("c", "correct", "high-risk"),
    _rec("d", "under_refusal", "high-risk"),
    _rec("e", "correct", "high-risk"),
    _rec("f", None, "chitchat"),
]


def test_an_outcome_the_slice_never_had_is_a_rate_of_0() -> None:
    by_tag = aggregate_by_tag(RECORDS)
    risky = by_tag["high-risk"].scorer("refusal")
    assert risky is not None
    assert risky.outcomes == {
        "correct": pytest.approx(2 / 3),
        "over_refusal": 0.0,  # was left out: NaN in a frame, while gates and deltas say 0.0
        "under_refusal": pytest.approx(1 / 3),
    }
    billing = by_tag["billing"].scorer("refusal")
    assert billing is not None and billing.outcomes["under_refusal"] == 0.0
    # aggregate() on a tag agrees with aggregate_by_tag, and gates read it
    one = aggregate(RECORDS, tag="billing").metrics()
    assert one["refusal.under_refusal_rate"] == 0.0
    assert one["refusal.over_refusal_rate"] == 0.5


def test_a_slice_that_scored_no_case_has_no_outcome_rate() -> None:
    # the chitchat case has no should_refuse: no value, no outcome: the rate is unknown, not 0
    chitchat = aggregate_by_tag(RECORDS)["chitchat"].scorer("refusal")
    assert chitchat is not None and chitchat.outcomes == {}
    errored = [_rec("x", "correct", "t"), make_record("y", error="timeout", tags=["u"])]
    u = aggregate(errored, tag="u", scorers=["refusal"]).scorer("refusal")
    assert u is not None and u.outcomes == {}  # every record an error: no rate


def test_a_given_vocabulary_adds_outcomes_no_record_had() -> None:
    perfect = [_rec("a", "correct"), _rec("b", "correct")]
    vocab = {"refusal": ("correct", "over_refusal", "under_refusal")}
    s = aggregate(perfect, outcomes=vocab).scorer("refusal")
    assert s is not None
    assert s.outcomes == {"correct": 1.0, "over_refusal": 0.0, "under_refusal": 0.0}
    by_tag = aggregate_by_tag([_rec("a", "correct", "t")], outcomes=vocab)
    t = by_tag["t"].scorer("refusal")
    assert t is not None and t.outcomes["under_refusal"] == 0.0
    assert outcome_labels(RECORDS) == {"refusal": {"correct", "over_refusal", "under_refusal"}}


def test_scored_counts_the_cases_behind_the_rates_not_the_slice() -> None:
    xss = [_rec("a", "correct", "xss"), _rec("b", None, "xss")]
    agg = aggregate(xss, tag="xss")
    s = agg.scorer("refusal")
    assert s is not None
    assert (agg.run.cases, s.cases, s.scored) == (2, 2, 1)
    assert s.mean.n == 1 and s.pass_rate.n == 1
    errored = aggregate([_rec("a", "correct"), make_record("b", error="timeout")])
    e = errored.scorer("refusal")
    assert e is not None and (e.cases, e.scored, e.errors) == (2, 1, 1)
    assert type(e).from_dict(e.to_dict()) == e
