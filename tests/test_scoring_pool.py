"""The scoring pool with real worker processes: dead workers, cancellation, bounded shutdown."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run, run_async
from evalkit.providers.base import Response
from evalkit.scoring import Score, ScoreContext, scorer
from evalkit.scoring_pool import ScoringPool
from tests.helpers import scripted_provider as _registers_scripted  # noqa: F401
from tests.helpers.pool_scorers import Dies, KillsSome, Sleeps, StaysHome, alive

CASES = EvalSet.from_cases(
    [{"id": f"c{i}", "input": t} for i, t in enumerate(["one", "die", "two", "sleep"])]
)


@scorer("length", register=False)
def _length(ctx: ScoreContext) -> Score:
    return Score(1.0, True, str(len(ctx.response.text)))


def ctx(i: int) -> ScoreContext:
    case = CASES.cases[i]
    assert isinstance(case.input, str)
    return ScoreContext(case, Response(text=case.input))


def gone(pids: set[int], within_s: float = 5.0) -> bool:
    """Whether every pid has exited (the forkserver reaps its children a moment later)."""
    deadline = time.monotonic() + within_s
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def pool_threads() -> list[threading.Thread]:
    """The executors' management threads still running (the interpreter joins them at exit)."""
    return [t for t in threading.enumerate() if type(t).__module__ == "concurrent.futures.process"]


def test_a_dead_worker_makes_that_record_a_scorer_error_and_a_new_pool_goes_on() -> None:
    async def main() -> list[dict[str, Score]]:
        pool = ScoringPool([_length(), Dies()], processes=1)
        try:
            return [await pool.score(ctx(i)) for i in (0, 1, 2)]
        finally:
            await pool.aclose()

    before, died, after = asyncio.run(main())
    assert before["dies"].passed is True and after["dies"].passed is True
    assert died["length"].passed is True  # the record's in-process score is kept
    err = died["dies"].error
    assert err is not None and err.startswith("case 'c1': scorer 'dies': its worker process died")
    assert "BrokenProcessPool" in err and "scorer_processes=0" in err
    assert list(died) == ["length", "dies"]  # the scorers' order
    pids = {before["dies"].details["pid"], after["dies"].details["pid"]}
    assert len(pids) == 2 and os.getpid() not in pids  # a new worker after the death
    assert gone(pids) and not pool_threads()


def test_workers_that_keep_dying_are_given_up_on_not_retried_in_process() -> None:
    async def main() -> tuple[list[dict[str, Score]], int]:
        pool = ScoringPool([Dies()], processes=1, max_deaths=3)
        try:
            return [await pool.score(ctx(1)) for _ in range(3)], pool.deaths
        finally:
            await pool.aclose()

    results, deaths = asyncio.run(main())
    # the shared pool's break, then the record alone twice; the third time it is not tried
    assert deaths == 3
    errors = [r["dies"].error or "" for r in results]
    assert all("worker process died while scoring this case alone" in e for e in errors[:2])
    assert "died 3 times in this run" in errors[2]
    assert not pool_threads()


def test_only_the_records_that_kill_a_worker_lose_their_score(tmp_path: Path) -> None:
    killers = {"k5", "k19", "k30"}
    cases = EvalSet.from_cases([{"id": f"k{i}", "input": "x"} for i in range(40)]).cases
    kills = KillsSome(kill=tuple(sorted(killers)), work_s=0.02, pid_dir=str(tmp_path))

    async def main() -> tuple[dict[str, dict[str, Score]], ScoringPool]:
        pool = ScoringPool([_length(), kills], processes=2)
        in_flight = asyncio.Semaphore(16)  # like a run's concurrency: 16 records in the pool

        async def one(i: int) -> tuple[str, dict[str, Score]]:
            async with in_flight:
                return cases[i].id, await pool.score(ScoreContext(cases[i], Response(text="x")))

        try:
            return dict(await asyncio.gather(*(one(i) for i in range(len(cases))))), pool
        finally:
            await pool.aclose()

    out, pool = asyncio.run(main())
    failed = {cid for cid, scores in out.items() if scores["kills_some"].error}
    assert failed == killers
    for cid in killers:
        err = out[cid]["kills_some"].error or ""
        assert err.startswith(f"case {cid!r}: scorer 'kills_some': its worker process died")
    assert all(out[c]["kills_some"].passed for c in out if c not in killers)
    assert all(scores["length"].passed for scores in out.values())  # in-process scores kept
    assert pool.deaths == 1 + len(killers)  # the shared pool once, then each killer alone
    assert pool.rescored >= 8  # healthy records in flight at the break were scored again
    pids = {int(p.name) for p in tmp_path.iterdir()}
    assert len(pids) >= 2 + len(killers) and gone(pids) and not pool_threads()


async def cancel_a_sleeping_score_then_close(pool: ScoringPool, pid_dir: Path) -> float:
    """Score the "sleep" case, cancel it once its worker has started, and return how long
    closing the pool then takes."""
    task = asyncio.ensure_future(pool.score(ctx(3)))
    while not any(pid_dir.iterdir()):
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    t0 = time.monotonic()
    await pool.aclose(abort=True)
    return time.monotonic() - t0


def test_alone_the_other_worker_scorers_keep_their_scores_and_cancelling_is_quick(
    tmp_path: Path,
) -> None:
    async def main() -> tuple[dict[str, Score], float]:
        pool = ScoringPool([Dies(), Sleeps(pid_dir=str(tmp_path))], processes=1)
        died = await pool.score(ctx(1))  # "die": breaks the shared pool, then dies alone
        # the "sleep" record, alone from now on
        return died, await cancel_a_sleeping_score_then_close(pool, tmp_path)

    died, took = asyncio.run(main())
    assert "died while scoring this case alone" in (died["dies"].error or "")
    assert died["sleeps"].passed is True  # scored alone, in its own worker
    [pid] = [int(p.name) for p in tmp_path.iterdir()]
    assert took < 4.0 and gone({pid}) and not pool_threads()


def test_a_scorer_that_does_not_load_in_a_worker_is_scored_in_process_and_says_why() -> None:
    async def main() -> list[dict[str, Score]]:
        pool = ScoringPool([StaysHome()], processes=1)
        try:
            return [await pool.score(ctx(i)) for i in (0, 2)]
        finally:
            await pool.aclose()

    with pytest.warns(RuntimeWarning) as seen:
        outs = asyncio.run(main())
    (w,) = seen  # once, not once per record
    assert str(w.message).startswith(
        "scorer 'stays_home' is cpu_bound but is scored in-process (slower), because a worker "
        "process could not load scorer 'stays_home' (RuntimeError: this scorer cannot be "
        "loaded in a worker)"
    )
    for out in outs:
        assert out["stays_home"].passed is True
        assert out["stays_home"].details["pid"] == os.getpid()
    assert not pool_threads()


def test_close_after_a_cancellation_terminates_a_busy_worker_quickly(tmp_path: Path) -> None:
    async def main() -> float:
        pool = ScoringPool([Sleeps(pid_dir=str(tmp_path))], processes=1)
        return await cancel_a_sleeping_score_then_close(pool, tmp_path)

    took = asyncio.run(main())
    [pid] = [int(p.name) for p in tmp_path.iterdir()]
    assert took < 4.0  # not the scorer's 60 s
    assert gone({pid}) and not pool_threads()


# ------------------------------------------------------------------ through the engine


def _cand(**kw: object) -> Candidate:
    opts = {"key": uuid.uuid4().hex}
    return Candidate(name="cand", provider="scripted", model="gpt-4o-mini", options=opts, **kw)  # type: ignore[arg-type]


def test_a_run_with_a_dying_worker_completes_with_every_record(tmp_path: Path) -> None:
    es = EvalSet.from_cases(
        [{"id": f"c{i}", "input": "die" if i == 2 else f"ok {i}"} for i in range(6)]
    )
    result = run(
        es,
        _cand(concurrency=1),
        [_length(), Dies()],
        RunOptions(out_dir=tmp_path / "run", progress="off", cache_mode="off", scorer_processes=1),
    )
    assert result.manifest["status"] == "complete"
    assert [r.case_id for r in result.records] == [f"c{i}" for i in range(6)]
    by_case = {r.case_id: r.scores for r in result.records}
    assert "worker process died" in (by_case["c2"]["dies"].error or "")
    assert all(s["length"].passed for s in by_case.values())
    # one record at a time: only the record that killed the worker lost its score
    assert all(by_case[c]["dies"].passed for c in by_case if c != "c2")
    assert not pool_threads()


def test_a_run_with_killers_among_many_records_in_flight(tmp_path: Path) -> None:
    killers = {"c3", "c17", "c41", "c42"}
    es = EvalSet.from_cases([{"id": f"c{i}", "input": f"ok {i}"} for i in range(60)])
    pids = tmp_path / "pids"
    pids.mkdir()
    kills = KillsSome(kill=tuple(sorted(killers)), work_s=0.01, pid_dir=str(pids))
    opts = RunOptions(
        out_dir=tmp_path / "run", progress="off", cache_mode="off", scorer_processes=2
    )
    result = run(es, _cand(concurrency=16), [_length(), kills], opts)
    assert result.manifest["status"] == "complete"
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    ids = [json.loads(line)["case_id"] for line in lines]
    assert sorted(ids) == sorted(c.id for c in es.cases)  # each record once, none lost
    by_case = {r.case_id: r.scores for r in result.records}
    assert {c for c, s in by_case.items() if s["kills_some"].error} == killers
    assert all(s["kills_some"].passed for c, s in by_case.items() if c not in killers)
    assert all(s["length"].passed for s in by_case.values())
    assert gone({int(p.name) for p in pids.iterdir()}) and not pool_threads()


def test_cancelling_a_run_mid_scoring_ends_it_and_its_workers(tmp_path: Path) -> None:
    es = EvalSet.from_cases([{"id": f"c{i}", "input": "sleep"} for i in range(3)])
    pids = tmp_path / "pids"
    pids.mkdir()
    opts = RunOptions(out_dir=tmp_path / "run", progress="off", scorer_processes=2)

    async def main() -> float:
        task = asyncio.ensure_future(run_async(es, _cand(), [Sleeps(pid_dir=str(pids))], opts))
        while not any(pids.iterdir()):
            await asyncio.sleep(0.02)
        t0 = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - t0

    took = asyncio.run(main())
    assert took < 4.0
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    workers = {int(p.name) for p in pids.iterdir()}
    assert workers and gone(workers) and not pool_threads()


# ------------------------------------------------------------------ unguarded scripts

SCRIPT = """\
import os, sys
sys.path.insert(0, {repo!r})
from evalkit.scoring_pool import ScoringPool
from tests.helpers.pool_scorers import KillsSome

def start():
    return ScoringPool([KillsSome()], processes=1)

{call}
"""


@pytest.mark.parametrize(
    ("call", "in_workers"),
    [
        ('if __name__ == "__main__":\n    print(len(start().remote))', True),
        ("print(len(start().remote))", False),
        ('print(len(start().remote))\nif __name__ == "__main__":\n    pass', False),
    ],
    ids=["guarded", "unguarded", "run-outside-the-guard"],
)
def test_a_run_from_an_unguarded_script_is_scored_in_process_and_says_why(
    tmp_path: Path, call: str, in_workers: bool
) -> None:
    script = tmp_path / "myeval.py"
    script.write_text(
        SCRIPT.format(repo=str(Path(__file__).resolve().parents[1]), call=call), encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ("1" if in_workers else "0")  # scorers left for workers
    if in_workers:
        assert "RuntimeWarning" not in done.stderr
    else:
        assert f"{script}:9: the run starts from the script's top level" in done.stderr
        assert 'under if __name__ == "__main__":' in done.stderr


KILLED_SCRIPT = """\
import asyncio, sys, time
sys.path.insert(0, {repo!r})
from evalkit.dataset import EvalSet
from evalkit.providers.base import Response
from evalkit.scoring import ScoreContext
from evalkit.scoring_pool import ScoringPool
from tests.helpers.pool_scorers import KillsSome

async def main():
    pool = ScoringPool([KillsSome(pid_dir={pids!r})], processes=2)
    case = EvalSet.from_cases([{{"id": "c0", "input": "x"}}]).cases[0]
    await pool.score(ScoreContext(case, Response(text="x")))
    print("scored", flush=True)
    time.sleep(60)  # killed here, with its pool open

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_workers_end_when_the_run_process_is_killed(tmp_path: Path) -> None:
    # After kill -9 of 'evalkit run', its workers (children of the forkserver, which also
    # holds both ends of their queue) stayed alive for good.
    pids = tmp_path / "pids"
    pids.mkdir()
    script = tmp_path / "killed.py"
    repo = str(Path(__file__).resolve().parents[1])
    script.write_text(KILLED_SCRIPT.format(repo=repo, pids=str(pids)), encoding="utf-8")
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "scored"
        finally:
            proc.kill()
            proc.wait(timeout=10)
    workers = {int(p.name) for p in pids.iterdir()}
    ended = gone(workers, within_s=10.0)
    for pid in workers:  # a failing run of this test leaves no worker behind either
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert workers and ended


# ------------------------------------------------------------------ back to a shared pool


def kcases(n: int) -> list[ScoreContext]:
    cases = EvalSet.from_cases([{"id": f"k{i}", "input": "x"} for i in range(n)]).cases
    return [ScoreContext(c, Response(text="x")) for c in cases]


def test_after_enough_clean_records_alone_the_shared_pool_is_used_again(tmp_path: Path) -> None:
    kills = KillsSome(kill=("k1", "k6"), pid_dir=str(tmp_path))

    async def main() -> tuple[list[dict[str, Score]], list[tuple[int, int]], ScoringPool]:
        pool = ScoringPool([kills], processes=1, reshare_after=3)
        out, states = [], []
        try:
            for c in kcases(12):
                out.append(await pool.score(c))
                states.append((pool.deaths, pool.reshares))
            return out, states, pool
        finally:
            await pool.aclose()

    out, states, pool = asyncio.run(main())
    failed = [i for i, s in enumerate(out) if s["kills_some"].error]
    assert failed == [1, 6]  # only the killers, each time
    # k1 breaks the shared pool and dies alone (2 deaths); k2-k4 alone and clean: the next
    # record goes to a shared pool again. k6 breaks it, and now 6 clean records are asked.
    assert states[4] == (2, 1) and states[6] == (4, 1) and states[11] == (4, 1)
    pid = [s["kills_some"].details.get("pid") for s in out]
    assert pid[5] != pid[4]  # a new (shared) worker, not the single one of k2-k4
    assert pool.reshares == 1
    assert gone({int(p.name) for p in tmp_path.iterdir()}) and not pool_threads()


def test_returns_to_a_shared_pool_stop_once_half_the_deaths_are_spent(tmp_path: Path) -> None:
    killers = tuple(f"k{i}" for i in range(1, 40, 4))  # one record in four kills its worker
    kills = KillsSome(kill=killers)

    async def main() -> tuple[list[dict[str, Score]], ScoringPool]:
        pool = ScoringPool([kills], processes=1, max_deaths=6, reshare_after=2)
        try:
            return [await pool.score(c) for c in kcases(40)], pool
        finally:
            await pool.aclose()

    out, pool = asyncio.run(main())
    # k1: break + death alone; 2 clean; back to shared; k5: break + death alone (4 deaths,
    # past half of 6: no more returns); k9, k13: deaths alone; then the scorer is given up.
    assert pool.reshares == 1 and pool.deaths == 6
    errors = {f"k{i}": s["kills_some"].error or "" for i, s in enumerate(out)}
    assert all("died while scoring this case alone" in errors[k] for k in killers[:4])
    assert all(not errors[f"k{i}"] for i in range(13) if f"k{i}" not in killers)
    assert all("died 6 times in this run" in errors[f"k{i}"] for i in range(14, 40))
    assert not pool_threads()


def test_returning_to_a_shared_pool_with_many_records_in_flight(tmp_path: Path) -> None:
    # Records wait for a single worker when the return happens: the workers they wait for are
    # theirs still (a first version took them back, and those records waited forever).
    killers = {"k3", "k30", "k31"}
    kills = KillsSome(kill=tuple(sorted(killers)), work_s=0.003, pid_dir=str(tmp_path))
    ctxs = kcases(60)

    async def main() -> tuple[dict[str, dict[str, Score]], ScoringPool]:
        pool = ScoringPool([_length(), kills], processes=1, reshare_after=4)
        in_flight = asyncio.Semaphore(16)

        async def one(c: ScoreContext) -> tuple[str, dict[str, Score]]:
            async with in_flight:
                return c.case.id, await pool.score(c)

        try:
            scored = asyncio.gather(*(one(c) for c in ctxs))
            return dict(await asyncio.wait_for(scored, 30)), pool
        finally:
            await pool.aclose(abort=True)

    out, pool = asyncio.run(main())
    assert len(out) == len(ctxs)
    assert {c for c, s in out.items() if s["kills_some"].error} == killers
    assert all(s["length"].passed for s in out.values())
    assert pool.reshares >= 1
    assert gone({int(p.name) for p in tmp_path.iterdir()}) and not pool_threads()


def test_a_worker_ignores_ctrl_c_which_the_run_handles(tmp_path: Path) -> None:
    """Ctrl-C goes to the terminal's whole process group; the run's first interrupt keeps the
    answers in flight and scores them, so a worker busy scoring one must not turn it into a
    KeyboardInterrupt on that record."""

    async def main() -> dict[str, Score]:
        pool = ScoringPool([Sleeps(pid_dir=str(tmp_path), seconds=1.0)], processes=1)
        try:
            task = asyncio.ensure_future(pool.score(ctx(3)))
            deadline = time.monotonic() + 30
            while not list(tmp_path.iterdir()) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            (pid_file,) = tmp_path.iterdir()
            os.kill(int(pid_file.name), signal.SIGINT)
            return await task
        finally:
            await pool.aclose()

    got = asyncio.run(main())["sleeps"]
    assert got.error is None and got.passed is True, got.error
