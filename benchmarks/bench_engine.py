"""Benchmarks of the run engine; prints every figure (issue 3, "Performance").

Against the loopback LLM server in a separate process, through the official ``openai`` SDK:

1. throughput: N cases at 200 ± 50 ms latency, 50 and 200 in flight: the whole
   ``evalkit run`` process beside a bare asyncio loop over the same SDK with its default
   settings (one client, a semaphore, same cases, same concurrency, whole process timed), both
   against the ideal (cases × latency / concurrency);
2. overhead: whole-process CPU time per case at 0 ms latency over 5,000 cases, both;
3. a fully cached re-run of 10,000 cases (wall time);
4. peak RSS for 10,000 and 100,000 cases with the replay provider (no records kept);
5. faults: 5% of requests answered 429 or 500; every case must end scored, none lost, none
   duplicated.

Run: ``python benchmarks/bench_engine.py`` (``--quick`` for smaller sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 2
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-bench-not-a-key"}

BARE = r"""
import asyncio, json, sys
from openai import AsyncOpenAI

async def main(path, base_url, concurrency):
    client = AsyncOpenAI(base_url=base_url)
    sem = asyncio.Semaphore(concurrency)
    cases = [json.loads(line) for line in open(path)]

    async def one(case):
        async with sem:
            r = await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": case["input"]}]
            )
            return r.choices[0].message.content

    out = await asyncio.gather(*(one(c) for c in cases))
    assert len(out) == len(cases)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


@contextmanager
def server(latency_ms: float = 0, jitter_ms: float = 0, fault_rate: float = 0) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.llm_server", "--port", "0",
         "--latency-ms", str(latency_ms), "--jitter-ms", str(jitter_ms),
         "--fault-rate", str(fault_rate), "--fault-statuses", "429,500"],
        cwd=ROOT, env=ENV, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    port = int(line.split()[1])
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.kill()
        proc.wait()


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + sys) and peak RSS (KiB) of a whole child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def dataset(folder: Path, n: int, name: str) -> Path:
    path = folder / f"{name}.jsonl"
    with path.open("w") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"c{i}", "input": f"What is item {i}?"}) + "\n")
    return path


def evalkit_cmd(ds: Path, base_url: str, concurrency: int, out: Path, cache: Path) -> list[str]:
    return [sys.executable, "-m", "evalkit", "run", str(ds), "--provider", "openai",
            "--model", "gpt-4o-mini", "--base-url", base_url, "--concurrency", str(concurrency),
            "--out", str(out), "--cache-dir", str(cache), "--no-progress"]  # fmt: skip


def check_run(out: Path, n: int) -> dict[str, int]:
    lines = (out / "results.jsonl").read_text().splitlines()
    recs = [json.loads(x) for x in lines]
    keys = {(r["case_id"], r["repeat"]) for r in recs}
    return {
        "lines": len(lines),
        "unique": len(keys),
        "ok": sum(r["error"] is None for r in recs),
        "scored": sum(bool(r["scores"]) for r in recs),
        "missing": n - len(keys),
    }


def throughput(tmp: Path, n: int) -> None:
    ds = dataset(tmp, n, "through")
    print(f"\n== throughput: {n} cases at 200 ± 50 ms (wall seconds; ideal = cases × 0.2 / C)")
    with server(200, 50) as url:
        for c in (50, 200):
            ideal = n * 0.2 / c
            # Interleaved rounds, best of each: the machine is shared, so single runs are noisy.
            bares, eks = [], []
            for r in range(ROUNDS):
                bares.append(timed([sys.executable, "-c", BARE, str(ds), url, str(c)], tmp))
                out, cache = tmp / f"tp{c}-{r}", tmp / f"tpcache{c}-{r}"
                eks.append(timed(evalkit_cmd(ds, url, c, out, cache), tmp))
            bare, ek = min(bares), min(eks)
            print(
                f"C={c:3d}: ideal {ideal:.2f}s | bare SDK loop {bare[0]:.2f}s "
                f"({bare[0] / ideal:.2f}x ideal, cpu {bare[1]:.2f}s) | evalkit run {ek[0]:.2f}s "
                f"({ek[0] / ideal:.2f}x ideal, cpu {ek[1]:.2f}s) | evalkit/bare "
                f"{ek[0] / bare[0]:.3f}"
            )


def overhead(tmp: Path, n: int) -> None:
    ds = dataset(tmp, n, "overhead")
    print(f"\n== overhead: {n} cases at 0 ms, 50 in flight (whole-process CPU per case)")
    with server(0, 0) as url:
        bare = timed([sys.executable, "-c", BARE, str(ds), url, "50"], tmp)
        ek = timed(evalkit_cmd(ds, url, 50, tmp / "oh", tmp / "ohcache"), tmp)
        off = timed(
            [*evalkit_cmd(ds, url, 50, tmp / "oh-off", tmp / "ohcache2"), "--cache-mode", "off"],
            tmp,
        )
    per = 1000 / n
    print(
        f"bare SDK loop: wall {bare[0]:.2f}s, cpu {bare[1]:.2f}s = {bare[1] * per:.3f} ms/case\n"
        f"evalkit run (cache on): wall {ek[0]:.2f}s, cpu {ek[1]:.2f}s = {ek[1] * per:.3f} ms/case "
        f"(+{(ek[1] - bare[1]) * per:.3f} ms/case)\n"
        f"evalkit run (cache off): wall {off[0]:.2f}s, cpu {off[1]:.2f}s = "
        f"{off[1] * per:.3f} ms/case (+{(off[1] - bare[1]) * per:.3f} ms/case)"
    )


def cached(tmp: Path, n: int) -> None:
    ds = dataset(tmp, n, "cached")
    print(f"\n== cached re-run: {n} cases")
    with server(0, 0) as url:
        first = timed(evalkit_cmd(ds, url, 100, tmp / "c1", tmp / "ccache"), tmp)
        again = timed(evalkit_cmd(ds, url, 100, tmp / "c2", tmp / "ccache"), tmp)
    hits = json.loads((tmp / "c2" / "manifest.json").read_text())["counts"]["cache_hits"]
    print(
        f"first run {first[0]:.2f}s; fully cached re-run {again[0]:.2f}s wall, cpu {again[1]:.2f}s "
        f"({hits} hits; target < 5 s)"
    )


def memory(tmp: Path, sizes: tuple[int, ...]) -> None:
    print("\n== peak RSS, replay provider (records not kept in memory)")
    for n in sizes:
        ds = dataset(tmp, n, f"mem{n}")
        replay = tmp / f"replay{n}.jsonl"
        with replay.open("w") as fh:
            for i in range(n):
                fh.write(json.dumps({"case_id": f"c{i}", "output": f"answer {i}",
                                     "usage": {"input_tokens": 5, "output_tokens": 2}}) + "\n")  # fmt: skip
        cmd = [sys.executable, "-m", "evalkit", "run", str(ds), "--provider", "replay",
               "--model", "gpt-4o-mini", "--option", f"path={replay}", "--scorer", "contains",
               "--out", str(tmp / f"mem-run{n}"), "--no-progress",
               "--cache-dir", str(tmp / "memcache")]  # fmt: skip
        wall, cpu, rss = timed(cmd, tmp)
        print(f"{n:>7} cases: peak RSS {rss / 1024:.1f} MiB, wall {wall:.2f}s, cpu {cpu:.2f}s")


def faults(tmp: Path, n: int) -> None:
    ds = dataset(tmp, n, "faults")
    print(f"\n== faults: {n} cases, 5% of attempts answered 429 or 500 (20 ms latency)")
    with server(20, 5, fault_rate=0.05) as url:
        wall, _, _ = timed(
            [*evalkit_cmd(ds, url, 50, tmp / "faults", tmp / "fcache"), "--scorer", "contains"],
            tmp,
        )
    m = json.loads((tmp / "faults" / "manifest.json").read_text())
    stats = check_run(tmp / "faults", n)
    print(
        f"wall {wall:.2f}s; retries {m['retries']}, 429s seen {m['rate_limited']}; records "
        f"{stats['lines']} lines, {stats['unique']} unique, {stats['ok']} ok, "
        f"{stats['scored']} scored, {stats['missing']} missing; errors {m['counts']['errors']}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    p.add_argument(
        "--only", choices=("throughput", "overhead", "cached", "memory", "faults"), default=None
    )
    args = p.parse_args()
    q = args.quick
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as d:
        tmp = Path(d)
        steps = {
            "throughput": lambda: throughput(tmp, 200 if q else 1000),
            "overhead": lambda: overhead(tmp, 500 if q else 5000),
            "cached": lambda: cached(tmp, 1000 if q else 10000),
            "memory": lambda: memory(tmp, (1000, 10000) if q else (10000, 100000)),
            "faults": lambda: faults(tmp, 200 if q else 1000),
        }
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        for name, step in steps.items():
            if args.only in (None, name):
                step()


if __name__ == "__main__":
    main()
