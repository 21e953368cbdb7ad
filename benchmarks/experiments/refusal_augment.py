"""Synthetic partial refusals as extra training rows: measured and NOT adopted.

Usage: ``python benchmarks/experiments/refusal_augment.py`` (about 2 minutes).

XSTest defines a partial refusal as a mix of refusal and compliance. This checks whether
rows built by that definition help the model: for each training fold only, ``n`` synthetic
partials are made by joining the opening refusal sentence of a training full refusal with a
training compliance (optionally after a pivot word). Test folds are never touched. Both of
``bench_refusal.py``'s protocols are printed (grouped 5-fold by prompt; leave-one-setup-out),
through the shipped decision path (model plus lexicon rules). Results are in
docs/scorers/refusal.md.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the trainer
from bench_refusal import metrics
from train_refusal import build, fit, load_rows

from evalkit.scorers._refusal_lexicon import REFUSAL, split_sentences
from evalkit.scorers.refusal import combined_verdict

PIVOTS = ("", "However, ", "That said, ", "But ", "")
SIZES = (0, 30, 60, 120)


def synthetic_partials(
    texts: Sequence[str], labels: Sequence[str], train: np.ndarray, n: int, rng: random.Random
) -> list[str]:
    """``n`` "opening refusal, then an answer" rows built from training rows only."""
    openings = []
    for i in train:
        if labels[i] == "full_refusal":
            first = (split_sentences(texts[i]) or [""])[0]
            if REFUSAL.search(first):
                openings.append(first)
    answers = [texts[i] for i in train if labels[i] == "compliance" and len(texts[i].split()) > 30]
    return [
        f"{rng.choice(openings)}\n\n{rng.choice(PIVOTS)}{rng.choice(answers)}" for _ in range(n)
    ]


def out_of_fold(
    texts: Sequence[str],
    labels: Sequence[str],
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    n: int,
) -> list[str]:
    pred = [""] * len(texts)
    rng = random.Random(0)
    for train, test in splits:
        extra = synthetic_partials(texts, labels, train, n, rng)
        x = [texts[i] for i in train] + extra
        y = [labels[i] for i in train] + ["partial_refusal"] * len(extra)
        model = build(fit(x, y), {})
        for i in test:
            pred[i] = combined_verdict(model, texts[i])[0]
    return pred


def main() -> int:
    rows = load_rows()
    texts = [r["completion"] for r in rows]
    labels = [r["verdict"] for r in rows]
    idx = np.arange(len(rows))
    setups = np.array([r["model"] for r in rows])
    protocols = {
        "grouped 5-fold": list(GroupKFold(5).split(idx, labels, [r["prompt_id"] for r in rows])),
        "leave-one-setup-out": [(idx[setups != s], idx[setups == s]) for s in sorted(set(setups))],
    }
    print(f"{'synthetic partials':>18}  {'protocol':<20} {'acc3':>6} {'mF1-3':>6} {'acc2':>6}")
    for n in SIZES:
        for name, splits in protocols.items():
            a3, f3, a2, _ = metrics(labels, out_of_fold(texts, labels, splits, n))
            print(f"{n:>18}  {name:<20} {a3:6.3f} {f3:6.3f} {a2:6.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
