"""What a notebook shows for a run, a comparison and a suite result: small, escaped, telling."""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.api import SuiteResult
from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.records import read_run
from tests.helpers.runs import candidate_dict, make_record, make_run

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _pair(tmp_path: Path, n: int) -> tuple[SuiteResult, int]:
    """A suite result over ``n`` cases whose ids, outputs and names carry markup."""
    base = [
        make_record(f"c{i}{EVIL}", {"acc": True}, output=EVIL + "x" * 500, tags=[EVIL])
        for i in range(n)
    ]
    cand = [
        make_record(
            f"c{i}{EVIL}", {"acc": i % 2 == 0}, output=EVIL + "y" * 500, candidate=EVIL, tags=[EVIL]
        )
        for i in range(n)
    ]
    b = make_run(tmp_path / "b", base)
    c = make_run(tmp_path / "c", cand, candidate=candidate_dict(EVIL))
    gates = (Gate(metric="acc.pass_rate", max_drop=0.0), Gate(metric="acc.pass_rate", min=0.99))
    cmp = compare(b, c, gates=gates)
    return SuiteResult(EVIL, "base", {"base": b, EVIL: c}, (cmp,)), n * 500


def test_displays_stay_small_and_never_carry_records(tmp_path: Path) -> None:
    result, output_chars = _pair(tmp_path, 2000)
    cmp, run = result.comparisons[0], result.runs["base"]
    for obj in (run, cmp, result):
        # Jupyter sends repr() as text/plain beside the HTML; the dataclass repr was every
        # record (16 MB for a 10,000-record run, 60 MB for a suite result).
        assert len(repr(obj)) < 500, type(obj).__name__
        assert len(obj._repr_html_()) < 20_000 < output_chars, type(obj).__name__
    assert repr(run).startswith("<Run 'base' on 'support': 2000 records")
    assert "FAIL" in repr(cmp) and "2000 cases" in repr(cmp)
    assert repr(result).startswith(f"<SuiteResult {EVIL!r}: FAIL")


def test_one_line_displays_count_provider_errors(tmp_path: Path) -> None:
    base = make_run(tmp_path / "b", [make_record("a", {"acc": True})])
    down = [make_record(c, error="connection", candidate="cand") for c in "ab"]
    cand = make_run(tmp_path / "c", down, candidate=candidate_dict("cand"))
    result = SuiteResult("s", "base", {"base": base, "cand": cand}, ())
    assert "cand: 2 records (2 provider errors)" in repr(result)
    assert "base: 1 record," in repr(result)
    assert ": 2 records (2 provider errors)" in repr(cand)


def test_displays_escape_ids_outputs_names_and_gate_reasons(tmp_path: Path) -> None:
    result, _ = _pair(tmp_path, 5)
    cmp = result.comparisons[0]
    assert not cmp.passed and any(r.reason for r in cmp.verdict.failures)
    for obj in (result.runs[EVIL], cmp, result):
        html = obj._repr_html_()
        assert "<script" not in html and "<img" not in html, type(obj).__name__
        assert "&lt;script&gt;" in html  # shown, as text


def test_run_display_says_an_interrupted_run_is_partial_and_how_to_finish_it(
    tmp_path: Path,
) -> None:
    run = make_run(tmp_path / "r", [make_record("a", {"acc": True})])
    manifest = tmp_path / "r" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["status"] = "interrupted"
    manifest.write_text(json.dumps(data))
    html = read_run(tmp_path / "r")._repr_html_()
    assert html.startswith("<div><div><b>interrupted</b>: stopped before its last case")
    assert "resume=True" in html and str(tmp_path / "r") in html
    assert "interrupted" not in run._repr_html_()  # a complete run has no banner
    assert "interrupted" in repr(read_run(tmp_path / "r"))


def test_suite_display_says_when_only_a_selection_ran(tmp_path: Path) -> None:
    result, _ = _pair(tmp_path, 3)
    assert "partial" not in result._repr_html_()
    manifest = tmp_path / "c" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["selection"] = {"cases": ["c1*"], "tags": [], "limit": None, "selected": 1, "of": 3}
    manifest.write_text(json.dumps(data))
    runs = {"base": result.runs["base"], EVIL: read_run(tmp_path / "c")}
    partial = SuiteResult("s", "base", runs, result.comparisons)
    assert partial.partial and "<b>partial</b>" in partial._repr_html_()
    assert "(selection: 1 of 3 cases)" in runs[EVIL]._repr_html_()


def test_a_verdict_of_nothing_says_so_in_the_notebook(tmp_path: Path) -> None:
    from evalkit.frames_display import comparison_html

    base = make_run(tmp_path / "b", [make_record(f"c{i}", {"acc": True}) for i in range(4)])
    cand = [make_record(f"c{i}", {"short": True}, candidate="cand") for i in range(4)]
    other = make_run(tmp_path / "c", cand, candidate=candidate_dict("cand"))
    shown = comparison_html(compare(base, other))
    assert "no gates applied: the verdict checks nothing" in shown
    assert "no scorer is shared by both runs" in shown
    same = make_run(tmp_path / "s", [make_record(f"c{i}", {"acc": True}) for i in range(4)])
    gated = comparison_html(compare(base, same, gates=[Gate("acc.mean", min=0.5)]))
    assert "checks nothing" not in gated and "no scorer is shared" not in gated
