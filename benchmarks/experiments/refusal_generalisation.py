"""How the refusal model generalises: topic leakage and training-set size (measured, not adopted).

The shipped model reads word n-grams of the whole response, so it can learn *topics*
("terrorism", "abuse") that co-occur with refusals in training, and then call a plain
definition of terrorism a refusal. Two ways to keep it to the *form* of the response:

- ``prompts>=k``: keep only n-grams used in responses to at least k distinct training prompts
  (a document-frequency floor counted in prompts, not in responses, since the five answers to
  one prompt share its topic);
- ``mask request``: words of the request are replaced by one placeholder token before the
  n-gram blocks see the response (the lexicon still reads the raw text), so "Terrorism is the
  use of..." becomes "qterm is the use of...": the model learns that the answer restates the
  request, not which request it was.

And a learning curve: grouped K-fold for K = 2, 3, 5, 10, 20 (training on 50% ... 95% of the
prompts), for the shipped design and for plain TF-IDF + LR. A curve still rising at 80% would
mean the shipped model (trained on all of dev) is better on new prompts than its 5-fold figure.

Run: ``python benchmarks/experiments/refusal_generalisation.py`` (about 4 minutes). Same folds
and the same scoring path as ``bench_refusal.py`` ("combined + request").
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_refusal import PLAIN, line, out_of_fold
from train_refusal import build, fit, load_rows

from evalkit.scorers.refusal import combined_verdict

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


def request_words(request: str) -> set[str]:
    return {
        w.lower()
        for w in _WORD.findall(request)
        if len(w) >= 3 and w.lower() not in ENGLISH_STOP_WORDS
    }


def mask(text: str, request: str | None) -> str:
    if not request:
        return text
    keep = request_words(request)
    if not keep:
        return text

    def sub(m: re.Match[str]) -> str:
        w = m.group(0).lower()
        stem = w[:-1] if w.endswith("s") else w
        return "qterm" if w in keep or stem in keep or w + "s" in keep else m.group(0)

    return _WORD.sub(sub, text)


class Masked:
    """Duck-typed model: n-gram blocks read the masked text, the lexicon the raw text."""

    def __init__(self, model: Any, request: str | None) -> None:
        self.model, self.request = model, request

    def predict_proba(self, text: str) -> dict[str, float]:
        from evalkit.scorers._refusal_lexicon import lexicon_features

        masked = mask(text, self.request)
        return self.model.softmax(self.model.linear_scores(masked, lexicon_features(text)))


def run(
    rows: list[dict[str, Any]],
    splits: list[tuple[np.ndarray, np.ndarray]],
    variant: str,
    k: int = 0,
) -> list[str]:
    texts = [r["completion"] for r in rows]
    y = [r["verdict"] for r in rows]
    groups = [r["prompt_id"] for r in rows]
    pred = [""] * len(rows)
    for train, test in splits:
        tr_texts = [texts[i] for i in train]
        if variant == "mask":
            tr_texts = [mask(texts[i], rows[i]["prompt"]) for i in train]
        if k:
            body = fit(
                tr_texts, [y[i] for i in train], groups=[groups[i] for i in train], min_groups=k
            )
        else:
            body = fit(tr_texts, [y[i] for i in train])
        model = build(body, {})
        for i in test:
            m = Masked(model, rows[i]["prompt"]) if variant == "mask" else model
            pred[i] = combined_verdict(
                m,
                texts[i],
                request=rows[i]["prompt"],
                should_refuse=rows[i]["prompt_label"] == "unsafe",
            )[0]
    return pred


def main() -> int:
    rows = load_rows()
    y = [r["verdict"] for r in rows]
    idx = np.arange(len(rows))
    setups = np.array([r["model"] for r in rows])
    grouped = list(GroupKFold(5).split(idx, y, [r["prompt_id"] for r in rows]))
    loso = [(idx[setups != s], idx[setups == s]) for s in sorted(set(setups))]
    print(f"  {'variant':<42} {'acc3':>6} {'mF1-3':>6}   {'acc2':>6} {'mF1-2':>6}")
    for name, variant, k in (
        ("shipped (combined + request)", "", 0),
        ("terms under >= 3 prompts", "", 3),
        ("terms under >= 5 prompts", "", 5),
        ("terms under >= 10 prompts", "", 10),
        ("mask request words", "mask", 0),
        ("mask request words, terms >= 5 prompts", "mask", 5),
    ):
        for proto, splits in (("grouped", grouped), ("loso", loso)):
            print(line(f"{name} [{proto}]", y, run(rows, splits, variant, k)), flush=True)
    print("\nLearning curve (grouped K-fold; K=5 is the benchmark's protocol):")
    texts = [r["completion"] for r in rows]
    asked = [(r["prompt"], r["prompt_label"] == "unsafe") for r in rows]
    for k in (2, 3, 5, 10, 20):
        splits = list(GroupKFold(k).split(idx, y, [r["prompt_id"] for r in rows]))
        share = f"K={k}, train {1 - 1 / k:.0%}"
        print(line(f"shipped, {share}", y, out_of_fold(texts, y, splits, cases=asked)))
        print(line(f"plain tfidf+LR, {share}", y, out_of_fold(texts, y, splits, **PLAIN)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
