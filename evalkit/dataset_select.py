"""Selecting part of an eval set: which cases a run covers when not all of them.

:class:`Selection` is the filter set (ids or glob patterns, tags, a limit) as recorded in a
run's manifest; :func:`select_cases` applies it, behind :meth:`evalkit.dataset.EvalSet.select`.
Matching is strict on purpose: a value that matches no case is an error naming the closest ids
or tags, since a typo must not quietly run nothing or the wrong cases.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit.errors import InputError

if TYPE_CHECKING:
    from evalkit.dataset import EvalSet

__all__ = ["Selection", "select_cases"]

_GLOB = frozenset("*?[")
"""Characters that make a ``--case`` value a glob pattern."""


@dataclass(frozen=True)
class Selection:
    """Which cases of an eval set a run covers, when not all of them (``evalkit run --case
    refund-* --tag billing --limit 5``, :meth:`~evalkit.dataset.EvalSet.select`, ``RunOptions.select``).

    The filters narrow in turn: a case is kept when its id matches one of ``cases`` (ids or
    glob patterns; all cases when empty) *and* it has one of ``tags`` (any tag when empty);
    then the first ``limit`` of those, in file order. Recorded in the run's manifest as
    ``selection``, so resume reselects the same cases and a comparison can say what a run
    covers. ``selected`` and ``of`` are filled in when the selection is applied.
    """

    cases: tuple[str, ...] = ()
    """Case ids or glob patterns (``*``, ``?``, ``[...]``, case-sensitive)."""
    tags: tuple[str, ...] = ()
    """A case matches when it has any of these tags."""
    limit: int | None = None
    """At most this many cases, the first in file order after the other filters."""
    selected: int = 0
    """How many cases the selection kept (0 before it is applied)."""
    of: int = 0
    """How many cases the whole eval set has (0 before it is applied)."""
    ids: tuple[str, ...] = ()
    """The ids kept, in file order, when the ``limit`` cut some of the cases the filters
    matched (empty otherwise, before the selection is applied, and in manifests written
    before evalkit recorded them). The filters alone say which cases they keep; which ones a
    limit cut depends on the file's order, which a run does not otherwise keep, so an
    unfinished run could not tell a case it has not run yet from one the limit cut. Not part
    of :attr:`filters`: resume compares filters."""

    @property
    def filters(self) -> tuple[tuple[str, ...], tuple[str, ...], int | None]:
        """The filters alone, order-insensitive: two selections with the same filters pick the
        same cases of the same eval set version (what resume checks)."""
        return tuple(sorted(set(self.cases))), tuple(sorted(set(self.tags))), self.limit

    def picks(self, case_id: str, tags: Sequence[str]) -> bool | None:
        """Whether this selection kept the case: True or False when that is known, None when
        the filters keep it but a limit may have cut it and the kept ids were not recorded
        (a manifest from before they were; :attr:`ids`). Same rule as :func:`select_cases`: an id matches
        a ``--case`` value equal to it or a glob pattern; a case needs one of the ``--tag``
        values when any is given."""
        if self.ids:
            return case_id in self.ids
        if self.cases and not any(
            p == case_id or (_GLOB & set(p) and fnmatch.fnmatchcase(case_id, p)) for p in self.cases
        ):
            return False
        if self.tags and not set(tags) & set(self.tags):
            return False
        # a limit above the count kept cut nothing; one the count reached may have cut
        cut = self.limit is not None and (not self.selected or self.selected >= self.limit)
        return None if cut else True

    def flags(self) -> str:
        """The filters as command-line flags, e.g. ``--case refund-* --limit 5``."""
        parts = [f"--case {c}" for c in self.cases] + [f"--tag {t}" for t in self.tags]
        if self.limit is not None:
            parts.append(f"--limit {self.limit}")
        return " ".join(parts)

    def describe(self) -> str:
        """``12 of 40 cases (--case refund-*)``: what a partial run covers, for messages."""
        return f"{self.selected} of {self.of} cases ({self.flags()})"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "cases": list(self.cases),
            "tags": list(self.tags),
            "limit": self.limit,
            "selected": self.selected,
            "of": self.of,
        }
        if self.ids:  # written only when a limit chose them: the key is new, readers lenient
            d["ids"] = list(self.ids)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Selection:
        limit = d.get("limit")
        return cls(
            cases=tuple(str(c) for c in d.get("cases") or ()),
            tags=tuple(str(t) for t in d.get("tags") or ()),
            limit=int(limit) if limit is not None else None,
            selected=int(d.get("selected") or 0),
            of=int(d.get("of") or 0),
            ids=tuple(str(i) for i in d.get("ids") or ()),
        )


def select_cases(
    es: EvalSet,
    ids: str | Iterable[str] | None = None,
    tags: str | Iterable[str] | None = None,
    limit: int | None = None,
) -> EvalSet:
    """:meth:`EvalSet.select <evalkit.dataset.EvalSet.select>`: a new eval set of the cases of
    ``es`` matching the filters, in file order, that records its selection; with no filter,
    ``es`` itself. Raises :class:`~evalkit.errors.InputError` as that method documents."""
    want = Selection(_names(ids), _names(tags), limit)
    if not want.cases and not want.tags and limit is None:
        return es
    if es.selection is not None:
        raise InputError(
            f"{es.name}: already a selection ({es.selection.describe()}); select from "
            "the whole eval set with every filter at once"
        )
    return _apply(es, want)


def _names(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """A lone string is one name (not its characters); duplicates are dropped, order kept."""
    items = [value] if isinstance(value, str) else list(value or ())
    return tuple(dict.fromkeys(str(v) for v in items))


def _apply(es: EvalSet, want: Selection) -> EvalSet:
    from evalkit.dataset import EvalSet  # not at the top: evalkit.dataset imports this module

    problems: list[str] = []
    ids = [c.id for c in es.cases]
    id_set = set(ids)
    picked: set[str] = set()
    for pattern in want.cases:
        hits = {pattern} & id_set  # an id may itself hold "[" or "*": it matches itself
        if _GLOB & set(pattern):
            hits |= {i for i in ids if fnmatch.fnmatchcase(i, pattern)}
        if not hits:
            kind = "id matches this pattern" if _GLOB & set(pattern) else "has this id"
            problems.append(f"--case {pattern}: no case {kind}{_close(pattern, ids, 'id')}")
        picked |= hits
    known = es.tag_counts()
    for tag in want.tags:
        if tag not in known:
            problems.append(f"--tag {tag}: no case has this tag{_close(tag, sorted(known), 'tag')}")
    if want.limit is not None and want.limit < 1:
        problems.append(f"--limit {want.limit}: must be >= 1")
    where = str(es.path) if es.path else es.name
    if problems:
        raise InputError(f"{where}: " + f"\n{where}: ".join(problems))
    matched = [
        c
        for c in es.cases
        if (not want.cases or c.id in picked) and (not want.tags or set(c.tags) & set(want.tags))
    ]
    kept = matched[: want.limit]
    if not kept:
        raise InputError(
            f"{where}: the selection {want.flags()} leaves no case (each filter matches some "
            "cases, but no case matches them all); loosen a filter"
        )
    cut = len(kept) < len(matched)  # the limit cut some: record which it kept
    kept_ids = tuple(c.id for c in kept) if cut else ()
    chosen = Selection(want.cases, want.tags, want.limit, len(kept), len(es), kept_ids)
    return EvalSet(es.name, tuple(kept), es.version, es.path, chosen, es.case_versions)


def _close(name: str, choices: list[str], what: str, n: int = 3) -> str:
    """``; closest: "a", "b"`` (rapidfuzz: fast on 100k ids), else a few of the valid ones, so
    the message always shows what a right value looks like."""
    from rapidfuzz import fuzz, process

    probe = "".join(ch for ch in name if ch not in _GLOB and ch != "]")
    found = [
        m[0] for m in process.extract(probe, choices, scorer=fuzz.ratio, limit=n) if m[1] >= 60
    ]
    if found:
        return "; closest: " + ", ".join(f'"{c}"' for c in found)
    if not choices:
        return f"; no case has any {what}"
    shown = ", ".join(f'"{c}"' for c in choices[:n])
    return f"; {what}s include {shown}" + (", ..." if len(choices) > n else "")
