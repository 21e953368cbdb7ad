"""Terminal and Markdown summaries: verdict, gate reasons, deltas, regressions, report path;
untrusted text stays inert in Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.compare import Comparison, compare
from evalkit.config import Gate
from evalkit.records import Run, read_run
from evalkit.summary import (
    cost_measured,
    markdown_summary,
    terminal_summary,
    worst_regressions,
)
from tests.helpers.runs import candidate_dict, make_record, make_run
from tests.helpers.unpriced import unpriced_comparison


def _cmp(tmp_path: Path, gates: tuple[Gate, ...] = ()) -> Comparison:
    base = [make_record(f"c{i}", {"acc": True, "g": 0.9}, tags=["t"]) for i in range(20)]
    cand = [
        make_record(
            f"c{i}", {"acc": i >= 3, "g": 0.2 if i == 1 else 0.9}, tags=["t"], candidate="cand"
        )
        for i in range(20)
    ]
    cand.append(make_record("<img src=x onerror=alert(1)>|", {"acc": True}, candidate="cand"))
    b = make_run(tmp_path / "b", base)
    c = make_run(tmp_path / "c", cand, candidate=candidate_dict("cand", model="gpt-4o"))
    return compare(b, c, gates=gates)


def test_terminal_summary_content(tmp_path: Path) -> None:
    cmp = _cmp(tmp_path, (Gate("acc.pass_rate", min=0.95),))
    text = terminal_summary(cmp, report="reports/pr.html")
    assert "verdict: FAIL" in text
    assert "FAIL  acc.pass_rate 0.85 < min 0.95" in text
    assert "model: gpt-4o-mini → gpt-4o" in text
    assert "acc.pass_rate" in text and "−0.15" in text
    assert "3 regression(s)" in text
    assert "worst regressions (3 in all):" in text
    # c1 lost two scorers' worth of value: it comes first.
    assert text.index("  c1 [t]:") < text.index("  c0 [t]:")
    assert "report: reports/pr.html" in text
    assert "note:" in text  # the candidate-only case is listed, not counted


def test_worst_regressions_order(tmp_path: Path) -> None:
    rows = worst_regressions(_cmp(tmp_path), limit=2)
    assert [r.case_id for r in rows] == ["c1", "c0"]


def test_markdown_summary_content_and_escaping(tmp_path: Path) -> None:
    cmp = _cmp(tmp_path)
    md = markdown_summary(cmp, report="https://ci.example/report.html")
    assert md.startswith("### ✅ evalkit: PASS — cand vs base")
    assert "| acc.pass\\_rate | 1 | 0.85 | −0.15" in md
    assert "**Worst regressions** (3 in all)" in md
    assert "[https://ci.example/report.html](https://ci.example/report.html)" in md
    assert "<details><summary>What changed</summary>" in md
    md2 = markdown_summary(cmp, report="reports/a_b.html")
    assert "Full report: reports/a\\_b.html" in md2


def test_markdown_escapes_untrusted_reasons(tmp_path: Path) -> None:
    from evalkit.scoring import Score

    bad = "<script>alert(1)</script> | [x](javascript:alert(1))"
    b = make_run(tmp_path / "b", [make_record("a", {"acc": True})])
    c = make_run(
        tmp_path / "c",
        [make_record("a", {"acc": Score(0.0, False, bad)}, candidate="cand")],
        candidate=candidate_dict("cand"),
    )
    md = markdown_summary(compare(b, c))
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "[x](javascript" not in md and "\\[x\\](javascript" in md
    line = next(x for x in md.splitlines() if "alert" in x)
    assert "\\|" in line  # a pipe cannot split a table cell


def test_markdown_keeps_what_to_do_of_a_failing_reason(tmp_path: Path) -> None:
    # New provider errors: the reason names the errors, then the next step and the opt-out;
    # cut at 300 characters like a passing reason's, the PR comment lost both.
    from dataclasses import replace

    from evalkit.records import ErrorInfo

    b = make_run(tmp_path / "b", [make_record(f"c{i}", {"acc": True}) for i in range(4)])
    long = "HTTP 400: " + "maximum context length exceeded; " * 20
    recs = [make_record(f"c{i}", {"acc": True}, candidate="cand") for i in range(4)]
    recs[1] = replace(
        make_record("c1", error="timeout", candidate="cand"), error=ErrorInfo("timeout", long)
    )
    c = make_run(tmp_path / "c", recs, candidate=candidate_dict("cand"))
    md = markdown_summary(compare(b, c, gates=[Gate("acc.mean", max_drop=0.0)]))
    line = next(x for x in md.splitlines() if "provider error" in x)
    assert line.startswith("- ❌ 1 of 4 compared case(s) have a provider error")
    assert "e.g. max\\_rise = 0.05)" in line and "--retry-errors" in line
    assert md.startswith("### ❌ evalkit: FAIL")


def test_estimated_usage_is_marked_in_every_view(tmp_path: Path) -> None:
    import dataclasses

    from evalkit.compare import compare
    from evalkit.providers.base import Usage
    from evalkit.report import render_report
    from evalkit.summary import markdown_summary, terminal_summary

    est = Usage(120, 30, None, estimated=True)
    base = make_run(tmp_path / "b", [make_record(f"c{i}", {"s": True}) for i in range(4)])
    cand = make_run(
        tmp_path / "c",
        [dataclasses.replace(make_record(f"c{i}", {"s": True}), usage=est) for i in range(4)],
    )
    cmp = compare(base, cand)
    assert cmp.overall.candidate_run.usage_estimated == 4
    assert cmp.overall.baseline_run.usage_estimated == 0
    note = "tokens and cost estimated (provider reported no usage) for 0 of 4 baseline and 4 of 4"
    assert note in terminal_summary(cmp)
    assert note in markdown_summary(cmp)
    page = render_report(cmp)
    assert "Tokens and cost estimated" in page and '"est":true' in page
    again = type(cmp).from_dict(cmp.to_dict())
    assert again.overall.candidate_run.usage_estimated == 4
    assert again.cases[0].candidate is not None and again.cases[0].candidate.usage_estimated


COST_GATE = Gate(metric="cost.per_case", max_rise_pct=10)
"""A gate that makes a comparison look at cost (as a ``cost`` scorer in the suite would)."""


@pytest.fixture
def unpriced(tmp_path: Path) -> Comparison:
    """Baseline fully priced; the candidate's odd cases on a model without a price."""
    return unpriced_comparison(tmp_path)


def test_unpriced_records_are_named_in_both_summaries(unpriced: Comparison) -> None:
    note = (
        "cost unknown: candidate 5 of 10 answered records unpriced (model 'acme-chat-9'); "
        "add [prices] entries"
    )
    gated = compare(*unpriced_runs_of(unpriced), gates=[COST_GATE])
    text = terminal_summary(gated)
    assert f"note: {note}" in text
    # No interval or p beside the unknown value: the row ends with why it is unknown.
    row = next(x for x in text.splitlines() if x.startswith("cost.per_case"))
    assert row.split()[2:] == ["0.01", "n/a", "n/a", "unpriced"], row  # [1] is "(USD)"
    md = markdown_summary(gated)
    assert "cost unknown: candidate 5 of 10 answered records unpriced (model 'acme-chat-9')" in md
    assert "add \\[prices\\] entries" in md
    assert "| cost.per\\_case (USD) | 0.01 | n/a | n/a (unpriced) |  |  |" in md
    # Both sides unknown: each is named; a fully priced comparison has no such note.
    both = compare(*reversed(unpriced_runs_of(unpriced)), gates=[COST_GATE])
    assert "cost unknown: baseline 5 of 10" in terminal_summary(both)
    priced = unpriced_runs_of(unpriced)[0]
    assert "cost unknown" not in terminal_summary(compare(priced, priced, gates=[COST_GATE]))
    assert "cost unknown" not in markdown_summary(compare(priced, priced, gates=[COST_GATE]))


def test_unpriced_note_only_where_the_suite_looks_at_cost(unpriced: Comparison) -> None:
    # Scorers "acc" only and no cost gate: one note per comparison telling the user to price
    # models nobody meant to price is noise (the demo's replayed suites). The unknown value
    # is still n/a, marked unpriced, never 0; a cost gate brings the note back.
    assert not cost_measured(unpriced)
    text = terminal_summary(unpriced)
    assert "cost unknown" not in text and "[prices]" not in text
    row = next(x for x in text.splitlines() if x.startswith("cost.per_case"))
    assert row.split()[2:] == ["0.01", "n/a", "n/a", "unpriced"], row  # [1] is "(USD)"
    md = markdown_summary(unpriced)
    assert "cost unknown" not in md and "| n/a | n/a (unpriced) |" in md
    assert cost_measured(compare(*unpriced_runs_of(unpriced), gates=[COST_GATE]))


def unpriced_runs_of(cmp: Comparison) -> tuple[Run, Run]:
    """The two runs of ``cmp``, read back from their folders."""
    assert cmp.baseline.path and cmp.candidate.path
    return read_run(Path(cmp.baseline.path)), read_run(Path(cmp.candidate.path))


def test_unpriced_note_keeps_what_to_do_whatever_the_model_name(tmp_path: Path) -> None:
    # Model names come from the provider: a long one, with a line break, is cut on its own
    # so the note stays one line and still ends with what to do.
    odd = "router/" + "x" * 400 + "\nsecond line"
    b = make_run(tmp_path / "b", [make_record(f"c{i}", {"acc": True}) for i in range(2)])
    cand = [make_record(f"c{i}", {"acc": True}, cost=None, model=odd) for i in range(2)]
    c = make_run(tmp_path / "c", cand, candidate=candidate_dict("cand"))
    text = terminal_summary(compare(b, c, gates=[COST_GATE]))
    note = next(x for x in text.splitlines() if x.startswith("note: cost unknown"))
    assert note.endswith("…'); add [prices] entries") and "candidate 2 of 2" in note
    assert len(note) < 200
    md = markdown_summary(compare(b, c, gates=[COST_GATE]))
    assert "add \\[prices\\] entries." in md


def test_an_untested_change_is_never_flagged_as_significant(tmp_path: Path) -> None:
    # latency.p95 is a quantile: no paired test, no p-value. It read a bare "worse", which the
    # legend defines as significant at p < 0.05.
    base = [make_record(f"c{i}", {"acc": True}, latency_ms=100.0) for i in range(10)]
    cand = [
        make_record(f"c{i}", {"acc": True}, latency_ms=130.0, candidate="cand") for i in range(10)
    ]
    cmp = compare(make_run(tmp_path / "b", base), make_run(tmp_path / "c", cand))
    p95 = cmp.overall.metric("latency.p95")
    assert p95 is not None and p95.p_value is None and p95.delta and p95.delta > 0
    row = next(line for line in terminal_summary(cmp).splitlines() if "latency.p95" in line)
    assert row.rstrip().endswith("worse?"), row
    assert row.startswith("latency.p95 (ms) ") or " latency.p95 (ms) " in row  # the unit
    assert "| latency.p95 (ms) |" in markdown_summary(cmp)


def _with_manifest(run: Run, **extra: object) -> Run:
    """The run with keys added to its manifest, read back."""
    import json

    path = run.path / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **extra}))
    return read_run(run.path)


def test_runs_scored_by_different_evalkit_versions_get_a_note_not_a_failure(
    tmp_path: Path,
) -> None:
    recs = [make_record(f"c{i}", {"acc": True}) for i in range(5)]
    b = _with_manifest(make_run(tmp_path / "b", recs), evalkit_version="0.3.0")
    c = _with_manifest(
        make_run(tmp_path / "c", recs),
        evalkit_version="0.3.0",  # made by 0.3.0, re-scored by 0.4.1: that version scored it
        rescored_from={"run_id": "x", "evalkit_version": "0.4.1"},
    )
    cmp = compare(b, c, gates=(Gate("acc.pass_rate", max_drop=0.0),))
    assert cmp.passed and cmp.candidate.evalkit_version == "0.4.1"
    want = "baseline scored by evalkit 0.3.0, candidate by 0.4.1: built-in scorers may have"
    assert want in terminal_summary(cmp)
    assert "re-score both runs with one version (evalkit score)" in terminal_summary(cmp)
    assert want in markdown_summary(cmp)
    assert Comparison.from_dict(cmp.to_dict()).candidate.evalkit_version == "0.4.1"
    same = compare(b, _with_manifest(c, rescored_from={}), gates=())
    assert "scored by evalkit" not in terminal_summary(same)
    assert "scored by evalkit" not in markdown_summary(same)


def test_a_scorer_that_could_not_score_is_named_in_both_summaries(tmp_path: Path) -> None:
    """A judge whose every call failed (a wrong key) left a green summary with no word of
    it: its mean is n/a and no gate looked at it. The report had the note; now every view."""
    from evalkit.scoring import Score

    down = Score(None, None, "", error="judge: connection error")
    base = [make_record(f"c{i}", {"acc": True, "judge": down}) for i in range(4)]
    cand = [make_record(f"c{i}", {"acc": True, "judge": down}, candidate="cand") for i in range(4)]
    cmp = compare(make_run(tmp_path / "b", base), make_run(tmp_path / "c", cand))
    note = "judge could not score 4 of 4 cases of the candidate and 4 of 4 of the baseline"
    assert f"note: {note}" in terminal_summary(cmp)
    assert note in markdown_summary(cmp)
    assert "could not score" not in terminal_summary(_cmp(tmp_path / "x"))


def test_a_flaky_regression_quotes_a_failing_repeat_and_counts_them(tmp_path: Path) -> None:
    base = [make_record("c0", {"acc": True}, repeat=k) for k in range(3)]
    # the first repeat passes, the other two fail: a regression by the majority
    cand = [
        make_record("c0", {"acc": k == 0}, repeat=k, output=f"answer {k}", candidate="cand")
        for k in range(3)
    ]
    cmp = compare(make_run(tmp_path / "b", base), make_run(tmp_path / "c", cand))
    (row,) = cmp.rows(status="regression")
    assert row.candidate is not None and row.candidate.output == "answer 1"  # a failing repeat
    assert row.candidate.scores["acc"].reason == "wrong"
    line = next(x for x in terminal_summary(cmp).splitlines() if x.strip().startswith("c0"))
    assert "acc (2 of 3 repeats failed): wrong" in line, line
