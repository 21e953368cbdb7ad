"""The ``refusal`` scorer on hand-written customer-support exchanges (not XSTest).

Usage: ``python benchmarks/bench_refusal_support.py [--data PATH] [--errors]``

Data: ``benchmarks/data/refusal_support_probes.jsonl`` (see the README beside it): 90
exchanges in nine pattern families, labelled compliance / partial_refusal / full_refusal by
XSTest's definitions, each with the product's ``should_refuse`` and a fixed ``dev`` / ``test``
split. XSTest measures the scorer on chatbot safety prompts; this measures it where most of
its users are, on support answers: limitations followed by an answer, deflections to another
resource, refusals in the company's voice, answers about a policy.

Each probe is scored as the scorer runs on a case (the shipped model, the request as the
case's input, ``should_refuse`` set), so the request-reading rules take part. Printed: 3-way
and binary (any refusal vs compliance) accuracy and macro-F1 overall, per split and per family
(per family and split), the 3-way confusion matrix per split, and the outcome counts
(correct / over_refusal / under_refusal, default policy) the scorer gives against those the
human labels give. ``--errors`` lists the *dev* split's errors only: scorer changes are made
from those, and the test split is read only as a figure.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, f1_score

from evalkit.dataset import Case
from evalkit.providers.base import Response
from evalkit.scorers.refusal import Refusal, outcome_for
from evalkit.scoring import ScoreContext

DATA = Path(__file__).resolve().parent / "data" / "refusal_support_probes.jsonl"
VERDICTS = ("compliance", "partial_refusal", "full_refusal")
SHORT = {"compliance": "comp", "partial_refusal": "part", "full_refusal": "full"}


def load(path: Path) -> list[dict[str, Any]]:
    """The probes, one dict per line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(scorer: Refusal, row: dict[str, Any]) -> dict[str, Any]:
    """The scorer's details for one probe, scored as its case."""
    case = Case(id=row["id"], input=row["request"], should_refuse=row["should_refuse"])
    result = scorer.score(ScoreContext(case, Response(text=row["response"])))
    return dict(result.details or {})


def line(name: str, y: Sequence[str], p: Sequence[str]) -> str:
    """3-way accuracy / macro-F1 and binary accuracy / macro-F1 of predictions ``p``."""
    yb = [v != "compliance" for v in y]
    pb = [v != "compliance" for v in p]
    f3 = f1_score(y, p, average="macro", labels=list(VERDICTS), zero_division=0)
    f2 = f1_score(yb, pb, average="macro", labels=[False, True], zero_division=0)
    return (
        f"  {name:<34} {accuracy_score(y, p):6.3f} {f3:6.3f}   "
        f"{accuracy_score(yb, pb):6.3f} {f2:6.3f}   n={len(y)}"
    )


def confusion(y: Sequence[str], p: Sequence[str]) -> list[str]:
    """Rows: the label; columns: the verdict."""
    counts = Counter(zip(y, p, strict=True))
    out = ["    label \\ verdict " + "".join(f"{SHORT[v]:>6}" for v in VERDICTS)]
    for t in VERDICTS:
        out.append(f"    {t:<17}" + "".join(f"{counts[(t, v)]:6d}" for v in VERDICTS))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--errors", action="store_true", help="list the dev split's errors")
    args = ap.parse_args(argv)
    rows = load(args.data)
    if not all("family" in r and r.get("split") in ("dev", "test") for r in rows):
        ap.error(
            f"{args.data}: not the v1 schema (every row with a family and a dev/test split); "
            "for the held-out v2 and v3 sets use benchmarks/bench_refusal_support_v2.py --data"
        )
    scorer = Refusal()
    details = [score(scorer, r) for r in rows]
    pred = [str(d["verdict"]) for d in details]
    y = [r["label"] for r in rows]
    splits = ("dev", "test")
    subsets: tuple[str | None, ...] = (*splits, None)  # None: every row

    print(f"Support probes ({args.data.name}): {len(rows)} exchanges, scorer as it runs")
    print(f"  {'subset':<34} {'acc3':>6} {'mF1-3':>6}   {'acc2':>6} {'mF1-2':>6}")
    print(line("all", y, pred))
    for s in splits:
        m = [i for i, r in enumerate(rows) if r["split"] == s]
        print(line(s, [y[i] for i in m], [pred[i] for i in m]))

    print("\nPer family, 3-way accuracy (dev | test | all):")
    for fam in dict.fromkeys(r["family"] for r in rows):
        accs = []
        for sub in subsets:
            m = [i for i, r in enumerate(rows) if r["family"] == fam and sub in (None, r["split"])]
            hit = sum(pred[i] == y[i] for i in m)
            accs.append(f"{hit:2d}/{len(m):<2d}")
        print(
            f"  {fam:<26} "
            + " | ".join(accs)
            + f"   ({rows[[r['family'] for r in rows].index(fam)]['label']})"
        )

    for s in splits:
        m = [i for i, r in enumerate(rows) if r["split"] == s]
        print(f"\nConfusion matrix, {s}:")
        print("\n".join(confusion([y[i] for i in m], [pred[i] for i in m])))

    print("\nOutcomes (default policy, partial counts as refusal): scorer | human labels")
    for sub in subsets:
        m = [i for i, r in enumerate(rows) if sub in (None, r["split"])]
        got = Counter(outcome_for(pred[i], rows[i]["should_refuse"]) for i in m)
        want = Counter(outcome_for(y[i], rows[i]["should_refuse"]) for i in m)
        print(
            f"  {sub or 'all':<5} "
            + "  ".join(
                f"{o} {got[o]:2d} | {want[o]:2d}"
                for o in ("correct", "over_refusal", "under_refusal")
            )
        )
    wrong = [i for i in range(len(rows)) if (pred[i] != "compliance") != (y[i] != "compliance")]
    false_over = sum(pred[i] != "compliance" and y[i] == "compliance" for i in wrong)
    print(
        f"  binary errors: {false_over} answers read as refusals (false over-refusal alarms), "
        f"{len(wrong) - false_over} refusals read as answers (missed refusals)"
    )

    if args.errors:
        print("\nDev-split errors (label -> verdict, rule, p_refusal):")
        for i, r in enumerate(rows):
            if r["split"] == "dev" and pred[i] != y[i]:
                d = details[i]
                print(
                    f"  {r['id']}: {SHORT[y[i]]} -> {SHORT[pred[i]]} "
                    f"rule={d.get('rule')} p_ref={d['p_refusal']:.2f}  {r['response'][:90]!r}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
