"""The plugin's session runner (evalkit/pytest_runner.py) through ``pytester`` (project:
tests/helpers/pytest_project.py): modes (replay never calls a provider) and the cost cap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.pytest_project import calls, run, stored_run

# ---------------------------------------------------------------- modes and cost


def test_replay_never_calls_record_does_then_replay_serves(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    replay = run(pytester, "--evalkit-suite", "paid")
    assert calls(plugin_project) == []
    replay.assert_outcomes(failed=2)
    replay.stdout.fnmatch_lines(
        ["*answers missing in --evalkit-mode replay", "*live: 6 answers not recorded: q1, q2*"]
    )
    run(pytester, "--evalkit-suite", "paid", "--evalkit-mode", "record").assert_outcomes(passed=2)
    assert sorted(calls(plugin_project)) == [f"q{i}" for i in range(1, 7)]
    run(pytester, "--evalkit-suite", "paid").assert_outcomes(passed=2)
    assert len(calls(plugin_project)) == 6  # served from the recordings, no new call


def test_max_cost_stops_requests_and_says_so(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    # each call costs 10 tokens x $1000/M = $0.01; a call is sent only if its estimate (15
    # tokens once one answer is seen: $0.015) still fits, so a cap of $0.026 allows two
    result = run(
        pytester,
        "--evalkit-suite",
        "paid",
        "--evalkit-mode",
        "record",
        "--evalkit-max-cost",
        "0.026",
    )
    assert len(calls(plugin_project)) == 2
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*runs stopped before the end; the gates were checked on part of the eval set only",
            "*live: 4 case repeats not run; the cost cap stopped it*raise --evalkit-max-cost*",
            "*provider spend $0.0200 of cap $0.026",
            "*cost cap reached; 4 case repeats of live were not run*",
        ]
    )


QUOTA = """
from evalkit.errors import ProviderError

def answer(request):
    if request.case_id in ("q1", "q2"):
        return {"output": "answer " + request.case_id[1:]}
    raise ProviderError("rate_limit", "You exceeded your current quota", status=429,
                        retryable=True, retry_after=600)
"""


def test_a_provider_quota_stop_is_named_as_such_not_as_the_cost_cap(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """QA12 F7: the items blamed "the session cost cap" and said "raise --evalkit-max-cost"
    when the provider's quota stopped the run and no cap was set."""
    (plugin_project / "pipeline.py").write_text(QUOTA)
    result = run(pytester, "--evalkit-suite", "paid", "--evalkit-mode", "record")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*live: 4 case repeats not run; the provider stopped it: You exceeded your current "
            "quota*; wait until its limit resets*",
            "*the provider stopped it (You exceeded your current quota*); 4 case repeats of live "
            "were not run*",
        ]
    )
    assert "--evalkit-max-cost" not in out and "cost cap" not in out


# ------------------------------------------- refused before paying for the candidates

PAID = ["--evalkit-suite", "paid", "--evalkit-baseline", "sel"]


def test_a_partial_stored_baseline_is_refused_before_any_provider_call(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """The gates would refuse the comparison after the run: in a mode that calls providers it
    is refused before, with the same message, and nothing is paid for."""
    stored_run(plugin_project, "sel", "base", "q[1-4]", suite="paid")
    for mode in ("record", "refresh", "live"):
        refused = run(pytester, *PAID, "--evalkit-mode", mode)
        refused.assert_outcomes(failed=2)  # the gate and runs: nothing ran
        refused.stdout.fnmatch_lines(
            [
                "*evalkit gate paid: live vs base: exact_match.pass_rate not judged (partial "
                "4/6): compared 4 of 6 cases: the baseline run selected --case q[[]1-4[]]; the "
                "gate would judge those cases only; pass --evalkit-allow-partial to gate the "
                "compared cases, or compare with a baseline run of the whole eval set",
                "*evalkit suite 'paid' not run: *partial 4/6*",
            ]
        )
        assert calls(plugin_project) == [], mode
        assert not list(plugin_project.glob(".evalkit/runs/*/paid-*"))
    allowed = run(pytester, *PAID, "--evalkit-mode", "record", "--evalkit-allow-partial", "-v")
    allowed.assert_outcomes(passed=2)
    allowed.stdout.fnmatch_lines(["*paid::exact_match.pass_rate[[]live[]] PASSED (partial 4/6)*"])
    assert sorted(calls(plugin_project)) == [f"q{i}" for i in range(1, 7)]


def test_a_stored_baseline_of_another_eval_set_version_is_refused_before_any_call(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    stored_run(plugin_project, "sel", "base", suite="paid")
    with (plugin_project / "qa.jsonl").open("a") as fh:  # the eval set grew since the baseline ran
        fh.write('{"id": "q7", "input": "question 7", "expected": "answer 7"}\n')
    refused = run(pytester, *PAID, "--evalkit-mode", "record")
    refused.assert_outcomes(failed=2)
    refused.stdout.fnmatch_lines(
        ["*evalkit suite 'paid' could not run: --evalkit-baseline sel ran qa version *"]
    )
    assert calls(plugin_project) == []


def test_spend_is_counted_when_the_comparison_fails_after_the_run(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    # A stored baseline whose records name cases the eval set no longer has passes the checks
    # made before running (same version, no selection, records), so the candidate runs and
    # pays; the comparison then fails. The summary said "provider spend $0.0000" and the
    # cost cap was not charged.
    stored = stored_run(plugin_project, "sel", "base", suite="paid")
    results = stored / "results.jsonl"
    lines = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    results.write_text(
        "".join(json.dumps({**r, "case_id": "gone-" + r["case_id"]}) + "\n" for r in lines)
    )
    result = run(pytester, *PAID, "--evalkit-mode", "record", "--evalkit-max-cost", "1")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*no case id in common*", "*provider spend $0.0600 of cap $1*"])
    assert len(calls(plugin_project)) == 6


def test_a_stored_baseline_without_records_is_refused_before_any_provider_call(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    stored = stored_run(plugin_project, "sel", "base", suite="paid")
    (stored / "results.jsonl").write_text("")
    result = run(pytester, *PAID, "--evalkit-mode", "record")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*has no records (its results.jsonl is empty or missing)*"])
    assert calls(plugin_project) == []
