"""The replay provider: recorded outputs served offline, a run's results.jsonl included."""

from __future__ import annotations

import asyncio
import json
import resource
from pathlib import Path
from typing import Any

import pytest

from evalkit.dataset import Message
from evalkit.errors import InputError, ProviderError
from evalkit.providers.base import PROVIDERS, ProviderSettings, Request, Response, ToolCall, Usage
from evalkit.providers.replay import ReplayProvider
from evalkit.records import ErrorInfo, Record, RunWriter


def _write(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def _provider(tmp_path: Path, path: str | list[str]) -> ReplayProvider:
    return ReplayProvider(
        ProviderSettings(model="m", options={"path": path}, base_dir=str(tmp_path))
    )


def _request(case_id: str, repeat: int = 0) -> Request:
    return Request(case_id=case_id, repeat=repeat, model="m", messages=(Message("user", "q"),))


def _get(p: ReplayProvider, case_id: str, repeat: int = 0) -> Response:
    return asyncio.run(p.complete(_request(case_id, repeat)))


def test_registered_and_never_cached() -> None:
    assert PROVIDERS.get("replay") is ReplayProvider
    assert ReplayProvider.cacheable is False


def test_hit_with_every_optional_field(tmp_path: Path) -> None:
    _write(
        tmp_path / "rec.jsonl",
        [
            {
                "case_id": "q1",
                "repeat": 0,
                "output": "Paris",
                "tool_calls": [{"name": "lookup", "arguments": {"city": "Paris"}}],
                "usage": {"input_tokens": 12, "output_tokens": 1, "cached_tokens": 8},
                "model": "gpt-4o-mini-2024-07-18",
                "latency_ms": 420,
            },
            {"case_id": "q2", "output": "Rome"},
        ],
    )
    p = _provider(tmp_path, "rec.jsonl")
    r = _get(p, "q1")
    assert r.text == "Paris"
    assert r.tool_calls == (ToolCall("lookup", {"city": "Paris"}),)
    assert r.finish_reason == "tool_calls"
    assert r.usage == Usage(12, 1, 8)
    assert r.model == "gpt-4o-mini-2024-07-18" and r.latency_ms == 420.0
    r2 = _get(p, "q2")
    assert (r2.text, r2.finish_reason, r2.tool_calls, r2.model) == ("Rome", "stop", (), None)


def test_repeat_specific_line_wins_and_repeatless_line_is_the_fallback(tmp_path: Path) -> None:
    _write(
        tmp_path / "rec.jsonl",
        [
            {"case_id": "q1", "output": "any repeat"},
            {"case_id": "q1", "repeat": 1, "output": "second sample"},
        ],
    )
    p = _provider(tmp_path, "rec.jsonl")
    assert _get(p, "q1", 1).text == "second sample"
    assert _get(p, "q1", 0).text == "any repeat"
    assert _get(p, "q1", 5).text == "any repeat"


def test_several_files_last_line_wins(tmp_path: Path) -> None:
    _write(
        tmp_path / "a.jsonl", [{"case_id": "q1", "output": "old"}, {"case_id": "q2", "output": "b"}]
    )
    _write(tmp_path / "b.jsonl", [{"case_id": "q1", "output": "new"}])
    p = _provider(tmp_path, ["a.jsonl", "b.jsonl"])
    assert _get(p, "q1").text == "new" and _get(p, "q2").text == "b"


def test_missing_case_is_a_per_case_error_naming_case_repeat_and_file(tmp_path: Path) -> None:
    _write(tmp_path / "rec.jsonl", [{"case_id": "q1", "repeat": 0, "output": "x"}])
    p = _provider(tmp_path, "rec.jsonl")
    with pytest.raises(ProviderError) as info:
        _get(p, "q1", 2)
    err = info.value
    assert (err.kind, err.retryable) == ("replay_missing", False)
    assert "'q1'" in err.message and "repeat 2" in err.message
    assert str(tmp_path / "rec.jsonl") in err.message
    with pytest.raises(ProviderError, match="'nope'"):
        _get(p, "nope")


def test_a_runs_results_jsonl_replays_and_its_error_records_are_replayed_as_errors(
    tmp_path: Path,
) -> None:
    def record(case_id: str, repeat: int, **kw: Any) -> Record:
        return Record(
            case_id=case_id,
            repeat=repeat,
            candidate="base",
            fingerprint="f",
            request={"model": "m", "messages": [{"role": "user", "content": "q" * 200}]},
            **kw,
        )

    bad = ToolCall("f", None, raw_arguments="{x", parse_error="Expecting property name")
    run = tmp_path / "runs" / "r1"
    with RunWriter(run) as w:
        w.append(record("a", 0, output="A0", usage=Usage(5, 1, 2), model="m-1", latency_ms=33.0))
        w.append(record("a", 1, output="A1", tool_calls=(bad,), finish_reason="tool_calls"))
        w.append(record("b", 0, error=ErrorInfo("server", "HTTP 500", 500, 4)))
    p = _provider(tmp_path, "runs/r1/results.jsonl")
    r = _get(p, "a", 0)
    assert (r.text, r.usage, r.model, r.latency_ms) == ("A0", Usage(5, 1, 2), "m-1", 33.0)
    r1 = _get(p, "a", 1)
    assert r1.tool_calls == (bad,) and r1.finish_reason == "tool_calls"
    with pytest.raises(ProviderError) as info:
        _get(p, "b", 0)
    assert (info.value.kind, info.value.status) == ("server", 500)


def test_a_recorded_provider_error_is_said_to_be_one_not_a_missing_recording(
    tmp_path: Path,
) -> None:
    """QA7 finding 10: a case that got HTTP 400 when recorded was reported as "never
    recorded; record where the provider is reachable"."""
    error = {"kind": "bad_request", "message": "HTTP 400: maximum context length", "status": 400}
    _write(
        tmp_path / "rec.jsonl",
        [
            {"case_id": "q1", "repeat": 0, "error": error},
            {"case_id": "q2", "repeat": 0, "error": error},
            {"case_id": "q2", "repeat": 0, "output": "answered on retry"},
            {"case_id": "q3", "repeat": 0, "error": {"kind": "cache_miss", "message": "x"}},
        ],
    )
    p = _provider(tmp_path, "rec.jsonl")
    with pytest.raises(ProviderError) as info:
        _get(p, "q1")
    err = info.value
    assert (err.kind, err.status, err.retryable) == ("bad_request", 400, False)
    assert "recording of case 'q1' repeat 0" in err.message
    assert "is a provider error, not an answer (bad_request: HTTP 400: maximum context" in (
        err.message
    )
    assert "record the case again" in err.message and "never recorded" not in err.message
    assert _get(p, "q2").text == "answered on retry"  # an answer beats an earlier error
    with pytest.raises(ProviderError) as missing:
        _get(p, "q3")  # no call was made then: nothing was recorded
    assert missing.value.kind == "replay_missing"


def test_bad_lines_are_reported_with_file_and_line(tmp_path: Path) -> None:
    _write(
        tmp_path / "bad.jsonl",
        [
            {"case_id": "ok", "output": "fine"},
            "{not json",
            {"output": "no id"},
            {"case_id": "c", "output": 3},
            {"case_id": "d", "output": "x", "repeat": "first"},
            {"case_id": "e", "output": "x", "tool_calls": [{"arguments": {}}]},
            ["a list"],
        ],
    )
    p = _provider(tmp_path, "bad.jsonl")
    with pytest.raises(InputError) as info:
        _get(p, "ok")
    msg = str(info.value)
    path = tmp_path / "bad.jsonl"
    for line in (2, 3, 4, 5, 6, 7):
        assert f"{path}:{line}:" in msg
    assert f"{path}:1:" not in msg
    assert "'output' is int" in msg and "'repeat' is 'first'" in msg


def test_torn_last_line_of_a_killed_run_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps({"case_id": "a", "output": "A"}) + '\n{"case_id": "b", "outp')
    assert _get(_provider(tmp_path, "results.jsonl"), "a").text == "A"


def test_missing_file_and_missing_option_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the replay file"):
        _get(_provider(tmp_path, "nope.jsonl"), "a")
    with pytest.raises(InputError, match=r"options\.path is missing"):
        ReplayProvider(ProviderSettings(model="m"))


def test_large_files_load_once_and_keep_only_what_responses_need(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    request = {"model": "m", "messages": [{"role": "user", "content": "x" * 2000}]}
    with path.open("w") as f:
        for i in range(20_000):
            line = {"case_id": f"c{i}", "repeat": 0, "output": f"answer {i}", "request": request}
            f.write(json.dumps(line) + "\n")
    p = _provider(tmp_path, "big.jsonl")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert _get(p, "c19999").text == "answer 19999"
    table = p._table
    assert _get(p, "c5").text == "answer 5" and p._table is table  # loaded once
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    # The file is ~42 MB; the stored requests must not be kept (the table itself is ~8 MB).
    assert grown_mb < 25, grown_mb
