"""``evalkit init``: write a small, working starter project into a folder.

A new team's first step (what ``promptfoo init`` is to promptfoo users): an ``evalkit.toml``
with one suite comparing a ``baseline`` and a ``candidate``, a starter eval set showing every
main field, prompt templates, pytest eval tests and, for ``--provider callable``, an offline
stand-in pipeline, so ``evalkit check`` runs before anything is wired up. The templates live
in :mod:`evalkit.scaffold`. Existing files are never overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from evalkit.cli import EXIT_OK


def add_parser(sub: Any) -> None:
    from evalkit.scaffold import PROVIDER_CHOICES

    p: argparse.ArgumentParser = sub.add_parser(
        "init",
        help="write a starter project (config, eval set, prompts, tests) into a folder",
        description="Write a small, working evalkit project to edit: evalkit.toml with one "
        "suite (baseline vs candidate, scorers, gates), evals/starter.jsonl, prompts/, "
        "tests/test_evals.py and, for --provider callable, pipeline.py. Existing files are "
        "listed and left alone unless --force. Exit 2 on bad input.",
    )
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="folder (default: .)")
    p.add_argument(
        "--provider",
        choices=PROVIDER_CHOICES,
        default="callable",
        help="what the candidates call: callable (a local Python function; runs offline, the "
        "default), openai, anthropic, or openai-compatible (vLLM, Ollama, llama.cpp, LiteLLM)",
    )
    p.add_argument("--force", action="store_true", help="overwrite files that already exist")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from evalkit.scaffold import scaffold, write

    folder = Path(args.dir)
    project = scaffold(args.provider)
    existed = {p for p in (folder / f.path for f in project.files) if p.exists()}
    written = write(folder, project, force=args.force)
    print(f"evalkit init: wrote a starter project into {folder} (provider {project.provider}):")
    for path in written:
        note = "  (overwritten)" if path in existed else ""
        print(f"  {path.relative_to(folder).as_posix()}{note}")
    print()
    for line in next_steps(folder, project.provider, project.key_env, project.suite):
        print(line)
    return EXIT_OK


def next_steps(folder: Path, provider: str, key_env: str | None, suite: str) -> list[str]:
    """What to type next, with the key to set for an API provider."""
    lines: list[str] = []
    if key_env and provider == "openai-compatible":
        lines += [
            "before running: start your server, then set base_url and the two model names in",
            f"evalkit.toml; if the server needs a key: export {key_env}=...",
            "",
        ]
    elif key_env:
        lines += [
            "before running: set your API key in the environment (never in evalkit.toml):",
            f"  export {key_env}=...",
            "",
        ]
    lines.append("next:")
    if folder.resolve() != Path.cwd().resolve():
        lines.append(f"  cd {shlex.quote(str(folder))}")
    record = "" if key_env is None else " --evalkit-mode record"
    commands = [
        ("evalkit validate", "config, eval set, templates and scorers"),
        (f"evalkit run --suite {suite}", "run both candidates once"),
        ("evalkit check", "run, compare, apply the gates, write the report"),
        (f"pytest{record}", "the eval tests in tests/test_evals.py"),
    ]
    width = max(len(c) for c, _ in commands) + 2
    lines += [f"  {c:<{width}}# {why}" for c, why in commands]
    if key_env is not None:
        lines += [
            "  (pytest replays recorded answers by default: run the line above once where the",
            "   provider is reachable; then plain `pytest` runs offline, in CI too)",
        ]
    return lines
