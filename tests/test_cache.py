"""The SQLite response cache: hits, claims across handles and processes, pruning."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from evalkit.cache import CACHE_FILE, ResponseCache

ROOT = Path(__file__).resolve().parents[1]


def test_put_get_roundtrip_and_miss(tmp_path: Path) -> None:
    with ResponseCache(tmp_path) as cache:
        assert cache.get("k1") is None
        cache.put("k1", {"text": "hi", "usage": {}}, provider="p", model="m")
        assert cache.get("k1") == {"text": "hi", "usage": {}}
    with ResponseCache(tmp_path) as again:  # persisted on disk
        assert again.get("k1") == {"text": "hi", "usage": {}}
        assert again.info()["entries"] == 1


def test_claim_states_between_two_handles(tmp_path: Path) -> None:
    a, b = ResponseCache(tmp_path), ResponseCache(tmp_path)
    try:
        assert a.claim("k")[0] == "owned"
        assert b.claim("k")[0] == "busy"  # a live owner: wait, do not call
        a.put("k", {"text": "x"})
        state, body = b.claim("k")
        assert state == "hit" and body == {"text": "x"}
        assert a.claim("k2")[0] == "owned"
        a.release("k2")  # the call failed: the next one may try
        assert b.claim("k2")[0] == "owned"
    finally:
        a.close()
        b.close()


def test_expired_or_dead_claims_are_taken_over(tmp_path: Path) -> None:
    a = ResponseCache(tmp_path, lease_s=0.01)
    b = ResponseCache(tmp_path)
    try:
        assert a.claim("k")[0] == "owned"
        time.sleep(0.02)
        assert b.claim("k")[0] == "owned"  # lease ran out
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        b._db.execute(
            "INSERT OR REPLACE INTO claims VALUES (?,?,?)",
            ("k3", f"{b._host}:{dead}:abcd", time.time() + 999),
        )
        assert a.claim("k3")[0] == "owned"  # owner's process is gone
    finally:
        a.close()
        b.close()


def test_wait_returns_the_other_owners_answer(tmp_path: Path) -> None:
    a, b = ResponseCache(tmp_path), ResponseCache(tmp_path)

    async def main() -> object:
        assert a.claim("k")[0] == "owned"
        waiter = asyncio.ensure_future(b.wait("k", max_wait_s=5))
        await asyncio.sleep(0.05)
        a.put("k", {"text": "shared"})
        return await waiter

    try:
        assert asyncio.run(main()) == {"text": "shared"}
    finally:
        a.close()
        b.close()


def test_wait_gives_up_when_the_claim_is_released(tmp_path: Path) -> None:
    a, b = ResponseCache(tmp_path), ResponseCache(tmp_path)

    async def main() -> object:
        a.claim("k")
        waiter = asyncio.ensure_future(b.wait("k", max_wait_s=5))
        await asyncio.sleep(0.05)
        a.release("k")
        return await waiter

    try:
        assert asyncio.run(main()) is None
    finally:
        a.close()
        b.close()


def test_prune_by_age_and_size_and_clear(tmp_path: Path) -> None:
    with ResponseCache(tmp_path) as cache:
        for i in range(10):
            cache.put(f"k{i}", {"text": "x" * 1000})
        old = time.time() - 10 * 86400
        cache._db.execute("UPDATE responses SET accessed=? WHERE key IN ('k0','k1')", (old,))
        assert cache.prune(older_than_days=5) == 2
        assert cache.get("k0") is None and cache.get("k2") is not None
        cache.flush()
        removed = cache.prune(max_size_mb=3100 / (1024 * 1024))  # entries are 1011 bytes
        assert removed == 5 and cache.info()["entries"] == 3
        assert cache.get("k9") is not None  # most recently used survive
        assert cache.clear() == 3 and cache.info()["entries"] == 0


_WORKER = """
import sys
from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run
cases = [{"id": f"c{i}", "input": f"q{i}"} for i in range(12)]
cand = Candidate(name="s", provider="tests.helpers.scripted_provider:ScriptedProvider",
                 model="m", options={"latency_ms": 150, "call_log": sys.argv[1]}, concurrency=12)
run(EvalSet.from_cases(cases), cand, [], RunOptions(out_dir=sys.argv[2], cache_dir=sys.argv[3],
    progress="off"))
"""


def test_two_processes_share_the_cache_without_duplicate_calls(tmp_path: Path) -> None:
    log, cache_dir = tmp_path / "calls.log", tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(log), str(tmp_path / f"run{i}"), str(cache_dir)],
            env=env,
            cwd=ROOT,
        )
        for i in range(2)
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    calls = log.read_text().splitlines()
    assert sorted(calls) == sorted(f"c{i} 0" for i in range(12))  # each key called once
    assert (cache_dir / CACHE_FILE).is_file()
    from evalkit.records import read_run

    runs = [read_run(tmp_path / f"run{i}") for i in range(2)]
    assert all(len(r.records) == 12 and all(x.ok for x in r.records) for r in runs)
    hits = sum(r.manifest["counts"]["cache_hits"] for r in runs)
    assert hits == 12  # what one process called, the other was served


def test_cache_file_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    with ResponseCache(tmp_path) as cache:
        mode = cache._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


_OPEN_AT_ONCE = """
import multiprocessing as mp, sys, tempfile
from evalkit.cache import ResponseCache

def opener(folder, barrier, out):
    barrier.wait()
    try:
        ResponseCache(folder).close()
        out.put("ok")
    except Exception as exc:
        out.put(repr(exc))

if __name__ == "__main__":
    ctx = mp.get_context("fork")  # a fresh interpreter without threads: fork is safe here
    failures = []
    for _ in range(15):
        folder, barrier, out = tempfile.mkdtemp(dir=sys.argv[1]), ctx.Barrier(8), ctx.Queue()
        procs = [ctx.Process(target=opener, args=(folder, barrier, out)) for _ in range(8)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        failures += [r for r in (out.get() for _ in procs) if r != "ok"]
    print(len(failures), failures[:1])
"""


def test_processes_opening_a_new_cache_at_once_all_succeed(tmp_path: Path) -> None:
    # xdist workers start together; switching a new file to WAL used to fail some of them with
    # "database is locked" at once (about 1 opening in 27), killing that worker's run.
    script = tmp_path / "open_at_once.py"
    script.write_text(_OPEN_AT_ONCE)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0 []"
