"""A suite's gates against its eval set: a gate's ``tag`` that no case carries.

A warning, not an error: an eval set grows, and a gate written for cases still to come is
legitimate. But such a gate judges nothing today, so ``evalkit validate`` says so, and
``evalkit run``/``check`` say it before they pay for anything (the comparison then fails the
gate with the same finding: a gate on an empty slice never passes silently).

A helper of ``evalkit validate``, ``run`` and ``check``, not a subcommand.
"""

from __future__ import annotations

import sys
from typing import Any

from evalkit.errors import Problem, did_you_mean

__all__ = ["gate_tag_warnings", "warn_gate_tags"]


def gate_tag_warnings(project: Any, suite: Any, es: Any) -> list[Problem]:
    """One warning per gate whose ``tag`` no case of ``es`` carries, at the gate's line."""
    from evalkit.cli._validate_lines import with_lines

    tags = sorted({t for case in es for t in case.tags})
    out = []
    for i, gate in enumerate(suite.gates):  # from 0, as evalkit.suites numbers gates[i]
        if gate.tag is None or gate.tag in tags:
            continue
        hint = did_you_mean(gate.tag, tags).strip() or f"tags in it: {', '.join(tags) or 'none'}"
        out.append(
            Problem(
                f"{project.path}: [suites.{suite.name}] gates[{i}] tag",
                f"no case of {suite.dataset!r} is tagged {gate.tag!r} ({hint}), so gate "
                f"{gate.label!r} has nothing to judge and fails as unchecked; fix the tag, or "
                "tag the cases it is meant for",
            )
        )
    return with_lines(out, project.path) if project.path else out


def warn_gate_tags(project: Any, suite_names: list[str]) -> None:
    """Print :func:`gate_tag_warnings` of each suite to stderr, before anything runs. Only a
    suite whose gates name a tag loads its eval set for it (the run loads it again)."""
    from evalkit.dataset import load_eval_set

    for name in suite_names:
        suite = project.suites.get(name)
        if suite is None or not any(g.tag for g in suite.gates):
            continue
        for warning in gate_tag_warnings(project, suite, load_eval_set(suite.dataset_path)):
            print(f"warning: {warning}", file=sys.stderr)
