"""Round 4 of the support-answer rules: every figure one mechanism is judged by, in one run.

For the scorer as the working tree has it, prints: XSTest combined + request out of fold under
both protocols (grouped 5-fold and leave-one-setup-out; 3-way accuracy and macro-F1, binary
accuracy, and the counts behind them), and on the two *development* support sets (v1, v2):
3-way / binary accuracy and macro-F1, compliances read as refusals (false alarms) and refusals
read as answers (missed). The fold models are trained once and cached under /tmp (they depend
only on the training script and the data, not on the rules measured here), so measuring a rule
change takes seconds. ``--save NAME`` keeps this run's verdicts; ``--diff NAME`` lists every
verdict that differs from a saved run (XSTest and the two development sets only).

The held-out support sets (v3, v4) are deliberately not readable from here.

Run: python benchmarks/experiments/refusal_round4.py [--save NAME] [--diff NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from train_refusal import DATA, build, fit, load_rows  # noqa: E402

from evalkit.dataset import Case  # noqa: E402
from evalkit.providers.base import Response  # noqa: E402
from evalkit.scorers.refusal import Refusal, combined_verdict  # noqa: E402
from evalkit.scoring import ScoreContext  # noqa: E402

SUPPORT = {
    "v1": ROOT / "benchmarks" / "data" / "refusal_support_probes.jsonl",
    "v2": ROOT / "benchmarks" / "data" / "refusal_support_probes_v2.jsonl",
}
LABELS = ["compliance", "partial_refusal", "full_refusal"]
CACHE = Path("/tmp/evalkit_refusal_round4")


def _figures(y: list[str], p: list[str]) -> str:
    yb = [v != "compliance" for v in y]
    pb = [v != "compliance" for v in p]
    a3, a2 = accuracy_score(y, p), accuracy_score(yb, pb)
    f3 = f1_score(y, p, average="macro", labels=LABELS, zero_division=0)
    f2 = f1_score(yb, pb, average="macro", zero_division=0)
    right3 = sum(a == b for a, b in zip(y, p, strict=True))
    right2 = sum(a == b for a, b in zip(yb, pb, strict=True))
    alarms = sum(a == "compliance" and b != "compliance" for a, b in zip(y, p, strict=True))
    missed = sum(a != "compliance" and b == "compliance" for a, b in zip(y, p, strict=True))
    return (
        f"3-way {a3:.3f} ({right3}/{len(y)}) mF1 {f3:.3f} | binary {a2:.3f} ({right2}) "
        f"mF1 {f2:.3f} | compliance->refusal {alarms} | refusal->compliance {missed}"
    )


def _fold_models(rows: list[dict[str, Any]]) -> dict[str, list[tuple[list[int], Any]]]:
    """Per protocol, each fold's test indices and model, trained once and cached."""
    y = [r["verdict"] for r in rows]
    texts = [r["completion"] for r in rows]
    idx = np.arange(len(rows))
    setups = np.array([r["model"] for r in rows])
    splits = {
        "grouped": list(GroupKFold(5).split(idx, y, [r["prompt_id"] for r in rows])),
        "loso": [(idx[setups != s], idx[setups == s]) for s in sorted(set(setups))],
    }
    key = hashlib.sha256(
        DATA.read_bytes() + (ROOT / "benchmarks" / "train_refusal.py").read_bytes()
    ).hexdigest()[:16]
    path = CACHE / f"folds-{key}.json"
    if path.exists():
        bodies = json.loads(path.read_text())
    else:
        bodies = {
            name: [fit([texts[i] for i in tr], [y[i] for i in tr]) for tr, _ in split]
            for name, split in splits.items()
        }
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(bodies))
    return {
        name: [
            ([int(i) for i in te], build(body, {}))
            for (_, te), body in zip(splits[name], bodies[name], strict=True)
        ]
        for name in splits
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--save", help="keep this run's verdicts under this name")
    ap.add_argument("--diff", help="list verdicts that differ from a saved run")
    args = ap.parse_args(argv)
    rows = load_rows(DATA)
    y = [r["verdict"] for r in rows]
    verdicts: dict[str, dict[str, str]] = {}
    for name, folds in _fold_models(rows).items():
        pred = [""] * len(rows)
        for test, model in folds:
            for i in test:
                r = rows[i]
                unsafe = r["prompt_label"] == "unsafe"
                pred[i] = combined_verdict(
                    model, r["completion"], request=r["prompt"], should_refuse=unsafe
                )[0]
        verdicts[f"xstest-{name}"] = {r["id"]: v for r, v in zip(rows, pred, strict=True)}
        print(f"XSTest {name:<8} {_figures(y, pred)}")
    scorer = Refusal()
    texts: dict[str, tuple[str, str, str]] = {
        r["id"]: (r["verdict"], "", r["completion"]) for r in rows
    }
    for name, path in SUPPORT.items():
        probes = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        pred = []
        for r in probes:
            case = Case(id=r["id"], input=r["request"], should_refuse=r["should_refuse"])
            details = scorer.score(ScoreContext(case, Response(text=r["response"]))).details
            pred.append(str((details or {})["verdict"]))
            texts[r["id"]] = (r["label"], r["request"], r["response"])
        verdicts[name] = {r["id"]: v for r, v in zip(probes, pred, strict=True)}
        print(f"{name:<15} {_figures([r['label'] for r in probes], pred)}")
    if args.save:
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / f"run-{args.save}.json").write_text(json.dumps(verdicts))
    if args.diff:
        old = json.loads((CACHE / f"run-{args.diff}.json").read_text())
        for part, now in verdicts.items():
            for rid, v in now.items():
                if old[part].get(rid) != v:
                    label, request, text = texts[rid]
                    print(f"\n[{part}] {rid}: {old[part].get(rid)} -> {v} (label {label})")
                    print(f"  request: {request[:200]!r}\n  response: {text[:300]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
