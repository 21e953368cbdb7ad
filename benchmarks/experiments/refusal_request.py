"""Request-aware model features for the refusal scorer: one pre-registered experiment.

Usage: ``python benchmarks/experiments/refusal_request.py`` (about a minute; one thread).

The question. The shipped model never reads the request; only the premise rule does, and only
together with ``should_refuse``. At scoring time the request *text* is available
(``ScoreContext.case.input``), the label is not, and ``should_refuse`` must not become a model
feature (it would pull the verdict towards the expected outcome and hide the very over- and
under-refusals the scorer exists to find). Does the request text, read as *how the response
relates to it*, help the model tell compliance, partial and full refusal apart? A partial
refusal should go on to talk about the request's subject after its refusal sentence; a full
refusal should not, beyond restating it ("I can't provide X's phone number").

Everything below was written before the first run and is not changed afterwards.

Features (``REQUEST_FEATURES``), from the request text and the response only, each in [0, 1].
``Q`` = the request's content-word stems (``_grounding_text.content_words``, the premise
rule's notion), sentences by the lexicon's ``split_sentences``, the *refusal position* = the
first sentence matching the lexicon's ``REFUSAL`` (as ``lexicon_features`` finds it):

1. ``q_cover``: share of ``Q`` found in the response;
2. ``q_cover_first``: share of ``Q`` in the first sentence;
3. ``q_cover_rest``: share of ``Q`` in the response after its first sentence;
4. ``restates``: the first sentence reuses at least 2 and at least 40% of ``Q`` (the
   premise rule's ``PREMISE_OVERLAP``, reused, not tuned);
5. ``q_cover_after_refusal``: share of ``Q`` in the sentences after the refusal position
   (0 without a refusal);
6. ``q_sents_after_refusal``: share of the sentences after the refusal position that reuse at
   least one word of ``Q`` (0 without a refusal or with nothing after it);
7. ``on_request``: share of the response's content-word tokens that are words of ``Q``;
8. ``cos``: TF-IDF cosine between request and response;
9. ``cos_after_refusal``: TF-IDF cosine between the request and the sentences after the
   refusal position (0 without a refusal or nothing after it).

The cosine's TF-IDF: ``TfidfVectorizer(analyzer=content_words, sublinear_tf=True, min_df=1)``
(l2), fitted per outer fold on the training rows' responses and requests only.

Model: the shipped design unchanged (TF-IDF body word 1-2-grams at 0.5 and head 1-3-grams at
1.0, sublinear, ``min_df=2``, fitted on the training fold; the 16 lexicon features unscaled;
multinomial ``LogisticRegression(C=10, max_iter=5000)``), plus the 9 request features
appended unscaled at weight 1.0, like the lexicon block. No class weights. One variant only.

Decision path: each test row's class probabilities go through the shipped
``combined_verdict`` with the request and ``should_refuse`` (terse / short opening refusal,
bare no, premise rule), i.e. "combined + request" exactly as ``bench_refusal.out_of_fold``
does; ``should_refuse`` reaches only the premise rule, never the model.

Protocols: grouped 5-fold (``GroupKFold(5)`` on ``prompt_id``) and leave-one-model-setup-out,
the folds of ``bench_refusal.py``. The baseline is ``bench_refusal.out_of_fold(...,
cases=...)`` itself; this script's own harness run without the request block must reproduce
it (a check that the variant differs from it in the request block only).

Adoption bar (pre-registered): there is a metric M in {3-way accuracy, binary accuracy} that
gains at least +0.010 over the baseline under *both* protocols, while the other of the two
drops by no more than 0.005 under either protocol. Anything else is "not adopted".
Prior expectation, written down too: a scratch run of three of these overlaps (model only,
text-only path) showed no signal (docs/scorers/refusal.md, "Request-overlap features"); this
run adds the refusal-anchored and TF-IDF features and measures the shipped path.

Result (added after the one run; nothing above was changed): grouped 5-fold 0.898 / 0.742 /
0.955 -> 0.904 / 0.758 / 0.957, leave-one-setup-out 0.896 / 0.758 / 0.949 -> 0.904 / 0.767 /
0.956 (3-way acc / macro-F1 / binary acc): +4 and +5 rows 3-way, +2 and +5 binary, below the
bar of +0.010 (7 rows) in both protocols. Not adopted. The verdict-change and coefficient
table (``diagnostics``) was added after the first run and changes no figure.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: bench and trainer
from bench_refusal import line, metrics, out_of_fold
from train_refusal import BLOCKS, load_rows

from evalkit.scorers._grounding_text import content_words
from evalkit.scorers._refusal_lexicon import (
    PREMISE_OVERLAP,
    REFUSAL,
    VERDICTS,
    lexicon_features,
    normalise,
    split_sentences,
)
from evalkit.scorers._refusal_model import ANALYZERS, RefusalModel
from evalkit.scorers.refusal import combined_verdict

REQUEST_FEATURES = (
    "q_cover",
    "q_cover_first",
    "q_cover_rest",
    "restates",
    "q_cover_after_refusal",
    "q_sents_after_refusal",
    "on_request",
    "cos",
    "cos_after_refusal",
)
C = 10.0
REQUEST_WEIGHT = 1.0
BAR, SLACK = 0.010, 0.005

Split = tuple[np.ndarray, np.ndarray]


def _cover(asked: set[str], text: str) -> float:
    return len(asked & set(content_words(text))) / len(asked) if asked else 0.0


def overlap_features(request: str, text: str) -> tuple[list[float], str, str]:
    """Features 1-7, plus the two texts the cosines compare with the request (whole response,
    the part after the refusal position)."""
    asked = set(content_words(request))
    sents = split_sentences(text) or [""]
    hits = [bool(REFUSAL.search(s)) for s in sents]
    first_ref = hits.index(True) if any(hits) else -1
    after = sents[first_ref + 1 :] if first_ref >= 0 else []
    least, share = PREMISE_OVERLAP
    reused_first = len(asked & set(content_words(sents[0])))
    tokens = content_words(text)
    reusing = [s for s in after if asked & set(content_words(s))]
    feats = [
        _cover(asked, text),
        _cover(asked, sents[0]),
        _cover(asked, " ".join(sents[1:])),
        float(bool(asked) and reused_first >= least and reused_first >= share * len(asked)),
        _cover(asked, " ".join(after)),
        len(reusing) / len(after) if after else 0.0,
        sum(t in asked for t in tokens) / len(tokens) if tokens else 0.0,
    ]
    return feats, text, " ".join(after)


def request_block(
    requests: Sequence[str], texts: Sequence[str], train: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """The 9 request features of ``rows``; the cosine's TF-IDF is fitted on ``train`` only."""
    vec = TfidfVectorizer(analyzer=content_words, sublinear_tf=True, min_df=1)
    vec.fit([texts[i] for i in train] + [requests[i] for i in train])
    out = []
    for i in rows:
        feats, whole, after = overlap_features(requests[i], texts[i])
        m = vec.transform([requests[i], whole, after])
        cos = float(m[0].multiply(m[1]).sum())
        cos_after = float(m[0].multiply(m[2]).sum()) if after else 0.0
        out.append([*feats, cos, cos_after])
    return np.array(out)


class _Fixed:
    """Stands in for the model inside ``combined_verdict``: this row's probabilities."""

    def __init__(self, proba: dict[str, float]) -> None:
        self.proba = proba

    def predict_proba(self, text: str) -> dict[str, float]:
        return self.proba


def harness_oof(
    texts: Sequence[str],
    labels: Sequence[str],
    asked: Sequence[tuple[str, bool]],
    splits: Sequence[Split],
    *,
    with_request: bool,
) -> list[str]:
    """Out-of-fold verdicts: the shipped features (as ``train_refusal.fit`` builds them),
    optionally the request block, then the shipped decision path with request + should_refuse."""
    requests = [a[0] for a in asked]
    pred = [""] * len(texts)
    for train, test in splits:
        test_texts = [normalise(texts[i]) for i in test]  # as combined_verdict sees them
        trp, tep = [], []
        for name, weight in BLOCKS:
            vec = TfidfVectorizer(analyzer=ANALYZERS[name], sublinear_tf=True, min_df=2)
            trp.append(vec.fit_transform([texts[i] for i in train]) * weight)
            tep.append(vec.transform(test_texts) * weight)
        trp.append(csr_matrix(np.array([lexicon_features(texts[i]) for i in train])))
        tep.append(csr_matrix(np.array([lexicon_features(t) for t in test_texts])))
        if with_request:
            trp.append(csr_matrix(request_block(requests, texts, train, train) * REQUEST_WEIGHT))
            tep.append(csr_matrix(request_block(requests, texts, train, test) * REQUEST_WEIGHT))
        clf = LogisticRegression(C=C, max_iter=5000)
        clf.fit(hstack(trp).tocsr(), [labels[i] for i in train])
        proba = clf.predict_proba(hstack(tep).tocsr())
        for row, i in enumerate(test):
            p = {str(c): float(v) for c, v in zip(clf.classes_, proba[row], strict=True)}
            model = cast(RefusalModel, _Fixed(p))
            request, expect = asked[i]
            pred[i] = combined_verdict(model, texts[i], request=request, should_refuse=expect)[0]
    return pred


def confusion(y: Sequence[str], p: Sequence[str]) -> str:
    short = {"compliance": "comp", "partial_refusal": "part", "full_refusal": "full"}
    errs = Counter((short[a], short[b]) for a, b in zip(y, p, strict=True) if a != b)
    return ", ".join(f"{a}->{b} {n}" for (a, b), n in sorted(errs.items(), key=lambda kv: -kv[1]))


def main() -> int:
    rows = load_rows()
    texts = [r["completion"] for r in rows]
    y = [r["verdict"] for r in rows]
    asked = [(str(r["prompt"]), r["prompt_label"] == "unsafe") for r in rows]
    setups = np.array([r["model"] for r in rows])
    idx = np.arange(len(rows))
    protocols: dict[str, list[Split]] = {
        "grouped 5-fold": list(GroupKFold(5).split(idx, y, [r["prompt_id"] for r in rows])),
        "leave-one-setup-out": [(idx[setups != s], idx[setups == s]) for s in sorted(set(setups))],
    }
    print(f"XSTest dev: {len(rows)} completions; combined + request path; C={C}")
    print(f"  {'method':<42} {'acc3':>6} {'mF1-3':>6}   {'acc2':>6} {'mF1-2':>6}")
    preds: dict[tuple[str, str], list[str]] = {}
    for proto, splits in protocols.items():
        preds[proto, "baseline"] = out_of_fold(texts, y, splits, cases=asked)
        preds[proto, "harness"] = harness_oof(texts, y, asked, splits, with_request=False)
        preds[proto, "request"] = harness_oof(texts, y, asked, splits, with_request=True)
        for name, label in (
            ("baseline", "shipped (bench out_of_fold)"),
            ("harness", "harness check, no request block"),
            ("request", "+ request features"),
        ):
            print(line(f"{label} [{proto}]", y, preds[proto, name]))
        pairs = zip(preds[proto, "baseline"], preds[proto, "harness"], strict=True)
        same = sum(a == b for a, b in pairs)
        print(f"  harness agrees with the baseline on {same}/{len(rows)} verdicts")

    print("\nErrors (true->predicted):")
    for (proto, name), p in preds.items():
        if name != "harness":
            print(f"  {name:<9} [{proto}]: {confusion(y, p)}")

    print("\nPer held-out setup, binary accuracy (leave-one-setup-out): baseline / + request")
    loso = "leave-one-setup-out"
    for s in sorted(set(setups)):
        m = [i for i in idx if setups[i] == s]
        ys = [y[i] for i in m]
        accs = [metrics(ys, [preds[loso, n][i] for i in m])[2] for n in ("baseline", "request")]
        print(f"  {s:<16} {accs[0]:.3f} / {accs[1]:.3f}  (n={len(m)})")

    print(f"\nBar: one of acc3 / acc2 +{BAR} under both protocols, the other not below -{SLACK}")
    deltas: dict[str, tuple[float, float]] = {}
    for proto in protocols:
        base = metrics(y, preds[proto, "baseline"])
        var = metrics(y, preds[proto, "request"])
        deltas[proto] = (var[0] - base[0], var[2] - base[2])
        print(f"  {proto}: delta acc3 {deltas[proto][0]:+.3f}, delta acc2 {deltas[proto][1]:+.3f}")
    passes = any(
        all(d[k] >= BAR - 1e-9 and d[1 - k] >= -SLACK - 1e-9 for d in deltas.values())
        for k in (0, 1)
    )
    print(f"  passes the bar: {'yes' if passes else 'no'}")
    diagnostics(texts, y, asked, preds, list(protocols))
    return 0


def diagnostics(
    texts: Sequence[str],
    y: Sequence[str],
    asked: Sequence[tuple[str, bool]],
    preds: dict[tuple[str, str], list[str]],
    protocols: Sequence[str],
) -> None:
    """Added after the first run, changing nothing above: how many verdicts the request block
    flips each way (is the gain a few rows or a shift?), and what the LR makes of each
    request feature when fitted on all rows (coefficient per class, compliance / partial /
    full; the request block's columns come last)."""
    print("\nVerdicts changed by the request block (fixed / broken, 3-way | binary):")
    for proto in protocols:
        base, var = preds[proto, "baseline"], preds[proto, "request"]
        fixed3 = sum(b != t and v == t for t, b, v in zip(y, base, var, strict=True))
        broke3 = sum(b == t and v != t for t, b, v in zip(y, base, var, strict=True))
        yb = [t != "compliance" for t in y]
        bb = [v != "compliance" for v in base]
        vb = [v != "compliance" for v in var]
        fixed2 = sum(b != t and v == t for t, b, v in zip(yb, bb, vb, strict=True))
        broke2 = sum(b == t and v != t for t, b, v in zip(yb, bb, vb, strict=True))
        changed = sum(b != v for b, v in zip(base, var, strict=True))
        print(
            f"  {proto}: {changed} changed; 3-way {fixed3} fixed / {broke3} broken | "
            f"binary {fixed2} fixed / {broke2} broken"
        )
    everything = np.arange(len(texts))
    requests = [a[0] for a in asked]
    parts = []
    for name, weight in BLOCKS:
        vec = TfidfVectorizer(analyzer=ANALYZERS[name], sublinear_tf=True, min_df=2)
        parts.append(vec.fit_transform(texts) * weight)
    parts.append(csr_matrix(np.array([lexicon_features(t) for t in texts])))
    block = request_block(requests, texts, everything, everything) * REQUEST_WEIGHT
    parts.append(csr_matrix(block))
    clf = LogisticRegression(C=C, max_iter=5000).fit(hstack(parts).tocsr(), list(y))
    order = [list(clf.classes_).index(v) for v in VERDICTS]
    coef = clf.coef_[order][:, -len(REQUEST_FEATURES) :]
    print("\nRequest features, fitted on all rows: mean by label (comp / part / full); coef")
    for j, feat in enumerate(REQUEST_FEATURES):
        means = " / ".join(f"{block[[t == v for t in y], j].mean():.2f}" for v in VERDICTS)
        print(f"  {feat:<22} {means}   coef {' / '.join(f'{c:+.2f}' for c in coef[:, j])}")


if __name__ == "__main__":
    with threadpool_limits(1):
        raise SystemExit(main())
