"""``evalkit validate``: check eval sets and configs, print every problem, exit 2 on any."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evalkit.errors import ConfigError, DatasetError, EvalkitError, InputError, Problem

MAX_RENDER_PROBLEMS = 20


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="check eval sets and configs; exit 2 on any problem",
        description="Validate JSONL eval sets and evalkit configs. With a config, also check "
        "that every suite's dataset loads, every candidate's templates render for every case "
        "and every scorer exists and finds the case fields it needs.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="eval sets (.jsonl) and/or configs (evalkit.toml, pyproject.toml)",
    )
    p.add_argument(
        "--config", help="config file to validate (default: found upwards, when no PATH)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    configs = [p for p in paths if p.suffix == ".toml"]
    datasets = [p for p in paths if p.suffix != ".toml"]
    if args.config:
        configs.append(Path(args.config))
    if not paths and not args.config:
        from evalkit.config import find_config

        found = find_config()
        if found is None:
            print(
                "error: nothing to validate: give eval sets or a config (--config PATH)",
                file=sys.stderr,
            )
            return 2
        configs.append(found)
    problems: list[str] = []
    for path in datasets:
        problems += _check_dataset(path)
    for path in configs:
        problems += _check_config(path)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 2
    return 0


def _check_dataset(path: Path) -> list[str]:
    from evalkit.dataset import load_eval_set

    try:
        es = load_eval_set(path)
    except DatasetError as exc:
        return str(exc).splitlines()
    print(f"ok: {path}: {len(es)} cases, version {es.version[:12]}")
    return []


def _check_config(path: Path) -> list[str]:
    from evalkit.config import load_config

    try:
        project = load_config(path)
    except ConfigError as exc:
        return str(exc).splitlines()
    problems: list[str] = []
    for suite in project.suites.values():
        problems += _check_suite(project, suite)
    if not problems:
        print(f"ok: {path}: {len(project.candidates)} candidates, {len(project.suites)} suites")
    return problems


def _check_suite(project: Any, suite: Any) -> list[str]:
    from evalkit.dataset import load_eval_set
    from evalkit.prompt import PromptRenderer

    try:
        es = load_eval_set(suite.dataset_path)
    except DatasetError as exc:
        return str(exc).splitlines()
    problems: list[Problem] = []
    for name in suite.candidates:
        try:
            renderer = PromptRenderer(project.candidates[name])
        except InputError as exc:
            problems.append(Problem(f"suite {suite.name!r}", str(exc)))
            continue
        for case in es:
            try:
                renderer.render(case)
            except InputError as exc:
                problems.append(Problem(f"suite {suite.name!r}", str(exc)))
                if len(problems) >= MAX_RENDER_PROBLEMS:
                    break
    named: dict[str, str] = {}
    for i, spec in enumerate(suite.scorers, start=1):
        where = f"{project.path}: [suites.{suite.name}] scorers[{i}]"
        try:
            scorer = spec.build(where)
        except ConfigError as exc:  # already names where (file, suite, entry)
            problems.extend(exc.problems)
            continue
        except EvalkitError as exc:
            problems.append(Problem(where, str(exc)))
            continue
        if scorer.name in named:
            problems.append(
                Problem(
                    where,
                    f"scorer name {scorer.name!r} is already used by {named[scorer.name]}; a "
                    "record keeps one score per name, so give one of them another name",
                )
            )
        named.setdefault(scorer.name, f"scorers[{i}]")
        missing = [c.id for c in es if not scorer.applies_to(c)]
        if missing and not spec.skip_missing:
            problems.append(
                Problem(
                    where,
                    f"scorer {spec.name!r} needs {list(scorer.requires)} "
                    f"but {len(missing)} case(s) lack them (first: {missing[0]!r}); "
                    "add the fields or drop the scorer",
                )
            )
    return [str(p) for p in problems]
