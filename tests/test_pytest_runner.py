"""The plugin's session runner (evalkit/pytest_runner.py) through ``pytester`` (project:
tests/helpers/pytest_project.py): modes (replay never calls a provider) and the cost cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.pytest_project import calls, make_project, run

pytest_plugins = ["pytester"]


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    return make_project(pytester.path)


# ---------------------------------------------------------------- modes and cost


def test_replay_never_calls_record_does_then_replay_serves(
    pytester: pytest.Pytester, project: Path
) -> None:
    replay = run(pytester, "--evalkit-suite", "paid")
    assert calls(project) == []
    replay.assert_outcomes(failed=2)
    replay.stdout.fnmatch_lines(
        ["*answers missing in --evalkit-mode replay", "*live: 6 answers not recorded: q1, q2*"]
    )
    run(pytester, "--evalkit-suite", "paid", "--evalkit-mode", "record").assert_outcomes(passed=2)
    assert sorted(calls(project)) == [f"q{i}" for i in range(1, 7)]
    run(pytester, "--evalkit-suite", "paid").assert_outcomes(passed=2)
    assert len(calls(project)) == 6  # served from the recordings, no new call


def test_max_cost_stops_requests_and_says_so(pytester: pytest.Pytester, project: Path) -> None:
    # each call costs 10 tokens x $1000/M = $0.01; the cap allows two
    result = run(
        pytester,
        "--evalkit-suite",
        "paid",
        "--evalkit-mode",
        "record",
        "--evalkit-max-cost",
        "0.02",
    )
    assert len(calls(project)) == 2
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*session cost cap stopped the runs (live: 4 case repeats not run)*",
            "*provider spend $0.0200 of cap $0.02",
            "*cost cap reached; 4 case repeats of live were not run*",
        ]
    )
