"""Decision rules for support answers: can a rule other than the supported fraction cut the
groundedness scorer's false alarms on faithful support answers without letting a wrong figure
through?

Run:  python benchmarks/experiments/groundedness_support_gate.py   (about 10 s)
      python benchmarks/experiments/groundedness_support_gate.py --probes PATH --rule NAME
      (aggregate figures of one rule, beside the default, on a probe file of v1's format:
      for the lead's single held-out measurement; nothing per row is printed)

Why: on hand-written support answers the default rule (fail when the supported fraction of
claims is below 0.6) flags most faithful answers, because they paraphrase (claims with words
the passage lacks, or whose words are scattered over it), while most hallucinations carry a
*hard* mismatch (a wrong number, amount, date, time, name, negation, relation or citation).
A rule that reads *why* claims are unsupported might separate the two. The claim checks are
the shipped scorer's, unchanged; only the response-level decision differs.

Data (dev only; the held-out support sets v2, v3 and v4 are never opened here):

- ``benchmarks/data/groundedness_support_probes.jsonl`` (v1, 60 grounded + 60 hallucinated,
  development data): false alarms, detection, balanced accuracy, and changes against the
  default row by row;
- the public dev split (HaluEval-QA, FaithBench) through ``bench_groundedness.to_case``:
  AUROC-free balanced accuracy at each rule's setting;
- ``datasets/support`` (the cases with ``context``): its baseline replay answers are all
  grounded (false alarms out of 8); of its candidate replay answers three carry the
  README's deliberate groundedness regressions (refund-001's 60-day window, shipping-001's
  wrong price, shipping-002's invented country: detection out of 3), four equal the
  baseline's (false alarms out of 4), warranty-001 is a refusal and is not counted;
- seeded wrong figures, with the seeding of ``groundedness_numbers.py`` (``wrong``: seed 13,
  up to three figures per response replaced by ``v +- 1..3`` or ``v`` times a factor;
  ``borrowed``: a figure another passage of the case states, seed = row number): a seeded
  figure counts when a claim of the modified response holds it; it is **caught** when the
  rule fails the modified response. Printed per dataset, for v1's grounded rows alone (a
  faithful answer with one wrong figure: the case "a single wrong fee"), and conditional on
  the rule passing the unmodified response (the wrong figure alone turns pass into fail).

Candidates and knob grids, fixed before the first run (the aggregate count of v1's
unsupported-claim reasons by kind, and the docs' analysis, were read before; no rule's
outcome was). A claim's *kind* is read from its reason: ``number``, ``amount``, ``date``,
``time``, ``entity``, ``negation``, ``relation`` (``<kind> mismatch``), ``citation`` (``wrong
citation`` / ``citation [..] matches no passage``), else ``lexical`` (``no support``: words
the passage lacks, or scattered words). HARD = every kind but lexical; HARD-NOREL = HARD
without relation (in support answers the relation check also fires on faithful comparisons
and prose lists of two facts, see the docs), relation then counting as lexical.

1. ``default``: fail when supported / claims < 0.6 (the reference; no knob).
2. ``strong(k)``: the existing ``max_strongly_unsupported`` gate, fail when more than k claims
   are strongly unsupported; k in {0, 1, 2}.
3. ``hard(H, f)``: fail on any claim of a kind in H, or when supported / claims < f;
   H in {HARD, HARD-NOREL}, f in {0 (no floor), 0.3, 0.4, 0.5}.
4. ``weighted(H, w)``: a lexical claim (kind not in H) counts as w supported, a claim of a
   kind in H as 0; fail when (supported + w * lexical) / claims < 0.6;
   H in {HARD, HARD-NOREL}, w in {0.5, 0.7, 1.0} (1.0: only hard mismatches count).
5. ``weighted-strong(w)``: as 4, but a lexical claim that is *strongly* unsupported (two or
   more content words found in no passage) counts as 0 too; H = HARD, w in {0.5, 0.7, 1.0}.

(A "hard veto plus weighted lexical claims" rule is not listed: without a hard claim it fails
when f + w(1 - f) < 0.6, i.e. it is ``hard(H, (0.6 - w) / (1 - w))``, already on the grid.)

Knob choice, honestly: for each family with a knob, a GroupKFold(5) over the rows of all three
dev sets (HaluEval-QA, FaithBench, v1), grouped by the case's context text, re-chooses the
knob on the training folds (objective: the mean of the three datasets' balanced accuracies)
and the out-of-fold decisions are reported per dataset.

Bar for adopting a rule as an opt-in scorer argument, fixed with the brief before the first
run: v1 false alarms at most 23/60 (the default has 33), v1 detection at least 51/60 (54),
the v1 seeded-wrong-figure catch rate (``wrong``, all rows) within 2 points of the default's,
and HaluEval-QA and FaithBench balanced accuracy no lower than the default's. Among settings
that pass, the one with the fewest v1 false alarms, then the most detections, then the
fewest knobs.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # benchmarks/: the benches
sys.path.insert(0, str(HERE))
import bench_groundedness as bg  # noqa: E402
import bench_groundedness_support as bs  # noqa: E402
import groundedness_numbers as gn  # noqa: E402

from evalkit.dataset import Case, load_eval_set  # noqa: E402
from evalkit.providers.base import Response  # noqa: E402
from evalkit.scorers.groundedness import Groundedness  # noqa: E402
from evalkit.scoring import Score, ScoreContext  # noqa: E402

THRESHOLD = 0.6
SUPPORT_SET = HERE.parents[1] / "datasets" / "support"
SUPPORT_HALLUCINATED = ("refund-001", "shipping-001", "shipping-002")
SUPPORT_SKIPPED = ("warranty-001",)  # a refusal: the refusal scorer's business
KINDS = ("number", "amount", "date", "time", "entity", "negation", "relation")
HARD = frozenset((*KINDS, "citation"))
HARD_NOREL = HARD - {"relation"}
DATASETS = ("support-v1", "HaluEval-QA", "FaithBench")

Claim = tuple[str, bool]
"""One unsupported claim: its kind and whether it is strongly unsupported."""


@dataclass(frozen=True)
class Verdict:
    """What a rule needs of one scored response."""

    claims: int
    supported: int
    bad: tuple[Claim, ...]


def kind(reason: str) -> str:
    """The kind of an unsupported claim, from its reason."""
    for k in KINDS:
        if reason.startswith(f"{k} mismatch"):
            return k
    if reason.startswith("wrong citation") or reason.startswith("citation ["):
        return "citation"
    return "lexical"


def verdict(score: Score) -> Verdict:
    claims = score.details.get("claims") or []
    bad = tuple(
        (kind(str(c.get("reason") or "")), bool(c.get("strongly_unsupported")))
        for c in claims
        if not c["supported"]
    )
    return Verdict(len(claims), len(claims) - len(bad), bad)


def frac(v: Verdict) -> float:
    return v.supported / v.claims if v.claims else 1.0


# ---- the rules (True = the response fails) ---------------------------------------------

Rule = Callable[[Verdict], bool]


def default(v: Verdict) -> bool:
    return frac(v) < THRESHOLD


def strong(k: int) -> Rule:
    return lambda v: sum(s for _, s in v.bad) > k


def hard(h: frozenset[str], f: float) -> Rule:
    return lambda v: any(k in h for k, _ in v.bad) or frac(v) < f


def weighted(h: frozenset[str], w: float, strong_counts: bool = False) -> Rule:
    def rule(v: Verdict) -> bool:
        if not v.claims:
            return False
        soft = sum(k not in h and not (strong_counts and s) for k, s in v.bad)
        return (v.supported + w * soft) / v.claims < THRESHOLD

    return rule


FAMILIES: dict[str, list[tuple[str, Rule]]] = {
    "default": [("default", default)],
    "strong": [(f"strong({k})", strong(k)) for k in (0, 1, 2)],
    "hard": [
        (f"hard({hn}, {f})", hard(h, f))
        for hn, h in (("HARD", HARD), ("NOREL", HARD_NOREL))
        for f in (0.0, 0.3, 0.4, 0.5)
    ],
    "weighted": [
        (f"weighted({hn}, {w})", weighted(h, w))
        for hn, h in (("HARD", HARD), ("NOREL", HARD_NOREL))
        for w in (0.5, 0.7, 1.0)
    ],
    "weighted-strong": [
        (f"weighted-strong({w})", weighted(HARD, w, True)) for w in (0.5, 0.7, 1.0)
    ],
}
RULES = [r for rules in FAMILIES.values() for r in rules]


# ---- scoring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    ds: str
    label: str  # "grounded" / "hallucinated"
    group: int
    case: Case
    response: Response


def dev_rows() -> list[Row]:
    """Public dev rows and v1 probes, in groundedness_numbers' order (its seeding needs it)."""
    out = []
    for r in (json.loads(x) for x in bg.DATA.open(encoding="utf-8") if x.strip()):
        case, response = bg.to_case(r)
        label = "hallucinated" if r["label"] == "hallucinated" else "grounded"
        out.append(
            Row(r["source_dataset"], label, zlib.crc32(r["context"].encode()), case, response)
        )
    for r in bs.load(bs.DATA):
        case, response = bs.to_case(r)
        ctx = "\n".join(p["text"] for p in r["context"])
        out.append(Row("support-v1", r["label"], zlib.crc32(ctx.encode()), case, response))
    return out


def score(scorer: Groundedness, case: Case, response: Response) -> Score:
    s = scorer.score(ScoreContext(case, response))
    assert isinstance(s, Score)
    return s


@dataclass(frozen=True)
class Seeded:
    ds: str
    label: str
    seed: str  # "wrong" / "borrowed"
    row: int
    claim_ok: bool  # the claim holding the wrong figure is supported
    verdict: Verdict


def seeded(scorer: Groundedness, rows: Sequence[Row], scores: Sequence[Score]) -> list[Seeded]:
    """The seeded wrong figures of groundedness_numbers.py (same seeds, same order)."""
    out: list[Seeded] = []
    rng = random.Random(13)

    def modified(n: int, row: Row, m: Any, wrong: str, seed: str) -> None:
        at = m.start()
        text = row.response.text[:at] + wrong + row.response.text[m.end() :]
        s = score(scorer, row.case, Response(text=text))
        held = [c for c in s.details["claims"] if c["span"][0] <= at < c["span"][1]]
        if held:
            out.append(Seeded(row.ds, row.label, seed, n, held[0]["supported"], verdict(s)))

    for n, row in enumerate(rows):
        figures = list(gn._FIGURE.finditer(row.response.text))
        for m in rng.sample(figures, min(3, len(figures))):
            modified(n, row, m, gn._wrong(m.group(0), rng), "wrong")
        passages = list(row.case.context or ())
        if len(passages) < 2:
            continue
        brng = random.Random(n)
        claims = scores[n].details["claims"]
        for m in brng.sample(figures, min(3, len(figures))):
            at = m.start()
            best = next((c["passage"] for c in claims if c["span"][0] <= at < c["span"][1]), None)
            pool = sorted(
                {
                    f.group(0)
                    for p in passages
                    if p.id != best
                    for f in gn._FIGURE.finditer(p.text)
                    if f.group(0) != m.group(0) and float(f.group(0)) != float(m.group(0))
                }
            )
            if pool:
                modified(n, row, m, brng.choice(pool), "borrowed")
    return out


def support_set(scorer: Groundedness) -> list[tuple[str, str, Verdict]]:
    """(replay, label, verdict) for datasets/support's cases with context."""
    cases = {c.id: c for c in load_eval_set(SUPPORT_SET / "support.jsonl").cases if c.context}
    out = []
    for replay in ("baseline", "candidate"):
        path = SUPPORT_SET / "replay" / f"{replay}.jsonl"
        for r in (json.loads(x) for x in path.open(encoding="utf-8") if x.strip()):
            cid = r["case_id"]
            if cid not in cases or (replay == "candidate" and cid in SUPPORT_SKIPPED):
                continue
            bad = replay == "candidate" and cid in SUPPORT_HALLUCINATED
            s = score(scorer, cases[cid], Response(text=r["output"]))
            out.append((replay, "hallucinated" if bad else "grounded", verdict(s)))
    return out


# ---- figures -----------------------------------------------------------------------------


def bacc(y: np.ndarray, pred: np.ndarray) -> float:
    return float(balanced_accuracy_score(y, pred))


def pct(hits: int, n: int) -> str:
    return f"{hits / n:.3f} ({hits}/{n})" if n else "n/a"


def main() -> None:
    t0 = time.perf_counter()
    scorer = Groundedness()
    rows = dev_rows()
    scores = [score(scorer, r.case, r.response) for r in rows]
    verdicts = [verdict(s) for s in scores]
    assert all(
        (frac(v) < THRESHOLD) == (not s.passed) for v, s in zip(verdicts, scores, strict=True)
    )
    seeds = seeded(scorer, rows, scores)
    sup = support_set(scorer)
    print(
        f"scored {len(rows)} dev rows, {len(seeds)} seeded figures, {len(sup)} support-set "
        f"answers in {time.perf_counter() - t0:.1f}s"
    )
    ds = np.array([r.ds for r in rows])
    y = np.array([r.label == "hallucinated" for r in rows])
    groups = np.array([r.group for r in rows])
    n_wrong = {d: sum(s.seed == "wrong" and s.ds == d for s in seeds) for d in DATASETS}
    ok_wrong = sum(s.claim_ok for s in seeds if s.seed == "wrong")
    ok_lent = sum(s.claim_ok for s in seeds if s.seed == "borrowed")
    print(
        f"seeded figures (claim-level, as groundedness_numbers.py counts them): wrong accepted "
        f"{ok_wrong}/{sum(n_wrong.values())} ({', '.join(f'{d} {n}' for d, n in n_wrong.items())})"
        f", borrowed accepted {ok_lent}/{sum(s.seed == 'borrowed' for s in seeds)}"
    )

    preds = {name: np.array([rule(v) for v in verdicts]) for name, rule in RULES}
    base = preds["default"]
    v1 = ds == "support-v1"
    print("\n== dev sets at each rule's setting (FA = false alarms on grounded, det = detected)")
    print(
        f"{'rule':<24} {'v1 FA':>6} {'v1 det':>6} {'v1 BAcc':>7} {'fixed':>5} {'new FA':>6} "
        f"{'lost':>4} {'HaluEval':>8} {'FaithB':>7}"
    )
    for name, _ in RULES:
        p = preds[name]
        fa = int((p & v1 & ~y).sum())
        det = int((p & v1 & y).sum())
        fixed = int((base & ~p & v1 & ~y).sum())
        new_fa = int((~base & p & v1 & ~y).sum())
        lost = int((base & ~p & v1 & y).sum())
        print(
            f"{name:<24} {fa:>3}/60 {det:>3}/60 {bacc(y[v1], p[v1]):7.3f} {fixed:>5} {new_fa:>6} "
            f"{lost:>4} {bacc(y[ds == 'HaluEval-QA'], p[ds == 'HaluEval-QA']):8.3f} "
            f"{bacc(y[ds == 'FaithBench'], p[ds == 'FaithBench']):7.3f}"
        )

    print("\n== seeded wrong figures: share whose response the rule fails")
    print(
        f"{'rule':<24} {'v1 wrong':>15} {'v1 grounded':>15} {'v1 borrowed':>15} "
        f"{'v1 pass->fail':>15} {'HaluEval':>15} {'FaithBench':>15}"
    )
    for name, rule in RULES:

        def caught(sel: list[Seeded], rule: Rule = rule) -> str:
            return pct(sum(rule(s.verdict) for s in sel), len(sel))

        w1 = [s for s in seeds if s.seed == "wrong" and s.ds == "support-v1"]
        cond = [s for s in w1 if not preds[name][s.row]]
        print(
            f"{name:<24} {caught(w1):>15} {caught([s for s in w1 if s.label == 'grounded']):>15} "
            f"{caught([s for s in seeds if s.seed == 'borrowed']):>15} {caught(cond):>15} "
            f"{caught([s for s in seeds if s.seed == 'wrong' and s.ds == 'HaluEval-QA']):>15} "
            f"{caught([s for s in seeds if s.seed == 'wrong' and s.ds == 'FaithBench']):>15}"
        )

    print("\n== datasets/support (cases with context)")
    for name, rule in RULES:
        base_fa = sum(rule(v) for r, lab, v in sup if r == "baseline")
        cand = [(lab, rule(v)) for r, lab, v in sup if r == "candidate"]
        print(
            f"{name:<24} baseline FA {base_fa}/{sum(r == 'baseline' for r, _, _ in sup)}   "
            f"candidate: detected {sum(f for lab, f in cand if lab == 'hallucinated')}/"
            f"{sum(lab == 'hallucinated' for lab, _ in cand)}, FA "
            f"{sum(f for lab, f in cand if lab == 'grounded')}/"
            f"{sum(lab == 'grounded' for lab, _ in cand)}"
        )

    print(
        "\n== grouped 5-fold CV re-choosing each family's knob (objective: mean BAcc of the "
        "three dev sets on the training folds)"
    )
    folds = list(GroupKFold(5).split(y, y, groups))
    for family, rules in FAMILIES.items():
        if len(rules) < 2:
            continue
        pred = np.zeros(len(y), dtype=bool)
        chosen = []
        for train, test in folds:

            def objective(name: str, train: np.ndarray = train) -> float:
                return float(
                    np.mean(
                        [
                            bacc(y[train][ds[train] == d], preds[name][train][ds[train] == d])
                            for d in DATASETS
                        ]
                    )
                )

            best = max((n for n, _ in rules), key=objective)
            chosen.append(best)
            pred[test] = preds[best][test]
        print(f"{family}: chosen per fold {chosen}")
        print(
            "  out of fold: "
            + ", ".join(f"{d} {bacc(y[ds == d], pred[ds == d]):.3f}" for d in DATASETS)
            + f"; v1 FA {int((pred & v1 & ~y).sum())}/60, det {int((pred & v1 & y).sum())}/60"
        )

    print(
        "\n== the bar: v1 FA <= 23, det >= 51, v1 wrong-figure catch within 2 points of the "
        "default's, HaluEval-QA and FaithBench BAcc >= the default's"
    )
    w1 = [s for s in seeds if s.seed == "wrong" and s.ds == "support-v1"]
    catch = {n: sum(r(s.verdict) for s in w1) / len(w1) for n, r in RULES}
    he, fb = ds == "HaluEval-QA", ds == "FaithBench"
    passing = []
    for name, _ in RULES:
        p = preds[name]
        checks = {
            "FA": int((p & v1 & ~y).sum()) <= 23,
            "det": int((p & v1 & y).sum()) >= 51,
            "catch": catch[name] >= catch["default"] - 0.02,
            "HaluEval": bacc(y[he], p[he]) >= bacc(y[he], base[he]) - 1e-9,
            "FaithBench": bacc(y[fb], p[fb]) >= bacc(y[fb], base[fb]) - 1e-9,
        }
        failed = [k for k, ok in checks.items() if not ok]
        print(f"{name:<24} {'PASSES' if not failed else 'fails: ' + ', '.join(failed)}")
        if not failed:
            passing.append(name)
    print(f"\nsettings passing the bar: {passing or 'none'}")
    if passing:  # fewest v1 false alarms, then most detections, then fewest knobs
        knobs = {n: n.count(",") + ("(" in n) for n, _ in RULES}
        pick = min(
            passing,
            key=lambda n: (
                int((preds[n] & v1 & ~y).sum()),
                -int((preds[n] & v1 & y).sum()),
                knobs[n],
            ),
        )
        print(f"chosen by the rule fixed in advance: {pick}")
    print(f"total {time.perf_counter() - t0:.1f}s")


def probes(path: Path, name: str) -> None:
    """Aggregate false alarms and detection of rule ``name`` and the default on ``path``."""
    rules = dict(RULES)
    if name not in rules:
        raise SystemExit(f"--rule: {name!r} is no rule; use one of {sorted(rules)}")
    scorer = Groundedness()
    rows = bs.load(path)
    got = [verdict(score(scorer, *bs.to_case(r))) for r in rows]
    y = np.array([r["label"] == "hallucinated" for r in rows])
    for label in ("default", name):
        p = np.array([rules[label](v) for v in got])
        print(
            f"{path.name}: {label}: false alarms {int((p & ~y).sum())}/{int((~y).sum())}, "
            f"detected {int((p & y).sum())}/{int(y.sum())}, balanced accuracy {bacc(y, p):.3f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--probes", type=Path, help="a support probe file (v1's format)")
    parser.add_argument("--rule", default="hard(HARD, 0.3)", help="a rule name as printed")
    args = parser.parse_args()
    if args.probes:
        probes(args.probes, args.rule)
    else:
        main()
