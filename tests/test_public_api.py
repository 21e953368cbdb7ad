"""The public surface: complete, sorted, importable, and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import evalkit


def test_all_is_sorted_and_importable() -> None:
    assert evalkit.__all__ == sorted(evalkit.__all__)
    for name in evalkit.__all__:
        assert getattr(evalkit, name) is not None


def test_import_evalkit_does_not_load_heavy_dependencies() -> None:
    code = (
        "import sys, evalkit; heavy = [m for m in ('pandas', 'sklearn', 'openai', 'anthropic', "
        "'numpy') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
