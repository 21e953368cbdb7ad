"""QA14 F8: answers cut off by ``max_tokens`` are seen. Every provider adapter records the
finish reason in one form (``length``), runs count them (``truncated.rate``, gateable), the
terminal and Markdown summaries and ``summary()`` say how many, the report badges the cases and
names the finish reason in the detail, and the built-in rule ``new_truncated`` fails a
candidate whose answers are cut where the baseline's were whole, unless the suite gates
``truncated.rate`` itself. End to end through the loopback server, with the openai and the
anthropic SDK."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import main
from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.gates import evaluate_gates
from evalkit.providers.base import Request, finish_reason_of
from evalkit.providers.callable import to_response
from evalkit.providers.replay import load_replay
from evalkit.records import read_run
from tests.helpers.browser import open_page
from tests.helpers.llm_server import LLMServer
from tests.helpers.runs import candidate_dict, make_record, make_run

FAKE_KEY = "sk-evalkit-FAKE-0123456789abcdef"
ANSWER = "Refunds take {i} business days and you must keep the receipt for store credit."
IDS = [f"c{i}" for i in range(5)]


def _config(provider: str, base_url: str, gates: str = "") -> str:
    url = base_url + "/v1" if provider == "openai" else base_url
    cands = "".join(
        f"""
[candidates.{name}]
provider = "{provider}"
model = "m-1"
base_url = "{url}"
api_key_env = "EVALKIT_TEST_KEY"
params = {{ max_tokens = {limit} }}
"""
        for name, limit in (("a", 300), ("b", 4))
    )
    return (
        cands
        + """
[suites.s]
dataset = "evals.jsonl"
candidates = ["a", "b"]
baseline = "a"
scorers = ["contains_any"]

[[suites.s.gates]]
metric = "contains_any.mean"
max_drop = 0.02
"""
        + gates
    )


def _project(root: Path, provider: str, base_url: str, gates: str = "") -> None:
    (root / "evalkit.toml").write_text(_config(provider, base_url, gates), encoding="utf-8")
    rows = [{"id": cid, "input": ANSWER.format(i=i), "expected": ["Refunds"]} for i, cid in
            enumerate(IDS)]  # fmt: skip
    (root / "evals.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EVALKIT_TEST_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(*extra: str) -> list[str]:
    return ["check", "--cache-mode", "off", "--no-progress", *extra]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_check_fails_a_candidate_whose_answers_max_tokens_cut_off(
    project: Path, provider: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with LLMServer(latency_ms=0) as srv:
        _project(project, provider, srv.base_url)
        rc = main(_check("--markdown", "m.md", "--json", "v.json"))
    out, err = capsys.readouterr()
    assert rc == 1, out + err
    # the scorer alone says nothing changed: every cut answer still contains "Refunds"
    assert "PASS  contains_any.mean did not change" in out
    rule = (
        "FAIL  5 of 5 compared case(s) have an answer cut off by max_tokens in the candidate "
        "(finish reason length) where the baseline's answer was whole (c0, c1, c2, c3, c4): "
    )
    assert rule in out
    assert "raise the candidate's max_tokens (changed: max_tokens 300 -> 4) and run again" in out
    assert "to accept truncated answers, gate truncated.rate in the suite (e.g. max = 0.05)" in out
    assert (
        "truncated: answers cut off by max_tokens (finish reason length): baseline 0 of 5, "
        "candidate 5 of 5 answered record(s)"
    ) in out
    md = (project / "m.md").read_text()
    assert "Truncated: answers cut off by max\\_tokens (finish reason length): baseline 0" in md
    assert "❌" in md and "have an answer cut off by max\\_tokens" in md
    verdict = json.loads((project / "v.json").read_text())
    comparisons = [c for suite in verdict["suites"] for c in suite["comparisons"]]
    results = [r for c in comparisons for r in c["verdict"]["results"]]
    cut = [r for r in results if r["rule"] == "new_truncated"]
    assert [(r["metric"], r["cases"]) for r in cut] == [("truncated.rate", IDS)]
    by_candidate = {n: read_run(p) for n, p in verdict["suites"][0]["runs"].items()}
    assert {r.finish_reason for r in by_candidate["b"].records} == {"length"}
    assert {r.finish_reason for r in by_candidate["a"].records} == {"stop"}


def test_a_suite_gating_truncated_rate_accepts_them(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gate = '\n[[suites.s.gates]]\nmetric = "truncated.rate"\nmax = 1.0\n'
    with LLMServer(latency_ms=0) as srv:
        _project(project, "openai", srv.base_url, gate)
        assert main(["validate", "--config", "evalkit.toml"]) == 0
        rc = main(_check())
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert "PASS  truncated.rate 1 <= max 1" in out
    assert "cut off by max_tokens in the candidate" not in out


def test_summary_deltas_and_the_report_show_them(project: Path, browser: Any) -> None:
    import evalkit

    with LLMServer(latency_ms=0) as srv:
        _project(project, "openai", srv.base_url)
        result = evalkit.evaluate("s", config="evalkit.toml", report="r.html")
    assert not result.passed
    frame = result.summary(by_tag=False)
    assert dict(zip(frame["candidate"], frame["truncated"], strict=True)) == {"a": 0, "b": 5}
    deltas = result.deltas()
    row = deltas[deltas["metric"] == "truncated.rate"].iloc[0]
    assert (row["baseline"], row["candidate"], bool(row["worse"])) == (0.0, 1.0, True)

    page, watch = open_page(browser, project / "r.html")
    s = page.locator("#section-0")
    assert "new_truncated" in s.locator("ul.gates li.fail").all_inner_texts()[-1]
    row_c2 = s.locator("tbody.rows tr.case", has_text="c2")
    assert row_c2.locator(".badge").all_inner_texts() == ["unchanged pass", "truncated"]
    assert row_c2.locator(".badge.truncated").get_attribute("title") == (
        "candidate: 1 of 1 answer(s) cut off by max_tokens (finish reason length)"
    )
    row_c2.click()
    side = s.locator("tr.detail .side.candidate").inner_text()
    assert re.search(r"finish reason\s+length \(cut off by max_tokens\)", side), side
    assert "finish reason" not in s.locator("tr.detail .side.baseline").inner_text()
    assert watch.clean, watch
    page.close()


def _cut(record: Any) -> Any:
    return dataclasses.replace(record, finish_reason="length")


def _ended(record: Any) -> Any:
    return dataclasses.replace(record, finish_reason="stop")


def test_a_baseline_whose_finish_reasons_are_unknown_makes_no_truncation_new(
    tmp_path: Path,
) -> None:
    """QA16 F7: a stored baseline of a callable pipeline recorded before its max_tokens was
    read as length says unknown where it was cut; an unchanged pipeline then FAILed with
    "where the baseline's answer was whole" and advice to raise max_tokens."""
    base = [make_record(cid, {"s": True}) for cid in IDS]  # finish reason unknown
    cand = [_cut(make_record(cid, {"s": True}, candidate="cand")) for cid in IDS]
    b = make_run(tmp_path / "b", base, scorers=["s"])
    c = make_run(tmp_path / "c", cand, candidate=candidate_dict("cand"), scorers=["s"])
    cmp = compare(b, c, n_boot=50)
    assert not [r for r in cmp.verdict.results if r.rule == "new_truncated"]
    assert cmp.overall.candidate_run.truncated == len(IDS)  # still counted and shown
    # one baseline answer known to be whole: that case is new
    base[3] = _ended(base[3])
    b2 = make_run(tmp_path / "b2", base, scorers=["s"])
    cut = [r for r in compare(b2, c, n_boot=50).verdict.failures if r.rule == "new_truncated"]
    assert [r.cases for r in cut] == [("c3",)]


def test_only_new_truncation_counts_and_the_opt_out_is_untagged(tmp_path: Path) -> None:
    """Cut on both sides is not new (c0); cut in the baseline only is no failure (c1); an
    errored baseline answered nothing to compare with (c2); c3 is the new one."""
    base = [_ended(make_record(cid, {"s": True})) for cid in IDS]
    base[0], base[1] = _cut(base[0]), _cut(base[1])
    base[2] = make_record("c2", error="server")
    cand = [make_record(cid, {"s": True}, candidate="cand") for cid in IDS]
    for i in (0, 2, 3):
        cand[i] = _cut(cand[i])
    b = make_run(tmp_path / "b", base, scorers=["s"])
    c = make_run(tmp_path / "c", cand, candidate=candidate_dict("cand"), scorers=["s"])
    cmp = compare(b, c, n_boot=50)
    cut = [r for r in cmp.verdict.failures if r.rule == "new_truncated"]
    assert [(r.cases, r.observed) for r in cut] == [(("c3",), 1.0)]
    assert "1 of 5 compared case(s)" in cut[0].reason
    assert cmp.overall.candidate_run.truncated == 3 and cmp.overall.baseline_run.truncated == 2
    tagged = Gate(metric="truncated.rate", max=1.0, tag="billing")
    assert any(r.rule == "new_truncated" for r in evaluate_gates(cmp, [tagged]).results)
    untagged = Gate(metric="truncated.rate", max=1.0)
    assert not any(r.rule == "new_truncated" for r in evaluate_gates(cmp, [untagged]).results)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("length", "length"),
        ("max_tokens", "length"),
        ("MAX_TOKENS", "length"),
        ("model_context_window_exceeded", "length"),
        ("stop", "stop"),
        ("end_turn", "stop"),
        ("eos", "stop"),
        ("tool_use", "tool_calls"),
        ("function_call", "tool_calls"),
        ("content_filter", "content_filter"),
        ("abort", "error"),
        ("something_new", "unknown"),
        (None, "unknown"),
    ],
)
def test_every_raw_finish_reason_has_one_normal_form(raw: Any, expected: str) -> None:
    assert finish_reason_of(raw) == expected


def test_a_callable_and_a_replay_file_report_anthropic_style_reasons_as_length(
    tmp_path: Path,
) -> None:
    request = Request(case_id="c1", repeat=0, model="m", messages=())
    response = to_response(
        {"output": "Refunds take", "finish_reason": "max_tokens"}, request, 1.0, "here"
    )
    assert (response.finish_reason, response.finish_reason_raw) == ("length", "max_tokens")
    line = {"case_id": "c1", "output": "Refunds take", "finish_reason": "max_tokens"}
    (tmp_path / "r.jsonl").write_text(json.dumps(line) + "\n")
    replayed = load_replay([tmp_path / "r.jsonl"])
    assert [r.finish_reason for r in replayed.values()] == ["length"]
