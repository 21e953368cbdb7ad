"""The ``checks`` scorer: a case's own checks run on its response (sync and async scorers, a
missing field, a raising check, the composite's threshold, a judge check, the scorer cache)."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from evalkit.dataset import Case, EvalSet
from evalkit.errors import ConfigError
from evalkit.providers.base import PROVIDERS, Provider, Request, Response, Usage
from evalkit.scorers.checks import CHECK_ADVICE, Checks, check_problems
from evalkit.scoring import SCORERS, Score, ScoreContext, Scorer, build_scorer, score_all

BUILT: Counter[str] = Counter()
CLOSED: Counter[str] = Counter()


def here() -> str:
    """This file as a scorer error names it: relative to the working folder when inside it,
    read when the error is, since an earlier test may have left another working folder."""
    rel = os.path.relpath(__file__)
    return __file__ if rel.startswith("..") else rel


def _line(text: str) -> int:
    lines = Path(__file__).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line and "_line(" not in line)


BOOM_LINE = _line('raise RuntimeError("the scorer broke")')
SLEEP_LINE = _line('raise ValueError("negative sleep")')


@dataclass
class SlowPolite(Scorer):
    """An async scorer: passes when the output says please."""

    name: ClassVar[str] = "t_async_polite"
    word: str = "please"

    def __post_init__(self) -> None:
        BUILT[self.word] += 1

    async def score(self, ctx: ScoreContext) -> Score:  # type: ignore[override]
        await asyncio.sleep(0)
        ok = self.word in ctx.response.text
        return Score(1.0 if ok else 0.0, ok, "polite" if ok else "not polite", {"word": self.word})

    async def aclose(self) -> None:
        CLOSED[self.word] += 1


@dataclass
class Boom(Scorer):
    name: ClassVar[str] = "t_boom"

    def score(self, ctx: ScoreContext) -> Score:
        raise RuntimeError("the scorer broke")


@dataclass
class Picky(Scorer):
    """A plugin that validates its arguments with a plain ValueError."""

    name: ClassVar[str] = "t_picky"
    size: int = 1

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("size must be positive")

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, True, "ok")


@dataclass
class Chatty(Scorer):
    """A scorer with huge details, to show they are summarised in the composite."""

    name: ClassVar[str] = "t_chatty"

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, True, "ok", {"blob": "x" * 5000, "n": 3})


@dataclass
class NoVerdict(Scorer):
    """A scorer that declines to judge (value and verdict ``None``)."""

    name: ClassVar[str] = "t_no_verdict"

    def score(self, ctx: ScoreContext) -> Score:
        return Score(None, None, "cannot tell")


IN_FLIGHT: Counter[str] = Counter()


@dataclass
class AsyncSlow(Scorer):
    """An async scorer that sleeps ``ms`` and counts how many of its kind are in flight."""

    name: ClassVar[str] = "t_async_slow"
    ms: int = 1

    async def score(self, ctx: ScoreContext) -> Score:  # type: ignore[override]
        if self.ms < 0:
            raise ValueError("negative sleep")
        IN_FLIGHT["now"] += 1
        IN_FLIGHT["max"] = max(IN_FLIGHT["max"], IN_FLIGHT["now"])
        await asyncio.sleep(self.ms / 1000)
        IN_FLIGHT["now"] -= 1
        return Score(1.0, True, "slept", {"ms": self.ms})


class EchoJudge(Provider):
    """A judge whose verdict is whatever follows ``RESPONSE`` in its prompt."""

    name = "t-echo-judge"

    async def complete(self, request: Request) -> Response:
        verdict = request.messages[-1].content.rpartition("RESPONSE\n")[2]
        return Response(text=verdict, usage=Usage(10, 5), model="judge-1")


@pytest.fixture(autouse=True)
def _registered() -> Iterator[None]:
    for cls in (SlowPolite, Boom, Chatty, Picky, NoVerdict, AsyncSlow):
        SCORERS.register(cls.name, cls)
    PROVIDERS.register("t-echo-judge", EchoJudge)
    BUILT.clear()
    CLOSED.clear()
    IN_FLIGHT.clear()
    yield
    for cls in (SlowPolite, Boom, Chatty, Picky, NoVerdict, AsyncSlow):
        SCORERS.unregister(cls.name)
    PROVIDERS.unregister("t-echo-judge")


def case(checks: list[dict[str, Any]], **fields: Any) -> Case:
    row = {"id": "c1", "input": "where is my refund?", "checks": checks, **fields}
    return EvalSet.from_cases([row]).cases[0]


def run(scorer: Scorer, c: Case, text: str) -> Score | None:
    return asyncio.run(score_all([scorer], ScoreContext(c, Response(text=text)))).get(scorer.name)


RECEIPT = {"name": "contains", "args": {"values": ["receipt"]}, "label": "mentions_receipt"}
NUMBER = {"name": "regex", "args": {"pattern": r"\d{5}"}, "label": "order number"}


def test_value_is_the_share_passed_and_passed_needs_every_check() -> None:
    c = case([RECEIPT, NUMBER])
    s = run(Checks(), c, "Keep the receipt.")
    assert s is not None and s.value == 0.5 and s.passed is False
    assert s.reason.startswith("1 of 2 checks failed: order number: no search for /")
    entries = s.details["checks"]
    assert [(e["name"], e["label"], e["passed"]) for e in entries] == [
        ("contains", "mentions_receipt", True),
        ("regex", "order number", False),
    ]
    assert entries[0]["details"] == {"found": ["receipt"], "missing": []}
    assert s.details["failed"] == ["order number"]
    # Only a label that can be a metric name becomes one (checks.mentions_receipt).
    assert s.details["metrics"] == {"mentions_receipt": 1.0}
    ok = run(Checks(), c, "Your receipt for order 12345.")
    assert ok is not None and ok.value == 1.0 and ok.passed is True
    assert ok.reason == "all 2 checks passed"


def test_the_composite_threshold_is_configurable() -> None:
    c = case([RECEIPT, NUMBER])
    lenient = build_scorer("checks", threshold=0.5)
    s = run(lenient, c, "Keep the receipt.")
    assert s is not None and s.value == 0.5 and s.passed is True
    with pytest.raises(ConfigError, match="threshold"):
        build_scorer("checks", {"threshold": "high"})


def test_a_case_without_checks_is_left_unscored_not_failed() -> None:
    plain = EvalSet.from_cases([{"id": "p", "input": "hi"}]).cases[0]
    assert run(Checks(), plain, "anything") is None
    assert Checks().skips(plain) and not Checks().skips(case([RECEIPT]))


def test_async_checks_run_and_each_distinct_check_is_built_once() -> None:
    polite = {"name": "t_async_polite", "label": "polite"}
    scorer = Checks()
    for text, ok in (("please wait", True), ("wait", False), ("please", True)):
        s = run(scorer, case([polite, {"name": "t_async_polite", "args": {"word": "sorry"}}]), text)
        assert s is not None and s.details["checks"][0]["passed"] is ok
    assert BUILT == {"please": 1, "sorry": 1}
    asyncio.run(scorer.aclose())
    assert CLOSED == {"please": 1, "sorry": 1}


def boom_error() -> str:
    """A check that raised, as its own entry says it (QA12: it read "RuntimeError: ...")."""
    return (
        f"scorer 't_boom' raised RuntimeError: the scorer broke (at {here()}:{BOOM_LINE}); this "
        "check is left out of the case's checks score; fix the scorer to return False (or 0.0) "
        "for an answer it rejects, or drop the check from the case"
    )


def test_a_missing_field_or_a_raising_check_could_not_run_and_is_left_out() -> None:
    # An errored check is neither a pass nor a fail: the case is scored over the checks that
    # ran (1 of 2 passed), the errored ones are named in the reason and the details, and a
    # labelled errored check gives no checks.<label> metric (a gate must not read it as 0).
    c = case([{"name": "exact_match"}, {"name": "t_boom", "label": "boom"}, RECEIPT, NUMBER])
    s = run(Checks(), c, "the receipt")
    assert s is not None and s.error is None and s.value == 0.5 and s.passed is False
    missing, boom, receipt, number = s.details["checks"]
    assert missing["passed"] is None and missing["value"] is None
    assert "needs case field(s) ['expected']" in missing["error"]
    assert boom["passed"] is None and boom["error"] == boom_error()
    assert receipt["passed"] is True and number["passed"] is False
    assert "error" not in receipt and "error" not in number
    assert s.details["failed"] == ["order number"]
    assert s.details["errored"] == ["exact_match", "boom"]
    assert s.details["metrics"] == {"mentions_receipt": 1.0}
    assert s.reason.startswith("1 of 2 checks failed: order number: no search for /")
    assert "; 2 of 4 checks could not run (left out): exact_match: error: scorer " in s.reason
    assert s.reason.endswith(
        f"boom: error: scorer 't_boom' raised RuntimeError: the scorer broke (at {here()}:"
        f"{BOOM_LINE})"
    )  # the entry's advice stays in the entry
    ok = run(Checks(), case([{"name": "t_boom", "label": "boom"}, RECEIPT]), "receipt")
    assert ok is not None and ok.value == 1.0 and ok.passed is True and ok.error is None
    assert ok.reason.startswith("the check passed; 1 of 2 checks could not run (left out): ")


def test_a_case_whose_checks_all_errored_is_a_scorer_error_not_a_failure() -> None:
    c = case([{"name": "exact_match"}, {"name": "t_boom", "label": "boom"}])
    s = run(Checks(), c, "the receipt")
    assert s is not None and s.value is None and s.passed is None
    assert s.error is not None
    assert s.error.startswith("case 'c1': scorer 'checks': none of the 2 checks could run: ")
    assert "boom: scorer 't_boom' raised RuntimeError: the scorer broke (at " in s.error
    assert s.reason == f"scorer error: {s.error}"
    assert s.details["errored"] == ["exact_match", "boom"] and s.details["failed"] == []
    assert [e["passed"] for e in s.details["checks"]] == [None, None]
    assert "metrics" not in s.details
    one = run(Checks(), case([{"name": "t_boom"}]), "x")
    assert (
        one is not None
        and one.error
        == "case 'c1': scorer 'checks': the check could not run: t_boom: scorer 't_boom' "
        f"raised RuntimeError: the scorer broke (at {here()}:{BOOM_LINE}); fix the scorer to "
        "return False (or 0.0) for an answer it rejects, or drop the check from the case"
    )


def test_a_check_without_a_verdict_could_not_run() -> None:
    c = case([{"name": "t_no_verdict", "label": "vague"}, RECEIPT])
    s = run(Checks(), c, "receipt")
    assert s is not None and s.value == 1.0 and s.passed is True
    vague = s.details["checks"][0]
    assert vague["passed"] is None and vague["error"] == "returned no verdict: cannot tell"
    assert s.details["errored"] == ["vague"] and s.details["metrics"] == {"mentions_receipt": 1.0}


def test_async_checks_of_a_case_run_concurrently_in_their_order() -> None:
    # Three async checks of one case are awaited together (the slowest first, so a gather that
    # reordered them would show); the sync check between them runs as before.
    checks = [
        {"name": "t_async_slow", "args": {"ms": 30}, "label": "slow"},
        RECEIPT,
        {"name": "t_async_slow", "args": {"ms": 10}, "label": "mid"},
        {"name": "t_async_slow", "args": {"ms": 1}, "label": "fast"},
    ]
    s = run(Checks(), case(checks), "receipt")
    assert s is not None and s.passed is True
    assert [e["label"] for e in s.details["checks"]] == ["slow", "mentions_receipt", "mid", "fast"]
    assert IN_FLIGHT["max"] == 3
    assert [e["details"].get("ms") for e in s.details["checks"]] == [30, None, 10, 1]


def test_one_async_check_raising_leaves_the_others_scored() -> None:
    checks = [
        {"name": "t_async_slow", "args": {"ms": 5}, "label": "slow"},
        {"name": "t_async_slow", "args": {"ms": -1}, "label": "broken"},
    ]
    s = run(Checks(), case(checks), "x")
    assert s is not None and s.value == 1.0 and s.error is None
    assert s.details["errored"] == ["broken"]
    assert s.details["checks"][1]["error"] == (
        f"scorer 't_async_slow' raised ValueError: negative sleep (at {here()}:{SLEEP_LINE}); "
        + CHECK_ADVICE
    )


def test_large_details_of_a_check_are_summarised() -> None:
    s = run(Checks(), case([{"name": "t_chatty"}]), "x")
    assert s is not None and s.details["checks"][0]["details"] == {
        "blob": "(omitted: 5002 characters)",
        "n": 3,
    }


def test_defaults_are_validated_when_the_scorer_is_built() -> None:
    with pytest.raises(ConfigError, match="unknown scorer 'judgee'; did you mean \"judge\""):
        build_scorer("checks", {"defaults": {"judgee": {}}})
    with pytest.raises(ConfigError, match=r"defaults\.judge must be a table"):
        build_scorer("checks", {"defaults": {"judge": "gpt"}})
    spec = build_scorer("checks", {"defaults": {"regex": {"ignore_case": True}}}).spec()
    assert spec["args"] == {"defaults": {"regex": {"ignore_case": True}}, "threshold": 1.0}


def test_defaults_sit_under_each_checks_own_arguments() -> None:
    scorer = build_scorer("checks", {"defaults": {"contains": {"ignore_case": True}}})
    s = run(scorer, case([RECEIPT]), "RECEIPT attached")
    assert s is not None and s.passed is True
    own = {**RECEIPT, "args": {"values": ["receipt"], "ignore_case": False}}
    s = run(scorer, case([own]), "RECEIPT attached")
    assert s is not None and s.passed is False


def test_a_judge_check_gets_its_provider_from_the_suite_defaults(tmp_path: Path) -> None:
    judge_defaults = {
        "provider": "t-echo-judge",
        "model": "gpt-4o-mini",
        "cache_dir": str(tmp_path / "cache"),
    }
    scorer = build_scorer("checks", {"defaults": {"judge": judge_defaults}})
    c = case([{"name": "judge", "args": {"rubric": "Is it polite?"}, "label": "polite"}])

    async def both() -> tuple[Score | None, Score | None]:
        good = await score_all([scorer], ScoreContext(c, Response(text='{"score": 5}')))
        bad = await score_all([scorer], ScoreContext(c, Response(text='{"score": 2}')))
        await scorer.aclose()
        return good.get("checks"), bad.get("checks")

    good, bad = asyncio.run(both())
    assert good is not None and good.passed is True
    assert good.details["checks"][0]["details"]["judge_score"] == 5
    # A priced judge's cost is summed into the composite's metrics (checks.judge_cost_usd).
    cost = good.details["checks"][0]["details"]["judge_cost_usd"]
    assert cost > 0 and good.details["metrics"] == {"polite": 1.0, "judge_cost_usd": cost}
    assert bad is not None and bad.passed is False and "polite: 2/5" in bad.reason


def test_a_judge_check_without_a_provider_says_where_to_give_one() -> None:
    c = case([{"name": "judge", "args": {"rubric": "Polite?"}}])
    s = run(Checks(), c, "hi")
    assert s is not None and s.passed is None and s.error is not None
    assert "needs 'provider' and 'model'" in s.details["checks"][0]["error"]
    assert "defaults = { judge = " in s.details["checks"][0]["error"]


def test_file_arguments_are_refused_in_a_check(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text('{"type": "object"}')
    c = case([{"name": "json_schema", "args": {"schema": str(tmp_path / "schema.json")}}])
    s = run(Checks(), c, "{}")
    assert s is not None and "names a file, which a check does not read" in s.reason


def test_check_problems_name_the_line_and_count_repeats(tmp_path: Path) -> None:
    bad = {"name": "regex", "args": {"pattern": "("}}
    rows: list[dict[str, Any]] = [
        {"id": "a", "input": "x", "checks": [RECEIPT, bad]},
        {"id": "b", "input": "x"},
        {"id": "c", "input": "x", "checks": [bad]},
    ]
    es = EvalSet.from_cases(rows, name="ds.jsonl")
    problems = check_problems(es, Checks())
    assert len(problems) == 1
    assert problems[0].where == "ds.jsonl:1"
    assert problems[0].message.startswith(
        'field "checks" item 2 ("regex"): scorer \'regex\': pattern'
    )
    assert problems[0].message.endswith("(the same check in 1 more case(s))")


def test_a_plugin_that_refuses_its_arguments_is_a_problem_and_a_failed_check() -> None:
    es = EvalSet.from_cases(
        [{"id": "a", "input": "x", "checks": [{"name": "t_picky", "args": {"size": 0}}]}]
    )
    (problem,) = check_problems(es, Checks())
    assert problem.message == (
        'field "checks" item 1 ("t_picky"): scorer \'t_picky\' could not be built: '
        "ValueError: size must be positive"
    )
    s = run(Checks(), es.cases[0], "x")
    assert s is not None and s.passed is None and s.error is not None
    assert s.details["checks"][0]["error"].endswith("ValueError: size must be positive")
