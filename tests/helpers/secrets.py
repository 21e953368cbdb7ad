"""Asserting that fake keys never reach output or files (the secrets tests share these)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def assert_no_secret_in(text: str, secrets: Iterable[str]) -> None:
    for s in secrets:
        assert s not in text, f"{s!r} in the output"


def assert_no_secret_under(folder: Path, secrets: Iterable[str]) -> None:
    """No file under ``folder`` (run dirs, reports, caches) holds any of ``secrets``."""
    wanted = [s.encode() for s in secrets]
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for s in wanted:
                assert s not in data, f"{s!r} in {path}"
