"""QA14 F7: an empty or blank expected answer is found in every output, so contains /
contains_any passed any answer. Loading refuses it at its line; the scorers refuse what
loading cannot see (a ``Case`` built in code, a reference normalisation empties)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.dataset import Case, load_eval_set
from evalkit.errors import ConfigError, InputError
from evalkit.providers.base import Response
from evalkit.scorers.text import ContainsAll, ContainsAny
from evalkit.scoring import ScoreContext, build_scorer, score_all

BLANK: list[dict[str, object]] = [
    {"id": "f", "input": "x", "expected": ""},
    {"id": "f2", "input": "x", "expected": ["", "refund"]},
    {"id": "f3", "input": "x", "expected": " "},
]


def write(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "blank.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_loading_refuses_a_blank_expected_answer_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, [{"id": "ok", "input": "x", "expected": "refund"}, *BLANK])
    with pytest.raises(InputError) as info:
        load_eval_set(path)
    text = str(info.value)
    assert 'blank.jsonl:2: field "expected" is empty ("") in case "f"' in text
    assert 'blank.jsonl:3: field "expected" item 1 is empty ("") in case "f2"' in text
    assert 'blank.jsonl:4: field "expected" is empty (" ") in case "f3"' in text
    assert "would pass any answer" in text


def test_validate_reports_it_and_says_no_ok(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, BLANK)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "ok:" not in out
    assert err.count('field "expected"') == 3


def test_run_refuses_before_any_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.py").write_text("def a(request):\n    return 'I cannot help.'\n")
    path = write(tmp_path, BLANK)
    out_dir = tmp_path / "runs" / "e"
    args = ["run", str(path), "--provider", "callable", "--option", f"target={tmp_path}/p.py:a"]
    code = main([*args, "--model", "m", "--scorer", "contains_any", "--out", str(out_dir)])
    assert code == 2
    assert not (out_dir / "results.jsonl").exists()
    assert 'in case "f"' in capsys.readouterr().err


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
