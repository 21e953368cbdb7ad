"""A case's own checks: the :class:`Check` data and the parsing of an eval set's ``checks``
field (each problem at its line, with the check's number), kept apart from the other fields
because a check names a scorer, which only the registry can confirm."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evalkit.dataset_messages import _kind, _or, _show
from evalkit.errors import did_you_mean

__all__ = ["CHECK_KEYS", "CONFIG_ONLY_ARGS", "Check", "parse_checks"]

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


def parse_checks(value: Any, bad: Any) -> tuple[Check, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        bad("checks", f"must be a list of {{name, args, threshold, label}}, got {_kind(value)}")
        return ()
    checks: list[Check] = []
    labels: dict[str, int] = {}
    for i, item in enumerate(value, start=1):
        check = _parse_check(i, item, lambda text, i=i: bad("checks", f"item {i} {text}"))
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


def _parse_check(i: int, item: Any, bad: Any) -> Check | None:
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
        bad(f'("{name}"): {unknown}')
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


def _unknown_scorer(name: str) -> str:
    """Why ``name`` is not a scorer a check can use, or ``""``. The registry is asked here,
    at load time, so a typo is reported at its line before any provider is paid."""
    if name == "checks":
        return "a check cannot run the checks scorer itself; name another scorer"
    if ":" in name:
        return (
            "a check names a registered scorer, not a reference; register the scorer "
            "(entry point or @evalkit.scorer) or list it in the suite's scorers"
        )
    if name in _KNOWN_SCORERS:
        return ""
    from evalkit.scoring import SCORERS  # lazily: scoring is a later stage than the eval set

    names = [n for n in SCORERS.names() if n != "checks"]
    if name in names:
        _KNOWN_SCORERS.add(name)
        return ""
    hint = did_you_mean(name, names) or f" registered scorers: {', '.join(names)}"
    return f"unknown scorer;{hint}"
