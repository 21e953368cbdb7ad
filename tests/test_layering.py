"""Imports go one way along the data flow: eval set → render → provider → record → score →
compare → report → front ends. A module may import (at module level) only from its own stage
or earlier ones; later stages are imported lazily inside functions, where a display helper
needs them. Checked with ``ast`` so a new back-edge fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "evalkit"

STAGES: list[tuple[str, ...]] = [
    ("errors", "hashing", "registry", "jsonfiles", "daemon_threads"),
    (
        "dataset_messages",
        "dataset_checks",
        "dataset_select",
        "dataset",
        "dataset_read",
        "dataset_parse",
    ),
    ("suites_types", "suites_checks", "suites", "config_secrets", "config_parse", "config"),
    ("providers", "prompt", "pricing"),
    ("scoring_types", "scoring_lifecycle", "scoring", "scoring_build", "scoring_run"),
    ("records", "cache", "cache_copy", "limits", "retry", "progress"),
    (
        "engine_budget",
        "engine_drain",
        "dispatch",
        "scoring_pool_worker",
        "scoring_pool_procs",
        "scoring_pool",
        "runmeta",
        "engine_tasks",
        "engine_requests",
        "engine_run",
        "engine_resume",
        "engine",
        "rescoring",
        "rescoring_inputs",
        "scorers",
    ),
    ("aggregate_types", "aggregate_per_case"),
    (
        "stats",
        "aggregate",
        "changes",
        "comparison_cases",
        "comparison_meta",
        "comparison_judges",
        "comparison",
        "compare_slices",
        "compare_pairing",
    ),
    (
        "compare",
        "gates_finished",
        "gates_lookup",
        "gates_builtin",
        "gates_truncated",
        "gates",
        "gates_single",
    ),
    ("terminal_text", "summary_notes", "summary", "report", "frames_display", "frames"),
    (
        "api",
        "assertions",
        "pytest_plugin",
        "pytest_notices",
        "pytest_items",
        "pytest_suite_items",
        "pytest_case_items",
        "pytest_checks",
        "pytest_summary",
        "pytest_xdist",
        "pytest_runner",
        "pytest_fixture",
        "cli",
        "scaffold",
        "__main__",
    ),
]


def stage(module: str) -> int:
    head = module.removeprefix("evalkit.").split(".")[0]
    for rank, names in enumerate(STAGES):
        if head in names:
            return rank
    raise AssertionError(f"{module}: not placed in a stage of tests/test_layering.py; add it")


def module_level_imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("evalkit."):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("evalkit.")}
    return out


def test_every_module_imports_only_earlier_stages() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if module in ("evalkit.__init__",):
            continue
        mine = stage(module)
        for dep in module_level_imports(path):
            if stage(dep) > mine:
                offenders.append(f"{module} (stage {mine}) imports {dep} (stage {stage(dep)})")
    assert offenders == []


def test_the_stage_list_covers_the_package() -> None:
    heads = {
        p.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for p in PACKAGE.glob("*")
        if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())
    }
    placed = {n for names in STAGES for n in names}
    assert heads - {"__init__"} <= placed


def test_no_module_shadows_a_public_name_of_the_package() -> None:
    """Importing ``evalkit.<name>`` sets the package attribute ``<name>`` to the module, so a
    module named like a lazily exported function (``compare_runs``) replaced that function
    for every later caller, depending on import order."""
    import evalkit

    heads = {
        p.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for p in PACKAGE.glob("*")
        if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert heads & set(evalkit.__all__) == set()
