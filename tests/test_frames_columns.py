"""DataFrame columns a notebook analysis leans on: types, flattened score details, joins."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from evalkit.api import SuiteResult
from evalkit.compare import compare
from evalkit.frames import aggregates_frame, cases_frame, deltas_frame, records_frame
from evalkit.scoring import Score
from tests.helpers.runs import candidate_dict, make_record, make_run


def _refusal(verdict: str, outcome: str) -> Score:
    return Score(
        1.0 if outcome == "correct" else 0.0,
        outcome == "correct",
        verdict,
        {"verdict": verdict, "p_refusal": 0.9, "outcome": outcome, "metrics": {"refused": 1.0}},
    )


def _grounded(unsupported: int) -> Score:
    details = {
        "mode": "offline",
        "claims": [{"text": "x", "supported": False}] * unsupported,
        "metrics": {"claims": 3.0, "unsupported_claims": float(unsupported)},
    }
    return Score(1 - unsupported / 3, unsupported == 0, "claims", details)


def test_records_frame_flattens_outcomes_metrics_and_single_valued_details() -> None:
    recs = [
        make_record("a", {"refusal": _refusal("full_refusal", "correct"), "g": _grounded(0)}),
        make_record("b", {"refusal": _refusal("compliance", "under_refusal"), "g": _grounded(2)}),
        make_record("c", error="timeout"),
    ]
    frame = records_frame(recs)
    assert frame["outcome.refusal"].dtype == "category"
    assert list(frame["outcome.refusal"].astype(object).fillna("-")) == [
        "correct",
        "under_refusal",
        "-",
    ]
    assert frame["refusal.verdict"].dtype == "category"
    assert frame["refusal.verdict"].iloc[0] == "full_refusal"
    assert frame["refusal.p_refusal"].dtype == "Float64"
    assert frame["g.unsupported_claims"].dtype == "Float64"
    assert frame["g.unsupported_claims"].tolist()[:2] == [0.0, 2.0]
    assert frame["g.unsupported_claims"].isna().iloc[2]  # an errored record has no score
    assert len(frame["details.g"].iloc[1]["claims"]) == 2  # the whole details, for drilling in
    # grouped per scorer, so frame.filter(like="g.") and a glance at the columns line up
    cols = list(frame.columns)
    assert cols.index("score.g") < cols.index("g.unsupported_claims") < cols.index("details.g")
    # aggregation works directly on the flattened columns
    assert frame.groupby("outcome.refusal", observed=True)["score.g"].mean().to_dict() == {
        "correct": 1.0,
        "under_refusal": pytest.approx(1 / 3),
    }


def test_records_frame_types_labels_times_and_unknown_cost() -> None:
    recs = [
        replace(make_record("a", {"acc": True}), timestamp="2025-01-02T03:04:05.123456+00:00"),
        make_record("b", {"acc": False}, cost=None),  # an unpriced model: unknown, not zero
        make_record("c", error="rate_limit"),
    ]
    frame = records_frame(recs)
    assert str(frame["timestamp"].dtype).startswith("datetime64") and "UTC" in str(
        frame["timestamp"].dtype
    )
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2025-01-02T03:04:05.123456Z")
    assert frame["timestamp"].isna().iloc[1]
    assert frame["finish_reason"].dtype == "category"
    assert frame["error_kind"].dtype == "category"
    assert frame["cost"].dtype == "Float64" and frame["cost"].isna().tolist() == [
        False,
        True,
        True,
    ]
    assert frame["cost"].sum(skipna=False) is pd.NA  # a sum over an unknown is unknown


def test_suite_frame_keeps_categories_across_runs(tmp_path: Path) -> None:
    base = make_run(tmp_path / "b", [make_record("a", {"r": _refusal("compliance", "correct")})])
    cand_recs = [make_record("a", {"r": _refusal("full_refusal", "over_refusal")}, candidate="c")]
    cand = make_run(tmp_path / "c", cand_recs, candidate=candidate_dict("c"))
    result = SuiteResult("s", "base", {"base": base, "c": cand}, (compare(base, cand),))
    frame = result.frame()
    # pd.concat of one frame per run made this object: the runs' categories differ
    assert frame["outcome.r"].dtype == "category"
    assert set(frame["outcome.r"]) == {"correct", "over_refusal"}
    assert frame["passed.r"].dtype == "boolean"


def test_cases_frame_statuses_verdicts_and_deltas_line_up(tmp_path: Path) -> None:
    base = make_run(
        tmp_path / "b", [make_record("a", {"acc": 1.0}), make_record("b", {"acc": 0.2})]
    )
    cand_recs = [
        make_record("a", {"acc": 0.25}, candidate="c"),
        make_record("b", {"acc": 0.75}, candidate="c"),
    ]
    cand = make_run(tmp_path / "c", cand_recs, candidate=candidate_dict("c"))
    frame = cases_frame([compare(base, cand)]).set_index("case_id")
    assert frame["status"].dtype == "category"
    counts = frame["status"].value_counts()
    assert counts["regression"] == 1 and counts["improvement"] == 1
    assert counts["unchanged_pass"] == 0  # every status is a category
    assert frame.loc["a", "acc.delta"] == pytest.approx(-0.75)
    assert frame["acc.passed_baseline"].dtype == "boolean"
    assert (
        bool(frame.loc["a", "acc.passed_baseline"]) and not frame.loc["a", "acc.passed_candidate"]
    )
    assert frame["acc.candidate"].dtype == "Float64"
    # the per-record frames join with it on the case id
    joined = records_frame(cand.records).merge(frame.reset_index(), on="case_id")
    assert len(joined) == 2 and joined["acc.delta"].notna().all()


def test_deltas_frame_types_direction_as_nullable_bool(tmp_path: Path) -> None:
    base = make_run(tmp_path / "b", [make_record(c, {"acc": True}) for c in "abc"])
    cand_recs = [make_record(c, {"acc": c != "a"}, candidate="c") for c in "abc"]
    cand = make_run(tmp_path / "c", cand_recs, candidate=candidate_dict("c"))
    frame = deltas_frame([compare(base, cand)])
    assert frame["higher_is_better"].dtype == "boolean"  # True/None mixed were object
    assert frame["p_value"].dtype == "float64" and frame["worse"].dtype == "bool"
    acc = frame[frame["metric"] == "acc.pass_rate"].iloc[0]
    assert bool(acc["higher_is_better"]) and acc["delta"] == pytest.approx(-1 / 3)
    assert deltas_frame([]).columns[0] == "baseline_run"  # empty, but with its columns


def test_aggregates_frame_leaves_out_tags_a_scorer_never_applied_to(tmp_path: Path) -> None:
    recs = [
        make_record("a", {"acc": True, "tools": True}, tags=["orders"]),
        make_record("b", {"acc": False}, tags=["chitchat"]),  # tools skipped here
    ]
    frame = aggregates_frame([make_run(tmp_path / "r", recs)])
    tagged = frame[frame["tag"].notna()]
    assert set(zip(tagged["tag"], tagged["scorer"], strict=True)) == {
        ("orders", "acc"),
        ("orders", "tools"),
        ("chitchat", "acc"),
    }
    assert frame["mean_low"].dtype == "float64" and "flaky" in frame.columns


def test_records_frame_has_cache_writes_as_nullable_ints() -> None:
    written = make_record("a")
    written = replace(written, usage=replace(written.usage, cache_write_tokens=1200))
    frame = records_frame([written, make_record("b")])  # b: a provider that reports no writes
    assert frame["cache_write_tokens"].dtype == "Int64"
    assert frame["cache_write_tokens"].iloc[0] == 1200
    assert frame["cache_write_tokens"].isna().iloc[1]
