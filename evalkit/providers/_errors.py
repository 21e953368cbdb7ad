"""What the HTTP adapters share: one raw POST, status → error kind, secrets scrubbed.

Both official SDKs raise the same shapes of exception (a status error carrying the HTTP
response, a timeout, a connection error), so one classifier turns them into
:class:`~evalkit.errors.ProviderError` with a kind from ``ERROR_KINDS`` and a ``retryable``
flag. The engine alone decides whether and when to retry; this module only says what
happened. It also parses tool-call arguments leniently, because a model's malformed JSON is
a fact to record on the case, not a crash.

:func:`post_json` sends the body through the SDK client's generic ``post`` (the documented
way to call any endpoint) and reads the JSON itself. That keeps the SDK's auth, headers,
connection pool, timeouts and status errors, and skips building and validating typed
response models we would only turn back into a dict: about a third less CPU per request.

Classification (``retryable`` in brackets):

=====================  ==================================================================
429                    ``rate_limit`` [yes], ``retry_after`` from ``retry-after-ms`` or
                       ``retry-after`` (seconds or an HTTP date)
408, 409, 5xx, 529     ``server`` [yes]
timeout                ``timeout`` [yes]
connection error       ``connection`` [yes]
400, 413, 422, 4xx     ``bad_request`` [no], the provider's message kept
401, 403               ``auth`` [no], names the environment variable to set
404                    ``not_found`` [no]
unparsable body        ``malformed_response`` [yes: a truncated body is usually transient]
=====================  ==================================================================
"""

from __future__ import annotations

import email.utils
import importlib
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from evalkit.errors import ProviderError
from evalkit.providers.base import ToolCall

__all__ = [
    "classify_exception",
    "classify_status",
    "malformed",
    "parse_retry_after",
    "post_json",
    "rate_limit_headers",
    "scrub",
    "tool_call",
]

_RATE_LIMIT_PREFIXES = ("x-ratelimit-", "anthropic-ratelimit-", "ratelimit-", "retry-after")
# Anything shaped like an API key (sk-..., sk-ant-..., key-...), masked or not: providers echo
# part of a wrong key in their 401 message, and that part must not reach a record.
_KEYLIKE = re.compile(r"\b(?:sk|key|api[_-]?key)[-_][A-Za-z0-9_\-*.]{6,}", re.IGNORECASE)


def scrub(text: str, secret: str | None = None, *, keylike: bool = False) -> str:
    """Remove ``secret`` (and with ``keylike``, anything shaped like an API key) from ``text``.

    ``keylike`` is for auth errors, where providers echo a masked part of the key; elsewhere
    the provider's message is kept intact (a 400's ``key_...`` parameter names matter).
    """
    if secret and len(secret) >= 4:
        text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub("[redacted]", text) if keylike else text


def rate_limit_headers(headers: Any) -> dict[str, str]:
    """The rate-limit headers of a response (lower-cased), for the engine's adaptive limits."""
    if headers is None:
        return {}
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith(_RATE_LIMIT_PREFIXES)}


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def classify_status(
    status: int,
    detail: str,
    headers: Mapping[str, str],
    *,
    where: str,
    key_env: str | None,
    secret: str | None,
) -> ProviderError:
    """The :class:`ProviderError` for an HTTP error status, message scrubbed of secrets."""
    detail = scrub(detail, secret, keylike=status in (401, 403)).strip() or "(no message)"
    limits = rate_limit_headers(headers)
    if status == 429:
        ra = parse_retry_after(limits)
        wait = f" (retry after {ra:g}s)" if ra is not None else ""
        return ProviderError(
            "rate_limit",
            f"{where}: rate limited (HTTP 429){wait}: {detail}; evalkit retries it, lower "
            "concurrency or set a requests-per-minute limit if it persists",
            status=status,
            retryable=True,
            retry_after=ra,
            headers=limits,
        )
    if status in (408, 409) or status >= 500:
        return ProviderError(
            "server",
            f"{where}: server error (HTTP {status}): {detail}; evalkit retries it, check the "
            "provider's status if it persists",
            status=status,
            retryable=True,
            retry_after=parse_retry_after(limits),
            headers=limits,
        )
    if status in (401, 403):
        env = key_env or "the API key environment variable"
        what = "authentication failed" if status == 401 else "permission denied"
        return ProviderError(
            "auth",
            f"{where}: {what} (HTTP {status}): {detail}; set the environment variable {env} to "
            "a valid API key with access to this model",
            status=status,
            headers=limits,
        )
    if status == 404:
        return ProviderError(
            "not_found",
            f"{where}: not found (HTTP 404): {detail}; check the model name and base_url",
            status=status,
            headers=limits,
        )
    return ProviderError(
        "bad_request",
        f"{where}: request rejected (HTTP {status}): {detail}; fix the candidate's params, "
        "tools or messages",
        status=status,
        headers=limits,
    )


def classify_exception(
    exc: BaseException,
    *,
    where: str,
    key_env: str | None,
    secret: str | None,
    timeout_s: float,
    base_url: str | None,
) -> ProviderError:
    """Map an SDK (or transport) exception to a :class:`ProviderError`.

    Duck-typed on the attributes both official SDKs share (``status_code`` + ``response``,
    and the ``APITimeoutError`` / ``APIConnectionError`` class names), so it needs neither SDK
    imported and works across their major versions.
    """
    names = {c.__name__ for c in type(exc).__mro__}
    status = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    if isinstance(status, int) and response is not None:
        return classify_status(
            status,
            _error_detail(exc),
            getattr(response, "headers", {}),
            where=where,
            key_env=key_env,
            secret=secret,
        )
    if "APITimeoutError" in names or isinstance(exc, TimeoutError) or "TimeoutException" in names:
        return ProviderError(
            "timeout",
            f"{where}: no answer within {timeout_s:g}s; evalkit retries it, raise timeout_s if "
            "the model is slow",
            retryable=True,
        )
    if "APIConnectionError" in names or isinstance(exc, (ConnectionError, OSError)):
        cause = exc.__cause__ or exc.__context__
        why = f"{type(cause).__name__}: {cause}" if cause else str(exc)
        return ProviderError(
            "connection",
            scrub(
                f"{where}: connection to {base_url or 'the provider'} failed ({why}); evalkit "
                "retries it, check base_url and that the server is reachable",
                secret,
            ),
            retryable=True,
        )
    if isinstance(exc, ValueError) or "APIResponseValidationError" in names:
        return malformed(where, f"{type(exc).__name__}: {exc}", secret)
    return ProviderError(
        "unknown",
        scrub(f"{where}: unexpected {type(exc).__name__}: {exc}; please report it", secret),
    )


def malformed(where: str, why: str, secret: str | None = None) -> ProviderError:
    """A 2xx answer whose body evalkit cannot read; retryable, since truncation is transient."""
    return ProviderError(
        "malformed_response",
        scrub(
            f"{where}: the response body could not be read ({why[:300]}); evalkit retries it, "
            "check that base_url points at an API of this provider's kind",
            secret,
        ),
        retryable=True,
    )


def _error_detail(exc: BaseException) -> str:
    """The provider's own error message from an SDK status error."""
    body = getattr(exc, "body", None)
    if isinstance(body, Mapping):
        err = body.get("error", body)
        if isinstance(err, Mapping) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    message = getattr(exc, "message", None)
    return str(message if message else exc)


def tool_call(name: str, arguments: Any, call_id: str | None = None) -> ToolCall:
    """A :class:`ToolCall` from a JSON argument string or an object; never raises.

    A string that is not a JSON object is kept in ``raw_arguments`` with ``parse_error``
    set and ``arguments=None``. An empty string is a call without arguments (``{}``), which
    is how several OpenAI-compatible servers send a parameterless call.
    """
    if isinstance(arguments, Mapping):
        return ToolCall(name=name, arguments=dict(arguments), id=call_id)
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        return ToolCall(name=name, arguments={}, raw_arguments=arguments, id=call_id)
    if not isinstance(arguments, str):
        return ToolCall(
            name=name,
            arguments=None,
            raw_arguments=json.dumps(arguments),
            id=call_id,
            parse_error=f"arguments are a JSON {type(arguments).__name__}, not an object",
        )
    try:
        parsed = json.loads(arguments)
    except ValueError as exc:
        return ToolCall(
            name=name, arguments=None, raw_arguments=arguments, id=call_id, parse_error=str(exc)
        )
    if not isinstance(parsed, dict):
        return ToolCall(
            name=name,
            arguments=None,
            raw_arguments=arguments,
            id=call_id,
            parse_error=f"arguments are a JSON {type(parsed).__name__}, not an object",
        )
    return ToolCall(name=name, arguments=parsed, raw_arguments=arguments, id=call_id)


_RESPONSE_CLASSES: dict[str, type] = {}


def _response_class(sdk: str) -> type:
    """The HTTP response class the SDK's ``post(cast_to=...)`` returns unparsed.

    openai/anthropic 1.x-era SDKs are built on ``httpx``, newer ones on ``httpx2``; the class
    is read from the SDK's own client module so that both work. ``str`` (body only, no
    headers) is the fallback if neither is found.
    """
    cls = _RESPONSE_CLASSES.get(sdk)
    if cls is None:
        try:
            base = importlib.import_module(f"{sdk}._base_client")
            mod = getattr(base, "httpx2", None) or getattr(base, "httpx", None)
            cls = mod.Response if mod is not None else str
        except ImportError:
            cls = str
        _RESPONSE_CLASSES[sdk] = cls
    return cls


async def post_json(
    client: Any, sdk: str, path: str, body: Mapping[str, Any], *, where: str, secret: str | None
) -> tuple[dict[str, Any], dict[str, str], str | None, float]:
    """POST ``body``; return (JSON body, rate-limit headers, request id header, latency ms).

    SDK exceptions propagate (the caller classifies them with its settings); a 2xx body that
    is not a JSON object raises ``malformed_response``.
    """
    cls = _response_class(sdk)
    t0 = time.perf_counter()
    http = await client.post(path, cast_to=cls, body=body)
    if cls is str:
        text, headers = http, {}
    else:
        text, headers = http.content, http.headers
    latency_ms = (time.perf_counter() - t0) * 1000
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise malformed(where, f"invalid JSON: {exc}", secret) from None
    if not isinstance(data, dict):
        raise malformed(where, f"expected a JSON object, got {type(data).__name__}", secret)
    request_id = headers.get("x-request-id") or headers.get("request-id") if headers else None
    return data, rate_limit_headers(headers), request_id, latency_ms
