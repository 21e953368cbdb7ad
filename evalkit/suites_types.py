"""What a suite is, as data: the scorers it names, the gates it applies, the suite itself.

These frozen dataclasses are what :func:`evalkit.suites.parse_suite` builds from
``[suites.NAME]`` and what Python code builds directly; they cross into the engine, the
comparison and the report. Import them from :mod:`evalkit.suites` (or :mod:`evalkit.config`);
this module exists so that the parser and its checks stay small files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CACHE_MODES", "GATE_KEYS", "Gate", "ScorerSpec", "Suite"]

CACHE_MODES = ("use", "refresh", "off", "require")


@dataclass(frozen=True)
class ScorerSpec:
    """A scorer as named in a suite: registered name or reference, arguments, threshold."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    threshold: float | None = None
    base_dir: str = "."
    """Folder that a ``file.py:attr`` reference resolves against (the config's folder)."""
    skip_missing: bool = False
    """Leave cases that lack the scorer's required fields unscored instead of recording a
    scorer error: for suites that mix kinds of cases (some with context, some with tools)."""
    alias: str | None = None
    """``as = "..."`` in the config: the name its scores go under, so one scorer can be used
    twice with different arguments (two ``contains`` checks)."""

    def build(self, where: str = "scorer") -> Any:
        from evalkit.scoring import build_scorer, rename_scorer

        scorer = build_scorer(
            self.name, self.args, self.threshold, where=where, base_dir=self.base_dir
        )
        if self.skip_missing:
            scorer.skip_missing = True
        if self.alias:
            rename_scorer(scorer, self.alias)
        return scorer

    @property
    def key(self) -> str:
        """The name its scores go under (before the scorer is built, for a reference, the
        reference itself)."""
        return self.alias or self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "args": dict(self.args),
            "threshold": self.threshold,
            "skip_missing": self.skip_missing,
            "as": self.alias,
        }


@dataclass(frozen=True)
class Gate:
    """A rule that can fail CI. ``metric`` is ``<scorer>.<stat>`` or a run metric.

    Stats: ``mean``, ``pass_rate``, ``<outcome>_rate`` (from ``details["outcome"]``),
    ``<metric>`` (from ``details["metrics"]``); run metrics: ``cost.total``, ``cost.per_case``,
    ``latency.p50``, ``latency.p95``, ``latency.max``, ``errors.rate``. Absolute bounds
    (``min``, ``max``) apply to one run; the others compare candidate with baseline.
    """

    metric: str
    name: str | None = None
    min: float | None = None
    max: float | None = None
    max_drop: float | None = None
    """Candidate may be at most this much below baseline (absolute)."""
    max_rise: float | None = None
    """Candidate may be at most this much above baseline (absolute)."""
    max_rise_pct: float | None = None
    """Candidate may be at most this many percent above baseline."""
    alpha: float | None = None
    """When set, a delta rule fails only if the change is significant at this level."""
    tag: str | None = None
    """Apply the rule to cases with this tag only."""
    no_new_failures: bool = False
    """Fail when any case that passed in the baseline fails in the candidate."""

    @property
    def label(self) -> str:
        return self.name or self.metric + (f" [{self.tag}]" if self.tag else "")

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in GATE_KEYS}


GATE_KEYS = (
    "metric",
    "name",
    "min",
    "max",
    "max_drop",
    "max_rise",
    "max_rise_pct",
    "alpha",
    "tag",
    "no_new_failures",
)
"""The keys a gate table may hold, in the order :meth:`Gate.to_dict` writes them."""


@dataclass(frozen=True)
class Suite:
    """An eval set, the candidates to run on it, how to score them and which gates apply."""

    name: str
    dataset: str
    candidates: tuple[str, ...]
    scorers: tuple[ScorerSpec, ...] = ()
    gates: tuple[Gate, ...] = ()
    baseline: str | None = None
    """The candidate others are compared against (default: the first)."""
    repeats: int = 1
    cache: str = "use"
    max_cost_usd: float | None = None
    """Stop sending new requests once the run has spent this much (a budget, not a gate)."""
    base_dir: str = "."

    @property
    def dataset_path(self) -> Path:
        p = Path(self.dataset)
        return p if p.is_absolute() else Path(self.base_dir) / p

    @property
    def baseline_name(self) -> str:
        return self.baseline or self.candidates[0]
