"""Time compare() on 10,000 cases x 3 scorers x 8 tags and measure the JSON size.

Run: python benchmarks/bench_compare.py [N_CASES]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.records import read_run
from evalkit.scoring import Score
from evalkit.summary import markdown_summary, terminal_summary
from tests.helpers.runs import candidate_dict, make_record, make_run


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rnd = random.Random(0)
    tags = [f"tag{i}" for i in range(8)]
    sides = []
    for name, shift in (("base", 0.0), ("cand", -0.02)):
        recs = []
        for i in range(n):
            g = min(1.0, max(0.0, rnd.gauss(0.85 + shift, 0.1)))
            claims = {"claims": [{"text": "claim", "span": [0, 5], "supported": g > 0.5}]}
            recs.append(
                make_record(
                    f"case-{i:05d}",
                    {
                        "groundedness": Score(g, g >= 0.7, "r", claims),
                        "acc": rnd.random() < 0.9,
                        "refusal": Score(1.0, True, "ok", {"outcome": "correct"}),
                    },
                    tags=rnd.sample(tags, 2),
                    output="An answer of moderate length. " * 8,
                    candidate=name,
                    cost=0.0004 + rnd.random() * 0.0002,
                    latency_ms=rnd.uniform(200, 900),
                )
            )
        sides.append((name, recs))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, recs in sides:
            make_run(Path(tmp) / name, recs, candidate=candidate_dict(name))
            paths.append(Path(tmp) / name)
        t0 = time.perf_counter()
        b, c = read_run(paths[0]), read_run(paths[1])
        t1 = time.perf_counter()
        gates = [
            Gate("groundedness.mean", max_drop=0.01, alpha=0.05),
            Gate("acc.pass_rate", min=0.8),
        ]
        cmp = compare(b, c, gates=gates)
        t2 = time.perf_counter()
        data = json.dumps(cmp.to_dict())
        t3 = time.perf_counter()
        terminal_summary(cmp)
        markdown_summary(cmp)
        t4 = time.perf_counter()
    print(f"cases: {n}, tags: {len(tags)}, scorers: 3")
    print(f"read both runs: {t1 - t0:.2f} s")
    print(f"compare (incl. gates): {t2 - t1:.2f} s")
    print(f"to_dict + json.dumps: {t3 - t2:.2f} s, {len(data) / 1e6:.1f} MB")
    print(f"summaries: {t4 - t3:.3f} s")
    print(f"verdict: {cmp.verdict.status}; " + "; ".join(r.reason for r in cmp.verdict.results))


if __name__ == "__main__":
    main()
