"""The end-of-run hook for scorers: :func:`closing_scorers` and :func:`may_keep_open`.

A scorer that talks to a model (an LLM judge) may keep its client open between cases while
an engine run lasts, and must be closed exactly once when the run ends, however it ends.
Outside a run (a scorer called directly in a notebook) nobody will close it, so it must not
keep anything open. Re-exported from :mod:`evalkit.scoring`.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator, Iterable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.scoring import Scorer

__all__ = ["closing_scorers", "may_keep_open"]

_KEEP_OPEN: ContextVar[bool] = ContextVar("evalkit_scorers_keep_open", default=False)


def may_keep_open() -> bool:
    """Whether a scorer may keep clients open after :meth:`Scorer.score` returns.

    True inside :func:`closing_scorers` (every engine run), whose exit calls
    :meth:`Scorer.aclose`. False when a scorer is called directly (``await
    scorer.score(ctx)`` in a notebook, ``asyncio.run(score_all(...))``): then nobody will
    call ``aclose``, so a scorer must close what it opened before returning.
    """
    return _KEEP_OPEN.get()


@contextlib.asynccontextmanager
async def closing_scorers(scorers: Iterable[Scorer]) -> AsyncIterator[None]:
    """Score inside this block; at its exit every scorer's :meth:`~Scorer.aclose` runs once.

    Every scorer is closed even when one's ``aclose`` fails or the block raises; a failed
    ``aclose`` becomes a :class:`RuntimeWarning` naming the scorer, so it never hides the
    run's results nor the block's own exception.
    """
    distinct = list({id(s): s for s in scorers}.values())
    token = _KEEP_OPEN.set(True)
    try:
        yield
    except BaseException:
        _KEEP_OPEN.reset(token)
        # Warnings-as-errors must not replace the block's own exception.
        _warn_close(await _aclose_all(distinct), quiet=True)
        raise
    _KEEP_OPEN.reset(token)
    _warn_close(await _aclose_all(distinct))


async def _aclose_all(scorers: Sequence[Scorer]) -> list[tuple[str, BaseException]]:
    problems: list[tuple[str, BaseException]] = []
    cancelled = False
    for s in scorers:
        try:
            await s.aclose()
        except asyncio.CancelledError:
            cancelled = True  # close the others first, then let the cancellation through
        except Exception as exc:
            # Never s.name alone: this runs while another exception may be on its way, and
            # an object that is no scorer (no name) would replace it with an AttributeError.
            problems.append((str(getattr(s, "name", type(s).__name__)), exc))
    if cancelled:
        _warn_close(problems, quiet=True)
        raise asyncio.CancelledError
    return problems


def _warn_close(problems: Sequence[tuple[str, BaseException]], *, quiet: bool = False) -> None:
    """One :class:`RuntimeWarning` per failed ``aclose``; ``quiet``: even when warnings are
    errors, do not raise (an exception is already on its way)."""
    for name, exc in problems:
        with contextlib.suppress(*((Warning,) if quiet else ())):
            _warn_one(name, exc)


def _warn_one(name: str, exc: BaseException) -> None:
    warnings.warn(
        f"scorer {name!r}: aclose() failed at the end of the run "
        f"({type(exc).__name__}: {exc}); the run's results are unaffected, but its "
        "connections may stay open until the process exits; fix the scorer's aclose()",
        RuntimeWarning,
        stacklevel=4,
    )
