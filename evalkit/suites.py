"""Suites: an eval set, the candidates to run on it, the scorers that judge them, the gates.

A *gate* is a rule that can fail CI; a *scorer spec* names a scorer and its arguments. These are
declared under ``[suites.NAME]`` in ``evalkit.toml`` (parsed here, collecting every problem) and
can be built in Python. The data types live in :mod:`evalkit.suites_types` and the checks made
before anything runs (gate metrics, provider names) in :mod:`evalkit.suites_checks`; both are
importable from here, as they always were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.config_secrets import scorer_secret_problems
from evalkit.errors import Problem, did_you_mean
from evalkit.suites_checks import (
    gate_metric_problem,
    provider_problem,
    provider_problems,
    scorer_keys,
)
from evalkit.suites_types import CACHE_MODES, GATE_KEYS, Gate, ScorerSpec, Suite

_SCORER_NAME = re.compile(r"[A-Za-z0-9_-]+")

__all__ = [
    "CACHE_MODES",
    "Gate",
    "ScorerSpec",
    "Suite",
    "gate_metric_problem",
    "parse_suite",
    "provider_problem",
    "unknown_keys",
]

_SUITE_KEYS = (
    "dataset",
    "candidates",
    "scorers",
    "gates",
    "baseline",
    "repeats",
    "cache",
    "max_cost_usd",
)


def parse_suite(
    name: str,
    body: Any,
    base_dir: str,
    where: str,
    problems: list[Problem],
    cands: Mapping[str, Any],
    *,
    partial: bool = False,
) -> Suite | None:
    """The suite, or None when it has problems (all appended to ``problems``).

    With ``partial`` (``evalkit validate``), a suite with problems still gives what of it is
    valid, so its eval set and scorers are checked in the same run: its dataset path (even a
    missing one), the declared candidates it names, its scorers before the first faulty entry
    and its valid gates; other fields take their defaults. None only when it is not a table
    or names no dataset.
    """
    if not isinstance(body, Mapping):
        problems.append(Problem(where, "must be a table"))
        return None
    start = len(problems)
    unknown_keys(body, _SUITE_KEYS, where, "", problems)
    if not isinstance(body.get("dataset"), str):
        problems.append(
            Problem(
                f"{where} dataset", 'is required: the eval set path, e.g. "datasets/support.jsonl"'
            )
        )
    elif not (Path(base_dir) / body["dataset"]).is_file():
        # Relative to the config's folder only, as Suite.dataset_path reads it: a path that
        # happened to exist from the current directory passed here and failed at run time.
        problems.append(
            Problem(
                f"{where} dataset",
                f"file {body['dataset']!r} does not exist (relative to {base_dir}); fix the path",
            )
        )
    names = body.get("candidates")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        problems.append(
            Problem(f"{where} candidates", "must be a non-empty list of candidate names")
        )
        names = []
    for n in names:
        if n not in cands:
            problems.append(
                Problem(
                    f"{where} candidates",
                    f"unknown candidate {n!r};"
                    f"{did_you_mean(n, cands) or ' defined: ' + str(sorted(cands))}",
                )
            )
    baseline = body.get("baseline")
    if baseline is not None and baseline not in names:
        problems.append(
            Problem(
                f"{where} baseline", f"{baseline!r} is not one of the suite's candidates {names}"
            )
        )
    repeats = body.get("repeats", 1)
    if not isinstance(repeats, int) or repeats < 1:
        problems.append(
            Problem(f"{where} repeats", f"must be a whole number >= 1, got {repeats!r}")
        )
    cap = body.get("max_cost_usd")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap <= 0):
        why = f"must be a number of USD > 0 (the run's spending cap), got {cap!r}"
        problems.append(Problem(f"{where} max_cost_usd", why))
    cache = body.get("cache", "use")
    if cache not in CACHE_MODES:
        problems.append(
            Problem(f"{where} cache", f"must be one of {list(CACHE_MODES)}, got {cache!r}")
        )
    scorers = _parse_scorers(body.get("scorers", []), where, problems, base_dir)
    gates = _parse_gates(body.get("gates", []), where, problems, scorer_keys(body))
    provider_problems(names, cands, where, problems)
    if len(problems) > start:
        if not partial or not isinstance(body.get("dataset"), str):
            return None
        known = tuple(n for n in names if n in cands)
        return Suite(name, body["dataset"], known, scorers, gates, base_dir=base_dir)
    return Suite(
        name=name,
        dataset=body["dataset"],
        candidates=tuple(names),
        scorers=scorers,
        gates=gates,
        baseline=baseline,
        repeats=repeats,
        cache=cache,
        max_cost_usd=body.get("max_cost_usd"),
        base_dir=base_dir,
    )


def _parse_scorers(
    raw: Any, where: str, problems: list[Problem], base_dir: str = "."
) -> tuple[ScorerSpec, ...]:
    if not isinstance(raw, list):
        problems.append(
            Problem(f"{where} scorers", "must be a list of names or {name, args, threshold} tables")
        )
        return ()
    out: list[ScorerSpec] = []
    seen: dict[str, int] = {}
    # Entries are numbered from 0, as the list is indexed in TOML's data and in Python
    # (run(..., scorers=[...]) says scorers[0] for the first too).
    for i, item in enumerate(raw):
        # After a faulty entry nothing more is kept: a partial suite keeps the entries before
        # it, each still scorers[i] of the config (strict parsing returns no suite at all).
        keep = len(out) == i
        given = (
            item
            if isinstance(item, str)
            else (item.get("as") or item.get("name"))
            if isinstance(item, Mapping)
            else None
        )
        if isinstance(given, str):
            if given in seen:
                # Scores are keyed by the scorer's name: the second would hide the first.
                problems.append(
                    Problem(
                        f"{where} scorers[{i}]",
                        f"{given!r} is already scorers[{seen[given]}]; scores are keyed by "
                        "the scorer's name, so one would hide the other; list it once, or "
                        'name this one with as = "..." to use the scorer twice',
                    )
                )
                continue
            seen[given] = i
        if isinstance(item, str):
            if keep:
                out.append(ScorerSpec(item, base_dir=base_dir))
            continue
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            problems.append(
                Problem(f"{where} scorers[{i}]", "must be a name or a table with a name")
            )
            continue
        item_start = len(problems)
        unknown_keys(
            item,
            ("name", "args", "threshold", "skip_missing", "as"),
            f"{where} scorers[{i}]",
            "",
            problems,
        )
        loc = f"{where} scorers[{i}]"
        thr = item.get("threshold")
        if thr is not None and (
            not isinstance(thr, (int, float)) or isinstance(thr, bool) or not 0 <= thr <= 1
        ):
            problems.append(Problem(f"{loc} threshold", f"must be a number in [0, 1], got {thr!r}"))
        args = item.get("args", {})
        if not isinstance(args, Mapping):
            problems.append(
                Problem(f"{loc} args", f"must be a table, e.g. args = {{ key = 1 }}, got {args!r}")
            )
            args = {}
        # A judge's base_url and headers are a candidate's: no key inline in a config file.
        problems += scorer_secret_problems(args, loc)
        skip = item.get("skip_missing", False)
        if not isinstance(skip, bool):
            problems.append(Problem(f"{loc} skip_missing", f"must be true or false, got {skip!r}"))
        alias = item.get("as")
        if alias is not None and (not isinstance(alias, str) or not _SCORER_NAME.fullmatch(alias)):
            problems.append(
                Problem(
                    f"{loc} as",
                    "must be a name of letters, digits, '_' or '-' (it becomes the metric "
                    f"prefix, '<as>.pass_rate'), got {alias!r}",
                )
            )
            alias = None
        if keep and len(problems) == item_start:
            out.append(ScorerSpec(item["name"], dict(args), thr, base_dir, skip is True, alias))
    return tuple(out)


def _parse_gates(
    raw: Any, where: str, problems: list[Problem], scorers: tuple[list[str], bool] = ([], True)
) -> tuple[Gate, ...]:
    if not isinstance(raw, list):
        problems.append(
            Problem(f"{where} gates", "must be a list of gate tables ([[suites.NAME.gates]])")
        )
        return ()
    out = []
    for i, item in enumerate(raw):  # from 0, as scorers[i]
        loc = f"{where} gates[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("metric"), str):
            problems.append(
                Problem(loc, 'needs metric = "<scorer>.<stat>", e.g. "groundedness.mean"')
            )
            continue
        start = len(problems)
        unknown_keys(item, GATE_KEYS, loc, "", problems)
        rules = [
            k
            for k in ("min", "max", "max_drop", "max_rise", "max_rise_pct")
            if item.get(k) is not None
        ]
        if not rules and not item.get("no_new_failures"):
            problems.append(
                Problem(
                    loc,
                    "sets no rule; give min, max, max_drop, max_rise, "
                    "max_rise_pct or no_new_failures = true",
                )
            )
        for k in rules + (["alpha"] if item.get("alpha") is not None else []):
            if not isinstance(item[k], (int, float)) or isinstance(item[k], bool):
                problems.append(Problem(f"{loc} {k}", f"must be a number, got {item[k]!r}"))
        tag = item.get("tag")
        if tag is not None and (not isinstance(tag, str) or not tag):
            problems.append(Problem(f"{loc} tag", f"must be a tag name (a string), got {tag!r}"))
        if len(problems) == start:
            out.append(Gate(**{k: item[k] for k in GATE_KEYS if k in item}))
        # After the gate is kept: validate's partial suite numbers its gates as the file does.
        why = gate_metric_problem(item["metric"], *scorers, whole=bool(item.get("no_new_failures")))
        if why:
            problems.append(Problem(f"{loc} metric", why))
    return tuple(out)


def unknown_keys(
    body: Mapping[str, Any],
    allowed: tuple[str, ...],
    where: str,
    prefix: str,
    problems: list[Problem],
    elsewhere: Mapping[str, tuple[str, ...]] | None = None,
) -> None:
    """One problem per key not in ``allowed``, with the closest allowed key as a hint, or the
    sub-table a known key belongs in (``elsewhere``: ``{"params": ("temperature", ...)}``)."""
    for key in body:
        if key not in allowed:
            hint = did_you_mean(key, allowed) or _belongs(key, elsewhere or {})
            hint = hint or f" valid keys: {', '.join(allowed)}"
            problems.append(Problem(f"{where} {prefix}{key}".rstrip(), f"unknown key;{hint}"))


def _belongs(key: str, elsewhere: Mapping[str, tuple[str, ...]]) -> str:
    for table, names in elsewhere.items():
        if key in names:
            return f" it belongs under {table}: {table} = {{ {key} = ... }}"
        close = did_you_mean(key, names)
        if close:
            name = close.split('"')[1]
            return f' did you mean "{table}.{name}"? ({table} = {{ {name} = ... }})'
    return ""
