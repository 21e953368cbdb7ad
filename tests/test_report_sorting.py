"""The report's case table sorts by column, in a real headless Chromium.

A reviewer of a 2,000-case comparison wants the cases that lost most, or whose cost or latency
rose most, first; the default order (regressions first) must come back on the status column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import compare
from evalkit.report import write_report
from tests.helpers.browser import open_page
from tests.helpers.runs import candidate_dict, make_record, make_run

# case id: (baseline value, candidate value, baseline cost, candidate cost, latencies)
CASES = {
    "case-2": (0.9, 0.2, 0.010, 0.030, 100.0, 900.0),  # regression, biggest drop
    "case-10": (0.8, 0.6, 0.010, 0.011, 100.0, 150.0),  # unchanged pass, small drop
    "case-1": (0.1, 0.9, 0.010, 0.005, 100.0, 50.0),  # improvement: a rise
    "case-3": (0.7, 0.7, 0.010, 0.020, 100.0, 400.0),  # unchanged, cost doubled
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("sorting")
    base = [
        make_record(cid, {"g": b}, cost=bc, latency_ms=bl)
        for cid, (b, _, bc, _, bl, _) in CASES.items()
    ]
    cand = [
        make_record(cid, {"g": c}, cost=cc, latency_ms=cl, candidate="cand")
        for cid, (_, c, _, cc, _, cl) in CASES.items()
    ]
    base.append(make_record("only-b", {"g": 0.5}))  # no candidate side: no delta
    b = make_run(tmp / "base", base, version="v1")
    c = make_run(tmp / "cand", cand, candidate=candidate_dict("cand"), version="v2")
    return write_report(compare(b, c, allow_dataset_mismatch=True), tmp / "report.html")


def _ids(page: Any) -> list[str]:
    return page.locator("#section-0 tbody tr.case td.id").all_inner_texts()


def _click(page: Any, key: str) -> None:
    page.locator(f'#section-0 button.sort[data-key="{key}"]').click()


def _state(page: Any, key: str) -> str:
    th = page.locator(f'#section-0 th:has(button.sort[data-key="{key}"])')
    return th.get_attribute("aria-sort") or ""


def test_columns_sort_and_reverse(browser: Any, report: Path) -> None:
    page, watch = open_page(browser, report)
    default = _ids(page)
    assert default[0] == "case-2"  # the regression first, as before
    assert _state(page, "status") == "ascending"

    _click(page, "drop")  # largest drop first; a rise is a negative drop; no pair last
    assert _ids(page) == ["case-2", "case-10", "case-3", "case-1", "only-b"]
    assert _state(page, "drop") == "descending" and _state(page, "status") == "none"
    _click(page, "drop")
    assert _ids(page) == ["case-1", "case-3", "case-10", "case-2", "only-b"]
    assert _state(page, "drop") == "ascending"

    _click(page, "cost")  # largest rise first
    assert _ids(page) == ["case-2", "case-3", "case-10", "case-1", "only-b"]
    _click(page, "lat")
    assert _ids(page) == ["case-2", "case-3", "case-10", "case-1", "only-b"]
    _click(page, "lat")
    assert _ids(page) == ["case-1", "case-10", "case-3", "case-2", "only-b"]

    _click(page, "id")  # natural order: case-10 after case-3
    assert _ids(page) == ["case-1", "case-2", "case-3", "case-10", "only-b"]
    _click(page, "id")
    assert _ids(page) == ["only-b", "case-10", "case-3", "case-2", "case-1"]

    _click(page, "status")
    assert _ids(page) == default
    assert watch.clean, watch
    page.close()


def test_sorting_keeps_the_filter_and_starts_at_the_first_page(browser: Any, report: Path) -> None:
    page, watch = open_page(browser, report)
    page.locator("#section-0 .f-status").select_option("changed")
    filtered = set(_ids(page))
    _click(page, "drop")
    assert set(_ids(page)) == filtered and "case-3" not in filtered
    assert _ids(page)[0] == "case-2"
    assert watch.clean, watch
    page.close()
