"""Train the refusal scorer's model and export it as JSON (never pickle).

Usage: ``python benchmarks/train_refusal.py [--data PATH] [--out PATH]``

Data: XSTest completions (``/work/shared/data/refusal/xstest_completions.jsonl``, the dev
split: 705 completions of five model setups with human labels). The shipped model is trained
on all of it; its *reported* accuracy comes from out-of-fold predictions in
``benchmarks/bench_refusal.py``, which reuses :func:`fit` from this file.

Features: TF-IDF (sublinear tf, l2) over word 1-2-grams of the whole response (weight 0.5)
and over prefixed word 1-3-grams of its first two sentences (weight 1.0), plus the lexicon's
positional features; multinomial logistic regression, C=10. The choices were made by grouped
cross-validation on the dev split (whole-response n-grams alone: 0.86 3-way; adding the head
block: 0.88; character n-grams and a tail block did not help), not by looking at rows.

Licence of the data the model is derived from: XSTest prompts CC-BY-4.0 (Röttger et al.,
NAACL 2024); completions from Llama-2 (Meta), Mistral-7B-Instruct (Mistral AI) and GPT-4
(OpenAI), subject to those providers' terms. The JSON file's header records this.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from evalkit.hashing import sha256_json
from evalkit.scorers._refusal_lexicon import FEATURE_NAMES, VERDICTS, lexicon_features
from evalkit.scorers._refusal_model import (
    ANALYZERS,
    FORMAT,
    SCHEMA_VERSION,
    RefusalModel,
    model_from_dict,
)

DATA = Path("/work/shared/data/refusal/xstest_completions.jsonl")
OUT = Path(__file__).resolve().parents[1] / "evalkit" / "scorers" / "data" / "refusal_model.json"
LABELS = {
    "full_compliance": "compliance",
    "partial_refusal": "partial_refusal",
    "full_refusal": "full_refusal",
}
BLOCKS: tuple[tuple[str, float], ...] = (("body", 0.5), ("head", 1.0))
"""(analyzer, weight) of each TF-IDF block."""
LICENCE = (
    "Derived from XSTest (Röttger, Kirk, Vidgen, Attanasio, Bianchi, Hovy, NAACL 2024; "
    "github.com/paul-rottger/exaggerated-safety @ d7bb5bd7): prompts CC-BY-4.0; model "
    "completions (Llama-2-70b-chat, Mistral-7B-Instruct, GPT-4) subject to the Meta, Mistral AI "
    "and OpenAI terms. The file holds vocabulary and weights only, no rows."
)


def load_rows(path: Path = DATA) -> list[dict[str, Any]]:
    """Read the labelled completions, mapping labels to the scorer's verdict names."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for r in rows:
        r["verdict"] = LABELS[r["label"]]
    return rows


def fit(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    lexicon_weight: float = 1.0,
    blocks: Sequence[tuple[str, float]] = BLOCKS,
    c: float = 10.0,
    class_weight: str | None = None,
    groups: Sequence[str] | None = None,
    min_groups: int = 1,
) -> dict[str, Any]:
    """Fit the model and return its exportable body (the ``"model"`` object of the file).

    ``lexicon_weight=0`` and ``blocks=()`` give the "model only" and "lexicon features only"
    variants the benchmark compares. ``groups`` with ``min_groups=k`` keeps only n-grams used
    in responses to at least k distinct prompts (an experiment against topic leakage,
    ``benchmarks/experiments/refusal_generalisation.py``; not how the shipped model is built).
    """
    parts: list[Any] = []
    vecs = []
    for name, weight in blocks:
        vocabulary = None
        if groups is not None and min_groups > 1:
            vocabulary = _group_vocabulary(texts, groups, name, min_groups)
        vec = TfidfVectorizer(
            analyzer=ANALYZERS[name], sublinear_tf=True, min_df=2, vocabulary=vocabulary
        )
        parts.append(vec.fit_transform(texts) * weight)
        vecs.append((name, weight, vec))
    lex = np.array([lexicon_features(t) for t in texts]) * lexicon_weight
    parts.append(csr_matrix(lex))
    clf = LogisticRegression(C=c, max_iter=5000, class_weight=class_weight)
    clf.fit(hstack(parts).tocsr(), list(labels))
    order = [list(clf.classes_).index(v) for v in VERDICTS if v in clf.classes_]
    if clf.coef_.shape[0] > 1:
        coef, intercept = clf.coef_, clf.intercept_
    else:  # two classes in this training set: scikit-learn keeps one row, for classes_[1]
        coef = np.vstack([-clf.coef_, clf.coef_]) / 2
        intercept = np.concatenate([-clf.intercept_, clf.intercept_]) / 2
    coef, intercept = coef[order], np.atleast_1d(intercept)[order]
    out_blocks, col = [], 0
    for name, weight, vec in vecs:
        vocab = vec.vocabulary_
        terms = sorted(vocab, key=vocab.__getitem__)
        n = len(terms)
        out_blocks.append(
            {
                "analyzer": name,
                "weight": weight,
                "terms": terms,
                "idf": _round(vec.idf_),
                "coef": _round(coef[:, col : col + n].T),
            }
        )
        col += n
    return {
        "classes": [str(clf.classes_[i]) for i in order],
        "blocks": out_blocks,
        "lexicon_features": list(FEATURE_NAMES),
        "lexicon_weight": lexicon_weight,
        "lexicon_coef": _round(coef[:, col:].T),
        "intercept": _round(intercept),
    }


def _group_vocabulary(
    texts: Sequence[str], groups: Sequence[str], analyzer: str, min_groups: int
) -> list[str]:
    """Terms used in responses to at least ``min_groups`` distinct prompts (groups)."""
    seen: dict[str, set[str]] = {}
    for text, group in zip(texts, groups, strict=True):
        for term in set(ANALYZERS[analyzer](text)):
            seen.setdefault(term, set()).add(group)
    return sorted(t for t, gs in seen.items() if len(gs) >= min_groups)


def _round(a: Any) -> Any:
    """Six significant digits: keeps the file small without moving any probability visibly."""
    return np.vectorize(lambda v: float(f"{v:.6g}"), otypes=[float])(np.asarray(a)).tolist()


def build(body: dict[str, Any], meta: dict[str, Any]) -> RefusalModel:
    """Wrap a fitted body into a checked in-memory model (as if loaded from its file)."""
    return model_from_dict(envelope(body, meta))


def envelope(body: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The file's JSON: header fields, the model body, and the body's sha256."""
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        **meta,
        "model": body,
        "sha256": sha256_json(body),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    rows = load_rows(args.data)
    texts = [r["completion"] for r in rows]
    labels = [r["verdict"] for r in rows]
    body = fit(texts, labels)
    meta = {
        "licence": LICENCE,
        "training_data": f"XSTest v2 completions, dev split ({len(rows)} rows, 5 model setups)",
        "trained_by": "benchmarks/train_refusal.py",
        "created": dt.date.today().isoformat(),
        "sklearn_version": sklearn.__version__,
        "accuracy_note": "see docs/scorers/refusal.md (out-of-fold figures)",
        # Row ids only (no text), so bench_refusal.py can tell held-out rows from training rows.
        "training_ids": sorted(r["id"] for r in rows),
    }
    model = build(body, meta)
    # Parity check: the plain-Python inference must reproduce scikit-learn's probabilities.
    worst = _parity(model, texts, labels)
    print(f"parity: max |p_python - p_sklearn| = {worst:.2e} over {len(texts)} training rows")
    if worst > 1e-3:
        print("parity check failed; not writing the model", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(envelope(body, meta), ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    n_terms = sum(len(b["terms"]) for b in body["blocks"])
    print(f"wrote {args.out} ({len(text) / 1e6:.2f} MB, {n_terms} terms)")
    return 0


def _parity(model: RefusalModel, texts: Sequence[str], labels: Sequence[str]) -> float:
    """Refit the same pipeline in scikit-learn and compare probabilities row by row."""
    parts = []
    for name, weight in BLOCKS:
        vec = TfidfVectorizer(analyzer=ANALYZERS[name], sublinear_tf=True, min_df=2)
        parts.append(vec.fit_transform(texts) * weight)
    parts.append(csr_matrix(np.array([lexicon_features(t) for t in texts])))
    clf = LogisticRegression(C=10.0, max_iter=5000).fit(hstack(parts).tocsr(), list(labels))
    proba = clf.predict_proba(hstack(parts).tocsr())
    worst = 0.0
    for i, t in enumerate(texts):
        mine = model.predict_proba(t)
        for j, cls in enumerate(clf.classes_):
            worst = max(worst, abs(mine[str(cls)] - proba[i, j]))
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
