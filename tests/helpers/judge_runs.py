"""Two runs whose suites grade with an LLM judge, for the report's Judges panel tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalkit.compare import Comparison, compare
from evalkit.hashing import sha256_json, sha256_text
from evalkit.records import RunWriter, read_run
from evalkit.scorers.judge import PROMPT
from tests.helpers.runs import candidate_dict, make_record

HOSTILE_RUBRIC = (
    "Grade </pre></bdi><script>window.__pwned=11</script> strictly.\n"
    '<img src=x onerror="window.__pwned=12"> [link](javascript:alert(13))\n'
    "\u202eevil\u202c 5 = perfect."
)


def judge_spec(rubric: str, model: str = "gpt-4o") -> dict[str, Any]:
    args = {
        "provider": "openai",
        "model": model,
        "scale": [1, 5],
        "threshold": 0.75,
        "rubric_sha256": sha256_text(rubric),
        "prompt_sha256": sha256_text(PROMPT),
    }
    return {"name": "judge", "args": args}


def judge_run(
    path: Path, rubric: str, *, model: str = "gpt-4o", texts: bool = True, version: str = "0.4.0"
) -> Any:
    """A run of 4 cases scored by ``judge`` (``texts=False``: a run made before evalkit
    recorded judge texts)."""
    spec = judge_spec(rubric, model)
    manifest: dict[str, Any] = {
        "candidate": candidate_dict(path.name),
        "dataset": {"name": "support", "path": "support.jsonl", "version": "v1", "cases": 4},
        "scorers": [spec],
        "repeats": 1,
        "evalkit_version": version,
    }
    if texts:
        entry = {
            label: {"text": t, "sha256": sha256_text(t), "chars": len(t)}
            for label, t in (("rubric", rubric), ("prompt", PROMPT))
        }
        manifest["scorer_texts"] = {"judge": {"spec_sha256": sha256_json(spec), "texts": entry}}
    writer = RunWriter(path)
    writer.write_manifest(manifest)
    with writer:
        for i in range(4):
            writer.append(make_record(f"c{i}", {"judge": 0.75}, candidate=path.name))
    return read_run(path)


def judge_comparison(tmp_path: Path, *, old_baseline: bool = False) -> Comparison:
    """Baseline: the default-ish rubric (``old_baseline``: not recorded) by evalkit 0.4.0;
    candidate: a hostile rubric and another judge model, by evalkit 0.5.0."""
    base = judge_run(tmp_path / "b", "Grade fairly.", texts=not old_baseline)
    cand = judge_run(tmp_path / "c", HOSTILE_RUBRIC, model="gpt-4.1", version="0.5.0")
    return compare(base, cand, n_boot=50)
