"""Calling a provider once from a synchronous test, and checking a failure keeps keys out."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from evalkit.errors import ProviderError
from evalkit.providers.base import Provider, Request, Response
from tests.helpers.llm_server import LLMServer


def call(provider: Provider, request: Request) -> Response:
    """One ``complete`` on a fresh loop, the provider closed afterwards."""

    async def go() -> Response:
        try:
            return await provider.complete(request)
        finally:
            await provider.aclose()

    return asyncio.run(go())


def fail(provider: Provider, request: Request, secret: str) -> ProviderError:
    """The ProviderError the call raises; neither the key nor its tail is in any of its texts."""
    with pytest.raises(ProviderError) as info:
        call(provider, request)
    err = info.value
    for text in (str(err), repr(err), err.message, repr(err.args)):
        for part in (secret, secret[8:], secret[12:]):
            assert part not in text
    return err


def last_body(srv: LLMServer) -> dict[str, Any]:
    return srv.requests[-1]["json"]
