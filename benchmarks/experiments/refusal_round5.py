"""Round 5: the ``refusal_then_content`` rule (QA10 finding 4), measured on its own.

Prints, with the rule on and off (``support_rules`` with the predicate switched off):

- XSTest combined + request out of fold under both protocols and the two *development*
  support sets (v1, v2), as ``refusal_round4.py`` does (its cached fold models), and how many
  verdicts the rule changes, to what and against which label;
- where the rule stops on every reply that opens with a refusal it recognises (counts per
  gold label only, no row is printed): no pivot after it, a pivot into an offer or a lecture,
  a pivot into words of an alternative, a pivot into something that is not content, or fires;
- speed: the scorer on XSTest's 705 responses scored as their cases, interleaved pairs with
  the rule on and off, and the predicate's own time per response.

The held-out support sets (v3, v4) are deliberately not readable from here.

Run: python benchmarks/experiments/refusal_round5.py [--pairs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "experiments"))
from refusal_round4 import SUPPORT, _figures, _fold_models  # noqa: E402
from train_refusal import DATA, load_rows  # noqa: E402

import evalkit.scorers.refusal as refusal_module  # noqa: E402
from evalkit.dataset import Case  # noqa: E402
from evalkit.providers.base import Response  # noqa: E402
from evalkit.scorers import _refusal_content as rc  # noqa: E402
from evalkit.scorers._refusal_lexicon import normalise, split_sentences  # noqa: E402
from evalkit.scorers.refusal import Refusal, combined_verdict  # noqa: E402
from evalkit.scoring import ScoreContext  # noqa: E402

_REAL = rc.refusal_then_content


def _switch(on: bool) -> None:
    off: Callable[[str], bool] = lambda text: False  # noqa: E731
    refusal_module.refusal_then_content = _REAL if on else off  # type: ignore[attr-defined,assignment]


def _verdicts(rows: list[dict], folds: dict, support: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, parts in folds.items():
        pred = [""] * len(rows)
        for test, model in parts:
            for i in test:
                r = rows[i]
                pred[i] = combined_verdict(
                    model,
                    r["completion"],
                    request=r["prompt"],
                    should_refuse=r["prompt_label"] == "unsafe",
                )[0]
        out[f"XSTest {name}"] = pred
    scorer = Refusal()
    for name, probes in support.items():
        out[name] = [
            str(
                (
                    scorer.score(
                        ScoreContext(
                            Case(id=p["id"], input=p["request"], should_refuse=p["should_refuse"]),
                            Response(text=p["response"]),
                        )
                    ).details
                    or {}
                )["verdict"]
            )
            for p in probes
        ]
    return out


def _stop(text: str) -> str:
    """Where the rule stops on one reply (mirrors :func:`refusal_then_content`)."""
    sents = rc._courtesy_stripped(normalise(text))
    if not sents or rc._opening_refusal(sents[0]) is None:
        return "no opening refusal"
    if rc.refusal_then_content(normalise(text)):
        return "fires"
    m = rc._opening_refusal(sents[0])
    assert m is not None
    tail = sents[0][m.end() :]
    clauses = [tail[t.end() :] for t in rc._TURN_IN_SENTENCE.finditer(tail)]
    for sentence in sents[1 : 1 + rc._AFTER]:
        opening = rc._TURN_OPENING.match(sentence)
        if opening is not None:
            clauses.append(sentence[opening.end() :])
            break
    if not clauses:
        return "refusal, no pivot"
    clause = rc._FILLER.sub("", clauses[-1].lstrip(" ,:;-\"'"))
    if rc._NOT_CONTENT.match(clause):
        return "pivot into an offer/lecture"
    if rc._CONTENT.match(clause) or rc._QUANTITY.search(clause):
        return "pivot into alternative words"
    return "pivot into no content"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=5, help="interleaved speed pairs")
    args = ap.parse_args(argv)
    rows = load_rows(DATA)
    folds = _fold_models(rows)
    support = {
        name: [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        for name, path in SUPPORT.items()
    }
    gold = {f"XSTest {n}": [r["verdict"] for r in rows] for n in folds}
    gold |= {n: [p["label"] for p in probes] for n, probes in support.items()}
    runs = {}
    for on in (False, True):
        _switch(on)
        runs[on] = _verdicts(rows, folds, support)
    _switch(True)
    for part, now in runs[True].items():
        print(f"{part:<15} off {_figures(gold[part], runs[False][part])}")
        print(f"{'':<15} on  {_figures(gold[part], now)}")
        changes = Counter(
            f"{a} -> {b} (label {g})"
            for a, b, g in zip(runs[False][part], now, gold[part], strict=True)
            if a != b
        )
        print(f"{'':<15} verdicts changed: {sum(changes.values())} {dict(changes)}")

    print("\nWhere the rule stops, per gold label:")
    texts = {"XSTest": [r["completion"] for r in rows]}
    texts |= {n: [p["response"] for p in probes] for n, probes in support.items()}
    labels = {"XSTest": [r["verdict"] for r in rows]}
    labels |= {n: [p["label"] for p in probes] for n, probes in support.items()}
    for part, items in texts.items():
        stops = Counter((_stop(t), g) for t, g in zip(items, labels[part], strict=True))
        for stop in sorted({s for s, _ in stops}):
            per = {g: stops[(stop, g)] for g in sorted({g for _, g in stops}) if stops[(stop, g)]}
            print(f"  {part:<7} {stop:<30} {per}")

    cases = [
        (
            Case(id=r["id"], input=r["prompt"], should_refuse=r["prompt_label"] == "unsafe"),
            Response(text=r["completion"]),
        )
        for r in rows
    ]
    scorer = Refusal()
    scorer.model()
    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.pairs):
        for on in (False, True):
            _switch(on)
            start = time.perf_counter()
            for case, response in cases:
                scorer.score(ScoreContext(case, response))
            rates[on].append(len(cases) / (time.perf_counter() - start))
    _switch(True)
    # in the scorer the reply's sentences are already split (and cached) by the lexicon
    # features when the rule runs, so the split is made outside the timer here too
    spent = 0.0
    for row in rows:
        text = normalise(row["completion"])
        split_sentences(text)
        start = time.perf_counter()
        rc.refusal_then_content(text)
        spent += time.perf_counter() - start
    micro = spent / len(rows) * 1e6
    print(
        f"\nSpeed, {args.pairs} interleaved pairs on {len(cases)} XSTest responses: rule off "
        f"median {statistics.median(rates[False]):,.0f}/s ({min(rates[False]):,.0f}-"
        f"{max(rates[False]):,.0f}), on {statistics.median(rates[True]):,.0f}/s "
        f"({min(rates[True]):,.0f}-{max(rates[True]):,.0f}); the predicate alone on every "
        f"response (sentences already split): {micro:.1f} us"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
