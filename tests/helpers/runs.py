"""Build run directories programmatically for comparison tests (no provider, no engine)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from evalkit.providers.base import ToolCall, Usage
from evalkit.records import ErrorInfo, Record, Run, RunWriter, read_run
from evalkit.scoring import Score

__all__ = ["candidate_dict", "make_record", "make_run"]


def candidate_dict(name: str = "base", **over: Any) -> dict[str, Any]:
    """A manifest ``candidate`` entry (the shape of :meth:`Candidate.to_dict`)."""
    d: dict[str, Any] = {
        "name": name,
        "provider": "openai",
        "model": "gpt-4o-mini",
        "params": {"temperature": 0.0},
        "system": "You are a support agent.",
        "prompt": "Answer: {{ input }}",
        "tools": [],
        "tool_choice": None,
        "base_url": None,
        "options": {},
        "fingerprint": f"fp-{name}",
    }
    d.update(over)
    return d


def make_record(
    case_id: str,
    scores: Mapping[str, Any] | None = None,
    *,
    repeat: int = 0,
    tags: Iterable[str] = (),
    output: str = "answer",
    cost: float | None = 0.001,
    latency_ms: float | None = 100.0,
    error: str | None = None,
    model: str | None = "gpt-4o-mini-2024-07-18",
    candidate: str = "base",
    tokens: tuple[int, int] = (100, 20),
    tool_calls: Iterable[ToolCall] = (),
) -> Record:
    """``scores`` maps scorer name to a :class:`Score`, a bool (pass/fail with value 1/0) or a
    float (value, passed = value >= 0.5)."""
    built: dict[str, Score] = {}
    for name, s in (scores or {}).items():
        if isinstance(s, Score):
            built[name] = s
        elif isinstance(s, bool):
            built[name] = Score(1.0 if s else 0.0, s, "ok" if s else "wrong")
        else:
            built[name] = Score(float(s), float(s) >= 0.5, f"value {s}")
    return Record(
        case_id=case_id,
        repeat=repeat,
        candidate=candidate,
        fingerprint=f"fp-{candidate}",
        request={
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are a support agent."},
                {"role": "user", "content": f"question {case_id}"},
            ],
        },
        output=output if error is None else "",
        tool_calls=tuple(tool_calls),
        usage=Usage(*tokens) if error is None else Usage(),
        model=model if error is None else None,
        latency_ms=latency_ms if error is None else None,
        cost=cost if error is None else None,
        error=ErrorInfo(error, f"{error} happened") if error else None,
        scores=built if error is None else {},
        tags=tuple(tags),
    )


def make_run(
    path: Path,
    records: Iterable[Record],
    *,
    candidate: Mapping[str, Any] | None = None,
    version: str = "v1",
    repeats: int = 1,
    scorers: Iterable[str | Mapping[str, Any]] = (),
) -> Run:
    """Write a run directory with RunWriter and read it back (``scorers``: the names the
    manifest declares, or whole specs)."""
    recs = list(records)
    cand = dict(candidate or candidate_dict(recs[0].candidate if recs else "base"))
    writer = RunWriter(path)
    writer.write_manifest(
        {
            "candidate": cand,
            "dataset": {
                "name": "support",
                "path": "datasets/support.jsonl",
                "version": version,
                "cases": len({r.case_id for r in recs}),
            },
            "scorers": [
                {"name": n, "args": {}} if isinstance(n, str) else dict(n) for n in scorers
            ],
            "repeats": repeats,
        }
    )
    with writer:
        for r in recs:
            writer.append(r)
    return read_run(path)
