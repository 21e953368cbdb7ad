"""Suites as pytest items: ``evalkit.toml`` → one collector per suite → gate, run and case items.

Tree (node ids relative to the rootdir)::

    evalkit.toml::support::groundedness.mean[support-candidate]     a gate on one candidate
    evalkit.toml::support::runs                                      every answer was obtained
    evalkit.toml::support::refund-004[support-candidate]             a case (--evalkit-cases)

What each item checks, and how it fails: :mod:`evalkit.pytest_suite_items` and
:mod:`evalkit.pytest_case_items` (their classes are re-exported here). Items never run a suite themselves: they ask the session's
:class:`~evalkit.pytest_runner.SuiteRunner`, which runs each suite once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from evalkit.pytest_case_items import CaseItem
from evalkit.pytest_suite_items import (
    EvalkitFailure,
    GateItem,
    RunsItem,
    _EvalkitNode,
    _runner,
    _table_line,
    rules_of,
)

if TYPE_CHECKING:
    from evalkit.config import Gate
    from evalkit.pytest_runner import SuiteRunner

__all__ = [
    "CaseItem",
    "EvalkitFailure",
    "EvalkitFile",
    "GateItem",
    "RunsItem",
    "SuiteCollector",
    "gate_ids",
    "rules_of",
]


def gate_ids(gates: Iterable[Gate]) -> list[str]:
    """Stable, ``-k``-friendly ids: the metric (``@tag``) or the gate's name; gates that share
    one get their rules appended (``tool_calls.pass_rate:min``), then a number if need be."""
    gates = list(gates)
    bases = []
    for g in gates:
        base = re.sub(r"[^\w.@-]+", "-", g.name).strip("-") if g.name else g.metric
        bases.append(base + (f"@{g.tag}" if g.tag and not g.name else ""))
    ids: list[str] = []
    for g, base in zip(gates, bases, strict=True):
        ident = base if bases.count(base) == 1 else f"{base}:{'+'.join(rules_of(g))}"
        n, unique = 2, ident
        while unique in ids:
            unique, n = f"{ident}-{n}", n + 1
        ids.append(unique)
    return ids


class EvalkitFile(_EvalkitNode, pytest.File):
    """The config file: one collector per selected suite."""

    def collect(self) -> Iterator[SuiteCollector]:
        from evalkit.pytest_plugin import mark_collected

        mark_collected(self.config)
        runner = _runner(self)
        names = runner.suite_names()
        if not names:  # else pytest exits 5 ("no tests ran"), which a CI step may not check
            raise EvalkitFailure(
                f"{self.path}: no suite to run; --evalkit collects one item per gate of each "
                "[suites.NAME] table; add one (see docs/pytest.md) or drop --evalkit"
            )
        for name in names:
            runner.project().suite(name)  # an unknown --evalkit-suite fails here, by name
            yield SuiteCollector.from_parent(self, name=name)


class SuiteCollector(_EvalkitNode, pytest.Collector):
    """One suite: its gates on each candidate they check, ``runs``, and (optionally) cases."""

    def collect(self) -> Iterator[pytest.Item]:
        runner = _runner(self)
        spec = runner.project().suite(self.name)
        _check_scorers(runner, self.name)  # a broken suite is an error even when skipped
        reason = runner.unselected(self.name)
        if reason is not None:  # --evalkit-candidate names none of this suite's candidates
            pytest.skip(reason)
        checked, _ = runner.plan(self.name)
        group = self.config.pluginmanager.hasplugin("xdist")
        for gate, ident in zip(spec.gates, gate_ids(spec.gates), strict=True):
            for cand in checked:
                item = GateItem.from_parent(self, name=f"{ident}[{cand}]", gate=gate, cand=cand)
                yield self._grouped(item, group)
        yield self._grouped(RunsItem.from_parent(self, name="runs"), group)
        if runner.settings.cases:
            from evalkit.dataset import load_eval_set

            ids = [c.id for c in load_eval_set(spec.dataset_path).cases]
            for cand in checked:
                for cid in ids:
                    case = CaseItem.from_parent(self, name=f"{cid}[{cand}]", case_id=cid, cand=cand)
                    yield self._grouped(case, group)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """The suite's table in the config (where its collection skip is reported)."""
        return self.path, _table_line(self, self.path, self.name, None), f"evalkit {self.name}"

    def _grouped(self, item: pytest.Item, group: bool) -> pytest.Item:
        # With ``--dist loadgroup`` one worker gets the whole suite, so it runs once; under
        # other schedules the shared cache's claims still keep provider calls single.
        if group:
            item.add_marker(pytest.mark.xdist_group(f"evalkit-{self.name}"))
        return item


def _check_scorers(runner: SuiteRunner, suite: str) -> None:
    """Build the suite's scorers once at collection: an unknown scorer or a bad argument is
    this suite's collection error naming ``scorers[i]``, as a bad key in the config is, rather
    than the same failure repeated on every item once the suite runs."""
    from evalkit.errors import ConfigError, EvalkitError, Problem

    project = runner.project()
    problems: list[Problem] = []
    for i, spec in enumerate(project.suite(suite).scorers):  # from 0, as evalkit.suites
        where = f"{project.path}: [suites.{suite}] scorers[{i}]"
        try:
            spec.build(where)
        except ConfigError as exc:  # names the file, suite and entry already
            problems.extend(exc.problems)
        except EvalkitError as exc:
            problems.append(Problem(where, str(exc)))
    if problems:
        raise ConfigError(problems)
