"""A case's own checks in the report: each check's label, verdict and reason in the case
details, hostile labels and reasons inert (headless Chromium, as tests/test_report_browser.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import compare
from evalkit.report import write_report
from evalkit.report.cases import case_views
from evalkit.scoring import Score
from tests.helpers.browser import open_page
from tests.helpers.report_runs import spec_run

HOSTILE_LABEL = "<img src=x onerror=window.__pwned=21>"
HOSTILE_REASON = "no match in <script>window.__pwned=22</script>"


def checks_score(*entries: tuple[str | None, str, bool, str]) -> Score:
    """The checks scorer's score for ``(label, name, passed, reason)`` entries."""
    checks = [
        {"name": name, "label": label, "value": float(ok), "passed": ok, "reason": why}
        for label, name, ok, why in entries
    ]
    passed = sum(ok for _, _, ok, _ in entries)
    return Score(passed / len(checks), passed == len(checks), "reason", {"checks": checks})


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("checks")
    good = checks_score(("mentions_receipt", "contains", True, 'output contains "receipt"'))
    bad = checks_score(
        ("mentions_receipt", "contains", False, 'output contains none of "receipt"'),
        (None, "regex", True, "matched '12345'"),
        (HOSTILE_LABEL, "regex", False, HOSTILE_REASON),
    )
    base = spec_run(tmp, "base", [{"id": "c1", "output": "receipt", "scores": {"checks": good}}])
    cand = spec_run(tmp, "cand", [{"id": "c1", "output": "nothing", "scores": {"checks": bad}}])
    return compare(base, cand, n_boot=50)


def test_the_case_view_lists_each_check(comparison: Any) -> None:
    (view,) = case_views(comparison.cases)
    assert view["b"]["chk"] == [
        {"s": "checks", "l": "mentions_receipt", "ok": True, "why": 'output contains "receipt"'}
    ]
    assert [(c["l"], c["ok"]) for c in view["c"]["chk"]] == [
        ("mentions_receipt", False),
        ("regex", True),  # no label: the scorer's name
        (HOSTILE_LABEL, False),
    ]


def test_a_scorer_without_checks_adds_no_list(tmp_path: Path) -> None:
    run = spec_run(tmp_path, "r", [{"id": "c1", "output": "x", "scores": {"exact": True}}])
    (view,) = case_views(compare(run, run, n_boot=20).cases)
    assert "chk" not in view["b"]


def test_the_page_shows_the_checks_and_keeps_hostile_text_inert(
    browser: Any, comparison: Any, tmp_path: Path
) -> None:
    page, watch = open_page(browser, write_report(comparison, tmp_path / "r.html"))
    page.locator("#section-0 tbody.rows tr.case").first.click()
    items = page.locator("tr.detail .side.candidate ul.checks li").all_inner_texts()
    assert items == [
        '✗ mentions_receipt FAIL — output contains none of "receipt"',
        "✓ regex pass — matched '12345'",
        f"✗ {HOSTILE_LABEL} FAIL — {HOSTILE_REASON}",
    ]
    base = page.locator("tr.detail .side.baseline ul.checks li").all_inner_texts()
    assert base == ['✓ mentions_receipt pass — output contains "receipt"']
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert watch.clean, watch
    page.close()
