"""Time aggregation of 100,000 records x 5 scorers x 10 tags (overall and per tag).

Run: python benchmarks/bench_aggregate.py [N_RECORDS] [REPEATS]

Prints seconds for summarise_cases, aggregate (overall) and aggregate_by_tag, and the peak
resident memory of the process. Records are built in memory (no run directory), so the figure
is aggregation alone.
"""

from __future__ import annotations

import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.aggregate import aggregate, aggregate_by_tag, summarise_cases
from evalkit.scoring import Score
from tests.helpers.runs import make_record


def build(n_records: int, repeats: int) -> list:
    rnd = random.Random(0)
    tags = [f"tag{i}" for i in range(10)]
    recs = []
    for i in range(n_records):
        case, rep = divmod(i, repeats)
        g = min(1.0, max(0.0, rnd.gauss(0.85, 0.1)))
        should = rnd.random() < 0.5
        refused = rnd.random() < (0.9 if should else 0.05)
        outcome = (
            "correct" if refused == should else ("over_refusal" if refused else "under_refusal")
        )
        scores = {
            "groundedness": Score(g, g >= 0.7, "r"),
            "acc": rnd.random() < 0.9,
            "refusal": Score(
                float(outcome == "correct"),
                outcome == "correct",
                "r",
                {"outcome": outcome, "metrics": {"refused": float(refused)}},
            ),
            "tool_calls": Score(
                rnd.random(), None, "r", {"metrics": {"argument_accuracy": rnd.random()}}
            ),
            "cost": Score(1.0, True, "r") if rnd.random() > 0.01 else Score.failure("boom"),
        }
        rnd_case = random.Random(case)
        recs.append(
            make_record(
                f"case-{case:06d}",
                scores,
                repeat=rep,
                tags=rnd_case.sample(tags, 2),
                error="timeout" if rnd.random() < 0.005 else None,
                latency_ms=rnd.uniform(200, 900),
            )
        )
    return recs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    recs = build(n, repeats)
    t0 = time.perf_counter()
    cases = summarise_cases(recs)
    t1 = time.perf_counter()
    overall = aggregate(recs)
    t2 = time.perf_counter()
    by_tag = aggregate_by_tag(recs)
    t3 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"records={n} cases={len(cases)} repeats={repeats} scorers=5 tags={len(by_tag)}")
    print(f"summarise_cases: {t1 - t0:.2f} s")
    print(f"aggregate (overall): {t2 - t1:.2f} s")
    print(f"aggregate_by_tag ({len(by_tag)} tags): {t3 - t2:.2f} s")
    print(f"overall + per tag: {t3 - t1:.2f} s; peak RSS {peak_mb:.0f} MB")
    print(
        f"acc.pass_rate {overall.metrics()['acc.pass_rate']:.4f}, "
        f"refusal.over_refusal_rate {overall.metrics()['refusal.over_refusal_rate']:.4f}"
    )


if __name__ == "__main__":
    main()
