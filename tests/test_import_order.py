"""Every module of the package can be the first one imported.

A cycle between two modules (one re-exporting the other's names at import time) only breaks
when the "wrong" one is imported first, which the rest of the suite, importing
``evalkit`` in one order, never does; a user's ``import evalkit.scoring_build`` did.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "evalkit"

_SCRIPT = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "evalkit" or m.startswith("evalkit.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=1).strip().splitlines()[-1])
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts))
    return names


def test_the_module_list_covers_the_package() -> None:
    names = _modules()
    assert "evalkit.scoring_build" in names and "evalkit.scorers.refusal" in names
    assert len(names) > 80


def test_every_module_imports_first_in_a_fresh_state() -> None:
    # One interpreter: drop every evalkit module before each import, so each one is the
    # first of the package to load (third-party imports stay cached, which keeps this fast).
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *_modules()],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
