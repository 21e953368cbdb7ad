"""The ``callable`` provider: a team's own Python function as the system under test.

A candidate evaluates a whole pipeline (retrieval + model + post-processing), not only a
bare model, by naming a function::

    [candidates.rag-v2]
    provider = "callable"
    model = "rag-v2"
    options = { target = "myapp.eval_entry:answer" }   # or "pipelines/rag.py:answer"

In Python the target may be the function itself (``options={"target": answer}``); the
candidate's fingerprint then holds its identity, ``module:qualname`` and a hash of its source
(:func:`~evalkit.hashing.callable_identity`), so an edited function changes the fingerprint.

The function receives the :class:`~evalkit.providers.base.Request` (``request.case`` is the
:class:`~evalkit.dataset.Case`, so it can do its own retrieval; ``request.messages`` is the
rendered prompt, tool turns included: ``Message.tool_calls``, ``tool_call_id``, ``name``) plus ``options.kwargs`` as keyword arguments. It may be sync (run in a
worker thread so it never blocks the event loop) or async, and returns one of:

* a ``str``: the answer text;
* a ``dict`` with ``output`` (or ``text``) and optionally ``tool_calls``
  (``[{"name", "arguments"}]``, arguments an object or a JSON string), ``usage``
  (``input_tokens``/``output_tokens``/``cached_tokens``), ``model``, ``finish_reason``,
  ``request_id``, ``latency_ms``, and ``raw``/``metadata`` (anything, kept for debugging);
  any other key is refused with a did-you-mean, since a typo would silently score "";
* a :class:`~evalkit.providers.base.Response`.

An exception becomes a non-retryable ``provider`` error on that case, naming its type and
message; a :class:`~evalkit.errors.ProviderError` the function raises passes through as is
(so a pipeline can report a retryable rate limit). ``settings.timeout_s`` bounds each call.
``latency_ms`` (unless the function returns its own) is a sync function's time on its worker
thread, so a wait for a free thread or for a busy event loop is not counted.

Responses are not cached by default: the code behind a callable changes without the
request changing. ``options.cacheable = true`` opts in. ``options.threads`` (default 32)
sizes the worker pool for sync functions.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from evalkit.daemon_threads import DaemonThreadPool
from evalkit.errors import InputError, ProviderError, did_you_mean
from evalkit.hashing import callable_identity
from evalkit.providers._errors import tool_call
from evalkit.providers.base import (
    Provider,
    ProviderSettings,
    Request,
    Response,
    ToolCall,
    Usage,
    finish_reason_of,
)
from evalkit.registry import load_reference

__all__ = ["CallableProvider", "to_response"]

_KEYS = (
    "output",
    "text",
    "tool_calls",
    "usage",
    "model",
    "finish_reason",
    "request_id",
    "latency_ms",
    "raw",
    "metadata",
)


class CallableProvider(Provider):
    """Calls ``options.target`` once per request."""

    name = "callable"

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        opts = settings.options
        target = opts.get("target")
        if callable(target) and not isinstance(target, type):
            fn: Any = target  # given in Python: the function itself
            self.target = str(callable_identity(target)["callable"])
        else:
            self.target = _reference(target)
            base = Path(settings.base_dir) if settings.base_dir else None
            fn = load_reference(self.target, base_dir=base)
            if not callable(fn):
                raise InputError(
                    f"callable provider: {self.target!r} is a {type(fn).__name__}, not a "
                    "function; point options.target at a function"
                )
        kwargs = opts.get("kwargs") or {}
        if not isinstance(kwargs, Mapping):
            raise InputError(f"callable provider {target!r}: options.kwargs must be a table")
        self._fn: Callable[..., Any] = fn
        self._kwargs = dict(kwargs)
        self._is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
            getattr(fn, "__call__", None)  # noqa: B004 - an object with an async __call__
        )
        self.cacheable = bool(opts.get("cacheable", False))
        self._threads = int(opts.get("threads", 32))
        self._executor: DaemonThreadPool | None = None
        self._scope: str | None = None

    def __repr__(self) -> str:
        return f"CallableProvider(target={self.target!r})"

    @property
    def cache_scope(self) -> str | None:
        """The target and a hash of its code, so ``cacheable = true`` answers are not served to
        an edited pipeline: the whole file that defines the function (an edited helper beside
        it changes behaviour too, and the candidate's fingerprint already hashes that file),
        else the function's own source. Code imported from other files is not covered."""
        if self._scope is None:
            code = _file_sha256(self._fn) or callable_identity(self._fn).get("source_sha256")
            self._scope = f"callable:{self.target}#{code}" if code else f"callable:{self.target}"
        return self._scope

    async def complete(self, request: Request) -> Response:
        where = f"callable {self.target}: case {request.case_id!r} repeat {request.repeat}"
        try:
            result, latency_ms = await asyncio.wait_for(
                self._invoke(request), self.settings.timeout_s
            )
        except ProviderError:
            raise
        except asyncio.TimeoutError:
            raise ProviderError(
                "timeout",
                f"{where}: no answer within {self.settings.timeout_s:g}s; raise timeout_s or "
                "speed up the function",
                retryable=True,
            ) from None
        except Exception as exc:
            raise ProviderError(
                "provider",
                f"{where}: the function raised {type(exc).__name__}: {exc}; fix the function "
                "(the traceback is chained to this error)",
            ) from exc
        return to_response(result, request, latency_ms, where)

    async def _invoke(self, request: Request) -> tuple[Any, float]:
        """The function's result and its own time in milliseconds.

        A sync function is timed on its worker thread, from its first line to its return:
        neither the wait for a free thread nor the wait for the event loop to notice the
        result counts (a sync scorer holding the loop for 170 ms made every other answer in
        flight read 170 ms late). An async function can only be timed on the loop, so time
        the loop spent on other work while it awaited counts too.
        """
        if self._is_async:
            t0 = time.perf_counter()
            result = await self._fn(request, **self._kwargs)
            return result, (time.perf_counter() - t0) * 1000
        if self._executor is None:
            # Daemon threads: a run stopped by Ctrl-C does not wait for a call that cannot be
            # stopped (evalkit.daemon_threads); otherwise the same as a ThreadPoolExecutor.
            self._executor = DaemonThreadPool(self._threads, thread_name_prefix="evalkit-call")
        ctx = contextvars.copy_context()
        call = functools.partial(ctx.run, _timed, self._fn, request, self._kwargs)
        result, latency_ms = await asyncio.get_running_loop().run_in_executor(self._executor, call)
        if inspect.isawaitable(result):  # a sync wrapper that returned a coroutine
            t0 = time.perf_counter()
            result = await result
            latency_ms += (time.perf_counter() - t0) * 1000
        return result, latency_ms

    async def aclose(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _reference(target: Any) -> str:
    """A target given as text, checked; a function's identity read back from a run's manifest
    (which cannot hold the function) is refused with the way to run it."""
    if isinstance(target, Mapping) and "callable" in target:
        raise InputError(
            f"callable provider: options.target was the Python function {target['callable']}, "
            "which a run's manifest cannot hold; pass the function again from Python "
            "(evalkit.run(..., RunOptions(out_dir=RUN_DIR, resume=True))), or name it in "
            "config as 'package.module:function' or 'path/file.py:function'"
        )
    if not isinstance(target, str) or not target:
        raise InputError(
            "callable provider: options.target is missing; set it to "
            "'package.module:function' or 'path/file.py:function' (in Python, the function "
            "itself)"
        )
    return target


def _timed(
    fn: Callable[..., Any], request: Request, kwargs: Mapping[str, Any]
) -> tuple[Any, float]:
    """``fn(request, **kwargs)`` and its wall time in ms, measured on the calling thread."""
    t0 = time.perf_counter()
    result = fn(request, **kwargs)
    return result, (time.perf_counter() - t0) * 1000


def to_response(result: Any, request: Request, latency_ms: float, where: str) -> Response:
    """Normalise what a pipeline function returned; a wrong shape is a ``provider`` error."""
    if isinstance(result, Response):
        if result.latency_ms is None:
            return replace(result, latency_ms=latency_ms)
        return result
    if isinstance(result, str):
        return Response(
            text=result, finish_reason="stop", model=request.model, latency_ms=latency_ms
        )
    if not isinstance(result, Mapping):
        raise ProviderError(
            "provider",
            f"{where}: the function returned {type(result).__name__}; return a str, a dict "
            "with 'output', or a Response",
        )
    unknown = [k for k in result if k not in _KEYS]
    if unknown:
        hint = did_you_mean(str(unknown[0]), _KEYS)
        raise ProviderError(
            "provider",
            f"{where}: the returned dict has unknown key(s) {unknown};{hint} valid keys: "
            f"{list(_KEYS)} (put extra data under 'metadata')",
        )
    text = result.get("output", result.get("text"))
    calls = tuple(_tool_call(c) for c in result.get("tool_calls") or ())
    finish = result.get("finish_reason") or ("tool_calls" if calls else "stop")
    usage = result.get("usage") or {}
    raw = result.get("raw")
    if raw is None and result.get("metadata") is not None:
        raw = {"metadata": result["metadata"]}
    return Response(
        text="" if text is None else str(text),
        tool_calls=calls,
        finish_reason=finish_reason_of(finish),
        finish_reason_raw=str(finish),
        usage=Usage(
            input_tokens=usage.get("input_tokens", usage.get("prompt_tokens")),
            output_tokens=usage.get("output_tokens", usage.get("completion_tokens")),
            cached_tokens=usage.get("cached_tokens"),
        ),
        model=result.get("model") or request.model,
        request_id=result.get("request_id"),
        latency_ms=result.get("latency_ms", latency_ms),
        raw=raw if isinstance(raw, Mapping) or raw is None else {"value": raw},
    )


def _tool_call(c: Any) -> ToolCall:
    if isinstance(c, ToolCall):
        return c
    if isinstance(c, Mapping):
        return tool_call(str(c.get("name", "")), c.get("arguments"), c.get("id"))
    return ToolCall(
        name=str(c), arguments=None, parse_error="tool call is not a {name, arguments} dict"
    )


def _file_sha256(fn: Callable[..., Any]) -> str | None:
    """sha256 of the source file that defines ``fn``; ``None`` when there is none."""
    import hashlib

    try:
        path = inspect.getsourcefile(fn)
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else None
    except (OSError, TypeError):
        return None
