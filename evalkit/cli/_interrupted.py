"""What to say after Ctrl-C: the run folders this command left unfinished, each with the
command that finishes it.

The engine writes each run's manifest when the run starts and again, with status
``interrupted``, when it is stopped; so the runs of this command are the manifests under the
folders it writes to (``--out``, ``--resume``, the project's ``runs_dir``) that were written
since it started and are not finished. Found on disk, not passed up from the engine: Ctrl-C
unwinds through ``asyncio.run``, which replaces the exception on its way out.

A helper of :func:`evalkit.cli.main`, not a subcommand.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["interrupted_message"]

_UNFINISHED = ("interrupted", "running")


def interrupted_message(args: argparse.Namespace, since: float) -> str:
    """The line(s) to print after Ctrl-C of the command ``args`` started at ``since``."""
    found = _unfinished(args, since)
    if not found:
        return "interrupted before any run folder was written; nothing to resume"
    cmds = "\n".join(f"  evalkit run --resume {p}" for p in found)
    again = _check_again(found) if getattr(args, "command", None) == "check" else ""
    return f"interrupted; finished results are kept; resume with:\n{cmds}{again}"


def _check_again(found: dict[Path, dict[str, Any]]) -> str:
    """Running ``evalkit check`` again is worth saying only for answers that were cached: a
    candidate without the cache (a ``callable`` pipeline, ``--cache-mode off``) would be asked
    every case again, paid again if its pipeline calls a model."""
    uncached = [_name(folder, m) for folder, m in found.items() if not _cached(m)]
    if len(uncached) == len(found):
        return ""
    if not uncached:
        return "\nor run `evalkit check` again (answers in the cache are not asked again)"
    return (
        "\nor run `evalkit check` again (answers in the cache are not asked again; the "
        f"cases of {', '.join(uncached)} would all be asked again: no cache)"
    )


def _cached(manifest: dict[str, Any]) -> bool:
    cache = manifest.get("cache")
    return isinstance(cache, dict) and bool(cache.get("used"))


def _name(folder: Path, manifest: dict[str, Any]) -> str:
    candidate = manifest.get("candidate")
    name = candidate.get("name") if isinstance(candidate, dict) else None
    return str(name) if name else folder.name


def unfinished_runs(args: argparse.Namespace, since: float) -> list[Path]:
    """Run folders whose manifest was written after ``since`` and says the run is unfinished."""
    return list(_unfinished(args, since))


def _unfinished(args: argparse.Namespace, since: float) -> dict[Path, dict[str, Any]]:
    """:func:`unfinished_runs` with each one's manifest."""
    out: dict[Path, dict[str, Any]] = {}
    for folder in _candidates(args):
        manifest = folder / "manifest.json"
        try:
            if manifest.stat().st_mtime < since - 1:
                continue
            data = json.loads(manifest.read_text(encoding="utf-8"))
            status = data.get("status")
        except (OSError, ValueError, AttributeError):
            continue
        if status in _UNFINISHED:
            out.setdefault(folder, data)
    return out


def _candidates(args: argparse.Namespace) -> Iterator[Path]:
    """Folders that may hold a run of this command: ``--resume``, ``--out`` and two levels
    under it (a suite's and a candidate's sub-folders), and the runs folder."""
    for flag in ("resume", "out"):
        value = getattr(args, flag, None)
        if isinstance(value, str) and value:
            yield from _down(Path(value), 2)
    yield from _down(_runs_dir(getattr(args, "config", None)), 1)


def _down(folder: Path, depth: int) -> Iterator[Path]:
    yield folder
    if depth == 0 or not folder.is_dir():
        return
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:
        return
    for child in children:
        yield from _down(child, depth - 1)


def _runs_dir(config: str | None) -> Path:
    """The project's runs folder (the default one without a readable config)."""
    try:
        from evalkit.config import load_config

        return load_config(config).runs_dir
    except Exception:  # no config, or a broken one: the error was not the interrupt
        return Path(".evalkit/runs")
