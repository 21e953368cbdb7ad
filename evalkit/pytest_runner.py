"""The pytest plugin's session state: run each suite once, share the result, keep the budget.

One :class:`SuiteRunner` lives in ``config.stash`` for the session. Gate items, case items
and the ``evalkit`` fixture all ask it for a suite's :class:`~evalkit.api.SuiteResult`; the
first ask runs the suite, later asks get the same object (a failure to run is kept too, so
every item of a broken suite reports the same reason instead of re-running it).

Modes (``docs/pytest.md``): ``replay`` → cache mode ``require`` (a miss is a per-case
``cache_miss`` error, no provider is ever called), ``record`` → ``use``; ``refresh`` and
``live`` call each request once per session through a cache of the session's own, shared by
xdist workers (:mod:`evalkit.pytest_xdist`).

The session cost cap is spent across suites in the order they run: each suite's paying
candidates share what is left of it (the engine stops sending requests at its share), a
suite that starts after the cap is used up is not run at all, and under pytest-xdist each
worker gets ``cap / workers``, so the session total stays under the cap. Replayed answers
cost nothing and do not count.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.pytest_checks import (
    Refusal,
    candidate_problems,
    partial_notes,
    partial_of,
    refusal_of,
    unrun_note,
)
from evalkit.pytest_fixture import EvalkitFixture  # re-exported: it moved there
from evalkit.pytest_xdist import SessionCache

if TYPE_CHECKING:
    from evalkit.api import SuiteResult
    from evalkit.comparison import CaseRow, Comparison
    from evalkit.config import Project
    from evalkit.engine import RunOptions
    from evalkit.records import Record, Run

__all__ = [
    "MODES",
    "CostCapReached",
    "EvalkitFixture",
    "Refusal",
    "Settings",
    "SuiteNotSelected",
    "SuiteRunner",
    "candidate_problems",
    "partial_of",
]

MODES: Mapping[str, str] = {
    "replay": "require",
    "record": "use",
    "refresh": "refresh",
    "live": "off",
}
"""``--evalkit-mode`` → cache mode (``refresh``/``live``: see :mod:`evalkit.pytest_xdist`)."""


class CostCapReached(Exception):
    """The session's cost cap was used up before a suite could start."""


class SuiteNotSelected(Exception):
    """``--evalkit-candidate`` names none of the suite's candidates: the suite is skipped."""


@dataclass(frozen=True)
class Settings:
    """The ``--evalkit-*`` options, read once."""

    collect: bool = False
    """Collect suites as items (``--evalkit`` or ``--evalkit-suite``)."""
    suites: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    cases: bool = False
    config: str | None = None
    baseline: str | None = None
    report: str | None = None
    mode: str = "replay"
    max_cost_usd: float | None = None
    allow_partial: bool = False
    """``--evalkit-allow-partial``: gate a comparison of part of the eval set (a selected stored
    baseline) on the cases compared; without it such a gate item fails, as ``evalkit check``
    refuses a selected ``--baseline-run`` without ``--allow-partial``."""
    workers: int = 1
    """pytest-xdist worker count (1 without xdist): the cap is split between them."""
    worker: str | None = None
    session_cache: str | None = None
    """On an xdist worker in ``live`` / ``refresh``: the controller's session cache folder."""
    start: str = "."
    """Where to look for the config when ``config`` is not given."""


@dataclass
class SuiteRunner:
    """Runs suites for the session (see the module docstring)."""

    settings: Settings
    spent: float = 0.0
    """USD paid to providers this session (this process), cached and replayed answers excluded."""
    notes: list[str] = field(default_factory=list)
    """Lines for the terminal summary (cap reached, runs left incomplete)."""
    started: int = 0
    """Evaluations started this session (suites and ad hoc runs, finished or not)."""
    session_cache: SessionCache = field(init=False)  # live/refresh: answers shared by workers
    _project: Any = None
    _results: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _seq: int = 0
    _session_dir: Path | None = None
    _rows: dict[int, tuple[Any, dict[str, Any]]] = field(default_factory=dict)
    _by_case: dict[Path, tuple[Any, dict[str, tuple[Record, ...]]]] = field(default_factory=dict)
    _refusals: dict[tuple[str, str], Refusal | None] = field(default_factory=dict)
    _noted: set[tuple[str, str]] = field(default_factory=set)
    """Refusals acted on (said once in the terminal summary)."""
    _stamp: str = field(
        default_factory=lambda: datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    )

    def __post_init__(self) -> None:
        self.session_cache = SessionCache(self.settings.mode, self.settings.session_cache)

    # ------------------------------------------------------------------ config
    def project(self) -> Project:
        if self._project is None:
            from evalkit.config import find_config, load_config

            path = self.settings.config or find_config(self.settings.start)
            if path is None:  # load_config's own message names the CLI's --config
                from evalkit.errors import ConfigError

                raise ConfigError.single(
                    self.settings.start,
                    "no evalkit.toml (or [tool.evalkit] in pyproject.toml) here or above; "
                    "create one, or pass --evalkit-config PATH",
                )
            self._project = load_config(path)
        return self._project  # type: ignore[no-any-return]

    @property
    def cap(self) -> float | None:
        cap = self.settings.max_cost_usd
        return None if cap is None else cap / max(self.settings.workers, 1)

    def baseline_for(self, suite: str) -> Path | None:
        """The stored baseline run that ``--evalkit-baseline`` names for ``suite``, if any.

        RUN_DIR is one run directory (it applies to the suite it was run for, or to every
        suite when it was run outside one) or a folder with one run directory per suite.
        """
        from evalkit.records import MANIFEST

        if not self.settings.baseline:
            return None
        root = Path(self.settings.baseline)
        if (root / MANIFEST).is_file():
            made_for = json.loads((root / MANIFEST).read_text(encoding="utf-8")).get("suite")
            return root if made_for in (None, suite) else None
        sub = root / suite
        return sub if (sub / MANIFEST).is_file() else None

    def out_dir(self, label: str) -> Path:
        """A new run directory in this session's folder (``pytest-<time>-<worker or pid>``)."""
        if self._session_dir is None:
            who = self.settings.worker or f"p{os.getpid()}"
            base = self.project().runs_dir / f"pytest-{self._stamp}-{who}"
            folder, n = base, 2
            while folder.exists():  # an earlier session of this process, the same second
                folder, n = base.with_name(f"{base.name}-{n}"), n + 1
            self._session_dir = folder
        self._seq += 1
        return self._session_dir / f"{label}-{self._seq}"

    def options(self, paying: int, label: str, folder: str) -> RunOptions:
        """Run options for one evaluation (``folder`` names its run directory under this
        session's); ``paying`` candidates share the cap left."""
        from evalkit.engine import RunOptions

        self.started += 1
        budget = None
        if self.cap is not None and paying:
            left = self.cap - self.spent
            if left <= 0:
                self.notes.append(f"{label}: not run, the session cost cap was used up")
                raise CostCapReached(
                    f"evalkit: session cost cap ${self.settings.max_cost_usd:g} reached "
                    f"(${self.spent:.4f} spent) before {label} ran; raise --evalkit-max-cost "
                    "or use --evalkit-mode replay"
                )
            budget = left / paying
        return RunOptions(
            out_dir=self.out_dir(folder),
            progress="off",
            max_cost_usd=budget,
            **self.session_cache.options(self.project().cache_dir),
        )

    @property
    def evaluated(self) -> bool:
        """Whether anything was evaluated (or tried to be): else the summary has nothing to say."""
        return self.started > 0 or bool(self._results) or bool(self._noted)

    def refusal(
        self, suite: str, baseline_run: str | Path | None = None, *, partial: bool = True
    ) -> Refusal | None:
        """Why the comparison with the suite's stored baseline will be refused, when that is
        known before the suite runs and running it may call a provider (every mode but
        ``replay``): the suite's items then fail with it and nothing is run, since paying for
        the candidates only to refuse their comparison helps nobody. None in ``replay`` mode,
        which costs nothing and still checks the recordings (the ``runs`` item), and when
        nothing is wrong. ``baseline_run`` defaults to ``--evalkit-baseline``'s run for it.
        ``partial=False`` asks only about refusals no option lifts (the fixture's ``expect``
        judges no gate, so a partial comparison does not stop it). A refusal returned is
        acted on: the terminal summary says once that the suite was not run.
        """
        if self.settings.mode == "replay":
            return None
        stored = Path(baseline_run) if baseline_run is not None else self.baseline_for(suite)
        if stored is None:
            return None
        key = (suite, str(stored))
        if key not in self._refusals:
            spec = self.project().suite(suite)
            self._refusals[key] = refusal_of(stored, spec.dataset_path, self.settings.allow_partial)
        got = self._refusals[key]
        if got is None or (got.ratio is not None and not partial):
            return None
        if key not in self._noted:
            self._noted.add(key)
            why = f"partial {got.ratio} ({got.reason})" if got.ratio else got.reason
            self.notes.append(
                f"suite {suite!r}: not run in --evalkit-mode {self.settings.mode}, no "
                f"provider called: the comparison with {got.baseline} is refused: {why}"
            )
        return got

    # ------------------------------------------------------------------ suites
    def suite_names(self) -> list[str]:
        project = self.project()
        return list(self.settings.suites or project.suites)

    def selected(self, suite: str) -> tuple[str, ...] | None:
        """The ``--evalkit-candidate`` names this suite lists (None without the option).

        A candidate the suite does not list is not run with it: ``--evalkit-candidate``
        chooses among a suite's candidates, it does not add the config's others to it.
        """
        if not self.settings.candidates:
            return None
        listed = self.project().suite(suite).candidates
        return tuple(c for c in self.settings.candidates if c in listed)

    def unselected(self, suite: str) -> str | None:
        """Why ``suite`` is skipped under ``--evalkit-candidate``, or None when it runs."""
        if self.selected(suite) != ():
            return None
        spec = self.project().suite(suite)
        return (
            f"evalkit suite {suite!r} does not list --evalkit-candidate "
            f"{', '.join(self.settings.candidates)}; its candidates: {', '.join(spec.candidates)}"
        )

    def plan(self, suite: str) -> tuple[list[str], str]:
        """(candidates checked by the gates, baseline name), as :func:`evaluate` will run them."""
        project = self.project()
        spec = project.suite(suite)
        names = list(self.selected(suite) or spec.candidates)
        if self.baseline_for(suite) is not None:
            return names, "stored baseline"
        others = [n for n in names if n != spec.baseline_name]
        return others or [spec.baseline_name], spec.baseline_name

    def result(
        self,
        suite: str,
        candidates: Sequence[str] | None = None,
        baseline_run: str | Path | None = None,
    ) -> SuiteResult:
        """The suite's result, run on first use; later calls (any item, any test) share it.

        Without ``candidates`` the session's ``--evalkit-candidate`` choice applies, and a
        suite that lists none of those raises :class:`SuiteNotSelected`.
        """
        if candidates is None and self.settings.candidates:
            reason = self.unselected(suite)
            if reason is not None:
                raise SuiteNotSelected(reason)
            candidates = self.selected(suite)
        if baseline_run is None:
            baseline_run = self.baseline_for(suite)
        key = self._key(suite, candidates, baseline_run)
        if key not in self._results:
            try:
                self._results[key] = self._evaluate(suite, candidates, baseline_run)
            except Exception as exc:  # kept: every item of the suite reports the same reason
                self._results[key] = exc
        got = self._results[key]
        if isinstance(got, Exception):
            raise got
        return got  # type: ignore[no-any-return]

    def ran(
        self,
        suite: str,
        candidates: Sequence[str] | None = None,
        baseline_run: str | Path | None = None,
    ) -> bool:
        """Whether :meth:`result` with these arguments has run already (or failed to): its
        providers were called, so refusing it early would save nothing and say otherwise."""
        if candidates is None and self.settings.candidates:
            if self.unselected(suite) is not None:
                return False
            candidates = self.selected(suite)
        return self._key(suite, candidates, baseline_run) in self._results

    def _key(
        self, suite: str, candidates: Sequence[str] | None, baseline_run: str | Path | None
    ) -> tuple[str, tuple[str, ...] | None, str]:
        if baseline_run is None:
            baseline_run = self.baseline_for(suite)
        return suite, tuple(candidates) if candidates else None, str(baseline_run or "")

    def _evaluate(
        self, suite: str, candidates: Sequence[str] | None, baseline_run: str | Path | None
    ) -> SuiteResult:
        from evalkit.api import judge_suite, plan_suite
        from evalkit.engine import run_suite

        project = self.project()
        plan = plan_suite(suite, project, candidates, baseline_run)
        paying = sum(project.candidate(n).provider != "replay" for n in plan.names)
        options = self.options(paying, f"suite {suite!r}", suite)
        runs = run_suite(project, suite, list(plan.names), options)
        self.session_cache.restate(runs.values(), project.cache_dir)
        # Counted before comparing: a comparison that then fails must not hide the spend from
        # the session's cost cap and summary.
        self._account(runs.values(), f"suite {suite!r}")
        result = judge_suite(plan, runs, allow_partial=self.settings.allow_partial)
        self.notes.extend(partial_notes(suite, result, self.settings.allow_partial))
        if self.settings.report and not result.comparisons:
            self.notes.append(
                f"suite {suite!r}: not in the report, nothing to compare (it ran only "
                f"{', '.join(sorted(result.runs))}); give it a baseline candidate or "
                "--evalkit-baseline"
            )
        return result

    def _account(self, runs: Any, label: str) -> None:
        for run in runs:
            if run.candidate.get("provider") != "replay":
                self.spent += sum(r.cost or 0.0 for r in run.records if not r.cached)
            self.notes.extend(n for n in [unrun_note(run, label)] if n)

    def case_rows(self, cmp: Comparison) -> Mapping[str, CaseRow]:
        """Case id → row of a comparison, indexed once for all its case items."""
        if id(cmp) not in self._rows:
            self._rows[id(cmp)] = (cmp, {r.case_id: r for r in cmp.cases})
        return self._rows[id(cmp)][1]

    def case_records(self, run: Run | None, case_id: str) -> tuple[Record, ...]:
        """The run's records of one case, in order (each repeat; none without the case or run).

        Case items ask this once or more each, so the run is indexed by case on first use and
        kept for the session, keyed by its directory: scanning the whole run per item made
        ``--evalkit-cases`` quadratic in the eval set. The index also keeps the records it was
        built from, so another :class:`~evalkit.records.Run` read from the same directory
        (other records) gets its own index rather than a stale one.
        """
        if run is None:
            return ()
        got = self._by_case.get(run.path)
        if got is None or got[0] is not run.records:
            index: dict[str, list[Record]] = {}
            for r in run.records:
                index.setdefault(r.case_id, []).append(r)
            got = (run.records, {k: tuple(v) for k, v in index.items()})
            self._by_case[run.path] = got
        return got[1].get(case_id, ())

    def comparisons(self) -> list[Comparison]:
        """Every comparison this session produced, once each, for the report."""
        seen: dict[tuple[str, str, str], Comparison] = {}
        for (suite, _, _), got in self._results.items():
            if isinstance(got, Exception):
                continue
            for c in got.comparisons:
                seen.setdefault((suite, c.baseline.candidate, c.candidate.candidate), c)
        return list(seen.values())
