"""Load a 100,000-case eval set and print time and memory.

Memory is measured as the growth of peak RSS while loading, beside the size of the cases
themselves (tracemalloc of the loaded objects), to show that loading streams: no spike of a
whole-file buffer or of all parsed JSON beyond the cases kept.

    python benchmarks/bench_dataset_load.py [N]
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


def write_eval_set(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(
                json.dumps(
                    {
                        "id": f"case-{i:06d}",
                        "input": f"Customer {i} asks: can I return item {i % 97} bought {i % 28} days ago?",
                        "vars": {"customer": f"C{i}", "plan": ["basic", "pro"][i % 2]},
                        "context": [
                            f"Returns are accepted within 30 days (policy {i % 13}).",
                            {
                                "id": "faq-7",
                                "text": "Sale items cannot be returned.",
                                "source": "faq",
                            },
                        ],
                        "expected": ["Yes, within 30 days."],
                        "should_refuse": False,
                        "tags": ["returns", ["low-risk", "high-risk"][i % 2]],
                        "metadata": {"batch": i // 1000},
                    }
                )
                + "\n"
            )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    from evalkit.dataset import load_eval_set

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        write_eval_set(path, n)
        size_mb = path.stat().st_size / 1e6
        rss_before = peak_rss_mb()
        t0 = time.perf_counter()
        es = load_eval_set(path)
        elapsed = time.perf_counter() - t0
        rss_after = peak_rss_mb()
        del es
        tracemalloc.start()
        es = load_eval_set(path)
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"cases: {len(es):,}  file: {size_mb:.1f} MB")
    print(f"load time: {elapsed:.2f} s  ({len(es) / elapsed:,.0f} cases/s)")
    print(f"peak RSS growth while loading: {rss_after - rss_before:.0f} MB")
    print(
        f"traced memory: kept {kept / 1e6:.0f} MB (the cases), peak {peak / 1e6:.0f} MB "
        f"(peak/kept = {peak / kept:.2f})"
    )


if __name__ == "__main__":
    main()
