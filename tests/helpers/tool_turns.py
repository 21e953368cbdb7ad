"""The loopback server's check of tool turns, as strict as the real APIs.

OpenAI refuses (400) a ``tool`` message without ``tool_call_id``, one that answers no call of
the assistant message before it, and an assistant ``tool_calls`` message whose calls are not
all answered by the tool messages right after it. Anthropic refuses a ``tool_result`` whose
``tool_use_id`` is not a ``tool_use`` of the previous (assistant) message, a ``tool_use``
without a result in the next message, results that are not first in their turn, and empty
text blocks. The server answers those with the API's 400 so the adapters' bodies are held to
the real rules, not only to what the tests expect.
"""

from __future__ import annotations

from typing import Any

__all__ = ["tool_turn_problem"]


def tool_turn_problem(api: str, payload: dict[str, Any]) -> str | None:
    """Why the API would refuse this body's conversation, or ``None`` when it would not."""
    messages = [m for m in payload.get("messages") or [] if isinstance(m, dict)]
    return _openai(messages) if api == "openai" else _anthropic(messages)


def _openai(messages: list[dict[str, Any]]) -> str | None:
    pending: set[str] | None = None  # ids of the open assistant turn still unanswered
    for i, m in enumerate(messages):
        role = m.get("role")
        if role == "tool":
            cid = m.get("tool_call_id")
            if not isinstance(cid, str):
                return (
                    f"Missing parameter 'tool_call_id': messages[{i}] with role 'tool' must "
                    "have a 'tool_call_id'."
                )
            if pending is None or cid not in pending:
                return (
                    f"Invalid parameter: messages[{i}] with role 'tool' must be a response "
                    "to a preceeding message with 'tool_calls'."
                )
            pending.discard(cid)
            continue
        if pending:
            return _unanswered(sorted(pending))
        pending = None
        if role == "assistant" and m.get("tool_calls"):
            pending = set()
            for c in m["tool_calls"]:
                fn = c.get("function") if isinstance(c, dict) else None
                if (
                    not isinstance(c.get("id"), str)
                    or c.get("type") != "function"
                    or not isinstance(fn, dict)
                    or not isinstance(fn.get("name"), str)
                    or not isinstance(fn.get("arguments"), str)
                ):
                    return f"Invalid value in messages[{i}].tool_calls: {c!r}"
                pending.add(c["id"])
    if pending:
        return _unanswered(sorted(pending))
    return None


def _unanswered(ids: list[str]) -> str:
    return (
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + ", ".join(ids)
    )


def _anthropic(messages: list[dict[str, Any]]) -> str | None:
    uses: set[str] = set()  # tool_use ids of the previous message
    for i, m in enumerate(messages):
        content = m.get("content")
        blocks = [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []
        kinds = [b.get("type") for b in blocks]
        if any(b.get("type") == "text" and not b.get("text") for b in blocks):
            return f"messages.{i}: text content blocks must be non-empty"
        results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
        if results and m.get("role") != "user":
            return f"messages.{i}: tool_result blocks are only allowed in user messages"
        first_other = next((j for j, k in enumerate(kinds) if k != "tool_result"), len(kinds))
        if "tool_result" in kinds[first_other:]:
            return f"messages.{i}: tool_result blocks must come first in the user message"
        unexpected = [r for r in results if r not in uses]
        if unexpected:
            return (
                f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{', '.join(map(str, unexpected))}. Each `tool_result` block must have a "
                "corresponding `tool_use` block in the previous message."
            )
        missing = sorted(uses - set(results))
        if missing:
            return (
                f"messages.{i - 1}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {', '.join(missing)}. Each `tool_use` block must have a "
                "corresponding `tool_result` block in the next message."
            )
        uses = set()
        for b in blocks:
            if b.get("type") == "tool_use":
                if m.get("role") != "assistant" or not isinstance(b.get("input"), dict):
                    return f"messages.{i}: invalid tool_use block {b!r}"
                uses.add(str(b.get("id")))
    if uses:
        return (
            f"messages.{len(messages) - 1}: `tool_use` ids were found without `tool_result` "
            f"blocks immediately after: {', '.join(sorted(uses))}."
        )
    return None
