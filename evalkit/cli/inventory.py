"""``evalkit inventory``: the moving parts of a configuration, at a glance.

The first question an operator asks: which prompts are live, which models, which tools, on
which eval sets? Every candidate with its provider, model, prompt file and hash, system
instructions hash, tools and fingerprint; every eval set with its case count, hash and tags.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "inventory",
        help="list candidates, prompts, models, tools and eval sets",
        description="List every candidate (provider, model, prompt file and hash, system "
        "instructions hash, tools, fingerprint) and every eval set (cases, hash, tags).",
    )
    p.add_argument(
        "--config", help="config file (default: evalkit.toml or pyproject.toml, upwards)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=run)


def inventory(config: str | None = None) -> dict[str, Any]:
    """The inventory as a JSON-able dict (also what ``--json`` prints).

    A part that cannot be read (an eval set with bad lines, an unreadable prompt file) is
    listed with an ``error`` instead of its details, so one broken file does not hide the
    rest of the inventory; ``run`` then exits 2.
    """
    from evalkit.config import load_config

    project = load_config(config)
    candidates = []
    for cand in project.candidates.values():
        suites = [n for n, su in project.suites.items() if cand.name in su.candidates]
        try:
            s = cand.summary()
        except (OSError, UnicodeDecodeError) as exc:
            s = {"name": cand.name, "provider": cand.provider, "model": cand.model}
            s["error"] = f"cannot read its prompt or system file ({exc}); run evalkit validate"
        s["suites"] = suites
        candidates.append(s)
    datasets: dict[str, dict[str, Any]] = {}
    for suite in project.suites.values():
        key = str(suite.dataset_path.resolve())
        if key not in datasets:
            datasets[key] = _dataset(suite)
        datasets[key]["suites"].append(suite.name)
    return {
        "config": str(project.path),
        "candidates": candidates,
        "datasets": list(datasets.values()),
    }


def _dataset(suite: Any) -> dict[str, Any]:
    from evalkit.dataset import load_eval_set
    from evalkit.errors import DatasetError

    entry: dict[str, Any] = {"path": suite.dataset, "suites": []}
    try:
        es = load_eval_set(suite.dataset_path)
    except DatasetError as exc:
        count = len(exc.problems) + exc.truncated
        entry["error"] = f"{count} problem(s), first: {exc.problems[0]}; run evalkit validate"
        return entry
    entry.update(name=es.name, cases=len(es), version=es.version, tags=es.tag_counts())
    return entry


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "-"


def run(args: argparse.Namespace) -> int:
    inv = inventory(args.config)
    broken = [p for p in inv["candidates"] + inv["datasets"] if "error" in p]
    if args.json:
        print(json.dumps(inv, indent=2))
    else:
        _print(inv)
    if broken:
        print(
            f"error: {len(broken)} part(s) could not be read (marked above); "
            "'evalkit validate' lists every problem",
            file=sys.stderr,
        )
        return 2
    return 0


def _print(inv: dict[str, Any]) -> None:
    print(f"config: {inv['config']}\n\ncandidates ({len(inv['candidates'])}):")
    for c in inv["candidates"]:
        if "error" in c:
            print(f"  {c['name']}: {c['provider']} / {c['model']}\n    error: {c['error']}")
            continue
        print(
            f"  {c['name']}: {c['provider']} / {c['model']}"
            + (f" @ {c['base_url']}" if c["base_url"] else "")
        )
        print(
            f"    prompt: {c['prompt_file'] or ('inline' if c['prompt_sha256'] else 'none (input sent as is)')}"
            f" sha256 {_short(c['prompt_sha256'])}; system sha256 {_short(c['system_sha256'])}"
        )
        print(f"    tools: {', '.join(c['tools']) or 'none'}; params: {json.dumps(c['params'])}")
        print(f"    fingerprint {c['fingerprint'][:12]}; suites: {', '.join(c['suites']) or '-'}")
    print(f"\neval sets ({len(inv['datasets'])}):")
    for d in inv["datasets"]:
        if "error" in d:
            print(f"  {d['path']}: suites: {', '.join(d['suites'])}\n    error: {d['error']}")
            continue
        tags = ", ".join(f"{t} ({n})" for t, n in sorted(d["tags"].items())) or "-"
        print(
            f"  {d['path']}: {d['cases']} cases, version {d['version'][:12]}; suites: "
            f"{', '.join(d['suites'])}\n    tags: {tags}"
        )
