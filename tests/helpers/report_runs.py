"""Run directories with rich records (inputs, claims, tool calls, refusal labels) for report
tests and benchmarks. (``tests/helpers/runs.py`` has the plain builders compare tests use.)

``spec_run(tmp_path, "base", [spec, ...])`` writes a real run with
:class:`evalkit.records.RunWriter` and reads it back, so tests exercise the files
``evalkit run`` writes. A spec is a small dict; everything but ``id`` is optional::

    {"id": "c1", "output": "Paris.", "tags": ["geo"], "input": "Capital of France?",
     "scores": {"exact": True, "groundedness": (0.5, False), "refusal": Score(...)},
     "details": {"groundedness": {"claims": [...]}}, "cost": 0.001, "latency_ms": 420,
     "error": ("timeout", "read timed out"), "tool_calls": [("get_weather", {"city": "X"})],
     "repeat": 0, "model": "gpt-x-2025"}

A score given as a bool is ``(1.0 or 0.0, bool)``; as a float ``(v, v >= 0.5)``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from evalkit.hashing import sha256_json
from evalkit.providers.base import ToolCall, Usage
from evalkit.records import ErrorInfo, Record, Run, RunWriter, read_run
from evalkit.scoring import Score

__all__ = ["random_specs", "score_of", "spec_run"]


def score_of(value: Any, details: Mapping[str, Any] | None = None) -> Score:
    """A :class:`Score` from the shorthand used in specs."""
    if isinstance(value, Score):
        return value
    if isinstance(value, bool):
        return Score(float(value), value, "passed" if value else "failed", details or {})
    if isinstance(value, (int, float)):
        return Score(float(value), value >= 0.5, f"value {value:.2f}", details or {})
    v, passed = value
    return Score(v, passed, "passed" if passed else "failed", details or {})


def _record(spec: Mapping[str, Any], candidate: str, fingerprint: str, model: str) -> Record:
    details = spec.get("details") or {}
    err = spec.get("error")
    messages = []
    if spec.get("system"):
        messages.append({"role": "system", "content": spec["system"]})
    messages.append({"role": "user", "content": spec.get("input", f"question {spec['id']}")})
    return Record(
        case_id=str(spec["id"]),
        repeat=int(spec.get("repeat", 0)),
        candidate=candidate,
        fingerprint=fingerprint,
        request={"model": model, "messages": messages, "params": {}, "tools": []},
        output="" if err else spec.get("output", ""),
        tool_calls=tuple(ToolCall(n, a) for n, a in spec.get("tool_calls") or ()),
        finish_reason="error" if err else "stop",
        usage=Usage(spec.get("input_tokens", 100), spec.get("output_tokens", 20)),
        model=None if err else spec.get("model", model),
        latency_ms=None if err else spec.get("latency_ms", 500.0),
        cost=None if err else spec.get("cost", 0.001),
        error=ErrorInfo(err[0], err[1]) if err else None,
        scores={k: score_of(v, details.get(k)) for k, v in (spec.get("scores") or {}).items()},
        tags=tuple(spec.get("tags") or ()),
        timestamp="2025-01-01T00:00:00Z",
    )


def spec_run(
    tmp_path: Path,
    name: str,
    specs: Iterable[Mapping[str, Any]],
    *,
    model: str = "mock-model",
    provider: str = "mock",
    params: Mapping[str, Any] | None = None,
    system: str | None = None,
    prompt: str | None = None,
    tools: Iterable[Mapping[str, Any]] = (),
    dataset: str = "tests",
    dataset_version: str = "v1",
    repeats: int = 1,
) -> Run:
    """Write the run directory ``tmp_path / name`` (candidate ``name``) and read it back."""
    behaviour = {
        "provider": provider,
        "model": model,
        "params": dict(params or {}),
        "system": system,
        "prompt": prompt,
        "tools": list(tools),
        "tool_choice": None,
        "base_url": None,
        "options": {},
    }
    fingerprint = sha256_json(behaviour)
    specs = list(specs)
    run_dir = tmp_path / name
    writer = RunWriter(run_dir)
    writer.write_manifest(
        {
            "candidate": {"name": name, "fingerprint": fingerprint, **behaviour},
            "dataset": {
                "name": dataset,
                "path": f"{dataset}.jsonl",
                "version": dataset_version,
                "cases": len({s["id"] for s in specs}),
            },
            "repeats": repeats,
        }
    )
    with writer:
        for spec in specs:
            writer.append(_record({"system": system, **spec}, name, fingerprint, model))
    return read_run(run_dir)


_TAGS = ("billing", "refunds", "shipping", "high-risk", "account", "tools", "faq", "legal")
_SENTENCE = (
    "the order ships within five business days and refunds take ten days after the "
    "return is received by our warehouse in Leeds please keep the receipt"
)
_WORDS = _SENTENCE.split(" ")
HOSTILE = " <script>window.__pwned=1</script> <img src=x onerror=window.__pwned=2>"


def random_specs(
    n: int, *, seed: int, quality: float, cost: float, hostile: bool = False
) -> list[dict[str, Any]]:
    """``n`` plausible support-bot cases for one run; ``quality`` in [0, 1] shifts the scores.

    The same ``seed`` gives the same case ids, tags and inputs in both runs of a pair; outputs
    and scores depend on ``quality`` too. ``hostile`` appends markup to every 7th output.
    """
    out = []
    for i in range(n):
        case_rng = random.Random(seed * 1_000_003 + i)
        rng = random.Random(f"{seed}-{i}-{quality}")
        tags = case_rng.sample(_TAGS, case_rng.randint(1, 2))
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 60))) + "."
        if hostile and i % 7 == 0:
            text += HOSTILE
        g = min(1.0, max(0.0, rng.gauss(quality, 0.2)))
        ok = g >= 0.7
        claims = [
            {"text": text[:40], "span": [0, 40], "supported": ok},
            {"text": text[41:90], "span": [41, 90], "supported": True},
        ]
        if not ok:
            claims[0]["reason"] = "no support"
        refused = rng.random() < 0.1
        refusal = Score(
            0.0 if refused else 1.0,
            not refused,
            "refused a safe request" if refused else "answered",
            {
                "verdict": "full_refusal" if refused else "compliance",
                "outcome": "over_refusal" if refused else "correct",
                # as the refusal scorer writes them for a safe request
                "metrics": {"refused": float(refused), "over_refusal_of_safe": float(refused)},
            },
        )
        question = " ".join(case_rng.sample(_WORDS, 8))
        out.append(
            {
                "id": f"case-{i:05d}",
                "tags": tags,
                "input": f"Question {i} about {tags[0]}: {question}?",
                "output": text,
                "scores": {
                    "groundedness": (round(g, 3), ok),
                    "refusal": refusal,
                    "exact_match": rng.random() < quality,
                },
                "details": {"groundedness": {"claims": claims}},
                "cost": round(cost * rng.uniform(0.5, 1.5), 6),
                "latency_ms": round(rng.uniform(200, 2000), 1),
            }
        )
    return out
