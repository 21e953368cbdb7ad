"""QA16 F8: ``details["metrics"]`` is written as numbers, because it is averaged as numbers.

A ``Decimal`` metric was a float only when that float read back as the same number, else its
digits as a string, and the run's mean left the strings out (``recall`` 1.0 where the cases
averaged 0.833). Now every real number is a float there (ints stay ints), and a value that is
no number is a scorer error on its case naming the key, counted and seen, never averaged as
missing."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import fractions
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import evalkit
from evalkit.cli import main
from evalkit.dataset import Case
from evalkit.jsonfiles import Unrecordable, details_to_json, numeric_metrics
from evalkit.providers.base import Response
from evalkit.records import RESULTS
from evalkit.scoring import Score, ScoreContext, scorer
from evalkit.scoring_run import recordable, score_all

RATE = """
import decimal

from evalkit import Score


def rate(ctx):
    hits = int(ctx.case.id.split("-")[1])
    return Score(1.0, True, "ok", {"metrics": {
        "precision": decimal.Decimal(hits) / decimal.Decimal(4),
        "recall": decimal.Decimal(hits) / decimal.Decimal(3),
    }})


def labelled(ctx):
    level = "high" if ctx.case.id == "c-2" else 0.5
    return Score(1.0, True, "ok", {"metrics": {"level": level, "n": 1}})
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "scorers").mkdir()
    (tmp_path / "scorers" / "det.py").write_text(RATE)
    (tmp_path / "p.py").write_text("def a(request):\n    return 'x'\n")
    rows = "".join(json.dumps({"id": f"c-{i}", "input": "x"}) + "\n" for i in range(1, 5))
    (tmp_path / "evals.jsonl").write_text(rows)
    return tmp_path


def run(project: Path, name: str) -> Path:
    out = project / "runs" / name
    args = ["run", str(project / "evals.jsonl"), "--provider", "callable"]
    args += ["--option", f"target={project}/p.py:a", "--model", "m", "--out", str(out)]
    assert main([*args, "--scorer", f"{project}/scorers/det.py:{name}"]) == 0
    return out


def test_decimal_metrics_are_numbers_and_every_case_counts_in_the_mean(project: Path) -> None:
    out = run(project, "rate")
    lines = [json.loads(line) for line in (out / RESULTS).read_text().splitlines()]
    recalls = [line["scores"]["rate"]["details"]["metrics"]["recall"] for line in lines]
    assert all(type(r) is float for r in recalls), recalls
    assert recalls[0] == 0.3333333333333333  # a double's rounding, documented
    row = evalkit.aggregates_frame([evalkit.read_run(out)]).iloc[0]
    assert row["recall"] == pytest.approx(10 / 12) and row["precision"] == pytest.approx(0.625)


def test_a_metric_that_is_no_number_is_a_scorer_error_on_its_case(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(project, "labelled")
    assert "over 3 of 4 case(s), 1 record(s) with a scorer error" in capsys.readouterr().out
    scores = {r.case_id: r.scores["labelled"] for r in evalkit.read_run(out).records}
    error = scores["c-2"].error or ""
    assert scores["c-2"].passed is None
    assert "case 'c-2'" in error and "details['metrics']['level']: is a str ('high')" in error
    assert "not a number" in error and "det.py" in error
    assert all(scores[c].error is None for c in ("c-1", "c-3", "c-4"))


@scorer("mixed_metrics", register=False)
def mixed_metrics(ctx: ScoreContext) -> Score:
    """Every kind of number a scorer computes with, beside what is not one."""
    metrics: dict[Any, Any] = {
        "dec": decimal.Decimal("2.50"),
        "third": decimal.Decimal(1) / decimal.Decimal(3),
        "frac": fractions.Fraction(1, 4),
        "np_int": np.int64(3),
        "np_float": np.float32(0.5),
        "np_nan": np.float64("nan"),
        "none": None,
        "dec_nan": decimal.Decimal("NaN"),
        "wait": dt.timedelta(milliseconds=1500),
        7: 1,
    }
    return Score(1.0, True, "ok", {"metrics": metrics, "price": decimal.Decimal(1) / 3})


def test_numbers_of_every_kind_become_json_numbers() -> None:
    ctx = ScoreContext(Case(id="k", input="q"), Response(text="a"))
    out = asyncio.run(score_all([mixed_metrics()], ctx))["mixed_metrics"]
    assert out.error is None, out.error
    assert out.details["metrics"] == {
        "dec": 2.5,
        "third": 1 / 3,
        "frac": 0.25,
        "np_int": 3,
        "np_float": 0.5,
        "np_nan": None,
        "none": None,
        "dec_nan": None,
        "wait": 1.5,
        "7": 1,
    }
    assert type(out.details["metrics"]["np_int"]) is int
    # outside metrics a Decimal keeps its exact digits when a float would change them
    assert out.details["price"] == "0.3333333333333333333333333333"


@pytest.mark.parametrize(
    ("metrics", "said"),
    [
        ({"flag": True}, "details['metrics']['flag']: is a bool (True)"),
        ({"flag": np.bool_(False)}, "details['metrics']['flag']: is a bool (False)"),
        ({"vals": [1, 2]}, "details['metrics']['vals']: is a list ([1, 2])"),
        ({"r": "0.5"}, "details['metrics']['r']: is a str ('0.5')"),
        ([0.5], "details['metrics']: is a list, not a mapping"),
    ],
)
def test_what_is_no_number_is_refused_by_name(metrics: Any, said: str) -> None:
    with pytest.raises(Unrecordable) as info:
        details_to_json({"metrics": metrics})
    assert said in str(info.value)
    assert not numeric_metrics({"metrics": metrics})


def test_plain_numeric_details_are_not_copied() -> None:
    score = Score(1.0, True, "ok", {"metrics": {"a": 1.0, "b": 2, "c": None}, "x": "y"})
    assert numeric_metrics(score.details) and numeric_metrics({"x": 1})
    assert recordable(mixed_metrics(), score, "k") is score
