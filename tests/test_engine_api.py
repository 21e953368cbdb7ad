"""``run`` / ``run_async``'s ``scorers`` argument: names, ScorerSpecs and mappings are built
through the one scorer registry, as ``rescore`` takes them, and a wrong entry is a clear input
error raised before any request (QA8 #6)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from evalkit.config import Candidate, ScorerSpec
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run, run_async
from evalkit.errors import ConfigError, InputError
from evalkit.providers.base import Request
from evalkit.scorers.text import Contains
from evalkit.scoring import closing_scorers
from evalkit.scoring_build import ScorerLike

CALLS: list[str] = []


def _answer(request: Request, **_: Any) -> str:
    CALLS.append(request.case_id)
    return "hello there"


def _set() -> EvalSet:
    return EvalSet.from_cases(
        [
            {"id": "a", "input": "hi", "expected": "hello"},
            {"id": "b", "input": "yo", "expected": "goodbye"},
        ],
        name="api",
    )


def _cand() -> Candidate:
    return Candidate(name="fn", provider="callable", model="fn", options={"target": _answer})


def _opts(tmp_path: Path) -> RunOptions:
    return RunOptions(out_dir=tmp_path / "run", cache_mode="off", progress="off")


def _passed(run_result: Any, scorer: str) -> dict[str, bool | None]:
    return {r.case_id: r.scores[scorer].passed for r in run_result.records}


def test_run_accepts_names_specs_and_mappings_as_rescore_does(tmp_path: Path) -> None:
    scorers: list[ScorerLike] = [
        "contains",
        ScorerSpec("contains_any", args={"values": ["there"]}),
        {"name": "exact_match", "threshold": 0.5},
    ]
    result = run(_set(), _cand(), scorers, _opts(tmp_path))
    assert _passed(result, "contains") == {"a": True, "b": False}
    assert _passed(result, "contains_any") == {"a": True, "b": True}
    assert _passed(result, "exact_match") == {"a": False, "b": False}
    assert [s["name"] for s in result.manifest["scorers"]] == [
        "contains",
        "contains_any",
        "exact_match",
    ]


def test_a_spec_alias_names_the_scores(tmp_path: Path) -> None:
    spec = ScorerSpec("contains", args={"values": ["bye"]}, alias="says_bye")
    result = run(_set(), _cand(), [spec, Contains()], _opts(tmp_path))
    assert _passed(result, "says_bye") == {"a": False, "b": False}
    assert _passed(result, "contains") == {"a": True, "b": False}


def test_one_name_alone_is_one_scorer_not_its_letters(tmp_path: Path) -> None:
    result = run(_set(), _cand(), "contains", _opts(tmp_path))
    assert set(result.records[0].scores) == {"contains"}


def test_run_async_accepts_names_in_a_running_loop(tmp_path: Path) -> None:
    async def main() -> Any:
        return await run_async(_set(), _cand(), ["contains"], _opts(tmp_path))

    result = asyncio.run(main())
    assert _passed(result, "contains") == {"a": True, "b": False}


def test_an_unknown_name_is_an_input_error_with_the_closest_names_before_any_call(
    tmp_path: Path,
) -> None:
    CALLS.clear()
    with pytest.raises(ConfigError) as err:
        run(_set(), _cand(), ["contains", "contians_any"], _opts(tmp_path))
    assert isinstance(err.value, InputError)
    message = str(err.value)
    assert "run: scorers[1] 'contians_any'" in message
    assert "unknown scorer 'contians_any'; did you mean \"contains_any\"?" in message
    assert err.value.__context__ is None or not isinstance(err.value.__context__, AttributeError)
    assert not CALLS and not (tmp_path / "run" / "results.jsonl").exists()


@pytest.mark.parametrize(
    ("entry", "hint"),
    [
        (Contains, "the class itself; pass an instance: Contains(...)"),
        (42, "42 is not a scorer"),
        ({"args": {}}, "is not a scorer"),
    ],
)
def test_an_entry_that_is_no_scorer_is_named_plainly(tmp_path: Path, entry: Any, hint: str) -> None:
    with pytest.raises(InputError) as err:
        run(_set(), _cand(), ["contains", entry], _opts(tmp_path))
    assert "run: scorers[1]" in str(err.value) and hint in str(err.value)
    assert not isinstance(err.value.__context__, AttributeError)


def test_closing_something_that_is_no_scorer_never_hides_the_block_error() -> None:
    """The end-of-run close runs while the run's own exception is on its way: an object with
    no ``name`` nor ``aclose`` must become a warning, not an AttributeError in its place."""

    async def main() -> None:
        async with closing_scorers(["contains"]):  # type: ignore[list-item]
            raise ValueError("the real problem")

    with pytest.raises(ValueError, match="the real problem") as err:
        asyncio.run(main())
    assert not isinstance(err.value.__context__, AttributeError)

    async def ok() -> None:
        async with closing_scorers([object()]):  # type: ignore[list-item]
            pass

    with pytest.warns(RuntimeWarning, match=r"scorer 'object': aclose\(\) failed"):
        asyncio.run(ok())
