"""``evalkit score`` end to end: a suite run by ``evalkit run``, its config edited, the run
re-scored offline, and the re-scored runs read by ``evalkit compare`` and ``evalkit report``."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.records import read_run
from tests.helpers import scripted_provider as sp

PROVIDER = "tests.helpers.scripted_provider:ScriptedProvider"
CASES = [
    {"id": "a", "input": "refund policy", "expected": ["echo: refund policy"]},
    {"id": "b", "input": "shipping times", "expected": ["echo: shipping time"]},
    {"id": "c", "input": "hello", "expected": ["echo: goodbye"]},
    {"id": "d", "input": "down [[error:auth]]", "expected": ["x"]},
]


def _config(threshold: float, key: str, extra_scorer: str = "") -> str:
    return f"""
[candidates.one]
provider = "{PROVIDER}"
model = "m1"
options = {{ key = "{key}" }}
[candidates.two]
provider = "{PROVIDER}"
model = "m2"
options = {{ key = "{key}" }}
[suites.s]
dataset = "ds.jsonl"
candidates = ["one", "two"]
scorers = [{{ name = "fuzzy", threshold = {threshold} }}{extra_scorer}]
"""


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A project folder with a suite of two candidates already run into ``out``; the key
    under which the scripted provider counts its calls."""
    monkeypatch.chdir(tmp_path)
    key = uuid.uuid4().hex
    (tmp_path / "ds.jsonl").write_text("".join(json.dumps(c) + "\n" for c in CASES))
    (tmp_path / "evalkit.toml").write_text(_config(0.5, key))
    assert main(["run", "--suite", "s", "--out", "out", "--no-progress"]) == 0
    return key


def test_a_changed_threshold_rescores_both_candidates_offline_and_compare_reads_them(
    tmp_path: Path, project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    calls, before = sum(sp.CALLS[project].values()), _hashes(tmp_path / "out")
    capsys.readouterr()
    (tmp_path / "evalkit.toml").write_text(
        _config(
            0.99,
            project,
            ', { name = "contains", as = "mentions_echo", args = { values = ["echo"] } }',
        )
    )

    assert main(["score", "out", "--out", "new", "--no-progress"]) == 0

    text = capsys.readouterr().out
    assert text.count("re-scored from run") == 2 and "1 with a provider error" in text
    assert "  fuzzy: mean" in text and "  mentions_echo: mean" in text
    assert sum(sp.CALLS[project].values()) == calls  # no provider call
    assert _hashes(tmp_path / "out") == before  # the source runs are untouched
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["one", "two"]
    flipped = 0
    for name in ("one", "two"):
        old, new = read_run(tmp_path / "out" / name), read_run(tmp_path / "new" / name)
        assert new.manifest["rescored_from"]["run_id"] == old.manifest["run_id"]
        assert new.manifest["scorers"][0]["args"]["threshold"] == 0.99
        for o, n in zip(old.records, new.records, strict=True):
            assert (n.output, n.cost, n.usage, n.latency_ms) == (
                o.output,
                o.cost,
                o.usage,
                o.latency_ms,
            )
            if o.error is not None:
                assert n.error == o.error and n.scores == {}
                continue
            f_old, f_new = o.scores["fuzzy"], n.scores["fuzzy"]
            assert f_new.value is not None and f_new.value == f_old.value
            assert f_new.passed == (f_new.value >= 0.99)
            flipped += f_new.passed != f_old.passed
            assert n.scores["mentions_echo"].passed is True
    assert flipped == 4  # "b" (about 0.97) and "c" (0.58) pass at 0.5, not at 0.99; two runs

    code = main(["compare", "new/one", "new/two", "--json", "cmp.json"])
    assert code in (0, 1)
    data = json.loads((tmp_path / "cmp.json").read_text())
    assert "fuzzy" in json.dumps(data) and "mentions_echo" in json.dumps(data)
    assert main(["report", "new/one", "new/two", "--out", "r.html"]) in (0, 1)
    assert "mentions_echo" in (tmp_path / "r.html").read_text()
    frame = read_run(tmp_path / "new" / "one").to_frame()
    assert len(frame) == len(CASES)


def test_scorer_replaces_the_runs_scorers(tmp_path: Path, project: str) -> None:
    assert main(["score", "out/one", "--out", "new", "--scorer", "contains"]) == 0
    run = read_run(tmp_path / "new")
    assert [s["name"] for s in run.manifest["scorers"]] == ["contains"]
    assert all(set(r.scores) == {"contains"} for r in run.records if r.ok)


@pytest.mark.parametrize(
    "args, message",
    [
        (["out", "--scorer", "exact_matc"], "did you mean"),
        (["out", "--scorer", "groundedness"], "needs case field(s) ['context']"),
        (["out", "--scorer", "contains", "--suite", "s"], "give one of them"),
        (["nowhere"], "nowhere: not a run folder"),
        (["out", "--suite", "nope"], "nope"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path,
    project: str,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    capsys.readouterr()
    assert main(["score", *args, "--out", "new"]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
    assert not [p for p in tmp_path.iterdir() if ".rescore-" in p.name]


def test_an_existing_out_is_named_and_refused(
    tmp_path: Path, project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", "out", "--out", "new"]) == 0
    capsys.readouterr()
    assert main(["score", "out", "--out", "new"]) == 2
    err = capsys.readouterr().err
    assert "--out new: already exists" in err and "choose another --out or delete it" in err


def test_a_changed_eval_set_is_refused_the_same_one_elsewhere_accepted(
    tmp_path: Path, project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (tmp_path / "ds.jsonl").read_text()
    (tmp_path / "ds.jsonl").write_text(original.replace("hello", "hi"))
    capsys.readouterr()
    assert main(["score", "out", "--out", "new"]) == 2
    assert "changed since the run" in capsys.readouterr().err
    (tmp_path / "kept.jsonl").write_text(original)
    assert main(["score", "out", "--out", "new", "--dataset", "kept.jsonl"]) == 0
    assert read_run(tmp_path / "new" / "two").manifest["dataset"]["path"] == str(
        (tmp_path / "kept.jsonl").resolve()
    )


def test_a_killed_rescore_leaves_no_out(tmp_path: Path, project: str) -> None:
    """SIGKILL mid-scoring (a scorer blocked on "sleep"): --out never appears; only the hidden
    temporary folder is left, and the same command then succeeds."""
    import os
    import signal
    import subprocess
    import sys
    import time

    (tmp_path / "sleepy.jsonl").write_text('{"id": "z", "input": "sleep", "expected": ["sleep"]}\n')
    args = ["sleepy.jsonl", "--provider", PROVIDER, "--model", "m", "--out", "sleepy"]
    assert main(["run", *args, "--no-progress"]) == 0
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "evalkit", "score", "sleepy", "--out", "new", "--scorer"]
    proc = subprocess.Popen(
        [*cmd, "tests.helpers.pool_scorers:Sleeps"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    deadline = time.monotonic() + 30
    while not [p for p in tmp_path.iterdir() if p.name.isdigit()]:  # Sleeps wrote its pid
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert not (tmp_path / "new").exists()
    left = [p.name for p in tmp_path.iterdir() if ".rescore" in p.name]
    assert len(left) == 1 and left[0].startswith(".new.rescore-")
    assert main(["score", "sleepy", "--out", "new", "--scorer", "contains"]) == 0
    assert read_run(tmp_path / "new").records[0].output == "echo: sleep"


FUSSY = """
from dataclasses import dataclass
from typing import ClassVar

from evalkit.scoring import Score, Scorer


@dataclass
class Fussy(Scorer):
    name: ClassVar[str] = "fussy"
    only: str = ""

    def score(self, ctx):
        if self.only and self.only in ctx.response.text:
            return Score(1.0, True, "read it")
        raise RuntimeError(f"cannot read case {ctx.case.id}")


@dataclass
class Half(Fussy):
    name: ClassVar[str] = "half"
    only: str = "refund"
"""


def test_a_rescoring_scorer_that_scored_nothing_exits_3_after_writing_everything(
    tmp_path: Path, project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "fussy.py").write_text(FUSSY)
    capsys.readouterr()
    args = ["--scorer", "fussy.py:Fussy", "--scorer", "fussy.py:Half", "--no-progress"]
    assert main(["score", "out", "--out", "new", *args]) == 3
    out, err = capsys.readouterr()
    assert out.count("re-scored from run") == 2  # the summaries first, then the errors
    # one message per candidate's run: fussy scored none of the 3 answered cases; half
    # scored "refund policy", so it is a note in the summary, not an exit 3
    assert err.count("error: evalkit score: candidate ") == 2 and "'half'" not in err
    assert (
        "error: evalkit score: candidate 'one': scorer 'fussy' could not score any of its 3" in err
    )
    assert "  first: a #0: scorer 'fussy' raised RuntimeError: cannot read case a" in err
    assert f"evalkit score {Path('new') / 'one'} --out NEW_DIR" in err
    for name in ("one", "two"):  # everything was written
        run = read_run(tmp_path / "new" / name)
        assert run.manifest["counts"]["scorer_errors"] == {"fussy": 3, "half": 2}
        assert run.manifest["counts"]["scored"] == {"half": 1}
    assert main(["score", "out/one", "--out", "new2", "--scorer", "fussy.py:Half"]) == 0
    assert "error:" not in capsys.readouterr().err


def _dead_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_judge_checks_rescored_after_the_judge_is_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The run's judge listens nowhere: every check errors, exit 3 names `evalkit score`; the
    # same command with the judge still down exits 3 too; once it is fixed it scores.
    from tests.helpers.checks_project import write_checks_project
    from tests.helpers.llm_server import LLMServer

    monkeypatch.chdir(tmp_path)
    polite = {"name": "judge", "args": {"rubric": "5 = polite"}, "label": "polite"}
    verdict = '[[text:{"score": 5, "reasoning": "ok"}]]'
    rows = [{"id": f"c{i}", "input": f"hi {i} {verdict}", "checks": [polite]} for i in range(2)]
    pipeline = "def answer(request):\n    return request.case.input\n"

    def project(base_url: str) -> None:
        write_checks_project(tmp_path, base_url, rows, pipeline)

    project(f"http://127.0.0.1:{_dead_port()}/v1")
    assert main(["run", "--suite", "s", "--out", "out", "--no-progress"]) == 3
    assert "evalkit score out --out NEW_DIR" in capsys.readouterr().err
    assert main(["score", "out", "--out", "still", "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert "error: evalkit score: candidate 'one': scorer 'checks' could not score any" in err
    assert "first: c0 #0: scorer 'checks': the check could not run: polite: " in err
    assert read_run(tmp_path / "still").manifest["counts"]["scorer_errors"] == {"checks": 2}
    with LLMServer(latency_ms=0) as srv:
        project(srv.base_url + "/v1")  # the same cases and pipeline, a live judge
        assert main(["score", "out", "--out", "fixed", "--no-progress"]) == 0
    scores = [r.scores["checks"] for r in read_run(tmp_path / "fixed").records]
    assert [(s.passed, s.details["metrics"]["polite"]) for s in scores] == [(True, 1.0)] * 2
