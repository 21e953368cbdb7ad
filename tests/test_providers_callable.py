"""The callable provider: a team's own function, sync or async, as the system under test."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from evalkit.dataset import Message
from evalkit.errors import InputError, ProviderError
from evalkit.providers.base import (
    PROVIDERS,
    ProviderSettings,
    Request,
    Response,
    ToolCall,
    Usage,
)
from evalkit.providers.callable import CallableProvider

HERE = "tests.test_providers_callable"


# -- targets the tests point at -------------------------------------------------------------


def sync_answer(request: Request) -> str:
    return f"sync:{request.messages[-1].content}:{threading.current_thread().name}"


async def async_answer(request: Request, *, suffix: str = "") -> dict[str, Any]:
    await asyncio.sleep(0)
    return {
        "output": f"async:{request.case_id}{suffix}",
        "tool_calls": [
            {"name": "search", "arguments": {"q": "x"}},
            {"name": "lookup", "arguments": '{"id": 3}'},
            {"name": "broken", "arguments": "{nope"},
        ],
        "usage": {"input_tokens": 10, "output_tokens": 2, "cached_tokens": 4},
        "model": "pipeline-v2",
        "metadata": {"retrieved": ["doc-1"]},
    }


def response_answer(request: Request) -> Response:
    return Response(text="full", finish_reason="length", usage=Usage(1, 2), model="m")


def case_answer(request: Request) -> str:
    assert request.case is not None
    return f"case:{request.case.id}"


def raising(request: Request) -> str:
    raise RuntimeError("index not built")


def raising_provider_error(request: Request) -> str:
    raise ProviderError("rate_limit", "upstream busy", retryable=True, retry_after=2)


def typo_dict(request: Request) -> dict[str, Any]:
    return {"outptu": "x"}


def returns_none(request: Request) -> None:
    return None


def slow(request: Request) -> str:
    time.sleep(0.5)
    return "late"


NOT_A_FUNCTION = 42


# -- helpers ------------------------------------------------------------------------------


def _provider(target: str, **options: Any) -> CallableProvider:
    timeout = options.pop("timeout_s", 5.0)
    base_dir = options.pop("base_dir", None)
    return CallableProvider(
        ProviderSettings(
            model="pipe",
            timeout_s=timeout,
            options={"target": target, **options},
            base_dir=base_dir,
        )
    )


def _request(text: str = "hi", case_id: str = "c1", **kw: Any) -> Request:
    return Request(case_id=case_id, repeat=0, model="pipe", messages=(Message("user", text),), **kw)


def _call(p: CallableProvider, request: Request) -> Response:
    async def go() -> Response:
        try:
            return await p.complete(request)
        finally:
            await p.aclose()

    return asyncio.run(go())


# -- tests --------------------------------------------------------------------------------


def test_registered_and_not_cacheable_by_default() -> None:
    assert PROVIDERS.get("callable") is CallableProvider
    assert _provider(f"{HERE}:sync_answer").cacheable is False
    assert _provider(f"{HERE}:sync_answer", cacheable=True).cacheable is True


def test_sync_function_returning_str_runs_in_a_worker_thread() -> None:
    r = _call(_provider(f"{HERE}:sync_answer"), _request("hello"))
    assert r.text.startswith("sync:hello:evalkit-call")
    assert r.finish_reason == "stop" and r.model == "pipe"
    assert r.latency_ms is not None and r.latency_ms >= 0


def test_sync_functions_do_not_block_the_loop() -> None:
    p = _provider(f"{HERE}:slow")

    async def go() -> float:
        t0 = time.perf_counter()
        await asyncio.gather(*(p.complete(_request(case_id=str(i))) for i in range(4)))
        await p.aclose()
        return time.perf_counter() - t0

    assert asyncio.run(go()) < 1.5  # four 0.5 s calls in parallel, not 2 s in series


def test_async_function_returning_dict_with_kwargs() -> None:
    r = _call(_provider(f"{HERE}:async_answer", kwargs={"suffix": "!"}), _request(case_id="q7"))
    assert r.text == "async:q7!"
    assert r.finish_reason == "tool_calls"
    assert [(c.name, c.arguments) for c in r.tool_calls[:2]] == [
        ("search", {"q": "x"}),
        ("lookup", {"id": 3}),
    ]
    broken = r.tool_calls[2]
    assert broken.arguments is None and broken.raw_arguments == "{nope" and broken.parse_error
    assert r.usage == Usage(10, 2, 4)
    assert r.model == "pipeline-v2"
    assert r.raw == {"metadata": {"retrieved": ["doc-1"]}}


def test_function_returning_a_response_is_kept_with_latency_filled() -> None:
    r = _call(_provider(f"{HERE}:response_answer"), _request())
    assert (r.text, r.finish_reason, r.model) == ("full", "length", "m")
    assert r.latency_ms is not None


def test_function_receives_the_case() -> None:
    from evalkit.dataset import Case

    case = Case(id="k-9", input="q")
    r = _call(_provider(f"{HERE}:case_answer"), _request(case_id="k-9", case=case))
    assert r.text == "case:k-9"


def test_file_path_target_relative_to_base_dir(tmp_path: Path) -> None:
    (tmp_path / "pipes").mkdir()
    (tmp_path / "pipes" / "rag.py").write_text(
        "async def answer(request):\n    return {'text': 'from file ' + request.case_id}\n"
    )
    p = _provider("pipes/rag.py:answer", base_dir=str(tmp_path))
    assert _call(p, _request(case_id="z")).text == "from file z"


def test_exception_becomes_a_non_retryable_provider_error() -> None:
    with pytest.raises(ProviderError) as info:
        _call(_provider(f"{HERE}:raising"), _request(case_id="c3"))
    err = info.value
    assert (err.kind, err.retryable) == ("provider", False)
    assert "RuntimeError: index not built" in err.message and "'c3'" in err.message
    assert isinstance(err.__cause__, RuntimeError)


def test_provider_error_from_the_function_passes_through() -> None:
    with pytest.raises(ProviderError) as info:
        _call(_provider(f"{HERE}:raising_provider_error"), _request())
    assert (info.value.kind, info.value.retryable, info.value.retry_after) == (
        "rate_limit",
        True,
        2,
    )


@pytest.mark.parametrize(
    ("target", "needle"),
    [("typo_dict", 'did you mean "output"?'), ("returns_none", "returned NoneType")],
)
def test_wrong_return_shapes_are_clear_errors(target: str, needle: str) -> None:
    with pytest.raises(ProviderError) as info:
        _call(_provider(f"{HERE}:{target}"), _request())
    assert info.value.kind == "provider" and needle in info.value.message


def test_timeout() -> None:
    with pytest.raises(ProviderError) as info:
        _call(_provider(f"{HERE}:slow", timeout_s=0.1), _request())
    assert (info.value.kind, info.value.retryable) == ("timeout", True)


def test_bad_targets_are_input_errors() -> None:
    with pytest.raises(InputError, match=r"options\.target is missing"):
        CallableProvider(ProviderSettings(model="m"))
    with pytest.raises(InputError, match="no attribute"):
        _provider(f"{HERE}:nope")
    with pytest.raises(InputError, match="not a function"):
        _provider(f"{HERE}:NOT_A_FUNCTION")


def test_tool_call_objects_pass_through() -> None:
    from evalkit.providers.callable import to_response

    call = ToolCall(name="f", arguments={"a": 1})
    r = to_response({"output": "", "tool_calls": [call]}, _request(), 1.0, "here")
    assert r.tool_calls == (call,)
