"""``evalkit cache``: show the response cache's size, prune it, or clear it."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evalkit.errors import InputError


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "cache",
        help="show the response cache's size; prune or clear it",
        description="The response cache (SQLite) that makes re-runs free. 'info' shows its "
        "size and entries, 'prune' deletes old or least recently used entries, 'clear' "
        "deletes everything.",
    )
    p.add_argument("action", choices=("info", "prune", "clear"))
    p.add_argument("--cache-dir", help="cache folder (default: the project's cache_dir)")
    p.add_argument("--config", help="config whose cache_dir to use (default: found upwards)")
    p.add_argument("--older-than", type=float, metavar="DAYS", help="prune: unused for DAYS")
    p.add_argument("--max-size", type=float, metavar="MB", help="prune: keep at most MB")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from evalkit.cache import CACHE_FILE, ResponseCache

    folder = _folder(args)
    if args.action == "prune" and args.older_than is None and args.max_size is None:
        raise InputError("evalkit cache prune: give --older-than DAYS and/or --max-size MB")
    for flag, value in (("--older-than", args.older_than), ("--max-size", args.max_size)):
        if value is not None and value < 0:
            raise InputError(f"evalkit cache prune: {flag} must be >= 0, got {value}")
    if not (folder / CACHE_FILE).is_file() and args.action != "info":
        print(f"no cache at {folder / CACHE_FILE}; nothing to {args.action}")
        return 0
    if not (folder / CACHE_FILE).is_file():
        print(f"cache: {folder / CACHE_FILE}\n  empty (no cache file yet)")
        return 0
    with ResponseCache(folder) as cache:
        if args.action == "prune":
            removed = cache.prune(older_than_days=args.older_than, max_size_mb=args.max_size)
            print(f"pruned {removed} entr{'y' if removed == 1 else 'ies'}")
        elif args.action == "clear":
            removed = cache.clear()
            print(f"cleared {removed} entr{'y' if removed == 1 else 'ies'}")
        _print_info(cache.info())
    return 0


def _folder(args: argparse.Namespace) -> Path:
    if args.cache_dir:
        return Path(args.cache_dir)
    from evalkit.config import find_config, load_config

    path = Path(args.config) if args.config else find_config()
    return load_config(path).cache_dir if path is not None else Path(".evalkit/cache")


def _print_info(info: dict[str, Any]) -> None:
    def when(ts: float | None) -> str:
        if ts is None:
            return "-"
        return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    lines = [
        f"cache: {info['path']}",
        f"  entries {info['entries']:,}; stored {_mb(info['stored_bytes'])}; "
        f"on disk {_mb(info['disk_bytes'])}",
        f"  oldest {when(info['oldest'])}; newest {when(info['newest'])}",
    ]
    for row in info["by_model"][:10]:
        lines.append(f"  {row['provider']}/{row['model']}: {row['entries']:,}")
    print("\n".join(lines))


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.2f} MB"
