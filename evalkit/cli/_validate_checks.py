"""A case's own checks, for ``evalkit validate``: every check builds with the suite's
``checks`` scorer, and a suite that would leave checks unrun says so.

A check's name is already known to exist when the eval set loads (its line names the typo);
its arguments can only be tried with the suite's ``defaults`` (a judge check gets its
provider there), so building each distinct check is done here, per suite. A suite whose eval
set has checks but which does not list ``"checks"`` gets a warning, not an error: running a
suite without them is legitimate (a smoke run), but it is usually an oversight.

A helper of ``evalkit validate``, not a subcommand (:data:`evalkit.cli.COMMANDS` names those).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import Problem
from evalkit.scorers.checks import Checks

__all__ = [
    "checks_warnings",
    "is_checks",
    "unrun_check_problems",
    "use_project_names",
    "valid_cases",
]


def use_project_names(configs: Sequence[Path]) -> None:
    """Make the names the project's scorer files register known before any eval set given on
    the command line is loaded (its cases' ``checks`` may name them): the configs given, or
    else the one found upwards. Eval sets are checked before configs, so without this a
    check naming ``@evalkit.scorer("boom")`` of ``scorers/boom.py`` read as unknown (QA13
    F16). A config that cannot be read is skipped here; its own check reports it."""
    from evalkit.config import collect_config, find_config
    from evalkit.errors import EvalkitError

    found = find_config()
    for path in configs or ([found] if found is not None else []):
        try:
            collect_config(path)  # notes the project's scorer modules (imported on a miss)
        except EvalkitError:
            continue


def checks_warnings(
    project: Any, suite: Any, es: Any, body: Mapping[str, Any] | None = None
) -> list[Problem]:
    """Warnings about the case checks of ``suite``'s eval set ``es`` (never errors).

    Whether the suite runs ``checks`` is read from its scorers as configured (``body``, the
    suite's table as written), not from those of the loaded suite: a suite with a faulty
    scorer entry keeps only the entries before it, and a ``"checks"`` listed after a judge
    refused for an inline key read as missing (QA12 F6)."""
    from evalkit.cli._validate_lines import with_lines

    with_checks = [c for c in es if c.checks]
    raw = body.get("scorers") if body is not None else None
    listed = any(is_checks(spec) for spec in suite.scorers) or any(
        _names_checks(item) for item in (raw if isinstance(raw, list) else ())
    )
    where = f"{project.path}: [suites.{suite.name}] scorers"
    out = []
    if with_checks and not listed:
        out.append(
            Problem(
                where,
                f"{len(with_checks)} case(s) of {suite.dataset!r} carry checks (first: "
                f'{with_checks[0].id!r}) that this suite does not run; add "checks" to '
                "its scorers to score them",
            )
        )
    elif listed and not with_checks:
        out.append(
            Problem(
                where,
                f'"checks" is listed but no case of {suite.dataset!r} carries checks; every '
                'case is left unscored by it; add "checks" to the cases or drop the scorer',
            )
        )
    return with_lines(out, project.path) if project.path else out


def is_checks(spec: Any) -> bool:
    """Whether a suite's scorer spec names the checks scorer (by name or reference)."""
    return spec.name in _CHECKS_NAMES


def _names_checks(item: Any) -> bool:
    """Whether a configured scorer entry (a name, or a table with one) is the checks scorer."""
    name = item.get("name") if isinstance(item, Mapping) else item
    return name in _CHECKS_NAMES


_CHECKS_NAMES = (Checks.name, "evalkit.scorers.checks:Checks")


def unrun_check_problems(es: Any) -> list[Problem]:
    """Checks of ``es`` that cannot be built on their own arguments (an invalid regex), when no
    suite runs them with its ``defaults``: an eval set validated alone, or one whose suite does
    not list ``"checks"``. Found here, the mistake no longer waits for the day the checks run
    (then a failed check on every candidate, which a comparison shows as "unchanged fail").

    A check whose scorer takes connection arguments only the config may give (a judge's
    provider) is left out: it cannot be built without the suite, and the suite that runs it
    checks it with its defaults.
    """
    import inspect

    from evalkit.dataset_checks import CONFIG_ONLY_ARGS
    from evalkit.scoring import SCORERS

    def needs_config(name: str) -> bool:
        try:
            params = inspect.signature(SCORERS.get(name)).parameters
        except Exception:  # an unknown name was reported when the eval set loaded
            return True
        return any(p in params for p in (*CONFIG_ONLY_ARGS, "provider"))

    from evalkit.scorers.checks import check_problems

    return check_problems(es, Checks(), skip=needs_config)


def valid_cases(path: Path) -> Any:
    """The cases of the lines of ``path`` that parse, as an eval set, for the checks of a file
    that failed to load: ``validate`` lists a bad check argument with the file's other
    problems, not after they are fixed (QA14 F6). Duplicate ids are kept; the load reported
    them."""
    from evalkit.dataset import EvalSet
    from evalkit.dataset_parse import parse_case
    from evalkit.dataset_read import read_lines
    from evalkit.errors import EvalkitError

    cases = []
    try:
        for lineno, obj in read_lines(path):
            case = parse_case(obj, f"{path}:{lineno}", [], line=lineno)
            if case is not None:
                cases.append(case)
    except EvalkitError:  # unreadable from some line on: the load said so
        pass
    return EvalSet(name=path.stem, cases=tuple(cases), version="", path=path)
