"""The ``evalkit`` fixture's object: run suites and candidates, assert on their scores.

What a test gets from ``def test_x(evalkit)``. It never runs anything itself: suites go through
the session's :class:`~evalkit.pytest_runner.SuiteRunner` (so they run once and share their
result with the suite's items), ad hoc runs through its cost cap. Every failure is a pytest
failure with evalkit's message, never a traceback through evalkit's internals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.api import SuiteResult
    from evalkit.assertions import ScoreSummary
    from evalkit.config import Candidate, Project
    from evalkit.dataset import EvalSet
    from evalkit.pytest_runner import SuiteRunner
    from evalkit.records import Run
    from evalkit.scoring import Scorer

__all__ = ["EvalkitFixture", "calls_assert_gates"]


class EvalkitFixture:
    """What the ``evalkit`` fixture gives a test: suites, ad hoc runs and score assertions.

    ``@pytest.mark.evalkit(suite=..., candidate=..., baseline_run=...)`` sets the defaults.
    Results are shared with the session (the suite's gate items and other tests reuse them),
    and every check records its numbers as the test's JUnit XML properties.
    """

    def __init__(self, runner: SuiteRunner, node: Any, marker: Mapping[str, Any]) -> None:
        self.runner = runner
        self.node = node
        self.suite: str | None = marker.get("suite")
        self.candidate: str | None = marker.get("candidate")
        self.baseline_run: str | None = marker.get("baseline_run")
        self.judges_gates = calls_assert_gates(getattr(node, "function", None))
        """Whether the test's code calls ``assert_gates``: its first ``expect`` (which runs the
        suite) then refuses a comparison the gates would refuse, before paying for the run."""

    @property
    def project(self) -> Project:
        return self.runner.project()

    @property
    def mode(self) -> str:
        """The session's ``--evalkit-mode``."""
        return self.runner.settings.mode

    def evaluate(
        self,
        suite: str | None = None,
        *,
        candidates: Sequence[str] | None = None,
        baseline_run: str | Path | None = None,
    ) -> SuiteResult:
        """Run (once per session) and return a suite's result; defaults from the marker."""
        suite = suite or self.suite
        if suite is None:
            import pytest

            pytest.fail(
                "evalkit fixture: no suite; mark the test @pytest.mark.evalkit('NAME') "
                "or call evalkit.evaluate('NAME')",
                pytrace=False,
            )
        if suite == self.suite and candidates is None and baseline_run in (None, self.baseline_run):
            self._refuse_early(gates=self.judges_gates)
        candidates = self._candidates(suite, candidates)
        result = self._result(suite, candidates, baseline_run or self.baseline_run)
        props = self.node.user_properties
        props.append(("evalkit.suite", suite))
        # the suite's verdict, not this test's outcome (a passing test of a failing suite read
        # "evalkit.status=FAIL" in JUnit XML)
        props.append(("evalkit.suite_status", result.status))
        return result

    def _candidates(self, suite: str, candidates: Sequence[str] | None) -> Sequence[str] | None:
        """A candidate the suite runs anyway only says which run to check: the suite's full
        result is shared; any other candidate is run with the baseline."""
        if (
            candidates is None
            and self.candidate is not None
            and suite == self.suite
            and self.candidate not in self.project.suite(suite).candidates
        ):
            return [self.candidate]
        return candidates

    def _result(
        self, suite: str, candidates: Sequence[str] | None, baseline_run: str | Path | None
    ) -> SuiteResult:
        """The runner's result; a suite that cannot run fails the test with evalkit's message
        (as its gate items do), not with a traceback through evalkit's internals."""
        import pytest

        from evalkit.errors import EvalkitError
        from evalkit.pytest_runner import CostCapReached, SuiteNotSelected

        try:
            return self.runner.result(suite, candidates, baseline_run)
        except SuiteNotSelected as exc:  # as the suite's items are: a skip saying why
            pytest.skip(str(exc))
        except (EvalkitError, CostCapReached) as exc:
            message = f"evalkit suite {suite!r} could not run: {exc}"
        pytest.fail(message, pytrace=False)  # outside the except: no "during handling" chain

    @property
    def result(self) -> SuiteResult:
        """The marked suite's result."""
        return self.evaluate()

    def expect(
        self,
        scorer: str,
        *,
        min_mean: float | None = None,
        max_mean: float | None = None,
        min_pass_rate: float | None = None,
        candidate: str | None = None,
        tag: str | None = None,
        result: Any = None,
    ) -> ScoreSummary:
        """:func:`evalkit.expect` on the marked suite's result (or ``result``), failing the
        test with the case ids behind a miss and recording mean and pass rate."""
        import pytest

        from evalkit.assertions import ScoreExpectationError, expect

        target = self.result if result is None else result
        failure: ScoreExpectationError | None = None
        unknown: str | None = None
        try:
            s = expect(
                target,
                scorer,
                min_mean=min_mean,
                max_mean=max_mean,
                min_pass_rate=min_pass_rate,
                candidate=candidate or (self.candidate if result is None else None),
                tag=tag,
            )
        except ScoreExpectationError as exc:
            failure, s = exc, exc.summary
        except KeyError as exc:  # a candidate that did not run: a message, not a traceback
            unknown = str(exc.args[0]) if exc.args else str(exc)
        if unknown is not None:
            pytest.fail(unknown, pytrace=False)
        self._record(s, tag)
        if failure is not None:  # outside the except: no "during handling" chain in the output
            pytest.fail(str(failure), pytrace=False)
        return s

    def assert_gates(self, result: SuiteResult | None = None) -> None:
        """Fail the test with every failing gate's reason (the suite's promotion rules)."""
        import pytest

        if result is None:
            self._refuse_early(gates=True)
        result = result or self.result
        partial = self._partial(result)
        if not result.passed:
            # A compared candidate's min/max rules are in its comparison's verdict and again in
            # its thresholds (SuiteResult.failures() lists both): say each once.
            compared = {c.candidate.candidate for c in result.comparisons}
            lines = [
                f"{c.candidate.candidate} vs {c.baseline.candidate}: {r.reason}"
                for c in result.comparisons
                for r in c.verdict.failures
            ]
            lines += [
                f"{name}: {r.reason}"
                for name, v in result.thresholds.items()
                if name not in compared
                for r in v.failures
            ]
            pytest.fail(
                f"evalkit suite {result.suite!r}: gates failed\n  "
                + "\n  ".join(lines + [f"partial: {p}" for p in partial]),
                pytrace=False,
            )

    def _refuse_early(self, *, gates: bool) -> None:
        """Fail before the marked suite runs when its comparison with a stored baseline is
        known to be refused and running would call providers (see
        :meth:`~evalkit.pytest_runner.SuiteRunner.refusal`), with the message the test would
        fail with after the run.

        A refusal no option lifts (a baseline of another eval set version) fails any use of
        the suite's result, since the run fails after paying anyway. A partial comparison
        fails only when ``gates`` (``assert_gates()``, or a test whose code calls it): scores
        alone (``expect``) are still good on a partial baseline. Anything else (a config
        error, a suite not selected) is left to the run, which says it.
        """
        import pytest

        from evalkit.errors import EvalkitError
        from evalkit.pytest_checks import ALLOW_PARTIAL

        suite = self.suite
        if suite is None:
            return
        try:
            if self.runner.unselected(suite) is not None:
                return
            if self.runner.ran(suite, self._candidates(suite, None), self.baseline_run):
                return  # paid for already: the result's own failure says what is wrong
            refused = self.runner.refusal(suite, self.baseline_run, partial=gates)
            names = self._candidates(suite, None) or self.project.suite(suite).candidates
        except EvalkitError:
            return
        if refused is None:
            return
        if refused.ratio is None:
            pytest.fail(f"evalkit suite {suite!r} could not run: {refused.reason}", pytrace=False)
        said = "; ".join(f"{n} vs {refused.baseline}: {refused.reason}" for n in names)
        pytest.fail(
            f"evalkit suite {suite!r}: gates not judged (partial): {said}; no provider was "
            f"called; {ALLOW_PARTIAL}",
            pytrace=False,
        )

    def _partial(self, result: SuiteResult) -> list[str]:
        """How each comparison of part of the eval set is partial. Without
        ``--evalkit-allow-partial`` the gates are not judged (the test fails saying so), as
        the suite's gate items and ``evalkit check`` do; with it the test passes as
        ``PASSED (partial 4/6)``."""
        import pytest

        from evalkit.pytest_plugin import mark_partial
        from evalkit.pytest_runner import partial_of

        found = [(c, got) for c in result.comparisons if (got := partial_of(c)) is not None]
        if not found:
            return []
        said = [f"{c.candidate.candidate} vs {c.baseline.candidate}: {t}" for c, (_, t) in found]
        if not self.runner.settings.allow_partial:
            pytest.fail(
                f"evalkit suite {result.suite!r}: gates not judged (partial): "
                + "; ".join(said)
                + "; pass --evalkit-allow-partial to gate the compared cases, or compare with "
                "a baseline run of the whole eval set",
                pytrace=False,
            )
        ratio = ", ".join(dict.fromkeys(r for _, (r, _) in found))
        self.node.user_properties.append(("evalkit.partial", ratio))
        mark_partial(self.node, ratio)
        return said

    def run(self, eval_set: EvalSet, candidate: Candidate, scorers: Sequence[Scorer] = ()) -> Run:
        """Run a candidate defined in Python under the session's mode and cost cap."""
        from evalkit.engine import run

        paying = int(candidate.provider != "replay")
        opts = self.runner.options(paying, f"candidate {candidate.name!r}", candidate.name)
        out = run(eval_set, candidate, scorers, opts)
        self.runner.session_cache.restate([out], self.project.cache_dir)
        self.runner._account([out], f"candidate {candidate.name!r}")
        return out

    def _record(self, s: ScoreSummary, tag: str | None) -> None:
        key = f"{s.scorer}" + (f"[{tag}]" if tag else "")
        props = self.node.user_properties
        if s.mean is not None:
            props.append((f"{key}.mean", round(s.mean, 6)))
        if s.pass_rate is not None:
            props.append((f"{key}.pass_rate", round(s.pass_rate, 6)))
        props.append((f"{key}.n", s.n))


def calls_assert_gates(function: Any) -> bool:
    """Whether ``function``'s code (nested functions and lambdas included) names
    ``assert_gates``: read from its bytecode, so a test that calls it through a helper defined
    elsewhere is not seen (it still refuses, at ``assert_gates()``, after the run)."""
    import inspect
    import types

    try:
        code = inspect.unwrap(function).__code__
    except (AttributeError, ValueError):
        return False
    todo: list[types.CodeType] = [code]
    while todo:
        c = todo.pop()
        if "assert_gates" in c.co_names:
            return True
        todo.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return False
