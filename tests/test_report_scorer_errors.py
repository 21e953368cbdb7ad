"""The report's "scorer errors" filter (evalkit/report/cases.py, viewmodel.py, report.js), in a
real headless Chromium: it lists the cases a scorer could not score on either side, with a
count, badges them in the status column, and agrees with the verdict's ``new_scorer_errors``
result in the gate list (QA11 finding 7: those cases were in no filter but "all cases")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from evalkit.compare import compare
from evalkit.report import write_report
from evalkit.scoring import Score
from tests.helpers.browser import open_page
from tests.helpers.report_runs import spec_run

IDS = [f"c{i}" for i in range(10)]
HOSTILE = "<img src=x onerror=window.__pwned=1> rate limited"


def _error(message: str) -> Score:
    return Score(None, None, "", {}, error=message)


def _specs(erred: dict[str, str]) -> list[dict[str, Any]]:
    """Ten cases that pass ``judge`` and ``exact`` except where ``erred`` (case id → message)
    makes ``judge`` a scorer error; ``exact`` passes everywhere, so such a case is still
    "unchanged pass" by its status."""
    return [
        {
            "id": cid,
            "output": f"answer {cid}",
            "scores": {"exact": True, "judge": _error(erred[cid]) if cid in erred else 0.9},
        }
        for cid in IDS
    ]


def _report(tmp_path: Path) -> Path:
    # c3, c7: new in the candidate (the verdict's rule); c5: the baseline's only; c9: both
    base = spec_run(tmp_path, "base", _specs({"c5": "timeout", "c9": "timeout"}))
    cand = spec_run(
        tmp_path, "cand", _specs({"c3": HOSTILE, "c7": "rate limited", "c9": "timeout"})
    )
    cmp = compare(base, cand, n_boot=50)
    failed = [r for r in cmp.verdict.failures if r.rule == "new_scorer_errors"]
    assert [r.cases for r in failed] == [("c3", "c7")]
    return write_report(cmp, tmp_path / "report.html")


def _ids(section: Any) -> list[str]:
    return sorted(section.locator("tbody.rows tr.case td.id").all_inner_texts())


def test_the_scorer_errors_filter_lists_the_cases_the_verdict_names(
    browser: Any, tmp_path: Path
) -> None:
    page, watch = open_page(browser, _report(tmp_path))
    s = page.locator("#section-0")
    option = s.locator(".f-status option[value='scorer_errors']")
    assert option.inner_text() == "scorer errors: unscored on either side (4)"
    gate = s.locator("ul.gates li.fail", has_text="new_scorer_errors").inner_text()
    named = re.search(r"\(([^;()]*); first", gate)
    assert named is not None, gate
    assert "“scorer errors (4)” lists them" in gate

    s.locator(".f-status").select_option("scorer_errors")
    listed = _ids(s)
    assert listed == ["c3", "c5", "c7", "c9"]
    assert set(named.group(1).split(", ")) <= set(listed)  # every case the banner names
    assert s.locator(".p-info").inner_text().startswith("cases 1–4 of 4 (filtered from 10)")
    # each row says which side could not be scored, though its status is "unchanged pass"
    badges = {
        cid: s.locator("tbody.rows tr.case", has_text=cid).locator(".badge").all_inner_texts()
        for cid in listed
    }
    assert badges["c3"] == ["unchanged pass", "scorer error"]
    assert badges["c5"] == ["unchanged pass", "baseline scorer error"]
    assert badges["c9"] == ["unchanged pass", "scorer error", "baseline scorer error"]
    title = s.locator("tbody.rows tr.case", has_text="c3").locator(".badge.scorer-error")
    assert (
        title.get_attribute("title")
        == "candidate: unscored by judge (a scorer error; the detail shows it)"
    )
    # the error message stays text: shown in the detail, never an element
    s.locator("tbody.rows tr.case", has_text="c3").click()
    assert "onerror=window.__pwned=1" in s.locator("tr.detail").inner_text()
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"

    s.locator(".f-status").select_option("all")
    assert len(_ids(s)) == 10
    assert watch.dialogs == [] and watch.clean, watch
    page.close()


def test_without_scorer_errors_the_filter_counts_none(browser: Any, tmp_path: Path) -> None:
    base = spec_run(tmp_path, "base", _specs({}))
    cand = spec_run(tmp_path, "cand", _specs({}))
    page, watch = open_page(
        browser, write_report(compare(base, cand, n_boot=50), tmp_path / "r.html")
    )
    s = page.locator("#section-0")
    assert s.locator(".f-status option[value='scorer_errors']").inner_text().endswith("(0)")
    s.locator(".f-status").select_option("scorer_errors")
    assert s.locator(".p-info").inner_text().startswith("no cases match")
    assert s.locator(".badge.scorer-error").count() == 0
    assert watch.clean, watch
    page.close()


def test_a_cases_detail_shows_its_scorer_error_without_the_case_again(
    browser: Any, tmp_path: Path
) -> None:
    # The error as recorded names the case and the scorer (read away from its case, in
    # results.jsonl or the verdict); in the case's own detail, under the scorer's own label,
    # both are said already.
    error = (
        "case 'c3': scorer 'judge' raised ValueError: boom (at scorers/mine.py:6); the case "
        "is unscored by it; fix the scorer"
    )
    other = "case 'c5': scorer 'judge' raised ValueError: boom"  # not this case's: kept whole
    base = spec_run(tmp_path, "base", _specs({}))
    cand = spec_run(tmp_path, "cand", _specs({"c3": error, "c7": other}))
    page, watch = open_page(
        browser, write_report(compare(base, cand, n_boot=50), tmp_path / "r.html")
    )
    s = page.locator("#section-0")
    s.locator(".f-status").select_option("scorer_errors")
    s.locator("tbody.rows tr.case", has_text="c3").click()
    side = s.locator("tr.detail .side.candidate")
    texts = side.locator("dl.kv dd").all_inner_texts()
    assert (
        "– n/a — raised ValueError: boom (at scorers/mine.py:6); the case is unscored by it; "
        "fix the scorer" in texts
    ), texts
    assert "case 'c3'" not in side.inner_text()
    s.locator("tbody.rows tr.case", has_text="c3").click()
    s.locator("tbody.rows tr.case", has_text="c7").click()
    kept = s.locator("tr.detail .side.candidate dl.kv dd").all_inner_texts()
    assert f"– n/a — {other}" in kept, kept
    assert watch.clean, watch
    page.close()
