"""Faults, kills and cancels at scale through the real SDKs; prints every figure and check.

Why: the ``openai`` and ``anthropic`` clients run on a private loop on a thread of their own
(``evalkit/providers/_io_thread.py``), on the path of every real provider call. This script
checks that the path holds up under the loopback LLM server (a separate process):

1. ``faults``: N cases (2,000) at concurrency 64, ~10% of cases failing: random 429 (with
   Retry-After) and 500 on 5% of attempts, plus cases that always answer a malformed body,
   always reset the connection, answer 400, recover after a 429 or two 500s, or never answer.
   Each case must end with exactly one record whose outcome (ok or error kind, attempts) is
   the one the server's seeded fault plan implies; stderr must hold no "Task exception was
   never retrieved", "Event loop is closed", ``ResourceWarning`` or traceback (the run has
   ``-W error::ResourceWarning`` and a ``gc.collect()`` at the end), and no thread may be left.
2. ``hang``: one request to a server that never answers, ``timeout_s`` 1, no retry: the
   record is a ``timeout`` and the run ends within about a second.
3. ``sigint``: ``evalkit run`` at concurrency 64 gets SIGINT mid-run: how long it takes to
   stop, its exit code and status, then ``--resume`` completes it without a duplicate.
4. ``notebook``: ``evalkit.run`` from a cell of a real Jupyter kernel (its loop running),
   against the loopback server; no thread is left behind.

Run: ``python benchmarks/bench_faults.py [--provider openai|anthropic] [--only STEP] [-n N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.helpers.llm_server import LLMServer, _msg_key  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "EVALKIT_BENCH_KEY": "sk-bench-not-a-key-000"}
FAULT_RATE, RETRIES, TIMEOUT_S, SEED = 0.05, 3, 2.0, 7
BAD = ("Task exception was never retrieved", "Event loop is closed", "ResourceWarning",
       "Traceback", "never awaited", "Exception ignored")  # fmt: skip

# Directive cases, one kind per every 100 cases at these offsets: (directive, outcome, attempts)
PLANTED = {
    11: ("[[malformed]]", "malformed_response", None),
    23: ("[[reset]]", "connection", None),
    37: ("[[status:400]]", "bad_request", 1),
    41: ("[[fail:1:429]][[retry-after:0.2]]", "ok", 2),
    59: ("[[fail:2:500]]", "ok", 3),
}
HUNG_EVERY = 400  # plus offset 77: a request the server never answers (timeout_s, retried)

DRIVER = r"""
import gc, json, sys, threading, time
from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run
from evalkit.scoring import build_scorer

spec = json.loads(sys.argv[1])
es = EvalSet.from_cases(spec["cases"], name="faults")
cand = Candidate(name="faults", provider=spec["provider"], model="m-test",
                 base_url=spec["base_url"], api_key_env="EVALKIT_BENCH_KEY",
                 concurrency=spec["concurrency"], max_retries=spec["retries"],
                 timeout_s=spec["timeout_s"])
opts = RunOptions(out_dir=spec["out"], cache_mode="off", progress="off", scorer_processes=0)
t0 = time.perf_counter()
r = run(es, cand, [build_scorer("contains")] if spec.get("scored") else [], opts)
wall = time.perf_counter() - t0
gc.collect()
time.sleep(0.2)
gc.collect()
print(json.dumps({"wall": wall, "threads": [t.name for t in threading.enumerate()],
                  "status": r.manifest["status"], "retries": r.manifest["retries"],
                  "rate_limited": r.manifest["rate_limited"]}))
"""


@contextmanager
def server(latency_ms: float, jitter_ms: float = 0, fault_rate: float = 0) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.llm_server", "--port", "0",
         "--latency-ms", str(latency_ms), "--jitter-ms", str(jitter_ms),
         "--fault-rate", str(fault_rate), "--fault-statuses", "429,500",
         "--fault-retry-after", "0.1", "--seed", str(SEED)],
        cwd=ROOT, env=ENV, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    port = int(proc.stdout.readline().split()[1])
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def base_url(provider: str, url: str) -> str:
    return url + "/v1" if provider == "openai" else url


def fault_cases(n: int) -> tuple[list[dict[str, str]], dict[str, tuple[str, int | None]]]:
    """The cases and, per case id, the outcome the server's seeded plan implies."""
    plan = LLMServer(fault_rate=FAULT_RATE, fault_statuses=(429, 500), seed=SEED)
    cases, expected = [], {}
    for i in range(n):
        text = f"What is item {i}?"
        outcome: tuple[str, int | None]
        if i % HUNG_EVERY == 77:
            text += " [[latency:600000]]"
            outcome = ("timeout", RETRIES + 1)
        elif i % 100 in PLANTED:
            directive, kind, attempts = PLANTED[i % 100]
            text += " " + directive
            if attempts is None:  # random faults first, then the planted one, every attempt
                last = plan._fault(_msg_key(text), RETRIES)
                kind = {429: "rate_limit", 500: "server"}.get(last or 0, kind)
            outcome = (kind, attempts if attempts is not None else RETRIES + 1)
        else:
            outcome = ("ok", None)
            for a in range(RETRIES + 1):
                status = plan._fault(_msg_key(text), a)
                if status is None:
                    outcome = ("ok", a + 1)
                    break
                outcome = ({429: "rate_limit", 500: "server"}[status], a + 1)
        cases.append({"id": f"c{i}", "input": text})
        expected[f"c{i}"] = outcome
    return cases, expected


def drive(spec: dict[str, object]) -> tuple[dict[str, object], str]:
    proc = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-c", DRIVER, json.dumps(spec)],
        cwd=ROOT, env={**ENV, "PYTHONWARNINGS": "error::ResourceWarning"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"driver failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def records(out: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]


def faults(tmp: Path, provider: str, n: int) -> bool:
    cases, expected = fault_cases(n)
    failing = sum(v[0] != "ok" or (v[1] or 1) > 1 for v in expected.values())
    print(f"\n== faults ({provider}): {n} cases, concurrency 64, {failing} cases "
          f"({failing / n:.1%}) meet at least one fault; max_retries {RETRIES}, "
          f"timeout_s {TIMEOUT_S:g}")  # fmt: skip
    out = tmp / f"faults-{provider}"
    with server(10, 5, FAULT_RATE) as url:
        spec = {"cases": cases, "provider": provider, "base_url": base_url(provider, url),
                "concurrency": 64, "retries": RETRIES, "timeout_s": TIMEOUT_S,
                "out": str(out), "scored": True}  # fmt: skip
        info, stderr = drive(spec)
    recs = records(out)
    ids = [str(r["case_id"]) for r in recs]
    wrong = []
    for r in recs:
        err = r["error"]
        got = ("ok" if err is None else err["kind"], r["attempts"])  # type: ignore[index]
        if got != expected[str(r["case_id"])]:
            wrong.append((r["case_id"], got, expected[str(r["case_id"])]))
    kinds: dict[str, int] = {}
    for r in recs:
        k = "ok" if r["error"] is None else r["error"]["kind"]  # type: ignore[index]
        kinds[k] = kinds.get(k, 0) + 1
    bad = [b for b in BAD if b in stderr]
    threads = [t for t in info["threads"] if t != "MainThread"]  # type: ignore[union-attr]
    print(f"wall {info['wall']:.2f}s, status {info['status']}, retries {info['retries']}, "
          f"429s {info['rate_limited']}; records {len(recs)} for {n} cases, "
          f"{len(set(ids))} unique; outcomes {dict(sorted(kinds.items()))}")  # fmt: skip
    print(f"misclassified {len(wrong)} {wrong[:5]}; stderr problems {bad or 'none'}; "
          f"threads left {threads or 'none'}")  # fmt: skip
    if bad:
        print(stderr[-2000:])
    return len(recs) == n == len(set(ids)) and not wrong and not bad and not threads


def hang(tmp: Path, provider: str) -> bool:
    print(f"\n== hang ({provider}): a server that never answers, timeout_s 1, no retry")
    out = tmp / f"hang-{provider}"
    with server(0) as url:
        # One answered case first, one at a time: the SDK's import is not the hang's time.
        spec = {"cases": [{"id": "warm", "input": "hello"},
                          {"id": "h", "input": "wait [[latency:600000]]"}],
                "provider": provider, "base_url": base_url(provider, url), "concurrency": 1,
                "retries": 0, "timeout_s": 1.0, "out": str(out)}  # fmt: skip
        info, stderr = drive(spec)
    warm, rec = records(out)
    kind = rec["error"]["kind"] if rec["error"] else "ok"  # type: ignore[index]
    took = (_when(rec["timestamp"]) - _when(warm["timestamp"])).total_seconds()
    bad = [b for b in BAD if b in stderr]
    print(f"record: {kind}, {took:.2f}s after the case before it (timeout_s 1); run wall "
          f"{info['wall']:.2f}s; stderr problems {bad or 'none'}")  # fmt: skip
    return kind == "timeout" and took < 1.3 and not bad


def _when(stamp: object) -> datetime:
    return datetime.fromisoformat(str(stamp))


def sigint(tmp: Path, provider: str, n: int) -> bool:
    print(f"\n== sigint ({provider}): evalkit run, {n} cases, concurrency 64, 50 ms server")
    ds = tmp / f"sig-{provider}.jsonl"
    cases = ({"id": f"c{i}", "input": f"q {i}", "expected": f"q {i}"} for i in range(n))
    ds.write_text("".join(json.dumps(c) + "\n" for c in cases))  # contains scores each case
    out = tmp / f"sig-{provider}"
    with server(50, 10) as url:
        cmd = [sys.executable, "-W", "error::ResourceWarning", "-m", "evalkit", "run", str(ds),
               "--provider", provider, "--model", "m-test", "--base-url",
               base_url(provider, url), "--concurrency", "64", "--out", str(out),
               "--cache-dir", str(tmp / f"sigcache-{provider}"), "--no-progress",
               "--scorer", "contains"]  # fmt: skip
        env = {**ENV, "OPENAI_API_KEY": "sk-x-000000", "ANTHROPIC_API_KEY": "sk-x-000000"}
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        results = out / "results.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if results.exists() and results.read_bytes().count(b"\n") >= n // 3:
                break
            time.sleep(0.01)
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        _, err1 = proc.communicate(timeout=60)
        stop_s = time.perf_counter() - t0
        manifest = json.loads((out / "manifest.json").read_text())
        before = len(records(out))
        resume = [*cmd[:6], "--resume", str(out), "--no-progress",
                  "--cache-dir", str(tmp / f"sigcache-{provider}")]  # fmt: skip
        again = subprocess.run(resume, cwd=tmp, env=env, capture_output=True, text=True)
    recs = records(out)
    keys = [(r["case_id"], r["repeat"]) for r in recs]
    final = json.loads((out / "manifest.json").read_text())["status"]
    bad = [b for b in BAD if b in err1 + again.stderr]
    print(f"stopped {stop_s:.2f}s after SIGINT, exit {proc.returncode}, status "
          f"{manifest['status']}, {before} records kept; resume exit {again.returncode}, "
          f"status {final}, {len(recs)} records, {len(set(keys))} unique; "
          f"stderr problems {bad or 'none'}")  # fmt: skip
    if bad or again.returncode != 0:
        print(err1[-1500:], again.stderr[-1500:])
    return (proc.returncode == 130 and manifest["status"] == "interrupted" and stop_s < 3
            and len(recs) == len(set(keys)) == n and final == "complete" and not bad)  # fmt: skip


CELL = """
import threading, evalkit
from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions
from evalkit.scoring import build_scorer
es = EvalSet.from_cases([{"id": f"c{i}", "input": f"q {i}"} for i in range(200)])
cand = Candidate(name="nb", provider=PROVIDER, model="m-test", base_url=URL,
                 api_key_env="EVALKIT_BENCH_KEY", concurrency=32)
r = evalkit.run(es, cand, [build_scorer("contains")], RunOptions(out_dir=OUT, cache_mode="off",
                progress="off", scorer_processes=0))
left = [t.name for t in threading.enumerate() if t.name.startswith("evalkit")]
print(r.manifest["status"], r.manifest["counts"]["records"], r.manifest["counts"]["errors"],
      left)
"""


def notebook(tmp: Path, provider: str) -> bool:
    import nbclient
    import nbformat

    print(f"\n== notebook ({provider}): evalkit.run in a Jupyter kernel's running loop")
    with server(20) as url:
        src = (f"PROVIDER, URL, OUT = {provider!r}, {base_url(provider, url)!r}, "
               f"{str(tmp / f'nb-{provider}')!r}\n" + CELL)  # fmt: skip
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src)])
        os.environ["EVALKIT_BENCH_KEY"] = ENV["EVALKIT_BENCH_KEY"]
        os.environ["PYTHONPATH"] = str(ROOT)
        t0 = time.perf_counter()
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
        wall = time.perf_counter() - t0
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    print(f"cell output: {text.strip()} (kernel + run {wall:.2f}s)")
    return text.strip() == "complete 200 0 []"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--provider", choices=("openai", "anthropic"), default="openai")
    p.add_argument("--only", choices=("faults", "hang", "sigint", "notebook"), default=None)
    p.add_argument("-n", type=int, default=2000, help="cases for faults and sigint")
    args = p.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    ok = True
    with tempfile.TemporaryDirectory(prefix="evalkit-faults-") as d:
        tmp = Path(d)
        steps = {
            "faults": lambda: faults(tmp, args.provider, args.n),
            "hang": lambda: hang(tmp, args.provider),
            "sigint": lambda: sigint(tmp, args.provider, args.n),
            "notebook": lambda: notebook(tmp, args.provider),
        }
        for name, step in steps.items():
            if args.only in (None, name):
                passed = step()
                print(f"{name}: {'PASS' if passed else 'FAIL'}")
                ok = ok and passed
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
