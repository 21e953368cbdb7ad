"""Blank references found before a run: a case whose ``expected`` a contains-family scorer
would find in every output (QA16 F4).

``""`` means "the answer must be empty" to ``exact_match``, so loading an eval set accepts it;
only once a suite's scorers are known can it be refused, by ``evalkit validate --config`` and
by the engine before the first request. The per-case rule itself is
:meth:`evalkit.scorers.text._ContainsBase.blank_reference` (also a scorer error on the case).
"""

from __future__ import annotations

from evalkit.dataset import Case, EvalSet
from evalkit.errors import ConfigError, Problem
from evalkit.scorers.checks import Checks
from evalkit.scorers.text import _ContainsBase
from evalkit.scoring import Scorer

__all__ = ["MAX_BLANK_PROBLEMS", "blank_reference_problems"]

MAX_BLANK_PROBLEMS = 20
"""Cases listed one by one by :func:`blank_reference_problems`; one more problem counts the rest."""


def blank_reference_problems(es: EvalSet, scorer: Scorer, label: str = "") -> list[Problem]:
    """The cases of ``es`` whose ``expected`` would make ``scorer`` (or a ``contains`` check
    of the ``checks`` scorer without ``values``) pass any answer, as problems at
    ``<eval set>:<line>`` naming the case; past :data:`MAX_BLANK_PROBLEMS`, one more problem
    counts and names the rest. ``label`` names the scorer's entry
    (``" ([suites.qa] scorers[1])"``). For ``evalkit validate --config`` and the engine's
    check before the first request (QA16 F4): known only once the suite's scorers are, so
    loading an eval set does not refuse a blank ``expected``."""
    source = str(es.path or es.name)
    found: list[tuple[Case, str]] = []
    for case in es:
        if isinstance(scorer, _ContainsBase) and not scorer.skips(case):
            why = scorer.blank_reference(case)
            if why is not None:
                found.append((case, f"scorer {scorer.name!r}{label}: {why}"))
        elif isinstance(scorer, Checks):
            for i, check in enumerate(case.checks, start=1):
                try:
                    built = scorer.scorer_for(check)
                except ConfigError:
                    continue  # reported by check_problems
                why = built.blank_reference(case) if isinstance(built, _ContainsBase) else None
                if why is not None:
                    entry = f'field "checks" item {i} (scorer {built.name!r}){label}'
                    found.append((case, f"{entry}: {why}"))
    out = [
        Problem(
            f"{source}:{c.line}" if c.line else f"{source}: case {c.id!r}", f"case {c.id!r}: {m}"
        )
        for c, m in found[:MAX_BLANK_PROBLEMS]
    ]
    rest = [c.id for c, _ in found[MAX_BLANK_PROBLEMS:]]
    if rest:
        shown = ", ".join(repr(i) for i in rest[:5]) + (", ..." if len(rest) > 5 else "")
        out.append(
            Problem(
                source,
                f"and {len(rest)} more such case(s) for scorer {scorer.name!r}{label}: {shown}",
            )
        )
    return out
