"""Measure the word checks' paraphrase mechanisms one at a time (round 4 of the support work).

Usage: ``python benchmarks/experiments/groundedness_paraphrase.py [VARIANT ...]``

Each variant switches parts of :mod:`evalkit.scorers._grounding_paraphrase` off by patching
its tables (so the scorer's code path is the shipped one) and prints, at the default
threshold: the dev support probes' false alarms and detection (v1 only: the held-out sets are
never read here), and AUROC / balanced accuracy on HaluEval-QA and FaithBench. Variants:
``none`` (no paraphrase at all), ``lexicon`` (synonym classes, phrases and light words
only), ``all`` (what ships: the lexicon plus a passage's sum of money read as a price).
Derivational roots were measured the same way before they were removed (see the docs).
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from evalkit.scorers import _grounding_index as index
from evalkit.scorers import _grounding_paraphrase as para
from evalkit.scorers.groundedness import Groundedness

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))
import bench_groundedness as bg  # noqa: E402
import bench_groundedness_support as bs  # noqa: E402

SHARED = HERE.parent.parent / "shared" / "data" / "groundedness" / "dev.jsonl"


def _variant(name: str) -> None:
    keep_lex = name in ("all", "lexicon", "price")
    keep_price = name in ("all", "price")
    para._CLASS = para._classes() if keep_lex else {}
    para._LIGHT_STEMS = {para.stem(w): v for w, v in _ORIGINAL["light"].items()} if keep_lex else {}
    para.PHRASES = _ORIGINAL["phrases"] if keep_lex else ()
    para.LIGHT = _ORIGINAL["light"] if keep_lex else {}
    para.PRICE = index.PRICE = "fee" if keep_price else ""
    para.canon.cache_clear()


_ORIGINAL = {"phrases": para.PHRASES, "light": dict(para.LIGHT)}


def measure(name: str) -> None:
    _variant(name)
    scorer = Groundedness()
    rows = bs.load(bs.DATA)
    verdicts = [bs.scorer_verdict(scorer, r) for r in rows]
    flags = [v.flagged for v in verdicts]
    fa = sum(f for f, r in zip(flags, rows, strict=True) if r["label"] == "grounded")
    det = sum(f for f, r in zip(flags, rows, strict=True) if r["label"] == "hallucinated")
    bad = sum(len(v.bad) for v, r in zip(verdicts, rows, strict=True) if r["label"] == "grounded")
    spans = sum(
        bs.span_hit(r, v) for v, r in zip(verdicts, rows, strict=True) if r["label"] != "grounded"
    )
    data = Path(bg.DATA) if hasattr(bg, "DATA") else SHARED
    pub = [json.loads(line) for line in data.open(encoding="utf-8") if line.strip()]
    values = np.array(bg.score_rows(pub, scorer))
    y = np.array([r["label"] == "hallucinated" for r in pub])
    ds = np.array([r["source_dataset"] for r in pub])
    _ = zlib  # groups are not needed at the default threshold
    out = [
        f"{name:<11} v1 false alarms {fa}/60, detection {det}/60, "
        f"unsupported claims in grounded {bad}, span hits {spans}/60"
    ]
    for d in ("HaluEval-QA", "FaithBench"):
        m = ds == d
        auc = roc_auc_score(y[m], 1 - values[m])
        acc = bg.bacc(y[m], values[m] < scorer.threshold)
        out.append(f"{d} {auc:.3f}/{acc:.3f}")
    print("  ".join(out), flush=True)


if __name__ == "__main__":
    for v in sys.argv[1:] or ["none", "lexicon", "all"]:
        measure(v)
