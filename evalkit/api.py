"""One call from a suite to a decision: run, compare with the baseline, gate, report.

This is what notebooks, ``evalkit check``, ``evalkit demo`` and the pytest plugin share:

    result = evalkit.evaluate("support")            # config found upwards
    result.passed, result.comparisons, result.frame()

The baseline is the suite's baseline candidate, run now, or a stored run directory
(``baseline_run=``), which is how CI compares a change with what is in production without
re-running it. Every other candidate is compared with it; absolute gates (``min``/``max``)
are also checked on each candidate run alone.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.comparison import Comparison, Verdict
    from evalkit.config import Project
    from evalkit.engine import RunOptions
    from evalkit.records import Run

__all__ = ["SuiteResult", "evaluate"]


@dataclass(frozen=True)
class SuiteResult:
    """A suite's runs, its comparisons with the baseline, and the gates' verdicts."""

    suite: str
    baseline: str
    """The baseline candidate's name (or the stored baseline run's candidate)."""
    runs: Mapping[str, Run]
    """Candidate name → run (the baseline's too, when it was run now)."""
    comparisons: tuple[Comparison, ...]
    """The baseline against each other candidate."""
    thresholds: Mapping[str, Verdict] = field(default_factory=dict)
    """Run name → absolute gates (``min``/``max``) checked on it alone: only when nothing was
    compared (a compared candidate's are in its comparison's verdict)."""
    report: Path | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.comparisons) and all(
            v.passed for v in self.thresholds.values()
        )

    @property
    def status(self) -> str:
        return "PASS" if self.passed else "FAIL"

    @property
    def partial(self) -> bool:
        """Whether a run covers only a selection of the eval set (``RunOptions.select``, or a
        stored baseline run that was selected): ``passed`` then speaks for those cases only."""
        return any(r.manifest.get("selection") for r in self.runs.values()) or any(
            c.dataset.partial for c in self.comparisons
        )

    def failures(self) -> list[str]:
        """Every failing gate's reason, prefixed by what it was checked on."""
        out = [
            f"{c.candidate.candidate} vs {c.baseline.candidate}: {r.reason}"
            for c in self.comparisons
            for r in c.verdict.failures
        ]
        out += [f"{name}: {r.reason}" for name, v in self.thresholds.items() for r in v.failures]
        return out

    def frame(self) -> pd.DataFrame:
        """Every run's records in one DataFrame (column ``candidate`` tells them apart).

        Built from all records at once, not by concatenating one frame per run: a category
        column (an outcome, a refusal verdict) whose values differ between runs became
        ``object`` in ``pd.concat``."""
        from itertools import chain

        from evalkit.frames import records_frame

        return records_frame(chain.from_iterable(r.records for r in self.runs.values()))

    def summary(self, *, by_tag: bool = True) -> pd.DataFrame:
        """Per run, scorer and tag: mean and pass rate with 95% intervals, outcome rates and
        detail metrics (one row per candidate, slice and scorer; ``tag`` None = overall)."""
        from evalkit.frames import aggregates_frame

        return aggregates_frame(self.runs.values(), by_tag=by_tag)

    def deltas(self) -> pd.DataFrame:
        """One row per comparison and metric: baseline, candidate, delta, interval, p-value."""
        from evalkit.frames import deltas_frame

        return deltas_frame(self.comparisons)

    def cases(self) -> pd.DataFrame:
        """One row per comparison and case: status and per-scorer values on both sides."""
        from evalkit.frames import cases_frame

        return cases_frame(self.comparisons)

    def __repr__(self) -> str:
        # The dataclass repr held every run's records: 60 MB of text per notebook display of a
        # 10,000-case suite (Jupyter sends text/plain beside the HTML).
        from evalkit.frames_display import records_text

        runs = ", ".join(f"{n}: {records_text(r)}" for n, r in self.runs.items())
        return (
            f"<SuiteResult {self.suite!r}: {self.status}, baseline {self.baseline!r}, "
            f"{len(self.comparisons)} comparison(s); {runs}>"
        )

    def _repr_html_(self) -> str:
        from evalkit.frames import comparison_html

        e = html.escape
        head = (
            f"<div><b>evalkit suite {e(self.suite)}</b>: <b>{self.status}</b>, baseline "
            f"<code>{e(self.baseline)}</code>"
            + (f", report <code>{e(str(self.report))}</code>" if self.report else "")
            + (", <b>partial</b>: a selection of the eval set ran" if self.partial else "")
            + "</div>"
        )
        return head + "".join(comparison_html(c) for c in self.comparisons)


def evaluate(
    suite: str,
    *,
    config: str | Path | Project | None = None,
    candidates: Sequence[str] | None = None,
    baseline_run: str | Path | Run | None = None,
    options: RunOptions | None = None,
    report: str | Path | None = None,
    allow_partial: bool = False,
) -> SuiteResult:
    """Run ``suite``, compare each candidate with the baseline, apply its gates.

    ``candidates`` restricts which candidates run (the baseline is added unless
    ``baseline_run`` is given); ``options.select`` (a :class:`~evalkit.dataset.Selection`)
    restricts which cases, for every run, and makes the result :attr:`SuiteResult.partial`.
    ``report`` writes the HTML report there. A run that stops early (the provider's quota,
    ``max_cost_usd``, an interrupt) fails the verdict unless ``allow_partial``. Works in
    scripts and inside Jupyter's running event loop.
    """
    from evalkit.engine import run_suite

    plan = plan_suite(suite, config, candidates, baseline_run, report=report is not None)
    runs = run_suite(plan.project, suite, list(plan.names), options)
    return judge_suite(plan, runs, report, allow_partial=allow_partial)


@dataclass(frozen=True)
class SuitePlan:
    """What :func:`evaluate` will run and compare with, settled before anything runs."""

    project: Project
    suite: str
    names: tuple[str, ...]
    """The candidates to run (the baseline candidate first, unless a stored run is given)."""
    stored: Run | None
    """The stored baseline run, if any."""


def plan_suite(
    suite: str,
    config: str | Path | Project | None,
    candidates: Sequence[str] | None,
    baseline_run: str | Path | Run | None,
    *,
    report: bool = False,
) -> SuitePlan:
    """:func:`evaluate`'s first half, for callers that must act between running and comparing
    (the pytest plugin counts what the runs spent even when the comparison then fails)."""
    from evalkit.config import Project, load_config
    from evalkit.records import Run, read_run

    project = config if isinstance(config, Project) else load_config(config)
    spec = project.suite(suite)
    stored = None
    if baseline_run is not None:
        stored = baseline_run if isinstance(baseline_run, Run) else read_run(baseline_run)
        refuse_other_eval_set(project, suite, stored)
    names = list(candidates or spec.candidates)
    if stored is None and spec.baseline_name not in names:
        names.insert(0, spec.baseline_name)
    if report and stored is None and len(names) < 2:
        from evalkit.errors import InputError

        raise InputError(
            f"evaluate({suite!r}, report=...): a report compares the baseline with a "
            f"candidate, and this would run only {names}; add a candidate (candidates=[...] "
            "or the suite's candidates), or compare with a stored run (baseline_run=...)"
        )
    return SuitePlan(project, suite, tuple(names), stored)


def refuse_other_eval_set(project: Project, suite: str, stored: Run) -> None:
    """A stored baseline of another eval set version is refused before anything runs: the
    comparison would refuse it anyway, after every candidate had been paid for (QA14 F13).
    ``check`` and ``evaluate`` have no ``allow_dataset_mismatch``; ``evalkit compare`` has."""
    from evalkit.dataset import load_eval_set
    from evalkit.errors import InputError

    spec = project.suite(suite)
    eval_set = load_eval_set(spec.dataset_path)
    theirs = str(stored.dataset.get("version") or "")
    if theirs == eval_set.version:
        return
    shared = len({r.case_id for r in stored.records} & {c.id for c in eval_set.cases})
    what = (
        "none of its case ids is in this eval set, so it is a run of another eval set"
        if shared == 0
        else f"{shared} case id(s) shared; cases were added, removed or edited since"
    )
    raise InputError(
        f"suite {suite!r}: baseline run {stored.path} ran "
        f"{stored.dataset.get('name') or 'an eval set'} version {theirs[:12] or '(none)'}, but "
        f"the suite's eval set {spec.dataset_path} is version {eval_set.version[:12]} ({what}); "
        "nothing was run. Re-run the baseline on this eval set (evalkit run --suite "
        f"{suite} --candidate {spec.baseline_name}) and pass that run, or run the candidates "
        "and compare the two runs with evalkit compare --allow-dataset-mismatch"
    )


def judge_suite(
    plan: SuitePlan,
    runs: Mapping[str, Run],
    report: str | Path | None = None,
    *,
    allow_partial: bool = False,
) -> SuiteResult:
    """:func:`evaluate`'s second half: compare each candidate run with the baseline, apply
    the suite's gates, write the report."""
    from evalkit.compare import compare
    from evalkit.gates import check_thresholds

    spec = plan.project.suite(plan.suite)
    if plan.stored is not None:
        base_run, base_name = plan.stored, str(plan.stored.candidate.get("name", "baseline"))
        others = list(runs)
    else:
        base_run, base_name = runs[spec.baseline_name], spec.baseline_name
        others = [n for n in runs if n != spec.baseline_name]
    comparisons = tuple(
        compare(base_run, runs[n], gates=spec.gates, allow_partial=allow_partial) for n in others
    )
    absolute = [g for g in spec.gates if g.min is not None or g.max is not None]
    # A compared candidate's min/max rules are in its comparison's verdict already; checked
    # here too, every failure was listed twice. Only a run compared with nothing gets them.
    alone = [] if comparisons else [base_name]
    thresholds = {n: check_thresholds(runs[n], absolute) for n in alone if absolute and n in runs}
    path = None
    if report is not None and comparisons:
        from evalkit.report import write_report

        path = write_report(list(comparisons), report, title=f"evalkit: {plan.suite}")
    return SuiteResult(plan.suite, base_name, runs, comparisons, thresholds, path)


def as_mapping(result: SuiteResult) -> dict[str, Any]:
    """The result as JSON-able data (verdicts and comparisons, not the records)."""
    return {
        "suite": result.suite,
        "status": result.status,
        "partial": result.partial,
        "baseline": result.baseline,
        "runs": {n: str(r.path) for n, r in result.runs.items()},
        "comparisons": [c.to_dict() for c in result.comparisons],
        "thresholds": {n: v.to_dict() for n, v in result.thresholds.items()},
        "report": str(result.report) if result.report else None,
    }
