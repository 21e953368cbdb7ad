"""A scorer that raises: the recorded error names the case, the scorer, where it raised and
what to do, on every path (a sync function in a worker thread, an async function, sync and
async classes, a per-case check, a worker process); and :func:`shown_in_case`, for a line
that names the case already."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from evalkit.assertions import ScoreExpectationError, expect
from evalkit.compare import compare
from evalkit.dataset import Case, Check
from evalkit.errors import ScorerError
from evalkit.providers.base import Response
from evalkit.records import Run, read_run
from evalkit.scorers.checks import Checks
from evalkit.scoring import Score, ScoreContext, Scorer
from evalkit.scoring_pool import ScoringPool
from evalkit.scoring_run import score_all
from tests.helpers.raising_scorers import (
    JsonOk,
    JsonOkAsync,
    JsonOkInWorker,
    json_ok,
    json_ok_async,
)
from tests.helpers.runs import candidate_dict, make_record, make_run

ADVICE = (
    "; the case is unscored by it; fix the scorer to return False (or 0.0) for an answer it "
    "rejects, and to name the case fields it reads in requires (skip_missing = true then "
    "skips the cases that lack them)"
)


def ctx(text: str = "please raise", case_id: str = "refund-3") -> ScoreContext:
    check = Check(name="tests.helpers.raising_scorers:json_ok")
    case = Case(id=case_id, input="q", checks=(check,))
    return ScoreContext(case=case, response=Response(text=text))


def _raised(name: str, case_id: str = "refund-3") -> str:
    return f"case {case_id!r}: scorer '{name}' raised ValueError: boom in scorer (at "


def test_every_kind_of_user_scorer_names_the_case_the_scorer_and_what_to_do() -> None:
    scorers: list[Scorer] = [json_ok(), json_ok_async(), JsonOk(), JsonOkAsync()]
    out = asyncio.run(score_all(scorers, ctx()))
    assert list(out) == ["json_ok", "json_ok_async", "json_cls", "json_cls_async"]
    for name, score in out.items():
        assert score.value is None and score.passed is None
        assert score.error is not None
        assert score.error.startswith(_raised(name)), score.error
        assert "raising_scorers.py:" in score.error  # the line that raised, in the user's file
        assert score.error.endswith(ADVICE)
        assert score.error.count("refund-3") == 1
        assert score.reason == f"scorer error: {score.error}"
    assert asyncio.run(score_all(scorers, ctx("fine")))["json_ok"].passed is True


def test_the_exact_message_of_a_raising_function() -> None:
    error = asyncio.run(score_all([json_ok()], ctx()))["json_ok"].error
    here = Path("tests/helpers/raising_scorers.py")
    line = next(
        i
        for i, text in enumerate(here.read_text(encoding="utf-8").splitlines(), start=1)
        if 'raise ValueError("boom in scorer")' in text
    )
    assert error == (
        f"case 'refund-3': scorer 'json_ok' raised ValueError: boom in scorer (at {here}:{line})"
        + ADVICE
    )


def test_an_exception_without_a_message_and_a_scorers_own_errors() -> None:
    class Bare(Scorer):
        name = "bare"
        blocking = False

        def score(self, ctx: ScoreContext) -> Score:
            raise KeyError

    class Own(Scorer):
        name = "own"
        blocking = False

        def score(self, ctx: ScoreContext) -> Score:
            raise ScorerError("the service said no; try later")

    class Returns(Scorer):
        name = "returns"
        blocking = False

        def score(self, ctx: ScoreContext) -> Score:
            return Score.failure("the service said no")

    out = asyncio.run(score_all([Bare(), Own(), Returns()], ctx()))
    assert out["bare"].error is not None
    assert out["bare"].error.startswith("case 'refund-3': scorer 'bare' raised KeyError (at ")
    # a ScorerError is the scorer's own message: named, not wrapped in advice
    assert out["own"].error == "case 'refund-3': scorer 'own': the service said no; try later"
    assert out["returns"].error == "case 'refund-3': scorer 'returns': the service said no"


def test_messages_that_name_the_case_already_are_kept() -> None:
    class Bad(Scorer):
        name = "bad"
        requires = ("context",)

    class Nan(Scorer):
        name = "nan"
        blocking = False

        def score(self, ctx: ScoreContext) -> float:  # type: ignore[override]
            return float("nan")

    out = asyncio.run(score_all([Bad(), Nan()], ctx()))
    assert out["bad"].error is not None and out["nan"].error is not None
    assert out["bad"].error.startswith("case 'refund-3': scorer 'bad' needs field(s) ['context']")
    assert out["nan"].error.startswith("case 'refund-3': scorer 'nan' returned value NaN")


def test_a_raising_function_used_as_a_per_case_check_names_the_case_once() -> None:
    error = asyncio.run(score_all([Checks()], ctx()))["checks"].error
    assert error is not None
    assert error == (
        "case 'refund-3': scorer 'checks': the check could not run: "
        "tests.helpers.raising_scorers:json_ok: scorer 'json_ok' raised ValueError: boom in "
        "scorer (at tests/helpers/raising_scorers.py:16); fix the scorer to return False (or "
        "0.0) for an answer it rejects, or drop the check from the case"
    )  # the check's entry names its scorer, file:line and advice (QA12 leftover b)
    assert error.count("refund-3") == 1


def test_a_raising_scorer_in_a_worker_process_names_the_case() -> None:
    async def main() -> dict[str, Score]:
        pool = ScoringPool([JsonOkInWorker()], processes=1)
        try:
            return await pool.score(ctx())
        finally:
            await pool.aclose()

    error = asyncio.run(main())["json_worker"].error
    assert error is not None
    assert error.startswith(_raised("json_worker")), error
    assert error.endswith(ADVICE)


def test_shown_in_case_drops_what_the_line_names_already() -> None:
    from evalkit.scoring_run import shown_in_case

    error = "case 'r1': scorer 'mine' raised ValueError: boom; fix it"
    assert shown_in_case(error, "r1") == "scorer 'mine' raised ValueError: boom; fix it"
    assert shown_in_case(error, "r1", "mine") == "raised ValueError: boom; fix it"
    assert shown_in_case(error, "r2", "mine") == error  # another case's: kept whole
    assert shown_in_case("case 'r1': scorer 'mine': died", "r1", "mine") == "died"
    assert shown_in_case("provider error: timeout", "r1", "mine") == "provider error: timeout"
    quoted = "case \"it's\": scorer 'm' raised X"
    assert shown_in_case(quoted, "it's", "m") == "raised X"


def _runs(tmp_path: Path) -> tuple[Run, Run]:
    """Three cases the baseline scored and the candidate's ``acc`` raised on."""
    ids = ["refund-3", "refund-4", "refund-5"]
    base = [make_record(i, {"acc": True}) for i in ids]
    cand = [
        make_record(
            i, {"acc": Score.failure(_raised("acc", i) + "x.py:1)" + ADVICE)}, candidate="c"
        )
        for i in ids
    ]
    return make_run(tmp_path / "b", base), make_run(
        tmp_path / "c", cand, candidate=candidate_dict("c")
    )


def test_the_verdict_line_names_the_first_case_once(tmp_path: Path) -> None:
    b, c = _runs(tmp_path)
    (rule,) = [r for r in compare(b, c).verdict.results if r.rule == "new_scorer_errors"]
    assert "(refund-3, refund-4, refund-5; first refund-3: scorer 'acc' raised ValueError" in (
        rule.reason
    )
    assert "case 'refund-3'" not in rule.reason


def test_expect_lists_one_fault_on_many_cases_once(tmp_path: Path) -> None:
    _, c = _runs(tmp_path)
    with pytest.raises(ScoreExpectationError) as info:
        expect(read_run(c.path), "acc", min_pass_rate=0.5)
    message = str(info.value)
    assert message.count("scorer 'acc' raised ValueError: boom in scorer") == 1, message
    assert "refund-3, refund-4, refund-5" in message
