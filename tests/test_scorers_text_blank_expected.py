"""A blank expected answer (QA14 F7, QA16 F4).

``""`` is found in every output, so contains / contains_any / contains_all with it passed any
answer. To ``exact_match`` it means "the answer must be empty", so loading accepts it; the
contains family refuses it where the suite's scorers are known: ``validate --config`` at the
case's line, ``run`` / ``check`` before the first request, and a scorer error on the case
(never a pass) for what gets past them (a ``Case`` built in code, a rescored run)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.dataset import Case, load_eval_set
from evalkit.errors import ConfigError
from evalkit.providers.base import Response
from evalkit.records import read_run
from evalkit.scorers.text import ContainsAll, ContainsAny
from evalkit.scoring import ScoreContext, build_scorer, score_all

BLANK: list[dict[str, object]] = [
    {"id": "f", "input": "x", "expected": "", "metadata": {"out": ""}},
    {"id": "f2", "input": "x", "expected": ["", "refund"], "metadata": {"out": "refund"}},
    {"id": "f3", "input": "x", "expected": " ", "metadata": {"out": "oops"}},
]
PIPELINE = "def a(request):\n    return request.case.metadata.get('out', '')\n"


def write(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "blank.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "p.py").write_text(PIPELINE)
    return path


def run_args(tmp_path: Path, path: Path, out: str, *scorers: str) -> list[str]:
    args = ["run", str(path), "--provider", "callable", "--option", f"target={tmp_path}/p.py:a"]
    args += ["--model", "m", "--out", str(tmp_path / "runs" / out)]
    for name in scorers:
        args += ["--scorer", name]
    return args


def config(tmp_path: Path, scorers: str) -> Path:
    path = tmp_path / "evalkit.toml"
    path.write_text(
        '[candidates.a]\nprovider = "callable"\nmodel = "m"\noptions = { target = "p.py:a" }\n'
        f'[suites.s]\ndataset = "blank.jsonl"\ncandidates = ["a"]\nscorers = {scorers}\n',
        encoding="utf-8",
    )
    return path


def test_loading_and_validating_the_file_accept_a_blank_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, BLANK)
    assert [c.expected for c in load_eval_set(path)] == [("",), ("", "refund"), (" ",)]
    assert main(["validate", str(path)]) == 0
    assert "ok: " in capsys.readouterr().out


def test_exact_match_reads_blank_as_the_answer_must_be_empty(tmp_path: Path) -> None:
    path = write(tmp_path, BLANK)
    assert main(run_args(tmp_path, path, "e", "exact_match")) == 0
    scores = {
        r.case_id: r.scores["exact_match"].passed for r in read_run(tmp_path / "runs/e").records
    }
    assert scores == {"f": True, "f2": True, "f3": False}
    # a run of such a set is rescored (QA16 F4: `evalkit score` refused it at load)
    assert main(["score", str(tmp_path / "runs/e"), "--out", str(tmp_path / "runs/re")]) == 0
    assert len(read_run(tmp_path / "runs/re").records) == 3


@pytest.mark.parametrize("name", ["contains", "contains_any", "contains_all"])
def test_run_with_a_contains_scorer_refuses_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = write(tmp_path, [{"id": "ok", "input": "x", "expected": "refund"}, *BLANK])
    assert main(run_args(tmp_path, path, "c", "exact_match", name)) == 2
    assert not (tmp_path / "runs" / "c" / "results.jsonl").exists()
    err = capsys.readouterr().err
    assert f"blank.jsonl:2: case 'f': scorer {name!r}: expected item 1 ('')" in err
    assert f"blank.jsonl:3: case 'f2': scorer {name!r}: expected item 1 ('')" in err
    assert f"blank.jsonl:4: case 'f3': scorer {name!r}: expected item 1 (' ')" in err
    assert "case 'ok'" not in err and "exact_match, which reads" in err


def test_validate_config_names_the_suite_entry_only_where_contains_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, BLANK)
    assert main(["validate", "--config", str(config(tmp_path, '["exact_match"]'))]) == 0
    capsys.readouterr()
    scorers = '["exact_match", { name = "contains_any", as = "mentions" }]'
    assert main(["validate", "--config", str(config(tmp_path, scorers))]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1: case 'f': scorer 'mentions' ([suites.s] scorers[1]): expected item 1" in err
    assert err.count("([suites.s] scorers[1])") == 3
    assert "exact_match" not in err.split("(to require")[0]
    assert main(["check", "--config", str(tmp_path / "evalkit.toml"), "--suite", "s"]) == 2
    assert "case 'f2': scorer 'mentions' of [suites.s]: " in capsys.readouterr().err
    assert not (tmp_path / ".evalkit" / "runs").exists()


def test_a_case_contains_check_on_a_blank_expected_is_refused_up_front(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows: list[dict[str, object]] = [
        {"id": "k", "input": "x", "expected": "", "checks": [{"name": "contains_any"}]},
        {
            "id": "v",
            "input": "x",
            "expected": "",
            "checks": [{"name": "contains", "args": {"values": ["a"]}}],
        },
    ]
    path = write(tmp_path, rows)
    assert main(["validate", "--config", str(config(tmp_path, '["checks"]'))]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1: case 'k': field \"checks\" item 1 (scorer 'contains_any')" in err
    assert "case 'v'" not in err
    assert main(run_args(tmp_path, path, "k", "checks")) == 2
    assert "case 'k': field \"checks\" item 1" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["contains", "contains_any", "contains_all"])
@pytest.mark.parametrize("expected", [("",), (" ",), ("refund", "")])
def test_a_case_built_in_code_gets_a_scorer_error_never_a_pass(
    name: str, expected: tuple[str, ...]
) -> None:
    case = Case(id="c7", input="q", expected=expected)
    ctx = ScoreContext(case, Response(text="I cannot help with that."))
    score = asyncio.run(score_all([build_scorer(name)], ctx))[name]
    assert score.passed is None and score.error is not None
    assert "case 'c7'" in score.error and "empty once normalised" in score.error


def test_a_reference_normalisation_empties_is_refused() -> None:
    case = Case(id="dots", input="q", expected=("...",))
    ctx = ScoreContext(case, Response(text="anything"))
    score = asyncio.run(score_all([ContainsAny(ignore_punctuation=True)], ctx))["contains_any"]
    assert score.error is not None and "expected item 1 ('...')" in score.error
    # without that option "..." is text to look for
    assert not asyncio.run(score_all([ContainsAny()], ctx))["contains_any"].passed


def test_blank_values_are_refused_when_the_scorer_is_built() -> None:
    with pytest.raises(ConfigError, match="empty once normalised"):
        ContainsAny(values=[" "])
    with pytest.raises(ConfigError, match="empty once normalised"):
        ContainsAll(values=["refund", "?!"], ignore_punctuation=True)
    assert ContainsAny(values=[" "], strip=False).values == [" "]


def test_past_twenty_cases_one_problem_counts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows: list[dict[str, object]] = [
        {"id": f"b{i}", "input": "x", "expected": ""} for i in range(23)
    ]
    path = write(tmp_path, rows)
    assert main(run_args(tmp_path, path, "m", "contains_any")) == 2
    err = capsys.readouterr().err
    assert "case 'b19'" in err and "case 'b20'" not in err
    assert "and 3 more such case(s) for scorer 'contains_any': 'b20', 'b21', 'b22'" in err
