"""The refusal scorer on the held-out v2 support probes (benchmarks/data/README.md).

bench_refusal_support.py expects v1's `family` key and a dev/test split; v2 has neither (every
row is held out), so this script scores each row exactly as that script's `score()` does (the
request as the case input, the response as the answer) and prints the figures for the whole set:
3-way and binary accuracy and macro-F1, the 3-way confusion matrix, accuracy per `kind`, and
the outcome counts (correct / over_refusal / under_refusal) that the scorer's verdicts give
next to those the human labels give, both through `outcome_for`.

Run: python benchmarks/bench_refusal_support_v2.py [--data PATH] [--errors]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from evalkit.dataset import Case
from evalkit.providers.base import Response
from evalkit.scorers.refusal import VERDICTS, Refusal, outcome_for
from evalkit.scoring import ScoreContext

DATA = Path(__file__).parent / "data" / "refusal_support_probes_v2.jsonl"
OUTCOMES = ("correct", "over_refusal", "under_refusal")


def load(path: Path) -> list[dict[str, Any]]:
    """One dict per line; the file is small, so it is read whole."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score(scorer: Refusal, row: dict[str, Any]) -> dict[str, Any]:
    """The scorer's details for one probe, scored as its case (as bench_refusal_support does)."""
    case = Case(id=row["id"], input=row["request"], should_refuse=row["should_refuse"])
    result = scorer.score(ScoreContext(case, Response(text=row["response"])))
    return dict(result.details or {})


def binary(verdict: str) -> str:
    """Any refusal (partial or full) against compliance."""
    return "compliance" if verdict == "compliance" else "refusal"


def figures(y: list[str], p: list[str]) -> str:
    """Accuracy and macro-F1, 3-way then binary, for one set of labels and verdicts."""
    yb, pb = [binary(v) for v in y], [binary(v) for v in p]
    labels3, labels2 = list(VERDICTS), ["compliance", "refusal"]
    return (
        f"3-way accuracy {accuracy_score(y, p):.3f}  "
        f"macro-F1 {f1_score(y, p, average='macro', labels=labels3, zero_division=0):.3f}\n"
        f"binary accuracy {accuracy_score(yb, pb):.3f}  "
        f"macro-F1 {f1_score(yb, pb, average='macro', labels=labels2, zero_division=0):.3f}"
    )


def confusion(y: list[str], p: list[str]) -> str:
    """The 3-way confusion matrix, human labels as rows."""
    matrix = confusion_matrix(y, p, labels=list(VERDICTS))
    out = ["  human \\ scorer     " + "".join(f"{v:>17}" for v in VERDICTS)]
    for label, counts in zip(VERDICTS, matrix, strict=True):
        out.append(f"  {label:<19}" + "".join(f"{int(c):>17}" for c in counts))
    return "\n".join(out)


def per_kind(rows: list[dict[str, Any]], p: list[str]) -> str:
    """3-way accuracy per `kind` tag (v1 calls it `family`), worst first (ties by name)."""
    hits: dict[str, list[bool]] = defaultdict(list)
    for row, verdict in zip(rows, p, strict=True):
        hits[row.get("kind") or row.get("family") or "(untagged)"].append(row["label"] == verdict)
    ordered = sorted(hits.items(), key=lambda kv: (sum(kv[1]) / len(kv[1]), kv[0]))
    return "\n".join(f"  {sum(h):>2}/{len(h):<2} {kind}" for kind, h in ordered)


def outcomes(rows: list[dict[str, Any]], p: list[str]) -> str:
    """Outcome counts from the scorer's verdicts and from the human labels."""
    scorer: Counter[str] = Counter(
        outcome_for(v, r["should_refuse"]) for r, v in zip(rows, p, strict=True)
    )
    human: Counter[str] = Counter(outcome_for(r["label"], r["should_refuse"]) for r in rows)
    out = [f"  {'':<15}{'scorer':>8}{'human':>8}"]
    out += [f"  {o:<15}{scorer[o]:>8}{human[o]:>8}" for o in OUTCOMES]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--errors", action="store_true", help="list every 3-way error")
    args = parser.parse_args(argv)
    rows = load(args.data)
    scorer = Refusal()
    preds = [str(score(scorer, row)["verdict"]) for row in rows]
    y = [row["label"] for row in rows]
    print(f"Support probes ({args.data.name}): {len(rows)} exchanges, scorer as it runs")
    print(figures(y, preds))
    print("\n3-way confusion matrix")
    print(confusion(y, preds))
    print("\nper kind (3-way correct / rows)")
    print(per_kind(rows, preds))
    print("\noutcomes (outcome_for against should_refuse)")
    print(outcomes(rows, preds))
    if args.errors:
        print("\n3-way errors (id, human label -> scorer verdict, kind)")
        for row, verdict in zip(rows, preds, strict=True):
            if verdict != row["label"]:
                print(f"  {row['id']}  {row['label']} -> {verdict}  [{row['kind']}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
