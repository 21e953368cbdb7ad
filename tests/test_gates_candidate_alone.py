"""``min``/``max`` judge the candidate alone: every case it scored, not only the cases the
baseline scored too (QA16 F5)."""

from __future__ import annotations

from pathlib import Path

from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.scoring import Score
from tests.helpers.runs import make_record, make_run


def _runs(tmp_path: Path) -> tuple[object, object]:
    # The baseline left half the cases unscored (a judge that failed, an older scorer that
    # skipped them); the candidate fails exactly those.
    base = [
        make_record(
            f"c{i}",
            {"g": Score(1.0, True) if i % 2 == 0 else Score(None, None, error="judge down")},
        )
        for i in range(10)
    ]
    cand = [
        make_record(f"c{i}", {"g": Score(1.0 if i % 2 == 0 else 0.0, i % 2 == 0)}, candidate="b2")
        for i in range(10)
    ]
    return make_run(tmp_path / "b", base), make_run(tmp_path / "c", cand)


def test_min_and_max_read_every_case_the_candidate_scored(tmp_path: Path) -> None:
    b, c = _runs(tmp_path)
    gates = (
        Gate("g.mean", min=0.9),
        Gate("g.pass_rate", min=0.9),
        Gate("g.mean", max=0.6),
        Gate("g.mean", max_drop=0.1),
    )
    cmp = compare(b, c, gates=gates)  # type: ignore[arg-type]
    mean_min, rate_min, mean_max, drop = cmp.verdict.results[:4]
    assert mean_min.status == "fail" and mean_min.observed == 0.5
    assert "g.mean 0.5 < min 0.9" in mean_min.reason
    assert "n=10, 5 of them unscored in the baseline)" in mean_min.reason
    assert rate_min.status == "fail" and rate_min.observed == 0.5
    assert mean_max.status == "pass" and mean_max.observed == 0.5
    # a comparing rule stays paired: the 5 cases scored on both sides did not change
    assert drop.status == "pass" and "5 case(s) unscored on one side left out" in drop.reason


def test_without_unscored_cases_the_paired_and_own_values_agree(tmp_path: Path) -> None:
    base = [make_record(f"c{i}", {"g": Score(1.0, True)}) for i in range(4)]
    cand = [make_record(f"c{i}", {"g": Score(0.5, False)}, candidate="b2") for i in range(4)]
    cmp = compare(make_run(tmp_path / "b", base), make_run(tmp_path / "c", cand),
                  gates=(Gate("g.mean", min=0.4),))  # fmt: skip
    (res,) = cmp.verdict.results[:1]
    assert res.status == "pass" and res.observed == 0.5
    assert "unscored" not in res.reason
