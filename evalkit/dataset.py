"""Eval sets: JSONL files of cases, streamed, validated line by line, versioned by content.

A *case* is one JSONL line; an *eval set* is one file. Loading validates every line and
reports every problem at once (up to :data:`MAX_PROBLEMS`), each as ``path:line: ...``, so a
curator fixes a file in one pass instead of one error per run.
"""

from __future__ import annotations

import gc
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from evalkit.dataset_checks import CHECK_KEYS, Check
from evalkit.dataset_messages import Message, ToolCall
from evalkit.dataset_select import Selection, select_cases
from evalkit.errors import DatasetError, Problem

__all__ = [
    "CASE_FIELDS",
    "CHECK_KEYS",
    "MAX_PROBLEMS",
    "Case",
    "Check",
    "ContextPassage",
    "EvalSet",
    "ExpectedToolCall",
    "Message",
    "Selection",
    "ToolCall",
    "ToolSpec",
    "iter_cases",
    "load_eval_set",
    "parse_case",
]

MAX_PROBLEMS = 50
"""Problems reported per file before the rest are only counted."""

CASE_FIELDS = (
    "id",
    "input",
    "vars",
    "context",
    "expected",
    "expected_tool_calls",
    "tool_call_order",
    "tools",
    "should_refuse",
    "tags",
    "metadata",
    "checks",
)


@dataclass(frozen=True, slots=True)
class ContextPassage:
    """One piece of grounding material. ``id`` is what a response cites (``[1]``, ``[doc-7]``)."""

    id: str
    text: str
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "source": self.source}


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool the model may call: a JSON Schema function spec."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """A JSON Schema object (``{"type": "object", "properties": ..., "required": ...}``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": dict(self.parameters),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolSpec:
        """Accept evalkit's form and OpenAI's ``{"type": "function", "function": {...}}``."""
        if data.get("type") == "function" and isinstance(data.get("function"), Mapping):
            data = data["function"]
        return cls(
            name=str(data["name"]),
            description=str(data.get("description") or ""),
            parameters=dict(data.get("parameters") or {}),
        )


@dataclass(frozen=True, slots=True)
class ExpectedToolCall:
    """One expected call. An argument value is the expected value or ``{"$any": [v1, v2]}``.

    Arguments listed in ``optional`` may be omitted (if sent they must match); arguments not
    in ``arguments`` must not be sent at all.
    """

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    optional: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arguments": dict(self.arguments),
            "optional": list(self.optional),
        }


@dataclass(frozen=True, slots=True)
class Case:
    """One line of an eval set. Fields are documented in the README's eval-set format."""

    id: str
    input: str | tuple[Message, ...] | None = None
    """The user's text, or a whole conversation."""
    vars: Mapping[str, Any] = field(default_factory=dict)
    """Template variables for the candidate's prompt."""
    context: tuple[ContextPassage, ...] = ()
    """Grounding material; plain strings get ids ``"1"``, ``"2"``, ...."""
    expected: tuple[str, ...] | None = None
    """Reference answer(s); ``None`` when the case has none."""
    expected_tool_calls: tuple[ExpectedToolCall, ...] | None = None
    """``None``: not checked; ``()``: no tool may be called."""
    tool_call_order: Literal["any", "strict"] = "any"
    tools: tuple[ToolSpec, ...] | None = None
    """Per-case tool definitions, overriding the candidate's."""
    should_refuse: bool | None = None
    tags: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0
    """1-based line in the source file (0 when built in Python)."""
    checks: tuple[Check, ...] = ()
    """Checks that belong to this case, run by the ``checks`` scorer when a suite lists it.
    Last, after ``line``, so that positional construction of a case is unchanged."""

    def has(self, name: str) -> bool:
        """Whether the case provides field ``name`` (what scorers check before scoring)."""
        value = getattr(self, name)
        if name == "expected_tool_calls":
            return value is not None  # () is a real expectation: no tool may be called
        return value is not None and value != {} and value != ()

    def to_dict(self) -> dict[str, Any]:
        """The case as a JSONL object (only fields that are set)."""
        out: dict[str, Any] = {"id": self.id}
        if self.input is not None:
            out["input"] = (
                self.input if isinstance(self.input, str) else [m.to_dict() for m in self.input]
            )
        if self.vars:
            out["vars"] = dict(self.vars)
        if self.context:
            out["context"] = [p.to_dict() for p in self.context]
        if self.expected is not None:
            out["expected"] = list(self.expected)
        if self.expected_tool_calls is not None:
            out["expected_tool_calls"] = [c.to_dict() for c in self.expected_tool_calls]
        if self.tool_call_order != "any":
            out["tool_call_order"] = self.tool_call_order
        if self.tools is not None:
            out["tools"] = [t.to_dict() for t in self.tools]
        if self.should_refuse is not None:
            out["should_refuse"] = self.should_refuse
        if self.tags:
            out["tags"] = list(self.tags)
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        if self.checks:
            out["checks"] = [c.to_dict() for c in self.checks]
        return out


@dataclass(frozen=True)
class EvalSet:
    """A loaded eval set: its cases and the hash of its content (its *version*)."""

    name: str
    cases: tuple[Case, ...]
    version: str
    """sha256 of the canonical JSON of every case, in file order: whitespace-insensitive. A
    selection keeps the whole file's version (it names the content the cases were taken
    from); ``selection`` then says which of them this set holds."""
    path: Path | None = None
    selection: Selection | None = None
    """Set by :meth:`select`: this set is part of the eval set, not all of it."""
    case_versions: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Case id -> sha256 (16 hex) of that case's line as the version hashes it. Each record
    carries its case's, so a comparison across eval set versions leaves out a shared id whose
    case was edited rather than pair two different questions."""

    def __len__(self) -> int:
        return len(self.cases)

    def __iter__(self) -> Iterator[Case]:
        return iter(self.cases)

    def tag_counts(self) -> dict[str, int]:
        return dict(Counter(t for c in self.cases for t in c.tags))

    def by_id(self) -> dict[str, Case]:
        return {c.id: c for c in self.cases}

    def select(
        self,
        ids: str | Iterable[str] | None = None,
        tags: str | Iterable[str] | None = None,
        limit: int | None = None,
    ) -> EvalSet:
        """A new eval set of the cases matching the filters (see :class:`Selection`), in file
        order, that records its selection; with no filter, this set itself.

        An id or pattern that matches no case, a tag no case has, a ``limit`` below 1 or
        filters that together leave no case raise :class:`~evalkit.errors.InputError`, naming
        every such value with the closest ids or tags: a typo must not quietly run nothing
        or, worse, the wrong cases.
        """
        return select_cases(self, ids, tags, limit)

    @classmethod
    def from_cases(cls, cases: Iterable[Case | Mapping[str, Any]], name: str = "inline") -> EvalSet:
        """Build an eval set in Python, validated exactly like a file."""
        rows = list(cases)
        dicts = [c.to_dict() if isinstance(c, Case) else dict(c) for c in rows]
        return _collect(((i + 1, d) for i, d in enumerate(dicts)), where=name, name=name)


def load_eval_set(path: str | Path, *, name: str | None = None) -> EvalSet:
    """Load and validate a JSONL eval set; raise :class:`DatasetError` listing every problem."""
    from evalkit.dataset_read import read_lines as read_lines

    path = Path(path)
    return _collect(read_lines(path), where=str(path), name=name or _stem(path), path=path)


def _stem(path: Path) -> str:
    """``support`` for ``support.jsonl`` and for ``support.jsonl.gz``."""
    return Path(path.stem).stem if path.suffix == ".gz" else path.stem


def iter_cases(path: str | Path) -> Iterator[Case]:
    """Stream cases one at a time, raising on the first bad line (for very large files)."""
    from evalkit.dataset_parse import parse_case
    from evalkit.dataset_read import read_lines as read_lines

    seen: set[str] = set()
    for lineno, obj in read_lines(Path(path)):
        problems: list[Problem] = []
        case = parse_case(obj, f"{path}:{lineno}", problems, line=lineno)
        if case is not None and case.id in seen:
            problems.append(
                Problem(
                    f"{path}:{lineno}", f'duplicate id "{case.id}"; ids must be unique in a file'
                )
            )
        if problems:
            raise DatasetError(problems)
        assert case is not None
        seen.add(case.id)
        yield case
    if not seen:
        raise DatasetError([Problem(str(path), _NO_CASES)])


@dataclass(frozen=True)
class _BadJSON:
    """A line that could not be decoded, carried to the collector as a problem."""

    message: str


def _claimed_id(obj: Any) -> str | None:
    case_id = obj.get("id") if isinstance(obj, dict) else None
    return case_id if isinstance(case_id, str) and case_id.strip() else None


_JSON = "use strings, numbers, true/false, null, lists and objects"
_NO_CASES = "the eval set has no cases; add one JSON object per line"


def _collect(
    rows: Iterable[tuple[int, Any]], *, where: str, name: str, path: Path | None = None
) -> EvalSet:
    # Loading allocates millions of containers and no reference cycles, so the cyclic
    # collector's repeated full passes over the growing set of cases are pure cost (about a
    # quarter of the load time of a 100k-case file); reference counting still frees garbage.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _collect_cases(rows, where=where, name=name, path=path)
    finally:
        if paused:
            gc.enable()


def _collect_cases(
    rows: Iterable[tuple[int, Any]], *, where: str, name: str, path: Path | None
) -> EvalSet:
    cases: list[Case] = []
    problems: list[Problem] = []
    truncated = 0
    first_line: dict[str, int] = {}
    digest = hashlib.sha256()
    versions: dict[str, str] = {}
    from evalkit.dataset_parse import parse_case
    from evalkit.hashing import canonical_json

    for lineno, obj in rows:
        loc = f"{where}:{lineno}"
        line_problems: list[Problem] = []
        case = parse_case(obj, loc, line_problems, line=lineno)
        # A line with other problems still claims its id: fixing it must not reveal a
        # duplicate only on the next run.
        case_id = case.id if case is not None else _claimed_id(obj)
        if case_id is not None:
            if case_id in first_line:
                line_problems.append(
                    Problem(
                        loc,
                        f'duplicate id "{case_id}" (first on line {first_line[case_id]}); '
                        "ids must be unique in a file",
                    )
                )
            else:
                first_line[case_id] = lineno
        encoded = b""
        if case is not None:
            try:
                encoded = canonical_json(obj).encode("utf-8")
            except ValueError as exc:  # built in Python (from_cases): NaN, a lone surrogate
                # json's own wording for NaN varies across Python versions; say it plainly
                why = (
                    "NaN or Infinity, e.g. a pandas frame's missing value: use None"
                    if "Out of range float" in str(exc)
                    else str(exc)
                )
                line_problems.append(
                    Problem(loc, f"holds a value that is not JSON ({why}); {_JSON}")
                )
            except TypeError as exc:  # ... or an object JSON cannot hold
                line_problems.append(Problem(loc, f"{exc}; {_JSON}"))
        if line_problems:
            room = MAX_PROBLEMS - len(problems)
            problems.extend(line_problems[: max(room, 0)])
            truncated += max(len(line_problems) - max(room, 0), 0)
            continue
        assert case is not None
        digest.update(encoded)
        digest.update(b"\n")
        if not problems:
            cases.append(case)
            versions[case.id] = hashlib.sha256(encoded).hexdigest()[:16]
    if problems:
        raise DatasetError(problems, truncated=truncated)
    if not cases:
        raise DatasetError([Problem(where, _NO_CASES)])
    return EvalSet(
        name=name,
        cases=tuple(cases),
        version=digest.hexdigest(),
        path=path,
        case_versions=versions,
    )


if TYPE_CHECKING:
    from evalkit.dataset_parse import parse_case
    from evalkit.dataset_read import read_lines as read_lines


def __getattr__(name: str) -> Any:
    """Re-export the parser lazily: it imports this module's classes, so an eager import here
    broke whichever of the two was imported first."""
    if name == "parse_case":
        from evalkit import dataset_parse

        return dataset_parse.parse_case
    if name == "read_lines":
        from evalkit import dataset_read

        return dataset_read.read_lines
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
