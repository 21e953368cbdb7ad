"""``evalkit inventory``: the moving parts of a configuration, at a glance.

The first question an operator asks: which prompts are live, which models, which tools, on
which eval sets? Every candidate with its provider, model, prompt file and hash, system
instructions hash, tools and fingerprint; every eval set with its case count, hash and tags.
"""

from __future__ import annotations

import argparse
import json
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
    """The inventory as a JSON-able dict (also what ``--json`` prints)."""
    from evalkit.config import load_config
    from evalkit.dataset import load_eval_set

    project = load_config(config)
    candidates = []
    for cand in project.candidates.values():
        s = cand.summary()
        s["suites"] = [n for n, su in project.suites.items() if cand.name in su.candidates]
        candidates.append(s)
    datasets: dict[str, dict[str, Any]] = {}
    for suite in project.suites.values():
        key = str(suite.dataset_path)
        if key not in datasets:
            es = load_eval_set(suite.dataset_path)
            datasets[key] = {
                "path": suite.dataset,
                "name": es.name,
                "cases": len(es),
                "version": es.version,
                "tags": es.tag_counts(),
                "suites": [],
            }
        datasets[key]["suites"].append(suite.name)
    return {
        "config": str(project.path),
        "candidates": candidates,
        "datasets": list(datasets.values()),
    }


def run(args: argparse.Namespace) -> int:
    inv = inventory(args.config)
    if args.json:
        print(json.dumps(inv, indent=2))
        return 0
    print(f"config: {inv['config']}\n\ncandidates ({len(inv['candidates'])}):")
    for c in inv["candidates"]:
        short = lambda h: h[:12] if h else "-"  # noqa: E731
        print(
            f"  {c['name']}: {c['provider']} / {c['model']}"
            + (f" @ {c['base_url']}" if c["base_url"] else "")
        )
        print(
            f"    prompt: {c['prompt_file'] or ('inline' if c['prompt_sha256'] else 'none (input sent as is)')}"
            f" sha256 {short(c['prompt_sha256'])}; system sha256 {short(c['system_sha256'])}"
        )
        print(f"    tools: {', '.join(c['tools']) or 'none'}; params: {json.dumps(c['params'])}")
        print(f"    fingerprint {c['fingerprint'][:12]}; suites: {', '.join(c['suites']) or '-'}")
    print(f"\neval sets ({len(inv['datasets'])}):")
    for d in inv["datasets"]:
        tags = ", ".join(f"{t} ({n})" for t, n in sorted(d["tags"].items())) or "-"
        print(
            f"  {d['path']}: {d['cases']} cases, version {d['version'][:12]}; suites: "
            f"{', '.join(d['suites'])}\n    tags: {tags}"
        )
    return 0
