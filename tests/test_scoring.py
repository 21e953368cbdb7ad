from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from evalkit.config import ScorerSpec
from evalkit.dataset import EvalSet
from evalkit.errors import ConfigError
from evalkit.providers.base import Response
from evalkit.scoring import (
    SCORERS,
    FunctionScorer,
    Score,
    ScoreContext,
    Scorer,
    build_scorer,
    score_all,
    scorer,
)

CASES = EvalSet.from_cases(
    [{"id": "with", "input": "x", "context": ["c"]}, {"id": "without", "input": "y"}]
)


@dataclass
class NeedsContext(Scorer):
    name = "needs_context"
    requires = ("context",)
    bonus: float = 0.0

    def score(self, ctx: ScoreContext) -> Score:
        return Score(min(1.0, 0.5 + self.bonus), True, "ok")


def ctx(i: int, text: str = "answer") -> ScoreContext:
    return ScoreContext(case=CASES.cases[i], response=Response(text=text))


def test_missing_field_is_a_recorded_scorer_error_not_a_crash() -> None:
    out = asyncio.run(score_all([NeedsContext()], ctx(1)))
    assert out["needs_context"].error == (
        "case 'without': scorer 'needs_context' needs field(s) ['context'] which the case does not "
        "set; add them to the eval set or remove the scorer from this suite"
    )
    assert out["needs_context"].value is None and out["needs_context"].passed is None


def test_skip_missing_leaves_case_unscored() -> None:
    s = NeedsContext()
    s.skip_missing = True
    assert asyncio.run(score_all([s], ctx(1))) == {}
    assert asyncio.run(score_all([s], ctx(0)))["needs_context"].value == 0.5


def test_exceptions_become_scores_and_other_scorers_still_run() -> None:
    @scorer("boom_test", register=False)
    def boom(ctx: ScoreContext) -> float:
        raise ValueError("bad input")

    out = asyncio.run(score_all([boom(), NeedsContext()], ctx(0)))
    error = out["boom_test"].error
    assert error is not None
    assert error.startswith("case 'with': scorer 'boom_test' raised ValueError: bad input (at ")
    assert out["needs_context"].passed is True


def test_function_scorers_sync_async_and_coercion() -> None:
    @scorer("length_ok_test", threshold=0.5)
    def length_ok(ctx: ScoreContext, limit: int = 10) -> float:
        return 1.0 if len(ctx.response.text) <= limit else 0.0

    @scorer("async_flag_test")
    async def flag(ctx: ScoreContext) -> bool:
        await asyncio.sleep(0)
        return "answer" in ctx.response.text

    try:
        s = build_scorer("length_ok_test", {"limit": 3})
        out = asyncio.run(score_all([s, build_scorer("async_flag_test")], ctx(0)))
        assert out["length_ok_test"] == Score(0.0, False)
        assert out["async_flag_test"] == Score(1.0, True)
        assert s.spec()["args"] == {"limit": 3}
    finally:
        SCORERS.unregister("length_ok_test")
        SCORERS.unregister("async_flag_test")


def test_build_scorer_errors_are_actionable() -> None:
    with pytest.raises(ConfigError, match='did you mean "groundedness"'):
        build_scorer("groundednes")
    SCORERS.register("needs_context_test", NeedsContext)
    try:
        with pytest.raises(ConfigError, match="has no argument 'nope'; its arguments: threshold"):
            build_scorer("needs_context_test", {"nope": 1}, where="cfg")
        spec = ScorerSpec("needs_context_test", {"bonus": 0.25}, 0.9, skip_missing=True).build()
        assert spec.threshold == 0.9 and spec.bonus == 0.25 and spec.skip_missing
        assert spec.spec() == {
            "name": "needs_context",
            "args": {"bonus": 0.25, "threshold": 0.9},
            "ref": f"{__name__}:NeedsContext",
        }
    finally:
        SCORERS.unregister("needs_context_test")


# ------------------------------------------------------------------ what a scorer returns


@dataclass
class Returns(Scorer):
    """Returns whatever it is given: to check what :func:`score_all` accepts."""

    name = "returns"
    result: object = None

    def score(self, ctx: ScoreContext) -> Score:
        return self.result  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("result", "error"),
    [
        (1.7, "case 'with': scorer 'returns' returned value 1.7, outside [0, 1]; scale it"),
        (-0.2, "returned value -0.2, outside [0, 1]"),
        (float("nan"), "case 'with': scorer 'returns' returned value NaN; give a float in [0, 1]"),
        (Score(2.0, True), "returned value 2.0, outside [0, 1]"),
        (Score(float("nan"), False), "returned value NaN"),
        (Score("high", True), "returned a Score whose value is str 'high'"),  # type: ignore[arg-type]
        (Score(0.5, "yes"), "returned passed='yes' (str); give True, False or None"),  # type: ignore[arg-type]
        ("yes", "case 'with': scorer 'returns' returned str; return a Score, a float in [0, 1]"),
        (None, "returned NoneType; return a Score"),
    ],
)
def test_a_value_outside_0_1_nan_or_a_wrong_type_is_a_recorded_error(
    result: object, error: str
) -> None:
    out = asyncio.run(score_all([Returns(result=result), NeedsContext()], ctx(0)))
    assert out["returns"].value is None and out["returns"].passed is None
    assert error in (out["returns"].error or "")
    assert out["needs_context"].passed is True  # the others still score


def test_a_class_scorer_may_return_a_float_or_a_bool_like_a_function() -> None:
    import numpy as np

    out = asyncio.run(score_all([Returns(result=0.7, threshold=0.8)], ctx(0)))
    assert out["returns"] == Score(0.7, False)
    out = asyncio.run(score_all([Returns(result=True)], ctx(0)))
    assert out["returns"] == Score(1.0, True)
    out = asyncio.run(score_all([Returns(result=Score(np.float32(0.5), np.bool_(True)))], ctx(0)))  # type: ignore[arg-type]
    assert type(out["returns"].value) is float and type(out["returns"].passed) is bool
    unscored = Score(None, None, "unpriced")  # a value-less score without error stays valid
    assert asyncio.run(score_all([Returns(result=unscored)], ctx(0)))["returns"] == unscored


# ------------------------------------------------------------------ building from the config


def test_a_plain_function_referenced_by_path_is_a_scorer_taking_its_args(tmp_path: Path) -> None:
    """The README's own example: ``scorers/file.py:fn`` where ``fn(ctx) -> Score``."""
    (tmp_path / "scorers").mkdir()
    (tmp_path / "scorers" / "mine.py").write_text(
        "async def longer_than(ctx, n: int = 3):\n"
        "    return len(ctx.response.text) > n\n"
        "def ratio(ctx):\n"
        "    return 0.25\n"
    )
    s = build_scorer("scorers/mine.py:longer_than", {"n": 10}, base_dir=str(tmp_path))
    r = build_scorer("scorers/mine.py:ratio", threshold=0.2, base_dir=str(tmp_path))
    out = asyncio.run(score_all([s, r], ctx(0, text="a long enough answer")))
    assert out["longer_than"] == Score(1.0, True) and out["ratio"] == Score(0.25, True)
    assert s.spec()["args"] == {"n": 10}


def test_unknown_names_and_bad_references_name_the_config_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        build_scorer("groundednes", where="evalkit.toml: [suites.s] scorers")
    msg = str(info.value)
    assert msg.startswith("evalkit.toml: [suites.s] scorers: unknown scorer 'groundednes'")
    assert "'evalkit.scorers' entry-point group" in msg
    with pytest.raises(ConfigError, match=r"^cfg: 'no_such_pkg_x.mod:f': cannot import module"):
        build_scorer("no_such_pkg_x.mod:f", where="cfg")
    (tmp_path / "bad.py").write_text("def f(ctx)\n")
    with pytest.raises(ConfigError, match=r"^cfg: .*bad\.py:1: syntax error"):
        build_scorer("bad.py:f", where="cfg", base_dir=str(tmp_path))


@dataclass
class Typed(Scorer):
    name = "typed"
    word: str = "x"
    weight: float = 1.0
    limit: int | None = None
    mode: Literal["any", "all"] = "any"
    words: tuple[str, ...] = ()

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, True)


def test_misspelled_and_mistyped_args_are_all_reported_before_any_case_runs() -> None:
    SCORERS.register("typed_test", Typed)
    try:
        with pytest.raises(ConfigError) as info:
            build_scorer(
                "typed_test",
                {"wrod": "y", "weight": "high", "limit": 2.5, "mode": "most", "words": "a"},
                where="cfg",
            )
        lines = str(info.value).splitlines()
        assert lines == [
            "cfg: scorer 'typed_test' has no argument 'wrod'; did you mean \"word\"?",
            "cfg: scorer 'typed_test' argument 'weight' must be float, got 'high'; fix "
            "args.weight (or threshold) in the config",
            "cfg: scorer 'typed_test' argument 'limit' must be int | None, got 2.5; fix "
            "args.limit (or threshold) in the config",
            "cfg: scorer 'typed_test' argument 'mode' must be Literal['any', 'all'], got "
            "'most'; fix args.mode (or threshold) in the config",
            "cfg: scorer 'typed_test' argument 'words' must be tuple[str, ...], got 'a'; fix "
            "args.words (or threshold) in the config",
        ]
        ok = build_scorer("typed_test", {"weight": 1, "limit": None, "words": ["a"]}, 0.7)
        assert isinstance(ok, Typed) and ok.threshold == 0.7
    finally:
        SCORERS.unregister("typed_test")


def test_decorated_function_args_are_checked_against_its_parameters() -> None:
    @scorer("short_test", register=False)
    def short(ctx: ScoreContext, limit: int = 10) -> bool:
        return len(ctx.response.text) <= limit

    SCORERS.register("short_test", short)
    try:
        with pytest.raises(ConfigError, match="has no argument 'limt'; did you mean \"limit\""):
            build_scorer("short_test", {"limt": 3}, where="cfg")
        assert build_scorer("short_test", {"limit": 3}, 0.5).threshold == 0.5
    finally:
        SCORERS.unregister("short_test")


def test_a_required_field_that_is_no_case_field_fails_when_built() -> None:
    @scorer("typo_test", requires=("contxt",), register=False)
    def typo(ctx: ScoreContext) -> float:
        return 1.0

    SCORERS.register("typo_test", typo)
    try:
        with pytest.raises(ConfigError) as info:
            build_scorer("typo_test", where="cfg")
        assert str(info.value) == (
            "cfg: scorer 'typo_test' requires ['contxt']: not a case field; did you mean "
            '"context"? fix the scorer\'s requires'
        )
    finally:
        SCORERS.unregister("typo_test")


def test_file_arguments_in_a_config_are_read_from_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eval sets, templates and scorer files resolve from the config's folder; a json_schema
    # file, a judge rubric_file and a refusal model_path were read from the current folder,
    # so the same config failed when run from elsewhere (CI jobs, notebooks).
    import shutil

    from evalkit.config import load_config

    project = tmp_path / "project"
    (project / "checks").mkdir(parents=True)
    (project / "checks" / "answer.json").write_text('{"type": "object", "required": ["a"]}')
    (project / "checks" / "rubric.txt").write_text("Score 1 when the answer is polite.")
    model = Path(__file__).parents[1] / "evalkit" / "scorers" / "data" / "refusal_model.json"
    shutil.copy(model, project / "checks" / "model.json")
    (project / "data.jsonl").write_text('{"id": "a", "input": "x"}\n')
    (project / "evalkit.toml").write_text(
        """
[candidates.c]
provider = "callable"
model = "m"
options = { target = "json:dumps" }

[suites.s]
dataset = "data.jsonl"
candidates = ["c"]
scorers = [
  { name = "json_schema", args = { schema = "checks/answer.json" } },
  { name = "judge", args = { provider = "callable", model = "j", rubric_file = "checks/rubric.txt" } },
  { name = "refusal", args = { model_path = "checks/model.json" } },
]
"""
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    suite = load_config(project / "evalkit.toml").suite("s")
    schema, judge, refusal = (spec.build() for spec in suite.scorers)
    assert schema._schema == {"type": "object", "required": ["a"]}
    assert judge._rubric_text == "Score 1 when the answer is polite."
    assert refusal.model_path == str(project / "checks" / "model.json")
    # An absolute path, and the same arguments given in code, are left as given.
    from evalkit.scorers.json import JsonSchema

    absolute = str(project / "checks" / "answer.json")
    assert JsonSchema(schema=absolute)._schema == {"type": "object", "required": ["a"]}
    with pytest.raises(ConfigError, match=r"'checks/answer.json' not found \(relative to "):
        JsonSchema(schema="checks/answer.json")


def test_a_function_scorers_bad_value_names_the_case() -> None:
    """QA10 #11: the docs promise ``case 'r1': scorer 'mine' returned value 1.7``; a function
    scorer's message lacked the case (a class scorer's had it)."""

    def mine(ctx: ScoreContext) -> float:
        return float("nan")

    async def amine(ctx: ScoreContext) -> float:
        return 1.7

    out = asyncio.run(
        score_all(
            [
                FunctionScorer(fn=mine, scorer_name="mine"),
                FunctionScorer(fn=amine, scorer_name="a"),
            ],
            ctx(0),
        )
    )
    assert (out["mine"].error or "").startswith("case 'with': scorer 'mine' returned value NaN")
    assert (out["a"].error or "").startswith("case 'with': scorer 'a' returned value 1.7")


def test_a_scorer_mapping_takes_a_suite_entrys_keys_and_refuses_others() -> None:
    """QA10 #8: ``{"name": "groundedness", "treshold": 0.99}`` ran at the default threshold and
    ``skip_missing`` / ``as`` were dropped, where the config refuses or honours them."""
    from evalkit.errors import InputError
    from evalkit.scoring_build import as_scorers

    with pytest.raises(InputError, match=r"unknown key 'treshold'.* did you mean \"threshold\""):
        as_scorers([{"name": "groundedness", "treshold": 0.99}], "run: scorers")
    with pytest.raises(InputError, match="'as' must be a name of letters"):
        as_scorers([{"name": "contains", "as": "says.hi"}], "run: scorers")
    with pytest.raises(InputError, match="skip_missing must be true or false"):
        as_scorers([{"name": "groundedness", "skip_missing": "yes"}], "run: scorers")
    g, c = as_scorers(
        [
            {"name": "groundedness", "threshold": 0.9, "skip_missing": True},
            {"name": "contains", "as": "says_hi", "args": {"ignore_case": True}},
        ],
        "run: scorers",
    )
    assert g.threshold == 0.9 and g.skip_missing and g.skips(CASES.cases[1])
    assert c.name == "says_hi"
    out = asyncio.run(score_all([g, c], ctx(1)))
    assert list(out) == ["says_hi"]  # groundedness skips the case without context


@pytest.mark.parametrize("bad", [2, -1, float("nan"), True, "0.5"])
def test_a_threshold_outside_0_1_is_refused_in_python_as_in_the_config(bad: object) -> None:
    """QA11 #6: ``{"name": ..., "threshold": 2}`` ran, and every case failed unannounced."""
    from evalkit.scoring_build import as_scorers

    with pytest.raises(ConfigError, match=r"threshold: must be a number in \[0, 1\], got"):
        as_scorers([{"name": "groundedness", "threshold": bad}], "run: scorers")
    with pytest.raises(ConfigError, match=r"threshold: must be a number in \[0, 1\]"):
        ScorerSpec("refusal", threshold=bad).build()  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"threshold: must be a number in \[0, 1\]"):
        build_scorer("contains", {"threshold": bad})
    assert build_scorer("contains", threshold=1).threshold == 1  # the ends are fine
