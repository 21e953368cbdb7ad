"""Third FaithBench round for the groundedness scorer: product-safe count rules and sentence
fusion, measured and (unless the doc says otherwise) NOT adopted.

Run:  python benchmarks/experiments/groundedness_round3.py   (about 20 s)
Data: the bench's labelled file (../shared/data/groundedness/groundedness.jsonl, dev split);
FaithBench rows are read for measurement only.

All decisions are at the scorer's default threshold (0.6). Every knob of a rule (N, t) is
re-chosen inside a GroupKFold(5) over all rows grouped by the context (source document /
knowledge paragraph), on the training folds only, with the objective "best FaithBench
balanced accuracy while HaluEval-QA stays >= 0.975" (and, as a check, the mean of both).
The document bootstrap resamples FaithBench's source documents and compares the
out-of-fold decisions with the default's.

Variants of the claim checks (applied by patching the scorer's helpers in this process only):

- ``fusion-prox``: a claim that fuses two adjacent source sentences is measured piece by
  piece: its words found in one sentence and the rest found in the next each form their
  own stretch, and proximity is the claim's words over the two stretches' summed length
  (the gap between the pieces does not count). It replaces proximity only when higher;
  names, numbers, relations and negation are checked exactly as before.
- ``fusion-local3``: locality over the best sentence and BOTH neighbours (three sentences).
- (Not run any more: taking a summary's reference to its source, "The passage discusses
  ...", off the claim's body changed no figure: those words are already no content words,
  ``_grounding_lexicon``'s words about the source.)

Decision rules for responses of at least N claims (fewer: the supported fraction, as today):

- ``count``: fail with t or more strongly unsupported claims (round 2's rule; it lets a
  four-claim answer with two invented numbers pass, so it is not product-safe).
- ``count+veto``: ``count``, and any hard mismatch (number, amount, date, time or negation
  mismatch, or a citation problem) fails the response.
- ``count+veto(+entity)``: the same with entity mismatches in the veto.
- ``count+hard-fraction``: ``count``, and the response also fails when its hard mismatches
  alone bring the supported fraction under the threshold (as they do today).
- ``weighted``: fail when w*hard + 1*soft >= t, hard = a hard mismatch (as in the veto, or
  every strong kind incl. entity and relation), soft = another strongly unsupported claim;
  w = 2 (or re-chosen among 1-3) and t <= 2w, so that two invented numbers always fail.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the bench
from bench_groundedness import DATA, to_case

import evalkit.scorers._grounding_support as support_mod
from evalkit.scorers._grounding_proximity import local_coverage, proximity
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

THRESHOLD = 0.6
HE_FLOOR = 0.975
STRICT: tuple[str, ...] = ("number mismatch", "amount mismatch", "date mismatch")
STRICT += ("time mismatch", "negation mismatch", "wrong citation", "citation [")
WITH_ENTITY = (*STRICT, "entity mismatch")
ALL_HARD = (*WITH_ENTITY, "relation mismatch")
DATASETS = ("FaithBench", "HaluEval-QA")

# ---- claim-check variants ---------------------------------------------------------------


def fused_proximity(
    order: dict[str, int | None], sentences: list[list[str]], region: tuple[int, int]
) -> float:
    """Proximity as today, or, when higher, the claim measured as two pieces each tight in
    one of two adjacent sentences around the region."""
    base = proximity(order, sentences, region)
    if base >= 1.0 or not order:
        return base
    best = base
    centre = region[0]
    for a in (centre - 1, centre, region[1] - 1):
        b = a + 1
        if a < 0 or b >= len(sentences):
            continue
        in_a, in_b = set(sentences[a]), set(sentences[b])
        for first, second in ((in_a, in_b), (in_b, in_a)):
            piece1 = {w for w in order if w in first}
            piece2 = {w for w in order if w in second and w not in piece1}
            if not piece1 or not piece2:
                continue
            k1, k2 = (a, b) if first is in_a else (b, a)
            p1 = proximity({w: order[w] for w in piece1}, sentences, (k1, k1 + 1))
            p2 = proximity({w: order[w] for w in piece2}, sentences, (k2, k2 + 1))
            if p1 <= 0 or p2 <= 0:
                continue
            stretch = len(piece1) / p1 + len(piece2) / p2
            best = max(best, (len(piece1) + len(piece2)) / stretch)
    return best


def local3(
    cwords: list[str], sets: list[set[str]], enough: float = 1.0
) -> tuple[float, tuple[int, int]]:
    """Locality as today, but a window of three adjacent sentences may supply the share."""
    share, region = local_coverage(cwords, sets, enough)
    if not cwords or len(sets) < 3:
        return share, region
    target = set(cwords)
    for j in range(len(sets) - 2):
        s3 = len(target & (sets[j] | sets[j + 1] | sets[j + 2])) / len(target)
        if s3 > share:
            share = s3
    return share, region


@contextmanager
def patched(variant: str) -> Iterator[None]:
    saved = (support_mod.proximity, support_mod.local_coverage)
    if "fusion-prox" in variant:
        support_mod.proximity = fused_proximity  # type: ignore[assignment]
    if "fusion-local3" in variant:
        support_mod.local_coverage = local3  # type: ignore[assignment]
    try:
        yield
    finally:
        support_mod.proximity, support_mod.local_coverage = saved


def claims_of(rows: list[dict[str, Any]], variant: str) -> list[list[tuple[bool, str, bool]]]:
    """Per row, every claim as (supported, reason, strongly unsupported)."""
    scorer = Groundedness()
    out = []
    with patched(variant):
        for r in rows:
            score = scorer.score(ScoreContext(*to_case(r)))
            assert isinstance(score, Score)  # offline mode is synchronous
            claims: list[dict[str, Any]] = score.details["claims"]  # type: ignore[index]
            out.append(
                [
                    (c["supported"], c.get("reason", ""), bool(c.get("strongly_unsupported")))
                    for c in claims
                ]
            )
    return out


# ---- decision rules ---------------------------------------------------------------------

Claims = list[tuple[bool, str, bool]]


def frac_fails(p: Claims) -> bool:
    return bool(p) and sum(s for s, _, _ in p) / len(p) < THRESHOLD


def n_hard(p: Claims, kinds: tuple[str, ...]) -> int:
    return sum(1 for s, r, _ in p if not s and r.startswith(kinds))


def n_strong(p: Claims) -> int:
    return sum(1 for _, _, st in p if st)


def rule_count(p: Claims, N: int, t: int) -> bool:
    return n_strong(p) >= t if len(p) >= N else frac_fails(p)


def rule_veto(kinds: tuple[str, ...]) -> Callable[[Claims, int, int], bool]:
    def rule(p: Claims, N: int, t: int) -> bool:
        if len(p) < N:
            return frac_fails(p)
        return n_strong(p) >= t or n_hard(p, kinds) > 0

    return rule


def rule_hard_fraction(p: Claims, N: int, t: int) -> bool:
    if len(p) < N:
        return frac_fails(p)
    return n_strong(p) >= t or (len(p) - n_hard(p, ALL_HARD)) / len(p) < THRESHOLD


def weighted(p: Claims, kinds: tuple[str, ...], w: int = 2) -> int:
    """w per hard mismatch of ``kinds``, 1 per other strongly unsupported claim."""
    hard = n_hard(p, kinds)
    soft = sum(1 for s, r, st in p if st and not (not s and r.startswith(kinds)))
    return w * hard + soft


def rule_weighted(kinds: tuple[str, ...]) -> Callable[..., bool]:
    def rule(p: Claims, N: int, t: int, w: int = 2) -> bool:
        return weighted(p, kinds, w) >= t if len(p) >= N else frac_fails(p)

    return rule


RULES: dict[str, tuple[Callable[..., bool], list[tuple[int, ...]]]] = {
    "count (round 2, not product-safe)": (
        rule_count,
        [(N, t) for N in range(2, 7) for t in range(2, 6)],
    ),
    "count+veto (num/date/amount/neg/cite)": (
        rule_veto(STRICT),
        [(N, t) for N in range(2, 7) for t in range(2, 6)],
    ),
    "count+veto (+entity)": (
        rule_veto(WITH_ENTITY),
        [(N, t) for N in range(2, 7) for t in range(2, 6)],
    ),
    "count+hard-fraction": (
        rule_hard_fraction,
        [(N, t) for N in range(2, 7) for t in range(2, 6)],
    ),
    "weighted 2*hard(strict)+soft": (
        rule_weighted(STRICT),
        [(N, t) for N in range(2, 7) for t in range(2, 5)],
    ),
    "weighted w*hard(strict)+soft, w in 1-3": (
        rule_weighted(STRICT),
        [(N, t, w) for N in range(2, 7) for w in (1, 2, 3) for t in range(2, 2 * w + 1)],
    ),
    "weighted 2*hard(all)+soft": (
        rule_weighted(ALL_HARD),
        [(N, t) for N in range(2, 7) for t in range(2, 5)],
    ),
}

PRODUCT_CASE: Claims = [
    (True, "", False),
    (True, "", False),
    (False, "number mismatch: 45 not in passage 1", True),
    (False, "number mismatch: 9 not in passage 1", True),
]
"""The product concern: four claims, two with invented numbers (the default fails it)."""


def bacc(y: np.ndarray, p: np.ndarray) -> float:
    """Balanced accuracy of boolean predictions (numpy; sklearn's is slow in the bootstrap)."""
    pos = y.sum()
    return float(((p & y).sum() / pos + (~p & ~y).sum() / (len(y) - pos)) / 2)


def nested_cv(
    vals: dict[tuple[int, ...], np.ndarray],
    grid: list[tuple[int, ...]],
    objective: str,
    y: np.ndarray,
    fb: np.ndarray,
    he: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Out-of-fold decisions, each fold's knobs chosen on its training folds only."""
    pred = np.zeros(len(y), bool)
    chosen = []
    for tr, te in folds:
        f_tr, h_tr = tr[fb[tr]], tr[he[tr]]

        def score(g: tuple[int, ...], f_tr: np.ndarray = f_tr, h_tr: np.ndarray = h_tr) -> Any:
            f = bacc(y[f_tr], vals[g][f_tr])
            h = bacc(y[h_tr], vals[g][h_tr])
            return ((f + h) / 2,) if objective == "mean(FB, HE)" else (h >= HE_FLOOR, f)

        g = max(grid, key=score)
        chosen.append(g)
        pred[te] = vals[g][te]
    return pred, chosen


def main() -> None:
    lines = Path(DATA).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    y = np.array([r["label"] == "hallucinated" for r in rows])
    groups = np.array([zlib.crc32(r["context"].encode()) for r in rows])
    ds = np.array([r["source_dataset"] for r in rows])
    fb, he = ds == "FaithBench", ds == "HaluEval-QA"
    folds = list(GroupKFold(5).split(y, y, groups))
    docs = np.unique(groups[fb])
    rng = np.random.default_rng(0)
    boot = [
        np.concatenate([np.where(fb & (groups == d))[0] for d in rng.choice(docs, len(docs))])
        for _ in range(2000)
    ]
    default_pred: np.ndarray | None = None

    def bootstrap(pred: np.ndarray) -> str:
        assert default_pred is not None
        diffs = [
            bacc(y[i], pred[i]) - bacc(y[i], default_pred[i]) for i in boot if len(set(y[i])) == 2
        ]
        lo, hi = np.percentile(diffs, [2.5, 97.5])
        return f"gain {np.mean(diffs):+.3f} [{lo:+.3f}, {hi:+.3f}]"

    for variant in ("base", "fusion-prox", "fusion-local3"):
        per_row = claims_of(rows, variant)
        value = np.array([sum(s for s, _, _ in p) / len(p) if p else 1.0 for p in per_row])
        strong = np.array([n_strong(p) for p in per_row], float)
        pred0 = value < THRESHOLD
        if variant == "base":
            default_pred = pred0
        print(f"\n=== claim checks: {variant} ===")
        print(
            f"{'fraction at 0.6 (the default rule)':<42} FB BAcc {bacc(y[fb], pred0[fb]):.3f} "
            f"AUROC {roc_auc_score(y[fb], 1 - value[fb]):.3f} | HE BAcc {bacc(y[he], pred0[he]):.3f} "
            f"AUROC {roc_auc_score(y[he], 1 - value[he]):.3f}"
        )
        grounded_fb = fb & ~y
        print(
            f"{'':<42} grounded FaithBench summaries failed: {int(pred0[grounded_fb].sum())}/"
            f"{int(grounded_fb.sum())}; hallucinated passed: {int((~pred0[fb & y]).sum())}/"
            f"{int((fb & y).sum())}"
        )
        wsc = np.array([weighted(p, STRICT) for p in per_row], float)
        print(
            f"{'':<42} AUROC of the strong count FB {roc_auc_score(y[fb], strong[fb]):.3f} "
            f"HE {roc_auc_score(y[he], strong[he]):.3f}; of 2*hard(strict)+soft FB "
            f"{roc_auc_score(y[fb], wsc[fb]):.3f} HE {roc_auc_score(y[he], wsc[he]):.3f}"
        )
        if variant != "base":
            print(f"{'':<42} {bootstrap(pred0)}")
        for name, (rule, grid) in RULES.items():
            vals = {g: np.array([rule(p, *g) for p in per_row]) for g in grid}
            safe = {g: rule(PRODUCT_CASE, *g) for g in grid}
            for objective in ("FB s.t. HE>=0.975", "mean(FB, HE)"):
                pred, chosen = nested_cv(vals, grid, objective, y, fb, he, folds)
                ok = all(safe[g] for g in chosen)
                print(
                    f"{name:<38} [{objective}] chosen (N,t[,w]) {chosen}  CV FB {bacc(y[fb], pred[fb]):.3f}"
                    f"  HE {bacc(y[he], pred[he]):.3f}  product case fails: {ok}  {bootstrap(pred)}"
                )
            best = max(
                grid,
                key=lambda g: bacc(y[fb], vals[g][fb]) if bacc(y[he], vals[g][he]) >= 0.97 else 0,
            )
            print(
                f"{'':<38} in-sample best with HE>=0.97: (N,t[,w])={best} FB "
                f"{bacc(y[fb], vals[best][fb]):.3f} HE {bacc(y[he], vals[best][he]):.3f}"
            )


if __name__ == "__main__":
    main()
