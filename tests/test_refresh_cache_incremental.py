"""``refresh`` writes each fresh answer into the project's cache as it arrives
(evalkit/cache_copy.py), not when the suite ends: a kill or a Ctrl-C mid-suite keeps what was
paid for. Checked on the cache itself (copies visible while it is open, one entry per key,
claims still shared between workers) and end to end on a pytest session killed mid-suite.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from pathlib import Path

from evalkit.cache import CACHE_FILE, ResponseCache
from evalkit.cache_copy import CopyingCache, open_cache
from evalkit.pytest_xdist import SessionCache
from tests.helpers.interrupting import Command, wait_until


def _rows(folder: Path) -> dict[str, str]:
    """key → body of every answer in the cache file of ``folder``, read by another connection
    (as another process would)."""
    db = folder / CACHE_FILE
    if not db.exists():
        return {}
    with closing(sqlite3.connect(db)) as con:
        return dict(con.execute("SELECT key, body FROM responses"))


def test_answers_reach_the_copy_while_the_run_goes_on(tmp_path: Path) -> None:
    project = tmp_path / "project"
    with ResponseCache(project) as old:
        old.put("k1", {"text": "old"})

    async def a_run() -> None:  # inside a loop, as the engine writes (batched, on a timer)
        cache = open_cache(tmp_path / "session", project)
        assert isinstance(cache, CopyingCache)
        try:
            cache.put("k1", {"text": "fresh 1"}, provider="p", model="m")
            cache.put("k2", {"text": "fresh 2"}, provider="p", model="m")
            cache.put_error("k3", "server_error", "HTTP 500", 500)
            got = await asyncio.to_thread(
                wait_until, lambda: len(_rows(project)) == 2 and "fresh 1" in _rows(project)["k1"]
            )
            assert got, _rows(project)  # visible to others before the run closes its cache
        finally:
            cache.close()

    asyncio.run(a_run())
    assert {k: json.loads(v)["text"] for k, v in _rows(project).items()} == {
        "k1": "fresh 1",  # overwritten, one entry per key
        "k2": "fresh 2",
    }
    with ResponseCache(project) as cache:
        assert cache.get_error("k3") == ("server_error", "HTTP 500", 500)
    same = open_cache(project, project)
    try:
        assert same.__class__ is ResponseCache  # no copy onto itself
    finally:
        same.close()  # Python 3.13 reports an unclosed sqlite connection at collection


def test_workers_share_a_claim_and_the_copy_gets_one_entry(tmp_path: Path) -> None:
    """Two xdist workers on the session's cache: the second waits on the first one's claim
    and is served its answer; the project's cache gets the answer once, from its caller."""
    session, project = tmp_path / "session", tmp_path / "project"
    one, two = CopyingCache(session, project), CopyingCache(session, project)
    try:
        assert one.claim("k")[0] == "owned"
        assert two.claim("k")[0] == "busy"
        one.put("k", {"text": "answer"})
        one.flush()
        assert asyncio.run(two.wait("k", max_wait_s=10)) == {"text": "answer"}
        assert list(_rows(project)) == ["k"]
        assert list(_rows(session)) == ["k"]
    finally:
        one.close()
        two.close()
    assert list(_rows(project)) == ["k"]


def test_session_options_copy_in_refresh_only(tmp_path: Path) -> None:
    refresh, live = SessionCache("refresh"), SessionCache("live")
    try:
        got = refresh.options(tmp_path / "cache")
        assert got["cache_mode"] == "use" and got["cache_copy_to"] == str(tmp_path / "cache")
        assert "cache_copy_to" not in live.options(tmp_path / "cache")
        assert SessionCache("record").options(tmp_path) == {"cache_mode": "use"}
    finally:
        refresh.close()
        live.close()


CONFIG = """
runs_dir = ".evalkit/runs"
cache_dir = ".evalkit/cache"

[candidates.live]
provider = "callable"
model = "m"
concurrency = 1
options = { target = "pipeline.py:answer", cacheable = true }

[suites.paid]
dataset = "qa.jsonl"
candidates = ["live"]
scorers = ["exact_match"]
"""

PIPELINE = """
import time
from pathlib import Path

def answer(request):
    if request.case_id == "q3":
        Path(__file__).with_name("blocked").touch()
        time.sleep(60)
    return "fresh " + request.case_id
"""


def test_a_refresh_session_killed_mid_suite_keeps_its_answers(tmp_path: Path) -> None:
    """q1 and q2 answered, q3 in flight: the project's cache already holds q1 and q2, and
    still does after SIGKILL (no Python clean-up at all, as when CI kills a job)."""
    (tmp_path / "evalkit.toml").write_text(CONFIG)
    rows = [{"id": f"q{i}", "input": f"question {i}", "expected": f"fresh q{i}"} for i in (1, 2, 3)]
    (tmp_path / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    args = ["-p", "no:cacheprovider", "-q", "--evalkit-suite", "paid", "--evalkit-mode", "refresh"]
    cmd = Command(args, tmp_path, {"TMPDIR": str(tmp_path)}, module="pytest")
    project = tmp_path / ".evalkit" / "cache"
    try:
        assert wait_until(lambda: (tmp_path / "blocked").exists()), cmd.err
        assert wait_until(lambda: len(_rows(project)) == 2), (_rows(project), cmd.err)
    finally:
        cmd.close()  # SIGKILL
    texts = sorted(json.loads(body)["text"] for body in _rows(project).values())
    assert texts == ["fresh q1", "fresh q2"]
