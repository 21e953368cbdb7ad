"""A case's own checks: the :class:`Check` data and the parsing of an eval set's ``checks``
field (each problem at its line, with the check's number), kept apart from the other fields
because a check names a scorer, which only the registry can confirm.

A check names a registered scorer, never a ``file.py:attr`` reference: an eval set is data
(it may be downloaded), and data must not choose which code is imported. A project's own
scorers still get names: a module that registers one (``@evalkit.scorer("cites_source")``)
is imported when a name is missing, if it is a file in the ``scorers/`` folder beside the
config or a file or module the config's suites reference in their scorers
(:func:`use_project_scorers`, called when a config is loaded; the registry imports them
lazily, as it loads entry points). So the order in which a command loads the eval set and
builds the suite's scorers no longer decides whether a check's name is known (QA13 F16).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.dataset_messages import _kind, _or, _show
from evalkit.errors import did_you_mean

__all__ = [
    "CHECK_KEYS",
    "CONFIG_ONLY_ARGS",
    "Check",
    "parse_checks",
    "project_scorer_sources",
    "use_project_scorers",
]

CHECK_KEYS = ("name", "args", "threshold", "label")
"""The keys of one entry of a case's ``checks``."""


@dataclass(frozen=True, slots=True)
class Check:
    """One check that belongs to one case: a registered scorer, its arguments, a threshold.

    Why per case: "this answer must mention the receipt" is a fact about one case, not a rule
    for the whole suite. The ``checks`` scorer (:mod:`evalkit.scorers.checks`) runs them.
    """

    name: str
    """A registered scorer name (``contains``, ``regex``, ``json_schema``, ``judge``, ...)."""
    args: Mapping[str, Any] = field(default_factory=dict)
    """The scorer's arguments, as a suite's ``args`` table would give them."""
    threshold: float | None = None
    """The scorer's threshold; ``None``: the scorer's default."""
    label: str | None = None
    """A short name a reviewer reads (and, when it is a plain word, a metric name)."""

    @property
    def key(self) -> str:
        """What the check is called in reasons and the report: its label, else its name."""
        return self.label or self.name

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.args:
            out["args"] = dict(self.args)
        if self.threshold is not None:
            out["threshold"] = self.threshold
        if self.label is not None:
            out["label"] = self.label
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Check:
        threshold = data.get("threshold")
        return cls(
            name=str(data["name"]),
            args=dict(data.get("args") or {}),
            threshold=None if threshold is None else float(threshold),
            label=data.get("label"),
        )


CONFIG_ONLY_ARGS = ("base_url", "api_key_env", "options", "cache_dir")
"""Check arguments an eval set may not set: where a judge connects and which secret it sends
are the project's decision (its config), not the data's; a downloaded eval set must not be
able to send a key to a server of its choosing."""
_MAX_LABEL = 80


def parse_checks(value: Any, bad: Any, case_id: Any = None) -> tuple[Check, ...]:
    """The checks of one case (``value``, its ``checks`` field); every problem goes to
    ``bad(field, message)`` (which adds the file and line); ``case_id`` is named with an
    unknown scorer, whose line alone is hard to find in a long eval set."""
    if value is None:
        return ()
    if not isinstance(value, list):
        bad("checks", f"must be a list of {{name, args, threshold, label}}, got {_kind(value)}")
        return ()
    checks: list[Check] = []
    labels: dict[str, int] = {}
    for i, item in enumerate(value, start=1):
        check = _parse_check(item, lambda text, i=i: bad("checks", f"item {i} {text}"), case_id)
        if check is None:
            continue
        if check.label is not None:
            if check.label in labels:
                bad(
                    "checks",
                    f'item {i} has label "{check.label}" like item {labels[check.label]}; '
                    "labels must be unique within a case (the report and metrics use them)",
                )
                continue
            labels[check.label] = i
        checks.append(check)
    return tuple(checks) if len(checks) == len(value) else ()


def _parse_check(item: Any, bad: Any, case_id: Any) -> Check | None:
    if not isinstance(item, dict):
        bad(f"must be an object {{name, args, threshold, label}}, got {_kind(item)}")
        return None
    ok = True
    for key in item:
        if key not in CHECK_KEYS:
            bad(
                f'has unknown key "{key}";{did_you_mean(key, CHECK_KEYS) or " use name, args, threshold, label"}'
            )
            ok = False
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        bad(f'needs "name": a registered scorer name, got {_show(name)}')
        return None
    unknown = _unknown_scorer(name)
    if unknown:
        of_case = f" of case {case_id!r}" if isinstance(case_id, str) else ""
        bad(f'("{name}"){of_case}: {unknown}')
        ok = False
    args = _or(item.get("args"), {})
    if not isinstance(args, dict):
        bad(f'("{name}") "args" must be an object of the scorer\'s arguments, got {_kind(args)}')
        ok = False
    else:
        for key in args:
            if key in CONFIG_ONLY_ARGS:
                bad(
                    f'("{name}") sets argument "{key}", which only the config may set; give '
                    f'it in the suite: scorers = [{{ name = "checks", args = {{ defaults = '
                    f"{{ {name} = {{ {key} = ... }} }} }} }}]"
                )
                ok = False
    threshold = item.get("threshold")
    if threshold is not None and (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not 0 <= threshold <= 1
    ):
        bad(f'("{name}") "threshold" must be a number in [0, 1], got {_show(threshold)}')
        ok = False
    label = item.get("label")
    if label is not None and (
        not isinstance(label, str)
        or not label.strip()
        or len(label) > _MAX_LABEL
        or not label.isprintable()
    ):
        bad(
            f'("{name}") "label" must be a short one-line string (at most {_MAX_LABEL} '
            f"characters), got {_show(label)}"
        )
        ok = False
    if not ok:
        return None
    return Check(name, args, None if threshold is None else float(threshold), label)


_KNOWN_SCORERS: set[str] = set()
"""Names already found registered: a large eval set asks about the same few names on every
line, and listing the registry each time cost more than parsing the checks."""

_OWN_SCORER = (
    'a scorer of your own is known by the name it registers (@evalkit.scorer("name")) '
    "when its file is in the scorers/ folder beside the config or is referenced in a "
    "suite's scorers, or when it is installed in the 'evalkit.scorers' entry-point group"
)


def _unknown_scorer(name: str) -> str:
    """Why ``name`` is not a scorer a check can use, or ``""``. The registry is asked here,
    at load time, so a typo is reported at its line before any provider is paid."""
    if name == "checks":
        return "a check cannot run the checks scorer itself; name another scorer"
    if name in _KNOWN_SCORERS:
        return ""
    from evalkit.scoring import SCORERS  # lazily: scoring is a later stage than the eval set

    names = [n for n in SCORERS.names() if n != "checks"]
    if ":" in name:
        attr = name.rpartition(":")[2].rpartition(".")[2]
        use = f'use its registered name "{attr}"' if attr in names else _OWN_SCORER
        return (
            "a check names a registered scorer, not a reference (an eval set may not choose "
            f"which code is imported); {use}"
        )
    if name in names:
        _KNOWN_SCORERS.add(name)
        return ""
    broken = "".join(
        f"; {source} could not be imported: {why}"
        for source, why in SCORERS.source_errors().items()
    )
    hint = did_you_mean(name, names)
    if hint:  # a typo of a known name: the list would only bury the answer
        return f"unknown scorer;{hint}{broken}"
    return f"unknown scorer; registered scorers: {', '.join(names)}{broken}; {_OWN_SCORER}"


def use_project_scorers(project: Any) -> None:
    """Make the names a project's scorer modules register known to every name lookup: the
    ``.py`` files in the ``scorers/`` folder beside the config, and the files and modules
    its suites' scorers reference (``scorers/mine.py:Mine``, ``mypkg.checks:Mentions``).
    Nothing is imported here; the registry imports them when a name is first missing."""
    from evalkit.scoring import SCORERS

    SCORERS.use_sources(project_scorer_sources(project))


def project_scorer_sources(project: Any) -> list[str]:
    """The modules :func:`use_project_scorers` notes for ``project``: for a caller that must
    note several projects' at once (a resumed run: the recorded config's and the one given)."""
    sources: list[str] = []
    for suite in project.suites.values():
        for spec in suite.scorers:
            module, sep, _ = spec.name.rpartition(":")
            if not sep or not module:
                continue
            if module.endswith(".py"):
                path = Path(module)
                if not path.is_absolute():
                    path = Path(spec.base_dir or ".") / path
                sources.append(str(path.resolve()))
            elif not module.startswith("evalkit."):
                sources.append(module)
    if project.path is not None:
        folder = Path(project.path).resolve().parent / "scorers"
        if folder.is_dir():
            sources += [str(p) for p in sorted(folder.glob("*.py")) if not p.name.startswith("_")]
    return sources
