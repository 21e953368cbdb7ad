"""One case of a suite on one candidate as a pytest item (``--evalkit-cases``).

A :class:`CaseItem` fails on a regression, and on a scorer error where the baseline got a score
from that scorer (the verdict's ``new_scorer_errors`` rule, case by case), is an expected
failure when the baseline failed it too, with no baseline fails when the candidate fails it or
a scorer errored on it, and is skipped when nothing was checked: no scorer applies to it, or
its only scorers errored and the suite accepts their errors (it gates
``<scorer>.unscored_rate`` without a tag, the rule's opt-out).

Split from :mod:`evalkit.pytest_suite_items`, which holds the other items.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest

from evalkit.pytest_suite_items import EvalkitFailure, _runner, _SuiteItem

if TYPE_CHECKING:
    from evalkit.api import SuiteResult
    from evalkit.comparison import Comparison
    from evalkit.comparison_cases import CaseRow
    from evalkit.records import Record

__all__ = ["CaseItem"]

_BLAMED = pytest.StashKey[dict[int, tuple[object, dict[str, list[str]]]]]()
"""Per comparison (by id, the object kept so the id is not reused): case id → the scorers
``new_scorer_errors`` blames on it, found once for all its case items."""


class CaseItem(_SuiteItem):
    """One case of a suite on one candidate."""

    def __init__(self, *, case_id: str, cand: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.case_id = case_id
        self.cand = cand

    def runtest(self) -> None:
        from evalkit.pytest_checks import case_status_text, case_why

        result = self.result()
        unscored = _unscored(self._records(result), self.cand, self.case_id)
        if unscored:
            pytest.skip(unscored)
        cmp = self.comparison(result, self.cand)
        if cmp is None:
            self._alone(result)
            return
        row = _runner(self).case_rows(cmp).get(self.case_id)
        if row is None or row.candidate is None:
            raise EvalkitFailure(f"{self.case_id}: not in {self.cand}'s run")
        for name, cell in row.candidate.scores.items():
            if cell.value is not None:
                self.user_properties.append((f"score.{name}", round(cell.value, 6)))
        base = cmp.baseline.candidate
        if row.status == "content_changed":  # two different questions under one id
            pytest.skip(
                f"{self.case_id}: edited between {base}'s eval set version and {self.cand}'s, so "
                f"not compared; re-run {base} on this eval set version to compare it"
            )
        said = case_status_text(row, self.cand, base)
        blamed = self._blamed(cmp).get(self.case_id, [])
        errors = [f"  {n}: {self._shown(self._error_of(result, row, n), n)}" for n in blamed]
        if row.status == "regression":
            also = [f"  also a scorer error where {base} got a score:"] if errors else []
            raise EvalkitFailure("\n".join([f"{said}:", case_why(row), *also, *errors]))
        if errors:
            head = (
                f"{self.case_id} not checked on {self.cand}: {_names(blamed)} "
                f"{_has(blamed)} a scorer error where {base} got a score from "
                f"{'it' if len(blamed) == 1 else 'them'}:"
            )
            lines = [head, *errors, case_why(row), _todo(blamed)]
            raise EvalkitFailure("\n".join(lines))
        if row.status == "unchanged_fail":
            pytest.xfail(f"{said}: {case_why(row).strip()}")
        if row.candidate.passed is False:
            raise EvalkitFailure(f"{self.case_id} fails on {self.cand}:\n" + case_why(row))
        self._unchecked(result)

    def _blamed(self, cmp: Comparison) -> dict[str, list[str]]:
        """Case id → scorers the verdict's ``new_scorer_errors`` rule blames on that case:
        the scorers it failed (so its opt-out holds), each on the cases it counts."""
        from evalkit.gates import scorer_error_cases

        cache = self.config.stash.setdefault(_BLAMED, {})
        if id(cmp) not in cache:
            names = [
                r.metric.removesuffix(".unscored_rate")
                for r in cmp.verdict.failures
                if r.rule == "new_scorer_errors"
            ]
            by_case: dict[str, list[str]] = {}
            for name in names:
                for row in scorer_error_cases(cmp, name):
                    by_case.setdefault(row.case_id, []).append(name)
            cache[id(cmp)] = (cmp, by_case)
        return cache[id(cmp)][1]

    def _error_of(self, result: SuiteResult, row: CaseRow, name: str) -> str:
        """The scorer's error on this case: the shown repeat's, else the first repeat's that
        has one (the shown repeat may be another that scored, or a provider error)."""
        assert row.candidate is not None
        cell = row.candidate.scores[name]
        if cell.error and not cell.error.startswith("provider error"):
            return cell.error
        for r in self._records(result):
            s = r.scores.get(name)
            if r.error is None and s is not None and s.error is not None:
                return s.error
        return cell.error or cell.reason or "no message"

    def _shown(self, error: str, name: str) -> str:
        """A scorer's error on a line that names this case and the scorer already: without
        the ``case '<id>': scorer '<name>'`` it starts with (each is said once)."""
        from evalkit.scoring_run import shown_in_case

        return shown_in_case(error, self.case_id, name)

    def _records(self, result: SuiteResult) -> Sequence[Record]:
        """This case's records on the candidate, from the session's index of its run (O(1)
        per item; a scan of the run per item made ``--evalkit-cases`` quadratic)."""
        return _runner(self).case_records(result.runs.get(self.cand), self.case_id)

    def _accepted(self) -> set[str]:
        """Scorers whose errors the suite accepts: it gates ``<scorer>.unscored_rate``
        without a tag (a tagged gate speaks for its tag only), as in the verdict."""
        gates = _runner(self).project().suite(self.suite).gates
        return {
            g.metric.removesuffix(".unscored_rate")
            for g in gates
            if g.tag is None and g.metric.endswith(".unscored_rate")
        }

    def _alone(self, result: SuiteResult) -> None:
        """No baseline: the candidate's failures, and its scorer errors, fail the case (a
        scorer error left it unchecked, and nothing else will say so per case)."""
        from evalkit.pytest_checks import _num, answer_line

        recs = self._records(result)
        if not recs:
            raise EvalkitFailure(f"{self.case_id}: not in {self.cand}'s run")
        accepted = self._accepted()
        lines, errors, erred = [], [], []
        for r in recs:
            rep = f" (repeat {r.repeat})" if len(recs) > 1 else ""
            if r.error is not None:
                lines.append(f"  repeat {r.repeat}: no answer ({r.error.kind}): {r.error.message}")
            for name, s in r.scores.items():
                if s.value is not None:
                    self.user_properties.append((f"score.{name}", round(s.value, 6)))
                if r.error is None and s.error is not None and name not in accepted:
                    errors.append(f"  {name}{rep}: {self._shown(s.error, name)}")
                    erred.append(name)
                elif s.passed is False:
                    lines.append(f"  {name} {_num(s.value)} failed: {s.reason or s.error}")
        if lines:
            raise EvalkitFailure(
                f"{self.case_id} fails on {self.cand}:\n" + "\n".join(lines + errors)
            )
        if errors:
            names = list(dict.fromkeys(erred))
            head = f"{self.case_id} not checked on {self.cand}: {_names(names)} {_has(names)} "
            said = [answer_line(r.output) for r in recs if r.error is None][:1]
            raise EvalkitFailure(
                "\n".join([head + "a scorer error:", *errors, *said, _todo(names)])
            )
        self._unchecked(result)

    def _unchecked(self, result: SuiteResult) -> None:
        """Skip a case whose every score on the candidate is a scorer error the suite accepts
        (or one the baseline had too): nothing checked it, so PASSED would mislead."""
        recs = [r for r in self._records(result) if r.error is None]
        scores = [(n, s) for r in recs for n, s in r.scores.items()]
        if not scores or any(s.error is None for _, s in scores):
            return
        name, first = scores[0]
        names = list(dict.fromkeys(n for n, _ in scores))
        why = (
            f"accepted: the suite gates {name}.unscored_rate"
            if name in self._accepted()
            else "not new: the baseline got no score from it either"
        )
        pytest.skip(
            f"{self.case_id} not checked on {self.cand}: {_names(names)} {_has(names)} a "
            f"scorer error ({why}): {self._shown(first.error or '', name)}"
        )


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)


def _has(names: Sequence[str]) -> str:
    return "has" if len(names) == 1 else "have"


def _todo(names: Sequence[str]) -> str:
    """What to do, as the verdict's rule says it (see docs/compare.md)."""
    gate = " / ".join(f"{n}.unscored_rate" for n in names)
    return (
        "  if the scorer raises on this answer, fix it to return a failing score (False, 0.0); "
        "if the error was transient (a judge's rate limit, a timeout), score the answer again "
        "(run again: cached answers are scored anew); to accept scorer errors, gate "
        f"{gate} in the suite (e.g. max = 0.05)"
    )


def _unscored(recs: Sequence[Record], cand: str, case_id: str) -> str:
    """Why nothing was checked on a case (every scorer skipped it, ``skip_missing``), or "";
    ``recs`` are the case's records on ``cand``.

    Such a case used to show PASSED, which reads as "checked and fine"."""
    if not recs or any(r.scores or r.error is not None for r in recs):
        return ""
    return (
        f"{case_id}: no scorer applies to this case on {cand} (skip_missing); nothing was checked"
    )
