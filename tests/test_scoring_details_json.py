"""QA14 F5: a scorer's ``details`` holding what ``json`` cannot write (numpy values, datetimes,
``Decimal``, sets, arrays, bytes, objects, NaN) never aborts a run. The values are converted
at the point a score is made (:func:`evalkit.scoring_run.recordable`, with
:mod:`evalkit.jsonfiles`), details with no JSON form at all are a scorer error on that case,
and every JSON file evalkit writes is strict JSON (no ``NaN`` token). Through the CLI, the
Python API, ``--resume`` and the scorer worker processes, with a real project scorer file."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evalkit.cli import main
from evalkit.dataset import Case
from evalkit.jsonfiles import NOTES_KEY, Unrecordable, dumps, to_json, write_json_atomic
from evalkit.providers.base import Response
from evalkit.records import MANIFEST, RESULTS, RunWriter, read_run
from evalkit.scoring import Score, ScoreContext, scorer
from evalkit.scoring_run import score_all
from tests.helpers.runs import candidate_dict, make_record, make_run

SCORERS = """
import datetime
import decimal
import threading
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from evalkit import Score, ScoreContext, Scorer


class Opaque:
    def __repr__(self):
        return "Opaque<7>"


def details():
    lengths = np.array([3, 8, 5])
    return {
        "n_long": np.count_nonzero(lengths > 4),
        "mean": lengths.mean(),
        "lengths": lengths,
        "all_short": np.all(lengths < 20),
        "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "day": datetime.date(2024, 1, 2),
        "price": decimal.Decimal("1.50"),
        "tags": {"b", "a"},
        "raw": b"\\x00ab",
        "nan": float("nan"),
        "inf": float("-inf"),
        "obj": Opaque(),
        "lock": threading.Lock(),
    }


def counts(ctx):
    return Score(1.0, True, "ok", details())


def loops(ctx):
    d = {"a": 1}
    if ctx.case.id in ("c1", "c4"):
        d["self"] = d
    return Score(1.0, True, "ok", d)


@dataclass
class Heavy(Scorer):
    name: ClassVar[str] = "heavy"
    cpu_bound: ClassVar[bool] = True

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, True, "ok", details())
"""

CONFIG = """
[candidates.a]
provider = "callable"
model = "m"
options = { target = "pipe.py:answer" }

[candidates.b]
provider = "callable"
model = "m"
options = { target = "pipe.py:answer" }

[suites.s]
dataset = "evals.jsonl"
candidates = ["a", "b"]
baseline = "a"
scorers = ["scorers/det.py:counts", "scorers/det.py:loops", "contains"]
"""

CONVERTED = {
    "n_long": 2,
    "mean": 16 / 3,
    "lengths": [3, 8, 5],
    "all_short": True,
    "when": "2024-01-02T03:04:05",
    "day": "2024-01-02",
    "price": 1.5,
    "tags": ["a", "b"],
    "raw": "b'\\x00ab'",
    "nan": None,
    "inf": None,
    "obj": "Opaque<7>",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "scorers").mkdir()
    (tmp_path / "scorers" / "det.py").write_text(SCORERS, encoding="utf-8")
    (tmp_path / "pipe.py").write_text("def answer(request):\n    return 'refund ok'\n")
    (tmp_path / "evalkit.toml").write_text(CONFIG, encoding="utf-8")
    rows = [{"id": f"c{i}", "input": f"q{i}", "expected": ["refund"]} for i in range(6)]
    (tmp_path / "evals.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _strict_lines(path: Path) -> list[dict[str, Any]]:
    """Every line read as strict JSON, as ``JSON.parse`` would (no NaN, no Infinity)."""

    def refuse(token: str) -> None:
        raise AssertionError(f"{path}: {token} is not JSON")

    return [json.loads(line, parse_constant=refuse) for line in path.read_text().splitlines()]


def _check_counts(details: dict[str, Any]) -> None:
    lock = details.pop("lock")
    assert lock.startswith("<unlocked _thread.lock object")
    notes = details.pop(NOTES_KEY)
    assert notes == [
        f"details[{k!r}]: {kind} is not JSON, recorded as its repr; convert it in the scorer "
        "(str(), int(), float(), a list or a dict)"
        for k, kind in (("obj", "Opaque"), ("lock", "lock"))
    ]
    # the one computed float by approx; pytest 9.2's approx refuses a dict holding lists
    assert details.pop("mean") == pytest.approx(CONVERTED["mean"])
    assert details == {k: v for k, v in CONVERTED.items() if k != "mean"}


def _loops_line() -> int:
    return SCORERS.splitlines().index("def loops(ctx):") + 1


def _check_loops(score: Any, case_id: str) -> None:
    """``loops`` puts a dict into itself on c1 and c4: a scorer error there, a score on the
    other cases."""
    error = score.get("error") if isinstance(score, dict) else score.error
    if case_id not in ("c1", "c4"):
        assert error is None
        return
    # The file is named relative to the working folder; the scorer's module is loaded once
    # per content, so a later test of this file may see an earlier test's folder.
    at = re.escape(f"scorers/det.py:{_loops_line()}")
    assert re.fullmatch(
        re.escape(
            f"case {case_id!r}: scorer 'loops' returned details that cannot be recorded "
            "(details['self']: contains itself) (scorer at "
        )
        + f"(/\\S+/)?{at}"
        + re.escape(
            "); the case is unscored by it; give details of str, int, float, bool, None, lists "
            "and dicts (convert numpy values with .item() or .tolist(), others with str())"
        ),
        error or "",
    ), error


def _adhoc(out: str, *scorers: str) -> list[str]:
    args = ["run", "evals.jsonl", "--provider", "callable", "--option", "target=pipe.py:answer"]
    args += ["--model", "m", "--out", out, "--no-progress", "--cache-mode", "off"]
    for s in scorers:
        args += ["--scorer", s]
    return args


def test_the_cli_writes_every_record_with_converted_details_and_a_scorer_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(_adhoc("runs/r", "scorers/det.py:counts", "scorers/det.py:loops", "contains"))
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert "Traceback" not in out + err
    lines = _strict_lines(project / "runs/r" / RESULTS)
    assert sorted(line["case_id"] for line in lines) == [f"c{i}" for i in range(6)]
    for line in lines:
        scores = line["scores"]
        _check_counts(scores["counts"]["details"])
        assert scores["counts"]["passed"] is True
        assert scores["contains"]["passed"] is True  # the other scorers go on
        _check_loops(scores["loops"], line["case_id"])
    manifest = json.loads((project / "runs/r" / MANIFEST).read_text())
    assert manifest["status"] == "complete"
    run = read_run(project / "runs/r")  # the records in memory are what the file holds
    assert run.records[0].scores["counts"].details["n_long"] == 2


def test_resume_after_an_interrupt_scores_the_rest_alike(project: Path) -> None:
    run_dir = project / "runs/r"
    assert main(_adhoc("runs/r", "scorers/det.py:counts", "scorers/det.py:loops")) == 0
    results = run_dir / RESULTS
    results.write_text("".join(results.read_text().splitlines(keepends=True)[:2]))
    manifest = json.loads((run_dir / MANIFEST).read_text())
    manifest["status"] = "interrupted"
    (run_dir / MANIFEST).write_text(json.dumps(manifest))
    assert main(["run", "--resume", str(run_dir), "--no-progress"]) == 0
    lines = _strict_lines(results)
    assert len(lines) == 6
    for line in lines[2:]:
        _check_counts(line["scores"]["counts"]["details"])
        _check_loops(line["scores"]["loops"], line["case_id"])


def test_evaluate_in_python_keeps_both_runs(project: Path) -> None:
    import evalkit

    result = evalkit.evaluate("s", config=project / "evalkit.toml")
    assert set(result.runs) == {"a", "b"}
    for run in result.runs.values():
        assert len(run.records) == 6
        for record in run.records:
            _check_counts(dict(record.scores["counts"].details))
            _check_loops(record.scores["loops"], record.case_id)
        _strict_lines(run.path / RESULTS)
    # loops errs on both sides alike: no new scorer error, nothing else changed
    assert result.passed, [c.verdict for c in result.comparisons]


def test_a_cpu_bound_scorer_sends_converted_details_back_from_its_worker(project: Path) -> None:
    """A lock in details does not pickle: the worker's result used to fail on the way back and
    the scorer fell back to in-process with a warning (an error under this suite's filters)."""
    assert main([*_adhoc("runs/p", "scorers/det.py:Heavy"), "--scorer-processes", "2"]) == 0
    lines = _strict_lines(project / "runs/p" / RESULTS)
    assert len(lines) == 6
    for line in lines:
        _check_counts(line["scores"]["heavy"]["details"])


@scorer("plain", register=False)
def plain(ctx: ScoreContext) -> Score:
    return Score(0.5, False, "meh", {"claims": [{"text": "x", "supported": True}], "n": 3})


@scorer("listy", register=False)
def listy(ctx: ScoreContext) -> Score:
    return Score(1.0, True, "ok", ["not", "a", "mapping"])  # type: ignore[arg-type]


def test_plain_details_are_kept_as_given_and_a_non_mapping_is_a_scorer_error() -> None:
    ctx = ScoreContext(Case(id="k1", input="q"), Response(text="a"))
    out = asyncio.run(score_all([plain(), listy()], ctx))
    assert out["plain"].details == {"claims": [{"text": "x", "supported": True}], "n": 3}
    assert out["plain"].passed is False
    error = out["listy"].error or ""
    assert error.startswith(
        "case 'k1': scorer 'listy' returned details that cannot be recorded (details is a list) "
        "(scorer at tests/test_scoring_details_json.py:"
    ), error


class _BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no")


def test_to_json_conversions_and_what_has_no_json_form() -> None:
    value = {
        1: np.int32(4),
        (1, 2): np.float32(0.5),
        None: {frozenset({2, "x"})},
        "d": [decimal.Decimal("0.1"), decimal.Decimal("3.14159265358979323846264")],
        "n": decimal.Decimal("NaN"),
        "t": dt.timedelta(seconds=90),
        "long": bytes(range(40)),
        "zero_d": np.array(7),
        "bool": np.bool_(False),
    }
    out, notes = to_json(value, "details")
    assert notes == []
    assert out["1"] == 4 and out["(1, 2)"] == 0.5 and out["null"] == [["x", 2]]
    assert out["d"] == [0.1, "3.14159265358979323846264"] and out["n"] is None
    assert out["t"] == 90.0 and out["zero_d"] == 7 and out["bool"] is False
    assert re.fullmatch(r"b'.*'… \(40 bytes\)", out["long"])
    json.dumps(out, allow_nan=False)  # plain JSON data
    with pytest.raises(Unrecordable, match=r"details\['x'\]\[0\]: _BadRepr has no JSON form"):
        to_json({"x": [_BadRepr()]}, "details")
    deep: list[Any] = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(Unrecordable, match="nested deeper than 64 levels"):
        to_json(deep)


def test_files_evalkit_writes_hold_no_nan_token(tmp_path: Path) -> None:
    """A record or manifest that still carries NaN (a run re-scored from an old file, a
    latency of NaN) is written with null, and an odd value never loses the line."""
    nan = float("nan")
    record = make_record("c1", latency_ms=nan, scores={"s": Score(1.0, True, "", {"x": nan})})
    with RunWriter(tmp_path / "run") as writer:
        writer.write_manifest({"judge_cost_usd": float("inf"), "odd": {1, 2}})
        writer.append(record)
    line = _strict_lines(tmp_path / "run" / RESULTS)[0]
    assert line["latency_ms"] is None and line["scores"]["s"]["details"] == {"x": None}
    manifest = json.loads((tmp_path / "run" / MANIFEST).read_text(), parse_constant=float)
    assert manifest["judge_cost_usd"] is None and manifest["odd"] == [1, 2]
    write_json_atomic(tmp_path / "x.json", {"loop": _BadRepr()})
    assert "<not recorded:" in (tmp_path / "x.json").read_text()
    assert dumps({"a": nan, "b": "\ud800"}) == '{"a": null, "b": "\\ud800"}'


def test_a_run_written_before_this_fix_gives_strict_json_in_compare_and_the_report(
    tmp_path: Path,
) -> None:
    """Old runs hold bare ``NaN`` tokens (Python reads them): ``compare --json`` and the
    report's embedded data write them as null."""
    from evalkit.report.html import embed_json

    nan = float("nan")
    for name in ("a", "b"):
        d = tmp_path / name
        rec = make_record("c1", candidate=name, scores={"s": Score(1.0, True, "", {"x": 1})})
        make_run(d, [rec], candidate=candidate_dict(name), scorers=["s"])
        text = (d / RESULTS).read_text().replace('{"x": 1}', '{"x": NaN}')
        (d / RESULTS).write_text(text)
    assert read_run(tmp_path / "a").records[0].scores["s"].details["x"] != 0  # NaN read back
    out = tmp_path / "c.json"
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--json", str(out)]) == 0
    assert "NaN" in (tmp_path / "a" / RESULTS).read_text() and "NaN" not in out.read_text()
    json.loads(out.read_text(), parse_constant=lambda t: pytest.fail(f"{t} in compare --json"))
    assert str(embed_json({"x": nan, "y": [float("inf")]})) == '{"x":null,"y":[null]}'


@scorer("frame_like", register=False)
def frame_like(ctx: ScoreContext) -> Score:
    """What a pandas scorer puts in its details: missing values and keys of two types."""
    import pandas as pd

    when = pd.Series([pd.Timestamp("2024-01-02"), pd.NaT])
    counts = pd.Series([1, None], dtype="Int64")
    details: dict[Any, Any] = {"nat": pd.NaT, "na": pd.NA, 1: "int one", "1": "str one"}
    return Score(1.0, True, "ok", {**details, "when": when, "counts": counts})


def test_pandas_missing_values_are_null_and_colliding_keys_both_kept() -> None:
    """QA15 F10: pandas' NaT was written as "NaT" and NA as "<NA>" (unknown values read as
    text), and keys 1 and "1" both became "1", one value dropped without a word."""
    ctx = ScoreContext(Case(id="k1", input="q"), Response(text="a"))
    out = asyncio.run(score_all([frame_like()], ctx))["frame_like"]
    assert out.error is None, out.error
    details = dict(out.details)
    notes = details.pop(NOTES_KEY)
    assert details == {
        "nat": None,
        "na": None,
        "1 (int)": "int one",  # the key that is not a string gets its type
        "1": "str one",  # a string key keeps its name
        "when": ["2024-01-02T00:00:00", None],
        "counts": [1, None],
    }
    assert notes == [
        "details: key 1 is written '1' in JSON, as another key of the same mapping is; "
        "recorded as '1 (int)' so that neither value is lost; use keys that stay distinct as "
        "strings"
    ]
    json.dumps(out.details, allow_nan=False)
    # the order of the keys does not decide which one is renamed; a third alike gets a number
    out_, notes_ = to_json({"1": "s", 1.0: "f", "1.0": "s2", "1.0 (float)": "taken"}, "d")
    assert out_ == {"1": "s", "1.0 (float 2)": "f", "1.0": "s2", "1.0 (float)": "taken"}
    assert len(notes_) == 1 and "recorded as '1.0 (float 2)'" in notes_[0]
    assert dumps({"n": __import__("pandas").NA, 2: "a", "2": "b"}) == (
        '{"n": null, "2 (int)": "a", "2": "b"}'
    )
