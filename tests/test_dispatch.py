"""The dispatcher's cache key: a provider's ``cache_scope`` beside the request, so an edited
callable pipeline misses the cache while the SDK providers keep the keys of earlier versions
(a cache recorded before still answers)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from evalkit.cache import ResponseCache
from evalkit.dataset import Message
from evalkit.dispatch import Dispatcher, Outcome
from evalkit.hashing import sha256_json
from evalkit.limits import Limits
from evalkit.providers.base import PROVIDERS, Provider, ProviderSettings, Request
from evalkit.retry import RetryPolicy
from tests.helpers.llm_server import LLMServer


def _request(text: str = "hello", case_id: str = "c1") -> Request:
    return Request(case_id, 0, "m", (Message("user", text),), {"temperature": 0})


def _dispatcher(provider: Provider, name: str, cache: ResponseCache, mode: str) -> Dispatcher:
    return Dispatcher(
        provider,
        provider_name=name,
        limits=Limits(2),
        policy=RetryPolicy(max_retries=0),
        cache=cache,
        cache_mode=mode,
        timeout_s=5.0,
    )


def _obtain(d: Dispatcher, request: Request) -> Outcome:
    async def go() -> Outcome:
        try:
            out = await d.obtain(request)
            assert out is not None
            return out
        finally:
            await d.provider.aclose()

    return asyncio.run(go())


def _pipeline(path: Path, answer: str) -> None:
    path.write_text(
        "from pathlib import Path\n\n\n"
        "def answer(request):\n"
        "    calls = Path(__file__).with_suffix('.calls')\n"
        "    calls.write_text(calls.read_text() + 'x' if calls.exists() else 'x')\n"
        f"    return {answer!r}\n"
    )


def _callable(path: Path) -> Provider:
    # A new process imports the edited file; in this one, forget the module evalkit loaded.
    for name in [n for n, m in sys.modules.items() if getattr(m, "__file__", None) == str(path)]:
        del sys.modules[name]
    settings = ProviderSettings(
        model="m",
        options={"target": f"{path.name}:answer", "cacheable": True},
        base_dir=str(path.parent),
    )
    return PROVIDERS.get("callable")(settings)


def test_an_edited_callable_pipeline_misses_the_cache(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.py"
    calls = tmp_path / "pipe.calls"
    _pipeline(pipe, "hello v1")
    with ResponseCache(tmp_path / "cache") as cache:
        first = _obtain(_dispatcher(_callable(pipe), "callable", cache, "use"), _request())
        again = _obtain(_dispatcher(_callable(pipe), "callable", cache, "use"), _request())
        assert first.response is not None and first.response.text == "hello v1"
        assert again.cached and again.response is not None and again.response.text == "hello v1"
        assert calls.read_text() == "x"  # unchanged code: served from the cache

        _pipeline(pipe, "goodbye v2")
        edited = _obtain(_dispatcher(_callable(pipe), "callable", cache, "use"), _request())
    assert not edited.cached
    assert edited.response is not None and edited.response.text == "goodbye v2"
    assert calls.read_text() == "xx"  # the edited pipeline was called again


def test_an_sdk_providers_recorded_cache_still_hits(tmp_path: Path) -> None:
    request = _request("what is 2+2?")
    with LLMServer(latency_ms=0) as srv:
        base_url = srv.base_url + "/v1"
        # The key as every earlier version wrote it, spelled out: provider name and base_url
        # beside the request's model, messages, params, tools, tool_choice and repeat.
        key = sha256_json(
            {
                "model": "m",
                "messages": [{"role": "user", "content": "what is 2+2?"}],
                "params": {"temperature": 0},
                "tools": [],
                "tool_choice": None,
                "provider": "openai",
                "base_url": base_url,
                "repeat": 0,
            }
        )
        with ResponseCache(tmp_path) as cache:
            cache.put(key, {"text": "recorded 4", "model": "m"}, provider="openai", model="m")
            provider = PROVIDERS.get("openai")(
                ProviderSettings(model="m", base_url=base_url, api_key_env="EVALKIT_TEST_KEY")
            )
            assert provider.cache_scope == base_url
            out = _obtain(_dispatcher(provider, "openai", cache, "require"), request)
        assert srv.requests == []  # answered from the recording, nothing sent
    assert out.cached and out.response is not None and out.response.text == "recorded 4"


@pytest.mark.parametrize("name", ["openai", "anthropic"])
def test_sdk_providers_scope_is_their_base_url(name: str) -> None:
    settings = ProviderSettings(model="m", base_url="http://127.0.0.1:9/v1")
    assert PROVIDERS.get(name)(settings).cache_scope == "http://127.0.0.1:9/v1"
    assert PROVIDERS.get(name)(ProviderSettings(model="m")).cache_scope is None


def test_replay_of_a_recorded_provider_error_is_that_error_not_never_recorded(
    tmp_path: Path,
) -> None:
    bad, good = _request("too long [[status:400]]", "c1"), _request("fine", "c2")
    with LLMServer(latency_ms=0) as srv:
        settings = ProviderSettings(
            model="m", base_url=srv.base_url + "/v1", api_key_env="EVALKIT_TEST_KEY"
        )
        with ResponseCache(tmp_path) as cache:
            recorded = _obtain(
                _dispatcher(PROVIDERS.get("openai")(settings), "openai", cache, "use"), bad
            )
            assert recorded.error is not None and recorded.error.kind == "bad_request"
            replay = _dispatcher(PROVIDERS.get("openai")(settings), "openai", cache, "require")
            again = _obtain(replay, bad)
            missing = _obtain(
                _dispatcher(PROVIDERS.get("openai")(settings), "openai", cache, "require"), good
            )
            assert cache.get(bad.cache_key("openai", settings.base_url)) is None  # no answer
            sent = len(srv.requests)
            # recorded again once the input is fixed upstream: the answer replaces the error
            cache.put(bad.cache_key("openai", settings.base_url), {"text": "ok", "model": "m"})
            served = _obtain(
                _dispatcher(PROVIDERS.get("openai")(settings), "openai", cache, "require"), bad
            )
    assert sent == 1  # require never calls
    assert again.error is not None and again.response is None
    assert (again.error.kind, again.error.status) == ("bad_request", 400)
    assert recorded.error.message in again.error.message and "record again" in again.error.message
    assert missing.error is not None and missing.error.kind == "cache_miss"
    assert served.cached and served.response is not None and served.response.text == "ok"


def test_an_error_given_up_on_says_how_often_it_was_tried_not_that_it_will_be(
    tmp_path: Path,
) -> None:
    with LLMServer(latency_ms=0) as srv:
        settings = ProviderSettings(
            model="m", base_url=srv.base_url + "/v1", api_key_env="EVALKIT_TEST_KEY"
        )
        with ResponseCache(tmp_path) as cache:
            d = _dispatcher(PROVIDERS.get("openai")(settings), "openai", cache, "use")
            d.policy = RetryPolicy(max_retries=2, base_s=0.001, cap_s=0.002)
            out = _obtain(d, _request("down [[status:500]]"))
            once = _obtain(
                _dispatcher(PROVIDERS.get("openai")(settings), "openai", cache, "use"),
                _request("down again [[status:500]]", "c2"),
            )
    assert out.error is not None and out.error.kind == "server" and out.error.attempts == 3
    assert "evalkit tried it 3 times (max_retries = 2)" in out.error.message
    assert "evalkit retries it" not in out.error.message
    assert once.error is not None and "evalkit did not retry it (max_retries = 0)" in (
        once.error.message
    )


def test_an_edited_helper_beside_the_target_misses_the_cache_too(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.py"

    def write(word: str) -> None:
        pipe.write_text(
            f"def _word():\n    return {word!r}\n\n\ndef answer(request):\n    return _word()\n"
        )

    write("v1")
    with ResponseCache(tmp_path / "cache") as cache:
        first = _obtain(_dispatcher(_callable(pipe), "callable", cache, "use"), _request())
        write("v2")  # the target's own source is unchanged; its file is not
        edited = _obtain(_dispatcher(_callable(pipe), "callable", cache, "use"), _request())
    assert first.response is not None and first.response.text == "v1"
    assert not edited.cached and edited.response is not None and edited.response.text == "v2"
