"""The unpriced-candidate scenario shared by the compare, summary and report tests: a baseline
fully priced and a candidate that sends half its calls to a model with no known price."""

from __future__ import annotations

from pathlib import Path

from evalkit.compare import Comparison, compare
from evalkit.records import Run
from tests.helpers.runs import candidate_dict, make_record, make_run

__all__ = ["UNPRICED_MODEL", "unpriced_comparison", "unpriced_runs"]

UNPRICED_MODEL = "acme-chat-9"
"""The model the candidate's odd cases report; no price table knows it."""


def unpriced_runs(tmp_path: Path, n: int = 10) -> tuple[Run, Run]:
    """Baseline: ``n`` cases, each priced at $0.01. Candidate: the same cases, the even ones
    priced at $0.01, the odd ones answered by :data:`UNPRICED_MODEL` without a cost."""
    base = [make_record(f"c{i}", {"acc": True}, cost=0.01) for i in range(n)]
    cand = [
        make_record(
            f"c{i}",
            {"acc": True},
            cost=0.01 if i % 2 == 0 else None,
            model="gpt-4o-mini" if i % 2 == 0 else UNPRICED_MODEL,
            candidate="cand",
        )
        for i in range(n)
    ]
    b = make_run(tmp_path / "base", base, scorers=["acc"])
    c = make_run(tmp_path / "cand", cand, candidate=candidate_dict("cand"), scorers=["acc"])
    return b, c


def unpriced_comparison(tmp_path: Path, n: int = 10) -> Comparison:
    """:func:`unpriced_runs` compared (baseline first)."""
    return compare(*unpriced_runs(tmp_path, n))
