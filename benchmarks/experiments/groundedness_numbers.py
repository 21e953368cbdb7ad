"""Measure the number checks' derivations and conversions (round 5 of the support work).

Usage::

    python benchmarks/experiments/groundedness_numbers.py dump OUT.json
    python benchmarks/experiments/groundedness_numbers.py diff BEFORE.json AFTER.json

``dump`` scores, with the current scorer, every row of the public dev split (HaluEval-QA,
FaithBench) and of the dev support probes (v1 only: the held-out sets are never read here),
and, for the accidental-acceptance risk, the same responses with one figure replaced by a
wrong one (seeded: ``v ± 1..3`` or ``v`` times 0.5, 0.8, 1.2, 1.25, 1.5, 2 or 3, same
decimals); it records every claim's verdict and reason. ``diff`` compares two dumps claim by
claim: verdicts that changed per dataset and label, and how many wrong figures each version
accepts (a wrong figure is accepted when the claim holding it is supported). Run it on the
code before and after a change.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import ScoreContext

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))
import bench_groundedness as bg  # noqa: E402
import bench_groundedness_support as bs  # noqa: E402

_FIGURE = re.compile(r"(?<![\w.,/:])\d+(?:\.\d+)?(?![\w/:]|[.,]\d)")


def _rows() -> list[tuple[str, str, Any, Any]]:
    """(dataset, label, case, response) for every dev row."""
    out = []
    for row in (json.loads(x) for x in bg.DATA.open(encoding="utf-8") if x.strip()):
        case, response = bg.to_case(row)
        out.append((row["source_dataset"], row["label"], case, response))
    for row in bs.load(bs.DATA):
        case, response = bs.to_case(row)
        out.append(("support-v1", row["label"], case, response))
    return out


def _wrong(text: str, rng: random.Random) -> str:
    decimals = len(text.partition(".")[2])
    value = float(text)
    for _ in range(10):
        if rng.random() < 0.5:
            new = value + rng.choice((-3, -2, -1, 1, 2, 3))
        else:
            new = value * rng.choice((0.5, 0.8, 1.2, 1.25, 1.5, 2, 3))
        new = round(new, decimals)
        if new > 0 and new != value:
            return f"{new:.{decimals}f}"
    return str(int(value) + 1)


def _claims(scorer: Groundedness, case: Any, response: Any) -> list[dict[str, Any]]:
    score = scorer.score(ScoreContext(case, response))
    return list(score.details.get("claims") or [])  # type: ignore[union-attr]


def dump(out: Path) -> None:
    scorer = Groundedness()
    rng = random.Random(13)
    records: list[dict[str, Any]] = []
    for n, (ds, label, case, response) in enumerate(_rows()):
        claims = _claims(scorer, case, response)
        for c in claims:
            records.append(
                {
                    "kind": "claim",
                    "row": n,
                    "ds": ds,
                    "label": label,
                    "span": c["span"],
                    "ok": c["supported"],
                    "reason": c.get("reason", ""),
                }
            )
        figures = list(_FIGURE.finditer(response.text))
        for m in rng.sample(figures, min(3, len(figures))):
            wrong = _wrong(m.group(0), rng)
            records.extend(_seeded("wrong", scorer, (n, ds, label), case, response, m, wrong))
        records.extend(_borrowed(scorer, n, ds, label, case, response, random.Random(n)))
    out.write_text(json.dumps(records), encoding="utf-8")
    print(f"{len(records)} records -> {out}")


def _borrowed(
    scorer: Groundedness, n: int, ds: str, label: str, case: Any, response: Any, rng: Any
) -> list[dict[str, Any]]:
    """Wrong figures that another passage of the case states: each figure of the response
    (up to three, seeded) replaced by a different figure of a passage other than the claim's
    best one, the risk of accepting a figure from another article (kind ``"borrowed"``)."""
    out: list[dict[str, Any]] = []
    passages = list(case.context or ())
    if len(passages) < 2:
        return out
    claims = _claims(scorer, case, response)
    figures = list(_FIGURE.finditer(response.text))
    for m in rng.sample(figures, min(3, len(figures))):
        at = m.start()
        best = next((c["passage"] for c in claims if c["span"][0] <= at < c["span"][1]), None)
        pool = sorted(
            {
                f.group(0)
                for p in passages
                if p.id != best
                for f in _FIGURE.finditer(p.text)
                if f.group(0) != m.group(0) and float(f.group(0)) != float(m.group(0))
            }
        )
        if not pool:
            continue
        wrong = rng.choice(pool)
        out.extend(_seeded("borrowed", scorer, (n, ds, label), case, response, m, wrong))
    return out


def _seeded(
    kind: str,
    scorer: Groundedness,
    where: tuple[int, str, str],
    case: Any,
    response: Any,
    m: Any,
    wrong: str,
) -> list[dict[str, Any]]:
    """The verdict on the claim holding figure ``m`` once it is replaced by ``wrong``."""
    n, ds, label = where
    at = m.start()
    text = response.text[:at] + wrong + response.text[m.end() :]
    return [
        {
            "kind": kind,
            "row": n,
            "ds": ds,
            "label": label,
            "at": at,
            "figure": f"{m.group(0)}->{wrong}",
            "claim": c["text"],
            "ok": c["supported"],
            "reason": c.get("reason", ""),
        }
        for c in _claims(scorer, case, type(response)(text=text))
        if c["span"][0] <= at < c["span"][1]
    ]


def diff(before: Path, after: Path) -> None:
    a = json.loads(before.read_text(encoding="utf-8"))
    b = json.loads(after.read_text(encoding="utf-8"))
    key = lambda r: (r["kind"], r["row"], str(r.get("span", r.get("at"))))  # noqa: E731
    old = {key(r): r for r in a}
    changed: Counter[tuple[str, str, str]] = Counter()
    for r in b:
        o = old.get(key(r))
        if r["kind"] != "claim" or o is None or o["ok"] == r["ok"]:
            continue
        changed[(r["ds"], r["label"], "now supported" if r["ok"] else "now unsupported")] += 1
        print(f"  {r['ds']:11} {r['label']:12} {o['ok']!s:5} -> {r['ok']!s:5} {r['reason']!r}")
    for k, v in sorted(changed.items()):
        print("changed claims:", *k, v)
    for name, rs in (("before", a), ("after", b)):
        wrong = [r for r in rs if r["kind"] == "wrong"]
        per: Counter[str] = Counter(r["ds"] for r in wrong)
        acc: Counter[str] = Counter(r["ds"] for r in wrong if r["ok"])
        print(
            name,
            "wrong figures accepted:",
            ", ".join(f"{d} {acc[d]}/{per[d]}" for d in sorted(per)),
        )
    for name, rs in (("before", a), ("after", b)):
        lent = [r for r in rs if r["kind"] == "borrowed"]
        print(
            name,
            "wrong figures from another passage accepted:",
            f"{sum(r['ok'] for r in lent)}/{len(lent)}",
        )
    newly = [
        r
        for r in b
        if r["kind"] in ("wrong", "borrowed")
        and r["ok"]
        and not old.get(key(r), {"ok": True})["ok"]
    ]
    for r in newly:
        print(f"  newly accepted {r['kind']} figure ({r['ds']}): {r['figure']} in {r['claim']!r}")
    print("newly accepted wrong figures:", len(newly))


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(Path(sys.argv[2]))
    else:
        diff(Path(sys.argv[2]), Path(sys.argv[3]))
