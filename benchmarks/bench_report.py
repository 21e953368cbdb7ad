"""Size and speed of the HTML report at 10,000 cases, measured in headless Chromium.

Prints: compare time, render time, file size (and per case), then for the page in Chromium
the time to first contentful paint, the time until the case table is ready (data parsed,
first page of rows drawn), and the time a filter, a search and expanding a case take.

    python benchmarks/bench_report.py [--cases 10000] [--words 120] [--passages 3]

``--passages N`` writes an eval set with N context passages of about 500 characters and an
expected answer per case, and points both runs' manifests at it, so the case details carry
their evidence (each unsupported claim's best passage whole, the others cut).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.report import write_report
from tests.helpers.browser import launch, open_page
from tests.helpers.report_runs import random_specs, spec_run


def lengthen(specs: list[dict], words: int) -> list[dict]:
    """Repeat each output up to about ``words`` words (a typical RAG answer is ~120)."""
    for s in specs:
        base = s["output"].split(" ")
        s["output"] = " ".join((base * (words // len(base) + 1))[:words])
    return specs


def eval_set(tmp: Path, specs: list[dict], passages: int) -> tuple[str, str]:
    """Write the eval set for ``specs`` (same ids and inputs); its dataset name and version.
    Each claim of the specs is pointed at passage ``p0``, as groundedness records it."""
    from evalkit.dataset import load_eval_set

    path = tmp / "set.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for s in specs:
            words = s["output"].split(" ")
            ctx = [
                {"id": f"p{k}", "text": " ".join((words * 20)[k * 7 : k * 7 + 90])}
                for k in range(passages)
            ]
            case = {"id": s["id"], "input": s["input"], "context": ctx, "expected": ["ten days"]}
            f.write(json.dumps(case) + "\n")
    return str(path.with_suffix("")), load_eval_set(path).version


def with_passage(specs: list[dict]) -> list[dict]:
    for s in specs:
        for claim in s["details"]["groundedness"]["claims"]:
            claim["passage"] = "p0"
    return specs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--words", type=int, default=120, help="words per output")
    ap.add_argument("--repeats", type=int, default=3, help="page loads to time (median)")
    ap.add_argument("--passages", type=int, default=0, help="context passages per case")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_report_"))
    n = args.cases
    b_specs = lengthen(random_specs(n, seed=7, quality=0.8, cost=0.002), args.words)
    c_specs = lengthen(random_specs(n, seed=7, quality=0.75, cost=0.0024), args.words)
    ds: dict[str, str] = {}
    if args.passages:
        name, version = eval_set(tmp, b_specs, args.passages)
        ds = {"dataset": name, "dataset_version": version}
        b_specs, c_specs = with_passage(b_specs), with_passage(c_specs)
    base = spec_run(tmp, "base", b_specs, **ds)
    cand = spec_run(tmp, "cand", c_specs, **ds)

    t0 = time.perf_counter()
    comparison = compare(base, cand, gates=(Gate(metric="groundedness.mean", max_drop=0.02),))
    t_compare = time.perf_counter() - t0
    t0 = time.perf_counter()
    path = write_report(comparison, tmp / "report.html")
    t_render = time.perf_counter() - t0
    size = path.stat().st_size
    print(f"cases: {n}, words per output: {args.words}, context passages: {args.passages}")
    print(f"compare(): {t_compare:.2f} s")
    print(f"write_report(): {t_render:.2f} s")
    print(f"file size: {size / 1e6:.2f} MB ({size / n:.0f} bytes per case)")

    fcp, ready, filt, search, expand = [], [], [], [], []
    with launch() as browser:
        for _ in range(args.repeats):
            page, watch = open_page(browser, path)
            assert watch.clean, watch
            paint = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1"
            )
            fcp.append(paint)
            ready.append(float(page.get_attribute("body", "data-ready-ms") or "nan"))
            s = page.locator("#section-0")
            t0 = time.perf_counter()
            s.locator(".f-status").select_option("regression")
            s.locator("tbody.rows tr.case").first.wait_for()
            filt.append((time.perf_counter() - t0) * 1000)
            s.locator(".f-status").select_option("all")
            t0 = time.perf_counter()
            s.locator(".f-text").fill("case-09999")
            page.locator("#section-0 tbody.rows tr.case >> nth=1").wait_for(state="detached")
            search.append((time.perf_counter() - t0) * 1000 - 150)  # minus the debounce
            t0 = time.perf_counter()
            s.locator("tbody.rows tr.case").first.click()
            s.locator("tr.detail").wait_for()
            expand.append((time.perf_counter() - t0) * 1000)
            out = Path(__file__).parent / "out"
            out.mkdir(exist_ok=True)
            page.screenshot(path=str(out / "report_10k.png"))
            page.close()

    def med(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2]

    print(f"Chromium first contentful paint: {med(fcp):.0f} ms (median of {args.repeats})")
    print(f"Chromium case table ready (JSON parsed, first 100 rows): {med(ready):.0f} ms")
    print(f"filter 'regressions only' over {n} cases: {med(filt):.0f} ms")
    print(f"text search over {n} cases (first search, builds the index): {med(search):.0f} ms")
    print(f"expand one case (word diff + render): {med(expand):.0f} ms")
    print(f"screenshot: {Path(__file__).parent / 'out' / 'report_10k.png'}")


if __name__ == "__main__":
    main()
