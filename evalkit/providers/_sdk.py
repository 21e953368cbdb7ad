"""What the two SDK-backed providers share: the key, the client's life, one POST per call.

A subclass names its SDK (``name``), its key variable, its endpoint ``path`` and how to make
the client, build a body and parse one; this class owns the rest, so that both adapters read
the key, scrub it from errors and classify failures the same way.

The client lives on a private loop of its own (:mod:`evalkit.providers._io_thread`): each
call is sent and read there, so ``latency_ms`` is the HTTP exchange's time even while a sync
scorer holds the run's loop.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Mapping
from typing import Any, ClassVar

from evalkit.errors import ProviderError
from evalkit.providers._errors import classify_exception, post_json, scrub
from evalkit.providers._io_thread import IOThread
from evalkit.providers.base import Provider, ProviderSettings, Request, Response

__all__ = ["PLACEHOLDER_KEY", "SDKProvider"]

PLACEHOLDER_KEY = "evalkit-no-key"
"""Sent to a ``base_url`` server when the key variable is unset; the SDKs insist on a key."""


class SDKProvider(Provider):
    """One request per :meth:`complete` through an official SDK client, its retries off."""

    default_key_env: ClassVar[str] = ""
    path: ClassVar[str] = ""
    key_hint: ClassVar[str] = ""
    """What the auth error tells the user to set, e.g. ``your OpenAI API key``."""

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self._key_env = settings.api_key_env or self.default_key_env
        self._client: Any = None
        self._secret: str | None = None
        self._io = IOThread(f"evalkit-{self.name}")

    def __repr__(self) -> str:
        s = self.settings
        return f"{type(self).__name__}(model={s.model!r}, base_url={s.base_url!r})"

    @abc.abstractmethod
    def client_class(self) -> Any:
        """The SDK's async client class (imported here, so the SDK loads only when used)."""

    def make_client(self, key: str) -> Any:
        """The SDK's async client for ``key``, with its own retries off."""
        return self.client_class()(
            api_key=key,
            base_url=self.settings.base_url,
            timeout=self.settings.timeout_s,
            max_retries=0,
            default_headers=self._headers(),
        )

    @abc.abstractmethod
    def build_body(self, request: Request) -> dict[str, Any]:
        """The JSON body of the API call for ``request``."""

    @abc.abstractmethod
    def parse(
        self,
        data: Mapping[str, Any],
        headers: Mapping[str, str],
        request_id: str | None,
        latency_ms: float,
        where: str,
    ) -> Response:
        """The normalised :class:`Response` of a successful body."""

    def _get_client(self) -> Any:
        if self._client is None:
            key = os.environ.get(self._key_env)
            if not key:
                if not self.settings.base_url:
                    raise ProviderError(
                        "auth",
                        f"{self.name}: environment variable {self._key_env} is not set; set it "
                        f"to {self.key_hint}, or set base_url for a server that needs none",
                    )
                key = PLACEHOLDER_KEY
            self._secret = key
            self._client = self.make_client(key)
        return self._client

    def _headers(self) -> dict[str, str] | None:
        return dict(self.settings.options.get("headers") or {}) or None

    async def complete(self, request: Request) -> Response:
        where = f"{self.name} {request.model}"
        client = self._get_client()
        try:
            body = self.build_body(request)
            data, headers, request_id, latency_ms = await self._io.run(
                post_json(client, self.name, self.path, body, where=where, secret=self._secret)
            )
        except ProviderError:
            raise
        except Exception as exc:
            raise classify_exception(
                exc,
                where=where,
                key_env=self._key_env,
                secret=self._secret,
                timeout_s=self.settings.timeout_s,
                base_url=self.settings.base_url,
            ) from None
        try:
            return self.parse(data, headers, request_id, latency_ms, where)
        except ProviderError as exc:
            # A 200 body carrying an error (some proxies echo the request's headers in it)
            if self._secret and self._secret in exc.message:
                raise ProviderError(
                    exc.kind,
                    scrub(exc.message, self._secret),
                    status=exc.status,
                    retryable=exc.retryable,
                    retry_after=exc.retry_after,
                    headers=exc.headers,
                ) from None
            raise

    async def aclose(self) -> None:
        client, self._client = self._client, None
        await self._io.close(client.close() if client is not None else None)
