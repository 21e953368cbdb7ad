"""Accuracy and speed of the ``groundedness`` scorer, with baselines measured in the same run.

Usage: ``python benchmarks/bench_groundedness.py [--data PATH] [--speed-n N] [--workers W]``

For each source dataset of the labelled file (HaluEval-QA, FaithBench) it prints AUROC
(of ``1 - value`` as hallucination score) and balanced accuracy at the scorer's DEFAULT
threshold, beside two baselines: content-word overlap (hallucinated unless every content
word of the answer occurs in the context) and a TF-IDF cosine threshold (the threshold is
chosen on the training folds of a grouped 5-fold split, so its figure is honest). It also
re-selects the scorer's two main knobs (``min_proximity`` and ``threshold``) inside a grouped
5-fold cross-validation, to show how much of the default's figure is owed to choosing it on
this data. It also ranks by the number of *strongly* unsupported claims and measures the
scorer's opt-in summary gate (``max_strongly_unsupported=2``), whose cut-off is the one the
grouped CV picks on FaithBench in every fold. Groups are the context (the same knowledge paragraph or source document never
lands in both the training and the test fold).

Speed: responses per second with ``W`` worker processes on synthetic typical RAG cases
(five 300-word passages, a 120-word answer built from them with some invented facts).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_text import content_words, stem, words
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import ScoreContext

DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "groundedness" / "groundedness.jsonl"
)
PROXIMITY_GRID = (0.5, 0.55, 0.6, 0.65, 0.7)
THRESHOLD_GRID = (0.5, 0.6, 0.75, 0.9, 1.0)


def to_case(row: dict[str, Any]) -> tuple[Case, Response]:
    """One labelled row as the scorer sees it: the context is one passage with id ``1``, the
    question is the case's input (so its names and numbers count as the user's own, as they
    would in an application)."""
    case = Case(
        id=row["id"],
        input=row.get("question") or "Summarise the passage.",
        context=(ContextPassage("1", row["context"]),),
    )
    return case, Response(text=row["response"])


def score_rows(rows: Sequence[dict[str, Any]], scorer: Groundedness) -> list[float]:
    return [value for value, _, _ in score_rows_with_counts(rows, scorer)]


def score_rows_with_counts(
    rows: Sequence[dict[str, Any]], scorer: Groundedness
) -> list[tuple[float, int, int]]:
    """Each row's value and its numbers of unsupported and strongly unsupported claims."""
    out = []
    for row in rows:
        case, response = to_case(row)
        score = scorer.score(ScoreContext(case, response))
        metrics = score.details["metrics"]  # type: ignore[union-attr]
        bad = int(metrics["unsupported_claims"])
        strong = int(metrics["strongly_unsupported_claims"])
        out.append((float(score.value), bad, strong))  # type: ignore[arg-type]
    return out


def overlap(row: dict[str, Any]) -> float:
    """Baseline 1: share of the answer's content words found in the context."""
    answer = content_words(row["response"])
    context = {stem(w) for w in words(row["context"])}
    return sum(w in context for w in answer) / len(answer) if answer else 1.0


def tfidf_cosine(rows: Sequence[dict[str, Any]]) -> np.ndarray:
    """Baseline 2: TF-IDF cosine between answer and context (fitted on all contexts)."""
    vec = TfidfVectorizer(sublinear_tf=True).fit([r["context"] for r in rows])
    a = vec.transform([r["response"] for r in rows])
    c = vec.transform([r["context"] for r in rows])
    return np.asarray(a.multiply(c).sum(axis=1)).ravel()


def bacc(y: np.ndarray, hallucinated: np.ndarray) -> float:
    return float(balanced_accuracy_score(y, hallucinated))


def cv_threshold(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> float:
    """Balanced accuracy of "hallucinated if x < t" with t chosen on the training folds."""
    pred = np.zeros(len(y), dtype=bool)
    for train, test in GroupKFold(5).split(x, y, groups):
        cands = np.unique(x[train])
        best = max(cands, key=lambda t: bacc(y[train], x[train] < t))
        pred[test] = x[test] < best
    return bacc(y, pred)


def accuracy(rows: list[dict[str, Any]]) -> None:
    scorer = Groundedness()
    t0 = time.perf_counter()
    scored = score_rows_with_counts(rows, scorer)
    values = np.array([v for v, _, _ in scored])
    unsupported = np.array([b for _, b, _ in scored])
    strong = np.array([s for _, _, s in scored])
    elapsed = time.perf_counter() - t0
    cos = tfidf_cosine(rows)
    ov = np.array([overlap(r) for r in rows])
    y = np.array([r["label"] == "hallucinated" for r in rows])
    groups = np.array([zlib.crc32(r["context"].encode("utf-8")) for r in rows])
    ds = np.array([r["source_dataset"] for r in rows])
    print(f"scored {len(rows)} rows in {elapsed:.2f}s (one process, serial)")
    print(f"default threshold = {scorer.threshold}; hallucination score = 1 - value\n")
    header = f"{'dataset':<12} {'n':>4} {'method':<38} {'AUROC':>6} {'BAcc':>6}"
    print(header)
    print("-" * len(header))
    for name in ("HaluEval-QA", "FaithBench"):
        m = ds == name
        yy, gg = y[m], groups[m]
        lines = [
            ("groundedness (default threshold)", 1 - values[m], values[m] < scorer.threshold),
            ("baseline: content-word overlap = 1", 1 - ov[m], ov[m] < 1.0),
        ]
        for label, score, pred in lines:
            print(
                f"{name:<12} {m.sum():>4} {label:<38} {roc_auc_score(yy, score):6.3f} {bacc(yy, pred):6.3f}"
            )
        print(
            f"{name:<12} {m.sum():>4} {'unsupported-claim count (ranking only)':<38} "
            f"{roc_auc_score(yy, unsupported[m]):6.3f} {'':>6}"
        )
        print(
            f"{name:<12} {m.sum():>4} {'strongly unsupported count, CV thr':<38} "
            f"{roc_auc_score(yy, strong[m]):6.3f} {cv_threshold(yy, -strong[m], gg):6.3f}"
        )
        print(  # the scorer's opt-in gate for summaries: max_strongly_unsupported = 2
            f"{name:<12} {m.sum():>4} {'summary gate (max 2 strongly unsupp.)':<38} "
            f"{roc_auc_score(yy, strong[m]):6.3f} {bacc(yy, strong[m] > 2):6.3f}"
        )
        print(
            f"{name:<12} {m.sum():>4} {'baseline: content-word overlap, CV thr':<38} "
            f"{roc_auc_score(yy, 1 - ov[m]):6.3f} {cv_threshold(yy, ov[m], gg):6.3f}"
        )
        print(
            f"{name:<12} {m.sum():>4} {'baseline: TF-IDF cosine, CV threshold':<38} "
            f"{roc_auc_score(yy, -cos[m]):6.3f} {cv_threshold(yy, cos[m], gg):6.3f}"
        )
    ablation(rows, y, ds, scorer.threshold)
    cross_validate(rows, y, groups, ds)


def ablation(rows: list[dict[str, Any]], y: np.ndarray, ds: np.ndarray, threshold: float) -> None:
    """What the relation check adds: the same scorer with it switched off."""
    values = np.array(score_rows(rows, Groundedness(check_relations=False)))
    print("\nablation at the default threshold")
    for name in ("HaluEval-QA", "FaithBench"):
        m = ds == name
        print(
            f"{name:<12} {m.sum():>4} {'groundedness, no relation check':<38} "
            f"{roc_auc_score(y[m], 1 - values[m]):6.3f} {bacc(y[m], values[m] < threshold):6.3f}"
        )


def cross_validate(
    rows: list[dict[str, Any]], y: np.ndarray, groups: np.ndarray, ds: np.ndarray
) -> None:
    """Re-choose min_proximity and threshold on training folds; report the test folds."""
    grid = {p: np.array(score_rows(rows, Groundedness(min_proximity=p))) for p in PROXIMITY_GRID}

    def objective(idx: np.ndarray, p: float, t: float) -> float:
        per = [bacc(y[idx][ds[idx] == d], grid[p][idx][ds[idx] == d] < t) for d in set(ds[idx])]
        return float(np.mean(per))

    pred = np.zeros(len(y), dtype=bool)
    chosen = []
    for train, test in GroupKFold(5).split(rows, y, groups):
        p, t = max(
            ((p, t) for p in PROXIMITY_GRID for t in THRESHOLD_GRID),
            key=lambda pt: objective(train, *pt),
        )
        chosen.append((p, t))
        pred[test] = grid[p][test] < t
    print(f"\ngrouped 5-fold CV re-selecting (min_proximity, threshold); chosen per fold: {chosen}")
    for name in ("HaluEval-QA", "FaithBench"):
        m = ds == name
        print(
            f"{name:<12} {m.sum():>4} {'groundedness, CV-selected knobs':<38} {'':>6} {bacc(y[m], pred[m]):6.3f}"
        )


def synthetic_cases(n: int, seed: int = 7) -> list[tuple[Case, Response]]:
    """Typical RAG cases: five 300-word passages and a 120-word answer drawn from them."""
    rng = random.Random(seed)
    vocab = [
        f"{a}{b}"
        for a in ("alpha", "beta", "gamma", "delta", "omega", "sigma")
        for b in ("rate", "plan", "fee", "policy", "claim", "window", "period", "limit", "term")
    ]
    names = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne"]
    out = []
    for i in range(n):
        passages = []
        sentences: list[str] = []
        for p in range(5):
            sents: list[str] = []
            while len(" ".join(sents).split()) < 300:
                s = (
                    f"The {rng.choice(vocab)} of {rng.choice(names)} is {rng.randint(1, 999)} "
                    f"days under the {rng.choice(vocab)} and the {rng.choice(vocab)} since "
                    f"{rng.randint(1990, 2024)}."
                )
                sents.append(s)
            passages.append(ContextPassage(str(p + 1), " ".join(sents), f"doc-{p + 1}"))
            sentences.extend(f"{s} [{p + 1}]" for s in sents)
        answer: list[str] = ["Sure, here is what the documents say."]
        while len(" ".join(answer).split()) < 120:
            s = rng.choice(sentences)
            if rng.random() < 0.2:
                s = s.replace(" is ", f" is {rng.randint(1000, 2000)} and ")
            answer.append(s)
        out.append(
            (
                Case(id=f"syn-{i}", input="q", context=tuple(passages)),
                Response(text=" ".join(answer)),
            )
        )
    return out


def _score_chunk(chunk: list[tuple[Case, Response]]) -> tuple[int, float]:
    """Score a chunk; return its size and the CPU seconds this process spent on it."""
    scorer = Groundedness()
    t0 = time.process_time()
    for case, response in chunk:
        scorer.score(ScoreContext(case, response))
    return len(chunk), time.process_time() - t0


def speed(n: int, workers: int) -> None:
    """Wall-clock throughput, and CPU-time throughput (what idle cores would deliver: on a
    shared, loaded machine the wall clock mostly measures the other processes)."""
    cases = synthetic_cases(n)
    words_answer = np.mean([len(r.text.split()) for _, r in cases])
    words_passage = np.mean([len(p.text.split()) for c, _ in cases for p in c.context])
    _score_chunk(cases[:5])  # warm imports
    t0 = time.perf_counter()
    _, cpu = _score_chunk(cases)
    serial_wall = n / (time.perf_counter() - t0)
    serial_cpu = n / cpu
    chunks = [cases[i :: workers * 4] for i in range(workers * 4)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_score_chunk, [c[:2] for c in chunks[:workers]]))  # start workers
        t0 = time.perf_counter()
        results = list(pool.map(_score_chunk, chunks))
        wall = time.perf_counter() - t0
    done = sum(r[0] for r in results)
    cpu_total = sum(r[1] for r in results)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\nspeed on {n} synthetic cases (5 passages x {words_passage:.0f} words, "
        f"answers of {words_answer:.0f} words); {os.cpu_count()} CPUs, load average {load:.1f}:"
    )
    print(
        f"  1 process : {serial_wall:.0f} responses/s wall clock, {serial_cpu:.0f}/s per CPU second"
    )
    print(
        f"  {workers} processes: {done / wall:.0f} responses/s wall clock, "
        f"{workers * done / cpu_total:.0f}/s on {workers} fully available cores (CPU time)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--speed-n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]
    accuracy(rows)
    speed(args.speed_n, args.workers)


if __name__ == "__main__":
    main()
