"""The HTML report without a browser: escaping, self-containment, view model, CLI, size."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from markupsafe import escape

from evalkit.cli import main
from evalkit.compare import Comparison, compare
from evalkit.config import Gate
from evalkit.report import render_report, write_report
from evalkit.report.html import embed_json
from evalkit.report.metrics import format_value
from evalkit.report.viewmodel import build_view
from evalkit.scoring import Score
from tests.helpers.report_runs import random_specs, spec_run

XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def pair(
    tmp_path: Path, n: int = 40, *, gates: tuple[Gate, ...] = (), **cand: object
) -> Comparison:
    base = spec_run(tmp_path, "base", random_specs(n, seed=3, quality=0.85, cost=0.002))
    new = spec_run(
        tmp_path,
        "cand",
        random_specs(n, seed=3, quality=0.6, cost=0.003),
        **cand,  # type: ignore[arg-type]
    )
    return compare(base, new, gates=gates, n_boot=200)


def hostile_pair(tmp_path: Path) -> Comparison:
    specs = [
        {
            "id": f'case"><script>window.__pwned=5</script>{i}',
            "tags": ["<b>bold</b>", "javascript:alert(1)"],
            "input": f"ignore </script><script>window.__pwned=6</script> {i}",
            "output": f"See [here](javascript:window.__pwned=4) {XSS} \u2028 & done {i}",
            "scores": {"exact_match": i % 2 == 0},
        }
        for i in range(6)
    ]
    base = spec_run(tmp_path, "base", specs, model="<img src=x onerror=alert(1)>")
    cand_specs = [{**s, "scores": {"exact_match": True}} for s in specs]
    new = spec_run(
        tmp_path,
        "cand",
        cand_specs,
        model="m</script><script>alert(2)</script>",
        system="Be nice.\n</script><script>window.__pwned=3</script>",
        prompt="<!-- {{ input }} -->",
    )
    return compare(base, new, n_boot=50)


def test_embed_json_cannot_close_the_script_element() -> None:
    value = {"s": "</script><!-- & \u2028\u2029 <img>"}
    text = str(embed_json(value))
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == value


def test_hostile_text_is_escaped_everywhere(tmp_path: Path) -> None:
    html = render_report(hostile_pair(tmp_path))
    # Exactly our own script elements: the page script and one JSON block per comparison.
    assert len(re.findall(r"<script\b", html)) == 2
    for raw in ("<script>window", "<script>alert", "<img src=x", "<b>bold</b>", "<!-- {{"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # model name, escaped but shown
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=3" in html  # system prompt diff
    assert "<a " not in html and "href=" not in html


def test_file_is_self_contained_with_a_strict_csp(tmp_path: Path) -> None:
    path = write_report(pair(tmp_path), tmp_path / "out" / "r.html")
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"\b(src|href)\s*=", html)
    assert "url(" not in html and "@import" not in html and "<link" not in html
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None and "default-src 'none'" in csp.group(1)
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp.group(1)  # the page script is the only one allowed


def test_verdict_and_every_gate_reason_are_on_the_page(tmp_path: Path) -> None:
    gates = (
        Gate(metric="groundedness.mean", max_drop=0.01),
        Gate(metric="cost.per_case", max_rise_pct=10.0),
        Gate(metric="refusal.pass_rate", min=0.0),
    )
    c = pair(tmp_path, gates=gates)
    assert not c.passed
    html = render_report(c)
    assert 'id="overall-verdict">FAIL<' in html
    for result in c.verdict.results:
        assert str(escape(result.reason)) in html
    assert html.count('<li class="fail">') == len(c.verdict.failures)


def test_view_colours_by_direction_and_splits_refusal_rates(tmp_path: Path) -> None:
    view = build_view(pair(tmp_path))
    s = view["sections"][0]
    rows = {m["metric"]: m for m in s["metrics"]}
    assert rows["groundedness.mean"]["tone"] == "worse"  # score went down
    assert rows["cost.per_case"]["tone"] == "worse"  # cost went up
    assert rows["groundedness.mean"]["ci_fmt"] != "–" and rows["groundedness.mean"]["p_fmt"] != "–"
    refusal = {m["metric"]: m for m in s["refusal"]}
    # safe requests only in these runs: no under-refusal metric, no under_refusal outcome
    assert list(refusal) == ["refusal.over_refusal_of_safe", "refusal.over_refusal_rate"]
    of_safe = refusal["refusal.over_refusal_of_safe"]
    assert of_safe["label"] == "over-refusal, share of safe requests (refusal)"
    assert of_safe["baseline_fmt"].endswith("%") and of_safe["better"] == "lower"
    assert s["counts"]["regression"] > 0 and s["cases"][0]["st"] == "regression"


def test_format_value() -> None:
    assert format_value(0.9134, "score") == "0.913"
    assert format_value(0.012, "pct", signed=True) == "+1.2 pp"
    assert format_value(-0.0005, "usd", signed=True) == "-$0.0005"
    assert format_value(None, "ms") == "–" and format_value(float("nan"), "ms") == "–"
    # a bound that rounds to zero has no sign
    assert format_value(-1e-12, "pct", signed=True) == "0.0 pp"
    assert format_value(1e-12, "score", signed=True) == "0.000"
    assert format_value(-0.0004, "ms", signed=True) == "0 ms"


def test_case_rows_carry_claim_spans_tool_verdicts_and_refusal(tmp_path: Path) -> None:
    out = "Refunds take 10 days. Shipping is free on Mondays."
    claims = [
        {"text": "Refunds take 10 days.", "span": [0, 21], "supported": True},
        {
            "text": "Shipping is free on Mondays.",
            "span": [22, 50],
            "supported": False,
            "reason": "no support",
        },
    ]
    tc = {
        "calls": [
            {
                "expected": 0,
                "call": 0,
                "ok": False,
                "name_ok": True,
                "reason": 'argument "unit": expected "celsius"',
                "arguments": [
                    {
                        "name": "unit",
                        "status": "mismatch",
                        "ok": False,
                        "reason": 'expected "celsius"',
                    }
                ],
            }
        ]
    }
    refusal = Score(1.0, True, "answered", {"verdict": "compliance", "outcome": "correct"})
    spec = {
        "id": "a",
        "output": out,
        "tool_calls": [("weather", {"unit": "f"})],
        "scores": {"groundedness": (0.5, False), "tool_calls": (0.0, False), "refusal": refusal},
        "details": {"groundedness": {"claims": claims}, "tool_calls": tc},
    }
    base = spec_run(tmp_path, "b", [{**spec, "scores": {"groundedness": True, "tool_calls": True}}])
    cand = spec_run(tmp_path, "c", [spec])
    row = build_view(compare(base, cand, n_boot=20))["sections"][0]["cases"][0]
    side = row["c"]
    assert row["st"] == "regression" and set(row["reg"]) == {"groundedness", "tool_calls"}
    assert [(c["a"], c["z"], c["ok"]) for c in side["claims"]] == [(0, 21, True), (22, 50, False)]
    assert side["tc"][0]["got"] == 'weather({"unit": "f"})'
    assert side["tc"][0]["args"] == [{"n": "unit", "ok": False, "why": 'expected "celsius"'}]
    assert side["ref"] == {"verdict": "compliance", "outcome": "correct"}


def test_several_comparisons_make_tabs_and_an_overall_verdict(tmp_path: Path) -> None:
    ok = pair(tmp_path / "a")
    failing = pair(tmp_path / "b", gates=(Gate(metric="groundedness.mean", max_drop=0.0),))
    html = render_report([ok, failing], title="demo")
    assert html.count('role="tab"') == 2
    assert 'id="overall-verdict">FAIL<' in html
    assert len(re.findall(r'<script type="application/json"', html)) == 2


def test_size_grows_linearly_and_stays_modest(tmp_path: Path) -> None:
    small = len(render_report(pair(tmp_path / "s", 50)).encode())
    large = len(render_report(pair(tmp_path / "l", 500)).encode())
    per_case = (large - small) / 450
    assert per_case < 2_500, per_case  # two ~250-character outputs, scores and claims


def test_cli_writes_the_report_and_exits_by_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = spec_run(tmp_path, "base", random_specs(30, seed=1, quality=0.9, cost=0.001))
    cand = spec_run(tmp_path, "cand", random_specs(30, seed=1, quality=0.4, cost=0.001))
    out = tmp_path / "reports" / "r.html"
    assert main(["report", str(base.path), str(cand.path), "--out", str(out)]) == 0
    assert out.is_file() and "PASS" in capsys.readouterr().out
    (tmp_path / "data.jsonl").write_text('{"id": "a", "input": "x"}\n')
    (tmp_path / "evalkit.toml").write_text(
        '[candidates.base]\nprovider = "openai"\nmodel = "m"\n'
        '[suites.s]\ndataset = "data.jsonl"\ncandidates = ["base"]\n'
        '[[suites.s.gates]]\nmetric = "groundedness.mean"\nmax_drop = 0.02\n'
    )
    args = ["report", str(base.path), str(cand.path), "--out", str(out)]
    assert main([*args, "--config", str(tmp_path / "evalkit.toml"), "--suite", "s"]) == 1
    assert "groundedness.mean" in capsys.readouterr().err
    assert main(["report", str(base.path), "--out", str(out)]) == 2


def test_claim_spans_are_utf16_offsets_and_unlocatable_claims_keep_text() -> None:
    from evalkit.report.cases import _claims

    out = "😀 Paris is big. Rome is old."
    details = {
        "claims": [
            {"text": "Paris is big.", "span": [2, 15], "supported": False, "reason": "no support"},
            {"text": "Rome is old.", "supported": True},  # no span: found by text
            {"text": "Not in the output.", "supported": False},
        ]
    }
    rows = _claims(details, out, "groundedness")
    js = out.encode("utf-16-le")
    a, z = rows[0]["a"], rows[0]["z"]
    assert js[a * 2 : z * 2].decode("utf-16-le") == "Paris is big."
    assert js[rows[1]["a"] * 2 : rows[1]["z"] * 2].decode("utf-16-le") == "Rome is old."
    assert rows[2] == {"s": "groundedness", "ok": False, "why": "", "t": "Not in the output."}


def test_errors_and_flaky_repeats_reach_the_rows(tmp_path: Path) -> None:
    base = spec_run(
        tmp_path,
        "b",
        [{"id": "a", "repeat": r, "scores": {"exact_match": True}} for r in range(3)]
        + [{"id": "e", "scores": {"exact_match": True}}],
        repeats=3,
    )
    cand = spec_run(
        tmp_path,
        "c",
        [{"id": "a", "repeat": r, "scores": {"exact_match": r != 1}} for r in range(3)]
        + [{"id": "e", "error": ("timeout", "read timed out <after 60 s>")}],
        repeats=3,
    )
    rows = {r["id"]: r for r in build_view(compare(base, cand, n_boot=20))["sections"][0]["cases"]}
    a = rows["a"]["c"]
    assert a["n"] == 3 and a["flaky"] is True and abs(a["rate"] - 2 / 3) < 1e-9
    assert (
        "n" not in rows["e"]["c"]
        and rows["e"]["c"]["err"] == "timeout: read timed out <after 60 s>"
    )
    assert rows["e"]["st"] == "regression" and "err" not in rows["e"]["b"]
    html = render_report(compare(base, cand, n_boot=20))
    assert "read timed out \\u003cafter 60 s\\u003e" in html


def test_errors_by_kind_and_duplicate_names_are_shown(tmp_path: Path) -> None:
    base = spec_run(tmp_path, "b", [{"id": "a", "scores": {"exact_match": True}}])
    cand = spec_run(tmp_path, "c", [{"id": "a", "error": ("rate_limit", "429")}])
    c = compare(base, cand, n_boot=20)
    html = render_report([c, c])
    assert (
        "Provider errors by kind" in html and '<td class="mono"><bdi>rate_limit</bdi></td>' in html
    )
    assert html.count("tests: b → c") >= 2  # tabs of the same eval set say which runs


def test_a_huge_tool_call_or_error_is_cut_like_an_output() -> None:
    # Outputs were cut at MAX_TEXT, but a tool call's arguments and an error message went into
    # the page whole: a model answering with megabytes of arguments made a page of megabytes.
    from evalkit.comparison_cases import CaseSide
    from evalkit.report.cases import MAX_TEXT, side_view

    huge = "A" * (MAX_TEXT * 50)
    side = CaseSide(
        output="ok",
        passed=True,
        tool_calls=({"name": "f", "arguments": {"q": huge}}, {"name": "g", "arguments": huge}),
        error={"kind": "server", "message": huge},
    )
    view = side_view(side)
    assert all(len(c["args"]) < MAX_TEXT + 100 for c in view["calls"])
    assert view["calls"][1]["args"].endswith(f"[{len(huge) - MAX_TEXT} more characters]")
    assert len(view["err"]) < MAX_TEXT + 100


def test_a_scorer_that_could_not_score_cases_is_named_beside_its_mean(tmp_path: Path) -> None:
    # A judge that errors on the candidate's weak cases leaves only its good ones in the mean:
    # judge.mean rises and a max_drop gate passes. The page must say how many are unscored.
    unscored = Score(None, None, "", {}, error="case 'x': judge: the verdict has no score")
    base = spec_run(tmp_path, "b", [{"id": f"c{i}", "scores": {"judge": 0.5}} for i in range(3)])
    cand = spec_run(
        tmp_path,
        "c",
        [{"id": "c0", "scores": {"judge": 1.0}}]
        + [{"id": f"c{i}", "scores": {"judge": unscored}} for i in (1, 2)],
    )
    section = build_view(compare(base, cand, n_boot=20))["sections"][0]
    notes = [n for n in section["notes"] if n.startswith("judge")]
    assert notes == [
        "judge could not score 2 of 3 cases of the candidate and 0 of 3 of the baseline: its "
        "mean is over the scored cases only; the case rows say why."
    ]
    html = render_report(compare(base, cand, n_boot=20))
    assert "judge could not score 2 of 3 cases" in html


def test_claims_of_every_groundedness_scorer_reach_the_row_each_named(tmp_path: Path) -> None:
    # groundedness offline beside its judge mode (`as = "grounded_judge"`): both lists of claims,
    # not the last scorer's alone under a "groundedness" heading.
    out = "Refunds take 30 days. They arrive in 7 days."
    offline = [{"text": "Refunds take 30 days.", "supported": True}]
    judged = [
        {"text": "Refunds take 30 days.", "supported": True},
        {"text": "They arrive in 7 days.", "supported": False, "reason": "7 not in passage"},
    ]
    spec = {
        "id": "a",
        "output": out,
        "scores": {"groundedness": True, "grounded_judge": (0.5, False)},
        "details": {"groundedness": {"claims": offline}, "grounded_judge": {"claims": judged}},
    }
    run = spec_run(tmp_path, "b", [spec])
    side = build_view(compare(run, run, n_boot=20))["sections"][0]["cases"][0]["c"]
    assert sorted((c["s"], c["ok"], c["why"]) for c in side["claims"]) == [
        ("grounded_judge", False, "7 not in passage"),
        ("grounded_judge", True, ""),
        ("groundedness", True, ""),
    ]


def test_a_scorer_set_up_differently_is_a_note_and_a_row_of_the_configuration_diff(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    from evalkit.changes import FieldChange

    cmp = pair(tmp_path, n=6)
    change = FieldChange("scorers.acc.threshold", 0.5, 0.95)
    cmp = replace(cmp, config=replace(cmp.config, scorers=(change,)))
    view = build_view(cmp)["sections"][0]
    assert view["notes"][0].startswith("Scored differently: acc.threshold 0.5 → 0.95.")
    rows = {r["key"]: r for r in view["config_diff"]}
    assert rows["scorers.acc.threshold"]["changed"] is True


def test_judges_panel_shows_each_sides_judge_and_flags_what_differs(tmp_path: Path) -> None:
    from tests.helpers.judge_runs import judge_comparison

    cmp = judge_comparison(tmp_path)
    (j,) = cmp.judges
    assert j.scorer == "judge" and set(j.differs) == {"model", "rubric"}
    assert Comparison.from_dict(cmp.to_dict()).judges == cmp.judges
    html = render_report(cmp)
    assert "<h3>Judges</h3>" in html and "differs: <bdi>model, rubric</bdi>" in html
    assert "Grade fairly." in html and "gpt-4.1" in html
    # The hostile rubric is escaped text; its bidi override is shown, not obeyed.
    assert "<script>window.__pwned=11" not in html and "&lt;script&gt;window.__pwned=11" in html
    assert "\u202e" not in html and "\\u202E" in html
    # The notes say the runs were scored by different evalkit versions.
    assert "Baseline scored by evalkit 0.4.0, candidate by 0.5.0" in html


def test_judges_panel_for_a_run_without_texts_shows_the_hash(tmp_path: Path) -> None:
    from evalkit.hashing import sha256_text
    from tests.helpers.judge_runs import judge_comparison

    cmp = judge_comparison(tmp_path, old_baseline=True)
    view = build_view(cmp)["sections"][0]["judges"][0]
    rubric = next(t for t in view["texts"] if t["label"] == "rubric")
    assert rubric["baseline"]["text"] is None and rubric["changed"]
    assert "not recorded" in rubric["baseline"]["note"]
    assert sha256_text("Grade fairly.")[:12] in rubric["baseline"]["note"]
    assert rubric["candidate"]["text"] is not None
