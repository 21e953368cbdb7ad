"""Benchmarks of the run engine; prints every figure (issue 3, "Performance").

Against the loopback LLM server in a separate process, through the official ``openai`` SDK:

1. throughput: N cases at 200 ± 50 ms latency, 50 and 200 in flight: the whole
   ``evalkit run`` process beside a bare asyncio loop over the same SDK with its default
   settings (one client, a semaphore, same cases, same concurrency, whole process timed), both
   against the ideal (cases × latency / concurrency);
2. overhead: whole-process CPU time per case at 0 ms latency over 5,000 cases, both;
3. a fully cached re-run of 10,000 cases (wall time);
4. peak RSS for 10,000 and 100,000 cases with the replay provider (no records kept);
   ``--sizes`` other counts, ``--context-chars N`` a context passage of N characters per
   case that the prompt template puts in every request (rendered prompts as big as that);
5. faults: 5% of requests answered 429 or 500; every case must end scored, none lost, none
   duplicated;
6. ``--only ab --before DIR``: cases/s of ``evalkit.engine.run`` (timed in-process, imports
   left out) at concurrency 1, 16 and 64 against a server answering in 0 and 50 ms, this
   checkout against another one (``git worktree add /tmp/ab-before <commit>``), interleaved,
   ``--rounds`` runs each (3 by default). It measured the SDK client's private loop
   (``providers/_io_thread.py``) against the code before it.

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


AB_RUN = r"""
import json, sys, time
from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run

n, c, url, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
es = EvalSet.from_cases([{"id": f"c{i}", "input": f"What is item {i}?"} for i in range(n)])
cand = Candidate(name="ab", provider="openai", model="gpt-4o-mini", base_url=url,
                 concurrency=c)
opts = RunOptions(out_dir=out, cache_mode="off", progress="off", scorer_processes=0)
t0, c0 = time.perf_counter(), time.process_time()
r = run(es, cand, [], opts)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
assert r.manifest["counts"]["errors"] == 0 and len(r.records) == n, r.manifest["counts"]
print(json.dumps({"wall": wall, "cpu": cpu}))
"""

AB_SIZES = {(1, 0): 300, (16, 0): 1500, (64, 0): 2000, (1, 50): 60, (16, 50): 800, (64, 50): 2000}
"""Cases per A/B run, each a few seconds long; --quick divides them by 4."""


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
            case = {"id": f"c{i}", "input": f"What is item {i}?", "expected": f"answer {i}"}
            fh.write(json.dumps(case) + "\n")
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


PROMPT = "Answer from the context.\n{% for p in context %}{{ p.text }}\n{% endfor %}Q: {{ input }}"
"""The --context-chars runs' prompt template: every rendered request carries its context."""


def memory(tmp: Path, sizes: tuple[int, ...], context_chars: int = 0) -> None:
    """Peak RSS of whole ``evalkit run`` processes. With ``context_chars``, each case has a
    context passage of that many characters, which the prompt template puts in its request
    (a RAG eval set: the rendered prompts are as large as the cases' contexts)."""
    what = f", {context_chars}-character context per case" if context_chars else ""
    print(f"\n== peak RSS, replay provider (records not kept in memory{what})")
    for n in sizes:
        ds = dataset(tmp, n, f"mem{n}")
        extra: list[str] = []
        if context_chars:
            ds = tmp / f"mem{n}-ctx.jsonl"
            filler = ("lorem ipsum dolor sit amet " * (context_chars // 27 + 1))[:context_chars]
            with ds.open("w") as fh:
                for i in range(n):
                    fh.write(json.dumps({"id": f"c{i}", "input": f"What is item {i}?",
                                         "expected": f"answer {i}",
                                         "context": [f"item {i}: {filler}"]}) + "\n")  # fmt: skip
            (tmp / "ctx.j2").write_text(PROMPT)
            extra = ["--prompt-file", str(tmp / "ctx.j2")]
        replay = tmp / f"replay{n}.jsonl"
        with replay.open("w") as fh:
            for i in range(n):
                fh.write(json.dumps({"case_id": f"c{i}", "output": f"answer {i}",
                                     "usage": {"input_tokens": 5, "output_tokens": 2}}) + "\n")  # fmt: skip
        cmd = [sys.executable, "-m", "evalkit", "run", str(ds), "--provider", "replay",
               "--model", "gpt-4o-mini", "--option", f"path={replay}", "--scorer", "contains",
               "--out", str(tmp / f"mem-run{n}"), "--no-progress",
               "--cache-dir", str(tmp / "memcache"), *extra]  # fmt: skip
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


def ab(tmp: Path, before: Path, rounds: int, quick: bool) -> None:
    arms = {"before": before.resolve(), "now": ROOT}
    print(f"\n== A/B cases/s, evalkit.engine.run in-process, no scorer, cache off: "
          f"before = {arms['before']}, now = {ROOT}; {rounds} interleaved runs each")  # fmt: skip
    for latency in (0, 50):
        with server(latency) as url:
            for c in (1, 16, 64):
                n = max(20, AB_SIZES[(c, latency)] // (4 if quick else 1))
                got: dict[str, list[tuple[float, float]]] = {a: [] for a in arms}
                for r in range(rounds):
                    for arm, root in arms.items() if r % 2 == 0 else reversed(arms.items()):
                        out = tmp / f"ab-{arm}-{latency}-{c}-{r}"
                        proc = subprocess.run(
                            [sys.executable, "-c", AB_RUN, str(n), str(c), url, str(out)],
                            cwd=tmp, env={**ENV, "PYTHONPATH": str(root)},
                            capture_output=True, text=True, check=True,
                        )  # fmt: skip
                        m = json.loads(proc.stdout.strip().splitlines()[-1])
                        got[arm].append((n / m["wall"], m["cpu"] * 1000 / n))
                line = [f"{latency:2d} ms C={c:2d} n={n:4d}"]
                for arm, vals in got.items():
                    rates = sorted(v[0] for v in vals)
                    cpu = sorted(v[1] for v in vals)[len(vals) // 2]
                    line.append(
                        f"{arm} {' '.join(f'{x:.1f}' for x in rates)} cases/s "
                        f"(median {rates[len(rates) // 2]:.1f}, cpu {cpu:.3f} ms/case)"
                    )
                b = sorted(v[0] for v in got["before"])[rounds // 2]
                now = sorted(v[0] for v in got["now"])[rounds // 2]
                print(" | ".join(line) + f" | now/before {now / b:.3f}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    p.add_argument(
        "--only",
        choices=("throughput", "overhead", "cached", "memory", "faults", "ab"),
        default=None,
    )
    p.add_argument("--before", type=Path, help="the other checkout for --only ab")
    p.add_argument("--rounds", type=int, default=3, help="runs per arm for --only ab")
    p.add_argument(
        "--sizes",
        type=lambda v: tuple(int(x) for x in v.split(",")),
        default=None,
        help="case counts of the memory step, comma-separated (default 10000,100000)",
    )
    p.add_argument(
        "--context-chars",
        type=int,
        default=0,
        help="memory step: a context passage of this many characters per case, in the prompt",
    )
    args = p.parse_args()
    q = args.quick
    sizes = args.sizes or ((1000, 10000) if q else (10000, 100000))
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as d:
        tmp = Path(d)
        steps = {
            "throughput": lambda: throughput(tmp, 200 if q else 1000),
            "overhead": lambda: overhead(tmp, 500 if q else 5000),
            "cached": lambda: cached(tmp, 1000 if q else 10000),
            "memory": lambda: memory(tmp, sizes, args.context_chars),
            "faults": lambda: faults(tmp, 200 if q else 1000),
        }
        if args.before is not None:
            steps["ab"] = lambda: ab(tmp, args.before, args.rounds, q)
        elif args.only == "ab":
            raise SystemExit("--only ab needs --before DIR (a checkout to compare with)")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        for name, step in steps.items():
            if args.only in (None, name):
                step()


if __name__ == "__main__":
    main()
