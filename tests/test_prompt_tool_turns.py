"""Rendering a tool-using conversation: a prompt template (inline or a Jinja file) replaces the
last user turn; the assistant's tool calls and the tool results pass through unchanged."""

from __future__ import annotations

from pathlib import Path

from evalkit.config import Candidate
from evalkit.dataset import EvalSet, Message, ToolCall
from evalkit.prompt import PromptRenderer, render

CALL = ToolCall("get_order", {"order_id": "A1"}, id="call_1")
CASE = EvalSet.from_cases(
    [
        {
            "id": "agent",
            "vars": {"customer": "Ada"},
            "input": [
                {"role": "user", "content": "Is A1 refundable?"},
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {"id": "call_1", "name": "get_order", "arguments": {"order_id": "A1"}}
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "delivered 45 days ago"},
            ],
        }
    ]
).cases[0]
TAIL = (
    Message("assistant", "", (CALL,)),
    Message("tool", "delivered 45 days ago", tool_call_id="call_1"),
)


def test_without_a_template_the_conversation_is_sent_as_written() -> None:
    req = render(CASE, Candidate("c", "replay", "m"))
    assert req.messages == CASE.input


def test_a_jinja_file_template_replaces_the_user_turn_and_keeps_tool_turns(
    tmp_path: Path,
) -> None:
    (tmp_path / "p.j2").write_text("{{ customer }} asks: {{ input }}\n", encoding="utf-8")
    cand = Candidate(
        "c", "replay", "m", system="Refunds: 30 days.", prompt_file="p.j2", base_dir=str(tmp_path)
    )
    req = PromptRenderer(cand).render(CASE)
    assert req.messages == (
        Message("system", "Refunds: 30 days."),
        Message("user", "Ada asks: Is A1 refundable?"),
        *TAIL,
    )
    assert req.to_dict()["messages"][2] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"name": "get_order", "arguments": {"order_id": "A1"}, "id": "call_1"}],
    }
