"""The ``replay`` provider: recorded outputs served as responses, offline and reproducible.

CI and demos run without a key or a network by replaying answers recorded earlier::

    [candidates.recorded]
    provider = "replay"
    model = "gpt-4o-mini"
    options = { path = "recordings/baseline.jsonl" }   # or a list of paths

Each line of a replay file is a JSON object::

    {"case_id": "q1", "repeat": 0, "output": "Paris", "tool_calls": [{"name", "arguments"}],
     "usage": {"input_tokens": 12, "output_tokens": 1}, "model": "gpt-4o-mini",
     "latency_ms": 420}

Only ``case_id`` and ``output`` are required. A run's own ``results.jsonl`` is a valid replay
file as it is (its lines carry those keys). A request is answered from the line with its
``(case_id, repeat)``, else from a line of that case without ``repeat``; when several files or
lines give the same key, the last one wins (as in a resumed run). A case with no line is a
per-case ``replay_missing`` error naming the case, the repeat and the files. A case whose
only line is a failed record (``error``: the provider answered 400, or timed out, when it was
recorded) has no output to replay: it is that recorded error again, of its kind, with its
message and what to do: "never recorded" would send the user to fix a network that worked.

Files are read once, on the first request, keeping only what a response needs (not the
stored request, scores or raw bodies), so 100,000-line files stay cheap. A line that is not
valid is an :class:`~evalkit.errors.InputError` naming ``file:line``; a torn last line (a run
killed while writing) is skipped. Replayed responses are never cached: there is nothing to
save.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from evalkit.errors import InputError, ProviderError
from evalkit.providers._errors import tool_call
from evalkit.providers.base import (
    ERROR_KINDS,
    Provider,
    ProviderSettings,
    Request,
    Response,
    ToolCall,
    Usage,
    finish_reason_of,
)

__all__ = ["ReplayProvider", "load_replay"]

_MAX_PROBLEMS = 20
_EMPTY_USAGE = Usage()
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})  # shared: one empty dict per line adds up

Key = tuple[str, int | None]


class ReplayProvider(Provider):
    """Answers from replay files; never calls anything."""

    name = "replay"
    cacheable = False
    spends = False

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        raw = settings.options.get("path")
        paths = [raw] if isinstance(raw, str) else list(raw or [])
        if not paths or not all(isinstance(p, str) and p for p in paths):
            raise InputError(
                "replay provider: options.path is missing; set it to a JSONL file (or a list "
                "of them), e.g. a previous run's results.jsonl"
            )
        base = Path(settings.base_dir) if settings.base_dir else Path.cwd()
        self.paths = tuple(p if Path(p).is_absolute() else base / p for p in map(Path, paths))
        self._table: dict[Key, Response] | None = None
        self._errors: dict[Key, tuple[str, str, int | None]] = {}
        """Recorded errors (kind, message, HTTP status) of keys without an answer."""

    def __repr__(self) -> str:
        return f"ReplayProvider(paths={[str(p) for p in self.paths]!r})"

    def _lookup(self) -> dict[Key, Response]:
        if self._table is None:
            self._table = load_replay(self.paths, errors=self._errors)
        return self._table

    async def complete(self, request: Request) -> Response:
        table = self._lookup()
        found = table.get((request.case_id, request.repeat))
        if found is None:
            found = table.get((request.case_id, None))
        if found is None:
            files = ", ".join(str(p) for p in self.paths)
            recorded = self._errors.get((request.case_id, request.repeat))
            recorded = recorded or self._errors.get((request.case_id, None))
            if recorded is not None:
                kind, message, status = recorded
                raise ProviderError(
                    kind,
                    f"replay: the recording of case {request.case_id!r} repeat "
                    f"{request.repeat} in {files} is a provider error, not an answer ({kind}: "
                    f"{message}); fix what it names (the case's input, the request's size or "
                    "parameters) and record the case again with the real provider",
                    status=status,
                )
            raise ProviderError(
                "replay_missing",
                f"replay: no recorded output for case {request.case_id!r} repeat "
                f"{request.repeat} in {files}; record it (run once with a real provider and "
                "replay that run's results.jsonl) or drop the case from the eval set",
            )
        return found


def load_replay(
    paths: tuple[Path, ...] | list[Path],
    *,
    errors: dict[Key, tuple[str, str, int | None]] | None = None,
) -> dict[Key, Response]:
    """Read replay files into ``{(case_id, repeat or None): Response}``; collect every problem.

    ``errors``, when given, receives the failed records' ``(kind, message, status)`` by key,
    for the keys no answer was recorded for."""
    table: dict[Key, Response] = {}
    failed: dict[Key, tuple[str, str, int | None]] = {}
    problems: list[str] = []
    for path in paths:
        try:
            f = path.open(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(
                f"{path}: cannot read the replay file ({exc.strerror}); check options.path"
            ) from None
        with f:
            _read_file(path, f, table, problems, failed)
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        more = len(problems) - len(shown)
        if more:
            shown.append(f"... and {more} more problem(s)")
        raise InputError("\n".join(shown))
    if errors is not None:
        errors.update((k, v) for k, v in failed.items() if k not in table)
    return table


def _read_file(
    path: Path,
    f: Any,
    table: dict[Key, Response],
    problems: list[str],
    failed: dict[Key, tuple[str, str, int | None]],
) -> None:
    lineno = 0
    pending: tuple[int, str] | None = None
    for line in f:
        lineno += 1
        if pending is not None:  # an unparsable line that turned out not to be the last
            problems.append(f"{path}:{pending[0]}: {pending[1]}")
            pending = None
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except ValueError as exc:
            if not line.endswith("\n"):
                pending = (lineno, f"not valid JSON ({exc}); fix or remove the line")
                continue
            problems.append(f"{path}:{lineno}: not valid JSON ({exc}); fix or remove the line")
            continue
        where = f"{path}:{lineno}"
        try:
            item = _parse_line(d, where)
        except _LineError as exc:
            problems.append(str(exc))
            continue
        if item is not None:
            table[item[0]] = item[1]
        else:
            kind, message, status = _recorded_error(d["error"])
            if kind not in _NOT_ANSWERED:  # no call was made: nothing was recorded
                failed[(str(d["case_id"]), d.get("repeat"))] = (kind, message, status)
    # pending is a torn last line (no newline, not JSON): a killed run; skipped on purpose.


class _LineError(Exception):
    pass


_NOT_ANSWERED = ("cache_miss", "replay_missing")
"""Error kinds of a record whose request never reached a provider."""


def _recorded_error(error: Any) -> tuple[str, str, int | None]:
    """A failed record's ``error`` as (kind, message, status); a kind this evalkit does not
    know is ``unknown`` (a file may come from another version)."""
    e: Mapping[str, Any] = error if isinstance(error, Mapping) else {"message": str(error)}
    kind = e.get("kind") if e.get("kind") in ERROR_KINDS else "unknown"
    raw = e.get("status")
    status = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    return str(kind), " ".join(str(e.get("message") or "no message").split())[:300], status


def _parse_line(d: Any, where: str) -> tuple[Key, Response] | None:
    if not isinstance(d, dict):
        raise _LineError(f"{where}: expected a JSON object; write one object per line")
    case_id = d.get("case_id")
    if not isinstance(case_id, (str, int)) or isinstance(case_id, bool) or case_id == "":
        raise _LineError(f"{where}: 'case_id' is missing or not a string; add the case's id")
    if d.get("error"):
        return None  # a failed record of a run: nothing to replay
    repeat = d.get("repeat")
    if repeat is not None and (not isinstance(repeat, int) or isinstance(repeat, bool)):
        raise _LineError(f"{where}: 'repeat' is {repeat!r}; it must be an integer or absent")
    output = d.get("output")
    if not isinstance(output, str):
        raise _LineError(
            f"{where}: 'output' is {'missing' if output is None else type(output).__name__}; "
            "give the recorded answer as a string"
        )
    calls = d.get("tool_calls") or ()
    if not isinstance(calls, list) and calls != ():
        raise _LineError(f"{where}: 'tool_calls' must be a list of {{name, arguments}}")
    tool_calls = tuple(_call(c, where) for c in calls)
    usage = d.get("usage")
    if usage is not None and not isinstance(usage, Mapping):
        raise _LineError(f"{where}: 'usage' must be an object with input_tokens/output_tokens")
    latency = d.get("latency_ms")
    if latency is not None and not isinstance(latency, (int, float)):
        raise _LineError(f"{where}: 'latency_ms' is {latency!r}; it must be a number")
    model = d.get("model")
    finish = d.get("finish_reason") or ("tool_calls" if tool_calls else "stop")
    response = Response(
        text=output,
        tool_calls=tool_calls,
        finish_reason=finish_reason_of(finish),
        finish_reason_raw=d.get("finish_reason_raw") or finish,
        usage=Usage.from_dict(usage) if usage else _EMPTY_USAGE,
        model=sys.intern(model) if isinstance(model, str) else None,
        request_id=d.get("request_id"),
        latency_ms=float(latency) if latency is not None else None,
        headers=_NO_HEADERS,
    )
    return (str(case_id), repeat), response


def _call(c: Any, where: str) -> ToolCall:
    if not isinstance(c, Mapping) or not isinstance(c.get("name"), str):
        raise _LineError(f"{where}: each tool call needs a 'name' string and 'arguments'")
    if c.get("parse_error") is not None:  # a results.jsonl record of a malformed call
        return ToolCall.from_dict(c)
    return tool_call(c["name"], c.get("arguments"), c.get("id"))
