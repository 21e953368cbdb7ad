"""A response cache that also writes each answer it stores into a second cache, as it arrives.

Why: ``pytest --evalkit-mode refresh`` runs every evaluation against a cache of the session's
own (so xdist workers share answers through its claims without reading the old recordings:
:mod:`evalkit.pytest_xdist`). Its fresh answers used to reach the project's cache only when an
evaluation ended, by copying the whole session folder over; a Ctrl-C, a kill or a crash
mid-suite left them in the run folders alone, and the next ``record`` or ``replay`` session
asked for them again or replayed the old ones. :class:`CopyingCache` writes each answer (and
the last error of a call that failed, as a refresh would have noted it) into the project's
cache in the same batches as into the session's, so what was answered is recorded within
:data:`~evalkit.cache.FLUSH_AFTER_S` seconds, and at the latest when the run closes its cache,
which it does when interrupted too.

Each answer is written by the process that obtained it, once: an answer another worker
obtained is a hit here and is copied by that worker. Keys are primary keys and writes are
``INSERT OR REPLACE``, so a key written twice (two refreshes of one case) is one entry, the
newest. Claims stay in the session's cache, which is the one the workers coordinate through;
the copy never claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.cache import ResponseCache

__all__ = ["CopyingCache", "open_cache"]


class CopyingCache(ResponseCache):
    """A :class:`~evalkit.cache.ResponseCache` on ``folder`` whose writes also go to the
    cache in ``copy_to`` (overwriting what it holds for the key)."""

    def __init__(self, folder: str | Path, copy_to: str | Path, *, lease_s: float = 300.0):
        super().__init__(folder, lease_s=lease_s)
        try:
            self.copy = ResponseCache(copy_to, lease_s=lease_s)
        except BaseException:
            super().close()
            raise

    def put(
        self, key: str, body: Mapping[str, Any], *, provider: str = "", model: str = ""
    ) -> None:
        super().put(key, body, provider=provider, model=model)
        self.copy.put(key, body, provider=provider, model=model)

    def put_error(self, key: str, kind: str, message: str, status: int | None) -> None:
        super().put_error(key, kind, message, status)
        self.copy.put_error(key, kind, message, status)

    def flush(self) -> None:
        super().flush()
        self.copy.flush()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.copy.close()


def open_cache(
    folder: str | Path, copy_to: str | Path | None = None, *, lease_s: float = 300.0
) -> ResponseCache:
    """The cache a run reads and writes (``folder``), copying its writes into ``copy_to``
    when given and not the same folder."""
    if copy_to is None or Path(copy_to).resolve() == Path(folder).resolve():
        return ResponseCache(folder, lease_s=lease_s)
    return CopyingCache(folder, copy_to, lease_s=lease_s)
