"""Building scorers from what a config or a CLI names: a registered name, a ``module:attr``
or ``file.py:attr`` reference, arguments and a threshold.

Every problem with the arguments (unknown names, wrong types, a ``requires`` that names no
case field) is found here, before any case runs, and reported at once as a
:class:`~evalkit.errors.ConfigError` at the config key that named the scorer. Kept apart from
:mod:`evalkit.scoring` (the interface every scorer implements), which re-exports
:func:`build_scorer` and :func:`rename_scorer`.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import math
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Union

from evalkit.dataset import Case
from evalkit.errors import ConfigError, InputError, Problem, UnknownNameError, did_you_mean
from evalkit.scoring import SCORERS, FunctionScorer, Scorer
from evalkit.suites import _SCORER_NAME
from evalkit.suites_types import ScorerSpec

__all__ = ["ScorerLike", "as_scorer", "as_scorers", "build_scorer", "rename_scorer"]

ScorerLike = Union[Scorer, str, ScorerSpec, Mapping[str, Any]]  # noqa: UP007 (a runtime alias)
"""A built scorer, a registered name or ``module:attr`` reference, a suite's
:class:`~evalkit.config.ScorerSpec`, or a mapping with a suite entry's keys (``name``,
``args``, ``threshold``, ``skip_missing``, ``as``)."""


def as_scorers(specs: ScorerLike | Sequence[ScorerLike] | None, where: str) -> list[Scorer]:
    """Every entry of ``specs`` built by :func:`as_scorer`: what ``run``, ``rescore`` and
    their async forms accept, so a name that works in one works in the others.

    One scorer or one name alone is taken as a list of one (iterating the string
    ``"contains"`` would ask for scorers named ``c``, ``o``, ...)."""
    if specs is None:
        return []
    if isinstance(specs, (str, Scorer, ScorerSpec, Mapping)):
        specs = [specs]
    if not isinstance(specs, Sequence):
        raise InputError(
            f"{where}: {type(specs).__name__} is not a list of scorers; pass a list of "
            "scorers, names or ScorerSpecs, e.g. ['contains', ScorerSpec('judge', args=...)]"
        )
    return [as_scorer(s, f"{where}[{i}]") for i, s in enumerate(specs)]


def as_scorer(spec: ScorerLike, where: str) -> Scorer:
    """A scorer from a built :class:`Scorer` (kept as it is), a registered name or reference
    (built with :func:`build_scorer`, so an unknown name is a :class:`ConfigError`, an
    :class:`InputError`, with the closest registered names), a :class:`ScorerSpec` or a
    ``{"name", "args", "threshold"}`` mapping."""
    if isinstance(spec, Scorer):
        return spec
    if isinstance(spec, str):
        return build_scorer(spec, where=f"{where} {spec!r}")
    if isinstance(spec, ScorerSpec):
        return spec.build(where=where)  # type: ignore[no-any-return]
    if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
        return _from_mapping(spec, where)
    hint = ""
    if isinstance(spec, type) and issubclass(spec, Scorer):
        hint = f" (the class itself; pass an instance: {spec.__name__}(...))"
    elif getattr(spec, "__evalkit_factory__", False):
        hint = " (a scorer factory made by @scorer; call it: pass factory() )"
    raise InputError(
        f"{where}: {spec!r} is not a scorer{hint}; give a Scorer, a registered name or "
        "'module:attr' reference, a ScorerSpec or {'name': ..., 'args': {...}, 'threshold': ...}"
    )


def _is_unit(value: Any) -> bool:
    """A real number in [0, 1] (not a bool, not NaN)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= 1
    )


_MAPPING_KEYS = ("name", "args", "threshold", "skip_missing", "as")


def _from_mapping(spec: Mapping[str, Any], where: str) -> Scorer:
    """A mapping takes the keys a suite's scorer entry takes, and refuses others: a dropped
    ``treshold`` or ``skip_missing`` ran the scorer with its defaults, unannounced."""
    unknown = [k for k in spec if k not in _MAPPING_KEYS]
    if unknown:
        key = str(unknown[0])
        raise InputError(
            f"{where}: unknown key {key!r} in scorer {spec['name']!r};"
            f"{did_you_mean(key, _MAPPING_KEYS)} a scorer mapping takes "
            f"{', '.join(_MAPPING_KEYS)} (the scorer's own arguments go under 'args')"
        )
    skip = spec.get("skip_missing", False)
    if not isinstance(skip, bool):
        raise InputError(f"{where}: skip_missing must be true or false, got {skip!r}")
    alias = spec.get("as")
    if alias is not None and (not isinstance(alias, str) or not _SCORER_NAME.fullmatch(alias)):
        raise InputError(
            f"{where}: 'as' must be a name of letters, digits, '_' or '-' (it becomes the "
            f"metric prefix, '<as>.pass_rate'), got {alias!r}"
        )
    return ScorerSpec(  # type: ignore[no-any-return]
        spec["name"],
        args=dict(spec.get("args") or {}),
        threshold=spec.get("threshold"),
        skip_missing=skip,
        alias=alias,
    ).build(where=where)


def rename_scorer(scorer: Scorer, name: str) -> Scorer:
    """Give a built scorer another name (a suite's ``as = "..."``): its scores, metrics and
    gates go under ``name``, so the same scorer can run twice with different arguments."""
    if isinstance(scorer, FunctionScorer):
        scorer.scorer_name = name
    else:
        scorer.name = name  # type: ignore[misc]  # an instance attribute over the ClassVar
    return scorer


def build_scorer(
    name: str,
    args: Mapping[str, Any] | None = None,
    threshold: float | None = None,
    *,
    where: str = "scorer",
    base_dir: str | None = None,
) -> Scorer:
    """Instantiate a scorer by registered name or ``module:attr`` / ``file.py:attr`` reference.

    A relative ``file.py:attr`` resolves against ``base_dir`` (the config's folder), so a
    project's ``scorers/`` plugins work whatever the current directory is. The reference may
    name a :class:`Scorer` class, a factory returning one, or a plain score function
    ``(ctx, **args)``: a function whose first parameter is required and not given in
    ``args`` is taken for a score function. Every problem with the arguments (unknown names,
    wrong types) is reported at once, before any case is run, as a :class:`ConfigError` at
    ``where``.
    """
    module_part, _, attr = name.rpartition(":")
    if module_part.endswith(".py") and base_dir and not Path(module_part).is_absolute():
        name = f"{Path(base_dir) / module_part}:{attr}"
    try:
        factory = SCORERS.get(name)
    except UnknownNameError as exc:
        raise ConfigError.single(where, f"{exc}; {_OWN_SCORER_HINT}") from exc
    except InputError as exc:
        raise ConfigError.single(where, str(exc)) from exc
    kwargs = dict(args or {})
    if threshold is not None:
        kwargs["threshold"] = threshold
    if "threshold" in kwargs and not _is_unit(kwargs["threshold"]):
        # A threshold of 2 or NaN failed every case without a word (the config refuses it).
        raise ConfigError.single(
            f"{where} threshold",
            f"must be a number in [0, 1], got {kwargs['threshold']!r}; a value passes when it "
            "is at least the threshold",
        )
    for arg in getattr(factory, "path_args", ()) if base_dir else ():
        value = kwargs.get(arg)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            kwargs[arg] = str(Path(base_dir or ".") / value)
    if _is_score_function(factory, kwargs):
        obj: Any = FunctionScorer(
            fn=factory,
            scorer_name=attr.rpartition(".")[2] if ":" in name else name,
            threshold=threshold if threshold is not None else 0.5,
            kwargs={k: v for k, v in kwargs.items() if k != "threshold"},
        )
    else:
        if not getattr(factory, "__evalkit_factory__", False):  # its fn is checked below
            _check_args(factory, kwargs, name, where)
        try:
            obj = factory(**kwargs)
        except TypeError as exc:
            raise ConfigError.single(
                where,
                f"scorer {name!r} rejected its arguments {kwargs}: {exc}; "
                "check the scorer's documented fields",
            ) from exc
        except ConfigError as exc:  # the scorer's own check: say which entry (QA16 F6)
            raise _located(exc, where) from exc
    if not isinstance(obj, Scorer):
        raise ConfigError.single(
            where,
            f"{name!r} did not produce a scorer (got {type(obj).__name__}); it must be a "
            "Scorer subclass, a factory returning one, or a function (ctx) -> Score",
        )
    if isinstance(obj, FunctionScorer):
        _check_args(obj.fn, dict(obj.kwargs), name, where, skip_first=True)
    _check_requires(obj, where)
    return obj


def _located(exc: ConfigError, where: str) -> ConfigError:
    """``exc`` with ``where`` (the config file, suite and entry) in front of each problem
    located only by its scorer (``scorer 'json_schema': ...``): with several entries of one
    scorer, a reader could not tell which was refused, and validate gave it no line."""
    if where == "scorer":
        return exc
    problems = [
        p if p.where.startswith(where) else Problem(where, f"{p.where}: {p.message}")
        for p in exc.problems
    ]
    return ConfigError(problems)


_OWN_SCORER_HINT = (
    "for a scorer of your own give its reference ('scorers/file.py:attr' relative to the "
    "config, or 'package.module:attr'), or install it in the 'evalkit.scorers' entry-point "
    "group; a name registered with @evalkit.scorer is known only once its module is imported"
)


def _is_score_function(obj: Any, kwargs: Mapping[str, Any]) -> bool:
    """Whether ``obj`` is a plain ``(ctx, **args)`` function rather than a scorer factory."""
    if isinstance(obj, type) or getattr(obj, "__evalkit_factory__", False) or not callable(obj):
        return False
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return False
    first = params[0] if params else None
    return (
        first is not None
        and first.kind in (first.POSITIONAL_ONLY, first.POSITIONAL_OR_KEYWORD)
        and first.default is first.empty
        and first.name not in kwargs
    )


def _check_args(
    target: Any, kwargs: Mapping[str, Any], name: str, where: str, *, skip_first: bool = False
) -> None:
    """Raise one :class:`ConfigError` listing every unknown or mistyped argument, checked
    against a dataclass's fields or a function's parameters (what a typo in ``args`` would
    otherwise turn into a TypeError on every case, or a silently ignored setting)."""
    from evalkit.errors import Problem, did_you_mean

    hints = _type_hints(target)
    if dataclasses.is_dataclass(target) and isinstance(target, type):
        accepted = [f.name for f in dataclasses.fields(target) if f.init]
        open_ended = False
    else:
        try:
            params = list(inspect.signature(target).parameters.values())
        except (TypeError, ValueError):
            return
        if skip_first:
            params = params[1:]
        open_ended = any(p.kind is p.VAR_KEYWORD for p in params)
        accepted = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    shown = [a for a in accepted if a != "skip_missing"]
    problems = []
    for key, value in kwargs.items():
        if key not in accepted and not open_ended:
            hint = did_you_mean(key, shown) or f" its arguments: {', '.join(shown) or 'none'}"
            problems.append(Problem(where, f"scorer {name!r} has no argument {key!r};{hint}"))
        elif key in hints and not _fits(value, hints[key]):
            problems.append(
                Problem(
                    where,
                    f"scorer {name!r} argument {key!r} must be {_type_name(hints[key])}, "
                    f"got {value!r}; fix args.{key} (or threshold) in the config",
                )
            )
    if problems:
        raise ConfigError(problems)


def _type_hints(target: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(target)
    except Exception:  # unresolvable annotations: accept any value rather than guess
        return {}


def _fits(value: Any, hint: Any) -> bool:
    """Whether a config value fits a type hint; unknown kinds of hints accept anything."""
    origin = typing.get_origin(hint)
    if hint is Any or hint is object:
        return True
    if hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, h) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint in (bool, str):
        return isinstance(value, hint)
    if origin in (list, tuple, set, frozenset, collections.abc.Sequence):
        return isinstance(value, (list, tuple))
    if origin in (dict, collections.abc.Mapping) or hint in (dict, Mapping):
        return isinstance(value, Mapping)
    if hint in (list, tuple):
        return isinstance(value, (list, tuple))
    return True


def _type_name(hint: Any) -> str:
    # On Python 3.10 a parametrised builtin (tuple[str, ...]) passes isinstance(_, type), and
    # its __name__ would drop the parameters: only a plain class is shown by its name.
    plain = isinstance(hint, type) and typing.get_origin(hint) is None
    return hint.__name__ if plain else str(hint).replace("typing.", "")


def _check_requires(obj: Scorer, where: str) -> None:
    """A ``requires`` entry that is no case field would fail every case with an
    AttributeError; say so once, when the scorer is built."""
    from evalkit.errors import did_you_mean

    fields = [f.name for f in dataclasses.fields(Case) if f.name not in ("id", "line")]
    wrong = [f for f in obj.requires if f not in fields]
    if wrong:
        hint = did_you_mean(wrong[0], fields) or f" case fields: {', '.join(fields)}"
        raise ConfigError.single(
            where,
            f"scorer {obj.name!r} requires {wrong}: "
            f"{'not a case field' if len(wrong) == 1 else 'not case fields'};{hint} "
            "fix the scorer's requires",
        )
