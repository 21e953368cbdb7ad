"""Run records: the ``manifest.json`` + ``results.jsonl`` directory every run writes.

This is evalkit's public file format; other tools read it, so it is versioned
(:data:`SCHEMA_VERSION`) and documented in ``docs/records.md``. Writing appends one line per
finished case and repeat and flushes it at once, so a killed process loses at most the line
being written. Reading is lenient: unknown keys are ignored, a torn last line is skipped, and
when a (case, repeat) appears twice the last line wins (a resumed or re-scored run).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from evalkit.errors import RunError
from evalkit.jsonfiles import dumps, write_json_atomic, write_text_atomic
from evalkit.providers.base import ERROR_KINDS, Request, Response, ToolCall, Usage
from evalkit.scoring import Score

__all__ = [
    "ERROR_KINDS",
    "MANIFEST",
    "RESULTS",
    "SCHEMA_VERSION",
    "ErrorInfo",
    "Record",
    "Run",
    "RunWriter",
    "dedupe",
    "read_records",
    "read_run",
    "write_json_atomic",
    "write_text_atomic",
]

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
RESULTS = "results.jsonl"


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """Why a case has no response: the last provider error after all retries."""

    kind: str
    """One of :data:`ERROR_KINDS`."""
    message: str
    status: int | None = None
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "status": self.status,
            "attempts": self.attempts,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> ErrorInfo | None:
        if not d:
            return None
        return cls(
            d.get("kind", "unknown"),
            d.get("message", ""),
            d.get("status"),
            int(d.get("attempts", 1)),
        )


@dataclass(frozen=True, slots=True)
class Record:
    """One line of ``results.jsonl``: one case, one repeat, one candidate."""

    case_id: str
    repeat: int
    candidate: str
    """The candidate's name."""
    fingerprint: str
    """The candidate's fingerprint (what changes behaviour), to detect mixed runs."""
    request: Mapping[str, Any]
    """The request as sent (:meth:`Request.to_dict`)."""
    output: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "unknown"
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    """The model ID the provider reported."""
    request_id: str | None = None
    latency_ms: float | None = None
    cost: float | None = None
    """USD; ``None`` when the model has no known price (never reported as zero)."""
    error: ErrorInfo | None = None
    scores: Mapping[str, Score] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    """The case's tags, copied so slices need no dataset."""
    cached: bool = False
    attempts: int = 1
    timestamp: str = ""
    """ISO 8601 UTC time the record was written."""
    skipped: tuple[str, ...] = ()
    """Scorers that do not apply to the case (a suite's ``skip_missing``), named on a record
    with a provider error, which then counts as a failure of the other scorers only."""
    case_version: str = ""
    """The case's own content hash (:attr:`EvalSet.case_versions`), so that a comparison of
    runs on different eval set versions can tell a shared id whose case was edited from one
    that was not; ``""`` in runs written before it."""

    @property
    def key(self) -> tuple[str, int]:
        return (self.case_id, self.repeat)

    @property
    def ok(self) -> bool:
        return self.error is None

    def response(self) -> Response:
        """The response as scorers saw it (for re-scoring a stored run)."""
        return Response(
            text=self.output,
            tool_calls=self.tool_calls,
            finish_reason=self.finish_reason if self.finish_reason in _FR else "unknown",  # type: ignore[arg-type]
            usage=self.usage,
            model=self.model,
            request_id=self.request_id,
            latency_ms=self.latency_ms,
            cached=self.cached,
        )

    @classmethod
    def from_response(
        cls,
        *,
        request: Request,
        candidate: str,
        fingerprint: str,
        response: Response | None,
        error: ErrorInfo | None,
        scores: Mapping[str, Score],
        tags: tuple[str, ...],
        cost: float | None,
        attempts: int,
        timestamp: str,
        skipped: tuple[str, ...] = (),
        case_version: str = "",
    ) -> Record:
        r = response or Response(finish_reason="error")
        return cls(
            case_id=request.case_id,
            repeat=request.repeat,
            candidate=candidate,
            fingerprint=fingerprint,
            request=request.to_dict(),
            output=r.text,
            tool_calls=r.tool_calls,
            finish_reason=r.finish_reason,
            usage=r.usage,
            model=r.model,
            request_id=r.request_id,
            latency_ms=r.latency_ms,
            cost=cost,
            error=error,
            scores=dict(scores),
            tags=tags,
            cached=r.cached,
            attempts=attempts,
            timestamp=timestamp,
            skipped=skipped,
            case_version=case_version,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "repeat": self.repeat,
            "candidate": self.candidate,
            "fingerprint": self.fingerprint,
            "request": self.request,
            "output": self.output,
            "tool_calls": [t.to_dict() for t in self.tool_calls],
            "finish_reason": self.finish_reason,
            "usage": self.usage.to_dict(),
            "model": self.model,
            "request_id": self.request_id,
            "latency_ms": self.latency_ms,
            "cost": self.cost,
            "error": self.error.to_dict() if self.error else None,
            "scores": {k: v.to_dict() for k, v in self.scores.items()},
            "tags": list(self.tags),
            "cached": self.cached,
            "attempts": self.attempts,
            "timestamp": self.timestamp,
            "skipped": list(self.skipped),
            "case_version": self.case_version,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Record:
        return cls(
            case_id=str(d["case_id"]),
            repeat=int(d.get("repeat", 0)),
            candidate=d.get("candidate", ""),
            fingerprint=d.get("fingerprint", ""),
            request=d.get("request") or {},
            output=d.get("output") or "",
            tool_calls=tuple(ToolCall.from_dict(t) for t in d.get("tool_calls") or ()),
            finish_reason=d.get("finish_reason", "unknown"),
            usage=Usage.from_dict(d.get("usage")),
            model=d.get("model"),
            request_id=d.get("request_id"),
            latency_ms=d.get("latency_ms"),
            cost=d.get("cost"),
            error=ErrorInfo.from_dict(d.get("error")),
            scores={k: Score.from_dict(v) for k, v in (d.get("scores") or {}).items()},
            tags=tuple(d.get("tags") or ()),
            cached=bool(d.get("cached", False)),
            attempts=int(d.get("attempts", 1)),
            timestamp=d.get("timestamp", ""),
            skipped=tuple(str(n) for n in d.get("skipped") or ()),
            case_version=str(d.get("case_version") or ""),
        )


_FR = ("stop", "length", "tool_calls", "content_filter", "refusal", "error", "unknown")


@dataclass(frozen=True)
class Run:
    """A run read back from disk: its manifest (a dict, see ``docs/records.md``) and records."""

    path: Path
    manifest: Mapping[str, Any]
    records: tuple[Record, ...]

    @property
    def candidate(self) -> Mapping[str, Any]:
        return self.manifest.get("candidate", {})

    @property
    def dataset(self) -> Mapping[str, Any]:
        return self.manifest.get("dataset", {})

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per record (see :func:`evalkit.frames.records_frame`)."""
        from evalkit.frames import records_frame

        return records_frame(self.records)

    def _repr_html_(self) -> str:
        from evalkit.frames import run_html

        return run_html(self)

    def __repr__(self) -> str:
        from evalkit.frames import run_repr

        return run_repr(self)


class RunWriter:
    """Appends records to a run directory, one flushed line per finished case."""

    def __init__(self, run_dir: str | Path) -> None:
        self.dir = Path(run_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] | None = None

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        data = dict(manifest)
        data.setdefault("schema_version", SCHEMA_VERSION)
        write_json_atomic(self.dir / MANIFEST, data)

    def open(self) -> None:
        """Open ``results.jsonl`` for appending, cutting a torn last line left by a kill."""
        path = self.dir / RESULTS
        if path.exists():
            _truncate_torn_tail(path)
        self._fh = path.open("a", encoding="utf-8")

    def append(self, record: Record) -> None:
        if self._fh is None:
            self.open()
        assert self._fh is not None
        # NaN as null and no value lost to a TypeError (see evalkit.jsonfiles); a lone
        # surrogate (no UTF-8 form) is written \u-escaped, which reads back the same.
        data = record.to_dict()
        try:
            self._fh.write(dumps(data, ensure_ascii=False) + "\n")
        except UnicodeEncodeError:
            self._fh.write(dumps(data) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RunWriter:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _truncate_torn_tail(path: Path) -> None:
    with path.open("rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        # Find the last newline and drop what follows it: a line the kill interrupted.
        pos = size - 1
        chunk = 4096
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            data = fh.read(pos - start)
            idx = data.rfind(b"\n")
            if idx >= 0:
                fh.truncate(start + idx + 1)
                return
            pos = start
        fh.truncate(0)


def read_records(path: str | Path) -> Iterator[Record]:
    """Stream records from a ``results.jsonl`` (duplicates not removed; see :func:`read_run`)."""
    path = Path(path)
    with path.open("r", encoding="utf-8") as fh:
        lines = iter(fh)
        for lineno, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                if not raw.endswith("\n"):
                    return  # torn last line from a killed run: it will be re-run on resume
                raise RunError(
                    f"{path}:{lineno}: invalid JSON in a results file ({exc.msg}); "
                    "the file was edited or corrupted; restore it or re-run"
                ) from exc
            yield Record.from_dict(obj)


def dedupe(records: Iterable[Record]) -> tuple[Record, ...]:
    """Keep the last record per (candidate, case_id, repeat), in first-seen order."""
    latest: dict[tuple[str, str, int], Record] = {}
    for r in records:
        latest[(r.candidate, r.case_id, r.repeat)] = r
    return tuple(latest.values())


def read_run(run_dir: str | Path) -> Run:
    """Read a run directory written by :class:`RunWriter`."""
    run_dir = Path(run_dir)
    mpath = run_dir / MANIFEST
    if not mpath.is_file():
        raise RunError(
            f"{run_dir}: not a run directory (no {MANIFEST}); pass the folder "
            "'evalkit run' wrote (its --out)"
        )
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunError(f"{mpath}: invalid JSON ({exc.msg}); the file is corrupted") from exc
    rpath = run_dir / RESULTS
    records = dedupe(read_records(rpath)) if rpath.exists() else ()
    return Run(path=run_dir, manifest=manifest, records=records)
