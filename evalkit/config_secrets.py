"""Secrets in a candidate's settings: found, refused in config files, redacted everywhere else.

A key belongs in an environment variable (``api_key_env`` for the provider's key,
``options.headers_env`` for a header such as Azure's ``api-key`` or a gateway's
``x-api-key``), never in a file evalkit reads or writes. A config file that holds one inline
(a secret-looking header, credentials in ``base_url``, a ``?token=`` query value) is refused
with the way out. A candidate built in Python is not refused, so whatever describes it (the
fingerprint's input, the run manifest, ``evalkit inventory``, "what changed") shows each such
value as a redaction marker, ``[redacted 3f2a9c1b7d4e]``, never the value.

The marker carries a salted, slow digest of the value (PBKDF2, 12 hex digits), so a changed
key still changes the candidate's fingerprint and shows in "what changed", while the digest
cannot be turned back into a key of any real length. Redaction is idempotent (a marker stays
the same marker), so a candidate rebuilt from a manifest keeps the fingerprint it was run
with.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from evalkit.errors import Problem

__all__ = [
    "OPTION_SECRET_WORDS",
    "SECRET_WORDS",
    "is_redacted",
    "literal_secret_problems",
    "redact_headers",
    "redact_options",
    "redact_scorer_args",
    "redact_url",
    "redacted",
    "scorer_secret_problems",
    "secret_name",
    "secret_values",
]

SECRET_WORDS = (
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "auth",
    "cookie",
    "credential",
    "signature",
    "session",
)
"""A header, query parameter or option whose name contains one of these holds a secret
(``Authorization``, ``Proxy-Authorization``, ``api-key``, ``x-api-key``, ``Cookie``, ...)."""

OPTION_SECRET_WORDS = ("api_key", "apikey", "secret", "token", "password")
"""A candidate option whose name contains one of these is a key: refused in a config file
(by :mod:`evalkit.config_parse`), redacted when a candidate built in Python has one."""

_QUERY_NAMES = ("sig", "pwd", "pass")
"""Short query parameter names that are secrets as a whole word (Azure SAS ``sig``)."""

_SECRET_VALUE = re.compile(
    r"^\s*(?:bearer|basic|token)\s+\S{8,}|^\s*(?:sk|pk|rk)[-_][A-Za-z0-9_-]{12,}"
    r"|^\s*(?:ghp|gho|ghs|xox[abpr])[-_][A-Za-z0-9_-]{10,}",
    re.IGNORECASE,
)
"""Values shaped like a key whatever the name they are under (``Bearer ...``, ``sk-...``)."""

_MARKER = re.compile(r"\[redacted [0-9a-f]{12}\]")
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<netloc>[^/?#]*)(?P<rest>.*)$", re.S)
_SALT = b"evalkit-redact-v1"


def secret_name(name: str) -> bool:
    """Whether a header, query parameter or option called ``name`` holds a secret."""
    low = name.lower()
    return any(w in low for w in SECRET_WORDS)


def _secret_value(value: str) -> bool:
    return bool(_SECRET_VALUE.match(value))


@functools.lru_cache(maxsize=256)
def _digest(value: str) -> str:
    # slow and salted: the marker must show that a key changed, not help anyone guess it
    return hashlib.pbkdf2_hmac("sha256", value.encode("utf-8"), _SALT, 20_000).hex()[:12]


def redacted(value: str) -> str:
    """The marker shown instead of ``value``; a marker is returned unchanged."""
    if _MARKER.fullmatch(value):
        return value
    return f"[redacted {_digest(value)}]"


def is_redacted(value: Any) -> bool:
    """Whether ``value`` (a string) holds a redaction marker."""
    return isinstance(value, str) and bool(_MARKER.search(value))


def _url_secrets(url: str) -> list[tuple[str, str]]:
    """(what, value) for the credentials and secret query values of ``url``."""
    m = _URL.match(url)
    if not m:
        return []
    found: list[tuple[str, str]] = []
    netloc = m["netloc"]
    if "@" in netloc:
        found.append(("credentials (user:password@)", netloc.rsplit("@", 1)[0]))
    _, q, query = m["rest"].partition("?")
    if q:
        for item in query.partition("#")[0].split("&"):
            k, eq, v = item.partition("=")
            name = unquote(k)
            if eq and v and (secret_name(name) or name.lower() in _QUERY_NAMES):
                found.append((f"query parameter {name!r}", v))
    return [(what, v) for what, v in found if not _MARKER.fullmatch(unquote(v))]


def redact_url(url: str | None) -> str | None:
    """``url`` with its user:password and secret query values replaced by markers."""
    if not url:
        return url
    out = url
    for _, value in _url_secrets(url):
        out = out.replace(value, redacted(unquote(value)))
    return out


def redact_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """Headers with each secret value (by the header's name or the value's shape) a marker."""
    return {
        k: redacted(v) if isinstance(v, str) and (secret_name(str(k)) or _secret_value(v)) else v
        for k, v in headers.items()
    }


def redact_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """A candidate's options as they may be shown: ``headers`` redacted by header name, a
    string under a top-level key named like a secret (:data:`OPTION_SECRET_WORDS`, the keys
    a config file may not hold) a marker, and anywhere a string shaped like a key or a URL
    with credentials a marker. Keys ending in ``_env`` name environment variables and stay.

    Other values are kept as they are even under names such as ``key`` or ``session``: a run
    resumed from its manifest gets its options back from there, and a provider option
    replaced by a marker would silently change what the run does."""
    out: dict[str, Any] = {}
    for k, v in options.items():
        name = str(k)
        if name.endswith("_env"):
            out[k] = v
        elif name == "headers" and isinstance(v, Mapping):
            out[k] = redact_headers(v)
        elif isinstance(v, str) and any(w in name.lower() for w in OPTION_SECRET_WORDS):
            out[k] = redacted(v)
        else:
            out[k] = _by_shape(v)
    return out


def _by_shape(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _by_shape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_by_shape(v) for v in value]
    if isinstance(value, str):
        if _secret_value(value):
            return redacted(value)
        return redact_url(value) if _URL.match(value) else value
    return value


def secret_values(base_url: str | None, options: Mapping[str, Any]) -> list[str]:
    """The literal secrets of a candidate's settings, for scrubbing from error messages."""
    found: list[str] = []
    for _, v in _url_secrets(base_url or ""):
        found += [v, unquote(v), v.rsplit(":", 1)[-1], unquote(v.rsplit(":", 1)[-1])]
    headers = options.get("headers")
    if isinstance(headers, Mapping):
        for k, v in headers.items():
            if isinstance(v, str) and (secret_name(str(k)) or _secret_value(v)):
                found.append(v)
                found.append(v.split(None, 1)[-1])  # the key alone, after "Bearer "
    return sorted({s for s in found if len(s) >= 6}, key=len, reverse=True)


def literal_secret_problems(body: Mapping[str, Any], where: str) -> list[Problem]:
    """The secrets a candidate's table holds inline, and a malformed ``options.headers_env``.

    Refused like ``options.api_key`` always was: a config file is committed and shared, and
    whatever it holds ends up in run manifests. The message names the place, never the value.
    """
    problems: list[Problem] = []
    url = body.get("base_url")
    if isinstance(url, str):
        for what, _ in _url_secrets(url):
            problems.append(
                Problem(
                    f"{where} base_url",
                    f"holds a secret in its {what}; never put keys in config: remove it from "
                    "the URL and set it in an environment variable named by api_key_env (or "
                    'send it as a header with options.headers_env = { "api-key" = "VAR" })',
                )
            )
    opts = body.get("options")
    if not isinstance(opts, Mapping):
        return problems
    headers = opts.get("headers")
    if isinstance(headers, Mapping):
        for name, value in headers.items():
            if isinstance(value, str) and (secret_name(str(name)) or _secret_value(value)):
                problems.append(
                    Problem(
                        f"{where} options.headers.{name}",
                        "looks like a secret; never put keys in config: set an environment "
                        f'variable and name it with options.headers_env = {{ "{name}" = '
                        '"VAR_NAME" }',
                    )
                )
    env = opts.get("headers_env")
    if env is not None and (
        not isinstance(env, Mapping)
        or not all(isinstance(v, str) and v.strip() for v in env.values())
    ):
        problems.append(
            Problem(
                f"{where} options.headers_env",
                'must be a table of header name = environment variable name, e.g. { "api-key" '
                '= "AZURE_OPENAI_KEY" }',
            )
        )
    return problems


# ------------------------------------------------------------------ scorers' provider settings
# A judge (the ``judge`` scorer, the ``checks`` scorer's ``defaults.judge``, groundedness's
# judge mode, a plugin's) reaches its provider with the same settings as a candidate:
# ``base_url`` and ``options.headers``, at whatever depth its arguments nest them. So they
# get the same refusal in a config file and the same redaction in a run's manifest.

_ARG_SECRET_WORDS = frozenset({"secret", "password", "passwd", "token", "apikey"})


def _secret_arg(name: str) -> bool:
    """A scorer argument holding a key by its name (``api_key``, ``auth_token``), judged by
    whole words so ``max_tokens`` or ``tokenizer`` are not secrets."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    if words and words[-1] == "env":
        return False  # names an environment variable
    joined = "_".join(words)
    return bool(_ARG_SECRET_WORDS & set(words)) or "api_key" in joined or "access_key" in joined


def scorer_secret_problems(args: Any, where: str) -> list[Problem]:
    """The secrets a scorer's arguments hold inline (a judge's ``base_url`` with credentials
    or a ``?token=``, a secret-looking header, a key-shaped value, an argument named like a
    key), each at its place (``... args.options.headers.api-key``), never with its value."""
    problems: list[Problem] = []
    _arg_problems(args, f"{where} args", problems)
    return problems


def _arg_problems(value: Any, where: str, problems: list[Problem]) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            name = str(k)
            at = f"{where}.{name}"
            if name == "base_url" and isinstance(v, str):
                for what, _ in _url_secrets(v):
                    problems.append(Problem(at, f"holds a secret in its {what}; {_ARG_FIX}"))
            elif name == "headers" and isinstance(v, Mapping):
                for h, hv in v.items():
                    if isinstance(hv, str) and (secret_name(str(h)) or _secret_value(hv)):
                        problems.append(Problem(f"{at}.{h}", _header_fix(str(h))))
            elif name == "headers_env":
                if not isinstance(v, Mapping) or not all(
                    isinstance(e, str) and e.strip() for e in v.values()
                ):
                    problems.append(Problem(at, _HEADERS_ENV_SHAPE))
            elif isinstance(v, str) and _secret_arg(name):
                problems.append(Problem(at, f"looks like a secret; {_ARG_FIX}"))
            else:
                _arg_problems(v, at, problems)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value, start=1):
            _arg_problems(v, f"{where}[{i}]", problems)
    elif isinstance(value, str) and (_secret_value(value) or _url_secrets(value)):
        problems.append(Problem(where, f"looks like a secret; {_ARG_FIX}"))


_ARG_FIX = (
    "never put keys in config: set the judge's key in an environment variable named by "
    'api_key_env, or send it as a header with options.headers_env = { "api-key" = "VAR" }'
)
_HEADERS_ENV_SHAPE = (
    'must be a table of header name = environment variable name, e.g. { "api-key" = '
    '"AZURE_OPENAI_KEY" }'
)


def _header_fix(name: str) -> str:
    return (
        "looks like a secret; never put keys in config: set an environment variable and name "
        f'it with options.headers_env = {{ "{name}" = "VAR_NAME" }}'
    )


def redact_scorer_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """A scorer's arguments as they may be written or shown (a run's manifest, and so the
    report, "what changed" and summaries): at any depth, a ``base_url``'s credentials and
    secret query values, each secret header, a string under a key-like name and any value
    shaped like a key or a URL with credentials are markers; names of environment variables
    (``*_env``) stay. Idempotent, like the candidate's redaction."""
    out = _redact_arg(args)
    return dict(out) if isinstance(out, Mapping) else {}


def _redact_arg(value: Any) -> Any:
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            key = str(k)
            if key.endswith("_env"):
                out[k] = v
            elif key == "headers" and isinstance(v, Mapping):
                out[k] = redact_headers(v)
            elif isinstance(v, str) and _secret_arg(key):
                out[k] = redacted(v)
            else:
                out[k] = _redact_arg(v)
        return out
    if isinstance(value, (list, tuple)):
        return [_redact_arg(v) for v in value]
    return _by_shape(value)
