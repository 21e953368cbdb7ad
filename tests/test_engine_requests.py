"""Requests rendered when they are sent (evalkit/engine_requests.py), through a real run."""

from __future__ import annotations

import uuid
import weakref
from pathlib import Path
from typing import Any

import pytest

from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run
from evalkit.engine_requests import RunRequests
from evalkit.errors import TemplateError
from evalkit.prompt import PromptRenderer
from evalkit.providers.base import Request
from evalkit.scoring import Score, ScoreContext, scorer
from tests.helpers import scripted_provider as sp


class _Tracked(Request):
    """A Request that can be weakly referenced, so a test can count the live ones."""

    __slots__ = ("__weakref__",)


def _set(n: int) -> EvalSet:
    return EvalSet.from_cases(
        [{"id": f"c{i}", "input": f"question {i}", "vars": {"n": i}} for i in range(n)],
        name="lazy",
    )


def _cand(key: str, **kw: Any) -> Candidate:
    opts = {"key": key, **kw.pop("options", {})}
    return Candidate(name="cand", provider="scripted", model="gpt-4o-mini", options=opts, **kw)


def _opts(tmp_path: Path, **kw: Any) -> RunOptions:
    kw.setdefault("out_dir", tmp_path / "run")
    kw.setdefault("cache_dir", tmp_path / "cache")
    kw.setdefault("progress", "off")
    return RunOptions(**kw)


def test_no_more_requests_alive_than_the_in_flight_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every request the renderer builds is tracked; while the run scores a record, only the
    # requests of the pairs in flight may be alive (rendered up front, all 150 were).
    live = [0]

    def gone() -> None:
        live[0] -= 1

    def tracked(**fields: Any) -> Request:
        req = _Tracked(**fields)
        live[0] += 1
        weakref.finalize(req, gone)
        return req

    monkeypatch.setattr("evalkit.prompt.Request", tracked)
    seen: list[int] = []

    # Async, so it counts on the run's loop, between the engine's steps. A sync scorer runs in
    # a worker thread (asyncio.to_thread), whose finished work item still holds the previous
    # record's context, and so its request, until that thread gets the GIL back: on a loaded
    # machine the count then read one or two requests the engine had already dropped (5 of
    # 300 counts over 4 in one run of six), and the bound needed a slack that could not tell
    # a worker holding two requests from that.
    @scorer("live", register=False)
    async def count(ctx: ScoreContext) -> Score:
        assert isinstance(ctx.request, _Tracked)  # the count sees the requests sent
        seen.append(live[0])
        return Score(1.0, True)

    key = uuid.uuid4().hex
    cand = _cand(key, prompt="Q{{ n }}: {{ input }}", options={"latency_ms": 2})
    out = run(_set(150), cand, [count()], _opts(tmp_path, concurrency=4, repeats=2))
    assert len(out.records) == 300 and out.manifest["counts"]["errors"] == 0
    assert len(seen) == 300
    assert max(seen) <= 4, max(seen)  # one per worker (concurrency 4)


def test_lazy_requests_are_those_rendered_up_front(tmp_path: Path) -> None:
    # Same messages, repeat and cache key as rendering every case first: a second run of the
    # same eval set is served wholly from the cache, and every record's request is the render.
    key = uuid.uuid4().hex
    es, cand = _set(12), _cand(key, prompt="Q{{ n }}: {{ input }}", system="Be brief.")
    first = run(es, cand, [], _opts(tmp_path, repeats=3, concurrency=5))
    renderer = PromptRenderer(cand)
    by_case = {c.id: c for c in es.cases}
    for rec in first.records:
        assert rec.request == renderer.render(by_case[rec.case_id], rec.repeat).to_dict()
    again = run(es, cand, [], _opts(tmp_path, out_dir=tmp_path / "again", repeats=3))
    assert again.manifest["counts"]["cache_hits"] == 36
    assert sum(sp.CALLS[key].values()) == 36


def test_a_template_failing_on_the_last_case_stops_the_run_before_any_call(
    tmp_path: Path,
) -> None:
    # The failing case comes after more cases than run in flight: a render at dispatch time
    # would have paid for the first ones; the up-front check renders all before any call.
    key = uuid.uuid4().hex
    rows: list[dict[str, Any]] = [{"id": f"c{i}", "vars": {"x": i}} for i in range(30)]
    rows.append({"id": "last", "vars": {"y": 1}})
    es = EvalSet.from_cases(rows)
    with pytest.raises(TemplateError, match=r"case 'last'.*undefined variable"):
        run(es, _cand(key, prompt="value {{ x }}"), [], _opts(tmp_path, concurrency=2))
    assert not sp.CALLS[key]
    assert not (tmp_path / "run" / "manifest.json").exists()


def test_pairs_skip_the_done_ones_repeat_by_repeat() -> None:
    reqs = RunRequests(_cand("unused"), _set(3).cases)
    done = {("c1", 0), ("c0", 1)}
    assert list(reqs.pairs(2, done)) == [(0, 0), (2, 0), (1, 1), (2, 1)]
    assert reqs.render(2, 1).case_id == "c2" and reqs.render(2, 1).repeat == 1
