"""A tool-using conversation stays whole after the provider: re-scoring, the judge's view of
it and the token estimate read its tool calls and results too."""

from __future__ import annotations

from evalkit.dataset import Case, Message
from evalkit.dataset_messages import ToolCall
from evalkit.providers.base import Request, Response
from evalkit.records import Record
from evalkit.scoring import ScoreContext

CALL = ToolCall("get_weather", {"city": "Paris"}, id="call_1")
TURNS = (
    Message("user", "Weather in Paris?"),
    Message("assistant", "", tool_calls=(CALL,)),
    Message("tool", "18 C and sunny", tool_call_id="call_1", name="get_weather"),
)
REQUEST = Request(case_id="c1", repeat=0, model="m", messages=TURNS)


def test_a_re_scored_record_keeps_its_tool_turns() -> None:
    # Rescoring rebuilt each stored message from role and content only: a scorer reading the
    # request lost the assistant's call and the result's id.
    from evalkit.rescoring import _request

    rec = Record("c1", 0, "cand", "fp", request=REQUEST.to_dict())
    again = _request(rec, Case(id="c1", input=list(TURNS)))
    assert again.messages == TURNS
    assert again.to_dict() == REQUEST.to_dict()


def test_the_judge_sees_what_the_tools_were_asked_and_said() -> None:
    from evalkit.scorers.judge import _conversation

    ctx = ScoreContext(Case(id="c1", input=list(TURNS)), Response(text="It is sunny."), REQUEST)
    assert _conversation(ctx).splitlines() == [
        "[user] Weather in Paris?",
        "[assistant] ",
        '[tool call] get_weather({"city": "Paris"})',
        "[tool result: get_weather] 18 C and sunny",
    ]
    plain = Request(case_id="c1", repeat=0, model="m", messages=(Message("user", "hi"),))
    assert _conversation(ScoreContext(Case(id="c1", input="hi"), Response(), plain)) == "[user] hi"


def test_the_token_estimate_counts_the_tool_calls_of_a_conversation() -> None:
    from dataclasses import replace

    from evalkit.pricing import estimate_usage

    big = ToolCall("search", {"query": "x" * 400}, id="call_2")
    with_call = replace(REQUEST, messages=(*TURNS[:1], Message("assistant", "", (big,))))
    without = replace(REQUEST, messages=(*TURNS[:1], Message("assistant", "")))
    extra = (
        estimate_usage(with_call, Response()).input_tokens
        - estimate_usage(without, Response()).input_tokens
    )
    assert extra >= 100  # about 420 characters of call at 4 characters a token


def test_the_rate_limiter_counts_the_tool_calls_of_a_conversation() -> None:
    # The TPM pre-estimate read message text only: a tool-heavy conversation under a tight
    # tpm limit was sent as if it were nearly empty.
    from dataclasses import replace

    from evalkit.dispatch import _estimate_tokens

    big = ToolCall("search", {"query": "x" * 400}, id="call_2")
    with_call = replace(REQUEST, messages=(*TURNS[:1], Message("assistant", "", (big,))))
    without = replace(REQUEST, messages=(*TURNS[:1], Message("assistant", "")))
    assert _estimate_tokens(with_call) - _estimate_tokens(without) >= 100
