"""The ``evalkit`` fixture and marker (evalkit/pytest_fixture.py) through ``pytester`` (project:
tests/helpers/pytest_project.py): runs shared with the session, readable failures, JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.pytest_project import (
    CONFIG,
    EVALKIT_SOURCE,
    calls,
    run,
    stored_run,
)

# --------------------------------------------------------------- fixture, marker


def test_fixture_and_marker(pytester: pytest.Pytester, plugin_project: Path) -> None:
    pytester.makepyfile(
        test_evals="""
        import pytest
        import evalkit as evalkit_api

        @pytest.mark.evalkit(suite="qa", candidate="cand")
        def test_cand_scores(evalkit):
            evalkit.expect("exact_match", min_mean=0.9)

        @pytest.mark.evalkit("qa")
        def test_gates(evalkit):
            evalkit.assert_gates()

        @pytest.mark.evalkit(suite="qa", candidate="base")
        def test_base_scores(evalkit):
            s = evalkit.expect("exact_match", min_pass_rate=1.0)
            assert s.n == 6

        def test_python_candidate(evalkit):
            suite = evalkit.project.suite("qa")
            eval_set = evalkit_api.load_eval_set(suite.dataset_path)
            cand = evalkit.project.candidate("cand")
            scorer = evalkit_api.ScorerSpec("exact_match").build()
            run = evalkit.run(eval_set, cand, [scorer])
            evalkit.expect("exact_match", min_mean=0.5, result=run)
        """
    )
    result = run(pytester, "test_evals.py", "--junitxml=fx.xml")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*cand: exact_match 0.67 < 0.90 on 6 cases: q5 (0.00), q6 (0.00)",
            "*evalkit suite 'qa': gates failed",
            "*cand vs base: exact_match.pass_rate dropped 0.333*",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    assert "During handling" not in result.stdout.str()
    # the suite ran once for all three marked tests
    assert len(list((plugin_project / ".evalkit" / "runs").glob("pytest-*/qa-*"))) == 1
    tree = ET.parse(plugin_project / "fx.xml")
    props = {
        case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
        for case in tree.iter("testcase")
    }
    assert float(props["test_cand_scores"]["exact_match.mean"]) == pytest.approx(2 / 3)
    assert props["test_base_scores"]["exact_match.pass_rate"] == "1.0"


def test_fixture_reports_a_suite_that_cannot_run_without_traceback(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    (plugin_project / "replay" / "cand.jsonl").write_text('{"case_id": "q1", "output": \n')
    pytester.makepyfile(
        test_evals="""
        import pytest

        @pytest.mark.evalkit(suite="nope")
        def test_unknown_suite(evalkit):
            evalkit.expect("exact_match", min_mean=0.5)

        @pytest.mark.evalkit(suite="qa", candidate="cand")
        def test_broken_recording(evalkit):
            evalkit.expect("exact_match", min_mean=0.5)

        @pytest.mark.evalkit(suite="paid")
        def test_unknown_candidate(evalkit):
            evalkit.expect("exact_match", min_mean=0.0, candidate="nope")

        def test_no_suite_at_all(evalkit):
            evalkit.expect("exact_match", min_mean=0.5)
        """
    )
    result = run(pytester, "test_evals.py")
    result.assert_outcomes(failed=4)
    result.stdout.fnmatch_lines(
        [
            "*evalkit suite 'nope' could not run: *evalkit.toml: no suite 'nope'; suites: *",
            "*evalkit suite 'qa' could not run: *cand.jsonl:1: not valid JSON*",
            "*candidate 'nope' did not run in suite 'paid'; runs: [[]'live'[]]",
            "*evalkit fixture: no suite; mark the test @pytest.mark.evalkit('NAME')*",
        ]
    )
    out = result.stdout.str()
    assert "Traceback" not in out and EVALKIT_SOURCE not in out


def test_assert_gates_says_each_failing_rule_once(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    config = CONFIG.replace("min = 0.5\n", "min = 0.9\n", 1)  # cand's 0.667 now fails min too
    (plugin_project / "evalkit.toml").write_text(config, encoding="utf-8")
    pytester.makepyfile(
        test_evals="""
        import pytest

        @pytest.mark.evalkit("qa")
        def test_gates(evalkit):
            evalkit.assert_gates()
        """
    )
    result = run(pytester, "test_evals.py")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*evalkit suite 'qa': gates failed",
            "*cand vs base: exact_match.pass_rate 0.667 < min 0.9*",
            "*cand vs base: exact_match.pass_rate dropped 0.333*",
        ]
    )
    # the failure text itself (pytest repeats it in full in the short summary when CI is set)
    failure = out.split("short test summary info")[0]
    assert failure.count("< min 0.9") == 1, out


def test_assert_gates_against_a_selected_baseline_needs_allow_partial(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    stored_run(plugin_project, "sel", "base", "q[1-4]")
    pytester.makepyfile(
        test_evals="""
        import pytest

        @pytest.mark.evalkit("qa", baseline_run="sel")
        def test_gates(evalkit):
            evalkit.assert_gates()
        """
    )
    refused = run(pytester, "test_evals.py")
    refused.assert_outcomes(failed=1)
    refused.stdout.fnmatch_lines(
        [
            "*evalkit suite 'qa': gates not judged (partial): base vs base: compared 4 of 6 "
            "cases: the baseline run selected --case q[[]1-4[]]; cand vs base: compared 4 of 6 "
            "cases: *; pass --evalkit-allow-partial to gate the compared cases*"
        ]
    )
    allowed = run(pytester, "test_evals.py", "--evalkit-allow-partial", "-v", "--junitxml=x.xml")
    allowed.assert_outcomes(passed=1)
    allowed.stdout.fnmatch_lines(["*test_evals.py::test_gates PASSED (partial 4/6)*"])
    props = {
        p.get("name"): p.get("value") for p in ET.parse(plugin_project / "x.xml").iter("property")
    }
    assert props["evalkit.partial"] == "4/6"


REFUSED_PARTIAL = (
    "*evalkit suite 'paid': gates not judged (partial): live vs base: compared 4 of 6 "
    "cases: the baseline run selected --case q[[]1-4[]]; no provider was called; pass "
    "--evalkit-allow-partial to gate the compared cases*"
)
"""What a test that judges gates says when refused against the 4-of-6 baseline, before paying."""


def test_assert_gates_refuses_a_partial_comparison_before_any_provider_call(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """In a mode that calls providers, ``assert_gates()`` on a comparison it would refuse fails
    before the suite runs; ``expect`` (no gate) still runs it, and so does the option."""
    stored_run(plugin_project, "sel", "base", "q[1-4]", suite="paid")
    pytester.makepyfile(
        test_evals="""
        import pytest

        @pytest.mark.evalkit("paid", baseline_run="sel")
        def test_gates(evalkit):
            evalkit.assert_gates()
        """
    )
    record = ("test_evals.py", "--evalkit-mode", "record")
    refused = run(pytester, *record)
    refused.assert_outcomes(failed=1)
    refused.stdout.fnmatch_lines([REFUSED_PARTIAL])
    assert calls(plugin_project) == []
    allowed = run(pytester, *record, "--evalkit-allow-partial", "-v")
    allowed.assert_outcomes(passed=1)
    allowed.stdout.fnmatch_lines(["*test_evals.py::test_gates PASSED (partial 4/6)*"])
    assert sorted(calls(plugin_project)) == [f"q{i}" for i in range(1, 7)]


EXPECT_THEN_GATES = """
import pytest

@pytest.mark.evalkit("paid", baseline_run="sel")
def test_scores_then_gates(evalkit):
    evalkit.expect("exact_match", min_mean=0.9)
    evalkit.assert_gates()
"""


def test_expect_then_assert_gates_refuses_a_partial_comparison_before_any_provider_call(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """A test that will judge gates is refused at its first ``expect`` (which would run the
    suite and pay) with the message ``assert_gates()`` fails with, not after paying."""
    stored_run(plugin_project, "sel", "base", "q[1-4]", suite="paid")
    pytester.makepyfile(test_evals=EXPECT_THEN_GATES)
    record = ("test_evals.py", "--evalkit-mode", "record")
    refused = run(pytester, *record)
    refused.assert_outcomes(failed=1)
    refused.stdout.fnmatch_lines([REFUSED_PARTIAL])
    assert calls(plugin_project) == []
    assert not list(plugin_project.glob(".evalkit/runs/*/paid-*"))
    allowed = run(pytester, *record, "--evalkit-allow-partial", "-v")
    allowed.assert_outcomes(passed=1)
    allowed.stdout.fnmatch_lines(["*test_scores_then_gates PASSED (partial 4/6)*"])
    assert sorted(calls(plugin_project)) == [f"q{i}" for i in range(1, 7)]


def test_expect_alone_still_runs_against_a_partial_baseline(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """Scores do not need the baseline: a test that judges no gate is not refused."""
    stored_run(plugin_project, "sel", "base", "q[1-4]", suite="paid")
    pytester.makepyfile(
        test_evals="""
        import pytest

        @pytest.mark.evalkit("paid", baseline_run="sel")
        def test_scores(evalkit):
            assert evalkit.expect("exact_match", min_mean=0.9).n == 6
        """
    )
    result = run(pytester, "test_evals.py", "--evalkit-mode", "record")
    result.assert_outcomes(passed=1)
    assert sorted(calls(plugin_project)) == [f"q{i}" for i in range(1, 7)]
    assert "not run in --evalkit-mode" not in result.stdout.str()  # the summary says it ran


def test_calls_assert_gates_reads_the_test_code() -> None:
    from evalkit.pytest_fixture import calls_assert_gates

    def direct(evalkit: Any) -> None:
        evalkit.expect("x")
        evalkit.assert_gates()

    def nested(evalkit: Any) -> None:
        def inner() -> None:
            evalkit.assert_gates()

        inner()

    def scores_only(evalkit: Any) -> None:
        evalkit.expect("assert_gates")  # the word as a string is not a call

    assert calls_assert_gates(direct) and calls_assert_gates(nested)
    assert not calls_assert_gates(scores_only)
    assert not calls_assert_gates(None)


def test_expect_then_assert_gates_refuses_another_eval_set_version_before_any_provider_call(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    stored_run(plugin_project, "sel", "base", suite="paid")
    with (plugin_project / "qa.jsonl").open("a") as fh:  # the eval set grew since the baseline ran
        fh.write('{"id": "q7", "input": "question 7", "expected": "answer 7"}\n')
    pytester.makepyfile(test_evals=EXPECT_THEN_GATES)
    # scores alone too: the run would fail comparing after paying, so it is not started
    pytester.makepyfile(
        test_scores="""
        import pytest

        @pytest.mark.evalkit("paid", baseline_run="sel")
        def test_scores(evalkit):
            evalkit.expect("exact_match", min_mean=0.9)
        """
    )
    refused = run(pytester, "test_evals.py", "test_scores.py", "--evalkit-mode", "record")
    refused.assert_outcomes(failed=2)
    refused.stdout.fnmatch_lines(
        ["*evalkit suite 'paid' could not run: --evalkit-baseline sel ran qa version *"] * 2
    )
    assert calls(plugin_project) == []


def test_a_suite_run_earlier_in_the_session_is_not_said_to_be_unpaid(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """Once an ``expect``-only test ran (and paid for) the suite, a later test that judges its
    gates fails on the result as it is, not with "no provider was called"."""
    stored_run(plugin_project, "sel", "base", "q[1-4]", suite="paid")
    pytester.makepyfile(
        test_evals="""
        import pytest

        @pytest.mark.evalkit("paid", baseline_run="sel")
        def test_a_scores(evalkit):
            evalkit.expect("exact_match", min_mean=0.9)

        @pytest.mark.evalkit("paid", baseline_run="sel")
        def test_b_gates(evalkit):
            evalkit.expect("exact_match", min_mean=0.9)
            evalkit.assert_gates()
        """
    )
    result = run(pytester, "test_evals.py", "--evalkit-mode", "record")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*evalkit suite 'paid': gates not judged (partial): live vs base: compared 4 of 6 *"]
    )
    out = result.stdout.str()
    assert "no provider was called" not in out and "no provider called" not in out
    assert sorted(calls(plugin_project)) == [f"q{i}" for i in range(1, 7)]
