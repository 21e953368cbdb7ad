"""Re-scoring a finished run (evalkit/rescore.py) through a real run of the scripted provider."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from evalkit.config import Candidate
from evalkit.dataset import EvalSet, load_eval_set
from evalkit.engine import RunOptions, run
from evalkit.errors import ConfigError, InputError, RunError
from evalkit.records import Run, read_run
from evalkit.rescoring import rescore, rescore_all, rescore_async
from evalkit.scoring import Score, ScoreContext, Scorer, build_scorer
from tests.helpers import scripted_provider as sp
from tests.helpers.scripted_provider import WordCount

CASES = [
    {"id": "c0", "input": "hello world", "expected": ["hello"]},
    {"id": "c1", "input": "one two three four", "expected": ["five"]},
    {"id": "c2", "input": "x [[error:auth]]", "expected": ["x"]},
]


@dataclass
class Slow(Scorer):
    """An async scorer that never finishes: for cancelling a re-score mid-way."""

    name: ClassVar[str] = "slow"

    async def score(self, ctx: ScoreContext) -> Score:  # type: ignore[override]
        await asyncio.sleep(3600)
        return Score(1.0, True)


def _dataset(tmp_path: Path) -> Path:
    path = tmp_path / "ds.jsonl"
    tmp_path.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    return path


def _run(tmp_path: Path, key: str, scorers: list[Scorer], repeats: int = 1) -> Run:
    cand = Candidate(name="cand", provider="scripted", model="gpt-4o-mini", options={"key": key})
    opts = RunOptions(
        out_dir=tmp_path / "run",
        cache_dir=tmp_path / "cache",
        progress="off",
        repeats=repeats,
        keep_records=False,
    )
    run(load_eval_set(_dataset(tmp_path)), cand, scorers, opts)
    return read_run(tmp_path / "run")


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _kept(record: Any) -> dict[str, Any]:
    """A record without its scores: what a re-score must leave as it was."""
    d = record.to_dict()
    del d["scores"]
    return d


@pytest.fixture
def key() -> str:
    return uuid.uuid4().hex


def test_changed_arguments_and_an_added_scorer_rescore_without_the_provider(
    tmp_path: Path, key: str
) -> None:
    source = _run(tmp_path, key, [WordCount(min_words=3)], repeats=2)
    before, calls = _hashes(tmp_path / "run"), sum(sp.CALLS[key].values())
    assert calls == 6  # c2's auth error is not retried

    new = rescore(tmp_path / "run", tmp_path / "new", [WordCount(min_words=4), "contains"])

    assert sum(sp.CALLS[key].values()) == calls  # the provider was not asked again
    assert _hashes(tmp_path / "run") == before  # the source run is byte-identical
    by_key = {r.key: r for r in new.records}
    assert [r.key for r in new.records] == [r.key for r in source.records]
    # "echo: hello world" has 3 words: passed at min_words=3, fails at 4
    source_by_key = {r.key: r for r in source.records}  # records are written as they finish
    assert source_by_key[("c0", 0)].scores["word_count"].passed is True
    assert by_key[("c0", 0)].scores["word_count"].passed is False
    assert by_key[("c1", 1)].scores["word_count"].passed is True
    assert by_key[("c0", 0)].scores["contains"].passed is True  # added scorer: "hello"
    assert by_key[("c1", 0)].scores["contains"].passed is False  # "five" is not in it
    for old in source.records:
        assert _kept(by_key[old.key]) == _kept(old)  # response, usage, cost, request, ...
    errored = by_key[("c2", 0)]
    assert errored.error is not None and errored.error.kind == "auth" and errored.scores == {}
    m, old_m = new.manifest, source.manifest
    assert m["run_id"] != old_m["run_id"] and m["status"] == "complete"
    assert m["rescored_from"]["run_id"] == old_m["run_id"]
    assert m["rescored_from"]["path"] == str((tmp_path / "run").resolve())
    # the provider's totals stay; the per-scorer counts are the new scorers'
    provider_counts = ("records", "errors", "errors_by_kind", "cost_usd", "input_tokens")
    assert all(m["counts"][k] == old_m["counts"][k] for k in provider_counts)
    assert old_m["counts"]["scored"] == {"word_count": 4}
    assert m["counts"]["scored"] == {"contains": 4, "word_count": 4}
    assert m["counts"]["scorer_errors"] == {} and m["dataset"] == old_m["dataset"]
    assert m["candidate"] == old_m["candidate"] and m["started_at"] == old_m["started_at"]
    assert [s["name"] for s in m["scorers"]] == ["word_count", "contains"]
    assert m["scorers"][0]["args"]["min_words"] == 4
    assert m["finished_at"] >= m["rescored_from"]["at"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".new.rescore-")]


def test_without_scorers_the_recorded_ones_are_rebuilt(tmp_path: Path, key: str) -> None:
    source = _run(tmp_path, key, [WordCount(min_words=4), build_scorer("fuzzy", threshold=0.3)])
    new = rescore(tmp_path / "run", tmp_path / "new", progress="off")
    assert new.manifest["scorers"] == source.manifest["scorers"]
    for old, again in zip(source.records, new.records, strict=True):
        assert {k: s.to_dict() for k, s in again.scores.items()} == {
            k: s.to_dict() for k, s in old.scores.items()
        }


def test_a_cpu_bound_scorer_runs_in_the_pool(tmp_path: Path, key: str) -> None:
    _run(tmp_path, key, [])
    new = rescore(tmp_path / "run", tmp_path / "new", [WordCount()], scorer_processes=1)
    pids = {r.scores["word_count"].details["pid"] for r in new.records if r.ok}
    assert len(pids) == 1 and os.getpid() not in pids


def test_a_changed_eval_set_is_refused(tmp_path: Path, key: str) -> None:
    _run(tmp_path, key, [WordCount()])
    ds = tmp_path / "ds.jsonl"
    ds.write_text(ds.read_text().replace("hello world", "hello there"))
    with pytest.raises(RunError, match=r"changed since the run .*--dataset FILE"):
        rescore(tmp_path / "run", tmp_path / "new")
    assert not (tmp_path / "new").exists()
    # the same eval set elsewhere is accepted with eval_set=, and recorded as the new path
    moved = tmp_path / "moved.jsonl"
    moved.write_text("".join(json.dumps(c) + "\n" for c in CASES))
    new = rescore(tmp_path / "run", tmp_path / "new", eval_set=moved)
    assert new.manifest["dataset"]["path"] == str(moved.resolve())


def test_an_existing_out_is_refused_an_empty_one_is_used(tmp_path: Path, key: str) -> None:
    _run(tmp_path, key, [WordCount()])
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(RunError, match=r"full: already exists .*choose another --out or delete"):
        rescore(tmp_path / "run", tmp_path / "full")
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"
    with pytest.raises(RunError, match="inside the run being re-scored"):
        rescore(tmp_path / "run", tmp_path / "run" / "again")
    (tmp_path / "empty").mkdir()
    assert len(rescore(tmp_path / "run", tmp_path / "empty").records) == 3


def test_bad_scorers_and_missing_case_fields_are_refused_before_scoring(
    tmp_path: Path, key: str
) -> None:
    _run(tmp_path, key, [WordCount()])
    with pytest.raises(ConfigError, match="exact_match"):
        rescore(tmp_path / "run", tmp_path / "new", ["exact_matc"])
    with pytest.raises(InputError, match=r"'groundedness' needs case field.*'context'"):
        rescore(tmp_path / "run", tmp_path / "new", ["groundedness"])
    with pytest.raises(InputError, match="is not a scorer"):
        rescore(tmp_path / "run", tmp_path / "new", [42])  # type: ignore[list-item]
    with pytest.raises(RunError, match="not a run folder"):
        rescore(tmp_path / "nowhere", tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_an_unfinished_run_is_refused(tmp_path: Path, key: str) -> None:
    _run(tmp_path, key, [WordCount()])
    mpath = tmp_path / "run" / "manifest.json"
    m = json.loads(mpath.read_text())
    mpath.write_text(json.dumps({**m, "status": "running"}))
    with pytest.raises(RunError, match=r"not finished.*evalkit run --resume"):
        rescore(tmp_path / "run", tmp_path / "new")


def test_duplicate_lines_are_written_once_the_last_winning(tmp_path: Path, key: str) -> None:
    source = _run(tmp_path, key, [WordCount()])
    results = tmp_path / "run" / "results.jsonl"
    last = json.loads(results.read_text().splitlines()[0])
    last["output"] = "a retried answer"
    with results.open("a") as fh:
        fh.write(json.dumps(last) + "\n")
    rescore(tmp_path / "run", tmp_path / "new", ["contains"])
    lines = [json.loads(x) for x in (tmp_path / "new" / "results.jsonl").read_text().splitlines()]
    assert [(d["case_id"], d["repeat"]) for d in lines] == [r.key for r in source.records]
    assert lines[0]["output"] == "a retried answer"


def test_an_eval_set_built_in_python_must_be_given(tmp_path: Path, key: str) -> None:
    es = EvalSet.from_cases(CASES, name="inline")
    cand = Candidate(name="cand", provider="scripted", model="m", options={"key": key})
    run(es, cand, [], RunOptions(out_dir=tmp_path / "run", cache_mode="off", progress="off"))
    with pytest.raises(RunError, match=r"built in Python.*eval_set="):
        rescore(tmp_path / "run", tmp_path / "new", ["contains"])
    new = rescore(tmp_path / "run", tmp_path / "new", ["contains"], eval_set=es)
    assert new.records[0].scores["contains"].passed is True


def test_a_cancelled_rescore_leaves_nothing(tmp_path: Path, key: str) -> None:
    _run(tmp_path, key, [])

    async def main() -> None:
        task = asyncio.ensure_future(rescore_async(tmp_path / "run", tmp_path / "new", [Slow()]))
        while not [p for p in tmp_path.iterdir() if ".rescore-" in p.name]:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert not (tmp_path / "new").exists()
    assert not [p for p in tmp_path.iterdir() if ".rescore-" in p.name]


def test_a_folder_of_runs_per_candidate(tmp_path: Path, key: str) -> None:
    one = _run(tmp_path / "a", key, [WordCount()])
    two = _run(tmp_path / "b", key, [WordCount()])
    folder = tmp_path / "suite"
    folder.mkdir()
    (tmp_path / "a" / "run").rename(folder / "one")
    (tmp_path / "b" / "run").rename(folder / "two")
    with pytest.raises(RunError, match=r"one run per candidate .*rescore_all"):
        rescore(folder, tmp_path / "new")
    runs = rescore_all(folder, tmp_path / "new", ["contains"], progress="off")
    assert [r.path for r in runs] == [tmp_path / "new" / "one", tmp_path / "new" / "two"]
    assert [r.manifest["rescored_from"]["run_id"] for r in runs] == [
        one.manifest["run_id"],
        two.manifest["run_id"],
    ]
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["one", "two"]


def test_evalkit_rescore_is_the_function_even_after_its_module_is_imported(
    tmp_path: Path, key: str
) -> None:
    import evalkit.rescoring  # what the CLI imports; must not shadow the function

    _run(tmp_path, key, [WordCount()])
    assert evalkit.rescore is rescore and "rescore" in evalkit.__all__
    assert evalkit.rescore(tmp_path / "run", tmp_path / "new").path == tmp_path / "new"


def test_resuming_with_other_scorers_names_the_score_command(tmp_path: Path, key: str) -> None:
    _run(tmp_path, key, [WordCount()])
    cand = Candidate(name="cand", provider="scripted", model="gpt-4o-mini", options={"key": key})
    opts = RunOptions(out_dir=tmp_path / "run", resume=True, progress="off")
    with pytest.raises(RunError, match=r"evalkit score \S+run --out NEW_DIR"):
        run(load_eval_set(tmp_path / "ds.jsonl"), cand, [build_scorer("contains")], opts)
