"""Suites as pytest items (evalkit/pytest_items.py, pytest_suite_items.py), through ``pytester``
(project: tests/helpers/pytest_project.py): ids, ``-k``/``-x``, JUnit XML, how each item fails,
and the config's collection errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers.pytest_project import CONFIG, EVALKIT_SOURCE, add_case, run, stored_run

# --------------------------------------------------------------- suites as items


def test_gates_collected_and_judged_with_readable_failures(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    collected = run(pytester, "--evalkit-suite", "qa", "--collect-only", "-q")
    collected.stdout.fnmatch_lines(
        [
            "evalkit.toml::qa::exact_match.pass_rate:min[[]cand[]]",
            "evalkit.toml::qa::exact_match.pass_rate:max_drop[[]cand[]]",
            "evalkit.toml::qa::runs",
        ]
    )
    result = run(pytester, "--evalkit-suite", "qa", "-rA")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*evalkit gate qa: cand vs base: exact_match.pass_rate FAILED",
            "*max_drop: exact_match.pass_rate dropped 0.333 (1 → 0.667*) > allowed drop 0*",
            "FAILED evalkit.toml::qa::exact_match.pass_rate:max_drop[[]cand[]]*",
        ]
    )
    assert "Traceback" not in out and EVALKIT_SOURCE not in out
    assert len(list((plugin_project / ".evalkit" / "runs").glob("pytest-*/qa-*"))) == 1  # once


def test_case_items_name_the_case_and_k_selects(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    result = run(pytester, "--evalkit-suite", "qa", "--evalkit-cases", "-k", "q1 or q5", "-rA")
    result.assert_outcomes(passed=1, failed=1, deselected=7)
    result.stdout.fnmatch_lines(
        [
            "*q5 regressed on cand (exact_match passed on base and fails now):",
            "*exact_match 0.00 (baseline 1.00)*",
            "*answer: '*",  # what the candidate said, in the CI log (QA9)
            "FAILED evalkit.toml::qa::q5[[]cand[]]*",
        ]
    )


ODD = """
def odd(ctx):
    return ctx.case.id not in ("q1", "q5")  # fails q1 and q5 on both sides
"""


def test_a_new_failure_beside_a_scorer_failing_on_both_sides_fails_not_xfails(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    # QA10 finding 5: q5 fails `odd` on both sides and newly fails exact_match; it was XFAIL
    # "fails on base too" and the new failure went unnoticed in CI.
    (plugin_project / "scorers").mkdir()
    (plugin_project / "scorers" / "odd.py").write_text(ODD)
    config = plugin_project / "evalkit.toml"
    text = config.read_text()
    config.write_text(
        text.replace(
            'scorers = ["exact_match"]', 'scorers = ["exact_match", "scorers/odd.py:odd"]', 1
        )
    )
    result = run(pytester, "--evalkit-suite", "qa", "--evalkit-cases", "-k", "q1 or q5", "-rA")
    result.assert_outcomes(failed=1, xfailed=1, deselected=7)
    result.stdout.fnmatch_lines(
        [
            "*q5 regressed on cand (exact_match passed on base and fails now; odd fails on both):",
            "*exact_match 0.00 (baseline 1.00)*",
            "*odd 0.00 (baseline 0.00)*",
            "FAILED evalkit.toml::qa::q5[[]cand[]]*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["XFAIL evalkit.toml::qa::q1[[]cand[]]* - *fails on base too (odd fails on both sides): *"]
    )


def test_a_case_no_scorer_applies_to_is_skipped_not_passed(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    # q7 has no `expected`: with skip_missing, exact_match leaves it unscored (QA9 nit: it
    # showed PASSED, as if it had been checked).
    add_case(plugin_project, "q7", "anything")
    config = plugin_project / "evalkit.toml"
    text = config.read_text()
    config.write_text(
        text.replace(
            'scorers = ["exact_match"]',
            'scorers = [{ name = "exact_match", skip_missing = true }]',
            1,
        )
    )
    result = run(pytester, "--evalkit-suite", "qa", "--evalkit-cases", "-k", "q7 or q1", "-rs")
    result.assert_outcomes(passed=1, skipped=1, deselected=8)
    result.stdout.fnmatch_lines(
        ["*q7: no scorer applies to this case on cand*nothing was checked*"]
    )


def test_x_stops_at_the_first_failing_item(pytester: pytest.Pytester, plugin_project: Path) -> None:
    result = run(pytester, "--evalkit-suite", "qa", "--evalkit-cases", "-x")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1
    assert outcomes["passed"] + outcomes["failed"] < 9  # 2 gates + runs + 6 cases


def test_junitxml_carries_scores_as_properties(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    run(pytester, "--evalkit-suite", "qa", "--evalkit-cases", "--junitxml=out.xml")
    tree = ET.parse(plugin_project / "out.xml")
    props = {
        case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
        for case in tree.iter("testcase")
    }
    gate = props["exact_match.pass_rate:max_drop[cand]"]
    assert gate["metric"] == "exact_match.pass_rate"
    assert gate["max_drop.status"] == "fail"
    assert float(gate["baseline"]) == 1.0 and float(gate["candidate"]) == pytest.approx(2 / 3)
    assert float(props["q5[cand]"]["score.exact_match"]) == 0.0
    assert float(props["q1[cand]"]["score.exact_match"]) == 1.0


# ---------------------------------------------------------------------- failures


def test_a_failing_gate_names_the_cases_behind_its_number(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    result = run(pytester, "--evalkit", "-k", "not runs")
    result.assert_outcomes(passed=1, failed=2, deselected=2)
    result.stdout.fnmatch_lines(
        [
            "*evalkit gate qa: cand vs base: exact_match.pass_rate FAILED",
            "*max_drop: *",
            "*regressed on cand (passed on base): q5, q6; --evalkit-cases shows why*",
            "*evalkit gate paid: live: exact_match.pass_rate FAILED",
            "*min: *",
            "*no answer on live for 6 of 6 cases (cache_miss): q1, q2, q3, q4, q5, q6; see paid::runs",
        ]
    )


def test_items_of_a_suite_that_cannot_run_say_so(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    (plugin_project / "replay" / "cand.jsonl").unlink()
    result = run(pytester, "--evalkit-suite", "qa", "--junitxml=out.xml")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        ["*evalkit suite 'qa' could not run: *cand.jsonl: cannot read the replay file*"]
    )
    assert "Traceback" not in result.stdout.str()
    messages = [f.get("message") for f in ET.parse(plugin_project / "out.xml").iter("failure")]
    assert len(messages) == 3
    assert all(m.startswith("evalkit suite 'qa' could not run: ") for m in messages), messages


def test_runs_item_says_how_to_fill_each_kind_of_missing_answer(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    rows = (plugin_project / "replay" / "cand.jsonl").read_text().splitlines()
    (plugin_project / "replay" / "cand.jsonl").write_text("\n".join(rows[1:]) + "\n")  # q1 gone
    result = run(pytester, "--evalkit", "-k", "runs")
    result.assert_outcomes(failed=2, deselected=3)
    result.stdout.fnmatch_lines(
        [
            "*cand: 1 answers not recorded: q1",
            "*add their lines to its replay file (replay/cand.jsonl)*",
            "*live: 6 answers not recorded: q1, q2, q3, q4, q5, q6",
            "*record them with --evalkit-mode record (needs the provider's key)",
        ]
    )
    replay_part = result.stdout.str().split("cand: 1 answers")[1].split("live:")[0]
    assert "--evalkit-mode record" not in replay_part  # it cannot help a replay candidate


def test_a_skipped_gate_is_located_at_its_table_in_the_config(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    config = CONFIG + '\n[[suites.paid.gates]]\nmetric = "exact_match.mean"\nmax_drop = 0.1\n'
    (plugin_project / "evalkit.toml").write_text(config, encoding="utf-8")
    result = run(pytester, "--evalkit-suite", "paid", "-rs", "--junitxml=out.xml")
    result.assert_outcomes(failed=2, skipped=1)
    last = len(config.splitlines()) - 2  # the second gate of paid
    result.stdout.fnmatch_lines(
        [f"SKIPPED [[]1[]] evalkit.toml:{last}: exact_match.mean: needs a*"]
    )
    assert EVALKIT_SOURCE not in result.stdout.str()
    skipped = next(ET.parse(plugin_project / "out.xml").iter("skipped"))
    assert (skipped.text or "").endswith(
        f"evalkit.toml:{last}: exact_match.mean: needs a baseline run to compare live with"
    )


# ------------------------------------------------- a stored baseline of some cases

QA = ["--evalkit-suite", "qa", "--evalkit-candidate", "cand"]
NOT_JUDGED = (
    "*evalkit gate qa: cand vs base: exact_match.pass_rate not judged (partial 4/6): compared "
    "4 of 6 cases: the baseline run selected --case q[[]1-4[]]; the gate would judge those "
    "cases only; pass --evalkit-allow-partial to gate the compared cases, or compare with a "
    "baseline run of the whole eval set"
)


def test_a_selected_stored_baseline_fails_the_gates_unless_partial_is_allowed(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """As ``evalkit check`` refuses a selected ``--baseline-run``: the candidate gets q1-q4
    right, so without the refusal both gates would pass having judged 4 of 6 cases."""
    stored_run(plugin_project, "sel", "base", "q[1-4]")
    refused = run(pytester, *QA, "--evalkit-baseline", "sel", "--junitxml=out.xml")
    refused.assert_outcomes(passed=1, failed=2)  # runs passes: every answer is there
    refused.stdout.fnmatch_lines([NOT_JUDGED, NOT_JUDGED])
    messages = [
        f.get("message") or "" for f in ET.parse(plugin_project / "out.xml").iter("failure")
    ]
    assert len(messages) == 2 and all("not judged (partial 4/6)" in m for m in messages)

    allowed = run(pytester, *QA, "--evalkit-baseline", "sel", "--evalkit-allow-partial", "-v")
    allowed.assert_outcomes(passed=3)
    allowed.stdout.fnmatch_lines(
        [
            "*qa::exact_match.pass_rate:min[[]cand[]] PASSED (partial 4/6)*",
            "*qa::exact_match.pass_rate:max_drop[[]cand[]] PASSED (partial 4/6)*",
            "*qa::runs PASSED *",
        ]
    )
    assert "not judged" not in allowed.stdout.str()


def test_a_gate_allowed_to_judge_part_of_the_eval_set_fails_saying_it_is_partial(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    stored_run(plugin_project, "sel", "base", "q[3-6]")  # q5 and q6 are among the compared cases
    result = run(
        pytester, *QA, "--evalkit-baseline", "sel", "--evalkit-allow-partial", "-v",
        "--junitxml=out.xml",
    )  # fmt: skip
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*qa::exact_match.pass_rate:min[[]cand[]] PASSED (partial 4/6)*",
            "*evalkit gate qa: cand vs base: exact_match.pass_rate FAILED",
            "*partial 4/6: compared 4 of 6 cases: the baseline run selected --case q[[]3-6[]]; "
            "judged on those cases only",
            "*max_drop: exact_match.pass_rate dropped 0.5 (1 → 0.5*",
        ]
    )
    props = {
        case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
        for case in ET.parse(plugin_project / "out.xml").iter("testcase")
    }
    for gate in ("min", "max_drop"):
        got = props[f"exact_match.pass_rate:{gate}[cand]"]
        assert got["partial"] == "4/6", got
        assert got["coverage"] == "compared 4 of 6 cases: the baseline run selected --case q[3-6]"
    assert "partial" not in props["runs"]


def test_a_whole_stored_baseline_is_judged_as_before(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    stored_run(plugin_project, "full", "base")
    for extra in ((), ("--evalkit-allow-partial",)):
        result = run(pytester, *QA, "--evalkit-baseline", "full", "-v", *extra)
        result.assert_outcomes(passed=2, failed=1)  # max_drop catches q5, q6
        result.stdout.fnmatch_lines(["*qa::exact_match.pass_rate:min[[]cand[]] PASSED *"])
        assert "partial " not in result.stdout.str() and "not judged" not in result.stdout.str()


# ------------------------------------------------------------- collection errors


def test_bad_config_is_a_collection_error_without_traceback(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    (plugin_project / "evalkit.toml").write_text(CONFIG + "\nx = = 1\n", encoding="utf-8")
    result = run(pytester, "--evalkit")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ERROR collecting evalkit.toml*", "*evalkit.toml: invalid TOML*"])
    out = result.stdout.str()
    assert "Traceback" not in out and "tomllib" not in out and EVALKIT_SOURCE not in out


def test_a_config_without_suites_is_an_error_not_an_empty_session(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    no_suites = CONFIG.split("[suites.qa]")[0]
    (plugin_project / "evalkit.toml").write_text(no_suites, encoding="utf-8")
    result = run(pytester, "--evalkit")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # not NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(["*evalkit.toml: no suite to run; *[[]suites.NAME[]]*"])
    assert "Traceback" not in result.stdout.str()


def test_an_unknown_scorer_is_the_suites_collection_error(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    bad = CONFIG.replace(
        'scorers = ["exact_match"]\n\n[[suites.qa', 'scorers = ["exact_mach"]\n\n[[suites.qa'
    )
    assert bad != CONFIG
    (plugin_project / "evalkit.toml").write_text(bad, encoding="utf-8")
    result = run(pytester, "--evalkit")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*evalkit.toml: [[]suites.qa[]] scorers[[]0[]]: unknown scorer 'exact_mach'; "
            'did you mean "exact_match"?*',
            "ERROR evalkit.toml::qa",
        ]
    )
    out = result.stdout.str()
    assert "Traceback" not in out and "FAILED" not in out
    # the other suite still runs when asked to go on
    more = run(pytester, "--evalkit", "--continue-on-collection-errors")
    more.assert_outcomes(failed=2, errors=1)


def test_a_foreign_exception_while_a_suite_is_collected_is_its_collection_error(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    # QA11 finding 3: under -W error, the registry's RuntimeWarning about an installed entry
    # point named like a built-in scorer is raised while the config is collected; pytest then
    # crashed with INTERNALERROR (the collector's repr_failure passed `style` on to
    # pytest.Collector.repr_failure) and never showed the warning. A subprocess: the registry
    # reads entry points once per process.
    dist = plugin_project / "qa_scorers-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: qa-scorers\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[evalkit.scorers]\nexact_match = qa_ep:Fake\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-W", "error", "--evalkit-suite", "qa"
    )
    out = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in out
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting evalkit.toml*",
            "*RuntimeWarning: scorer 'exact_match': entry point 'exact_match = qa_ep:Fake' of "
            "package 'qa-scorers'*is ignored*",
            "*ERROR evalkit.toml - RuntimeWarning: scorer 'exact_match': entry point*",
        ]
    )
