"""The HTML report in a real headless Chromium: loads clean, filters, search, details, XSS.

Skipped without Chromium, failed under ``CI=true`` (see tests/helpers/browser.py). One browser
per module; each test opens its own page.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # require_chromium() skips, or fails under CI=true
    expect = None  # type: ignore[assignment]

from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.report import write_report
from tests.helpers.browser import open_page, require_chromium
from tests.helpers.report_runs import random_specs, spec_run
from tests.helpers.unpriced import unpriced_comparison

N = 250
XSS_OUT = (
    'Click <a href="javascript:window.__pwned=4">here</a> or [there](javascript:alert(4)) '
    "<script>window.__pwned=1</script> </script><script>window.__pwned=7</script> "
    '<img src=x onerror="window.__pwned=2;alert(2)"> & done'
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two comparisons: a normal one of N cases (one hostile case) and a small hostile one."""
    tmp = tmp_path_factory.mktemp("report")
    base_specs = random_specs(N, seed=5, quality=0.85, cost=0.002, hostile=True)
    cand_specs = random_specs(N, seed=5, quality=0.65, cost=0.0025, hostile=True)
    base = spec_run(tmp, "base", base_specs, model="gpt-4o-mini", system="Answer from context.")
    cand = spec_run(
        tmp, "cand", cand_specs, model="gpt-4.1-mini", system="Answer briefly from context."
    )
    gates = (Gate(metric="groundedness.mean", max_drop=0.02),)
    first = compare(base, cand, gates=gates, n_boot=200)
    hostile = [
        {
            "id": f'"><script>window.__pwned=5</script>x{i}',
            "tags": ["<img src=x onerror=window.__pwned=8>", "javascript:alert(1)"],
            "input": "</script><script>window.__pwned=6</script> <b>input</b>",
            "output": XSS_OUT,
            "scores": {"exact_match": i % 2 == 0},
        }
        for i in range(4)
    ]
    hb = spec_run(tmp, "hb", hostile, model="<img src=x onerror=alert(9)>", dataset="evil<b>set")
    hc = spec_run(
        tmp,
        "hc",
        [{**h, "scores": {"exact_match": True}} for h in hostile],
        model="javascript:alert(3)",
        dataset="evil<b>set",
        system="</script><script>window.__pwned=3</script>\n<svg onload=alert(5)>",
        prompt="{{ input }} <iframe src=javascript:alert(6)>",
    )
    second = compare(hb, hc, n_boot=50)
    return write_report([first, second], tmp / "report.html", title="evalkit <i>test</i> report")


def shown(section: Any) -> int:
    """How many cases match the filters ("cases 1–100 of 523 (filtered from 1000)")."""
    info = section.locator(".p-info").inner_text()
    return 0 if info.startswith("no cases") else int(info.split(" of ")[1].split()[0])


def visible_ids(page: Any) -> list[str]:
    return page.locator("section:not(.hidden) tbody.rows tr.case td.id").all_inner_texts()


def test_page_loads_clean_offline_and_shows_the_verdict(browser: Any, report: Path) -> None:
    page, watch = open_page(browser, report)
    assert watch.clean, watch
    assert page.inner_text("#overall-verdict") == "FAIL"
    section = page.locator("#section-0")
    assert "groundedness.mean" in section.locator("ul.gates").inner_text()
    assert len(visible_ids(page)) == 100  # first page of N cases
    assert f"of {N}" in section.locator(".p-info").inner_text()
    assert section.locator("svg").count() >= 3  # distributions, tag deltas, cost vs quality
    page.close()


def test_filters_change_the_visible_rows(browser: Any, report: Path) -> None:
    page, watch = open_page(browser, report)
    s = page.locator("#section-0")
    s.locator(".f-status").select_option("regression")
    badges = s.locator("tbody.rows .badge").all_inner_texts()
    assert badges and set(badges) == {"regression"}
    n_reg = shown(s)
    assert 0 < n_reg < N
    s.locator(".f-status").select_option("all")
    s.locator(".f-tag").select_option("high-risk")
    rows = s.locator("tbody.rows tr.case")
    assert 0 < rows.count() < 100
    for i in range(rows.count()):
        assert "high-risk" in rows.nth(i).locator("td").nth(2).inner_text()
    s.locator(".f-tag").select_option("")
    s.locator(".f-scorer").select_option("groundedness")
    failing = shown(s)
    assert 0 < failing < N and failing != n_reg
    assert f"filtered from {N}" in s.locator(".p-info").inner_text()
    assert watch.clean, watch
    page.close()


def test_pages_and_search(browser: Any, report: Path) -> None:
    page, watch = open_page(browser, report)
    s = page.locator("#section-0")
    first = visible_ids(page)
    s.locator(".p-next").click()
    second = visible_ids(page)
    assert len(second) == 100 and not set(first) & set(second)
    s.locator(".f-text").fill("case-00042")
    expect(s.locator("tbody.rows tr.case")).to_have_count(1)  # search is debounced
    assert visible_ids(page) == ["case-00042"]
    s.locator(".f-text").fill("no such text anywhere")
    expect(s.locator(".p-info")).to_contain_text("no cases match")
    assert visible_ids(page) == []
    assert watch.clean, watch
    page.close()


def test_expanding_a_case_shows_side_by_side_word_diff(
    browser: Any, report: Path, tmp_path: Path
) -> None:
    page, watch = open_page(browser, report)
    s = page.locator("#section-0")
    s.locator(".f-status").select_option("regression")
    s.locator(".f-scorer").select_option("groundedness")
    s.locator("tbody.rows tr.case").first.click()
    detail = s.locator("tr.detail")
    assert detail.count() == 1
    assert detail.locator(".side.baseline .output").count() == 1
    assert detail.locator(".side.candidate .output").count() == 1
    assert detail.locator(".side.baseline del").count() > 0  # words only the baseline has
    assert detail.locator(".side.candidate ins").count() > 0  # words only the candidate has
    assert detail.locator(".side.candidate .unsupported").count() > 0  # a failed claim
    assert "gpt-4.1-mini" in detail.locator(".side.candidate h4").inner_text()
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    out = Path(__file__).resolve().parents[1] / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    detail.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "report_detail.png"))
    s.locator("tbody.rows tr.case").first.click()  # collapse again
    assert s.locator("tr.detail").count() == 0
    assert watch.clean, watch
    page.close()


def test_hostile_text_stays_inert_and_visible(browser: Any, report: Path) -> None:
    page, watch = open_page(browser, report)
    page.click("#tab-1")
    s = page.locator("#section-1")
    assert s.is_visible() and not page.locator("#section-0").is_visible()
    rows = s.locator("tbody.rows tr.case")
    assert rows.count() == 4
    rows.first.click()
    expect(s.locator("tr.detail .side.candidate .output")).to_contain_text("javascript:")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert watch.dialogs == [] and watch.clean, watch
    text = page.inner_text("body")
    for literal in (
        '"><script>window.__pwned=5</script>x0',
        "<img src=x onerror=window.__pwned=8>",
        "</script><script>window.__pwned=6</script> <b>input</b>",
        "<script>window.__pwned=1</script>",
        "[there](javascript:alert(4))",
        "javascript:alert(3)",
        "<img src=x onerror=alert(9)>",
        "</script><script>window.__pwned=3</script>",
        "evil<b>set",
    ):
        assert literal in text, literal
    # Nothing from the data became an element: no links, images, iframes or data scripts.
    assert page.evaluate("document.querySelectorAll('a, img, iframe, object, embed').length") == 0
    assert page.evaluate("document.scripts.length") == 3  # page script + 2 JSON blocks
    assert page.title() == "evalkit <i>test</i> report"
    page.close()


def test_missing_browser_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.helpers.browser.chromium_path", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require_chromium()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        require_chromium()
    assert os.environ["CI"] == "false"


def metric_cells(section: Any, label: str) -> list[str]:
    """The cells of the headline metrics row labelled ``label``."""
    row = section.locator("table.metrics").first.locator("tbody tr", has_text=label).first
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def test_unknown_cost_says_how_many_records_are_unpriced(browser: Any, tmp_path: Path) -> None:
    # The candidate sends half its calls to a model without a price: its cost cells say so
    # (not "–", which reads as "nothing measured"), with no interval or p beside them.
    page_file = write_report(unpriced_comparison(tmp_path), tmp_path / "unpriced.html")
    page, watch = open_page(browser, page_file)
    s = page.locator("#section-0")
    why = "unknown: 5 of 10 answered records unpriced"
    for label in ("cost.per_case", "cost.total"):
        cells = metric_cells(s, label)
        assert cells[0] == label
        assert cells[1].startswith("$") and cells[2] == why, cells
        assert cells[3:6] == ["–", "–", "–"], cells  # delta, interval, p
    # The note beside the verdict names the model and what to do.
    notes = s.inner_text()
    assert "5 of 10 answered records unpriced (model 'acme-chat-9')" in notes
    assert "[prices]" in notes
    # A known side keeps its number; the per-case token rows are unaffected.
    assert metric_cells(s, "tokens.input_per_case")[1:3] == ["100.0", "100.0"]
    assert watch.clean, watch
    page.close()


def test_judges_panel_renders_and_a_hostile_rubric_stays_inert(
    browser: Any, tmp_path: Path
) -> None:
    from tests.helpers.judge_runs import judge_comparison

    page_file = write_report(judge_comparison(tmp_path), tmp_path / "judges.html")
    page, watch = open_page(browser, page_file)
    s = page.locator("#section-0")
    panel = s.locator(".judges .judge")
    assert panel.count() == 1
    expect(panel.locator(".judge-differs")).to_contain_text("model, rubric")
    rubric = panel.locator("details.judge-text", has_text="rubric").first
    assert rubric.get_attribute("open") is not None  # a changed text is open
    bodies = rubric.locator("pre.judge-text-body").all_inner_texts()
    assert bodies[0] == "Grade fairly."
    assert "<script>window.__pwned=11</script>" in bodies[1]
    assert '<img src=x onerror="window.__pwned=12">' in bodies[1]
    assert "\\u202Eevil" in bodies[1]  # the override shown, not obeyed
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('a, img, iframe').length") == 0
    assert "candidate by 0.5.0: built-in scorers may have changed" in s.inner_text()
    assert watch.dialogs == [] and watch.clean, watch
    page.close()
