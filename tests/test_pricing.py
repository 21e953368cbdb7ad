from __future__ import annotations

import json
from importlib import resources

import pytest

from evalkit.dataset import Message, ToolSpec
from evalkit.errors import ConfigError
from evalkit.pricing import (
    MIN_RATE,
    Price,
    cost_of,
    estimate_tokens,
    estimate_usage,
    load_prices,
    price_for,
    usage_or_estimate,
)
from evalkit.providers.base import Request, Response, ToolCall, Usage


def _request(*contents: str, tools: tuple[ToolSpec, ...] = ()) -> Request:
    msgs = tuple(Message("user", c) for c in contents)
    return Request(case_id="c1", repeat=0, model="gpt-4o", messages=msgs, tools=tools)


def test_shipped_table_has_dates_sources_and_sane_rates() -> None:
    raw = json.loads(resources.files("evalkit").joinpath("data/prices.json").read_text("utf-8"))
    assert "verified" in raw["_note"]
    table = load_prices()
    assert {"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "claude-sonnet-4"} <= set(table.prices)
    for name, p in table.prices.items():
        assert p.as_of and len(p.as_of) == 10, name
        assert p.source, name
        assert MIN_RATE <= p.input <= p.output, name  # per million, not per 1K or per token
        assert p.cached_input is None or MIN_RATE <= p.cached_input <= p.input, name
    for alias, target in raw["aliases"].items():
        assert target in table.prices, alias


@pytest.mark.parametrize(
    ("model", "entry"),
    [
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-opus-4-0", "claude-opus-4"),
        ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
        ("openai/gpt-4.1-mini", "gpt-4.1-mini"),
        ("GPT-4o", "gpt-4o"),
        ("gpt-4-1106-preview", "gpt-4-turbo"),
    ],
)
def test_dated_and_aliased_ids_resolve(model: str, entry: str) -> None:
    price = price_for(model)
    assert price is not None
    assert price.model == entry


@pytest.mark.parametrize(
    "model", ["gpt-4o-audio-preview", "o1-pro", "my-finetune", "gpt-4o-mini-tts", ""]
)
def test_unknown_models_have_no_price_not_zero(model: str) -> None:
    assert price_for(model) is None
    assert cost_of(model, Usage(1000, 1000)) is None


def test_cost_bills_cached_tokens_as_subset_of_input() -> None:
    # gpt-4o: 2.50 in, 1.25 cached, 10.00 out per million
    assert cost_of("gpt-4o-2024-08-06", Usage(1000, 500)) == pytest.approx(0.0075)
    assert cost_of("gpt-4o", Usage(1000, 500, cached_tokens=200)) == pytest.approx(0.00725)
    # more cached than input is clamped to the input
    assert cost_of("gpt-4o", Usage(100, 0, cached_tokens=500)) == pytest.approx(100 * 1.25 / 1e6)


def test_no_cache_discount_bills_cached_at_input_rate() -> None:
    p = Price("m", input=1.0, output=2.0, cached_input=None)
    assert p.cost(Usage(1_000_000, 0, cached_tokens=1_000_000)) == pytest.approx(1.0)


def test_missing_counts_give_unknown_cost() -> None:
    assert cost_of("gpt-4o", Usage(None, 10)) is None
    assert cost_of("gpt-4o", Usage(10, None)) is None
    assert cost_of("gpt-4o", Usage(0, 0)) == 0.0


def test_overrides_replace_and_extend() -> None:
    overrides = {
        "gpt-4o": {"input": 1.0, "output": 2.0},
        "local-llama": {"input": 0, "output": 0, "as_of": "2025-01-01"},
        "my-deployment": {"same_as": "gpt-4o-mini"},
    }
    table = load_prices(overrides)
    gpt = table.price_for("gpt-4o-2024-08-06")
    assert gpt is not None and (gpt.input, gpt.output, gpt.source) == (1.0, 2.0, "config [prices]")
    assert cost_of("local-llama", Usage(10, 10), overrides) == 0.0
    dep = table.price_for("my-deployment")
    assert dep is not None and dep.input == 0.15 and "same_as gpt-4o-mini" in dep.source
    # the shipped table is untouched
    assert price_for("gpt-4o") is not None and price_for("gpt-4o").input == 2.5  # type: ignore[union-attr]


def test_bad_overrides_list_every_problem() -> None:
    with pytest.raises(ConfigError) as info:
        load_prices(
            {
                "a": {"input": -1, "output": 1},
                "b": {"output": 1, "cachd_input": 1},
                "c": {"same_as": "nonexistent"},
                "d": "cheap",
            }
        )
    text = str(info.value)
    assert len(info.value.problems) == 5
    assert "[prices] a: 'input' = -1 must be a number >= 0" in text
    assert "'input' is missing" in text
    assert 'did you mean "cached_input"?' in text
    assert "same_as 'nonexistent' has no price" in text
    assert "[prices] d: must be a table" in text


def test_per_1k_and_per_token_rates_are_rejected_with_the_fix() -> None:
    # gpt-4o-mini's input price written per 1K tokens, and its output price per token.
    with pytest.raises(ConfigError) as info:
        load_prices({"mini": {"input": 0.00015, "output": 0.0000006}})
    assert len(info.value.problems) == 2
    text = str(info.value)
    assert "'input' = 0.00015 is below $0.001 per million tokens" in text
    assert "multiply a per-1K price by 1,000" in text
    # Free stays free; the smallest real prices pass.
    table = load_prices(
        {"local": {"input": 0, "output": 0}, "nano": {"input": 0.02, "output": 0.1}}
    )
    assert cost_of("local", Usage(10**6, 10**6), {"local": {"input": 0, "output": 0}}) == 0.0
    assert table.price_for("nano") is not None


def test_override_names_match_model_ids_case_insensitively() -> None:
    # Shipped names are lower-case, so "GPT-4o" resolves; a user's mixed-case entry must too,
    # also for a dated ID (which is lower-cased before its date is stripped).
    table = load_prices({"Acme-Chat": {"input": 1.0, "output": 2.0}})
    for model in ("Acme-Chat", "acme-chat", "ACME-CHAT", "Acme-Chat-2025-01-01", "acme/Acme-Chat"):
        price = table.price_for(model)
        assert price is not None and price.model == "Acme-Chat", model
    assert table.price_for("acme-chat-pro") is None


def test_price_round_trips() -> None:
    p = price_for("claude-3-5-haiku-20241022")
    assert p is not None
    assert Price.from_dict(p.to_dict()) == p


def test_estimate_usage_heuristic() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    req = _request("x" * 40, "y" * 8)
    resp = Response(text="z" * 21)
    u = estimate_usage(req, resp)
    assert u.estimated is True
    assert u.input_tokens == 3 + (10 + 4) + (2 + 4)
    assert u.output_tokens == 6
    assert u.cached_tokens == 0


def test_estimate_counts_tools_and_tool_calls() -> None:
    tool = ToolSpec("get_weather", "Weather for a city", {"type": "object"})
    bare = estimate_usage(_request("hi"), Response())
    with_tools = estimate_usage(
        _request("hi", tools=(tool,)),
        Response(tool_calls=(ToolCall("get_weather", {"city": "Paris"}),)),
    )
    assert with_tools.input_tokens is not None and bare.input_tokens is not None
    assert with_tools.input_tokens > bare.input_tokens
    assert bare.output_tokens == 0
    assert with_tools.output_tokens and with_tools.output_tokens > 4


def test_usage_or_estimate_keeps_reported_and_flags_filled() -> None:
    req = _request("hello there")
    reported = Usage(12, 3, 0)
    assert usage_or_estimate(req, Response(text="ok", usage=reported)) is reported
    partial = usage_or_estimate(req, Response(text="abcdefgh", usage=Usage(12, None)))
    assert (partial.input_tokens, partial.output_tokens, partial.estimated) == (12, 2, True)


def test_toml_date_as_of_is_accepted() -> None:
    import datetime

    p = price_for("m", {"m": {"input": 1, "output": 2, "as_of": datetime.date(2025, 1, 1)}})
    assert p is not None and p.as_of == "2025-01-01"


def test_shipped_anthropic_prices_carry_their_cache_write_rate() -> None:
    table = load_prices()
    for name, p in table.prices.items():
        if name.startswith("claude"):
            # 1.25x input on Anthropic's page (Claude 3 Haiku: $0.30 against $0.25)
            assert p.cache_write is not None and p.input <= p.cache_write <= 1.25 * p.input, name
        else:  # OpenAI charges nothing to write its prompt cache
            assert p.cache_write is None, name
    sonnet = table.price_for("claude-sonnet-4-5-20250929")
    assert sonnet is not None and sonnet.cache_write == 3.75


def test_cache_writes_are_a_subset_of_input_billed_at_their_rate() -> None:
    p = Price("m", input=2.0, output=4.0, cached_input=0.2, cache_write=3.0)
    # 1,000 input: 100 read, 300 written, 600 fresh
    got = p.cost(Usage(1000, 10, cached_tokens=100, cache_write_tokens=300))
    assert got == pytest.approx((600 * 2.0 + 100 * 0.2 + 300 * 3.0 + 10 * 4.0) / 1e6)
    # writes beyond what the reads leave of the input are clamped to it
    assert p.cost(Usage(100, 0, cached_tokens=60, cache_write_tokens=500)) == pytest.approx(
        (60 * 0.2 + 40 * 3.0) / 1e6
    )
    # no cache_write: 1.25x input, Anthropic's five-minute write
    plain = Price("m", input=2.0, output=4.0)
    assert plain.cache_write_rate == 2.5
    assert plain.cost(Usage(1000, 0, cache_write_tokens=1000)) == pytest.approx(2500 / 1e6)
    # a provider that reports no writes (OpenAI) pays no surcharge
    assert plain.cost(Usage(1000, 0)) == pytest.approx(2000 / 1e6)


def test_cache_write_overrides_are_checked_copied_and_round_trip() -> None:
    table = load_prices(
        {
            "claude-1h": {"input": 3, "output": 15, "cache_write": 6},  # one-hour writes
            "claude-plain": {"input": 3, "output": 15},
            "claude-deployment": {"same_as": "claude-sonnet-4-5"},
        }
    )
    one_hour, plain = table.price_for("claude-1h"), table.price_for("claude-plain")
    assert one_hour is not None and one_hour.cache_write_rate == 6.0
    assert plain is not None and plain.cache_write is None and plain.cache_write_rate == 3.75
    dep = table.price_for("claude-deployment")
    assert dep is not None and dep.cache_write == 3.75
    assert Price.from_dict(dep.to_dict()) == dep
    with pytest.raises(ConfigError) as info:
        load_prices(
            {
                "a": {"input": 3, "output": 15, "cache_write": -1},
                "b": {"input": 3, "output": 15, "cache_write": 0.00000375},
                "c": {"input": 3, "output": 15, "cache_writes": 3.75},
            }
        )
    text = str(info.value)
    assert len(info.value.problems) == 3
    assert "'cache_write' = -1 must be a number >= 0" in text
    assert "'cache_write' = 3.75e-06 is below $0.001 per million" in text
    assert 'did you mean "cache_write"?' in text


def test_estimated_usage_keeps_reported_cache_writes() -> None:
    req = _request("hello there")
    got = usage_or_estimate(req, Response(text="hi", usage=Usage(None, 3, 0, False, 4)))
    assert got.estimated and got.cache_write_tokens == 4 and got.output_tokens == 3
