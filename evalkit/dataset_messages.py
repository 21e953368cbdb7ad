"""Conversation messages: what a case's ``input`` list holds and a request sends.

A tool-using conversation is four kinds of turn: ``system``, ``user``, ``assistant`` (which may
carry the :class:`ToolCall` s it made) and ``tool`` (a result, answering one call by its
``tool_call_id``). Both OpenAI and Anthropic refuse a conversation in which a result answers no
call of the assistant turn right before it, or a call goes unanswered, so
:func:`parse_messages` refuses those at load time, naming the message, instead of every case
failing with a 400 at run time.

:class:`ToolCall` lives here, not in :mod:`evalkit.providers.base` (which re-exports it): a
call the model made and a call written in an eval set are the same thing, and the eval-set
stage comes before the provider stage. New fields are left out of ``to_dict`` when unset, so a
conversation without tool calls serialises, hashes and caches byte for byte as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from evalkit.errors import did_you_mean

__all__ = ["ROLES", "Message", "ToolCall", "call_text", "conversation_text", "parse_messages"]

ROLES = ("system", "user", "assistant", "tool")
_MESSAGE_KEYS = ("role", "content", "tool_calls", "tool_call_id", "name")
_CALL_KEYS = ("id", "name", "arguments", "type", "function")


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call the model made. A malformed argument string is kept raw and flagged."""

    name: str
    arguments: Mapping[str, Any] | None
    """Parsed arguments; ``None`` when ``raw_arguments`` was not a JSON object."""
    raw_arguments: str | None = None
    """The argument string exactly as the provider sent it (when it sent a string)."""
    id: str | None = None
    parse_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "arguments": self.arguments}
        if self.id is not None:
            d["id"] = self.id
        if self.parse_error is not None:
            d["raw_arguments"] = self.raw_arguments
            d["parse_error"] = self.parse_error
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ToolCall:
        return cls(
            name=d["name"],
            arguments=d.get("arguments"),
            raw_arguments=d.get("raw_arguments"),
            id=d.get("id"),
            parse_error=d.get("parse_error"),
        )


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message as sent to a provider."""

    role: str
    """``system``, ``user``, ``assistant`` or ``tool``."""
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    """On an assistant turn: the calls it made, each with an ``id`` its results answer."""
    tool_call_id: str | None = None
    """On a tool turn: the id of the call this is the result of. ``None`` on an old-style
    tool message, which is still accepted and sent as before."""
    name: str | None = None
    """On a tool turn: the tool's name, for readers (the APIs identify the call by id)."""

    def to_dict(self) -> dict[str, Any]:
        """``{"role", "content"}`` plus only the tool keys that are set (so old requests,
        cache keys and fingerprints stay byte-identical)."""
        d: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            d["tool_calls"] = [c.to_dict() for c in self.tool_calls]
        if self.tool_call_id is not None:
            d["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            d["name"] = self.name
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Message:
        """Read a message evalkit wrote (a record's ``request``), leniently."""
        return cls(
            role=str(d["role"]),
            content=str(d.get("content") or ""),
            tool_calls=tuple(ToolCall.from_dict(c) for c in d.get("tool_calls") or ()),
            tool_call_id=d.get("tool_call_id"),
            name=d.get("name"),
        )


Report = Callable[[str], None]
"""Records one problem of the ``input`` field (the text after ``field "input" ``)."""


def parse_messages(value: list[Any], report: Report, case_id: Any) -> tuple[Message, ...] | None:
    """Validate a conversation; report every problem and return ``None`` when it has any."""
    messages: list[Message] = []
    case = f"of case {_show(case_id)}"
    for i, m in enumerate(value, start=1):
        msg = _parse_message(i, m, report, case)
        if msg is None:
            return None
        messages.append(msg)
    if all(m.role == "system" for m in messages):
        report("has only system messages; add the user's turn")
        return None
    problems = _tool_turn_problems(messages, case)
    for p in problems:
        report(p)
    return None if problems else tuple(messages)


def _parse_message(i: int, m: Any, report: Report, case: str) -> Message | None:
    if not isinstance(m, dict) or "role" not in m:
        report(f'message {i} must be {{"role", "content"}}, got {_show(m)}')
        return None
    role = m["role"]
    if role not in ROLES:
        hint = did_you_mean(role.lower(), ROLES) if isinstance(role, str) else ""
        report(f"message {i} has role {_show(role)};{hint} use one of {_show(ROLES)}")
        return None
    for key in m:
        if key not in _MESSAGE_KEYS:
            hint = did_you_mean(key, _MESSAGE_KEYS) or (
                " a message has role and content, an assistant one tool_calls, a tool one "
                "tool_call_id and name"
            )
            report(f'message {i} {case} has unknown key "{key}";{hint}')
            return None
    owner = {"tool_calls": "assistant", "tool_call_id": "tool", "name": "tool"}
    for key, needs in owner.items():
        if key in m and role != needs:
            report(
                f'message {i} ({role}) {case} has "{key}", which only a {needs} message '
                "carries; remove it"
            )
            return None
    calls = _parse_calls(f"message {i}", m.get("tool_calls"), report, case)
    if calls is None:
        return None
    content = m.get("content")
    if content is None and calls:  # OpenAI's logs: an assistant turn of only tool calls
        content = ""
    if not isinstance(content, str):
        report(f"message {i} content must be a string, got {_show(content)}")
        return None
    call_id, name = m.get("tool_call_id"), m.get("name")
    for key, v in (("tool_call_id", call_id), ("name", name)):
        if v is not None and (not isinstance(v, str) or not v.strip()):
            report(f'message {i} {case} "{key}" must be a non-empty string, got {_show(v)}')
            return None
    return Message(role, content, calls, call_id, name)


def _parse_calls(at: str, value: Any, report: Report, case: str) -> tuple[ToolCall, ...] | None:
    if value is None:
        return ()
    if not isinstance(value, list):
        report(f'{at} {case} "tool_calls" must be a list of {{"id", "name", "arguments"}}')
        return None
    calls = []
    for j, c in enumerate(value, start=1):
        where = f"{at} tool call {j} {case}"
        if not isinstance(c, dict):
            report(f'{where} must be {{"id", "name", "arguments"}}, got {_show(c)}')
            return None
        for key in c:
            if key not in _CALL_KEYS:
                hint = did_you_mean(key, _CALL_KEYS) or " use id, name, arguments"
                report(f'{where} has unknown key "{key}";{hint}')
                return None
        fn = c.get("function")
        spec: Mapping[str, Any] = c
        if fn is not None:  # OpenAI's wire shape, pasted from a log
            extra = sorted(set(fn) - {"name", "arguments"}) if isinstance(fn, dict) else []
            if not isinstance(fn, dict) or extra or "name" in c or "arguments" in c:
                report(f'{where} "function" must be {{"name", "arguments"}} (OpenAI\'s form)')
                return None
            spec = fn
        if c.get("type", "function") != "function":
            report(f'{where} has type {_show(c["type"])}; only "function" calls are supported')
            return None
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            report(f'{where} needs a "name" string, got {_show(name)}')
            return None
        call_id = c.get("id")
        if not isinstance(call_id, str) or not call_id.strip():
            report(
                f'{where} ("{name}") needs an "id" string, got {_show(call_id)}; the tool '
                'message that answers it repeats it as "tool_call_id"'
            )
            return None
        args = _arguments(spec.get("arguments"))
        if args is None:
            report(
                f'{where} ("{name}") "arguments" must be an object (or a JSON string of '
                f"one), got {_show(spec.get('arguments'))}"
            )
            return None
        calls.append(ToolCall(name=name, arguments=args, id=call_id))
    return tuple(calls)


def _arguments(value: Any) -> dict[str, Any] | None:
    """The arguments as an object: given as one, as a JSON string of one, or absent (``{}``)."""
    if value is None:
        return {}
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _tool_turn_problems(messages: list[Message], case: str) -> list[str]:
    """Every way the conversation breaks the rule both APIs enforce: each call is answered
    by a tool message right after its assistant turn, and each tool message with an id
    answers a call of that turn."""
    problems: list[str] = []
    made: dict[str, tuple[int, str]] = {}  # call id -> (message index, tool name)
    open_turn: int | None = None  # the assistant turn whose results may follow now
    pending: dict[str, str] = {}  # its unanswered call ids -> tool names
    answered: dict[str, int] = {}

    def close() -> None:
        for cid, name in pending.items():
            problems.append(
                f'message {open_turn} tool call "{cid}" ("{name}") {case} has no tool result; '
                f'add {{"role": "tool", "tool_call_id": "{cid}", "content": ...}} right after '
                "it (OpenAI and Anthropic both refuse an unanswered call)"
            )
        pending.clear()

    for i, m in enumerate(messages, start=1):
        if m.role != "tool":
            close()
            open_turn = None
        if m.role == "assistant" and m.tool_calls:
            open_turn = i
            for c in m.tool_calls:
                assert c.id is not None
                if c.id in made:
                    problems.append(
                        f'message {i} tool call "{c.id}" {case} repeats the id of a call in '
                        f"message {made[c.id][0]}; ids must be unique in a conversation"
                    )
                    continue
                made[c.id] = (i, c.name)
                pending[c.id] = c.name
        elif m.role == "tool":
            problems.extend(_result_problems(i, m, case, made, open_turn, pending, answered))
    close()
    return problems


def _result_problems(
    i: int,
    m: Message,
    case: str,
    made: Mapping[str, tuple[int, str]],
    open_turn: int | None,
    pending: dict[str, str],
    answered: dict[str, int],
) -> list[str]:
    head = f"message {i} (tool) {case}"
    cid = m.tool_call_id
    if cid is None:
        if open_turn is None:
            return []  # an old-style tool message: accepted and sent as before
        ids = ", ".join(f'"{k}" ({v})' for k, v in pending.items()) or "none left"
        return [
            f'{head} has no "tool_call_id"; message {open_turn} made the call(s) it may '
            f"answer: {ids}; set the id of the one this result is for"
        ]
    if cid in answered:
        return [f'{head} answers "{cid}" again (message {answered[cid]} did); one result per call']
    where = made.get(cid)
    if where is None or open_turn is None or where[0] != open_turn:
        if where is not None:
            why = f"that call was made in message {where[0]}, and results must directly follow it"
        elif open_turn is None:
            why = "no assistant turn with tool_calls comes directly before it"
        else:
            why = f"message {open_turn} made only {_ids(made, open_turn)}"
        return [
            f'{head} answers tool_call_id "{cid}", which no tool call of the assistant turn '
            f"before it has: {why}; put each result right after the assistant message that "
            "made the call, with that call's id"
        ]
    answered[cid] = i
    pending.pop(cid, None)
    if m.name is not None and m.name != where[1]:
        return [f'{head} names tool "{m.name}", but call "{cid}" is to "{where[1]}"; fix the name']
    return []


def _ids(made: Mapping[str, tuple[int, str]], turn: int) -> str:
    return ", ".join(f'"{cid}"' for cid, (at, _) in made.items() if at == turn)


def call_text(name: Any, arguments: Any) -> str:
    """A tool call of a conversation for people (the report, a judge): ``[tool call] f({...})``."""
    return f"[tool call] {name}({json.dumps(arguments, ensure_ascii=False, sort_keys=True)})"


def conversation_text(messages: Iterable[Any]) -> str:
    """A conversation (as ``to_dict`` wrote it) for people: the non-system turns' text, with
    tool calls as ``[tool call] f({...})`` and results as ``[tool result: f] ...``."""
    names: dict[Any, str] = {}
    parts: list[str] = []
    for m in messages:
        if not isinstance(m, Mapping) or m.get("role") == "system":
            continue
        content = str(m.get("content") or "")
        if m.get("role") == "tool":
            name = m.get("name") or names.get(m.get("tool_call_id"))
            parts.append(f"[tool result{': ' + str(name) if name else ''}] {content}")
            continue
        lines = [content] if content or not m.get("tool_calls") else []
        for c in m.get("tool_calls") or ():
            if isinstance(c, Mapping):
                names[c.get("id")] = str(c.get("name"))
                lines.append(call_text(c.get("name"), c.get("arguments")))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _show(value: Any, limit: int = 80) -> str:
    """The bad value as the user wrote it (JSON, not Python's repr), cut to ``limit``."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _or(value: Any, default: Any) -> Any:
    """``default`` for a missing or null value: null means "not given"."""
    return default if value is None else value


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
