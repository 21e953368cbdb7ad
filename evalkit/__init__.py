"""evalkit: offline evaluation of LLM applications.

Eval set → render → provider → record → score → compare → report. The public API is
re-exported here lazily, so ``import evalkit`` (and the pytest plugin that every pytest run
loads) stays cheap: pandas, scikit-learn and the SDKs load only when used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Case": "evalkit.dataset",
    "Check": "evalkit.dataset",
    "EvalSet": "evalkit.dataset",
    "load_eval_set": "evalkit.dataset",
    "Candidate": "evalkit.config",
    "Suite": "evalkit.config",
    "Gate": "evalkit.config",
    "ScorerSpec": "evalkit.config",
    "load_config": "evalkit.config",
    "render": "evalkit.prompt",
    "Request": "evalkit.providers.base",
    "Response": "evalkit.providers.base",
    "ToolCall": "evalkit.providers.base",
    "Usage": "evalkit.providers.base",
    "Provider": "evalkit.providers.base",
    "PROVIDERS": "evalkit.providers.base",
    "Record": "evalkit.records",
    "Run": "evalkit.records",
    "read_run": "evalkit.records",
    "Score": "evalkit.scoring",
    "ScoreContext": "evalkit.scoring",
    "Scorer": "evalkit.scoring",
    "SCORERS": "evalkit.scoring",
    "scorer": "evalkit.scoring",
    "EvalkitError": "evalkit.errors",
    # notebooks and scripts: run, compare, gate, report, frames
    "RunOptions": "evalkit.engine",
    "run": "evalkit.engine",
    "run_async": "evalkit.engine",
    "run_suite": "evalkit.engine",
    "rescore": "evalkit.rescoring",
    "evaluate": "evalkit.api",
    "SuiteResult": "evalkit.api",
    "Comparison": "evalkit.comparison",
    "Verdict": "evalkit.comparison",
    "write_report": "evalkit.report",
    "records_frame": "evalkit.frames",
    "aggregates_frame": "evalkit.frames",
    "deltas_frame": "evalkit.frames",
    "cases_frame": "evalkit.frames",
    "expect": "evalkit.assertions",
}
# ``evalkit.compare`` is the module once anything imports it, so the function is exported
# under a name that cannot be shadowed.
_ALIASES = {"compare_runs": ("evalkit.compare", "compare")}

__all__ = sorted([*_EXPORTS, *_ALIASES, "__version__"])


def __getattr__(name: str) -> Any:
    module, attr = _ALIASES.get(name) or (_EXPORTS.get(name), name)
    if module is None:
        raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
