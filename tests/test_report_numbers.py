"""Small numbers on the page: a sub-cent cost is not "$0.00000", a change that rounds to zero
is not coloured as a regression (QA14 F10). Browser tests in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import compare
from evalkit.report import write_report
from evalkit.report.metrics import format_value
from tests.helpers.browser import open_page
from tests.helpers.report_runs import spec_run


def test_small_costs_keep_their_significant_digits() -> None:
    assert format_value(2.7e-05, "usd") == "$0.000027"
    assert format_value(4.2e-06, "usd", signed=True) == "+$0.0000042"
    assert format_value(-0.0005, "usd", signed=True) == "-$0.0005"
    assert format_value(0.00123456, "usd") == "$0.001235"
    assert format_value(12.345, "usd") == "$12.35"
    assert format_value(0.0, "usd") == "$0"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("numbers")

    def specs(cost: float, latency: float) -> list[dict[str, Any]]:
        return [
            {"id": f"c{i}", "scores": {"acc": True}, "cost": cost, "latency_ms": latency + i}
            for i in range(6)
        ]

    base = spec_run(tmp, "base", specs(4.7e-06, 500.0))
    cand = spec_run(tmp, "cand", specs(5.2e-06, 500.002))
    return write_report(compare(base, cand, n_boot=50), tmp / "report.html")


def test_the_case_detail_prints_a_sub_cent_cost_with_its_digits(browser: Any, report: Path) -> None:
    page, watch = open_page(browser, report)
    s = page.locator("#section-0")
    s.locator("tbody.rows tr.case").first.click()
    detail = s.locator("tr.detail").inner_text()
    assert "$0.0000047" in detail and "$0.0000052" in detail
    assert "$0.00000\n" not in detail + "\n" and "$0.00000 " not in detail
    delta = s.locator("tbody.rows tr.case").first.locator("td.num").first.inner_text()
    assert delta == "+$0.0000005"
    assert watch.clean, watch
    page.close()


def test_a_latency_change_that_rounds_to_zero_is_not_a_regression(
    browser: Any, report: Path
) -> None:
    page, watch = open_page(browser, report)
    rows = page.locator("#section-0 table.metrics").first.locator("tr", has_text="latency.p95")
    cell = rows.first.locator("td").nth(3)
    assert cell.inner_text() == "0 ms"
    assert "worse" not in (cell.get_attribute("class") or "")
    assert "flat" in (cell.get_attribute("class") or "")
    lat = page.locator("#section-0 tbody.rows tr.case").first.locator("td.num").nth(1)
    assert lat.inner_text() == "0 ms"  # not "+0 ms"
    assert watch.clean, watch
    page.close()


def test_the_cost_quality_chart_writes_dollars_without_an_exponent(
    browser: Any, report: Path
) -> None:
    # QA16 F11: the chart's axis and tooltips printed "$2.43e-05" after the rest of the page
    # had moved to money() (QA14 F10).
    page, watch = open_page(browser, report)
    chart = page.locator("#section-0 svg", has_text="mean cost per case (USD)")
    parts = chart.locator("text, title").evaluate_all("ns => ns.map((n) => n.textContent)")
    text = "\n".join(parts)
    dollars = re.findall(r"\$[^\s,]+", text)
    assert dollars, text
    assert [d for d in dollars if not re.fullmatch(r"\$\d+(\.\d+)?", d)] == []
    assert "all cases: $0.0000047 → $0.0000052, quality" in text
    assert "$0.00000465" in text  # the axis starts a tenth of the spread below the baseline
    assert watch.clean, watch
    page.close()
