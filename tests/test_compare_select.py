"""DatasetMatch knows each side's selection: what a partial comparison covers, in words, and
through its JSON form."""

from __future__ import annotations

from evalkit.comparison_meta import DatasetMatch
from evalkit.dataset import Selection

REFUNDS = Selection(("refund-*",), (), None, selected=12, of=40)
HARD = Selection((), ("hard",), 5, selected=5, of=40)


def match(base: Selection | None, cand: Selection | None) -> DatasetMatch:
    return DatasetMatch(True, "v", "v", 12, 28, 0, "", base, cand)


def test_coverage_names_the_selected_side() -> None:
    assert not match(None, None).partial and match(None, None).coverage() == ""
    assert match(None, REFUNDS).coverage() == (
        "12 of 40 cases selected in the candidate run (--case refund-*)"
    )
    assert match(HARD, None).coverage() == (
        "5 of 40 cases selected in the baseline run (--tag hard --limit 5)"
    )
    assert match(REFUNDS, REFUNDS).coverage().endswith("selected in both runs (--case refund-*)")
    both = match(REFUNDS, HARD).coverage()
    assert both.startswith("12 of 40 cases selected in the baseline run")
    assert both.endswith("5 of 40 cases selected in the candidate run (--tag hard --limit 5)")


def test_selections_round_trip_and_old_json_reads_as_whole_runs() -> None:
    m = match(HARD, REFUNDS)
    d = m.to_dict()
    assert d["partial"] is True and d["candidate_selection"]["cases"] == ["refund-*"]
    assert DatasetMatch.from_dict(d) == m
    old = {k: v for k, v in d.items() if "selection" not in k and k != "partial"}
    assert not DatasetMatch.from_dict(old).partial
