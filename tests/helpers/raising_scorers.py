"""User-style scorers that raise on a response containing ``raise``, for the tests of the
scorer-error messages: a decorated sync and an async function, a sync and an async class, and
a ``cpu_bound`` class for the worker processes. A module of their own, so that a worker
imports little, and by reference (``tests.helpers.raising_scorers:json_ok``) from a check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from evalkit.scoring import Score, ScoreContext, Scorer, scorer


def _check(text: str) -> bool:
    if "raise" in text:
        raise ValueError("boom in scorer")
    return True


@scorer("json_ok", register=False)
def json_ok(ctx: ScoreContext) -> bool:
    """Sync: runs in a worker thread."""
    return _check(ctx.response.text)


@scorer("json_ok_async", register=False)
async def json_ok_async(ctx: ScoreContext) -> bool:
    """Async: runs on the event loop."""
    return _check(ctx.response.text)


@dataclass
class JsonOk(Scorer):
    """A class-based sync scorer."""

    name: ClassVar[str] = "json_cls"

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, _check(ctx.response.text))


@dataclass
class JsonOkAsync(Scorer):
    """A class-based async scorer."""

    name: ClassVar[str] = "json_cls_async"

    async def score(self, ctx: ScoreContext) -> Score:  # type: ignore[override]
        return Score(1.0, _check(ctx.response.text))


@dataclass
class JsonOkInWorker(Scorer):
    """A ``cpu_bound`` one: scored in a worker process under ``--scorer-processes``."""

    name: ClassVar[str] = "json_worker"
    cpu_bound: ClassVar[bool] = True

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, _check(ctx.response.text))
