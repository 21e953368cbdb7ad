"""Eval sets: JSONL files of cases, streamed, validated line by line, versioned by content.

A *case* is one JSONL line; an *eval set* is one file. Loading validates every line and
reports every problem at once (up to :data:`MAX_PROBLEMS`), each as ``path:line: ...``, so a
curator fixes a file in one pass instead of one error per run.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from evalkit.errors import DatasetError, Problem, did_you_mean

__all__ = [
    "CASE_FIELDS",
    "MAX_PROBLEMS",
    "Case",
    "ContextPassage",
    "EvalSet",
    "ExpectedToolCall",
    "Message",
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
)
ROLES = ("system", "user", "assistant", "tool")


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message as sent to a provider."""

    role: str
    """``system``, ``user``, ``assistant`` or ``tool``."""
    content: str

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "content": self.content}


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
        return out


@dataclass(frozen=True)
class EvalSet:
    """A loaded eval set: its cases and the hash of its content (its *version*)."""

    name: str
    cases: tuple[Case, ...]
    version: str
    """sha256 of the canonical JSON of every case, in file order: whitespace-insensitive."""
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.cases)

    def __iter__(self) -> Iterator[Case]:
        return iter(self.cases)

    def tag_counts(self) -> dict[str, int]:
        return dict(Counter(t for c in self.cases for t in c.tags))

    def by_id(self) -> dict[str, Case]:
        return {c.id: c for c in self.cases}

    @classmethod
    def from_cases(cls, cases: Iterable[Case | Mapping[str, Any]], name: str = "inline") -> EvalSet:
        """Build an eval set in Python, validated exactly like a file."""
        rows = list(cases)
        dicts = [c.to_dict() if isinstance(c, Case) else dict(c) for c in rows]
        return _collect(((i + 1, d) for i, d in enumerate(dicts)), where=name, name=name)


def load_eval_set(path: str | Path, *, name: str | None = None) -> EvalSet:
    """Load and validate a JSONL eval set; raise :class:`DatasetError` listing every problem."""
    path = Path(path)
    return _collect(_read_lines(path), where=str(path), name=name or path.stem, path=path)


def iter_cases(path: str | Path) -> Iterator[Case]:
    """Stream cases one at a time, raising on the first bad line (for very large files)."""
    seen: set[str] = set()
    for lineno, obj in _read_lines(Path(path)):
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


def _read_lines(path: Path) -> Iterator[tuple[int, Any]]:
    if not path.is_file():
        raise DatasetError([Problem(str(path), "file not found; check the path")])
    with path.open("r", encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                yield lineno, json.loads(raw)
            except json.JSONDecodeError as exc:
                yield (
                    lineno,
                    _BadJSON(
                        f"invalid JSON ({exc.msg} at column {exc.colno}); "
                        "each line must be one JSON object"
                    ),
                )


@dataclass(frozen=True)
class _BadJSON:
    message: str


def _collect(
    rows: Iterable[tuple[int, Any]], *, where: str, name: str, path: Path | None = None
) -> EvalSet:
    cases: list[Case] = []
    problems: list[Problem] = []
    truncated = 0
    first_line: dict[str, int] = {}
    digest = hashlib.sha256()
    from evalkit.hashing import canonical_json

    for lineno, obj in rows:
        loc = f"{where}:{lineno}"
        line_problems: list[Problem] = []
        case = parse_case(obj, loc, line_problems, line=lineno)
        if case is not None:
            if case.id in first_line:
                line_problems.append(
                    Problem(
                        loc,
                        f'duplicate id "{case.id}" (first on line {first_line[case.id]}); '
                        "ids must be unique in a file",
                    )
                )
            else:
                first_line[case.id] = lineno
        if line_problems:
            room = MAX_PROBLEMS - len(problems)
            problems.extend(line_problems[: max(room, 0)])
            truncated += max(len(line_problems) - max(room, 0), 0)
            continue
        assert case is not None
        digest.update(canonical_json(obj).encode("utf-8"))
        digest.update(b"\n")
        if not problems:
            cases.append(case)
    if problems:
        raise DatasetError(problems, truncated=truncated)
    if not cases:
        raise DatasetError(
            [Problem(where, "the eval set has no cases; add one JSON object per line")]
        )
    return EvalSet(name=name, cases=tuple(cases), version=digest.hexdigest(), path=path)


# --------------------------------------------------------------------------- validation


def parse_case(obj: Any, loc: str, problems: list[Problem], *, line: int = 0) -> Case | None:
    """Validate one decoded line; append problems and return ``None`` when it is invalid."""
    if isinstance(obj, _BadJSON):
        problems.append(Problem(loc, obj.message))
        return None
    if not isinstance(obj, dict):
        problems.append(Problem(loc, f"expected a JSON object, got {_kind(obj)}"))
        return None
    start = len(problems)

    def bad(field_name: str, message: str) -> None:
        problems.append(Problem(loc, f'field "{field_name}" {message}'))

    for key in obj:
        if key not in CASE_FIELDS:
            hint = did_you_mean(key, CASE_FIELDS)
            bad(key, f"is unknown;{hint or ' valid fields: ' + ', '.join(CASE_FIELDS)}")

    case_id = obj.get("id")
    if case_id is None:
        bad("id", "is required; give every case a unique string id")
    elif not isinstance(case_id, str) or not case_id.strip():
        bad("id", f"must be a non-empty string, got {case_id!r}")

    inp = _parse_input(obj.get("input"), bad)
    variables = obj.get("vars", {})
    if not isinstance(variables, dict):
        bad("vars", f"must be an object of template variables, got {_kind(variables)}")
    if "input" not in obj and not variables:
        bad("input", "is required unless the case gives vars for the prompt template")
    context = _parse_context(obj.get("context"), bad)
    expected = _parse_expected(obj.get("expected"), bad)
    calls = _parse_expected_calls(obj.get("expected_tool_calls"), bad)
    order = obj.get("tool_call_order", "any")
    if order not in ("any", "strict"):
        bad("tool_call_order", f'must be "any" or "strict", got {order!r}')
    tools = _parse_tools(obj.get("tools"), bad)
    refuse = obj.get("should_refuse")
    if refuse is not None and not isinstance(refuse, bool):
        bad("should_refuse", f"must be true or false, got {refuse!r}")
    tags = obj.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        bad("tags", f"must be a list of non-empty strings, got {tags!r}")
    metadata = obj.get("metadata", {})
    if not isinstance(metadata, dict):
        bad("metadata", f"must be an object, got {_kind(metadata)}")

    if len(problems) > start:
        return None
    return Case(
        id=str(case_id),
        input=inp,
        vars=variables,
        context=context,
        expected=expected,
        expected_tool_calls=calls,
        tool_call_order=order,
        tools=tools,
        should_refuse=refuse,
        tags=tuple(tags),
        metadata=metadata,
        line=line,
    )


def _parse_input(value: Any, bad: Any) -> str | tuple[Message, ...] | None:
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, list) or not value:
        bad("input", f"must be a string or a non-empty list of messages, got {_kind(value)}")
        return None
    messages = []
    for i, m in enumerate(value):
        if not isinstance(m, dict) or set(m) - {"role", "content"} or "role" not in m:
            bad("input", f'message {i + 1} must be {{"role", "content"}}, got {m!r}'[:200])
            return None
        if m["role"] not in ROLES:
            bad("input", f"message {i + 1} has role {m['role']!r}; use one of {list(ROLES)}")
            return None
        if not isinstance(m.get("content"), str):
            bad("input", f"message {i + 1} content must be a string")
            return None
        messages.append(Message(m["role"], m["content"]))
    return tuple(messages)


def _parse_context(value: Any, bad: Any) -> tuple[ContextPassage, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        bad(
            "context",
            f"must be a list of strings or of {{id, text, source}} objects, got {_kind(value)}",
        )
        return ()
    passages = []
    for i, p in enumerate(value, start=1):
        if isinstance(p, str):
            passages.append(ContextPassage(str(i), p))
        elif (
            isinstance(p, dict)
            and isinstance(p.get("text"), str)
            and not set(p) - {"id", "text", "source"}
        ):
            pid = p.get("id", str(i))
            passages.append(ContextPassage(str(pid), p["text"], p.get("source")))
        else:
            bad("context", f"item {i} must be a string or {{id, text, source}} with a string text")
            return ()
    return tuple(passages)


def _parse_expected(value: Any, bad: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    bad("expected", f"must be a string or a list of strings, got {_kind(value)}")
    return None


def _parse_expected_calls(value: Any, bad: Any) -> tuple[ExpectedToolCall, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        bad(
            "expected_tool_calls", f"must be a list of calls ([] means no call), got {_kind(value)}"
        )
        return None
    calls = []
    for i, c in enumerate(value, start=1):
        where = f"call {i}"
        if not isinstance(c, dict):
            bad("expected_tool_calls", f"{where} must be an object, got {_kind(c)}")
            return None
        unknown = set(c) - {"name", "arguments", "optional"}
        if unknown:
            key = sorted(unknown)[0]
            bad(
                "expected_tool_calls",
                f'{where} has unknown key "{key}";'
                f"{did_you_mean(key, ['name', 'arguments', 'optional']) or ' use name, arguments, optional'}",
            )
            return None
        if not isinstance(c.get("name"), str) or not c["name"]:
            bad("expected_tool_calls", f'{where} needs a "name" string')
            return None
        args = c.get("arguments", {})
        if not isinstance(args, dict):
            bad("expected_tool_calls", f'{where} "arguments" must be an object')
            return None
        for arg, v in args.items():
            if (
                isinstance(v, dict)
                and "$any" in v
                and (len(v) != 1 or not isinstance(v["$any"], list) or not v["$any"])
            ):
                bad(
                    "expected_tool_calls",
                    f'{where} argument "{arg}": "$any" must be the only key and a non-empty list',
                )
                return None
        optional = c.get("optional", [])
        if not isinstance(optional, list) or not all(isinstance(o, str) for o in optional):
            bad("expected_tool_calls", f'{where} "optional" must be a list of argument names')
            return None
        missing = [o for o in optional if o not in args]
        if missing:
            bad(
                "expected_tool_calls",
                f'{where} lists optional argument "{missing[0]}" that is not '
                'in "arguments"; give its acceptable value(s) there',
            )
            return None
        calls.append(ExpectedToolCall(c["name"], args, tuple(optional)))
    return tuple(calls)


def _parse_tools(value: Any, bad: Any) -> tuple[ToolSpec, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        bad("tools", f"must be a list of function specs, got {_kind(value)}")
        return None
    tools = []
    for i, t in enumerate(value, start=1):
        spec = t.get("function") if isinstance(t, dict) and t.get("type") == "function" else t
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            bad("tools", f'tool {i} must be {{"name", "description", "parameters"}}')
            return None
        if not isinstance(spec.get("parameters", {}), dict):
            bad("tools", f'tool {i} ("{spec["name"]}") "parameters" must be a JSON Schema object')
            return None
        tools.append(ToolSpec.from_dict(spec))
    return tuple(tools)


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)
