"""The items of one suite and what each checks; the collectors are in :mod:`evalkit.pytest_items`.

A :class:`GateItem` passes when every rule of the gate passes on that candidate (its comparison
with the baseline; the absolute rules alone when there is nothing to compare with) and is
skipped when all its rules need a baseline that is not there. The :class:`RunsItem` fails
when an answer is missing: a recording absent in replay mode, or cases the cost cap left unrun,
or a built-in rule of the verdict fails. Case items are in :mod:`evalkit.pytest_case_items`.

Items never run a suite themselves: they ask the session's
:class:`~evalkit.pytest_runner.SuiteRunner`, which runs each suite once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from evalkit.api import SuiteResult
    from evalkit.comparison import Comparison, GateResult
    from evalkit.config import Gate
    from evalkit.pytest_checks import Refusal
    from evalkit.pytest_runner import SuiteRunner

__all__ = ["EvalkitFailure", "GateItem", "RunsItem", "rules_of"]

_RULES = ("min", "max", "max_drop", "max_rise", "max_rise_pct")
_MISSING = ("cache_miss", "replay_missing")
_TABLES = pytest.StashKey[dict[tuple[str, str], tuple[tuple[int, ...], tuple[int, ...]]]]()
"""(config path, suite) → lines of its table and of its gates, for :func:`_table_line`."""


class EvalkitFailure(Exception):
    """An item's failure, already worded for a reviewer (shown without a traceback)."""


def _runner(node: pytest.Item | pytest.Collector) -> SuiteRunner:
    from evalkit.pytest_plugin import runner_of

    return runner_of(node.config)


def rules_of(gate: Gate) -> list[str]:
    """The gate's rules in the order its verdict lists their results (``min`` first)."""
    rules = [r for r in _RULES if getattr(gate, r) is not None]
    return rules + (["no_new_failures"] if gate.no_new_failures else [])


class _EvalkitNode:
    """Shared failure rendering: evalkit's own errors read as messages, not tracebacks."""

    def repr_failure(  # type: ignore[override]
        self, excinfo: ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        from evalkit.errors import EvalkitError
        from evalkit.pytest_runner import CostCapReached

        if isinstance(excinfo.value, (EvalkitFailure, EvalkitError, CostCapReached)):
            from evalkit.terminal_text import inert

            return inert(str(excinfo.value))  # reasons quote outputs and error bodies
        if isinstance(self, pytest.Collector):  # its repr_failure takes no style (QA11 #3)
            return super().repr_failure(excinfo)  # type: ignore[misc, no-any-return]
        return super().repr_failure(excinfo, style)  # type: ignore[misc, no-any-return]


class _SuiteItem(_EvalkitNode, pytest.Item):
    @property
    def suite(self) -> str:
        assert self.parent is not None
        return self.parent.name

    def result(self) -> SuiteResult:
        """The suite's result, or this item's failure when the suite cannot run or its
        comparison is refused before running (see :meth:`SuiteRunner.refusal`)."""
        from evalkit.errors import EvalkitError

        runner = _runner(self)
        try:
            refused = runner.refusal(self.suite)
            if refused is None:
                return runner.result(self.suite)
            failure = EvalkitFailure(self.refused(refused))
        except EvalkitError as exc:  # say that the suite did not run, not that a gate failed
            failure = EvalkitFailure(f"evalkit suite {self.suite!r} could not run: {exc}")
        raise failure  # outside the except: no "during handling" chain

    def refused(self, refusal: Refusal) -> str:
        """The failure of an item whose suite was not run because its comparison is refused."""
        from evalkit.pytest_checks import ALLOW_PARTIAL

        if refusal.ratio is None:
            return f"evalkit suite {self.suite!r} could not run: {refusal.reason}"
        return (
            f"evalkit suite {self.suite!r} not run: its comparison with {refusal.baseline} "
            f"would be partial {refusal.ratio} ({refusal.reason}), which its gates refuse; no "
            f"provider was called; {ALLOW_PARTIAL}"
        )

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, self.line(), f"evalkit {self.suite}::{self.name}"

    def line(self) -> int:
        """0-based line of the suite's table in the config (a skip is reported there, not at
        the line of evalkit's source that raised it)."""
        return _table_line(self, self.path, self.suite, None)

    def comparison(self, result: SuiteResult, cand: str) -> Comparison | None:
        return next((c for c in result.comparisons if c.candidate.candidate == cand), None)


class GateItem(_SuiteItem):
    """One gate of a suite on one candidate."""

    def __init__(self, *, gate: Gate, cand: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.gate = gate
        self.cand = cand

    def line(self) -> int:
        spec = _runner(self).project().suite(self.suite)
        return _table_line(self, self.path, self.suite, list(spec.gates).index(self.gate))

    def results(self, result: SuiteResult) -> list[GateResult]:
        """This gate's rule results for this candidate, found by position in the verdicts."""
        spec = _runner(self).project().suite(self.suite)
        cmp = self.comparison(result, self.cand)
        if cmp is not None:
            gates = list(spec.gates)
            verdict = cmp.verdict
        else:
            gates = [g for g in spec.gates if g.min is not None or g.max is not None]
            verdict = result.thresholds.get(self.cand)  # type: ignore[assignment]
            if verdict is None or self.gate not in gates:
                return []
        start = sum(len(rules_of(g)) for g in gates[: gates.index(self.gate)])
        return list(verdict.results[start : start + len(rules_of(self.gate))])

    def runtest(self) -> None:
        result = self.result()
        results = self.results(result)
        cmp = self.comparison(result, self.cand)
        self._properties(results, cmp)
        if not results:
            pytest.skip(f"{self.gate.label}: needs a baseline run to compare {self.cand} with")
        against = f" vs {cmp.baseline.candidate}" if cmp is not None else ""
        partial = self._partial(cmp)
        failed = [r for r in results if r.status == "fail"]
        if failed:
            lines = [f"evalkit gate {self.suite}: {self.cand}{against}: {self.gate.label} FAILED"]
            if partial:
                lines.append(f"  partial {partial[0]}: {partial[1]}; judged on those cases only")
            for r in failed:
                lines.append(f"  {r.rule}: {r.reason}")
                if r.cases:
                    lines.append(f"    cases: {', '.join(r.cases[:20])}")
            passed = [r for r in results if r.status == "pass"]
            lines += [f"  (passed) {r.rule}: {r.reason}" for r in passed]
            lines += self._behind(result, cmp)
            report = result.report or _runner(self).settings.report
            if report is not None:
                lines.append(f"  report: {report}" + ("" if result.report else " (when done)"))
            raise EvalkitFailure("\n".join(lines))
        if all(r.status == "skip" for r in results):
            pytest.skip("; ".join(r.reason for r in results))
        if not _runner(self).settings.allow_partial:  # else partial, as the verdict says
            _not_run(result, self.suite)

    def _partial(self, cmp: Comparison | None) -> tuple[str, str] | None:
        """``(ratio, words)`` when the comparison covers part of the eval set, recorded on the
        item. Without ``--evalkit-allow-partial`` the gate is not judged: it fails naming the
        coverage, as ``evalkit check`` refuses a selected ``--baseline-run``, since a stored
        baseline of a few cases kept in CI would otherwise pass CI on those cases for good."""
        from evalkit.pytest_plugin import mark_partial
        from evalkit.pytest_runner import partial_of

        got = partial_of(cmp) if cmp is not None else None
        if got is None:
            return None
        ratio, text = got
        if not _runner(self).settings.allow_partial:
            assert cmp is not None
            raise EvalkitFailure(self._not_judged(cmp.baseline.candidate, ratio, text))
        self.user_properties += [("partial", ratio), ("coverage", text)]
        mark_partial(self, ratio)
        return got

    def refused(self, refusal: Refusal) -> str:
        """Refused for covering part of the eval set: the same failure as after the run."""
        self.user_properties.append(("metric", self.gate.metric))
        if refusal.ratio is None:
            return super().refused(refusal)
        return self._not_judged(refusal.baseline, refusal.ratio, refusal.reason)

    def _not_judged(self, baseline: str, ratio: str, text: str) -> str:
        from evalkit.pytest_checks import ALLOW_PARTIAL

        self.user_properties += [("partial", ratio), ("coverage", text)]
        return (
            f"evalkit gate {self.suite}: {self.cand} vs {baseline}: {self.gate.label} not "
            f"judged (partial {ratio}): {text}; the gate would judge those cases only; "
            + ALLOW_PARTIAL
        )

    def _behind(self, result: SuiteResult, cmp: Comparison | None) -> list[str]:
        """The cases behind a failing number: regressions of the gate's scorer and cases
        with no answer (a 0 pass rate from missing recordings reads like a bad model)."""
        tag, scorer = self.gate.tag, self.gate.metric.split(".")[0]
        lines = []
        if cmp is not None:
            rows = [r for r in cmp.cases if tag is None or tag in r.tags]
            regressed = [r.case_id for r in rows if r.scorer_status.get(scorer) == "regression"]
            if regressed:
                lines.append(
                    f"  regressed on {self.cand} (passed on {cmp.baseline.candidate}): "
                    f"{_some(regressed)}; --evalkit-cases shows why, per case"
                )
        run = result.runs.get(self.cand)
        recs = [r for r in run.records if tag is None or tag in r.tags] if run else []
        gone = {r.case_id: r.error.kind for r in recs if r.error is not None}
        if gone:
            n = len({r.case_id for r in recs})
            kinds = ", ".join(sorted(set(gone.values())))
            lines.append(
                f"  no answer on {self.cand} for {len(gone)} of {n} cases ({kinds}): "
                f"{_some(list(gone))}; see {self.suite}::runs"
            )
        return lines

    def _properties(self, results: list[GateResult], cmp: Comparison | None) -> None:
        props = self.user_properties
        props.append(("metric", self.gate.metric))
        for r in results:
            props.append((f"{r.rule}.status", r.status))
            if r.threshold is not None:
                props.append((f"{r.rule}.threshold", r.threshold))
            if r.observed is not None:
                props.append((f"{r.rule}.observed", round(r.observed, 6)))
            if r.p_value is not None:
                props.append((f"{r.rule}.p_value", round(r.p_value, 6)))
        sl = cmp.slice(self.gate.tag) if cmp is not None else None
        delta = sl.metric(self.gate.metric) if sl is not None else None
        if delta is not None:
            for k in ("baseline", "candidate", "delta"):
                v = getattr(delta, k)
                if v is not None:
                    props.append((k, round(v, 6)))


class RunsItem(_SuiteItem):
    """Every case of every run got an answer: nothing missing from the recordings, nothing
    left unrun by the cost cap, and no comparison failed a built-in rule of its verdict
    (:data:`evalkit.gates.BUILTIN_RULES`: new provider errors on cases the baseline answered,
    unless the suite gates ``errors.rate`` itself; new empty answers, unless it gates
    ``empty.rate``; new scorer errors, unless it gates ``<scorer>.unscored_rate``; a candidate
    that answered nothing). No gate item carries those rules, and without this item they
    would fail nothing."""

    def runtest(self) -> None:
        from evalkit.pytest_checks import builtin_failures, unanswered_lines

        result = self.result()
        problems = []
        for name, run in result.runs.items():
            missing = [r.case_id for r in run.records if r.error and r.error.kind in _MISSING]
            counts = run.manifest.get("counts") or {}
            self.user_properties.append((f"{name}.records", len(run.records)))
            self.user_properties.append((f"{name}.errors", int(counts.get("errors", 0))))
            if missing:
                problems.append(f"  {name}: {len(missing)} answers not recorded: {_some(missing)}")
                problems.append(f"    {_to_record(run.candidate)}")
        if problems:
            mode = _runner(self).settings.mode
            raise EvalkitFailure(
                f"evalkit {self.suite}: answers missing in --evalkit-mode {mode}\n"
                + "\n".join(problems)
            )
        what, errors = builtin_failures(result)
        gates = _runner(self).project().suite(self.suite).gates
        errors = errors or unanswered_lines(result, gates, _MISSING)
        if errors:
            raise EvalkitFailure(f"evalkit {self.suite}: {what}\n" + "\n".join(errors))
        if not _runner(self).settings.allow_partial:  # else partial, as the verdict says
            _not_run(result, self.suite)


def _table_line(
    node: pytest.Item | pytest.Collector, path: Path, suite: str, gate: int | None
) -> int:
    """0-based line of ``[[suites.S.gates]]`` number ``gate`` (or of ``[suites.S]``), also under
    ``tool.evalkit.``; 0 when the table is written some other way (inline, quoted name).

    Found once per session and suite (the config is read once per session too): every item of
    a suite reports its line, and reading and matching the whole config per item cost about
    0.1 ms each, a second for 10,000 case items."""
    found = node.config.stash.setdefault(_TABLES, {})
    key = (str(path), suite)
    if key not in found:
        found[key] = _tables(path, suite)
    suite_at, gates_at = found[key]
    if gate is not None and gate < len(gates_at):
        return gates_at[gate]
    return suite_at[0] if suite_at else 0


def _tables(path: Path, suite: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Lines of ``[suites.S]`` and of its ``[[suites.S.gates]]`` (none if unreadable)."""
    try:
        text = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return (), ()
    name = rf"\s*(?:tool\.evalkit\.)?suites\.{re.escape(suite)}"
    suite_at = tuple(i for i, t in enumerate(text) if re.match(rf"\s*\[{name}\s*\]", t))
    gates_at = tuple(i for i, t in enumerate(text) if re.match(rf"\s*\[\[{name}\.gates\s*\]\]", t))
    return suite_at, gates_at


def _to_record(candidate: Mapping[str, Any]) -> str:
    """What to do about a missing answer: a replay candidate answers from its files in every
    mode, so ``--evalkit-mode record`` cannot help it."""
    if candidate.get("provider") == "replay":
        path = (candidate.get("options") or {}).get("path")
        return f"add their lines to its replay file ({path}), or drop the cases from the eval set"
    return "record them with --evalkit-mode record (needs the provider's key)"


def _some(ids: list[str], shown: int = 20) -> str:
    return ", ".join(ids[:shown]) + (f" (+{len(ids) - shown} more)" if len(ids) > shown else "")


def _not_run(result: SuiteResult, suite: str) -> None:
    """Gates on a run cut short were checked on part of the eval set: fail, saying what cut it
    short (the session cost cap, a suite's ``max_cost_usd``, the provider's quota) and what to
    do about that, as the run's manifest records it (QA12 F7: a quota stop was blamed on a cost
    cap nobody had set)."""
    short = {
        n: int((r.manifest.get("counts") or {}).get("not_run", 0)) for n, r in result.runs.items()
    }
    short = {n: k for n, k in short.items() if k}
    if not short:
        return
    lines = []
    for name, k in short.items():
        stop = result.runs[name].manifest.get("stopped") or {}
        by, why = stop.get("by"), stop.get("reason") or ""
        if by == "provider":
            todo = "wait until its limit resets, then run the session again (answers are cached)"
            lines.append(
                f"  {name}: {k} case repeats not run; the provider stopped it: {why}; {todo}"
            )
        else:
            todo = "raise --evalkit-max-cost (or the suite's max_cost_usd)"
            said = f": {why}" if why else ""
            lines.append(
                f"  {name}: {k} case repeats not run; the cost cap stopped it{said}; {todo}"
            )
    raise EvalkitFailure(
        f"evalkit {suite}: runs stopped before the end; the gates were checked on part of the "
        "eval set only\n" + "\n".join(lines)
    )
