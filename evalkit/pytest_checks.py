"""What the pytest plugin can tell about a session's choices without running anything.

- :func:`candidate_problems`: ``--evalkit-candidate`` names no selected suite lists (a usage
  error, else every suite would skip and CI would pass on nothing).
- :func:`baseline_problem`: ``--evalkit-baseline`` holds no run for any selected suite (a
  usage error, else every suite would quietly run its baseline candidate instead).
- :func:`partial_of`: how a comparison covers part of the eval set, once it is made.
- :func:`refusal_of`: why a comparison with a stored baseline will be refused, read from the
  baseline's manifest and the eval set before any candidate runs, so that a mode that pays
  providers refuses before paying (the runner decides when to ask: see
  :meth:`~evalkit.pytest_runner.SuiteRunner.refusal`).

Split from :mod:`evalkit.pytest_runner` (which re-exports these names) to keep it small.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.api import SuiteResult
    from evalkit.comparison import Comparison
    from evalkit.comparison_cases import CaseRow
    from evalkit.config import Gate, Project
    from evalkit.records import Run

__all__ = [
    "ALLOW_PARTIAL",
    "Refusal",
    "answer_line",
    "baseline_problem",
    "builtin_failures",
    "candidate_problems",
    "case_status_text",
    "case_why",
    "partial_notes",
    "partial_of",
    "refusal_of",
    "unanswered_lines",
    "unrun_note",
]

ALLOW_PARTIAL = (
    "pass --evalkit-allow-partial to gate the compared cases, or compare with a baseline run "
    "of the whole eval set"
)
"""What to do about a partial comparison: the same words wherever the plugin refuses one."""


def candidate_problems(
    project: Project, suites: Sequence[str], candidates: Sequence[str]
) -> list[str]:
    """One message per ``--evalkit-candidate`` name that no selected suite lists.

    Such a name would make every suite skip (a CI job that evaluates nothing and passes), so
    the plugin turns these into a usage error. Unknown suite names are left to collection,
    which reports them by name.
    """
    from evalkit.errors import did_you_mean

    specs = [project.suites[s] for s in (suites or project.suites) if s in project.suites]
    listed = list(dict.fromkeys(c for spec in specs for c in spec.candidates))
    if not specs:
        return []
    problems = []
    for name in dict.fromkeys(candidates):
        if name not in listed:
            hint = did_you_mean(name, listed).strip()
            problems.append(
                f"--evalkit-candidate {name}: no selected suite lists it; pass one of "
                + ", ".join(listed)
                + (f" ({hint})" if hint else "")
            )
    return problems


def partial_of(cmp: Comparison) -> tuple[str, str] | None:
    """``("4/6", "compared 4 of 6 cases: the baseline run selected --case q[1-4]")`` for a
    comparison of part of the eval set (either run selected cases), None for a whole one.

    The count is of the cases both runs have, the ones the gates judge; the total is the eval
    set's, so a reviewer sees how much of it went unjudged.
    """
    match = cmp.dataset
    if not match.partial:
        return None
    sides = [("baseline", match.baseline_selection), ("candidate", match.candidate_selection)]
    sels = [(who, s) for who, s in sides if s is not None]
    planned = [i.planned_cases for i in (cmp.baseline, cmp.candidate) if i.planned_cases]
    total = max([s.of for _, s in sels] + planned, default=0)  # unfinished: no selection
    why = "; ".join(
        [f"the {who} run selected {s.flags()}" for who, s in sels]
        + ([match.unfinished] if match.unfinished else [])
    )
    of = f"/{total}" if total else ""
    return (
        f"{match.shared}{of}",
        f"compared {match.shared}{' of ' + str(total) if total else ''} cases: {why}",
    )


@dataclass(frozen=True)
class Refusal:
    """A comparison with a stored baseline that the plugin refuses, known before it runs."""

    baseline: str
    """The stored run's candidate name (``vs base`` in messages)."""
    reason: str
    """What is wrong, e.g. ``compared 4 of 6 cases: the baseline run selected --case q[1-4]``
    (as :func:`partial_of` words it after the run) or an eval set version mismatch."""
    ratio: str | None = None
    """``4/6`` when refused for covering part of the eval set (without
    ``--evalkit-allow-partial``); None for a refusal no option lifts."""


def refusal_of(stored: Path, dataset: Path, allow_partial: bool) -> Refusal | None:
    """Why comparing a new run of ``dataset`` with the ``stored`` baseline run will be refused.

    Three refusals are certain before anything runs: the stored run is of another version of
    the eval set (comparing refuses it, and the plugin has no option to allow it), it has no
    record (nothing to compare with), or it selected cases and ``allow_partial`` is off (its
    gates would fail unjudged). A manifest
    or eval set that cannot be read is left to the run, which reports it before calling a
    provider; None then, as when nothing is wrong.
    """
    from evalkit.dataset import Selection, load_eval_set
    from evalkit.errors import EvalkitError
    from evalkit.records import MANIFEST

    try:
        manifest = json.loads((stored / MANIFEST).read_text(encoding="utf-8"))
        ran = manifest.get("dataset") or {}
        base = str((manifest.get("candidate") or {}).get("name") or "baseline")
        raw = manifest.get("selection")
    except (OSError, ValueError, AttributeError):
        return None
    try:
        now = load_eval_set(dataset).version
    except EvalkitError:
        return None
    was = ran.get("version")
    if was is not None and was != now:
        return Refusal(
            base,
            f"--evalkit-baseline {stored} ran {ran.get('name') or 'its eval set'} version "
            f"{str(was)[:12]}, but {dataset} is now version {now[:12]}: the runs cannot be "
            "compared; store a baseline run of the current eval set (evalkit run), or run "
            "without --evalkit-baseline to compare with the suite's baseline candidate",
        )
    if not _has_records(stored):
        return Refusal(
            base,
            f"--evalkit-baseline {stored} has no records (its results.jsonl is empty or "
            "missing): there is nothing to compare with; store a baseline run that answered "
            "(evalkit run, or --evalkit-mode record without --evalkit-baseline)",
        )
    if not isinstance(raw, dict) or allow_partial:
        return None
    sel = Selection.from_dict(raw)
    return Refusal(
        base,
        f"compared {sel.selected} of {sel.of} cases: the baseline run selected {sel.flags()}",
        ratio=f"{sel.selected}/{sel.of}",
    )


def _has_records(stored: Path) -> bool:
    """Whether the stored run's results hold a record: its first non-blank line is enough
    (a run of 100,000 records is not read through to find out)."""
    from evalkit.records import RESULTS

    try:
        with (stored / RESULTS).open(encoding="utf-8", errors="replace") as f:
            return any(line.strip() for line in f)
    except OSError:
        return False


def baseline_problem(root: Path, suites: Sequence[str]) -> str | None:
    """Why ``--evalkit-baseline ROOT`` applies to none of the selected ``suites``, or None.

    ROOT is used as :meth:`~evalkit.pytest_runner.SuiteRunner.baseline_for` reads it: a run
    directory (for the suite it was run for, or every suite) or a folder of ``<suite>/`` run
    directories. When it fits no selected suite, every suite would quietly run its baseline
    candidate instead (paying for it in a mode that calls providers) and the promotion gates
    would judge against that: an empty artifact folder or a run of another suite in CI.
    """
    from evalkit.records import MANIFEST

    listed = ", ".join(suites)
    if (root / MANIFEST).is_file():
        try:
            made_for = json.loads((root / MANIFEST).read_text(encoding="utf-8")).get("suite")
        except (OSError, ValueError, AttributeError):
            return None  # reading the run says what is wrong with it
        if made_for is None or made_for in suites:
            return None
        return (
            f"--evalkit-baseline {root}: a run of suite {made_for!r}, which is not selected "
            f"(suites: {listed}); pass a run of one of them, or a folder with one run "
            "directory per suite"
        )
    if any((root / s / MANIFEST).is_file() for s in suites):
        return None
    return (
        f"--evalkit-baseline {root}: holds no baseline run for the suites selected ({listed}): "
        f"it has no {MANIFEST} (not a run directory) and no <suite>/{MANIFEST}; pass a run "
        "directory, or a folder with one per suite"
    )


def builtin_failures(result: SuiteResult) -> tuple[str, list[str]]:
    """What the suite's ``runs`` item fails for: a title and one line per failed built-in rule
    of a verdict (:data:`evalkit.gates.BUILTIN_RULES`), which no gate item carries."""
    from evalkit.gates import BUILTIN_RULES

    failed = [
        (r.rule, f"  {c.candidate.candidate} vs {c.baseline.candidate}: {r.reason}")
        for c in result.comparisons
        for r in c.verdict.failures
        if r.rule in BUILTIN_RULES
    ]
    titles = {"new_scorer_errors": "scorer errors", "finished": "unfinished runs"}
    what = sorted({titles.get(rule, "provider errors") for rule, _ in failed})
    return "; ".join(what) or "provider errors", [x for _, x in failed]


def unanswered_lines(
    result: SuiteResult, gates: Sequence[Gate], missing_kinds: Sequence[str]
) -> list[str]:
    """Per run with provider errors (other than missing recordings): how many, each kind with
    its first message, and the command that calls them again. Empty when the suite gates
    ``errors.rate`` itself (its tolerance, as in the verdict's ``new_errors`` rule).

    A dead ``base_url`` failed every call of baseline and candidate alike: no error was *new*,
    the gate items failed on "no value", and the cause was only in ``results.jsonl``, never in
    the CI log."""
    if any(g.metric == "errors.rate" and g.tag is None for g in gates):
        return []
    from evalkit.cli._run_summary import error_lines

    lines: list[str] = []
    for name, run in result.runs.items():
        errored = [r for r in run.records if r.error and r.error.kind not in missing_kinds]
        if not errored:
            continue
        lines.append(f"  {name}: {len(errored)} of {len(run.records)} records are provider errors")
        lines += [f"  {x}" for x in error_lines(errored)]
        lines.append(f"    fix the cause, then: evalkit run --resume {run.path} --retry-errors")
    return lines


def _num(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def case_why(row: CaseRow) -> str:
    """Why a case item failed: the provider error, each failing scorer with its reason and the
    baseline's value, and the answer itself (a CI log said "contains: output contains none of
    ..." without what the output was)."""
    lines = []
    assert row.candidate is not None
    if row.candidate.error:
        err = row.candidate.error
        lines.append(f"  no answer ({err.get('kind')}): {err.get('message')}")
    for name, cell in row.candidate.scores.items():
        if cell.passed is not False:
            continue
        base = row.baseline.scores.get(name) if row.baseline else None
        was = f" (baseline {_num(base.value)})" if base is not None else ""
        lines.append(f"  {name} {_num(cell.value)}{was}: {cell.error or cell.reason}")
    if not row.candidate.error:
        lines.append(answer_line(row.candidate.output))
    return "\n".join(lines) or "  failed"


def answer_line(output: str) -> str:
    """The candidate's answer on one line of a failure, cut at 300 characters."""
    from evalkit.terminal_text import inert

    said = " ".join(output.split())
    said = said if len(said) <= 300 else said[:299] + "…"
    return f"  answer: {inert(said)!r}" if said else "  answer: (empty)"


def case_status_text(row: CaseRow, cand: str, base: str) -> str:
    """The first line of a regressed or xfailed case item: which scorers newly fail (passed on
    ``base``) and which fail on both sides. A case that failed one scorer on both sides and
    newly failed another was XFAIL "fails on base too", and the new failure went unnoticed."""
    new = [n for n, s in row.scorer_status.items() if s == "regression"]
    both = [n for n, s in row.scorer_status.items() if s == "unchanged_fail"]
    also = f"; {', '.join(both)} {'fails' if len(both) == 1 else 'fail'} on both" if both else ""
    if row.status == "regression":
        what = f"{', '.join(new)} passed on {base} and {'fails' if len(new) == 1 else 'fail'} now"
        return f"{row.case_id} regressed on {cand} ({what if new else f'passed on {base}'}{also})"
    named = f" ({', '.join(both)} {'fails' if len(both) == 1 else 'fail'} on both sides)"
    return f"fails on {base} too{named if both else ''}"


def partial_notes(suite: str, result: SuiteResult, allow_partial: bool) -> list[str]:
    """The terminal summary's line per comparison that covers part of the eval set: a gate
    that passed there judged the compared cases only (or failed, without the option)."""
    then = (
        "its gates judged those cases only (--evalkit-allow-partial)"
        if allow_partial
        else "its gate items fail; pass --evalkit-allow-partial to gate the compared "
        "cases, or compare with a baseline run of the whole eval set"
    )
    return [
        f"suite {suite!r}: {c.candidate.candidate} vs {c.baseline.candidate}: "
        f"partial {got[0]} ({got[1]}); {then}"
        for c in result.comparisons
        if (got := partial_of(c)) is not None
    ]


def unrun_note(run: Run, label: str) -> str | None:
    """``suite 's': cost cap reached; 3 case repeats of cand were not run (DIR)``, or what the
    provider said when it stopped the run (QA12 F7: a quota stop was blamed on the cost cap)."""
    not_run = int((run.manifest.get("counts") or {}).get("not_run", 0))
    if not not_run:
        return None
    stop = run.manifest.get("stopped") or {}
    what = "cost cap reached"
    if stop.get("by") == "provider":
        what = f"the provider stopped it ({stop.get('reason')})"
    name = run.candidate.get("name")
    return f"{label}: {what}; {not_run} case repeats of {name} were not run ({run.path})"
