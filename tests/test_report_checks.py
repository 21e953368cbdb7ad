"""A case's own checks in the report: each check's label, verdict and reason in the case
details, hostile labels and reasons inert (headless Chromium, as tests/test_report_browser.py)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import compare
from evalkit.dataset import EvalSet
from evalkit.providers.base import Response
from evalkit.report import write_report
from evalkit.report.cases import case_views
from evalkit.scorers.checks import Checks
from evalkit.scoring import Score, ScoreContext, score_all
from evalkit.summary import markdown_summary, terminal_summary
from tests.helpers.browser import open_page
from tests.helpers.report_runs import spec_run

HOSTILE_LABEL = "<img src=x onerror=window.__pwned=21>"
HOSTILE_PATTERN = "<script>window.__pwned=22</script>"
CHECKS = [
    {"name": "contains", "args": {"values": ["receipt"]}, "label": "mentions_receipt"},
    {"name": "regex", "args": {"pattern": r"\d{5}"}},
    {"name": "regex", "args": {"pattern": HOSTILE_PATTERN}, "label": HOSTILE_LABEL},
]


def checks_score(output: str) -> Score:
    """What the checks scorer gives the case for ``output``."""
    case = EvalSet.from_cases([{"id": "c1", "input": "refund?", "checks": CHECKS}]).cases[0]
    ctx = ScoreContext(case, Response(text=output))
    # On a thread of its own: under xdist a browser test of another module may share this
    # worker, and sync Playwright keeps an event loop running on the main thread.
    with ThreadPoolExecutor(1) as pool:
        scores = pool.submit(lambda: asyncio.run(score_all([Checks()], ctx))).result()
    return scores["checks"]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("checks")
    good_out = f"Your receipt, order 12345. {HOSTILE_PATTERN}"
    good = {"id": "c1", "output": good_out, "scores": {"checks": checks_score(good_out)}}
    bad = {"id": "c1", "output": "order 12345", "scores": {"checks": checks_score("order 12345")}}
    base = spec_run(tmp, "base", [good])
    cand = spec_run(tmp, "cand", [bad])
    return compare(base, cand, n_boot=50)


def test_the_case_view_lists_each_check(comparison: Any) -> None:
    (view,) = case_views(comparison.cases)
    assert [(c["l"], c["ok"]) for c in view["b"]["chk"]] == [
        ("mentions_receipt", True),
        ("regex", True),  # no label: the scorer's name
        (HOSTILE_LABEL, True),
    ]
    assert view["c"]["chk"][0] == {
        "s": "checks",
        "l": "mentions_receipt",
        "ok": False,
        "why": 'output contains none of "receipt"',
    }
    assert [(c["l"], c["ok"]) for c in view["c"]["chk"]] == [
        ("mentions_receipt", False),
        ("regex", True),
        (HOSTILE_LABEL, False),
    ]


def test_summaries_name_the_failing_checks(comparison: Any) -> None:
    text = terminal_summary(comparison)
    assert "checks: 2 of 3 checks failed: mentions_receipt: output contains none of" in text
    md = markdown_summary(comparison)
    assert "checks: 2 of 3 checks failed: mentions\\_receipt: output contains none of" in md
    assert "&lt;img src=x" in md and "<img" not in md  # a hostile label stays inert


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
        f"✗ {HOSTILE_LABEL} FAIL — no search for /{HOSTILE_PATTERN}/ in the output",
    ]
    base = page.locator("tr.detail .side.baseline ul.checks li").all_inner_texts()
    assert base[0] == '✓ mentions_receipt pass — output contains "receipt"'
    assert base[2] == f"✓ {HOSTILE_LABEL} pass — matched '{HOSTILE_PATTERN}'"
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert watch.clean, watch
    page.close()


def test_a_check_that_could_not_run_is_not_shown_as_a_failure(browser: Any, tmp_path: Path) -> None:
    checks = [
        {"name": "contains", "args": {"values": ["receipt"]}, "label": "mentions_receipt"},
        {"name": "regex", "args": {"pattern": "("}, "label": "order_number"},  # not a regex
    ]
    case = EvalSet.from_cases([{"id": "c1", "input": "refund?", "checks": checks}]).cases[0]
    with ThreadPoolExecutor(1) as pool:
        score = pool.submit(
            lambda: asyncio.run(
                score_all([Checks()], ScoreContext(case, Response(text="your receipt")))
            )
        ).result()["checks"]
    rec = {"id": "c1", "output": "your receipt", "scores": {"checks": score}}
    comparison = compare(spec_run(tmp_path, "b", [rec]), spec_run(tmp_path, "c", [rec]), n_boot=20)
    (view,) = case_views(comparison.cases)
    assert [(c["l"], c["ok"], c.get("err", False)) for c in view["c"]["chk"]] == [
        ("mentions_receipt", True, False),
        ("order_number", False, True),
    ]
    page, watch = open_page(browser, write_report(comparison, tmp_path / "r.html"))
    page.locator("#section-0 tbody.rows tr.case").first.click()
    items = page.locator("tr.detail .side.candidate ul.checks li").all_inner_texts()
    assert items[0] == '✓ mentions_receipt pass — output contains "receipt"'
    assert items[1].startswith("⚠ order_number could not run — error: check 'order_number'")
    assert "FAIL" not in items[1]
    assert watch.clean, watch
    page.close()


def test_the_cost_delta_of_a_cheap_case_shows_its_digits(browser: Any, tmp_path: Path) -> None:
    # QA8: a per-case cost below a hundredth of a cent read "+$0.0000" on every row
    base = spec_run(tmp_path, "b", [{"id": "c1", "output": "x", "cost": 0.000012}])
    cand = spec_run(tmp_path, "c", [{"id": "c1", "output": "x", "cost": 0.000036}])
    page, watch = open_page(
        browser, write_report(compare(base, cand, n_boot=20), tmp_path / "r.html")
    )
    row = page.locator("#section-0 tbody.rows tr.case").first
    cells = row.locator("td.num").all_inner_texts()
    assert cells[0] == "+$0.000024", cells
    assert watch.clean, watch
    page.close()
