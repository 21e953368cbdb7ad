"""``evalkit validate``: check eval sets and configs, print every problem, exit 2 on any.

Every problem in one run: a config is read with :func:`~evalkit.config.collect_config`, which
returns its loadable parts beside its problems, so a broken candidate or suite is reported
(at its line, :mod:`evalkit.cli._validate_lines`) while the other suites, their eval sets,
templates and scorers are still checked. The other commands keep
:func:`~evalkit.config.load_config`, which stops at a config error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.cli._validate_lines import with_lines
from evalkit.errors import ConfigError, DatasetError, EvalkitError, InputError, Problem

MAX_RENDER_PROBLEMS = 20


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="check eval sets and configs; exit 2 on any problem",
        description="Validate JSONL eval sets and evalkit configs. With a config, also check "
        "that every suite's dataset loads, every candidate's templates render for every case "
        "and every scorer exists and finds the case fields it needs. A config error does not "
        "stop the check: every problem of the project is listed in one run, with its file and "
        "line, config key or case id.",
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
    datasets = _expand([p for p in paths if p.suffix != ".toml"])
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
    checked = _Checked()
    problems: list[str] = []
    if datasets:
        from evalkit.cli._validate_checks import use_project_names

        use_project_names(configs)
    for path in datasets:
        es, loaded = checked.dataset(path, announce=False)
        if es is None and not isinstance(path, tuple):
            # the valid lines' checks too: fixing the shapes must not reveal a bad regex
            from evalkit.cli._validate_checks import valid_cases

            loaded = _in_line_order(loaded + checked.unrun_checks(valid_cases(path)))
        mine = loaded + (checked.unrun_checks(es) if es is not None else [])
        if es is not None and not mine:  # "ok" only for a file with no problem (QA14 F6)
            print(f"ok: {path}: {len(es)} cases, version {es.version[:12]}")
        problems += mine
    for path in configs:
        problems += _check_config(path, checked)
    from evalkit.terminal_text import inert

    for line in problems:
        print(inert(line), file=sys.stderr)  # ids and values from the files are untrusted
    if problems:
        print(f"{_count(problems)} problem(s) found", file=sys.stderr)
        return 2
    return 0


def _in_line_order(lines: list[str]) -> list[str]:
    """One file's problems by line (a bad check argument among the shape problems, where the
    reader fixing the file top down meets it); lines without a number keep their place last."""
    import re

    def line_of(text: str) -> int:
        found = re.match(r".*?:(\d+): ", text)
        return int(found.group(1)) if found else 1 << 62

    return sorted(lines, key=line_of)  # stable: one line's problems keep their order


def _count(lines: list[str]) -> int:
    """Problems behind the printed lines: "... and 1952 more problem(s) not shown" stands for
    1952 of them, not one (the total read "51 problem(s) found" under it)."""
    import re

    total = 0
    for line in lines:
        more = re.match(r"\.\.\. and (\d+) more problem", line)
        total += int(more.group(1)) if more else 1
    return total


def _expand(paths: list[Path]) -> list[Path | tuple[Path, str]]:
    """A folder stands for the eval sets directly in it (``evalkit validate datasets/support``).
    Not recursive: sub-folders hold other JSONL files, such as recorded replays."""
    out: list[Path | tuple[Path, str]] = []
    for path in paths:
        if not path.is_dir():
            out.append(path)
            continue
        found = sorted(p for p in path.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))
        if not found:
            out.append(
                (
                    path,
                    "folder holds no .jsonl eval sets (sub-folders are not searched); give the files",
                )
            )
        out.extend(found)
    return out


class _Checked:
    """Each eval set is loaded and reported once, however many suites and arguments name it."""

    def __init__(self) -> None:
        self._seen: dict[Path, Any] = {}
        self.reported: set[str] = set()
        """Problems of a case's checks already printed (two suites may score one eval set)."""

    def dataset(
        self, path: Path | tuple[Path, str], *, announce: bool = True
    ) -> tuple[Any, list[str]]:
        """``(eval set or None, problems not reported before)``; ``announce`` prints ``ok:``
        for a file that loads (a file given alone says it once its checks are known too)."""
        from evalkit.dataset import load_eval_set

        if isinstance(path, tuple):
            return None, [str(Problem(str(path[0]), path[1]))]
        key = path.resolve()
        if key in self._seen:
            return self._seen[key], []
        try:
            es = load_eval_set(path)
        except DatasetError as exc:
            self._seen[key] = None
            return None, str(exc).splitlines()
        self._seen[key] = es
        if announce:
            print(f"ok: {path}: {len(es)} cases, version {es.version[:12]}")
        return es, []

    def unrun_checks(self, es: Any) -> list[str]:
        """Problems of ``es``'s checks built on their own arguments (no suite runs them), not
        reported before."""
        from evalkit.cli._validate_checks import unrun_check_problems

        lines = [str(p) for p in unrun_check_problems(es)]
        fresh = [line for line in lines if line not in self.reported]
        self.reported.update(fresh)
        return fresh


def _check_config(path: Path, checked: _Checked) -> list[str]:
    """Every problem of one config: its own (each broken candidate and suite once), then those
    of the parts that load. A broken part does not stop the check of the others."""
    from evalkit.config import collect_config
    from evalkit.prompt import PromptRenderer

    try:
        project, config_problems = collect_config(path)
    except ConfigError as exc:  # no file or invalid TOML: nothing of it can be checked
        return str(exc).splitlines()
    if not config_problems and not project.candidates and not project.suites:
        return [
            str(
                Problem(
                    str(path),
                    "declares no candidates and no suites (is the [tool.evalkit] section "
                    "missing?); add [candidates.NAME] and [suites.NAME] tables",
                )
            )
        ]
    problems: list[Problem] = list(config_problems)
    # Every candidate's templates compile, including a candidate no suite uses yet.
    renderers: dict[str, Any] = {}
    for name, candidate in project.candidates.items():
        try:
            renderers[name] = PromptRenderer(candidate)
        except InputError as exc:
            problems.append(Problem(f"{path}: [candidates.{name}]", str(exc)))
    problems += _unused_providers(project, path, problems)
    lines = [str(p) for p in with_lines(problems, path)]
    from evalkit.cli._validate_metrics import suite_tables

    tables = suite_tables(path)  # as written: a suite with problems keeps only part of it
    for suite in project.suites.values():
        lines += _check_suite(project, suite, checked, renderers, tables.get(suite.name, {}))
    if not lines:
        print(f"ok: {path}: {len(project.candidates)} candidates, {len(project.suites)} suites")
    return lines


def _check_suite(
    project: Any,
    suite: Any,
    checked: _Checked,
    renderers: dict[str, Any],
    body: Mapping[str, Any],
) -> list[str]:
    """A suite's eval set, its candidates' renders of it, its scorers and its gates' metrics
    (``body``: the suite's table as written). A candidate missing from ``renderers`` is
    broken and already reported once, under [candidates.NAME]."""
    from evalkit.cli._validate_metrics import gate_metric_problems

    where = f"{project.path}: [suites.{suite.name}]"
    built: dict[int, Any] = {}
    if not _dataset_named(suite):  # reported as a config problem; its scorers still build
        problems = _check_scorers(project, suite, None, built)
        problems += gate_metric_problems(where, body, built)
        return [str(p) for p in with_lines(problems, project.path)]
    es, problems_text = checked.dataset(suite.dataset_path)
    if es is None:
        return problems_text  # a broken eval set is reported once, where it is first loaded
    from evalkit.cli._validate_checks import checks_warnings, is_checks
    from evalkit.cli._validate_gates import gate_tag_warnings

    warnings = checks_warnings(project, suite, es, body) + gate_tag_warnings(project, suite, es)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    problems = _check_renders(suite, es, where, renderers)
    problems += _check_scorers(project, suite, es, built)
    problems += gate_metric_problems(where, body, built)
    lines = [str(p) for p in with_lines(problems, project.path)]
    fresh = [line for line in lines if line not in checked.reported]
    checked.reported.update(line for line in lines if ': field "checks" item ' in line)
    if not any(is_checks(spec) for spec in suite.scorers):
        fresh += checked.unrun_checks(es)  # a suite that runs them checked them with its defaults
    return problems_text + fresh


def _unused_providers(project: Any, path: Path, problems: list[Problem]) -> list[Problem]:
    """An unknown provider of a candidate no suite runs (the config's own check covers the
    candidates the suites run): a candidate kept for later still has to work then."""
    from evalkit.suites import provider_problem

    out = []
    for name, candidate in project.candidates.items():
        why = provider_problem(candidate.provider)
        problem = Problem(f"{path}: [candidates.{name}] provider", why or "")
        if why and problem not in problems:
            out.append(problem)
    return out


def _dataset_named(suite: Any) -> bool:
    """Whether the suite's dataset passes the config's own check (which already reported it
    otherwise): loading it again would only repeat "file not found"."""
    return suite.dataset_path.is_file() or Path(suite.dataset).is_file()


def _check_renders(suite: Any, es: Any, where: str, renderers: dict[str, Any]) -> list[Problem]:
    """Render every case for every candidate. One template mistake usually fails every case
    the same way: those are reported once, with how many cases and which."""
    problems: list[Problem] = []
    for name in suite.candidates:
        renderer = renderers.get(name)
        if renderer is None:
            continue  # its template does not compile: reported once, under [candidates.NAME]
        groups: dict[tuple[str, ...], tuple[str, list[str]]] = {}
        for case in es:
            try:
                renderer.render(case)
            except InputError as exc:
                first, ids = groups.setdefault(_same_failure(exc), (str(exc), []))
                ids.append(case.id)
        for first, ids in list(groups.values())[:MAX_RENDER_PROBLEMS]:
            more = ""
            if len(ids) > 1:
                shown = ", ".join(repr(i) for i in ids[1:4]) + (", ..." if len(ids) > 4 else "")
                more = f" (the same in {len(ids) - 1} more case(s): {shown})"
            problems.append(Problem(where, first + more))
        if len(groups) > MAX_RENDER_PROBLEMS:
            problems.append(
                Problem(
                    where, f"... and {len(groups) - MAX_RENDER_PROBLEMS} more template problems"
                )
            )
    return problems


def _same_failure(exc: Exception) -> tuple[str, ...]:
    """What makes two render failures the same mistake: the template location and the
    underlying error, not the case (whose id and defined variables differ)."""
    text = str(exc)
    location = text.split(": case ", 1)[0]
    cause = exc.__cause__
    return (location, type(cause).__name__, str(cause)) if cause else (text,)


def _check_scorers(project: Any, suite: Any, es: Any, built: dict[int, Any]) -> list[Problem]:
    """Each scorer builds, has a name of its own and, with an eval set (``es``), finds the
    case fields it needs. Each scorer built goes into ``built`` by its entry's index."""
    from evalkit.scorers._text_blank import blank_reference_problems
    from evalkit.scorers.checks import Checks, check_problems

    problems: list[Problem] = []
    named: dict[str, str] = {}
    for i, spec in enumerate(suite.scorers):  # from 0, as the config's parser numbers them
        where = f"{project.path}: [suites.{suite.name}] scorers[{i}]"
        try:
            scorer = spec.build(where)
        except ConfigError as exc:  # already names where (file, suite, entry)
            problems.extend(exc.problems)
            continue
        except EvalkitError as exc:
            problems.append(Problem(where, str(exc)))
            continue
        built[i] = scorer
        if scorer.name in named:
            problems.append(
                Problem(
                    where,
                    f"scorer name {scorer.name!r} is already used by {named[scorer.name]}; a "
                    "record keeps one score per name, so give one of them another name",
                )
            )
        named.setdefault(scorer.name, f"scorers[{i}]")
        if es is None:
            continue
        if isinstance(scorer, Checks):
            problems += check_problems(es, scorer)
        problems += blank_reference_problems(es, scorer, f" ([suites.{suite.name}] scorers[{i}])")
        # A case the scorer leaves unscored by design (the checks scorer on a case without
        # checks) lacks nothing.
        missing = [c.id for c in es if not scorer.applies_to(c) and not scorer.skips(c)]
        if missing and not spec.skip_missing:
            problems.append(Problem(where, _lacking(spec.name, scorer, missing)))
    return problems


def _lacking(name: str, scorer: Any, missing: list[str]) -> str:
    """What the cases ``missing`` lack: the scorer's own ``needs`` sentence when it has one
    (a scorer overriding ``applies_to`` with "expected_tool_calls or tools" cannot say it in
    ``requires``), else its ``requires``, else only that its ``applies_to`` says no."""
    needs = getattr(scorer, "needs", None)
    lack = f"{len(missing)} case(s) lack them (first: {missing[0]!r})"
    if isinstance(needs, str) and needs:
        what = f"needs {needs} but {lack}"
    elif scorer.requires:
        what = f"needs {list(scorer.requires)} but {lack}"
    else:
        return (
            f"scorer {name!r} does not apply to {len(missing)} case(s) (its applies_to() says "
            f"no; first: {missing[0]!r}); add what it needs to those cases, set "
            "skip_missing = true to leave them unscored, or drop the scorer"
        )
    return (
        f"scorer {name!r} {what}; add the fields, set skip_missing = true on the scorer to "
        "leave such cases unscored (a suite that mixes kinds of cases), or drop the scorer"
    )
