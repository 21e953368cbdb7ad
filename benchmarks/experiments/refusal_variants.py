"""Out-of-fold experiments for the refusal model that were measured and NOT adopted.

Usage: ``python benchmarks/experiments/refusal_variants.py [--only NAME[,NAME...]]`` (about 3
minutes). Kept so the "tried and not adopted" figures in docs/scorers/refusal.md can be re-run.

Every variant is measured with the two protocols of ``benchmarks/bench_refusal.py``: grouped
5-fold (``GroupKFold(5)`` on ``prompt_id``, the identical splits) and leave-one-setup-out. For
each, three decision paths: "model" is the argmax of the variant's probabilities (features
include the lexicon block, unlike the bench's lexicon-free "model" row), "combined" puts those
probabilities through the shipped ``combined_verdict`` (lexicon override rules), "comb+4b" is
idea 4b (binary decision by p_refusal > 0.5 first, then the same rules). Only the training fold
sees annotator labels; test folds are scored against ``label``.

Hyper-parameters are fixed in advance (C=10 as shipped, equal-weight averages, ComplementNB
alpha=1, MultinomialNB alpha=0.1, LinearSVC C=1, SGD alpha=1e-4, 10 bags); none was selected on
these results.

Probabilities come straight from scikit-learn (not through the JSON export); the baseline row
reproduces the bench's shipped figures, which checks the harness.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GroupKFold
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the trainer
from bench_refusal import metrics
from train_refusal import BLOCKS, LABELS, load_rows

from evalkit.scorers._refusal_lexicon import (
    VERDICTS,
    lexicon_features,
    lexicon_override,
    short_opening_refusal,
)
from evalkit.scorers._refusal_model import ANALYZERS
from evalkit.scorers.refusal import combined_verdict

C = 10.0
K = len(VERDICTS)


@dataclass
class Fold:
    """Feature matrices of one split: TF-IDF blocks fitted on the training rows only."""

    train: np.ndarray
    test: np.ndarray
    xtr: csr_matrix  # tf-idf blocks (weighted) + lexicon
    xte: csr_matrix
    n_tfidf: int  # number of tf-idf columns (lexicon columns follow)


def make_fold(texts: Sequence[str], lex: np.ndarray, train: np.ndarray, test: np.ndarray) -> Fold:
    trp, tep = [], []
    for name, weight in BLOCKS:
        vec = TfidfVectorizer(analyzer=ANALYZERS[name], sublinear_tf=True, min_df=2)
        trp.append(vec.fit_transform([texts[i] for i in train]) * weight)
        tep.append(vec.transform([texts[i] for i in test]) * weight)
    n = sum(p.shape[1] for p in trp)
    xtr = hstack([*trp, csr_matrix(lex[train])]).tocsr()
    xte = hstack([*tep, csr_matrix(lex[test])]).tocsr()
    return Fold(train, test, xtr, xte, n)


# ---------------------------------------------------------------- variants
# A variant maps (fold, training labels as indices, the training rows) to test probabilities
# (n_test x 3, columns in VERDICTS order).
Variant = Callable[[Fold, np.ndarray, list[dict[str, Any]]], np.ndarray]
VIDX = {v: i for i, v in enumerate(VERDICTS)}


def _lr(c: float = C, **kw: Any) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=5000, **kw)


def _proba(clf: Any, x: Any) -> np.ndarray:
    """predict_proba with columns put in VERDICTS order."""
    p = clf.predict_proba(x)
    out = np.zeros((x.shape[0], K))
    for j, cls in enumerate(clf.classes_):
        out[:, int(cls)] = p[:, j]
    return out


def v_baseline(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    return _proba(_lr().fit(f.xtr, y), f.xte)


def _annot(rows: list[dict[str, Any]], key: str) -> np.ndarray:
    return np.array([VIDX[LABELS[r[key]]] for r in rows])


def v_annot_pair(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 1a: each row twice, once per annotator's label, weight 1/2 each."""
    a1, a2 = _annot(rows, "annotation_1"), _annot(rows, "annotation_2")
    x = hstack([f.xtr.T, f.xtr.T]).T.tocsr()
    yy = np.concatenate([a1, a2])
    w = np.full(len(yy), 0.5)
    return _proba(_lr().fit(x, yy, sample_weight=w), f.xte)


def v_annot_soft(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 1b: soft labels from final label + both annotators (weights 1/3 each)."""
    a1, a2 = _annot(rows, "annotation_1"), _annot(rows, "annotation_2")
    x = hstack([f.xtr.T, f.xtr.T, f.xtr.T]).T.tocsr()
    yy = np.concatenate([y, a1, a2])
    w = np.full(len(yy), 1 / 3)
    return _proba(_lr().fit(x, yy, sample_weight=w), f.xte)


def v_annot_downweight(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 1c: final label, rows where the annotators disagree at weight 0.5."""
    w = np.array([1.0 if r["annotators_agree"] else 0.5 for r in rows])
    return _proba(_lr().fit(f.xtr, y, sample_weight=w), f.xte)


def v_annot_drop(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 1d: train only on rows where the annotators agree."""
    keep = np.array([bool(r["annotators_agree"]) for r in rows])
    return _proba(_lr().fit(f.xtr[keep], y[keep]), f.xte)


def _nb_ratio(x: csr_matrix, pos: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Wang & Manning log-count ratio over binarised features."""
    xb = (x > 0).astype(float)
    p = np.asarray(xb[pos].sum(axis=0)).ravel() + alpha
    q = np.asarray(xb[~pos].sum(axis=0)).ravel() + alpha
    return np.log((p / p.sum()) / (q / q.sum()))


def v_nblr(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 2a: NB-LR one-vs-rest; tf-idf columns scaled by the class's log-count ratio,
    lexicon columns unscaled; OvR sigmoid outputs renormalised."""
    out = np.zeros((f.xte.shape[0], K))
    for k in range(K):
        pos = y == k
        r = np.ones(f.xtr.shape[1])
        r[: f.n_tfidf] = _nb_ratio(f.xtr[:, : f.n_tfidf], pos)
        xtr, xte = f.xtr.multiply(r).tocsr(), f.xte.multiply(r).tocsr()
        clf = _lr().fit(xtr, pos.astype(int))
        out[:, k] = clf.predict_proba(xte)[:, 1]
    return out / out.sum(axis=1, keepdims=True)


def v_lr_cnb(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 2b: mean of the shipped LR and ComplementNB (alpha=1) probabilities."""
    p1 = _proba(_lr().fit(f.xtr, y), f.xte)
    p2 = _proba(ComplementNB(alpha=1.0).fit(f.xtr, y), f.xte)
    return (p1 + p2) / 2


def v_lr_mnb(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 2c: mean of the shipped LR and MultinomialNB (alpha=0.1) probabilities."""
    p1 = _proba(_lr().fit(f.xtr, y), f.xte)
    p2 = _proba(MultinomialNB(alpha=0.1).fit(f.xtr, y), f.xte)
    return (p1 + p2) / 2


def v_lr_sgd(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 3a: mean of LR and SGD modified_huber (alpha=1e-4, fixed seed)."""
    p1 = _proba(_lr().fit(f.xtr, y), f.xte)
    sgd = SGDClassifier(loss="modified_huber", alpha=1e-4, max_iter=2000, random_state=0)
    p2 = _proba(sgd.fit(f.xtr, y), f.xte)
    return (p1 + p2) / 2


def v_lr_svc(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 3b: mean of LR and sigmoid-calibrated LinearSVC (C=1; calibration on 3 inner
    folds grouped by prompt, inside the training fold)."""
    p1 = _proba(_lr().fit(f.xtr, y), f.xte)
    groups = np.array([r["prompt_id"] for r in rows])
    inner = list(GroupKFold(3).split(np.arange(len(y)), y, groups))
    cal = CalibratedClassifierCV(LinearSVC(C=1.0), method="sigmoid", cv=inner)
    p2 = _proba(cal.fit(f.xtr, y), f.xte)
    return (p1 + p2) / 2


def v_lr_l1(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 3c: mean of the shipped LR (l2) and an l1 LR (C=10, saga)."""
    p1 = _proba(_lr().fit(f.xtr, y), f.xte)
    l1 = LogisticRegression(C=C, l1_ratio=1.0, solver="saga", max_iter=5000)
    p2 = _proba(l1.fit(f.xtr, y), f.xte)
    return (p1 + p2) / 2


def v_ordinal(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """Idea 4a: ordinal decomposition compliance < partial < full (Frank & Hall 2001):
    P(y >= partial) and P(y = full) from two binary LRs; P(partial) = difference (clipped)."""
    p_ge1 = _lr().fit(f.xtr, (y >= 1).astype(int)).predict_proba(f.xte)[:, 1]
    p_ge2 = _lr().fit(f.xtr, (y >= 2).astype(int)).predict_proba(f.xte)[:, 1]
    out = np.stack([1 - p_ge1, np.clip(p_ge1 - p_ge2, 0, None), p_ge2], axis=1)
    out = np.clip(out, 1e-9, None)
    return out / out.sum(axis=1, keepdims=True)


def v_bagged(f: Fold, y: np.ndarray, rows: list[dict[str, Any]]) -> np.ndarray:
    """3d: 10 LRs on bootstrap samples of prompts (groups), coefficients averaged (so the
    result is one linear model, exportable as the shipped file); fixed seed."""
    groups = np.array([r["prompt_id"] for r in rows])
    uniq = np.unique(groups)
    rng = np.random.default_rng(0)
    coef = np.zeros((K, f.xtr.shape[1]))
    icpt = np.zeros(K)
    for _ in range(10):
        pick = rng.choice(uniq, size=len(uniq), replace=True)
        take = np.concatenate([np.flatnonzero(groups == g) for g in pick])
        clf = _lr().fit(f.xtr[take], y[take])
        assert list(clf.classes_) == list(range(K))
        coef += clf.coef_ / 10
        icpt += clf.intercept_ / 10
    z = f.xte @ coef.T + icpt
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


VARIANTS: dict[str, Variant] = {
    "baseline (shipped LR)": v_baseline,
    "1a annotators x2, w=1/2": v_annot_pair,
    "1b label+annotators x3, w=1/3": v_annot_soft,
    "1c disagreement rows w=0.5": v_annot_downweight,
    "1d train on agreed rows only": v_annot_drop,
    "2a NB-LR one-vs-rest": v_nblr,
    "2b mean(LR, ComplementNB)": v_lr_cnb,
    "2c mean(LR, MultinomialNB)": v_lr_mnb,
    "3a mean(LR, SGD mod_huber)": v_lr_sgd,
    "3b mean(LR, LinearSVC+cal)": v_lr_svc,
    "3c mean(LR l2, LR l1)": v_lr_l1,
    "3d bagged LR (prompt bootstrap)": v_bagged,
    "4a ordinal (Frank & Hall)": v_ordinal,
}


class _Fixed:
    """Stands in for RefusalModel in combined_verdict: returns precomputed probabilities."""

    def __init__(self) -> None:
        self.p: dict[str, float] = {}

    def predict_proba(self, text: str) -> dict[str, float]:
        return self.p


def hier_verdict(p: dict[str, float], text: str) -> str:
    """4b: the binary decision first (any refusal iff p_partial + p_full > 0.5, i.e. the
    same sum the binary metric and ``p_refusal`` use), then partial vs full by the larger
    probability; then the shipped lexicon rules exactly as in ``combined_verdict``."""
    if p["compliance"] >= 0.5:
        best = "compliance"
    else:
        best = max(("partial_refusal", "full_refusal"), key=p.__getitem__)
    if lexicon_override(text):
        return "full_refusal"
    if best == "compliance" and short_opening_refusal(text):
        return max(("partial_refusal", "full_refusal"), key=p.__getitem__)
    return best


def predictions(proba: np.ndarray, texts: Sequence[str]) -> dict[str, list[str]]:
    """Per decision path, one verdict per row: model argmax, shipped combined, 4b hier."""
    shim = _Fixed()
    out: dict[str, list[str]] = {"model": [], "combined": [], "comb+4b": []}
    for i, t in enumerate(texts):
        shim.p = {v: float(proba[i, k]) for k, v in enumerate(VERDICTS)}
        out["model"].append(VERDICTS[int(np.argmax(proba[i]))])
        out["combined"].append(combined_verdict(shim, t)[0])  # type: ignore[arg-type]
        out["comb+4b"].append(hier_verdict(shim.p, t))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="comma-separated variant-name prefixes")
    args = ap.parse_args(argv)
    rows = load_rows()
    texts = [r["completion"] for r in rows]
    y_str = [r["verdict"] for r in rows]
    y = np.array([VIDX[v] for v in y_str])
    groups = [r["prompt_id"] for r in rows]
    setups = np.array([r["model"] for r in rows])
    idx = np.arange(len(rows))
    lex = np.array([lexicon_features(t) for t in texts])
    protocols = {
        "grouped5": list(GroupKFold(5).split(idx, y_str, groups)),
        "LOSO": [(idx[setups != s], idx[setups == s]) for s in sorted(set(setups))],
    }
    folds = {
        name: [make_fold(texts, lex, tr, te) for tr, te in splits]
        for name, splits in protocols.items()
    }
    chosen = [p.strip() for p in args.only.split(",") if p.strip()]
    print(f"XSTest dev split: {len(rows)} completions; C={C}; all settings fixed in advance")
    head = f"{'variant':<32} {'protocol':<9} {'path':<9} {'acc3':>6} {'mF1-3':>6} {'acc2':>6}"
    print(head)
    print("-" * len(head))
    for vname, fn in VARIANTS.items():
        if chosen and not any(vname.startswith(c) for c in chosen):
            continue
        t0 = time.perf_counter()
        for pname, fl in folds.items():
            proba = np.zeros((len(rows), K))
            for f in fl:
                proba[f.test] = fn(f, y[f.train], [rows[i] for i in f.train])
            for path, pred in predictions(proba, texts).items():
                a3, f3, a2, _ = metrics(y_str, pred)
                print(f"{vname:<32} {pname:<9} {path:<9} {a3:6.3f} {f3:6.3f} {a2:6.3f}")
        print(f"{'':<32} ({time.perf_counter() - t0:.0f}s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
