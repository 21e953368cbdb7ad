"""The scorer interface: a scorer turns one case and one response into a :class:`Score`.

A scorer is a dataclass whose fields are its configuration (so it serialises as name plus
arguments into the run's manifest). It gets one :class:`ScoreContext`, may be sync or async,
and declares the case fields it ``requires``. A scorer that raises does not crash the run:
:func:`score_all` turns the exception into a :class:`Score` with ``error`` set.

Two conventions in ``Score.details`` are aggregated generically, so that comparisons and
reports need no knowledge of any particular scorer:

- ``details["outcome"]``: a categorical label (``"over_refusal"``, ...); aggregated as
  ``<scorer>.<outcome>_rate``.
- ``details["metrics"]``: ``{name: float}`` per case; averaged as ``<scorer>.<name>``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from evalkit.dataset import Case
from evalkit.errors import ScorerError
from evalkit.registry import Registry, reference_of, source_digest
from evalkit.scoring_lifecycle import closing_scorers, may_keep_open  # re-exported
from evalkit.scoring_types import Score, ScoreContext, as_score  # re-exported

__all__ = [
    "SCORERS",
    "FunctionScorer",
    "Score",
    "ScoreContext",
    "Scorer",
    "as_score",
    "build_scorer",
    "closing_scorers",
    "may_keep_open",
    "rename_scorer",
    "score_all",
    "scorer",
]


@dataclass
class Scorer:
    """Base class of scorers. Subclass as a ``@dataclass`` and register with ``@SCORERS.register``.

    ``name`` is the key in ``Record.scores``. ``threshold`` turns a value into ``passed``.
    ``requires`` names case fields (``"context"``, ``"expected"``, ``"should_refuse"``, ...)
    that must be set, checked by :meth:`check_case` before :meth:`score` runs.
    """

    name: ClassVar[str] = "scorer"
    requires: ClassVar[tuple[str, ...]] = ()
    cpu_bound: ClassVar[bool] = False
    """Hint for the engine to run :meth:`score` in a process pool (the scorer must pickle)."""
    path_args: ClassVar[tuple[str, ...]] = ()
    """Arguments that name a file; a relative one given in a config is read from the config's
    folder, like eval sets, templates and scorer files."""
    operational_args: ClassVar[tuple[str, ...]] = ()
    """Arguments that change how a score is obtained, not what it measures (a judge's cache
    mode, timeout, retries, concurrency, key variable): a stored baseline run with another
    value of one is no "scored differently", which would leave the scorer's gates unjudged."""
    good_outcomes: ClassVar[frozenset[str] | None] = None
    """The ``details["outcome"]`` labels whose rising rate is good (``{"correct"}``); every
    other label the scorer emits is bad. ``None``: not declared, and comparisons decide from
    the records (an outcome is good when most records carrying it pass; docs/compare.md)."""
    outcomes: ClassVar[frozenset[str] | None] = None
    """Every ``details["outcome"]`` label the scorer can emit, when that is a closed set
    (refusal: ``correct``, ``over_refusal``, ``under_refusal``). Summaries then give each one a
    rate (0.0 where no scored case had it), even in a run where it never occurred; ``None``:
    only the labels the records carry (:func:`evalkit.aggregate.outcome_vocabulary`)."""
    blocking: ClassVar[bool | None] = None
    """Whether a sync :meth:`score` may block (a network call, seconds of CPU). Such a scorer
    runs in a worker thread, one call at a time (so it need not be thread-safe), instead of
    on the run's event loop, where it held up every request in flight until the engine's
    timers called them timeouts. ``None``: evalkit's own scorers, which return in
    milliseconds, run inline, and any other sync scorer in the thread. Async scorers always
    run on the loop and must not block it."""
    threshold: float = field(default=0.5, kw_only=True)
    skip_missing: bool = field(default=False, kw_only=True, repr=False)
    """When set (a suite's ``skip_missing = true``), cases lacking a required field are left
    unscored by this scorer instead of getting a scorer error."""

    def score(self, ctx: ScoreContext) -> Score | Awaitable[Score]:
        raise ScorerError(f"scorer {self.name!r} does not implement score()")

    def applies_to(self, case: Case) -> bool:
        """Whether this scorer has what it needs in ``case``; with ``skip_missing``, cases
        for which this is false are left unscored. Override when ``requires`` cannot say it
        (e.g. "tools or expected tool calls")."""
        return all(case.has(f) for f in self.requires)

    def skips(self, case: Case) -> bool:
        """Whether this scorer leaves ``case`` unscored (a suite's ``skip_missing`` and a case
        it does not apply to): nothing to score, and no provider error to count against it."""
        return self.skip_missing and not self.applies_to(case)

    def check_case(self, case: Case) -> None:
        missing = [f for f in self.requires if not case.has(f)]
        if missing:
            raise ScorerError(
                f"case {case.id!r}: scorer {self.name!r} needs field(s) {missing} which the case "
                f"does not set; add them to the eval set or remove the scorer from this suite"
            )

    def spec(self) -> dict[str, Any]:
        """Name and arguments as recorded in the run's manifest."""
        args = (
            {
                f.name: getattr(self, f.name)
                for f in dataclasses.fields(self)
                if f.name != "skip_missing"
            }
            if dataclasses.is_dataclass(self)
            else {}
        )
        out = {"name": self.name, "args": _jsonable(args), "ref": reference_of(type(self))}
        if digest := source_digest(type(self)):
            out["source_sha256"] = digest
        if self.path_args:  # compared by file name between runs (evalkit.changes)
            out["path_args"] = list(self.path_args)
        if self.operational_args:  # not compared between runs (evalkit.changes)
            out["operational_args"] = list(self.operational_args)
        return out

    def texts(self) -> dict[str, str]:
        """Texts a reviewer needs to read this scorer's verdicts (an LLM judge's rubric and
        prompt template), by label; the default has none. The engine stores them once in the
        run's manifest (``scorer_texts``), not in :meth:`spec`: runs are rebuilt and resumed
        from the spec's arguments, which must stay the scorer's configuration only."""
        return {}

    async def aclose(self) -> None:
        """Release what this scorer keeps open between records; the default has nothing.

        Why a hook: a scorer that calls a model (an LLM judge) would otherwise have to open an
        HTTP client and a cache connection per case and close them before returning, because
        nothing told it when the run was over. The engine calls this once per scorer at the
        end of every run, in the run's event loop, on success, failure and cancellation alike
        (:func:`closing_scorers`). Inside such a run :func:`may_keep_open` is true. A scorer
        must stay usable afterwards: its next :meth:`score` reopens what it needs.
        """
        return None


@dataclass
class FunctionScorer(Scorer):
    """Adapts a plain function ``(ctx) -> Score | float | bool`` (sync or async) to a scorer."""

    fn: Callable[..., Any] = field(default=lambda ctx: None, repr=False)
    scorer_name: str = "function"
    needs: tuple[str, ...] = ()
    threshold: float = 0.5
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.scorer_name

    @property
    def requires(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.needs

    def score(self, ctx: ScoreContext) -> Score | Awaitable[Score]:
        result = self.fn(ctx, **self.kwargs)
        if inspect.isawaitable(result):
            return self._await(result, ctx.case.id)
        return as_score(self, result, ctx.case.id)

    async def _await(self, result: Awaitable[Any], case_id: str) -> Score:
        return as_score(self, await result, case_id)

    def spec(self) -> dict[str, Any]:
        out = {
            "name": self.scorer_name,
            "args": _jsonable(dict(self.kwargs)),
            "threshold": self.threshold,
            "function": f"{self.fn.__module__}:{self.fn.__qualname__}",
            "ref": reference_of(self.fn),
        }
        if digest := source_digest(self.fn):
            out["source_sha256"] = digest
        return out


SCORERS: Registry[Callable[..., Scorer]] = Registry(
    "scorer",
    "evalkit.scorers",
    {
        "groundedness": "evalkit.scorers.groundedness:Groundedness",
        "refusal": "evalkit.scorers.refusal:Refusal",
        "tool_calls": "evalkit.scorers.tool_calls:ToolCalls",
        "cost": "evalkit.scorers.cost:Cost",
        "latency": "evalkit.scorers.cost:Latency",
        "exact_match": "evalkit.scorers.text:ExactMatch",
        "contains": "evalkit.scorers.text:Contains",
        "contains_all": "evalkit.scorers.text:ContainsAll",
        "contains_any": "evalkit.scorers.text:ContainsAny",
        "regex": "evalkit.scorers.text:Regex",
        "fuzzy": "evalkit.scorers.text:Fuzzy",
        "json_valid": "evalkit.scorers.json:JsonValid",
        "json_schema": "evalkit.scorers.json:JsonSchema",
        "judge": "evalkit.scorers.judge:Judge",
        "checks": "evalkit.scorers.checks:Checks",
    },
)
"""Scorer registry. Third parties add ``[project.entry-points."evalkit.scorers"]``."""


def scorer(
    name: str | None = None,
    *,
    requires: Sequence[str] = (),
    threshold: float = 0.5,
    register: bool = True,
    replace: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Scorer]]:
    """Decorate a function ``(ctx, **kwargs)`` to make it a registered scorer factory.

    ``replace=True`` takes a built-in's name without the warning (see :mod:`evalkit.registry`)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Scorer]:
        scorer_name = name or fn.__name__

        def factory(threshold: float = threshold, **kwargs: Any) -> Scorer:
            return FunctionScorer(
                fn=fn,
                scorer_name=scorer_name,
                needs=tuple(requires),
                threshold=threshold,
                kwargs=kwargs,
            )

        factory.__doc__ = fn.__doc__
        factory.__wrapped__ = fn  # type: ignore[attr-defined]
        factory.__evalkit_factory__ = True  # type: ignore[attr-defined]
        if register:
            SCORERS.register(scorer_name, factory, replace=replace)
        return factory

    return decorate


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


if TYPE_CHECKING:
    from evalkit.scoring_build import build_scorer, rename_scorer
    from evalkit.scoring_run import score_all

_LAZY = {
    "build_scorer": "scoring_build",
    "rename_scorer": "scoring_build",
    "score_all": "scoring_run",
}


def __getattr__(name: str) -> Any:
    """Re-export the builders and :func:`score_all` lazily: their modules import this one's
    classes, so an eager import here broke whichever of the two was imported first."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"evalkit.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
