"""The evidence in a case's details: context passages (the flagged one marked, long ones cut),
expected answers and tool calls, check definitions, raw malformed tool arguments, and the
"flaky k/n" badge and filter (QA8 findings 4 and 5). Browser tests run headless Chromium,
as tests/test_report_browser.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import compare
from evalkit.dataset import load_eval_set
from evalkit.records import Run, read_run
from evalkit.report import write_report
from evalkit.report.evidence import MAX_PASSAGE, case_evidence
from evalkit.report.viewmodel import section_view
from tests.helpers.browser import open_page
from tests.helpers.report_runs import spec_run

HOSTILE_PASSAGE = "Refunds within 30 days. <script>window.__pwned=31</script><img src=x onerror=window.__pwned=32>"
HOSTILE_EXPECTED = "<img src=x onerror=window.__pwned=33>30 days"
LONG = "Shipping is slow. " * 100
RAW_ARGS = '{"city": "Paris"'
TOOL = {
    "name": "get_weather",
    "description": "Weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}
CASES = [
    {
        "id": "g1",
        "input": "How long for a refund?",
        "context": [
            {"id": "refunds", "text": HOSTILE_PASSAGE},
            {"id": "shipping", "text": LONG},
        ],
        "expected": [HOSTILE_EXPECTED],
    },
    {
        "id": "t8",
        "input": "Weather in Paris?",
        "tools": [TOOL],
        "expected_tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
    },
    {
        "id": "c1",
        "input": "Receipt?",
        "checks": [{"name": "contains", "args": {"values": ["receipt"]}, "label": "receipt"}],
    },
    {"id": "f1", "input": "flaky one"},
    {"id": "f2", "input": "flaky two"},
    {"id": "s1", "input": "steady"},
]


def write_set(tmp: Path) -> tuple[Path, str]:
    path = tmp / "set.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    return path, load_eval_set(path).version


def claims(supported: bool) -> dict[str, Any]:
    reason = "" if supported else "number mismatch: 60 not in passage refunds"
    text = "Refunds take 30 days." if supported else "Refunds take 60 days."
    return {
        "claims": [
            {"text": text, "span": [0, len(text)], "passage": "refunds", "supported": supported}
            | ({"reason": reason} if reason else {})
        ]
    }


def specs(bad: bool) -> list[dict[str, Any]]:
    """Three repeats per case; the candidate (``bad``) fails g1 and t8 and is flaky on f1, f2."""
    out = []
    for r in range(3):
        text = "Refunds take 60 days." if bad else "Refunds take 30 days."
        out.append(
            {
                "id": "g1",
                "repeat": r,
                "output": text,
                "scores": {"groundedness": (0.0, False) if bad else (1.0, True)},
                "details": {"groundedness": claims(not bad)},
            }
        )
        out.append(
            {
                "id": "t8",
                "repeat": r,
                "tool_calls": [("get_weather", {"city": "Paris"})],
                "scores": {"tool_calls": not bad},
            }
        )
        out.append({"id": "c1", "repeat": r, "output": "receipt", "scores": {"checks": True}})
        flaky = bad and r == 1
        out.append({"id": "f1", "repeat": r, "output": "x", "scores": {"exact": not flaky}})
        out.append({"id": "f2", "repeat": r, "output": "y", "scores": {"exact": bad and r != 0}})
        out.append({"id": "s1", "repeat": r, "output": "z", "scores": {"exact": True}})
    return out


def edit_records(run: Run, fn: Callable[[dict[str, Any]], None]) -> Run:
    """Rewrite the run's results.jsonl through ``fn`` (a record dict, edited in place)."""
    path = Path(run.path) / "results.jsonl"
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        fn(rec)
        lines.append(json.dumps(rec))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_run(Path(run.path))


def malformed(rec: dict[str, Any]) -> None:
    """The candidate's t8 call as the OpenAI adapter records unparsable arguments."""
    if rec["case_id"] == "t8":
        rec["tool_calls"] = [
            {
                "name": "get_weather",
                "arguments": None,
                "raw_arguments": RAW_ARGS,
                "parse_error": "Expecting ',' delimiter",
            }
        ]


def runs(tmp: Path, *, with_set: bool = True) -> tuple[Run, Run]:
    if with_set:
        path, version = write_set(tmp)
        dataset = str(path.with_suffix(""))  # spec_run names the file "<dataset>.jsonl"
    else:
        dataset, version = str(tmp / "missing"), "v1"
    base = spec_run(tmp, "base", specs(False), dataset=dataset, dataset_version=version, repeats=3)
    cand = spec_run(tmp, "cand", specs(True), dataset=dataset, dataset_version=version, repeats=3)
    return base, edit_records(cand, malformed)


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return compare(*runs(tmp_path_factory.mktemp("evidence")), n_boot=20)


def by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in view["cases"]}


def test_the_view_carries_the_context_expected_and_checks(comparison: Any) -> None:
    view = section_view(comparison)
    assert view["evidence_note"] == ""
    cases = by_id(view)
    ctx = cases["g1"]["ev"]["ctx"]
    # the passage an unsupported claim was checked against is whole and marked; others cut
    assert ctx[0] == {"id": "refunds", "t": HOSTILE_PASSAGE, "f": True}
    assert ctx[1]["t"] == LONG[:MAX_PASSAGE] + " …"
    assert ctx[1]["more"] == len(LONG) - MAX_PASSAGE and "f" not in ctx[1]
    assert cases["g1"]["ev"]["exp"] == [HOSTILE_EXPECTED]
    assert cases["g1"]["c"]["claims"][0]["p"] == "refunds"
    assert cases["t8"]["ev"]["etc"] == ['get_weather({"city": "Paris"})']
    assert cases["c1"]["ev"]["chk"] == [{"l": "receipt", "d": 'contains {"values": ["receipt"]}'}]
    assert "ev" not in cases["s1"]  # nothing expected: no key (10,000 cases)


def test_malformed_arguments_are_shown_raw(comparison: Any) -> None:
    side = by_id(section_view(comparison))["t8"]["c"]
    assert side["calls"] == [
        {"name": "get_weather", "args": RAW_ARGS, "perr": "Expecting ',' delimiter"}
    ]


def test_flaky_cases_are_counted_with_their_repeats(comparison: Any) -> None:
    view = section_view(comparison)
    cases = by_id(view)
    assert view["flaky"] == 2
    assert cases["f1"]["c"]["fk"] == [2, 3] and cases["f2"]["c"]["fk"] == [2, 3]
    assert "fk" not in cases["s1"]["c"] and "fk" not in cases["g1"]["c"]


def test_without_the_eval_set_the_report_says_why(tmp_path: Path) -> None:
    c = compare(*runs(tmp_path, with_set=False), n_boot=20)
    view = section_view(c)
    assert "not shown" in view["evidence_note"] and "could not be read" in view["evidence_note"]
    assert all("ev" not in row for row in view["cases"])
    assert "evidence-note" in (write_report(c, tmp_path / "r.html")).read_text(encoding="utf-8")


def test_an_eval_set_edited_since_the_run_is_not_used(tmp_path: Path) -> None:
    base, cand = runs(tmp_path)
    path = tmp_path / "set.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("30 days", "90 days"), "utf-8")
    note = case_evidence(compare(base, cand, n_boot=20)).note
    assert "has changed since the run" in note


def open_case(page: Any, case_id: str) -> Any:
    from playwright.sync_api import expect  # only where a browser runs (it may be missing)

    s = page.locator("#section-0")
    s.locator(".f-text").fill(case_id)
    expect(s.locator("tbody.rows tr.case td.id")).to_have_text([case_id])
    s.locator("tbody.rows tr.case").first.click()
    return page.locator("#section-0 tr.detail")


def test_the_page_shows_the_evidence_and_keeps_it_inert(
    browser: Any, comparison: Any, tmp_path: Path
) -> None:
    page, watch = open_page(browser, write_report(comparison, tmp_path / "r.html"))
    detail = open_case(page, "g1")
    context = detail.locator("details.ev-context")
    assert context.get_attribute("open") is not None  # a flagged passage: opened by itself
    flagged = context.locator(".passage.flagged")
    assert flagged.locator(".passage-text").inner_text() == HOSTILE_PASSAGE
    assert "best passage of an unsupported candidate claim: Refunds take 60 days." in (
        flagged.inner_text()
    )
    assert f"[{len(LONG) - MAX_PASSAGE} more characters not shown]" in context.inner_text()
    detail.locator("details.ev-expected summary").click()
    assert detail.locator("li.exp-answer").inner_text() == f"answer: {HOSTILE_EXPECTED}"
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img, tr.detail script').length") == 0

    detail = open_case(page, "t8")
    made = detail.locator(".side.candidate ol.mono li").inner_text()
    assert made.startswith(f"get_weather({RAW_ARGS})") and "malformed arguments" in made
    assert "null" not in made
    detail.locator("details.ev-expected summary").click()
    assert detail.locator("li.exp-call").inner_text() == 'tool call: get_weather({"city": "Paris"})'

    detail = open_case(page, "c1")
    detail.locator("details.ev-checks summary").click()
    assert detail.locator("details.ev-checks li").inner_text() == (
        'receipt: contains {"values": ["receipt"]}'
    )
    assert watch.clean, watch
    page.close()


def test_flaky_cases_have_a_badge_and_a_filter(
    browser: Any, comparison: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page, watch = open_page(browser, write_report(comparison, tmp_path / "r.html"))
    s = page.locator("#section-0")
    s.locator(".f-status").select_option("flaky")
    expect(s.locator("tbody.rows tr.case")).to_have_count(2)
    assert sorted(s.locator("tbody.rows tr.case td.id").all_inner_texts()) == ["f1", "f2"]
    assert s.locator("tbody.rows span.badge.flaky").all_inner_texts() == ["flaky 2/3"] * 2
    s.locator(".f-status").select_option("all")
    expect(s.locator("tbody.rows tr.case")).to_have_count(6)
    assert s.locator("tbody.rows span.badge.flaky").count() == 2
    s.locator(".f-text").fill("flaky")  # search finds them too
    expect(s.locator("tbody.rows tr.case")).to_have_count(2)
    assert watch.clean, watch
    page.close()
