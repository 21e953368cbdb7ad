"""LLM judges in a run that replays recorded answers (cache mode ``require``: pytest's
``--evalkit-mode replay``, ``--cache-mode require``): a verdict that is not recorded is a
scorer error on its case, and no request reaches the judge's provider (a real loopback
OpenAI-compatible server counts them); the run itself completes. A judge whose cache is set
to ``record`` (or ``refresh``) still asks its provider in replay; recorded verdicts are served.
The ``judge`` scorer, a ``judge`` per-case check and ``groundedness``'s judge mode alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import main
from evalkit.config import load_config
from evalkit.engine import RunOptions, run_suite
from evalkit.records import Run
from tests.helpers.llm_server import LLMServer
from tests.helpers.pytest_project import run as run_pytest

VERDICT = '[[text:{"score": 5, "reasoning": "fine"}]]'
"""The candidates' answer: the judge's request quotes it, so the server answers this verdict."""

CONFIG = """
runs_dir = "runs"
cache_dir = "cache"

[candidates.base]
provider = "replay"
model = "m"
options = {{ path = "replay.jsonl" }}

[suites.s]
dataset = "e.jsonl"
candidates = ["base"]
scorers = {scorers}
"""


@pytest.fixture
def srv() -> Iterator[LLMServer]:
    with LLMServer() as server:
        yield server


def judge_args(srv: LLMServer, root: Path, **extra: Any) -> dict[str, Any]:
    # No key is set for JUDGE_KEY: replay must not need one.
    return {
        "provider": "openai",
        "model": "judge-m",
        "base_url": srv.base_url + "/v1",
        "api_key_env": "JUDGE_KEY",
        "cache_dir": str(root / "judge-cache"),
        **extra,
    }


def project(root: Path, scorers: list[Any]) -> Path:
    rows = [{"id": f"c{i}", "input": f"q{i}"} for i in (1, 2)]
    (root / "e.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    answers = [{"case_id": r["id"], "output": VERDICT} for r in rows]
    (root / "replay.jsonl").write_text("".join(json.dumps(a) + "\n" for a in answers))
    (root / "evalkit.toml").write_text(CONFIG.format(scorers=_toml(scorers)))
    return root / "evalkit.toml"


def _toml(value: Any) -> str:
    """A TOML inline value (lists, tables, strings, numbers): enough for scorer entries."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def evaluate(config: Path, mode: str) -> Run:
    runs = run_suite(load_config(config), "s", options=RunOptions(cache_mode=mode, progress=False))
    return runs["base"]


def errors(run: Run, scorer: str) -> list[str]:
    return [str(r.scores[scorer].error) for r in run.records if r.scores[scorer].error]


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JUDGE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)


# ------------------------------------------------------------------ the judge scorer


def test_replay_never_asks_the_judge_and_each_case_says_what_to_do(
    srv: LLMServer, tmp_path: Path
) -> None:
    config = project(tmp_path, [{"name": "judge", "args": judge_args(srv, tmp_path)}])
    run = evaluate(config, "require")
    assert srv.requests == []
    assert run.manifest["status"] == "complete" and len(run.records) == 2
    found = errors(run, "judge")
    assert len(found) == 2
    for case_id, error in zip(("c1", "c2"), sorted(found), strict=True):
        assert error.startswith(f"case '{case_id}': judge: no recorded verdict (cache_miss)")
        assert "this run replays recorded answers (cache mode require)" in error
        assert "provider 'openai' is not called" in error
        assert "pytest --evalkit-mode record" in error and '"record"' in error


def test_recorded_verdicts_are_served_in_replay_without_a_request(
    srv: LLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = project(tmp_path, [{"name": "judge", "args": judge_args(srv, tmp_path)}])
    monkeypatch.setenv("JUDGE_KEY", "sk-test-judge")
    recorded = evaluate(config, "use")  # record: the judge is asked once per case
    assert len(srv.requests) == 2 and errors(recorded, "judge") == []
    monkeypatch.delenv("JUDGE_KEY")
    replayed = evaluate(config, "require")
    assert len(srv.requests) == 2  # nothing new
    assert [r.scores["judge"].value for r in replayed.records] == [1.0, 1.0]


@pytest.mark.parametrize("cache", ["record", "refresh"])
def test_a_judge_cache_set_to_ask_still_asks_in_replay(
    srv: LLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str
) -> None:
    monkeypatch.setenv("JUDGE_KEY", "sk-test-judge")
    args = judge_args(srv, tmp_path, cache=cache)
    run = evaluate(project(tmp_path, [{"name": "judge", "args": args}]), "require")
    assert len(srv.requests) == 2
    assert [r.scores["judge"].value for r in run.records] == [1.0, 1.0]


def test_outside_replay_use_asks_as_before(
    srv: LLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUDGE_KEY", "sk-test-judge")
    config = project(tmp_path, [{"name": "judge", "args": judge_args(srv, tmp_path)}])
    run = evaluate(config, "off")
    assert len(srv.requests) == 2 and errors(run, "judge") == []


def test_the_cli_with_cache_mode_require_finishes_the_run_and_asks_nothing(
    srv: LLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(tmp_path, [{"name": "judge", "args": judge_args(srv, tmp_path)}])
    code = main(["run", "--config", str(config), "--cache-mode", "require", "--out", "out"])
    assert code == 3  # every judge score is an error: "scored nothing", not a crash
    assert srv.requests == []
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert "replays recorded answers" in capsys.readouterr().err


# ------------------------------------------------------------------ other judges


def test_a_judge_check_in_replay_is_left_out_of_its_case_with_the_reason(
    srv: LLMServer, tmp_path: Path
) -> None:
    defaults = {"judge": judge_args(srv, tmp_path)}
    config = project(tmp_path, [{"name": "checks", "args": {"defaults": defaults}}])
    rows = [
        {
            "id": "c1",
            "input": "q1",
            "checks": [{"name": "judge"}, {"name": "contains", "args": {"values": ["score"]}}],
        },
        {"id": "c2", "input": "q2"},
    ]
    (tmp_path / "e.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = evaluate(config, "require")
    assert srv.requests == []
    (score,) = [r.scores["checks"] for r in run.records if r.case_id == "c1"]
    assert score.value == 1.0  # the contains check ran; the judge check could not
    (judged,) = [c for c in score.details["checks"] if c["name"] == "judge"]
    assert judged["passed"] is None and "replays recorded answers" in judged["error"]


@pytest.mark.parametrize("cache", [None, "record"])
def test_groundedness_judge_mode_in_replay(
    srv: LLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str | None
) -> None:
    monkeypatch.setenv("JUDGE_KEY", "sk-test-judge")
    args = {
        "mode": "judge",
        "judge_provider": "openai",
        "judge_model": "judge-m",
        "judge_base_url": srv.base_url + "/v1",
        "judge_api_key_env": "JUDGE_KEY",
        "judge_cache_dir": str(tmp_path / "judge-cache"),
        **({"judge_cache": cache} if cache else {}),
    }
    config = project(tmp_path, [{"name": "groundedness", "args": args}])
    rows = [
        {"id": f"c{i}", "input": f"q{i}", "context": [{"id": "p", "text": "Refunds take 5 days."}]}
        for i in (1, 2)
    ]
    (tmp_path / "e.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = evaluate(config, "require")
    if cache is None:
        assert srv.requests == []
        found = errors(run, "groundedness")
        assert len(found) == 2 and all(
            "groundedness judge: no recorded verdict" in e for e in found
        )
        assert all("judge_cache" in e for e in found)
    else:
        assert len(srv.requests) == 2  # asked (its verdict's shape is not this test's concern)


# ------------------------------------------------------------------ the pytest plugin


def test_pytest_replay_mode_never_asks_the_judge(srv: LLMServer, pytester: pytest.Pytester) -> None:
    root = pytester.path
    project(root, [{"name": "judge", "args": judge_args(srv, root)}])
    result = run_pytest(pytester, "--evalkit", "-rA")  # --evalkit-mode replay is the default
    result.assert_outcomes(passed=1)  # the run itself completes
    assert srv.requests == []
    (run_dir,) = (root / "runs").glob("pytest-*/s-*")
    records = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    assert len(records) == 2
    for record in records:
        error = record["scores"]["judge"]["error"]
        assert "judge: no recorded verdict" in error and "replays recorded answers" in error
