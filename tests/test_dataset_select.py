"""EvalSet.select: ids and glob patterns, tags, limit; bad filters named with close matches."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.dataset import EvalSet, Selection
from evalkit.errors import InputError


def eval_set() -> EvalSet:
    rows: list[dict[str, Any]] = [
        {"id": "refund-001", "input": "a", "tags": ["billing"]},
        {"id": "ship-001", "input": "b", "tags": ["shipping", "hard"]},
        {"id": "refund-002", "input": "c", "tags": ["billing", "hard"]},
        {"id": "ship-002", "input": "d", "tags": ["shipping"]},
        {"id": "refund-003", "input": "e"},
    ]
    return EvalSet.from_cases(rows, name="support")


def ids(es: EvalSet) -> list[str]:
    return [c.id for c in es.cases]


def test_ids_and_globs_keep_file_order_and_record_the_selection() -> None:
    es = eval_set()
    sub = es.select(ids=["ship-002", "refund-*"])
    assert ids(sub) == ["refund-001", "refund-002", "ship-002", "refund-003"]
    assert sub.selection == Selection(("ship-002", "refund-*"), (), None, selected=4, of=5)
    # the version names the file the cases came from; the selection says which of them
    assert sub.version == es.version and sub.name == es.name
    assert es.selection is None and len(es) == 5  # the original is untouched


def test_a_tag_matches_any_and_filters_narrow_in_turn() -> None:
    es = eval_set()
    assert ids(es.select(tags=["hard", "shipping"])) == ["ship-001", "refund-002", "ship-002"]
    assert ids(es.select(ids="refund-*", tags="hard")) == ["refund-002"]
    # limit: the first N after the other filters, in file order
    assert ids(es.select(tags="billing", limit=1)) == ["refund-001"]
    assert ids(es.select(limit=2)) == ["refund-001", "ship-001"]
    assert es.select(limit=99).selection == Selection((), (), 99, selected=5, of=5)


def test_no_filter_is_the_whole_set() -> None:
    es = eval_set()
    assert es.select() is es and es.select(ids=[], tags=[]) is es


def test_unknown_ids_and_tags_are_all_named_with_close_matches() -> None:
    with pytest.raises(InputError) as info:
        eval_set().select(ids=["refund-01", "refnd-*", "zzz"], tags=["biling"])
    msg = str(info.value)
    assert '--case refund-01: no case has this id; closest: "refund-001"' in msg
    assert "--case refnd-*: no case id matches this pattern; closest:" in msg
    # nothing close: a few valid ids show what one looks like
    assert '--case zzz: no case has this id; ids include "refund-001"' in msg
    assert '--tag biling: no case has this tag; closest: "billing"' in msg


def test_an_empty_selection_and_a_bad_limit_are_bad_input() -> None:
    with pytest.raises(InputError, match="leaves no case"):
        eval_set().select(ids="ship-*", tags="billing")
    with pytest.raises(InputError, match="--limit 0: must be >= 1"):
        eval_set().select(limit=0)


def test_a_selection_is_not_selected_again() -> None:
    sub = eval_set().select(tags="billing")
    with pytest.raises(InputError, match="already a selection"):
        sub.select(limit=1)


def test_selection_round_trips_and_compares_by_filters() -> None:
    s = Selection(("b*", "a"), ("x",), 3, selected=2, of=9)
    assert Selection.from_dict(s.to_dict()) == s
    assert s.filters == Selection(("a", "b*", "a"), ("x",), 3).filters
    assert s.filters != Selection(("a",), ("x",), 3).filters
    assert s.describe() == "2 of 9 cases (--case b* --case a --tag x --limit 3)"


def test_an_id_with_glob_characters_matches_itself() -> None:
    es = EvalSet.from_cases([{"id": "q[1]", "input": "a"}, {"id": "q1", "input": "b"}])
    assert ids(es.select(ids="q[1]")) == ["q[1]", "q1"]  # itself, and what the pattern means
    assert ids(es.select(ids="q[[]1]")) == ["q[1]"]


def test_a_limit_that_cuts_records_the_ids_it_kept() -> None:
    es = eval_set()
    cut = es.select(tags="billing", limit=1).selection
    assert cut is not None and cut.ids == ("refund-001",)
    assert cut.to_dict()["ids"] == ["refund-001"]
    assert Selection.from_dict(cut.to_dict()) == cut
    # filters alone say what they keep, and a limit above the count cut nothing: no ids
    for sel in (es.select(ids="refund-*").selection, es.select(limit=99).selection):
        assert sel is not None and sel.ids == () and "ids" not in sel.to_dict()
    # the ids are not filters: resume compares filters, and the same filters match
    assert cut.filters == Selection((), ("billing",), 1).filters


def test_picks_says_which_cases_a_selection_kept_or_that_it_cannot_tell() -> None:
    es = eval_set()
    tags = {c.id: c.tags for c in es.cases}
    for sel in (
        es.select(ids="refund-*").selection,
        es.select(tags="hard", ids="*-00[12]").selection,
        es.select(tags="shipping", limit=1).selection,
        es.select(limit=2).selection,
        es.select(limit=9).selection,
    ):
        assert sel is not None
        kept = set(ids(es.select(sel.cases, sel.tags, sel.limit)))
        assert {i for i in tags if sel.picks(i, tags[i])} == kept
        assert all(sel.picks(i, tags[i]) is False for i in tags if i not in kept)
    # a manifest from before the ids were recorded: the limit reached its count, so a case the
    # filters keep may have been cut (None); one they reject is known to be out
    old = Selection.from_dict({"tags": ["billing"], "limit": 1, "selected": 1, "of": 5})
    assert old.picks("refund-002", ["billing"]) is None
    assert old.picks("ship-001", ["shipping"]) is False
    assert Selection.from_dict({"limit": 9, "selected": 5, "of": 5}).picks("x", []) is True
