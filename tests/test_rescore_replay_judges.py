"""``evalkit score`` follows the source run's cache mode for LLM judges, as the run did (QA15
F4): re-scoring a replay run (cache mode ``require``) asks no judge's provider (a real loopback
OpenAI-compatible server counts the requests), a verdict that was not recorded is a scorer
error on its case naming what to do, and ``--cache-mode use`` (``cache_mode="use"``) lets the
judges ask for it. Before, ``evalkit score`` knew no cache mode: a judge with the default
``cache = "use"`` asked its provider while re-scoring a replay run, with its key (or failing
every case on a 401 offline), and the replay run's own advice told the user to do exactly
that, "without calling the provider".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import evalkit
from evalkit.cli import main
from evalkit.errors import InputError
from evalkit.records import read_run
from tests.helpers.llm_server import LLMServer

KEY_ENV = "EVALKIT_RESCORE_JUDGE_KEY"
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
scorers = [{{ name = "judge", args = {judge} }}]
"""


@pytest.fixture
def srv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMServer]:
    """The judge's server, and a project of two replayed answers graded by it, in
    ``tmp_path`` (the working folder); no judge key is set."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with LLMServer() as server:
        _project(tmp_path, server)
        yield server


def _project(root: Path, srv: LLMServer) -> None:
    rows = [{"id": f"c{i}", "input": f"q{i}"} for i in (1, 2)]
    (root / "e.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    answers = [{"case_id": r["id"], "output": VERDICT} for r in rows]
    (root / "replay.jsonl").write_text("".join(json.dumps(a) + "\n" for a in answers))
    judge = (
        f'{{ provider = "openai", model = "judge-m", base_url = "{srv.base_url}/v1", '
        f'api_key_env = "{KEY_ENV}", cache_dir = "{root / "judge-cache"}" }}'
    )
    (root / "evalkit.toml").write_text(CONFIG.format(judge=judge))


def _run(mode: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``evalkit run`` of the suite into ``out`` in cache mode ``mode``: exit code, stderr."""
    code = main(["run", "--suite", "s", "--cache-mode", mode, "--out", "out", "--no-progress"])
    return code, capsys.readouterr().err


def _judge_errors(run_dir: Path) -> list[str]:
    return [str(r.scores["judge"].error) for r in read_run(run_dir).records]


def _values(run_dir: Path) -> list[Any]:
    return [r.scores["judge"].value for r in read_run(run_dir).records]


def test_rescoring_a_replay_run_asks_no_judge_and_says_what_to_do(
    srv: LLMServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run("require", capsys)
    assert code == 3 and srv.requests == []
    # the replay run's advice is true: re-scoring stays offline, and names the way to ask
    assert "without calling the provider" not in err
    assert "evalkit score out --out NEW_DIR (the answers were replayed" in err
    assert "add --cache-mode use to let it ask its provider" in err
    code = main(["score", "out", "--out", "rescored", "--no-progress"])
    err = capsys.readouterr().err
    assert srv.requests == []  # before: one request per case, with the judge's key
    assert code == 3  # the judge scored nothing: exit 3, as evalkit run does
    errors = _judge_errors(Path("rescored"))
    assert len(errors) == 2
    for error in errors:
        assert "no recorded verdict (cache_miss)" in error
        assert "provider 'openai' is not called" in error
        assert "evalkit score RUN_DIR --out NEW_DIR --cache-mode use" in error
    assert "add --cache-mode use" in err
    assert read_run(Path("rescored")).manifest["rescored_from"]["cache_mode"] == "require"


def test_cache_mode_use_lets_the_judge_ask_for_the_missing_verdicts(
    srv: LLMServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run("require", capsys)[0] == 3
    monkeypatch.setenv(KEY_ENV, "sk-test-judge")
    argv = ["score", "out", "--out", "rescored", "--cache-mode", "use", "--no-progress"]
    assert main(argv) == 0
    assert len(srv.requests) == 2
    assert _values(Path("rescored")) == [1.0, 1.0]
    rescored = read_run(Path("rescored")).manifest
    assert rescored["rescored_from"]["cache_mode"] == "use"
    assert rescored["cache"]["mode"] == "require"  # how the answers were obtained: unchanged
    # the verdicts are recorded now: the replay run re-scores offline in full
    assert main(["score", "out", "--out", "again", "--no-progress"]) == 0
    assert len(srv.requests) == 2 and _values(Path("again")) == [1.0, 1.0]


def test_python_rescore_follows_the_run_and_takes_cache_mode(
    srv: LLMServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run("require", capsys)[0] == 3
    monkeypatch.setenv(KEY_ENV, "sk-test-judge")  # a key would be used, were the judge asked
    run = evaluate_rescore("offline")
    assert srv.requests == []
    assert all(r.scores["judge"].error is not None for r in run.records)
    with pytest.raises(InputError, match=r"cache_mode='replay'.*pick one of"):
        evalkit.rescore("out", "bad", cache_mode="replay", progress=False)
    assert not Path("bad").exists()
    run = evaluate_rescore("online", cache_mode="use")
    assert len(srv.requests) == 2
    assert [r.scores["judge"].value for r in run.records] == [1.0, 1.0]


def evaluate_rescore(out: str, **kwargs: Any) -> Any:
    return evalkit.rescore("out", out, progress=False, **kwargs)


def test_a_run_that_asked_its_judge_is_rescored_as_before(
    srv: LLMServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside replay the judge asks for a verdict not in its cache, as in the run; the advice
    after a judge that scored nothing says so."""
    # each judge request's first attempt is refused (401, not retried): the judge scores
    # nothing in the run, the answers are kept
    srv.fault_rate, srv.fault_statuses, srv.max_faults_per_message = 1.0, (401,), 1
    code, err = _run("use", capsys)
    assert code == 3
    assert "an LLM judge asks its own provider for a verdict not in its cache" in err
    asked = len(srv.requests)
    assert asked == 2
    assert main(["score", "out", "--out", "rescored", "--no-progress"]) == 0
    assert len(srv.requests) == asked + 2
    assert _values(Path("rescored")) == [1.0, 1.0]
    # and --cache-mode require keeps a re-score of any run offline
    argv = ["score", "out", "--out", "offline", "--cache-mode", "require", "--no-progress"]
    assert main(argv) == 0  # the verdicts are recorded now: served
    assert len(srv.requests) == asked + 2 and _values(Path("offline")) == [1.0, 1.0]
