"""The ``groundedness`` scorer on hand-written RAG customer-support answers (not HaluEval/FaithBench).

Usage: ``python benchmarks/bench_groundedness_support.py [--data PATH] [--errors]``

Data: ``benchmarks/data/groundedness_support_probes.jsonl`` (card beside it): 120 answers of
a support assistant to a customer question, each with the 2-6 knowledge-base passages its
retrieval returned; 60 grounded, 60 hallucinated in eight error types, each hallucination
with the exact unsupported span(s) of the answer. The rows were written blind, before the
scorer was read or run; they are held out: nobody may change the scorer from reading them.

HaluEval-QA and FaithBench measure the scorer on one-paragraph contexts and public-domain
facts; most of its users run support assistants over a help centre, where answers convert
units, combine two articles, cite passages and add politeness. This measures how often it
raises a false alarm on a faithful support answer and how often it catches the hallucinations
support answers typically carry (one wrong fee, limit, date, plan or condition).

Each row is scored exactly as a suite scores a case: the shipped scorer at its defaults, the
question as the case's ``input`` (so its names and numbers count as the user's own), each
passage a ``ContextPassage`` (the article's title as its ``source``, as a help centre's
article name would be), the answer as ``Response(text=...)``. No request is passed.

Printed, with hallucinated = positive = the score does NOT pass:

- balanced accuracy at the default threshold, AUROC of ``1 - value``, the false-alarm rate on
  grounded answers and the detection rate on hallucinated ones, overall, per ``error_type``
  and per domain;
- span agreement: the share of hallucinated answers whose labelled span overlaps at least one
  claim the scorer marked unsupported (of all, and of those it detected), and for grounded
  answers the mean number of claims wrongly marked unsupported;
- the same for a content-word-overlap baseline: the share of the answer's content words
  (the scorer's own tokeniser and stemmer, as ``bench_groundedness.py`` uses) found anywhere
  in the case's passages, hallucinated below :data:`OVERLAP_THRESHOLD` (0.8, fixed before
  the bench was first run). Its "unsupported claims" are the answer's whitespace tokens with
  a content word found in no passage;
- speed: responses per second, one process.

``--errors`` lists each case the scorer misclassifies: id, label, error type, value, the
labelled spans and the claims it marked unsupported with their reasons.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_text import content_words
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

DATA = Path(__file__).resolve().parent / "data" / "groundedness_support_probes.jsonl"
OVERLAP_THRESHOLD = 0.8
"""Baseline cut-off, chosen a priori (before any run): below it, an answer is hallucinated."""
SPEED_PASSES = 5
"""Passes over all rows for the speed line (the first one included)."""

Span = tuple[int, int]


@dataclass(frozen=True)
class Verdict:
    """One detector's verdict on one row."""

    value: float
    """Higher is more grounded (the scorer's value; the baseline's overlap share)."""
    flagged: bool
    """Called hallucinated."""
    bad: tuple[tuple[Span, str, str], ...]
    """Unsupported claims (or tokens): span in the response, text, reason."""


def load(path: Path) -> list[dict[str, Any]]:
    """The probes, one dict per line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def to_case(row: dict[str, Any]) -> tuple[Case, Response]:
    """One probe as a suite would hold it: question as input, passages with title as source."""
    context = tuple(ContextPassage(p["id"], p["text"], p.get("title")) for p in row["context"])
    return Case(id=row["id"], input=row["question"], context=context), Response(row["response"])


def scorer_verdict(scorer: Groundedness, row: dict[str, Any]) -> Verdict:
    """The shipped scorer's verdict, read from its score and ``details["claims"]``."""
    case, response = to_case(row)
    score = scorer.score(ScoreContext(case, response))
    assert isinstance(score, Score) and score.value is not None  # offline mode is sync
    claims = score.details.get("claims") or []
    bad = tuple(
        ((int(c["span"][0]), int(c["span"][1])), str(c["text"]), str(c.get("reason") or ""))
        for c in claims
        if not c["supported"]
    )
    return Verdict(score.value, not score.passed, bad)


def overlap_verdict(row: dict[str, Any]) -> Verdict:
    """Baseline: share of the answer's content words found in any of the case's passages."""
    context = set(content_words(" ".join(p["text"] for p in row["context"])))
    answer = content_words(row["response"])
    share = sum(w in context for w in answer) / len(answer) if answer else 1.0
    bad = []
    for m in re.finditer(r"\S+", row["response"]):
        missing = [w for w in content_words(m.group()) if w not in context]
        if missing:
            bad.append(((m.start(), m.end()), m.group(), "not in context: " + " ".join(missing)))
    return Verdict(share, share < OVERLAP_THRESHOLD, tuple(bad))


def gold_spans(row: dict[str, Any]) -> list[Span]:
    """Character spans of the labelled unsupported substrings."""
    out = []
    for s in row["unsupported"]:
        start = row["response"].find(s)
        out.append((start, start + len(s)))
    return out


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def span_hit(row: dict[str, Any], v: Verdict) -> bool:
    """Whether any labelled span overlaps any claim marked unsupported."""
    return any(overlaps(g, s) for g in gold_spans(row) for s, _, _ in v.bad)


def rate(hits: Sequence[bool]) -> str:
    return f"{sum(hits) / len(hits):.3f} ({sum(hits)}/{len(hits)})" if hits else "n/a"


def report(name: str, rows: Sequence[dict[str, Any]], verdicts: Sequence[Verdict]) -> None:
    """Print one detector's figures."""
    y = [r["label"] == "hallucinated" for r in rows]
    flagged = [v.flagged for v in verdicts]
    bacc = balanced_accuracy_score(y, flagged)
    auroc = roc_auc_score(y, [1 - v.value for v in verdicts])
    grounded = [v for r, v in zip(rows, verdicts, strict=True) if r["label"] == "grounded"]
    halluc = [(r, v) for r, v in zip(rows, verdicts, strict=True) if r["label"] != "grounded"]
    print(f"\n== {name}")
    print(f"balanced accuracy            {bacc:.3f}")
    print(f"AUROC (1 - value)            {auroc:.3f}")
    print(f"false-alarm rate (grounded)  {rate([v.flagged for v in grounded])}")
    print(f"detection rate (halluc.)     {rate([v.flagged for _, v in halluc])}")
    by_type: dict[str, list[bool]] = defaultdict(list)
    for r, v in halluc:
        by_type[r["error_type"]].append(v.flagged)
    for et in sorted(by_type):
        print(f"  detected {et:<24} {rate(by_type[et])}")
    by_domain: dict[str, tuple[list[bool], list[bool]]] = defaultdict(lambda: ([], []))
    for r, v in zip(rows, verdicts, strict=True):
        by_domain[r["domain"]][r["label"] != "grounded"].append(v.flagged)
    for dom in sorted(by_domain):
        fa, det = by_domain[dom]
        print(f"  {dom:<18} false alarms {rate(fa):<16} detected {rate(det)}")
    hits = [span_hit(r, v) for r, v in halluc]
    hits_detected = [span_hit(r, v) for r, v in halluc if v.flagged]
    wrong = [len(v.bad) for v in grounded]
    print(f"span agreement, hallucinated {rate(hits)}")
    print(f"span agreement, detected     {rate(hits_detected)}")
    print(f"grounded: mean claims marked unsupported {sum(wrong) / len(wrong):.3f}")


def speed(rows: Sequence[dict[str, Any]], score: Callable[[dict[str, Any]], object]) -> float:
    """Responses per second over :data:`SPEED_PASSES` passes of all rows."""
    start = time.perf_counter()
    for _ in range(SPEED_PASSES):
        for row in rows:
            score(row)
    return SPEED_PASSES * len(rows) / (time.perf_counter() - start)


def print_errors(rows: Sequence[dict[str, Any]], verdicts: Sequence[Verdict]) -> None:
    """Each misclassified case with the claims the scorer marked unsupported."""
    print("\n== misclassified by the scorer")
    for r, v in zip(rows, verdicts, strict=True):
        if v.flagged == (r["label"] == "hallucinated"):
            continue
        kind = "FALSE ALARM" if r["label"] == "grounded" else "MISS"
        print(
            f"\n{r['id']} {kind} label={r['label']} error_type={r['error_type'] or '-'} "
            f"value={v.value:.3f} domain={r['domain']}"
        )
        for s in r["unsupported"]:
            print(f"  labelled: {s!r}")
        for _, text, reason in v.bad:
            print(f"  unsupported claim: {text!r}: {reason}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--errors", action="store_true", help="list the scorer's errors")
    parser.add_argument(
        "--args",
        default="{}",
        help='scorer arguments as JSON, e.g. \'{"fail_on_mismatch": true, "threshold": 0.3}\'',
    )
    args = parser.parse_args(argv)
    rows = load(args.data)
    scorer_args = json.loads(args.args)
    scorer = Groundedness(**scorer_args)
    n_h = sum(r["label"] == "hallucinated" for r in rows)
    print(
        f"{len(rows)} probes: {len(rows) - n_h} grounded, {n_h} hallucinated; "
        f"scorer threshold {scorer.threshold}, baseline threshold {OVERLAP_THRESHOLD}"
    )
    verdicts = [scorer_verdict(scorer, r) for r in rows]
    shown = ", ".join(f"{k}={v}" for k, v in scorer_args.items()) or "defaults"
    report(f"groundedness (offline, {shown})", rows, verdicts)
    report(
        f"baseline: content-word overlap < {OVERLAP_THRESHOLD}",
        rows,
        [overlap_verdict(r) for r in rows],
    )
    rps = speed(rows, lambda r: scorer_verdict(scorer, r))
    print(f"\nspeed: {rps:,.0f} responses/s (groundedness, one process, {SPEED_PASSES} passes)")
    if args.errors:
        print_errors(rows, verdicts)


if __name__ == "__main__":
    main()
