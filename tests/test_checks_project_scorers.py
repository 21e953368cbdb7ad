"""A case's ``checks`` naming a scorer of the project's own (QA13 F16): a name registered with
``@evalkit.scorer`` in a file the suite references, or in the ``scorers/`` folder beside the
config, is known on every path that reads checks (``evalkit run``, ``check``, ``validate``,
``evaluate()``, the pytest plugin), whatever the order in which the eval set and the suite's
scorers load. A name registered nowhere stays a load-time error at its line, naming the case
and the registered names.

Each test registers names of its own (``uuid``): names registered in code stay registered for
the rest of the process, and a test must not pass thanks to an earlier one.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

import evalkit
from evalkit.cli import main
from evalkit.records import read_run
from tests.helpers.pytest_project import make_project, run

SCORER_FILE = """
import evalkit


@evalkit.scorer({name!r})
def check_{name}(ctx):
    return {word!r} in ctx.response.text
"""

PIPE = """
def answer(text, **kw):
    return "ok: " + str(text)
"""

CONFIG = """
runs_dir = "runs"
cache_dir = "cache"

[candidates.a]
provider = "callable"
model = "m"
options = {{ target = "pipe.py:answer" }}

[candidates.b]
provider = "callable"
model = "m"
options = {{ target = "pipe.py:answer" }}

[suites.s]
dataset = "e.jsonl"
candidates = ["a", "b"]
scorers = {scorers}

[[suites.s.gates]]
metric = "checks.pass_rate"
min = 1.0
"""


def _names() -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    return f"listed_{tag}", f"folder_{tag}"


def project(root: Path, *, checks: list[dict[str, str]], listed: str, folder: str) -> Path:
    """A project whose suite lists ``checks`` and ``mine.py:check_<listed>`` (registering
    ``listed``); ``scorers/extra.py`` registers ``folder`` and is referenced nowhere. The case
    ``r1`` carries ``checks``; ``r2`` none."""
    (root / "mine.py").write_text(SCORER_FILE.format(name=listed, word="ok"))
    (root / "scorers").mkdir()
    (root / "scorers" / "extra.py").write_text(SCORER_FILE.format(name=folder, word="r1"))
    (root / "pipe.py").write_text(PIPE)
    rows = [{"id": "r1", "input": "r1", "checks": checks}, {"id": "r2", "input": "r2"}]
    (root / "e.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    scorers = json.dumps(["checks", f"mine.py:check_{listed}"])
    (root / "evalkit.toml").write_text(CONFIG.format(scorers=scorers))
    return root / "evalkit.toml"


def check_scores(run_dir: Path, case_id: str = "r1") -> dict[str, object]:
    """The ``checks`` score of a case in a run: value and each check's verdict."""
    (record,) = [r for r in read_run(run_dir).records if r.case_id == case_id]
    score = record.scores["checks"]
    return {
        "value": score.value,
        "checks": {c["name"]: c["passed"] for c in score.details["checks"]},
    }


# ------------------------------------------------------------------ the CLI


def test_evalkit_run_scores_a_check_of_a_listed_file_and_of_the_scorers_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed, folder = _names()
    config = project(tmp_path, checks=[{"name": listed}, {"name": folder}], **_kw(listed, folder))
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", str(config), "--candidate", "a", "--out", "out"]) == 0
    assert check_scores(tmp_path / "out") == {"value": 1.0, "checks": {listed: True, folder: True}}


def test_evalkit_check_passes_its_gate_on_project_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    listed, folder = _names()
    config = project(tmp_path, checks=[{"name": listed}, {"name": folder}], **_kw(listed, folder))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--config", str(config), "--no-progress"]) == 0
    assert "verdict: PASS" in capsys.readouterr().out


def test_evalkit_validate_knows_project_names_with_the_config_and_with_the_eval_set_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    listed, folder = _names()
    config = project(tmp_path, checks=[{"name": listed}, {"name": folder}], **_kw(listed, folder))
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--config", str(config)]) == 0
    # an eval set given alone is read before any config: the config found upwards names them
    assert main(["validate", "e.jsonl"]) == 0
    assert main(["validate", "e.jsonl", str(config)]) == 0
    assert "problem" not in capsys.readouterr().err


def test_a_name_registered_nowhere_is_refused_at_its_line_with_the_case_and_the_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    listed, folder = _names()
    typo = listed[:-1]  # one letter short: a typo of the project's own name
    checks = [{"name": typo}, {"name": "nothing_like_it"}, {"name": f"mine.py:check_{listed}"}]
    config = project(tmp_path, checks=checks, listed=listed, folder=folder)
    monkeypatch.chdir(tmp_path)
    for argv in (["validate", "--config", str(config)], ["run", "--config", str(config)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        where = 'e.jsonl:1: field "checks"'
        assert (
            f'{where} item 1 ("{typo}") of case \'r1\': unknown scorer; did you mean "{listed}"?'
            in err
        )
        unknown = f"{where} item 2 (\"nothing_like_it\") of case 'r1': unknown scorer; registered scorers: "
        assert unknown in err
        listing = err.split(unknown, 1)[1].split("\n", 1)[0]
        assert f"{listed}, " in listing and f"{folder}, " in listing and "contains, " in listing
        assert "scorers/ folder beside the config" in listing  # how to make one's own known
        ref = f"item 3 (\"mine.py:check_{listed}\") of case 'r1': a check names a registered scorer, not a reference"
        assert ref in err and f'use its registered name "{listed}"' not in err  # attr != name
    assert not (tmp_path / "runs").exists()  # refused before anything ran


def test_a_scorer_file_that_fails_to_import_is_named_in_the_unknown_name_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    listed, folder = _names()
    project(tmp_path, checks=[{"name": folder}], listed=listed, folder=folder)
    (tmp_path / "scorers" / "extra.py").write_text(
        "import evalkit\nraise ValueError('half-written')\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "e.jsonl"]) == 2
    err = capsys.readouterr().err
    assert f"(\"{folder}\") of case 'r1': unknown scorer" in err
    assert "extra.py could not be imported" in err and "ValueError: half-written" in err


# ------------------------------------------------------------------ Python


def test_evaluate_runs_project_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listed, folder = _names()
    config = project(tmp_path, checks=[{"name": listed}, {"name": folder}], **_kw(listed, folder))
    monkeypatch.chdir(tmp_path)
    result = evalkit.evaluate("s", config=config)
    assert result.passed
    for run_ in result.runs.values():
        (record,) = [r for r in run_.records if r.case_id == "r1"]
        assert record.scores["checks"].value == 1.0
        assert [c["name"] for c in record.scores["checks"].details["checks"]] == [listed, folder]


# ------------------------------------------------------------------ the pytest plugin


def test_the_pytest_plugin_runs_project_checks(pytester: pytest.Pytester) -> None:
    root = make_project(pytester.path)
    listed, folder = _names()
    (root / "scorers").mkdir()
    (root / "scorers" / "answers.py").write_text(SCORER_FILE.format(name=folder, word="answer"))
    (root / "mine.py").write_text(SCORER_FILE.format(name=listed, word="answer 1"))
    with (root / "qa.jsonl").open("a") as fh:  # q1 is answered "answer 1" by both candidates
        fh.write(json.dumps({"id": "c1", "input": "q", "checks": [{"name": folder}]}) + "\n")
    for name in ("base", "cand"):
        with (root / "replay" / f"{name}.jsonl").open("a") as fh:
            fh.write(json.dumps({"case_id": "c1", "output": "answer 1"}) + "\n")
    config = (root / "evalkit.toml").read_text()
    config = config.replace(
        'scorers = ["exact_match"]\n\n[[suites.qa.gates]]',
        f'scorers = ["exact_match", "checks", {{ name = "mine.py:check_{listed}", as = "mine" }}]'
        '\n\n[[suites.qa.gates]]\nmetric = "checks.pass_rate"\nmin = 1.0\n\n[[suites.qa.gates]]',
        1,
    )
    (root / "evalkit.toml").write_text(config)
    result = run(pytester, "--evalkit-suite", "qa", "-rA")
    out = result.stdout.str()
    assert "unknown scorer" not in out
    result.stdout.fnmatch_lines(["PASSED evalkit.toml::qa::checks.pass_rate[[]cand[]]*"])
    result.stdout.fnmatch_lines(["PASSED evalkit.toml::qa::runs*"])
    runs = sorted((root / ".evalkit" / "runs").glob("pytest-*/qa-*/*"))
    assert len(runs) == 2
    for run_dir in runs:
        assert check_scores(run_dir, "c1") == {"value": 1.0, "checks": {folder: True}}


def _kw(listed: str, folder: str) -> dict[str, str]:
    return {"listed": listed, "folder": folder}
