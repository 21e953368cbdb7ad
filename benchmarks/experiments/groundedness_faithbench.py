"""FaithBench attempts for the groundedness scorer that were measured and NOT adopted: one
runnable record of every variant tried (about 10 s). Nothing here is shipped; FaithBench rows are read for measurement only
and their annotator spans are used only to label claims for the claim-level analysis.

Run:  python benchmarks/experiments/groundedness_faithbench.py
Data: the bench's labelled file (../shared/data/groundedness/groundedness.jsonl, dev split).
All CV is GroupKFold(5) grouped by the context (source document / knowledge paragraph).
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the bench
from bench_groundedness import DATA, to_case

from evalkit.scorers._grounding_text import content_words, entities, fold, numbers
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import ScoreContext

HARD = ("entity", "number", "amount", "relation", "negation")
CAUSAL = re.compile(
    r"\b(as a result|leading to|led to|resulting in|result(ed|s)? in|due to|because|"
    r"thus|therefore|consequently|allowing|enabling|in order to|so that|caus(e|ed|ing))\b"
)
EVALU = re.compile(
    r"\b(highlight\w*|demonstrat\w*|showcas\w*|underscor\w*|emphasi[sz]\w*|reflect\w*|"
    r"indicat\w*|suggest\w*|signal\w*|significant\w*|notabl\w*|crucial|important\w*|major|"
    r"key|remarkabl\w*|impressive|successful\w*|ultimately|overall)\b"
)
MODAL = re.compile(
    r"\b(may|might|could|likely|possibl\w*|potential\w*|apparently|seem\w*|appear\w*)\b"
)
ATTR = re.compile(
    r"\b(said|says|stated|states|told|claimed|according|announced|reported|confirmed|"
    r"added|explained)\b"
)
DATASETS = ("FaithBench", "HaluEval-QA")


def bacc(y, p):
    return float(balanced_accuracy_score(y, p))


def added(rx, claim_folded, ctx_folded):
    """Occurrences of a marker in the claim that the source never uses."""
    return sum(
        1
        for m in rx.finditer(claim_folded)
        if not re.search(r"\b" + re.escape(m.group(0)) + r"\b", ctx_folded)
    )


def prefix_present(w, ctxw):
    return w in ctxw or (len(w) >= 5 and any(c[:5] == w[:5] for c in ctxw))


def load():
    lines = Path(DATA).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    scorer = Groundedness()
    det = [scorer.score(ScoreContext(*to_case(r))).details for r in rows]
    return rows, det


def claim_table(rows, det):
    """Per claim: current verdict plus the novelty / marker features (idea 1 and 2)."""
    out = []
    for i, (r, d) in enumerate(zip(rows, det, strict=True)):
        fctx = fold(r["context"])
        ctxw = set(content_words(r["context"]))
        bad = [
            (s["start"], s["end"])
            for s in r["spans"] or []
            if any(lab.startswith(("Unwanted", "Questionable")) for lab in s["labels"])
        ]
        for c in d["claims"]:
            a, b = c["span"]
            cw = set(content_words(c["text"]))
            nov = [w for w in cw if w not in ctxw]
            ft = fold(c["text"])
            out.append(
                dict(
                    row=i,
                    lab=any(min(b, e) - max(a, s) > 0.3 * min(b - a, e - s) for s, e in bad),
                    supported=c["supported"],
                    hard=c.get("reason", "").startswith(HARD),
                    nov=len(nov),
                    nov_prefix=sum(not prefix_present(w, ctxw) for w in cw),
                    nov_long=sum(len(w) >= 6 for w in nov),
                    nov_share=len(nov) / max(1, len(cw)),
                    causal=added(CAUSAL, ft, fctx),
                    evalu=added(EVALU, ft, fctx),
                    modal=added(MODAL, ft, fctx),
                    attr=int(bool(ATTR.search(ft)) and bool(entities(c["text"]))),
                    length=len(cw),
                    proximity=c.get("features", {}).get("proximity", 0.0),
                    support=c["support"],
                )
            )
    return out


def strong(c, k):
    """Strong evidence of invention: unsupported AND (a hard mismatch OR >= k content words
    that occur nowhere in the source)."""
    return (not c["supported"]) and (c["hard"] or c["nov"] >= k)


def main():
    rows, det = load()
    n = len(rows)
    y = np.array([r["label"] == "hallucinated" for r in rows])
    groups = np.array([zlib.crc32(r["context"].encode()) for r in rows])
    ds = np.array([r["source_dataset"] for r in rows])
    claims = claim_table(rows, det)
    per_row = [[] for _ in range(n)]
    for c in claims:
        per_row[c["row"]].append(c)

    def cv_thr(yy, x, gg):
        pred = np.zeros(len(yy), bool)
        for tr, te in GroupKFold(5).split(x, yy, gg):
            best = max(np.unique(x[tr]), key=lambda t: bacc(yy[tr], x[tr] >= t))
            pred[te] = x[te] >= best
        return bacc(yy, pred)

    # ---- response-level features (higher = hallucinated) -------------------------------
    F: dict[str, np.ndarray] = {}
    F["1 - value (current scorer)"] = np.array(
        [1 - (sum(c["supported"] for c in p) / len(p) if p else 1.0) for p in per_row]
    )
    F["unsupported claims"] = np.array([sum(not c["supported"] for c in p) for p in per_row], float)
    F["claims"] = np.array([len(p) for p in per_row], float)
    F["words"] = np.array([len(r["response"].split()) for r in rows], float)
    F["hard-mismatch claims"] = np.array([sum(c["hard"] for c in p) for p in per_row], float)
    resp_nov, resp_names, resp_nums, resp_eval = [], [], [], []
    for r in rows:
        ctxw = set(content_words(r["context"]))
        fctx = fold(r["context"])
        fr = fold(r["response"])
        resp_nov.append(len({w for w in content_words(r["response"]) if w not in ctxw}))
        resp_names.append(
            sum(1 for e in entities(r["response"]) if not all(k in fctx for k in e.keys))
        )
        cn = {k for m in numbers(r["context"], spelled=True) for k in m.keys}
        resp_nums.append(sum(1 for m in numbers(r["response"]) if not set(m.keys) & cn))
        resp_eval.append(added(CAUSAL, fr, fctx) + added(EVALU, fr, fctx) + added(MODAL, fr, fctx))
    F["novel content words (whole source)"] = np.array(resp_nov, float)
    F["novel names"] = np.array(resp_names, float)
    F["novel numbers"] = np.array(resp_nums, float)
    F["evaluative/causal/modal added"] = np.array(resp_eval, float)
    for k in (1, 2, 3):
        F[f"claims with >={k} novel words"] = np.array(
            [sum(c["nov"] >= k for c in p) for p in per_row], float
        )
        F[f"strong-invention claims (k={k})"] = np.array(
            [sum(strong(c, k) for c in p) for p in per_row], float
        )
        F[f"hard or >={k} novel, any verdict"] = np.array(
            [sum(c["hard"] or c["nov"] >= k for c in p) for p in per_row], float
        )
        F[f"strong-invention share (k={k})"] = np.array(
            [sum(strong(c, k) for c in p) / len(p) if p else 0.0 for p in per_row]
        )

    print("== A. response-level signals: AUROC and BAcc of 'x >= t' with t chosen by grouped CV ==")
    print(f"{'signal':<38} {'FB AUROC':>8} {'FB cvBAcc':>9} {'HE AUROC':>8} {'HE cvBAcc':>9}")
    for name, x in F.items():
        cells = []
        for d in DATASETS:
            m = ds == d
            auc = roc_auc_score(y[m], x[m]) if len(set(x[m])) > 1 else 0.5
            cells.append(f"{auc:8.3f} {cv_thr(y[m], x[m], groups[m]):9.3f}")
        print(f"{name:<38} {' '.join(cells)}")

    fb = ds == "FaithBench"
    print(
        "\n== B. FaithBench, strong-invention count (k=2) vs unsupported count, AUROC within claim-count buckets =="
    )
    nc = F["claims"]
    for lo, hi in ((1, 3), (4, 5), (6, 7), (8, 99)):
        b = fb & (nc >= lo) & (nc <= hi)
        print(
            f"claims {lo}-{hi}: n={b.sum():3d} hallucinated={y[b].sum():3d}  strong(k=2) "
            f"{roc_auc_score(y[b], F['strong-invention claims (k=2)'][b]):.3f}  unsupported "
            f"{roc_auc_score(y[b], F['unsupported claims'][b]):.3f}"
        )
    print("grouped-CV logistic regression on FaithBench (AUROC / BAcc at 0.5):")
    for cols in (
        ["claims"],
        ["strong-invention claims (k=2)"],
        ["claims", "strong-invention claims (k=2)"],
        ["words", "strong-invention claims (k=2)"],
    ):
        Z = np.column_stack([F[c][fb] for c in cols])
        p = np.zeros(fb.sum())
        for tr, te in GroupKFold(5).split(Z, y[fb], groups[fb]):
            lr = LogisticRegression(class_weight="balanced").fit(Z[tr], y[fb][tr])
            p[te] = lr.predict_proba(Z[te])[:, 1]
        print(f"  {cols}: {roc_auc_score(y[fb], p):.3f} / {bacc(y[fb], p >= 0.5):.3f}")

    print(
        "\n== C. claim level (FaithBench claims; label = overlaps an Unwanted/Questionable span; analysis only) =="
    )
    L = np.array([c["lab"] for c in claims if ds[c["row"]] == "FaithBench"])
    print(f"claims {len(L)}, in a hallucinated span {L.sum()}")
    for key in (
        "supported",
        "hard",
        "nov",
        "nov_prefix",
        "nov_long",
        "nov_share",
        "causal",
        "evalu",
        "modal",
        "attr",
        "length",
        "proximity",
        "support",
    ):
        v = np.array([float(c[key]) for c in claims if ds[c["row"]] == "FaithBench"])
        if key in ("supported", "proximity", "support"):
            v = -v
        print(
            f"{key:<11} AUROC {roc_auc_score(L, v):.3f}   mean in bad {v[L].mean():7.3f}  in good {v[~L].mean():7.3f}"
        )

    # ---- integrated decisions at the default threshold 0.6 -------------------------------
    def v_current(p):
        return sum(c["supported"] for c in p) / len(p) if p else 1.0

    def v_lenient(p, k, N):
        """Idea 1 as a fraction: in responses of >= N claims only strong inventions count."""
        if len(p) >= N:
            return 1 - sum(strong(c, k) for c in p) / len(p)
        return v_current(p)

    def v_count(p, k, N, t):
        """Idea 3: responses of >= N claims fail when >= t claims are strong inventions."""
        if len(p) >= N:
            return 0.0 if sum(strong(c, k) for c in p) >= t else 1.0
        return v_current(p)

    def v_additive(p, k, t):
        return 0.0 if sum(strong(c, k) for c in p) >= t else v_current(p)

    print("\n== D. integrated decisions, BAcc at threshold 0.6 (in-sample unless marked) ==")
    base = np.array([v_current(p) for p in per_row])
    print(
        f"current scorer                      FB {bacc(y[fb], base[fb] < 0.6):.3f}  HE {bacc(y[~fb], base[~fb] < 0.6):.3f}"
    )
    for k in (1, 2, 3):
        for N in (2, 3, 4):
            v = np.array([v_lenient(p, k, N) for p in per_row])
            print(
                f"lenient fraction k={k} N={N}           FB {bacc(y[fb], v[fb] < 0.6):.3f}  HE {bacc(y[~fb], v[~fb] < 0.6):.3f}"
                f"   (FB AUROC {roc_auc_score(y[fb], 1 - v[fb]):.3f}, FB cv-threshold {cv_thr(y[fb], 1 - v[fb], groups[fb]):.3f})"
            )
    for k in (2, 3):
        for t in (2, 3, 4):
            v = np.array([v_additive(p, k, t) for p in per_row])
            print(
                f"additive: fraction OR strong>={t} k={k} FB {bacc(y[fb], v[fb] < 0.6):.3f}  HE {bacc(y[~fb], v[~fb] < 0.6):.3f}"
            )
    grid = [(k, N, t) for k in (1, 2, 3) for N in (2, 3, 4, 5) for t in (2, 3, 4)]
    vals = {g: np.array([v_count(p, *g) for p in per_row]) for g in grid}
    for g in [(2, N, t) for N in (2, 3, 4, 5) for t in (2, 3, 4)]:
        v = vals[g]
        print(
            f"count rule k={g[0]} N={g[1]} t={g[2]}            FB {bacc(y[fb], v[fb] < 0.6):.3f}  HE {bacc(y[~fb], v[~fb] < 0.6):.3f}"
        )

    def nested(objective, label):
        pred = np.zeros(n, bool)
        chosen = []
        for tr, te in GroupKFold(5).split(y, y, groups):
            g = max(grid, key=lambda g: objective(tr, vals[g]))
            chosen.append(g)
            pred[te] = vals[g][te] < 0.6
        print(
            f"{label}: chosen (k,N,t) per fold {chosen}\n    FB {bacc(y[fb], pred[fb]):.3f}  HE {bacc(y[~fb], pred[~fb]):.3f}"
        )

    def per_ds(tr, v, d):
        m = ds[tr] == d
        return bacc(y[tr][m], v[tr][m] < 0.6)

    print(
        "\n== E. honest figures: the count rule's (k, N, t) re-selected inside grouped 5-fold CV =="
    )
    nested(lambda tr, v: np.mean([per_ds(tr, v, d) for d in DATASETS]), "objective mean(FB, HE)")
    nested(
        lambda tr, v: (per_ds(tr, v, "HaluEval-QA") >= 0.975, per_ds(tr, v, "FaithBench")),
        "objective max FB s.t. HE >= 0.975",
    )
    g = (2, 3, 3)
    rng = np.random.default_rng(0)
    docs = np.unique(groups[fb])
    diffs = []
    for _ in range(2000):
        idx = np.concatenate(
            [np.where(fb & (groups == dd))[0] for dd in rng.choice(docs, len(docs))]
        )
        if len(set(y[idx])) == 2:
            diffs.append(bacc(y[idx], vals[g][idx] < 0.6) - bacc(y[idx], base[idx] < 0.6))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    print(
        f"document bootstrap, FB BAcc(count k=2 N=3 t=3) - BAcc(current): mean {np.mean(diffs):+.3f}, 95% CI [{lo:+.3f}, {hi:+.3f}]"
    )


if __name__ == "__main__":
    main()
