"""pandas views and notebook displays of runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.frames import records_frame, run_html
from evalkit.scoring import Score
from tests.helpers.runs import make_record, make_run


def test_run_html_pass_rates_count_provider_errors_as_failures(tmp_path: Path) -> None:
    recs = [
        make_record("a", {"acc": True}),
        make_record("b", {"acc": Score.failure("boom")}),
        make_record("c", error="timeout"),
        make_record("d", {"acc": True}),
    ]
    html = run_html(make_run(tmp_path / "run", recs))
    # 2 of 3 cases pass: the provider error fails (was 100.0%); the scorer error is unscored,
    # not the candidate's failure (docs/compare.md), but counted in the errors column.
    assert "<td>acc</td><td>1</td><td>66.7%</td><td>3</td><td>2</td>" in html
    assert "1 errors" in html


def test_run_html_pass_rate_is_per_case_over_repeats(tmp_path: Path) -> None:
    recs = [
        make_record("a", {"acc": True}, repeat=0),
        make_record("a", {"acc": True}, repeat=1),
        make_record("b", {"acc": False}, repeat=0),
        make_record("b", {"acc": True}, repeat=1),
    ]
    html = run_html(make_run(tmp_path / "run", recs, repeats=2))
    assert "<td>acc</td><td>0.75</td><td>75.0%</td><td>2</td><td>0</td>" in html


def test_run_html_escapes_names(tmp_path: Path) -> None:
    recs = [make_record("a", {"<script>x</script>": True})]
    html = run_html(make_run(tmp_path / "run", recs))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_records_frame_types_score_columns() -> None:
    frame = records_frame(
        [make_record("a", {"acc": True, "g": 0.25}), make_record("b", error="timeout")]
    )
    assert list(frame["case_id"]) == ["a", "b"]
    assert frame["score.g"].iloc[0] == pytest.approx(0.25)
    assert frame["passed.acc"].isna().iloc[1] and bool(frame["passed.acc"].iloc[0])
    assert frame["error_kind"].iloc[1] == "timeout"


def test_aggregates_frame_gives_per_scorer_and_per_tag_estimates_with_intervals(
    tmp_path: Path,
) -> None:
    from evalkit.frames import aggregates_frame
    from evalkit.stats import wilson

    recs = [
        make_record("a", {"acc": True, "g": 0.9}, tags=["billing"]),
        make_record("b", {"acc": False, "g": 0.2}, tags=["billing", "vip"]),
        make_record("c", {"acc": True, "g": 0.7}, tags=["vip"]),
        make_record("d", error="timeout", tags=["vip"]),
    ]
    frame = aggregates_frame([make_run(tmp_path / "run", recs)])
    overall = frame[frame["tag"].isna()].set_index("scorer")
    assert set(overall.index) == {"acc", "g"}
    acc = overall.loc["acc"]
    assert (acc["cases"], acc["errors"], acc["pass_rate"]) == (4, 1, 0.5)  # error = failure
    low, high = wilson(2, 4)
    assert acc["pass_rate_low"] == pytest.approx(low) and acc["pass_rate_high"] == pytest.approx(
        high
    )
    g = overall.loc["g"]
    assert g["mean"] == pytest.approx(0.6)  # the errored case is out of the mean
    assert g["mean_low"] <= g["mean"] <= g["mean_high"]
    vip = frame[(frame["tag"] == "vip") & (frame["scorer"] == "acc")].iloc[0]
    assert (vip["cases"], vip["pass_rate"]) == (3, pytest.approx(1 / 3))
    assert set(frame["tag"].dropna()) == {"billing", "vip"}
    assert list(frame.columns[:3]) == ["candidate", "tag", "scorer"]


def test_cli_summary_lines_give_each_scorer_its_estimates(tmp_path: Path) -> None:
    from evalkit.cli.run import scorer_lines

    recs = [
        make_record(c, {"acc": ok}) for c, ok in zip("abcd", (True, True, True, False), strict=True)
    ]
    (line,) = scorer_lines(make_run(tmp_path / "run", recs))
    assert line.startswith("  acc: mean 0.750 [")
    assert "pass rate 75.0% [30.1%, 95.4%] over 4 case(s)" in line  # Wilson, 3 of 4
