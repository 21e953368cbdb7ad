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

from evalkit.config_secrets import is_redacted, redact_url, secret_values
from evalkit.errors import InputError, ProviderError
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
        self._scrubbed = secret_values(settings.base_url, settings.options)
        """Secrets of the settings themselves (URL credentials, header keys), never shown."""
        self._io = IOThread(f"evalkit-{self.name}")
        _refuse_markers(self.name, settings)

    def __repr__(self) -> str:
        s = self.settings
        return f"{type(self).__name__}(model={s.model!r}, base_url={redact_url(s.base_url)!r})"

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
        """``options.headers`` plus each ``options.headers_env`` header read from its
        variable now; a header's key goes into the list of secrets scrubbed from errors."""
        headers = {str(k): str(v) for k, v in (self.settings.options.get("headers") or {}).items()}
        for name, var in (self.settings.options.get("headers_env") or {}).items():
            value = os.environ.get(str(var))
            if not value:
                raise ProviderError(
                    "auth",
                    f"{self.name}: environment variable {var} (options.headers_env, header "
                    f"{name!r}) is not set; set it to the header's value",
                )
            headers[str(name)] = value
            self._scrubbed.append(value)
        return headers or None

    async def complete(self, request: Request) -> Response:
        try:
            return await self._complete(request)
        except ProviderError as exc:
            message = exc.message
            url = self.settings.base_url
            if url:
                message = message.replace(url, redact_url(url) or "")
            for secret in self._scrubbed:
                message = message.replace(secret, "[redacted]")
            if message == exc.message:
                raise
            raise ProviderError(
                exc.kind,
                message,
                status=exc.status,
                retryable=exc.retryable,
                retry_after=exc.retry_after,
                headers=exc.headers,
            ) from None

    async def _complete(self, request: Request) -> Response:
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


def _refuse_markers(name: str, settings: ProviderSettings) -> None:
    """A candidate rebuilt from a run's manifest has its secrets redacted: sending a marker
    as a key would only fail on every case, so refuse it before anything is sent."""
    headers = settings.options.get("headers") or {}
    if is_redacted(settings.base_url) or any(is_redacted(v) for v in headers.values()):
        raise InputError(
            f"{name} provider: base_url or options.headers hold a '[redacted ...]' marker (a "
            "candidate read back from a run's manifest, where secrets are never stored); "
            "take the key from the environment instead (api_key_env, options.headers_env) "
            "and run from the config, or pass the candidate itself from Python"
        )
