"""Running a record's scorers: each scorer's failure becomes that score's error, and sync
scorers that may block run off the event loop.

Why off the loop: a sync scorer (an HTTP call to a moderation or NLI service, seconds of CPU)
called on the run's event loop held up every request in flight; their answers had arrived,
but the engine's timers fired first and charged the candidate with timeouts.

Why the per-scorer lock is an :class:`asyncio.Lock` taken *before* the thread is asked for:
calls waiting for their turn then wait in the event loop, where Ctrl-C cancels them at once.
Waiting inside worker threads, every queued call ran to the end after an interrupt (five 8 s
calls held a Ctrl-C for 41 s), and the scorers queued behind each other in the loop's few
default threads.

Why every error recorded here starts with ``case '<id>': scorer '<name>'``: a scorer error is
read away from its case (the verdict's ``new_scorer_errors`` line, ``results.jsonl``, the
"scored nothing" exit, a frame's reason column), and a bare ``ValueError: boom`` named neither
the case nor the scorer nor what to do. A line that names the case already shows the error
through :func:`shown_in_case`, so that the id appears once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import math
import os
import traceback
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.errors import ScorerError
from evalkit.jsonfiles import (
    MAX_DEPTH,
    NOTES_KEY,
    Unrecordable,
    details_to_json,
    numeric_metrics,
)
from evalkit.scoring import FunctionScorer, Score, ScoreContext, Scorer, as_score

__all__ = [
    "RAISED_ADVICE",
    "call_off_loop",
    "off_loop",
    "raised",
    "recordable",
    "score_all",
    "shown_in_case",
]

RAISED_ADVICE = (
    "the case is unscored by it; fix the scorer to return False (or 0.0) for an answer it "
    "rejects, and to name the case fields it reads in requires (skip_missing = true then "
    "skips the cases that lack them)"
)
"""What to do about a scorer that raised, the end of :func:`raised`'s message."""


async def score_all(scorers: Sequence[Scorer], ctx: ScoreContext) -> dict[str, Score]:
    """Run every scorer on one record; a scorer's failure becomes that score's ``error``."""
    out: dict[str, Score] = {}
    for s in scorers:
        if s.skips(ctx.case):
            continue
        try:
            s.check_case(ctx.case)
            result = await call_off_loop(s, ctx) if off_loop(s) else s.score(ctx)
            if inspect.isawaitable(result):
                result = await result
            score = as_score(s, result, ctx.case.id)
            if score.error is not None:  # returned, not raised: named like the others
                named = _in_case(s, ctx.case.id, score.error)
                reason = score.reason
                if reason == f"scorer error: {score.error}":  # Score.failure's
                    reason = f"scorer error: {named}"
                score = dataclasses.replace(score, reason=reason, error=named)
            out[s.name] = recordable(s, score, ctx.case.id)
        except asyncio.CancelledError:
            raise
        except ScorerError as exc:  # the scorer's own words, or evalkit's about its result
            out[s.name] = Score.failure(_in_case(s, ctx.case.id, str(exc)))
        except Exception as exc:
            out[s.name] = Score.failure(raised(s, exc, ctx.case.id))
    return out


def recordable(s: Scorer, score: Score, case_id: str) -> Score:
    """``score`` as it can be written to ``results.jsonl`` (and sent back from a worker
    process): its details converted by :func:`evalkit.jsonfiles.details_to_json` (numpy
    values to numbers, sets to lists, NaN to null, metrics to numbers, ...; what only a
    ``repr`` can record is listed under ``details["evalkit_notes"]``). Details that have no JSON form at all make it a scorer
    error on this case, named like a raised one, so that the run and the case's other
    scores go on (a ``numpy.int64`` in details once aborted a run and kept no record)."""
    details, reason = score.details, score.reason
    plain_now = type(details) is dict and type(reason) is str and _plain(details)
    if plain_now and numeric_metrics(details):
        return score  # the usual case: nothing to convert, no copy
    if details is None:
        details = {}
    if not isinstance(details, Mapping):
        return Score.failure(_unrecordable(s, case_id, f"details is a {type(details).__name__}"))
    try:
        plain, notes = details_to_json(details)  # metrics held to numbers (QA16 F8)
    except Unrecordable as exc:
        return Score.failure(_unrecordable(s, case_id, str(exc)))
    if notes:
        plain[NOTES_KEY] = [*(plain.get(NOTES_KEY) or ()), *notes]
    if not isinstance(reason, str):
        reason = "" if reason is None else str(reason)
    return dataclasses.replace(score, reason=str(reason), details=plain)


def _plain(value: Any, depth: int = 0) -> bool:
    """``value`` is JSON already (dicts with str keys, lists, str, int, finite float, bool,
    None): the walk that finds it so is cheaper than a conversion. Too deep (or a value that
    contains itself) is not plain: the conversion says why."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return True
    if kind is float:
        return math.isfinite(value)
    if depth > MAX_DEPTH:
        return False
    if kind is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    if kind is list:
        return all(_plain(v, depth + 1) for v in value)
    return False


def _unrecordable(s: Scorer, case_id: str, what: str) -> str:
    at = _defined_at(s)
    advice = (
        "; give details of str, int, float, bool, None, lists and dicts (convert numpy values "
        "with .item() or .tolist(), others with str())"
        if not what.startswith("details['metrics']")  # its own advice says what to give
        else ""
    )
    return (
        f"case {case_id!r}: scorer {s.name!r} returned details that cannot be recorded "
        f"({what}){f' (scorer at {at})' if at else ''}; the case is unscored by it{advice}"
    )


def raised(s: Scorer, exc: BaseException, case_id: str | None = None) -> str:
    """The scorer error of ``s`` raising ``exc``: the case (when given), the scorer, the
    exception, the line of the scorer's own file it was raised from, and what to do.

    ``case 'r2': scorer 'my_json' raised ValueError: boom (at scorers/mine.py:6); the case
    is unscored by it; fix the scorer ...``. Without ``case_id`` for a message inside one
    that names the case (a per-case check's)."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    at = _raised_at(s, exc)
    head = f"case {case_id!r}: scorer {s.name!r}" if case_id is not None else f"scorer {s.name!r}"
    return f"{head} raised {what}{f' (at {at})' if at else ''}; {RAISED_ADVICE}"


def shown_in_case(error: str, case_id: str, scorer: str | None = None) -> str:
    """``error`` for a line that names ``case_id`` (and ``scorer``) already: without its
    leading ``case '<id>': `` (and ``scorer '<name>'``), so that a reader sees each once.
    An error that does not start so (a provider error, another case's) is kept whole."""
    head = f"case {case_id!r}: "
    if not error.startswith(head):
        return error
    rest = error[len(head) :]
    name = f"scorer {scorer!r}"
    if scorer is not None and rest.startswith(name):
        tail = rest[len(name) :]
        if tail.startswith(": "):
            return tail[2:]
        if tail.startswith(" "):
            return tail[1:]
    return rest


def _in_case(s: Scorer, case_id: str, error: str) -> str:
    """``error`` naming the case and the scorer: most of evalkit's messages name the scorer
    already (``scorer 'x' needs ...``), some both; a scorer's own words neither."""
    if error.startswith("case "):
        return error
    if error.startswith(("scorer ", "judge")):
        return f"case {case_id!r}: {error}"
    return f"case {case_id!r}: scorer {s.name!r}: {error}"


def _scorer_code(s: Scorer) -> Any:
    """The code object of the scorer's function (or of its class's ``score``), if any."""
    fn: Any = s.fn if isinstance(s, FunctionScorer) else type(s).score
    return getattr(inspect.unwrap(fn), "__code__", None)


def _shown_path(path: str) -> str:
    """``path`` relative to the working folder when inside it."""
    with contextlib.suppress(ValueError):  # another drive (Windows)
        rel = os.path.relpath(path)
        path = path if rel.startswith("..") else rel
    return path


def _defined_at(s: Scorer) -> str | None:
    """``file:line`` where the scorer's function (or ``score`` method) is defined."""
    code = _scorer_code(s)
    return None if code is None else f"{_shown_path(code.co_filename)}:{code.co_firstlineno}"


def _raised_at(s: Scorer, exc: BaseException) -> str | None:
    """``file:line`` of the innermost frame of ``exc`` in the file that defines the scorer's
    function (or class), relative to the working folder when inside it; ``None`` when the
    traceback never passes through that file."""
    code = _scorer_code(s)
    if code is None:
        return None
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == code.co_filename:
            return f"{_shown_path(frame.filename)}:{frame.lineno}"
    return None


def off_loop(s: Scorer) -> bool:
    """Whether ``s`` is sync and may block (see :attr:`Scorer.blocking`)."""
    fn = s.fn if isinstance(s, FunctionScorer) else type(s).score
    if inspect.iscoroutinefunction(fn):
        return False
    if s.blocking is not None:
        return s.blocking
    module = getattr(fn, "__module__", "") or ""
    return not (module == "evalkit" or module.startswith("evalkit."))


_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


async def call_off_loop(s: Scorer, ctx: ScoreContext) -> Any:
    """``s.score(ctx)`` in a worker thread, one call of a scorer at a time (so it need not be
    thread-safe). The lock is kept beside the scorer, per event loop, not on it, because
    scorers are pickled for worker processes and a loop's lock cannot serve another loop."""
    locks = _LOCKS.setdefault(asyncio.get_running_loop(), {})
    lock = locks.get(id(s))
    if lock is None:
        lock = locks[id(s)] = asyncio.Lock()
        # a slotted scorer takes no weak reference: its lock then stays with the loop
        with contextlib.suppress(TypeError):
            weakref.finalize(s, locks.pop, id(s), None)
    async with lock:
        return await asyncio.to_thread(s.score, ctx)
