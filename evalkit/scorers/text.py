"""Text checks: exact match, contains (any / all), regular expression, fuzzy similarity.

All share the same normalisation options, applied to the output and to every reference
before comparing, so ``" Paris. "`` can equal ``"paris"`` when a suite says so. Unicode NFC
comes first, always: it never changes what a text says, and the same visible "é" arrives
precomposed from one source and as "e" + combining accent from another (QA14 F11). NFKC would
also fold "x²" into "x2" and full-width letters into ASCII, which can change meaning, so it is
not applied; a failing ``exact_match`` shows escapes when output and reference only look alike.

- ``strip`` (default on): trim surrounding whitespace;
- ``ignore_case``: compare case-insensitively (Unicode casefold);
- ``ignore_whitespace``: collapse every run of whitespace to one space;
- ``ignore_punctuation``: drop Unicode punctuation (``"don't"`` becomes ``"dont"``).

References come from the case's ``expected`` (any of them may match); the contains family
and ``regex`` take their own ``values`` / ``pattern`` arguments instead.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from evalkit.dataset import Case
from evalkit.errors import ConfigError, ScorerError
from evalkit.scoring import Score, ScoreContext, Scorer

__all__ = [
    "Contains",
    "ContainsAll",
    "ContainsAny",
    "ExactMatch",
    "Fuzzy",
    "Regex",
    "normalize",
]


def normalize(
    text: str,
    *,
    strip: bool = True,
    ignore_case: bool = False,
    ignore_whitespace: bool = False,
    ignore_punctuation: bool = False,
) -> str:
    """Apply the text scorers' normalisation options to ``text`` (after Unicode NFC)."""
    text = unicodedata.normalize("NFC", text)
    if ignore_case:
        text = text.casefold()
    if ignore_punctuation:
        text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))
    if ignore_whitespace:
        text = re.sub(r"\s+", " ", text)
    if strip or ignore_whitespace:
        text = text.strip()
    return text


@dataclass
class _Normalising(Scorer):
    """Normalisation options shared by every text scorer."""

    strip: bool = True
    ignore_case: bool = False
    ignore_whitespace: bool = False
    ignore_punctuation: bool = False
    threshold: float = 0.5

    def norm(self, text: str) -> str:
        return normalize(
            text,
            strip=self.strip,
            ignore_case=self.ignore_case,
            ignore_whitespace=self.ignore_whitespace,
            ignore_punctuation=self.ignore_punctuation,
        )

    def references(self, ctx: ScoreContext) -> tuple[str, ...]:
        refs = ctx.case.expected or ()
        if not refs:
            raise ScorerError(
                f"case {ctx.case.id!r}: scorer {self.name!r} needs a non-empty 'expected'"
            )
        return refs


@dataclass
class ExactMatch(_Normalising):
    """1 when the normalised output equals any normalised ``expected`` reference."""

    name: ClassVar[str] = "exact_match"
    requires: ClassVar[tuple[str, ...]] = ("expected",)

    def score(self, ctx: ScoreContext) -> Score:
        out = self.norm(ctx.response.text)
        refs = self.references(ctx)
        for i, ref in enumerate(refs):
            if out == self.norm(ref):
                return Score(1.0, True, f"output equals expected[{i}]", {"matched": i})
        shown = _clip(ctx.response.text)
        return Score(
            0.0,
            False,
            f"output {shown!r} equals none of {len(refs)} expected answer(s)"
            + _look_alike(out, [self.norm(r) for r in refs]),
            {"matched": None, "normalized_output": out},
        )


@dataclass
class _ContainsBase(_Normalising):
    """Substring checks against ``values`` or, when it is not given, ``expected``."""

    values: str | Sequence[str] | None = None
    """The strings to look for; default: the case's ``expected`` references."""
    whole_words: bool = False
    """Only count a value found between word boundaries (``"cat"`` not in ``"concat"``)."""

    @property
    def requires(self) -> tuple[str, ...]:  # type: ignore[override]
        return () if self.values is not None else ("expected",)

    def __post_init__(self) -> None:
        if isinstance(self.values, str):
            self.values = [self.values]
        if self.values is not None and (
            not self.values or not all(isinstance(v, str) and v for v in self.values)
        ):
            raise ConfigError.single(
                f"scorer {self.name!r}",
                f"values = {self.values!r} must be a non-empty list of non-empty strings",
            )
        blank = [v for v in self.values or () if not self.norm(v)]
        if blank:
            raise ConfigError.single(
                f"scorer {self.name!r}",
                f"values item {blank[0]!r} is empty once normalised, so every output contains "
                "it and the check would pass any answer; write the text to look for",
            )

    def check_case(self, case: Case) -> None:
        """Refuse a reference that normalises to nothing: ``""`` is in every output, so the
        case would pass whatever the answer (QA14 F7). Loading accepts a blank ``expected``
        (to ``exact_match`` it means "the answer must be empty", QA16 F4); a run refuses it
        up front for the suites that score it with this family
        (:func:`evalkit.scorers._text_blank.blank_reference_problems`), and this catches the rest (a ``Case`` built in
        code, a rescored run, normalisation options that empty ``"..."``)."""
        super().check_case(case)
        why = self.blank_reference(case)
        if why is not None:
            raise ScorerError(f"case {case.id!r}: scorer {self.name!r}: {why}")

    def blank_reference(self, case: Case) -> str | None:
        """Why ``case``'s ``expected`` cannot be looked for (an item normalises to nothing),
        else ``None``; ``None`` too when the scorer looks for its own ``values``."""
        if self.values is not None:
            return None
        for i, ref in enumerate(case.expected or (), start=1):
            if not self.norm(ref):
                return (
                    f"expected item {i} ({ref!r}) is empty once normalised, so every output "
                    "contains it and the case would pass any answer; write the answer in the "
                    "eval set or remove the item (to require an empty answer, score the case "
                    'with exact_match, which reads "" as "the answer must be empty")'
                )
        return None

    def found(self, ctx: ScoreContext) -> tuple[list[str], list[str]]:
        wanted = list(self.values) if self.values is not None else list(self.references(ctx))
        out = self.norm(ctx.response.text)
        hit: list[str] = []
        miss: list[str] = []
        for v in wanted:
            needle = self.norm(v)
            if self.whole_words:
                ok = re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", out) is not None
            else:
                ok = needle in out
            (hit if ok else miss).append(v)
        return hit, miss


@dataclass
class ContainsAny(_ContainsBase):
    """1 when the output contains at least one of the values."""

    name: ClassVar[str] = "contains_any"

    def score(self, ctx: ScoreContext) -> Score:
        hit, miss = self.found(ctx)
        details = {"found": hit, "missing": miss}
        if hit:
            return Score(1.0, True, f"output contains {_quote(hit)}", details)
        return Score(0.0, False, f"output contains none of {_quote(miss)}", details)


@dataclass
class Contains(ContainsAny):
    """1 when the output contains the expected answer (any reference, or any of ``values``)."""

    name: ClassVar[str] = "contains"


@dataclass
class ContainsAll(_ContainsBase):
    """The fraction of values the output contains; passes only when it contains all of them."""

    name: ClassVar[str] = "contains_all"
    threshold: float = 1.0

    def score(self, ctx: ScoreContext) -> Score:
        hit, miss = self.found(ctx)
        value = len(hit) / (len(hit) + len(miss))
        details = {"found": hit, "missing": miss}
        if not miss:
            return Score(value, value >= self.threshold, f"output contains all {len(hit)}", details)
        return Score(
            value,
            value >= self.threshold,
            f"output lacks {len(miss)} of {len(hit) + len(miss)}: {_quote(miss)}",
            details,
        )


_FLAGS = {
    "i": re.IGNORECASE,
    "ignorecase": re.IGNORECASE,
    "m": re.MULTILINE,
    "multiline": re.MULTILINE,
    "s": re.DOTALL,
    "dotall": re.DOTALL,
    "x": re.VERBOSE,
    "verbose": re.VERBOSE,
    "a": re.ASCII,
    "ascii": re.ASCII,
}


@dataclass
class Regex(_Normalising):
    """1 when ``pattern`` matches the (normalised) output.

    ``mode``: ``search`` anywhere (default), ``match`` at the start, ``fullmatch`` the whole
    output. ``flags``: a string of letters (``"im"``) or names (``["IGNORECASE", "DOTALL"]``).
    ``negate`` turns it into a must-not-match check.
    """

    name: ClassVar[str] = "regex"
    pattern: str = ""
    mode: str = "search"
    flags: str | Sequence[str] = ()
    negate: bool = False
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"scorer {self.name!r}"
        if self.mode not in ("search", "match", "fullmatch"):
            raise ConfigError.single(
                where, f"mode = {self.mode!r}; use 'search', 'match' or 'fullmatch'"
            )
        if isinstance(self.flags, str):  # "IGNORECASE" or letters such as "im"
            names = [self.flags] if self.flags.lower() in _FLAGS else list(self.flags)
        else:
            names = list(self.flags)
        bits = 0
        for f in names:
            if f.lower() not in _FLAGS:
                raise ConfigError.single(
                    where, f"unknown regex flag {f!r}; valid: {sorted(_FLAGS)}"
                )
            bits |= _FLAGS[f.lower()]
        if not self.pattern:
            raise ConfigError.single(where, "pattern is missing; give a regular expression")
        try:
            # NFC like the output it is matched against (the identity on ASCII syntax)
            self._compiled = re.compile(unicodedata.normalize("NFC", self.pattern), bits)
        except re.error as exc:
            raise ConfigError.single(
                where, f"pattern {self.pattern!r} is not a valid regular expression: {exc}"
            ) from exc

    def spec(self) -> dict[str, Any]:
        d = super().spec()
        d["args"].pop("_compiled", None)
        return d

    def score(self, ctx: ScoreContext) -> Score:
        out = self.norm(ctx.response.text)
        m = getattr(self._compiled, self.mode)(out)
        details = {"match": m.group(0) if m else None, "pattern": self.pattern}
        if m is not None:
            if self.negate:
                return Score(0.0, False, f"output matches forbidden /{self.pattern}/", details)
            return Score(1.0, True, f"matched {_clip(m.group(0))!r}", details)
        if self.negate:
            return Score(1.0, True, f"output does not match /{self.pattern}/", details)
        return Score(0.0, False, f"no {self.mode} for /{self.pattern}/ in the output", details)


def _fuzzy_methods() -> dict[str, Callable[..., float]]:
    from rapidfuzz import fuzz

    return {
        "ratio": fuzz.ratio,
        "partial_ratio": fuzz.partial_ratio,
        "token_sort_ratio": fuzz.token_sort_ratio,
        "token_set_ratio": fuzz.token_set_ratio,
        "WRatio": fuzz.WRatio,
    }


@dataclass
class Fuzzy(_Normalising):
    """Best rapidfuzz similarity (0-1) of the output to any ``expected`` reference.

    ``method``: ``ratio`` (whole strings, Levenshtein-based; default), ``partial_ratio``
    (best matching substring: the reference inside a longer answer), ``token_sort_ratio``,
    ``token_set_ratio`` (word order and repeats ignored), ``WRatio``. Defaults compare case-
    and whitespace-insensitively; passes at ``threshold`` 0.8.
    """

    name: ClassVar[str] = "fuzzy"
    requires: ClassVar[tuple[str, ...]] = ("expected",)
    method: str = "ratio"
    ignore_case: bool = True
    ignore_whitespace: bool = True
    threshold: float = 0.8

    def __post_init__(self) -> None:
        methods = _fuzzy_methods()
        if self.method not in methods:
            raise ConfigError.single(
                f"scorer {self.name!r}", f"method = {self.method!r}; valid: {sorted(methods)}"
            )

    def score(self, ctx: ScoreContext) -> Score:
        fn = _fuzzy_methods()[self.method]
        out = self.norm(ctx.response.text)
        sims = [fn(out, self.norm(ref)) / 100.0 for ref in self.references(ctx)]
        best = max(range(len(sims)), key=sims.__getitem__)
        value = round(sims[best], 6)
        passed = value >= self.threshold
        verb = "at least" if passed else "below"
        return Score(
            value,
            passed,
            f"{self.method} similarity {value:.2f} to expected[{best}], {verb} {self.threshold}",
            {"similarities": sims, "best": best, "method": self.method},
        )


def _look_alike(out: str, refs: list[str]) -> str:
    """When the (normalised) output reads like a reference but differs in code points
    (full-width letters, a zero-width space, a ligature), both with escapes, so the reason does
    not say "'Paris' equals none of ['Paris']"."""

    def seen(text: str) -> str:
        folded = unicodedata.normalize("NFKC", text)
        return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")

    for i, ref in enumerate(refs):
        if ref != out and seen(ref) == seen(out):
            show = json.dumps(_clip(out), ensure_ascii=True)
            return (
                f"; expected[{i}] only looks the same: output {show}, "
                f"expected {json.dumps(_clip(ref), ensure_ascii=True)}"
            )
    return ""


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _quote(values: list[str], n: int = 5) -> str:
    shown = ", ".join(f'"{_clip(v, 40)}"' for v in values[:n])
    return shown + (f" and {len(values) - n} more" if len(values) > n else "")
