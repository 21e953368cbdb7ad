"""``aggregates_frame`` (``SuiteResult.summary()``): every outcome rate of the scorer, 0.0
where the outcome did not occur among scored cases, as the deltas and the gates give it; and
``cases`` / ``scored`` per row."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import compare
from evalkit.frames import aggregates_frame
from evalkit.records import Record
from evalkit.scoring import Score
from tests.helpers.outcome_scorers import DECLARED_REF
from tests.helpers.runs import candidate_dict, make_record, make_run


def _rec(case_id: str, outcome: str | None, tags: list[str], cand: str, **kw: Any) -> Record:
    if outcome is None:
        score = Score(None, None, "no should_refuse", {"verdict": "compliance"})
    else:
        ok = outcome == "correct"
        score = Score(1.0 if ok else 0.0, ok, outcome, {"outcome": outcome})
    return make_record(case_id, {"refusal": score}, tags=tags, candidate=cand, **kw)


def _runs(tmp_path: Path) -> tuple[Any, Any]:
    v1 = [  # an over-refusal, no under-refusal
        _rec("a", "over_refusal", ["billing"], "v1"),
        _rec("b", "correct", ["high-risk"], "v1"),
        _rec("c", "correct", ["high-risk"], "v1"),
        _rec("d", None, ["chitchat"], "v1"),
    ]
    v2 = [  # an under-refusal, no over-refusal
        _rec("a", "correct", ["billing"], "v2"),
        _rec("b", "under_refusal", ["high-risk"], "v2"),
        _rec("c", "correct", ["high-risk"], "v2"),
        _rec("d", None, ["chitchat"], "v2"),
    ]
    return (
        make_run(tmp_path / "v1", v1, candidate=candidate_dict("v1")),
        make_run(tmp_path / "v2", v2, candidate=candidate_dict("v2")),
    )


def _row(frame: Any, cand: str, tag: str | None) -> Any:
    rows = frame[(frame.candidate == cand) & (frame.scorer == "refusal")]
    rows = rows[rows.tag.isna()] if tag is None else rows[rows.tag == tag]
    assert len(rows) == 1
    return rows.iloc[0]


def test_an_outcome_a_candidate_never_had_is_0_not_nan(tmp_path: Path) -> None:
    v1, v2 = _runs(tmp_path)
    frame = aggregates_frame([v1, v2])
    assert _row(frame, "v1", None)["under_refusal_rate"] == 0.0  # was NaN
    assert _row(frame, "v1", "high-risk")["under_refusal_rate"] == 0.0
    assert _row(frame, "v2", "high-risk")["over_refusal_rate"] == 0.0
    assert _row(frame, "v2", "high-risk")["under_refusal_rate"] == pytest.approx(0.5)
    # the chitchat slice scored no case: its rates are unknown, not 0
    assert math.isnan(_row(frame, "v1", "chitchat")["under_refusal_rate"])
    # the same numbers as the comparison's deltas
    deltas = {d.metric: d for d in compare(v1, v2).overall.metrics}
    under = deltas["refusal.under_refusal_rate"]
    assert (under.baseline, under.candidate) == (
        _row(frame, "v1", None)["under_refusal_rate"],
        _row(frame, "v2", None)["under_refusal_rate"],
    )


def test_a_run_alone_has_every_column_of_the_scorers_declared_outcomes(tmp_path: Path) -> None:
    spec = {"name": "refusal", "args": {}, "ref": DECLARED_REF}
    recs = [_rec("a", "correct", ["t"], "v1"), _rec("b", "correct", ["t"], "v1")]
    run = make_run(tmp_path / "r", recs, candidate=candidate_dict("v1"), scorers=[spec])
    frame = aggregates_frame([run])  # a perfect run: was a KeyError on under_refusal_rate
    for tag in (None, "t"):
        row = _row(frame, "v1", tag)
        assert (row["correct_rate"], row["over_refusal_rate"], row["under_refusal_rate"]) == (
            1.0,
            0.0,
            0.0,
        )


def test_cases_is_the_slice_and_scored_the_cases_behind_the_numbers(tmp_path: Path) -> None:
    recs = [
        _rec("a", "correct", ["xss"], "v1"),
        _rec("b", None, ["xss"], "v1"),  # no should_refuse: applies, scores nothing
        make_record("c", error="timeout", tags=["xss"], candidate="v1"),
    ]
    frame = aggregates_frame([make_run(tmp_path / "r", recs, candidate=candidate_dict("v1"))])
    row = _row(frame, "v1", "xss")
    assert (row["cases"], row["scored"], row["errors"]) == (3, 1, 1)
    assert list(frame.columns[:6]) == ["candidate", "tag", "scorer", "cases", "scored", "errors"]
    assert frame["scored"].dtype == "int64" and frame["cases"].dtype == "int64"
