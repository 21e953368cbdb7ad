"""A project whose suite runs the ``checks`` scorer with a judge on a given server, for the
tests of checks that cannot run (a judge on a dead port, or one answering 401)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def write_checks_project(
    root: Path,
    base_url: str,
    cases: Iterable[Mapping[str, Any]],
    pipeline: str,
    gates: str = "",
) -> None:
    """``pipe.py``, ``ds.jsonl`` and an ``evalkit.toml`` whose suite ``s`` runs candidate
    ``one`` (the pipeline) with ``checks``, judge checks graded at ``base_url`` (no key, no
    retries, so a failing judge fails fast)."""
    (root / "pipe.py").write_text(pipeline)
    (root / "ds.jsonl").write_text("".join(json.dumps(dict(c)) + "\n" for c in cases))
    judge = (
        f'{{ provider = "openai", model = "gpt-4o-mini", base_url = "{base_url}", '
        'api_key_env = "EVALKIT_TEST_NO_SUCH_KEY", cache_dir = "jc", max_retries = 0 }'
    )
    (root / "evalkit.toml").write_text(
        f"""
[candidates.one]
provider = "callable"
model = "pipe"
options = {{ target = "pipe.py:answer" }}

[suites.s]
dataset = "ds.jsonl"
candidates = ["one"]
scorers = [{{ name = "checks", args = {{ defaults = {{ judge = {judge} }} }} }}]
{gates}
"""
    )
