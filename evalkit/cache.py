"""The on-disk response cache: one SQLite file shared by every run (and every process).

Key: :meth:`evalkit.providers.base.Request.cache_key` of the request as sent, i.e. the sha256
of the canonical JSON of ``{"provider", "base_url", "model", "messages", "params", "tools",
"tool_choice", "repeat"}``, where ``base_url`` holds the provider's
:attr:`~evalkit.providers.base.Provider.cache_scope` (the ``base_url`` itself for the SDK
providers; for ``callable`` its target and a hash of the function's source, so an edited
pipeline misses). The repeat index is in it so that K repeats are K real samples; the case
id and the traffic metadata are not, so renaming a case reuses its answers. Value:
:meth:`Response.to_dict` as JSON. Errors are never served as answers: the last error a key's
call ended with is kept apart (:meth:`ResponseCache.put_error`) only so that an offline
``require`` run can say "when recorded, the provider answered 400: ..." instead of "never
recorded"; an answer stored later replaces it.

Why SQLite: one file, atomic writes, and WAL mode lets many readers and one writer share it
across processes (pytest-xdist workers, two terminals) with a busy timeout instead of
corruption. Two processes missing the same key would both pay for the call, so a miss first
takes a short *claim* (a lease row naming its owner); a second process that finds a live
claim waits for the owner's answer instead of calling too. A claim whose owner died (same
host, pid gone) or whose lease ran out is taken over.

Answers are written in batches (see :meth:`ResponseCache.put`) and hit times when the cache
closes, so a fully cached re-run does no writes per case.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

__all__ = ["CACHE_FILE", "ResponseCache", "answer_cache_mode", "note_answer_cache_mode"]

_ANSWER_MODE: ContextVar[str | None] = ContextVar("evalkit_answer_cache_mode", default=None)


def answer_cache_mode() -> str | None:
    """The cache mode of the run whose answer is being scored here (``require`` in replay:
    pytest's ``--evalkit-mode replay``, ``--cache-mode require``, a suite's ``cache =
    "require"``), or ``None`` outside a run (a notebook's ``await judge.score(ctx)``,
    ``evalkit score``).

    Why: an LLM judge has its own cache setting, and its default ``use`` asked the judge's
    provider for a verdict that was not recorded even in a replay run, meant to be offline
    and key-free. The judge reads this to stay offline there too
    (:class:`~evalkit.scorers._judge_call.JudgeCaller`)."""
    return _ANSWER_MODE.get()


def note_answer_cache_mode(mode: str) -> None:
    """Say which cache mode the answer about to be scored in this task was obtained with.

    Called by a run candidate's :class:`~evalkit.dispatch.Dispatcher` for each request, in
    the task that then scores the answer; a context variable, so it holds for that task (and
    the tasks and threads scoring starts from it) and never leaks into another run's."""
    _ANSWER_MODE.set(mode)


CACHE_FILE = "responses.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    provider TEXT,
    model TEXT,
    body TEXT NOT NULL,
    size INTEGER NOT NULL,
    created REAL NOT NULL,
    accessed REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_accessed ON responses(accessed);
CREATE TABLE IF NOT EXISTS errors (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status INTEGER,
    message TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires REAL NOT NULL
);
"""
ClaimState = Literal["owned", "busy", "hit"]
FLUSH_EVERY = 64
FLUSH_AFTER_S = 0.05


def _enable_wal(db: sqlite3.Connection, *, within_s: float = 30.0) -> None:
    """Switch the file to WAL, retrying while another process holds the lock.

    SQLite does not always wait out ``busy_timeout`` for a journal-mode change: when several
    processes open a new cache file at once (pytest-xdist workers starting together), some got
    "database is locked" at once (9 of 240 openings in a test of 8 processes at a barrier).
    WAL is a property of the file, so once any process has set it the others find it set.
    """
    deadline = time.monotonic() + within_s
    pause = 0.01
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


class ResponseCache:
    """A process's handle on the shared cache folder."""

    def __init__(self, folder: str | Path, *, lease_s: float = 300.0) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / CACHE_FILE
        self.lease_s = lease_s
        self._host = socket.gethostname()
        self.owner = f"{self._host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._db = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA busy_timeout=30000")
        _enable_wal(self._db)
        # WAL + NORMAL: a commit is durable once checkpointed; a crash loses at most the last
        # few cache writes, never the file. The cache is a convenience, results are not here.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._touched: list[str] = []
        self._pending: dict[str, tuple[Any, ...]] = {}
        self._last_flush = time.time()
        self._timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ read/write
    def get(self, key: str) -> dict[str, Any] | None:
        pending = self._pending.get(key)
        if pending is not None:
            return json.loads(pending[3])  # type: ignore[no-any-return]
        row = self._db.execute("SELECT body FROM responses WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        self._touched.append(key)
        body: dict[str, Any] = json.loads(row[0])
        return body

    def put(
        self, key: str, body: Mapping[str, Any], *, provider: str = "", model: str = ""
    ) -> None:
        """Store a successful response and drop this process's claim on the key.

        Writes are batched (one transaction per :data:`FLUSH_EVERY` answers or
        :data:`FLUSH_AFTER_S` seconds, and at :meth:`close`): a transaction per answer cost more
        CPU than the HTTP call it saves. Until flushed, this handle serves the answer from
        memory and other processes keep waiting on the claim, so nobody calls twice.
        """
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        now = time.time()
        self._pending[key] = (key, provider, model, text, len(text), now, now)
        if len(self._pending) >= FLUSH_EVERY or now - self._last_flush >= FLUSH_AFTER_S:
            self._flush_pending()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._flush_pending()
            else:
                self._timer = loop.call_later(FLUSH_AFTER_S, self._flush_pending)

    def _flush_pending(self) -> None:
        self._last_flush = time.time()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        rows, self._pending = list(self._pending.values()), {}
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("INSERT OR REPLACE INTO responses VALUES (?,?,?,?,?,?,?)", rows)
            db.executemany("DELETE FROM errors WHERE key=?", ((r[0],) for r in rows))
            db.executemany(
                "DELETE FROM claims WHERE key=? AND owner=?", ((r[0], self.owner) for r in rows)
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def put_error(self, key: str, kind: str, message: str, status: int | None) -> None:
        """Note how the call for ``key`` failed (its message already scrubbed of secrets).
        Never served as an answer; read by :meth:`get_error` when a ``require`` run misses."""
        self._db.execute(
            "INSERT OR REPLACE INTO errors VALUES (?,?,?,?,?)",
            (key, kind, status, message, time.time()),
        )

    def get_error(self, key: str) -> tuple[str, str, int | None] | None:
        """``(kind, message, status)`` of the last failed call for ``key``, if it has no answer."""
        row = self._db.execute(
            "SELECT kind, message, status FROM errors WHERE key=?", (key,)
        ).fetchone()
        return (str(row[0]), str(row[1]), row[2]) if row is not None else None

    def merge_from(self, folder: str | Path) -> int:
        """Copy every answer of another cache folder into this cache, overwriting, and the last
        error of each key it has no answer for; returns how many answers were copied.

        How ``pytest --evalkit-mode refresh`` publishes the answers its xdist workers shared
        through a cache of the session's own (``evalkit/pytest_xdist.py``): the session's
        cache deduped the calls, this cache gets the fresh answers as a refresh would have
        written them. Claims are not copied (they belong to the other folder's processes).
        """
        self._flush_pending()
        db = self._db
        db.execute("ATTACH DATABASE ? AS other", (str(Path(folder) / CACHE_FILE),))
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                copied = db.execute(
                    "INSERT OR REPLACE INTO main.responses SELECT * FROM other.responses"
                ).rowcount
                db.execute("DELETE FROM main.errors WHERE key IN (SELECT key FROM other.responses)")
                db.execute(
                    "INSERT OR REPLACE INTO main.errors SELECT * FROM other.errors "
                    "WHERE key NOT IN (SELECT key FROM other.responses)"
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        finally:
            db.execute("DETACH DATABASE other")
        return int(copied)

    # ------------------------------------------------------------------ claims
    def claim(self, key: str) -> tuple[ClaimState, dict[str, Any] | None]:
        """Take the lease on a missing key: ``owned`` (call the provider), ``busy`` (someone
        else is calling it: :meth:`wait`), or ``hit`` (the answer landed meanwhile)."""
        if key in self._pending:
            return "hit", self.get(key)
        db, now = self._db, time.time()
        # The common case is one autocommitted statement: nobody holds the key.
        taken = db.execute(
            "INSERT OR IGNORE INTO claims VALUES (?,?,?)", (key, self.owner, now + self.lease_s)
        ).rowcount
        if not taken:
            held = db.execute("SELECT owner, expires FROM claims WHERE key=?", (key,)).fetchone()
            if (
                held is not None
                and held[0] != self.owner
                and held[1] > now
                and self._alive(held[0])
            ):
                return "busy", None
            db.execute(
                "INSERT OR REPLACE INTO claims VALUES (?,?,?)",
                (key, self.owner, now + self.lease_s),
            )
        # The answer may have landed between the caller's lookup and the claim.
        row = db.execute("SELECT body FROM responses WHERE key=?", (key,)).fetchone()
        if row is not None:
            self.release(key)
            self._touched.append(key)
            return "hit", json.loads(row[0])
        return "owned", None

    def release(self, key: str) -> None:
        """Give up a claim without an answer (the call failed; errors are not cached)."""
        self._db.execute("DELETE FROM claims WHERE key=? AND owner=?", (key, self.owner))

    async def wait(self, key: str, *, max_wait_s: float | None = None) -> dict[str, Any] | None:
        """Poll until another process's answer lands; ``None`` when its claim went away."""
        deadline = time.monotonic() + (max_wait_s if max_wait_s is not None else self.lease_s)
        delay = 0.02
        while time.monotonic() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.25)
            body = self.get(key)
            if body is not None:
                return body
            row = self._db.execute(
                "SELECT owner, expires FROM claims WHERE key=?", (key,)
            ).fetchone()
            if row is None or row[1] <= time.time() or not self._alive(row[0]):
                return None
        return None

    def _alive(self, owner: str) -> bool:
        host, _, rest = owner.partition(":")
        if host != self._host:
            return True  # another machine on a shared folder: trust its lease
        pid = int(rest.partition(":")[0] or 0)
        if pid == os.getpid():
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    # ------------------------------------------------------------------ maintenance
    def info(self) -> dict[str, Any]:
        """Entries, stored bytes, file size on disk and the age range, for ``evalkit cache info``."""
        n, stored, oldest, newest = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(size),0), MIN(created), MAX(created) FROM responses"
        ).fetchone()
        by_model = self._db.execute(
            "SELECT provider, model, COUNT(*) FROM responses GROUP BY provider, model "
            "ORDER BY COUNT(*) DESC"
        ).fetchall()
        disk = sum(
            p.stat().st_size
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if p.exists()
        )
        return {
            "path": str(self.path),
            "entries": n,
            "stored_bytes": stored,
            "disk_bytes": disk,
            "oldest": oldest,
            "newest": newest,
            "by_model": [{"provider": p, "model": m, "entries": c} for p, m, c in by_model],
        }

    def prune(
        self, *, older_than_days: float | None = None, max_size_mb: float | None = None
    ) -> int:
        """Delete entries unused for ``older_than_days``, then the least recently used until the
        stored size is under ``max_size_mb``. Returns how many entries were deleted."""
        self.flush()
        removed = 0
        if older_than_days is not None:
            cutoff = time.time() - older_than_days * 86400
            removed += self._db.execute(
                "DELETE FROM responses WHERE accessed < ?", (cutoff,)
            ).rowcount
        if max_size_mb is not None:
            limit = int(max_size_mb * 1024 * 1024)
            total = self._db.execute("SELECT COALESCE(SUM(size),0) FROM responses").fetchone()[0]
            if total > limit:
                doomed: list[tuple[str]] = []
                for key, size in self._db.execute(
                    "SELECT key, size FROM responses ORDER BY accessed ASC"
                ):
                    if total <= limit:
                        break
                    doomed.append((key,))
                    total -= size
                self._db.executemany("DELETE FROM responses WHERE key=?", doomed)
                removed += len(doomed)
        if older_than_days is not None:
            self._db.execute("DELETE FROM errors WHERE created < ?", (cutoff,))
        self._db.execute("DELETE FROM claims WHERE expires < ?", (time.time(),))
        self._vacuum()
        return removed

    def clear(self) -> int:
        removed = self._db.execute("DELETE FROM responses").rowcount
        self._db.execute("DELETE FROM errors")
        self._db.execute("DELETE FROM claims")
        self._vacuum()
        return int(removed)

    def _vacuum(self) -> None:
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.execute("VACUUM")
        except sqlite3.OperationalError:
            pass  # another process has it open; the space is reused, just not returned

    def flush(self) -> None:
        """Write batched answers and hit times (used by ``prune --older-than``)."""
        self._flush_pending()
        if not self._touched:
            return
        now = time.time()
        touched, self._touched = self._touched, []
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany(
            "UPDATE responses SET accessed=? WHERE key=?", ((now, k) for k in touched)
        )
        self._db.execute("COMMIT")

    def close(self) -> None:
        try:
            self.flush()
            self._db.execute("DELETE FROM claims WHERE owner=?", (self.owner,))
        finally:
            self._db.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
