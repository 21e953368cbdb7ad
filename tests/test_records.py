from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.errors import RunError
from evalkit.providers.base import ToolCall, Usage
from evalkit.records import MANIFEST, RESULTS, ErrorInfo, Record, RunWriter, read_run
from evalkit.scoring import Score


def record(case_id: str, repeat: int = 0, **kw: object) -> Record:
    base: dict[str, object] = dict(
        case_id=case_id,
        repeat=repeat,
        candidate="cand",
        fingerprint="f" * 64,
        request={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        output=f"answer {case_id}",
        usage=Usage(10, 5, 2),
        model="m-2024",
        latency_ms=12.5,
        cost=0.00123,
        tags=("a", "b"),
        scores={
            "groundedness": Score(0.75, True, "3/4 claims supported", {"claims": []}),
            "refusal": Score(None, None, "scorer error: x", {}, "x"),
        },
        timestamp="2026-11-27T00:00:00Z",
    )
    base.update(kw)
    return Record(**base)  # type: ignore[arg-type]


def test_record_round_trips_through_json() -> None:
    r = record(
        "c1",
        tool_calls=(ToolCall("f", None, "{bad", "id1", "invalid JSON"),),
        error=ErrorInfo("rate_limit", "429 after 7 attempts", 429, 7),
    )
    again = Record.from_dict(json.loads(json.dumps(r.to_dict())))
    assert again == r


def test_run_directory_round_trips_to_a_dataframe(tmp_path: Path) -> None:
    with RunWriter(tmp_path) as w:
        w.write_manifest({"run_id": "r1", "candidate": {"name": "cand"}})
        for i in range(3):
            w.append(record(f"c{i}"))
        w.append(
            record(
                "c3",
                output="",
                error=ErrorInfo("timeout", "timed out", None, 3),
                scores={},
                usage=Usage(),
            )
        )
    run = read_run(tmp_path)
    assert run.manifest["schema_version"] == 1
    assert [r.case_id for r in run.records] == ["c0", "c1", "c2", "c3"]
    df = run.to_frame()
    assert list(df["case_id"]) == ["c0", "c1", "c2", "c3"]
    assert df.loc[0, "score.groundedness"] == 0.75
    assert bool(df.loc[0, "passed.groundedness"]) is True
    assert df["passed.refusal"].isna().all()
    assert df.loc[3, "error_kind"] == "timeout"
    assert df.loc[0, "input_tokens"] == 10 and df.loc[0, "cached_tokens"] == 2
    assert str(df["cost"].dtype) == "Float64"
    assert "<table>" in run._repr_html_()


def test_torn_last_line_is_ignored_and_cut_on_reopen(tmp_path: Path) -> None:
    with RunWriter(tmp_path) as w:
        w.write_manifest({"run_id": "r"})
        w.append(record("c0"))
    with (tmp_path / RESULTS).open("a") as fh:
        fh.write('{"case_id": "c1", "repe')  # a SIGKILL in the middle of a write
    assert [r.case_id for r in read_run(tmp_path).records] == ["c0"]
    with RunWriter(tmp_path) as w:
        w.append(record("c1"))
    lines = (tmp_path / RESULTS).read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line) for line in lines)


def test_last_line_wins_for_a_repeated_key(tmp_path: Path) -> None:
    with RunWriter(tmp_path) as w:
        w.write_manifest({})
        w.append(record("c0", output="old"))
        w.append(record("c0", repeat=1))
        w.append(record("c0", output="new"))
    recs = read_run(tmp_path).records
    assert [(r.case_id, r.repeat, r.output) for r in recs] == [
        ("c0", 0, "new"),
        ("c0", 1, "answer c0"),
    ]


def test_corrupt_middle_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text("{}")
    (tmp_path / RESULTS).write_text(
        json.dumps(record("a").to_dict()) + "\n{oops\n" + json.dumps(record("b").to_dict()) + "\n"
    )
    with pytest.raises(RunError, match=r"results.jsonl:2: invalid JSON"):
        read_run(tmp_path)


def test_not_a_run_dir(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="not a run directory"):
        read_run(tmp_path)


def test_unknown_keys_are_tolerated(tmp_path: Path) -> None:
    d = record("a").to_dict()
    d["future_field"] = {"x": 1}
    (tmp_path / MANIFEST).write_text('{"schema_version": 2}')
    (tmp_path / RESULTS).write_text(json.dumps(d) + "\n")
    assert read_run(tmp_path).records[0].case_id == "a"


def test_manifest_and_results_get_the_mode_a_plain_open_would_give(tmp_path: Path) -> None:
    # mkstemp creates 0600: atomically written manifests (and reports) were unreadable to the
    # rest of a team sharing the runs folder, while results.jsonl was not.
    import os
    import stat

    from evalkit.jsonfiles import _FILE_MODE, write_text_atomic

    probe = tmp_path / "probe"
    probe.write_text("x")
    expected = stat.S_IMODE(probe.stat().st_mode)
    assert expected == _FILE_MODE
    with RunWriter(tmp_path / "run") as w:
        w.write_manifest({"schema_version": 1})
    for name in (MANIFEST, RESULTS):
        assert stat.S_IMODE((tmp_path / "run" / name).stat().st_mode) == expected
    write_text_atomic(tmp_path / "r.html", "<p>report</p>")
    assert stat.S_IMODE(os.stat(tmp_path / "r.html").st_mode) == expected
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left
