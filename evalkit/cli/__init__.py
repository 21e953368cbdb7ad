"""The ``evalkit`` command line. Each subcommand lives in its own module of this package.

Exit codes: 0 success, 1 a gate or threshold failed, 2 bad input or usage, 3 a command that
makes calls evaluated (almost) nothing: every record of a candidate was a provider error, or
more than ``--max-error-rate`` of them (results are kept; see :mod:`evalkit.cli._error_rate`),
130 interrupted (Ctrl-C), 141 the reader of stdout went away.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import warnings
from collections.abc import Sequence
from typing import TextIO

from evalkit.errors import EvalkitError

__all__ = ["EXIT_ERRORS", "EXIT_FAILED", "EXIT_INPUT", "EXIT_OK", "main"]

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_ERRORS = 0, 1, 2, 3

# Modules of this package, one per subcommand. Each defines ``add_parser(subparsers)``, which
# registers the subcommand and sets ``handler`` (``args -> exit code``) with set_defaults.
COMMANDS = (
    "init",
    "validate",
    "inventory",
    "run",
    "score",
    "compare",
    "check",
    "report",
    "cache",
    "demo",
)


def build_parser() -> argparse.ArgumentParser:
    from evalkit import __version__

    parser = argparse.ArgumentParser(
        prog="evalkit",
        description="Offline evaluation of LLM applications: run eval sets "
        "against candidates, score them, compare baseline with candidate.",
    )
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        try:
            mod = importlib.import_module(f"evalkit.cli.{module}")
        except ModuleNotFoundError as exc:
            if exc.name == f"evalkit.cli.{module}":
                continue  # command not built yet in this checkout
            raise
        mod.add_parser(sub)
    return parser


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A warning as a line a user reads (``warning: ...``), not Python's format with a source
    file and line: the name-clash and pool warnings are meant for the person at the prompt."""
    from evalkit.terminal_text import inert

    print(f"warning: {inert(str(message))}", file=file or sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_INPUT
    started = time.time()
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return int(args.handler(args))
    except EvalkitError as exc:  # InputError too; it may quote a provider's error body
        from evalkit.terminal_text import inert

        print(f"error: {inert(str(exc))}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        from evalkit.cli._interrupted import interrupted_message

        print(interrupted_message(args, started), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`evalkit inventory | head`): no traceback, and no second
        # error when the interpreter flushes stdout at exit. 141 = 128 + SIGPIPE, as a shell.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
