"""A partial comparison in the report: real runs through the scripted provider (a full baseline
and a run of selected cases), the page opened in headless Chromium. The verdict badges carry
the coverage, the cases the candidate never selected are one line instead of rows, and a
selected case the candidate run lacks is still listed.

The view-model tests below the browser ones cover the other shapes (a selected baseline, a
limit, several comparisons) without a browser.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import main
from evalkit.compare import compare
from evalkit.dataset import EvalSet, Selection
from evalkit.records import read_run
from evalkit.report import write_report
from evalkit.report.partial import admits
from evalkit.report.viewmodel import build_view
from tests.helpers.browser import open_page

PROVIDER = "tests.helpers.scripted_provider:ScriptedProvider"
ROWS = [
    {"id": f"refund-{i}", "input": f"r{i}", "expected": f"echo: r{i}", "tags": ["billing"]}
    for i in range(1, 13)
] + [
    {"id": f"ship-{i}", "input": f"s{i}", "expected": f"echo: s{i}", "tags": ["shipping"]}
    for i in range(1, 29)
]  # 12 refund cases and 28 shipping cases: 40 in all


def _run(ds: Path, out: Path, *flags: str) -> Path:
    args = [
        "run", str(ds), "--provider", PROVIDER, "--model", "m", "--option", "key=report-partial",
        "--scorer", "exact_match", "--out", str(out), "--cache-dir", str(out.parent / "cache"),
        "--no-progress", *flags,
    ]  # fmt: skip
    assert main(args) == 0
    return out


def _drop_case(run_dir: Path, case_id: str) -> None:
    """As if the run had stopped before this case was written (resume would run it)."""
    results = run_dir / "results.jsonl"
    kept = [ln for ln in results.read_text().splitlines() if json.loads(ln)["case_id"] != case_id]
    results.write_text("".join(ln + "\n" for ln in kept))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("partial")
    ds = tmp / "support.jsonl"
    ds.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    base = _run(ds, tmp / "base")
    cand = _run(ds, tmp / "cand", "--case", "refund-*")
    short = _run(ds, tmp / "short", "--case", "refund-*")
    _drop_case(short, "refund-5")
    return {"dir": tmp, "ds": ds, "base": base, "cand": cand, "short": short}


def _report(runs: dict[str, Path], cand: str, name: str) -> Path:
    out = runs["dir"] / f"{name}.html"
    assert main(["report", str(runs["base"]), str(runs[cand]), "--out", str(out)]) == 0
    return out


def _ids(page: Any) -> list[str]:
    return page.locator("section:not(.hidden) tbody.rows tr.case td.id").all_inner_texts()


def test_badges_carry_the_coverage_and_unselected_cases_are_one_line(
    browser: Any, runs: dict[str, Path]
) -> None:
    page, watch = open_page(browser, _report(runs, "cand", "selected"))
    assert watch.clean, watch
    assert page.inner_text("#overall-verdict") == "PASS · partial 12/40"
    assert "partial" in (page.get_attribute("#overall-verdict", "class") or "")
    coverage = page.inner_text("#overall-coverage-0")
    assert "12 of 40 cases selected in the candidate run (--case refund-*)" in coverage
    section = page.locator("#section-0")
    assert section.locator("h2 .verdict").inner_text() == "PASS · partial 12/40"
    assert section.locator(".partial-note").count() == 0  # the page's note, just above, says it

    ids = _ids(page)
    assert sorted(ids) == sorted(f"refund-{i}" for i in range(1, 13))  # no "ship-*" row
    assert section.locator(".badge.baseline_only").count() == 0
    line = section.locator(".outside-selection").inner_text()
    assert line.startswith("28 case(s) of the baseline run are outside the candidate run's")
    assert "(--case refund-*)" in line
    # the notes no longer claim the 28 are listed
    assert "listed" not in " ".join(section.locator("p.note").all_inner_texts())
    page.close()


def test_a_selected_case_the_candidate_run_lacks_is_still_listed(
    browser: Any, runs: dict[str, Path]
) -> None:
    page, watch = open_page(browser, _report(runs, "short", "short"))
    assert watch.clean, watch
    assert page.inner_text("#overall-verdict") == "PASS · partial 11/40"
    section = page.locator("#section-0")
    assert section.locator("p .badge.candidate_not_run").inner_text() == "1 candidate not run"
    assert section.locator(".badge.baseline_only").count() == 0
    row = section.locator("tr.case", has=page.locator(".badge.candidate_not_run"))
    assert row.locator("td.id").inner_text() == "refund-5"
    assert row.locator(".badge").inner_text() == "candidate not run"
    ids = _ids(page)
    assert "refund-5" in ids and len(ids) == 12 and not any(i.startswith("ship-") for i in ids)
    assert section.locator(".outside-selection").inner_text().startswith("28 case(s)")
    notes = " ".join(section.locator("p.note").all_inner_texts())
    assert "1 case(s) the candidate run selected but has not run are listed as not run" in notes
    page.close()


def test_tabs_name_the_partial_comparison(browser: Any, runs: dict[str, Path]) -> None:
    base, cand = read_run(runs["base"]), read_run(runs["cand"])
    out = write_report(
        [compare(base, base, n_boot=20), compare(base, cand, n_boot=20)],
        runs["dir"] / "tabs.html",
    )
    page, watch = open_page(browser, out)
    assert watch.clean, watch
    assert page.inner_text("#overall-verdict") == "PASS · partial: 1 of 2 comparisons"
    assert page.locator("[id^=overall-coverage-]").count() == 1
    assert "12 of 40 cases selected" in page.inner_text("#overall-coverage-0")
    assert page.inner_text("#tab-0 .verdict") == "PASS"
    assert page.inner_text("#tab-1 .verdict") == "PASS · partial 12/40"
    page.click("#tab-1")
    section = page.locator("#section-1")
    assert "12 of 40 cases selected" in section.locator(".partial-note").inner_text()
    assert page.locator("#section-0 .partial-note").count() == 0
    assert len(_ids(page)) == 12
    page.close()


def test_statistics_and_the_summaries_are_unchanged(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, short = read_run(runs["base"]), read_run(runs["short"])
    c = compare(base, short, n_boot=50)
    assert c.overall.cases == 11 and c.dataset.baseline_only == 29
    assert sum(1 for r in c.cases if r.status == "baseline_only") == 29  # the data keeps all
    view = build_view(c)["sections"][0]
    assert view["n_cases"] == 11 and view["counts"] == {
        "candidate_not_run": 1,
        "unchanged_pass": 11,
    }
    md = runs["dir"] / "cmp.md"
    assert main(["compare", str(runs["base"]), str(runs["short"]), "--markdown", str(md)]) == 0
    partial = "PASS (partial: 12 of 40 cases selected in the candidate run (--case refund-*))"
    assert partial in capsys.readouterr().out
    assert partial.replace("*", "\\*") in md.read_text()  # Markdown-escaped


# ------------------------------------------------------------------ view model, no browser


def test_a_selected_baseline_hides_candidate_only_cases_and_a_limit_counts(
    runs: dict[str, Path],
) -> None:
    limited = _run(runs["ds"], runs["dir"] / "limited", "--tag", "shipping", "--limit", "5")
    c = compare(read_run(limited), read_run(runs["base"]), n_boot=20)
    view = build_view(c)
    s = view["sections"][0]
    assert view["verdict_label"] == "PASS · partial 5/40" == s["verdict_label"]
    assert [r["st"] for r in s["cases"]].count("candidate_only") == 0
    assert len(s["cases"]) == 5
    assert s["outside_selection"] == [
        "35 case(s) of the candidate run are outside the baseline run's selection "
        "(--tag shipping --limit 5): not run there, so neither listed nor compared."
    ]
    # unfinished: the ids the limit kept are in the manifest, so exactly the one selected case
    # the run lacks is listed, as not run there; the cases the limit cut stay one line
    assert read_run(limited).manifest["selection"]["ids"] == [f"ship-{i}" for i in range(1, 6)]
    _drop_case(limited, "ship-2")
    c = compare(read_run(limited), read_run(runs["base"]), n_boot=20)
    s = build_view(c)["sections"][0]
    assert {r["id"]: r["st"] for r in s["cases"] if r["st"] != "unchanged_pass"} == {
        "ship-2": "baseline_not_run"
    }
    assert sorted(r["id"] for r in s["cases"]) == [f"ship-{i}" for i in range(1, 6)]
    assert s["outside_selection"] == [
        "35 case(s) of the candidate run are outside the baseline run's selection "
        "(--tag shipping --limit 5): not run there, so neither listed nor compared."
    ]
    assert (
        "1 case(s) the baseline run selected but has not run are listed as not run and not "
        "counted in the statistics (an unfinished run: resume it to compare them)." in s["notes"]
    )
    # the comparison the report reads carries them too (its JSON keeps the selection's ids)
    again = type(c).from_dict(json.loads(json.dumps(c.to_dict())))
    assert build_view(again)["sections"][0]["cases"] == s["cases"]
    # resume reapplies the selection: it runs the one case, keeps the ids, and nothing is missing
    assert main(["run", "--resume", str(limited), "--no-progress"]) == 0
    assert read_run(limited).manifest["selection"]["ids"] == [f"ship-{i}" for i in range(1, 6)]
    s = build_view(compare(read_run(limited), read_run(runs["base"]), n_boot=20))["sections"][0]
    assert s["counts"] == {"unchanged_pass": 5} and len(s["outside_selection"]) == 1


def test_an_old_manifest_without_the_limit_ids_still_lists_what_the_limit_may_have_cut(
    runs: dict[str, Path],
) -> None:
    """A run written before evalkit recorded a limit's ids: unfinished, its limit cannot say
    which cases it cut, so those stay listed (as not run) rather than hidden."""
    old = _run(runs["ds"], runs["dir"] / "old-limited", "--tag", "shipping", "--limit", "5")
    manifest = json.loads((old / "manifest.json").read_text())
    del manifest["selection"]["ids"]
    (old / "manifest.json").write_text(json.dumps(manifest))
    s = build_view(compare(read_run(old), read_run(runs["base"]), n_boot=20))["sections"][0]
    assert len(s["cases"]) == 5  # finished: it holds what it selected, nothing else is listed
    _drop_case(old, "ship-2")
    s = build_view(compare(read_run(old), read_run(runs["base"]), n_boot=20))["sections"][0]
    listed = {r["id"] for r in s["cases"] if r["st"] == "baseline_not_run"}
    assert listed == {f"ship-{i}" for i in range(1, 29)} - {"ship-1", "ship-3", "ship-4", "ship-5"}
    assert s["outside_selection"][0].startswith("12 case(s) of the candidate run")


def test_whole_runs_and_several_comparisons(runs: dict[str, Path]) -> None:
    base, cand = read_run(runs["base"]), read_run(runs["cand"])
    whole = build_view(compare(base, base, n_boot=20))
    assert whole["verdict_label"] == "PASS" and whole["partial"] == []
    assert whole["sections"][0]["partial"] is None
    assert whole["sections"][0]["outside_selection"] == []
    both = build_view([compare(base, base, n_boot=20), compare(base, cand, n_boot=20)])
    assert both["verdict_label"] == "PASS · partial: 1 of 2 comparisons"
    assert [s["verdict_label"] for s in both["sections"]] == ["PASS", "PASS · partial 12/40"]
    assert len(both["partial"]) == 1 and both["partial"][0]["name"]


@pytest.mark.parametrize(
    "cases, tags",
    [
        (("refund-*",), ()),
        (("ship-1", "refund-1[0-2]"), ()),
        ((), ("billing",)),
        (("ship-?",), ("shipping", "nope")),
        (("refund-1*",), ("billing",)),
    ],
)
def test_admits_agrees_with_eval_set_select(cases: tuple[str, ...], tags: tuple[str, ...]) -> None:
    es = EvalSet.from_cases(ROWS)
    known = {t for r in ROWS for t in r["tags"]}
    picked = {c.id for c in es.select(ids=cases, tags=[t for t in tags if t in known])}
    sel = Selection(cases, tags)
    assert {c.id for c in es if admits(sel, c.id, c.tags)} == picked


def test_an_unfinished_whole_run_lists_its_missing_cases_as_not_run(
    runs: dict[str, Path],
) -> None:
    import shutil

    short = runs["dir"] / "whole-short"
    shutil.copytree(runs["base"], short)
    _drop_case(short, "ship-7")
    s = build_view(compare(read_run(runs["base"]), read_run(short), n_boot=20))["sections"][0]
    assert s["counts"] == {"candidate_not_run": 1, "unchanged_pass": 39}
    assert s["cases"][0]["id"] == "ship-7"  # with the changed cases, first
    assert s["outside_selection"] == []
