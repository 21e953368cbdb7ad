"""A shared case id whose case was edited between two eval set versions (QA7 #8, QA8 #9).

With ``--allow-dataset-mismatch`` only shared ids are compared; an id whose question or
expected answer changed used to be paired as if it were the same case, so a candidate could
"regress" on a question the baseline was never asked. Each record now carries its case's own
content hash, and compare lists such ids as ``content_changed``: shown, never counted or gated.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evalkit.compare import compare
from evalkit.config import Candidate, Gate
from evalkit.dataset import EvalSet, load_eval_set
from evalkit.engine import RunOptions, run
from evalkit.errors import InputError
from evalkit.frames import cases_frame
from evalkit.providers.base import Request
from evalkit.records import Run, read_run
from evalkit.report import write_report
from tests.helpers.browser import open_page

ANSWERS = {"a": "Paris", "b": "Berlin", "c": "Rome"}


def _answer(request: Request, **_: Any) -> str:
    return ANSWERS[request.case_id]


def _cases(expected_b: str = "Berlin") -> list[dict[str, Any]]:
    return [
        {"id": "a", "input": "Capital of France?", "expected": "Paris"},
        {"id": "b", "input": "Capital of Germany?", "expected": expected_b},
        {"id": "c", "input": "Capital of Italy?", "expected": "Rome"},
    ]


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _run(tmp_path: Path, name: str, eval_set: EvalSet) -> Run:
    cand = Candidate(name=name, provider="callable", model="fn", options={"target": _answer})
    opts = RunOptions(out_dir=tmp_path / name, cache_mode="off", progress="off")
    run(eval_set, cand, ["exact_match"], opts)
    return read_run(tmp_path / name)


def _edited_pair(tmp_path: Path) -> tuple[Run, Run]:
    """Baseline on v1; candidate on v2, where case b now expects another answer and a new
    case d was added (so the eval set versions differ)."""
    v1 = load_eval_set(_write(tmp_path / "v1.jsonl", _cases()))
    rows = _cases(expected_b="Bonn")
    rows.append({"id": "d", "input": "Capital of Spain?", "expected": "Madrid"})
    ANSWERS["d"] = "Madrid"
    v2 = load_eval_set(_write(tmp_path / "v2.jsonl", rows))
    return _run(tmp_path, "base", v1), _run(tmp_path, "cand", v2)


def test_case_versions_follow_content_not_layout(tmp_path: Path) -> None:
    plain = load_eval_set(_write(tmp_path / "a.jsonl", _cases()))
    spaced = tmp_path / "b.jsonl"
    # the same cases, keys reordered and spaced differently: the same content
    spaced.write_text(
        "".join(
            json.dumps(dict(reversed(list(r.items()))), indent=None, separators=(" , ", " : "))
            + "\n"
            for r in _cases()
        ),
        encoding="utf-8",
    )
    edited = load_eval_set(_write(tmp_path / "c.jsonl", _cases(expected_b="Bonn")))
    same = load_eval_set(spaced)
    assert set(plain.case_versions) == {"a", "b", "c"}
    assert same.case_versions == plain.case_versions
    assert edited.case_versions["b"] != plain.case_versions["b"]
    assert edited.case_versions["a"] == plain.case_versions["a"]
    # a selection keeps them; a Python-built set has them too
    assert plain.select(ids=["a"]).case_versions["a"] == plain.case_versions["a"]
    built = EvalSet.from_cases(_cases())
    assert built.case_versions == plain.case_versions


def test_records_carry_their_case_version(tmp_path: Path) -> None:
    es = load_eval_set(_write(tmp_path / "v1.jsonl", _cases()))
    got = {r.case_id: r.case_version for r in _run(tmp_path, "base", es).records}
    assert got == dict(es.case_versions)


def test_edited_case_is_listed_not_compared_or_gated(tmp_path: Path) -> None:
    base, cand = _edited_pair(tmp_path)
    with pytest.raises(InputError, match="allow-dataset-mismatch"):
        compare(base, cand)
    gate = Gate(metric="exact_match", no_new_failures=True)
    cmp = compare(base, cand, gates=[gate], allow_dataset_mismatch=True)
    status = {r.case_id: r.status for r in cmp.cases}
    # b's candidate answer "Berlin" fails the edited expectation "Bonn": without the case
    # hash this was a regression that failed the gate
    assert status == {
        "a": "unchanged_pass",
        "b": "content_changed",
        "c": "unchanged_pass",
        "d": "candidate_only",
    }
    row = next(r for r in cmp.cases if r.case_id == "b")
    assert row.baseline is not None and row.candidate is not None and not row.paired
    assert row.scorer_status == {"exact_match": "content_changed"}
    assert cmp.dataset.shared == 2 and cmp.dataset.content_changed == 1
    assert cmp.overall.cases == 2
    assert cmp.overall.counts.regression == 0
    assert "1 shared case id(s) hold an edited case (b)" in cmp.dataset.note
    assert "re-run the baseline" in cmp.dataset.note
    assert cmp.verdict.passed, cmp.verdict
    frame = cases_frame([cmp])  # no delta between answers to two questions (QA13 F7)
    edited = frame[frame.case_id == "b"].iloc[0]
    assert edited["exact_match.delta"] is pd.NA and edited["exact_match.baseline"] == 1.0
    again = type(cmp).from_dict(json.loads(json.dumps(cmp.to_dict())))
    assert again.dataset.content_changed == 1
    assert next(r for r in again.cases if r.case_id == "b").status == "content_changed"


def test_without_the_hash_the_edit_would_have_failed_the_gate(tmp_path: Path) -> None:
    """The same pair with the hashes removed (runs written before them): the edited case is
    compared as before, and the note says the shared cases could not be checked."""
    base, cand = _edited_pair(tmp_path)
    strip = [replace(r, case_version="") for r in cand.records]
    old = Run(cand.path, cand.manifest, tuple(strip))
    gate = Gate(metric="exact_match", no_new_failures=True)
    cmp = compare(base, old, gates=[gate], allow_dataset_mismatch=True)
    assert {r.case_id: r.status for r in cmp.cases}["b"] == "regression"
    assert not cmp.verdict.passed
    assert "3 shared case(s) cannot be checked for edits" in cmp.dataset.note
    assert "unedited" not in cmp.dataset.note  # they could not be checked (QA13 F8)


def test_every_shared_case_edited_is_refused(tmp_path: Path) -> None:
    v1 = load_eval_set(_write(tmp_path / "v1.jsonl", _cases()))
    rows = [dict(r, input=r["input"] + " Answer in one word.") for r in _cases()]
    v2 = load_eval_set(_write(tmp_path / "v2.jsonl", rows))
    base, cand = _run(tmp_path, "base", v1), _run(tmp_path, "cand", v2)
    with pytest.raises(InputError, match=r"every case id .* \(3\) holds a case that was edited"):
        compare(base, cand, allow_dataset_mismatch=True)


def test_report_shows_the_edited_case_with_its_own_badge(browser: Any, tmp_path: Path) -> None:
    base, cand = _edited_pair(tmp_path)
    cmp = compare(base, cand, allow_dataset_mismatch=True)
    page, watch = open_page(browser, write_report(cmp, tmp_path / "report.html"))
    assert watch.clean, watch
    section = page.locator("#section-0")
    badge = section.locator("tbody .badge.content_changed")
    assert badge.count() == 1 and badge.inner_text() == "content changed"
    counts = section.locator("p.small .badge.content_changed")
    assert counts.inner_text() == "1 content changed"
    assert section.locator(".badge.regression").count() == 0
    notes = " ".join(section.locator("p.note").all_inner_texts())
    assert "1 shared case id(s) hold an edited case (b)" in notes
    # the "changed" filter lists it beside the one-run-only case
    section.locator(".f-status").select_option("changed")
    rows = section.locator("tbody tr:visible .badge").all_inner_texts()
    assert "content changed" in rows and "candidate only" in rows
    # sorted by score drop it has no drop (two questions), so it sorts last, not first
    section.locator(".f-status").select_option("all")
    section.locator('button.sort[data-key="drop"]').click()
    ids = section.locator("tbody tr.case td.id").all_inner_texts()
    assert ids[-2:] == ["b", "d"] or ids[-2:] == ["d", "b"]
    page.close()
