"""The run engine through a real registered provider (tests/helpers/scripted_provider.py)."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run, run_async
from evalkit.errors import ConfigError, RunError, TemplateError
from evalkit.progress import Progress
from evalkit.records import read_run
from evalkit.scoring import Score, ScoreContext, Scorer, scorer
from tests.helpers import scripted_provider as sp
from tests.helpers.scripted_provider import WordCount


def _set(inputs: list[str], **extra: Any) -> EvalSet:
    return EvalSet.from_cases(
        [{"id": f"c{i}", "input": t, **extra} for i, t in enumerate(inputs)], name="unit"
    )


def _cand(key: str, **kw: Any) -> Candidate:
    opts = {"key": key, **kw.pop("options", {})}
    return Candidate(name="cand", provider="scripted", model="gpt-4o-mini", options=opts, **kw)


@pytest.fixture
def key() -> str:
    return uuid.uuid4().hex


def _opts(tmp_path: Path, **kw: Any) -> RunOptions:
    kw.setdefault("out_dir", tmp_path / "run")
    kw.setdefault("cache_dir", tmp_path / "cache")
    kw.setdefault("progress", "off")
    return RunOptions(**kw)


@scorer("echoes", register=False)
def _echoes(ctx: ScoreContext) -> Score:
    return Score(1.0 if ctx.response.text.startswith("echo:") else 0.0, True)


def test_run_writes_records_and_manifest(tmp_path: Path, key: str) -> None:
    es = _set(["hello world", "second case"], tags=["t1"])
    cand = _cand(key, metadata={"source": "evalkit", "team": "qa"})
    result = run(es, cand, [_echoes()], _opts(tmp_path))
    assert [r.key for r in result.records] == [("c0", 0), ("c1", 0)]
    rec = result.records[0]
    assert rec.output == "echo: hello world" and rec.scores["echoes"].value == 1.0
    assert rec.request["metadata"] == {"source": "evalkit", "team": "qa"}
    assert rec.tags == ("t1",) and rec.cost is not None and rec.cost > 0
    m = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert m["status"] == "complete" and m["schema_version"] == 1
    assert m["candidate"] == cand.to_dict()
    assert m["dataset"] == {"name": "unit", "path": None, "version": es.version, "cases": 2}
    assert m["scorers"][0]["name"] == "echoes" and m["repeats"] == 1
    assert {"evalkit_version", "python", "platform", "git", "started_at", "finished_at"} <= set(m)
    c = m["counts"]
    assert c["records"] == 2 and c["errors"] == 0 and c["cache_misses"] == 2
    assert c["input_tokens"] == 4 and c["output_tokens"] == 6
    assert read_run(tmp_path / "run").records == result.records


def test_repeats_are_real_samples(tmp_path: Path, key: str) -> None:
    result = run(_set(["a", "b"]), _cand(key), [], _opts(tmp_path, repeats=3))
    assert sorted(r.key for r in result.records) == [(c, k) for c in ("c0", "c1") for k in range(3)]
    assert len(sp.CALLS[key]) == 6  # the repeat index is part of the cache key
    assert len({r.request_id for r in result.records}) == 6


def test_retries_then_success_and_permanent_errors(tmp_path: Path, key: str) -> None:
    es = _set(
        [
            "ok [[fail:2:rate_limit]]",
            "no [[error:bad_request]]",
            "boom [[crash]]",
            "down [[error:server]]",
        ]
    )
    cand = _cand(key, max_retries=2, options={"retry_after": 0.01})
    result = run(es, cand, [_echoes()], _opts(tmp_path))
    by = {r.case_id: r for r in result.records}
    assert by["c0"].ok and by["c0"].attempts == 3 and by["c0"].scores
    assert by["c1"].error is not None and by["c1"].error.kind == "bad_request"
    assert by["c1"].error.attempts == 1 and by["c1"].error.status == 400
    assert "scripted bad_request error" in by["c1"].error.message
    assert by["c2"].error is not None and by["c2"].error.kind == "provider"
    assert "ValueError: pipeline bug" in by["c2"].error.message
    assert by["c3"].error is not None and by["c3"].error.attempts == 3  # gave up after 2 retries
    assert by["c1"].scores == {}
    counts = result.manifest["counts"]
    assert counts["errors"] == 3
    assert counts["errors_by_kind"] == {"bad_request": 1, "provider": 1, "server": 1}
    assert result.manifest["retries"] == 4 and result.manifest["rate_limited"] == 2


def test_in_flight_bound_per_candidate(tmp_path: Path, key: str) -> None:
    es = _set([f"q{i}" for i in range(40)])
    run(
        es,
        _cand(key, concurrency=16, options={"latency_ms": 5}),
        [],
        _opts(tmp_path, concurrency=4, cache_mode="off"),
    )
    assert sp.MAX_IN_FLIGHT[key] == 4


def test_template_error_fails_before_any_request(tmp_path: Path, key: str) -> None:
    es = EvalSet.from_cases([{"id": "a", "vars": {"x": 1}}, {"id": "b", "vars": {"y": 2}}])
    cand = _cand(key, prompt="value {{ x }}")
    with pytest.raises(TemplateError, match=r"case 'b'.*undefined"):
        run(es, cand, [], _opts(tmp_path))
    assert not sp.CALLS[key] and not (tmp_path / "run" / "results.jsonl").exists()


def test_cache_modes(tmp_path: Path, key: str) -> None:
    es = _set(["a", "b"])
    first = run(es, _cand(key), [], _opts(tmp_path, out_dir=tmp_path / "r1"))
    assert first.manifest["counts"]["cache_misses"] == 2
    again = run(es, _cand(key), [], _opts(tmp_path, out_dir=tmp_path / "r2"))
    assert all(r.cached for r in again.records) and again.manifest["counts"]["cache_hits"] == 2
    assert [r.output for r in again.records] == [r.output for r in first.records]
    assert sum(sp.CALLS[key].values()) == 2
    run(es, _cand(key), [], _opts(tmp_path, out_dir=tmp_path / "r3", cache_mode="refresh"))
    assert sum(sp.CALLS[key].values()) == 4
    off = run(es, _cand(key), [], _opts(tmp_path, out_dir=tmp_path / "r4", cache_mode="off"))
    assert sum(sp.CALLS[key].values()) == 6 and off.manifest["counts"]["cache_misses"] == 0
    req = run(
        _set(["a", "new one"]),
        _cand(key),
        [],
        _opts(tmp_path, out_dir=tmp_path / "r5", cache_mode="require"),
    )
    by = {r.case_id: r for r in req.records}
    assert by["c0"].cached and by["c1"].error is not None
    assert by["c1"].error.kind == "cache_miss" and "case 'c1'" in by["c1"].error.message
    assert sum(sp.CALLS[key].values()) == 6  # require never calls the provider


def test_errors_are_never_cached(tmp_path: Path, key: str) -> None:
    es = _set(["x [[fail:1:auth]]"])
    first = run(es, _cand(key), [], _opts(tmp_path, out_dir=tmp_path / "r1"))
    assert first.records[0].error is not None
    second = run(es, _cand(key), [], _opts(tmp_path, out_dir=tmp_path / "r2"))
    assert second.records[0].ok and not second.records[0].cached


def test_uncacheable_provider_skips_the_cache(tmp_path: Path, key: str) -> None:
    cand = Candidate(name="u", provider="uncacheable", model="m", options={"key": key})
    for i in range(2):
        run(_set(["a"]), cand, [], _opts(tmp_path, out_dir=tmp_path / f"r{i}"))
    assert sum(sp.CALLS[key].values()) == 2


def test_budget_stops_new_requests_and_resume_finishes(tmp_path: Path, key: str) -> None:
    es = _set([f"question number {i}" for i in range(30)])
    # max_tokens 4: each request is reserved at about $4.2e-6 and costs $2.85e-6
    cand = _cand(key, concurrency=1, params={"max_tokens": 4})
    first = run(es, cand, [], _opts(tmp_path, max_cost_usd=1e-5, cache_mode="off"))
    c = first.manifest["counts"]
    assert first.manifest["status"] == "incomplete"
    assert 0 < c["records"] < 30 and c["records"] + c["not_run"] == 30
    assert c["cost_usd"] <= 1e-5  # the estimates are upper bounds: the cap holds exactly
    assert first.manifest["budget"]["exceeded"] is False
    done = run(es, cand, [], _opts(tmp_path, resume=True, cache_mode="off"))
    assert done.manifest["status"] == "complete"
    assert sorted(r.case_id for r in done.records) == sorted(f"c{i}" for i in range(30))
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert len(lines) == 30  # nothing run twice


def test_resume_refuses_a_changed_candidate_or_eval_set(tmp_path: Path, key: str) -> None:
    es = _set(["a", "b"])
    run(es, _cand(key), [], _opts(tmp_path))
    with pytest.raises(RunError, match="candidate changed"):
        run(es, _cand(key, params={"temperature": 0}), [], _opts(tmp_path, resume=True))
    with pytest.raises(RunError, match=r"eval set .* changed"):
        run(_set(["a", "c"]), _cand(key), [], _opts(tmp_path, resume=True))
    with pytest.raises(RunError, match="already holds a run"):
        run(es, _cand(key), [], _opts(tmp_path))


def test_cpu_bound_scorer_runs_in_worker_processes(tmp_path: Path, key: str) -> None:
    import os

    result = run(
        _set(["one two three", "x"]),
        _cand(key),
        [WordCount(min_words=3)],
        _opts(tmp_path, scorer_processes=1),
    )
    scores = [r.scores["word_count"] for r in result.records]
    assert [s.passed for s in scores] == [True, False]  # "echo: one two three", "echo: x"
    assert all(s.details["pid"] != os.getpid() for s in scores)
    assert result.manifest["scorers"] == [
        {
            "name": "word_count",
            "args": {"min_words": 3, "threshold": 0.5},
            "ref": "tests.helpers.scripted_provider:WordCount",
        }
    ]


def test_sync_run_works_inside_a_running_loop(tmp_path: Path, key: str) -> None:
    async def notebook_cell() -> int:
        return len(run(_set(["a"]), _cand(key), [], _opts(tmp_path)).records)

    assert asyncio.run(notebook_cell()) == 1


def test_records_can_be_left_on_disk_only(tmp_path: Path, key: str) -> None:
    result = asyncio.run(
        run_async(_set(["a", "b"]), _cand(key), [], _opts(tmp_path, keep_records=False))
    )
    assert result.records == () and result.manifest["counts"]["records"] == 2
    assert len(read_run(tmp_path / "run").records) == 2


def test_several_candidates_from_a_suite(tmp_path: Path, key: str) -> None:
    from evalkit.config import load_config
    from evalkit.engine import run_suite

    (tmp_path / "ds.jsonl").write_text('{"id": "a", "input": "x"}\n{"id": "b", "input": "y"}\n')
    (tmp_path / "evalkit.toml").write_text(
        f"""
[candidates.one]
provider = "scripted"
model = "gpt-4o-mini"
options = {{ key = "{key}", latency_ms = 20 }}
concurrency = 1
[candidates.two]
provider = "scripted"
model = "gpt-4o"
options = {{ key = "{key}", latency_ms = 20 }}
concurrency = 1
[suites.s]
dataset = "ds.jsonl"
candidates = ["one", "two"]
scorers = ["exact_match"]
repeats = 2
"""
    )
    project = load_config(tmp_path / "evalkit.toml")
    runs = run_suite(project, "s", None, RunOptions(out_dir=tmp_path / "out", progress="off"))
    assert set(runs) == {"one", "two"}
    for name, r in runs.items():
        assert r.path == tmp_path / "out" / name and len(r.records) == 4
        assert r.manifest["suite"] == "s" and r.manifest["repeats"] == 2
        assert (tmp_path / ".evalkit" / "cache" / "responses.sqlite3").is_file()
    assert sp.MAX_IN_FLIGHT[key] == 2  # each candidate its own bound of 1, both at once


class _BrokenInput(sp.ScriptedProvider):
    async def complete(self, request: Any) -> Any:
        if request.case_id == "c3":
            from evalkit.errors import InputError

            raise InputError("replay file broken")
        return await super().complete(request)


def test_an_input_error_from_a_provider_aborts_and_stops_every_worker(
    tmp_path: Path, key: str
) -> None:
    from evalkit.errors import InputError
    from evalkit.providers.base import PROVIDERS

    PROVIDERS.register("broken-input", _BrokenInput)
    cand = Candidate(
        name="b",
        provider="broken-input",
        model="m",
        concurrency=4,
        options={"key": key, "latency_ms": 5},
    )
    with pytest.raises(InputError, match="replay file broken"):
        run(_set([f"q{i}" for i in range(40)]), cand, [], _opts(tmp_path))
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "aborted"
    assert sum(sp.CALLS[key].values()) < 40  # the other workers stopped


def test_replay_answers_are_priced_but_never_spend_the_budget(tmp_path: Path) -> None:
    import json as _json

    from evalkit.config import Candidate
    from evalkit.dataset import EvalSet
    from evalkit.engine import RunOptions, run

    es = EvalSet.from_cases([{"id": f"c{i}", "input": "x"} for i in range(5)])
    replay = tmp_path / "replay.jsonl"
    replay.write_text(
        "".join(
            _json.dumps(
                {
                    "case_id": f"c{i}",
                    "output": "y" * 40,
                    "usage": {"input_tokens": 100000, "output_tokens": 100000},
                }
            )
            + "\n"
            for i in range(5)
        )
    )
    cand = Candidate("r", "replay", "gpt-4o", options={"path": str(replay)})
    out = run(es, cand, (), RunOptions(out_dir=tmp_path / "run", max_cost_usd=0.01, progress=False))
    assert len(out.records) == 5  # nothing left unrun by the budget
    assert all(r.cost and r.cost > 0.01 for r in out.records)  # yet each answer is priced


# ------------------------------------------------------------------ the scorers' end-of-run hook

EVENTS: list[tuple[str, str, int]] = []
"""(scorer label, "score" | "aclose" | "score-open", id of the event loop) in order."""


@dataclass
class CloseSpy(Scorer):
    """Records when it scores and when it is closed, and in which event loop."""

    name: ClassVar[str] = "close_spy"
    label: str = "spy"
    fail_close: bool = False

    async def score(self, ctx: ScoreContext) -> Score:  # type: ignore[override]
        from evalkit.scoring import may_keep_open

        loop = id(asyncio.get_running_loop())
        EVENTS.append((self.label, "score-open" if may_keep_open() else "score", loop))
        await asyncio.sleep(0)
        return Score(1.0, True)

    async def aclose(self) -> None:
        EVENTS.append((self.label, "aclose", id(asyncio.get_running_loop())))
        if self.fail_close:
            raise OSError("socket already gone")


def _closes(label: str = "spy") -> int:
    return sum(1 for lab, what, _ in EVENTS if lab == label and what == "aclose")


def test_each_scorer_is_closed_once_after_the_run_in_its_event_loop(
    tmp_path: Path, key: str
) -> None:
    EVENTS.clear()
    result = run(_set(["a", "b", "c"]), _cand(key), [CloseSpy()], _opts(tmp_path))
    assert result.manifest["status"] == "complete"
    assert [what for _, what, _ in EVENTS] == ["score-open"] * 3 + ["aclose"]
    assert len({loop for _, _, loop in EVENTS}) == 1


def test_scorers_are_closed_when_the_run_aborts_or_is_cancelled(tmp_path: Path, key: str) -> None:
    from evalkit.errors import InputError
    from evalkit.providers.base import PROVIDERS

    EVENTS.clear()
    PROVIDERS.register("broken-input", _BrokenInput)
    cand = Candidate(name="b", provider="broken-input", model="m", options={"key": key})
    with pytest.raises(InputError):
        run(_set([f"q{i}" for i in range(5)]), cand, [CloseSpy()], _opts(tmp_path))
    assert _closes() == 1

    async def cancelled() -> None:
        slow = _cand(key, options={"latency_ms": 5000})
        task = asyncio.ensure_future(
            run_async(_set(["x"]), slow, [CloseSpy(label="c")], _opts(tmp_path / "2"))
        )
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())
    assert _closes("c") == 1


@dataclass
class OtherCloseSpy(CloseSpy):
    name: ClassVar[str] = "other_close_spy"  # scores are keyed by name: two spies, two names


def test_a_failing_close_warns_without_hiding_other_closes_or_the_results(
    tmp_path: Path, key: str
) -> None:
    EVENTS.clear()
    scorers = [CloseSpy(label="bad", fail_close=True), OtherCloseSpy(label="good")]
    with pytest.warns(RuntimeWarning, match=r"scorer 'close_spy': aclose\(\) failed .*OSError"):
        result = run(_set(["a"]), _cand(key), scorers, _opts(tmp_path))
    assert len(result.records) == 1
    assert _closes("bad") == 1 and _closes("good") == 1


def test_a_suite_closes_its_shared_scorers_once_after_every_candidate(tmp_path: Path) -> None:
    from evalkit.config import load_config
    from evalkit.engine import run_suite

    EVENTS.clear()
    (tmp_path / "ds.jsonl").write_text('{"id": "a", "input": "x"}\n')
    (tmp_path / "evalkit.toml").write_text(
        """
[candidates.one]
provider = "scripted"
model = "m"
options = { latency_ms = 50 }
[candidates.two]
provider = "scripted"
model = "m2"
[suites.s]
dataset = "ds.jsonl"
candidates = ["one", "two"]
scorers = ["tests.test_engine:CloseSpy"]
"""
    )
    project = load_config(tmp_path / "evalkit.toml")
    run_suite(project, "s", None, RunOptions(out_dir=tmp_path / "out", progress="off"))
    assert [what for _, what, _ in EVENTS] == ["score-open", "score-open", "aclose"]


@scorer("echoes", register=False)
def _also_named_echoes(ctx: ScoreContext) -> Score:
    return Score(0.0, False)


def test_two_scorers_of_one_name_are_refused_before_any_call(tmp_path: Path, key: str) -> None:
    from evalkit.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        run(_set(["hello"]), _cand(key), [_echoes(), _also_named_echoes()], _opts(tmp_path))
    message = str(err.value)
    assert "two scorers are named 'echoes'" in message
    assert "test_engine:_echoes" in message and "test_engine:_also_named_echoes" in message
    assert "'as' in its entry" in message  # the documented way out (QA11 #10)
    assert not sp.CALLS[key] and not (tmp_path / "run" / "results.jsonl").exists()


def test_a_suite_runs_one_scorer_twice_under_the_names_it_gives(tmp_path: Path) -> None:
    from evalkit.config import load_config
    from evalkit.engine import resume, run_suite
    from evalkit.errors import ConfigError

    (tmp_path / "ds.jsonl").write_text('{"id": "a", "input": "refund in 5 days"}\n')
    body = """
[candidates.one]
provider = "scripted"
model = "m"
[suites.s]
dataset = "ds.jsonl"
candidates = ["one"]
scorers = [
  { name = "contains", as = "says_refund", args = { values = ["refund"] } },
  { name = "contains", as = "says_weeks", args = { values = ["weeks"] } },
]
"""
    (tmp_path / "evalkit.toml").write_text(body)
    project = load_config(tmp_path / "evalkit.toml")
    opts = RunOptions(out_dir=tmp_path / "out", progress="off", cache_mode="off")
    (run_one,) = run_suite(project, "s", None, opts).values()
    scores = run_one.records[0].scores  # the scripted provider echoes the input
    assert scores["says_refund"].passed is True and scores["says_weeks"].passed is False
    assert [s["name"] for s in run_one.manifest["scorers"]] == ["says_refund", "says_weeks"]
    # resumed from the manifest alone (no config), the names stay
    (run_one.path / "results.jsonl").write_text("")
    (tmp_path / "evalkit.toml").unlink()
    (again,) = resume(run_one.path, RunOptions(progress="off", cache_mode="off"))
    assert set(again.records[0].scores) == {"says_refund", "says_weeks"}
    assert again.records[0].scores["says_refund"].passed is True
    # without as, the second is refused, and the message says how to do it
    (tmp_path / "evalkit.toml").write_text(
        body.replace(', as = "says_refund"', "").replace(', as = "says_weeks"', "")
    )
    with pytest.raises(ConfigError, match=r"use the scorer twice"):
        load_config(tmp_path / "evalkit.toml")
    (tmp_path / "evalkit.toml").write_text(body.replace('"says_weeks"', '"says.weeks"'))
    with pytest.raises(ConfigError, match=r"scorers\[1\] as: must be a name"):
        load_config(tmp_path / "evalkit.toml")


def test_when_several_workers_fail_together_every_failure_is_retrieved(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Two candidates of a suite failing in the same tick (an unknown provider in both) raised
    # the first error and left the second unretrieved: asyncio then printed "Task exception
    # was never retrieved" with a full traceback under the CLI's one-line error.
    import gc

    from evalkit.engine_run import all_or_none
    from evalkit.errors import InputError

    async def bad(i: int) -> None:
        raise InputError(f"bad input {i}")

    def main() -> str:
        try:
            asyncio.run(all_or_none([bad(1), bad(2), bad(3)]))
        except InputError as exc:
            return str(exc)
        return ""

    with caplog.at_level("ERROR", logger="asyncio"):
        assert main() == "bad input 1"
        gc.collect()
    assert "never retrieved" not in caplog.text


class _Tally(Progress):
    """A progress sink that keeps its counts, to check what a resumed run reports."""

    last: ClassVar[_Tally | None] = None

    def __init__(self, total: int, **kw: Any) -> None:
        super().__init__(total)
        _Tally.last = self


def _tally(monkeypatch: pytest.MonkeyPatch) -> None:
    import evalkit.progress

    monkeypatch.setattr(evalkit.progress, "make_progress", lambda mode, total, **kw: _Tally(total))


def test_retry_errors_reruns_errored_and_missing_pairs_once(
    tmp_path: Path, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # c1 fails its first call per repeat, c2 always; max_retries=0 records them as errors
    es = _set(["fine", "flaky [[fail:1:server]]", "down [[error:server]]", "other"])
    cand = _cand(key, max_retries=0)
    first = run(es, cand, [_echoes()], _opts(tmp_path, repeats=2))
    assert first.manifest["counts"]["errors"] == 4
    results = tmp_path / "run" / "results.jsonl"
    lines = results.read_text().splitlines(keepends=True)
    missing = next(i for i, s in enumerate(lines) if '"case_id": "c3"' in s)
    results.write_text("".join(lines[:missing] + lines[missing + 1 :]))  # as if killed
    calls_before = dict(sp.CALLS[key])
    _tally(monkeypatch)

    again = run(es, cand, [_echoes()], _opts(tmp_path, repeats=2, resume=True, retry_errors=True))

    calls = {k: n - calls_before.get(k, 0) for k, n in sp.CALLS[key].items()}
    lost = json.loads(lines[missing])
    # one call per errored pair (errors are never cached), none for the others; the missing
    # pair is run again too, and its answer comes from the cache
    retried = {("c1", 0), ("c1", 1), ("c2", 0), ("c2", 1)}
    assert {k for k, n in calls.items() if n} == retried and set(calls.values()) == {0, 1}
    keys = [r.key for r in again.records]
    assert len(keys) == len(set(keys)) == 8
    assert sorted(again.records, key=lambda r: r.key) == sorted(
        read_run(tmp_path / "run").records, key=lambda r: r.key
    )
    by = {r.key: r for r in again.records}
    assert by[(lost["case_id"], lost["repeat"])].cached
    assert by[("c1", 0)].ok and by[("c1", 1)].ok and by[("c2", 0)].error is not None
    c = again.manifest["counts"]
    assert c["records"] == 8 and c["errors"] == 2 and c["errors_by_kind"] == {"server": 2}
    assert c["output_tokens"] == sum(r.usage.output_tokens or 0 for r in again.records)
    assert c["cost_usd"] == pytest.approx(sum(r.cost or 0 for r in again.records))
    assert again.manifest["retry_errors"] == {
        "errored": 4, "retried": 4, "ok": 2, "not_retried": 0,
    }  # fmt: skip
    assert again.manifest["status"] == "complete"
    tally = _Tally.last
    assert tally is not None and tally.total == 8 and tally.done == 8
    assert tally.errors == 2 and tally._skipped == 3  # 8 - 4 errored - 1 missing


def test_retry_errors_needs_resume(tmp_path: Path, key: str) -> None:
    from evalkit.errors import InputError

    with pytest.raises(InputError, match="pass resume=True"):
        run(_set(["a"]), _cand(key), [], _opts(tmp_path, retry_errors=True))
    assert not sp.CALLS[key]


def test_a_retry_the_budget_stops_keeps_the_errored_records(tmp_path: Path, key: str) -> None:
    es = _set([f"q {i} [[fail:1:server]]" for i in range(6)])
    # max_tokens 4: each retry is reserved at about $4.35e-6 and costs $2.25e-6, so a cap of
    # $5e-6 lets exactly one through
    cand = _cand(key, max_retries=0, concurrency=1, params={"max_tokens": 4})
    run(es, cand, [], _opts(tmp_path, cache_mode="off"))
    again = run(
        es,
        cand,
        [],
        _opts(tmp_path, resume=True, retry_errors=True, max_cost_usd=5e-6, cache_mode="off"),
    )
    r = again.manifest["retry_errors"]
    assert r["retried"] == 1 and r["not_retried"] == 5 and r["errored"] == 6
    assert again.manifest["status"] == "incomplete"
    c = again.manifest["counts"]
    assert c["records"] == 6 and c["errors"] == 5 and c["not_run"] == 0
    assert sorted(r.key for r in again.records) == [(f"c{i}", 0) for i in range(6)]
    assert [x.ok for x in read_run(tmp_path / "run").records].count(True) == 1
    # a plain resume leaves errors alone; another retry finishes them
    plain = run(es, cand, [], _opts(tmp_path, resume=True, cache_mode="off"))
    assert plain.manifest["counts"]["errors"] == 5 and "retry_errors" not in plain.manifest
    done = run(es, cand, [], _opts(tmp_path, resume=True, retry_errors=True, cache_mode="off"))
    assert done.manifest["counts"]["errors"] == 0 and done.manifest["status"] == "complete"
    assert sum(sp.CALLS[key].values()) == 12


def test_a_suite_retries_its_errors_through_run_suite(tmp_path: Path, key: str) -> None:
    """What ``evaluate(..., options=RunOptions(out_dir=..., resume=True, retry_errors=True))``
    does: every candidate's folder is resumed and its errored pairs retried."""
    from evalkit.config import load_config
    from evalkit.engine import run_suite

    (tmp_path / "ds.jsonl").write_text(
        '{"id": "a", "input": "x"}\n{"id": "b", "input": "y [[fail:1:auth]]"}\n'
    )
    (tmp_path / "evalkit.toml").write_text(
        "".join(
            f"""
[candidates.{n}]
provider = "scripted"
model = "{m}"
options = {{ key = "{key}-{n}" }}
max_retries = 0
"""
            for n, m in (("one", "gpt-4o-mini"), ("two", "gpt-4o"))
        )
        + '[suites.s]\ndataset = "ds.jsonl"\ncandidates = ["one", "two"]\n'
    )
    project = load_config(tmp_path / "evalkit.toml")
    opts = RunOptions(out_dir=tmp_path / "out", progress="off", cache_dir=tmp_path / "c")
    first = run_suite(project, "s", None, opts)
    assert all(r.manifest["counts"]["errors"] == 1 for r in first.values())
    runs = run_suite(project, "s", None, replace(opts, resume=True, retry_errors=True))
    for r in runs.values():
        assert len(r.records) == 2 and all(x.ok for x in r.records)
        assert len(read_run(r.path).records) == 2 and r.manifest["counts"]["errors"] == 0
    # 4 calls in the first run, then one retry per candidate
    assert sum(sum(sp.CALLS[f"{key}-{n}"].values()) for n in ("one", "two")) == 6


class _InputOnlyUsage(sp.ScriptedProvider):
    """Reports the input token count but not the output count (some gateways do)."""

    async def complete(self, request: Any) -> Any:
        resp = await super().complete(request)
        return replace(resp, usage=replace(resp.usage, output_tokens=None))


def test_a_half_reported_usage_is_completed_by_estimate_and_priced(
    tmp_path: Path, key: str
) -> None:
    from evalkit.pricing import cost_of, estimate_tokens
    from evalkit.scorers.cost import Cost

    cand = Candidate(
        name="cand",
        provider="tests.test_engine:_InputOnlyUsage",
        model="gpt-4o-mini",
        options={"key": key},
    )
    (rec,) = run(_set(["hello there world"]), cand, [Cost()], _opts(tmp_path)).records
    assert rec.usage.input_tokens == 3  # the provider's count is kept
    assert rec.usage.output_tokens == estimate_tokens(rec.output)  # only the missing one
    assert rec.usage.estimated is True
    assert rec.cost is not None and rec.cost == cost_of("gpt-4o-mini", rec.usage)
    score = rec.scores["cost"]
    assert score.details["cost_usd"] == rec.cost and score.details["estimated"] is True
    assert score.details["output_tokens"] == rec.usage.output_tokens


class _ReportsOtherModel(sp.ScriptedProvider):
    """Reports having used the model named in its ``reported`` option (a router, a gateway)."""

    async def complete(self, request: Any) -> Any:
        resp = await super().complete(request)
        return replace(resp, model=str(self.settings.options["reported"]))


@pytest.mark.parametrize(
    ("requested", "reported", "priced"),
    [
        ("gpt-4o-mini", "gpt-4o-2024-08-06", "gpt-4o-mini"),  # the requested model is priced
        ("acme-router-auto", "gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),  # only the reported
    ],
)
def test_record_and_cost_score_price_the_same_model(
    tmp_path: Path, key: str, requested: str, reported: str, priced: str
) -> None:
    from evalkit.pricing import cost_of
    from evalkit.scorers.cost import Cost

    cand = Candidate(
        name="cand",
        provider="tests.test_engine:_ReportsOtherModel",
        model=requested,
        options={"key": key, "reported": reported},
    )
    (rec,) = run(_set(["hello there world"]), cand, [Cost()], _opts(tmp_path)).records
    assert rec.cost is not None and rec.cost == cost_of(priced, rec.usage)
    details = rec.scores["cost"].details
    assert details["model"] == priced and details["reported_model"] == reported
    assert details["cost_usd"] == rec.cost
    assert details["price_source"] is not None and not details["price_source"].startswith("engine")


def test_the_cost_score_names_a_reported_model_the_config_prices(tmp_path: Path, key: str) -> None:
    # The requested deployment has no price; the config's [prices] re-prices the reported
    # model. The scorer cannot see that table, and named the deployment as the priced model
    # (with "the run's price table" as its source) before the engine passed its choice on.
    from evalkit.scorers.cost import Cost

    cand = Candidate(
        name="cand",
        provider="tests.test_engine:_ReportsOtherModel",
        model="acme-deployment",
        options={"key": key, "reported": "gpt-4o-2024-08-06"},
    )
    prices = {"gpt-4o": {"input": 100.0, "output": 100.0, "source": "our contract"}}
    (rec,) = run(
        _set(["hello there world"]), cand, [Cost()], _opts(tmp_path, prices=prices)
    ).records
    total = (rec.usage.input_tokens or 0) + (rec.usage.output_tokens or 0)
    assert rec.cost == pytest.approx(total * 100.0 / 1e6)
    details = rec.scores["cost"].details
    assert details["model"] == "gpt-4o-2024-08-06" and details["cost_usd"] == rec.cost
    assert details["price_source"] == "gpt-4o: our contract"


def test_bad_prices_in_code_fail_before_any_call(tmp_path: Path, key: str) -> None:
    # RunOptions(prices=...) skips the config's check at load: a per-1K rate used to pass
    # until the first priced response, aborting the run after paying for that call.
    bad = {"gpt-4o-mini": {"input": 0.00015, "output": -1}}
    with pytest.raises(ConfigError) as exc:
        run(_set(["a", "b"]), _cand(key), [], _opts(tmp_path, prices=bad))
    assert sp.CALLS[key] == {}  # the provider was never called
    assert not (tmp_path / "run" / "results.jsonl").exists()
    text = str(exc.value)
    assert "RunOptions.prices gpt-4o-mini" in text
    assert "'input' = 0.00015" in text and "'output' = -1" in text  # every problem at once
    # A good table still prices the run by it.
    good = {"gpt-4o-mini": {"input": 1000.0, "output": 0.0}}
    rec = run(_set(["a"]), _cand(key), [], _opts(tmp_path, prices=good)).records[0]
    assert rec.usage.input_tokens and rec.cost == pytest.approx(rec.usage.input_tokens / 1000)


def test_a_prompt_file_that_is_not_utf8_is_an_input_error_before_any_call(
    tmp_path: Path, key: str
) -> None:
    # The fingerprint reads the template; a latin-1 file raised a bare UnicodeDecodeError.
    (tmp_path / "p.j2").write_bytes("Q: {{ input }} caf\u00e9".encode("latin-1"))
    cand = _cand(key, prompt_file="p.j2", base_dir=str(tmp_path))
    with pytest.raises(TemplateError, match=r"p\.j2: cannot read the prompt template of candidate"):
        run(_set(["hello"]), cand, [], _opts(tmp_path))
    assert not (tmp_path / "run" / "results.jsonl").exists()
    assert not sp.CALLS[key]


def test_a_provider_that_is_never_cached_counts_no_cache_misses(tmp_path: Path, key: str) -> None:
    # A replay file or a callable without cacheable = true is never looked up in the cache;
    # its run said "cache hits 0, misses 2" as if every answer had been a paid miss.
    never = Candidate(name="cand", provider="uncacheable", model="m", options={"key": key})
    out = run(_set(["a", "b"]), never, [], _opts(tmp_path))
    assert out.manifest["counts"]["cache_misses"] == 0
    assert out.manifest["cache"]["used"] is False
    cached = run(_set(["a", "b"]), _cand(key), [], _opts(tmp_path, out_dir=tmp_path / "r2"))
    assert cached.manifest["counts"]["cache_misses"] == 2
    assert cached.manifest["cache"]["used"] is True
    resumed = run(_set(["a", "b"]), never, [], _opts(tmp_path, resume=True))
    assert resumed.manifest["counts"]["cache_misses"] == 0  # recounted on resume too


def test_the_run_summary_says_when_the_cache_was_not_used(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from evalkit.cli.run import print_summary

    never = Candidate(name="cand", provider="uncacheable", model="m", options={"key": key})
    print_summary(run(_set(["a"]), never, [], _opts(tmp_path)))
    assert "cache not used; tokens in" in capsys.readouterr().out


def test_a_provider_error_fails_only_the_scorers_that_apply_to_its_case(
    tmp_path: Path, key: str
) -> None:
    # A suite mixing kinds of cases (skip_missing): a provider error on a case without
    # context counted as a groundedness failure too, so 2 errors in 4 cases read
    # "groundedness 33% over 3 cases" when only 2 cases have context.
    from evalkit.aggregate import aggregate
    from evalkit.scorers.groundedness import Groundedness
    from evalkit.scorers.text import Contains

    ctx = [{"id": "p", "text": "Refunds take 5 days."}]
    es = EvalSet.from_cases(
        [
            {"id": "a", "input": "Refunds take 5 days.", "context": ctx},
            {"id": "b", "input": "Refunds take 5 days. [[error:bad_request]]", "context": ctx},
            {"id": "c", "input": "hello", "expected": "hello"},
            {"id": "d", "input": "hello [[error:bad_request]]", "expected": "hello"},
        ],
        name="mixed",
    )
    g = Groundedness()
    g.skip_missing = True
    c = Contains()
    c.skip_missing = True
    out = run(es, _cand(key), [g, c], _opts(tmp_path))
    by_id = {r.case_id: r for r in out.records}
    assert by_id["b"].skipped == ("contains",) and by_id["d"].skipped == ("groundedness",)
    from evalkit.records import read_run

    # Counted the same from the run in memory and from its file (a resumed or re-read run).
    for records in (out.records, read_run(out.path).records):
        agg = aggregate(records)
        grounded, contains = agg.scorer("groundedness"), agg.scorer("contains")
        assert grounded is not None and contains is not None
        assert grounded.cases == 2 and grounded.errors == 1  # a and b, not d
        assert grounded.pass_rate.value == pytest.approx(0.5)
        assert contains.cases == 2 and contains.errors == 1  # c and d, not b
    # Re-scored with other scorers, an errored record names the ones that skip it now.
    from evalkit.rescoring import rescore

    only = Contains()
    only.skip_missing = True
    again = rescore(out.path, tmp_path / "again", [only], eval_set=es, progress="off")
    skipped = {r.case_id: r.skipped for r in again.records if r.error is not None}
    assert skipped == {"b": ("contains",), "d": ()}


def test_counts_say_what_cached_answers_cost_and_the_summary_that_it_was_not_paid(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from evalkit.cli._run_summary import print_summary

    es = _set(["a", "b", "c"])
    cache = tmp_path / "cache"
    first = run(es, _cand(key), [], _opts(tmp_path, out_dir=tmp_path / "one", cache_dir=cache))
    assert first.manifest["counts"]["cost_cached_usd"] == 0.0
    # the same cache: every answer is served from it
    again = run(es, _cand(key), [], _opts(tmp_path, out_dir=tmp_path / "two", cache_dir=cache))
    c = again.manifest["counts"]
    assert c["cache_hits"] == 3 and c["cost_usd"] > 0
    assert c["cost_cached_usd"] == pytest.approx(c["cost_usd"])
    print_summary(again)
    assert (
        f"${c['cost_usd']:.4f} of it for cached answers, not paid again" in capsys.readouterr().out
    )
