"""Scorer details in the report's case detail (evalkit/report/details.py): built-in shapes
recognised whatever the scorer is called, every other scorer's details shown as a generic,
collapsed, size-capped key/value view, hostile values inert (headless Chromium, as
tests/test_report_browser.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import compare
from evalkit.report import write_report
from evalkit.report.cases import case_views
from evalkit.report.details import MAX_DETAILS, MAX_VALUE, generic_details
from evalkit.scoring import Score
from tests.helpers.browser import open_page
from tests.helpers.report_runs import spec_run

HOSTILE = "</script><img src=x onerror=window.__pwned=31>"
TOOL_DETAILS = {
    "n_expected": 1,
    "n_calls": 1,
    "produced": ["lookup_order"],
    "schema_problems": [],
    "hallucinated_tools": [],
    "calls": [
        {
            "expected": 0,
            "call": 0,
            "ok": False,
            "name_ok": True,
            "reason": 'argument "order_id": expected "A1234", got "A1243"',
            "arguments": [
                {"name": "order_id", "status": "mismatch", "ok": False, "reason": "got A1243"}
            ],
        }
    ],
    "outcome": "wrong_arguments",
}
OK_CALL = {
    "expected": 0,
    "call": 0,
    "ok": True,
    "name_ok": True,
    "reason": "",
    "arguments": [{"name": "order_id", "status": "match", "ok": True, "reason": "match"}],
}


def _spec(mentions: dict[str, Any], tools_ok: bool) -> dict[str, Any]:
    return {
        "id": "t1",
        "output": "Your order is on its way.",
        "tool_calls": [("lookup_order", {"order_id": "A1234" if tools_ok else "A1243"})],
        "scores": {
            # the documented rename: { name = "tool_calls", as = "tools_strict" }
            "tools_strict": Score(
                float(tools_ok),
                tools_ok,
                "match" if tools_ok else "call 1: wrong argument",
                TOOL_DETAILS if not tools_ok else {**TOOL_DETAILS, "calls": [OK_CALL]},
            ),
            "mentions": Score(float(mentions["hit"]), mentions["hit"], "lacks 'days'", mentions),
        },
    }


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("details")
    long = "x" * 5_000
    bad = {"word": "days", "hit": False, "why": HOSTILE, "doc": long, "nested": {"a": [1, HOSTILE]}}
    base = spec_run(tmp, "base", [_spec({"word": "days", "hit": True}, True)])
    cand = spec_run(tmp, "cand", [_spec(bad, False)])
    return compare(base, cand, n_boot=20)


def test_a_renamed_tool_calls_scorer_keeps_its_verdict_table(comparison: Any) -> None:
    (view,) = case_views(comparison.cases)
    tc = view["c"]["tc"]
    assert [(r["s"], r["ok"]) for r in tc] == [("tools_strict", False)]
    assert tc[0]["args"] == [{"n": "order_id", "ok": False, "why": "got A1243"}]
    # recognised by its shape, so it is not also dumped as generic details
    assert all(d["s"] != "tools_strict" for d in view["c"].get("dv", ()))


def test_a_user_scorers_details_are_shown_cut_to_size(comparison: Any) -> None:
    (view,) = case_views(comparison.cases)
    (dv,) = view["c"]["dv"]
    assert dv["s"] == "mentions" and "cut" not in dv
    kv = {row[0]: row[1:] for row in dv["kv"]}
    assert kv["word"] == ["days"] and kv["hit"] == ["false"]
    assert kv["why"] == [HOSTILE]  # kept exact: the page shows it as text
    assert kv["doc"] == ["x" * MAX_VALUE, 5_000]  # cut, with the full length stated
    assert kv["nested"] == [json.dumps({"a": [1, HOSTILE]}, separators=(",", ":"))]
    assert [d["s"] for d in view["b"]["dv"]] == ["mentions"]


def test_built_in_shapes_are_recognised_and_look_alikes_are_not() -> None:
    claims = {"claims": [{"text": "a", "supported": True}], "metrics": {"claims": 1.0}}
    refusal = {"verdict": "full_refusal", "outcome": "correct"}
    checks = {"checks": [{"name": "contains", "passed": True}]}
    lookalikes = {
        "mine": {"verdict": "good", "calls": ["a", "b"], "claims": ["one"], "checks": [1]},
    }
    shown = generic_details(
        {"g": claims, "r": refusal, "k": checks, "t": TOOL_DETAILS, **lookalikes, "e": {}}
    )
    assert [d["s"] for d in shown] == ["mine"]
    assert [row[0] for row in shown[0]["kv"]] == ["verdict", "calls", "claims", "checks"]


def test_the_budget_per_case_is_shared_and_what_was_cut_is_counted() -> None:
    many = {f"key{i:04d}": "v" * 150 for i in range(1_000)}
    shown = generic_details({"a": many, "b": {"k": 1, "j": 2}})
    kept = sum(len(k) + len(v) for d in shown for k, v, *_ in d["kv"])
    assert kept <= MAX_DETAILS
    assert shown[0]["cut"] == 1_000 - len(shown[0]["kv"]) > 0
    assert shown[1] == {"s": "b", "kv": [], "cut": 2}  # nothing left for it, and it says so
    # 10,000 such cases stay bounded: the view of one is a few kilobytes, not megabytes
    assert len(json.dumps(shown)) < 3 * MAX_DETAILS


def test_details_show_collapsed_in_chromium_and_hostile_values_stay_inert(
    browser: Any, comparison: Any, tmp_path: Path
) -> None:
    page_file = write_report(comparison, tmp_path / "details.html")
    page, watch = open_page(browser, page_file)
    s = page.locator("#section-0")
    s.locator("tbody.rows tr.case").first.click()
    cand = s.locator("tr.detail .side.candidate")
    # the renamed tool_calls scorer's table, with its per-argument line
    assert "tool call verdicts (tools_strict)" in cand.inner_text()
    assert "✗ order_id: got A1243" in cand.locator("table").inner_text()
    box = cand.locator("details.sd")
    assert box.count() == 1 and box.get_attribute("open") is None  # collapsed
    assert box.locator("summary").inner_text() == "details of mentions (5 keys)"
    box.locator("summary").click()
    text = box.inner_text()
    assert HOSTILE in text and "[cut: 5000 characters in all]" in text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img, a, iframe').length") == 0
    assert page.evaluate("document.scripts.length") == 2  # the page's script, one JSON block
    out = Path(__file__).resolve().parents[1] / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    s.locator("tr.detail").screenshot(path=str(out / "report_scorer_details.png"))
    assert watch.dialogs == [] and watch.clean, watch
    page.close()
