"""Case items and scorer errors (evalkit/pytest_case_items.py), through ``pytester`` (project:
tests/helpers/pytest_project.py): a case the verdict's ``new_scorer_errors`` rule blames fails,
naming the scorer and its error, with or without a baseline, unless the suite gates
``<scorer>.unscored_rate`` itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.pytest_project import READS_CONFTEST, add_case, run

# The candidate's replay says "no idea" on q5 and q6; base answers every case.
STRICT = """
def strict(ctx):
    text = ctx.response.text
    if not text.startswith("answer"):
        raise ValueError("cannot read " + repr(text))
    return True


def always(ctx):
    return True
"""


def _suite(
    root: Path, scorers: str, *, candidates: str = '"base", "cand"', gates: str = ""
) -> None:
    """Add suite ``js`` (scorers from scorers/strict.py) to the project's config."""
    (root / "scorers").mkdir(exist_ok=True)
    (root / "scorers" / "strict.py").write_text(STRICT)
    baseline = 'baseline = "base"\n' if "base" in candidates else ""
    with (root / "evalkit.toml").open("a") as f:
        f.write(
            f'\n[suites.js]\ndataset = "qa.jsonl"\ncandidates = [{candidates}]\n{baseline}'
            f"scorers = [{scorers}]\n{gates}"
        )


ONLY_STRICT = '"scorers/strict.py:strict"'
BOTH = '"scorers/strict.py:strict", "scorers/strict.py:always"'
ACCEPT = '\n[[suites.js.gates]]\nmetric = "strict.unscored_rate"\nmax = 0.5\n'


@pytest.mark.parametrize("scorers", [ONLY_STRICT, BOTH], ids=["alone", "beside-a-passing-one"])
def test_a_case_with_a_new_scorer_error_fails_naming_the_scorer_and_its_error(
    pytester: pytest.Pytester, plugin_project: Path, scorers: str
) -> None:
    # QA11 finding 2: the runs item failed on `new_scorer_errors` for q5 and q6, but their case
    # items PASSED (an unscored case fell through every branch; a passing scorer beside the
    # erroring one made it "unchanged pass").
    _suite(plugin_project, scorers)
    result = run(pytester, "--evalkit-suite", "js", "--evalkit-cases", "-k", "q1 or q5", "-rA")
    result.assert_outcomes(passed=1, failed=1, deselected=5)
    result.stdout.fnmatch_lines(
        [
            "*q5 not checked on cand: strict has a scorer error where base got a score from it:",
            "  strict: raised ValueError: cannot read 'no idea' (at scorers/strict.py:*",
            "*answer: 'no idea'",
            "*strict.unscored_rate*",
            "PASSED evalkit.toml::js::q1[[]cand[]]*",
            "FAILED evalkit.toml::js::q5[[]cand[]]*",
        ]
    )


def test_a_scorer_error_without_a_baseline_fails_the_case_as_not_checked(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    _suite(plugin_project, ONLY_STRICT, candidates='"cand"')
    result = run(pytester, "--evalkit-suite", "js", "--evalkit-cases", "-k", "q1 or q6", "-rA")
    result.assert_outcomes(passed=1, failed=1, deselected=5)
    result.stdout.fnmatch_lines(
        [
            "*q6 not checked on cand: strict has a scorer error:",
            "  strict: raised ValueError: cannot read 'no idea' (at scorers/strict.py:*",
            "FAILED evalkit.toml::js::q6[[]cand[]]*",
        ]
    )


@pytest.mark.parametrize("candidates", ['"base", "cand"', '"cand"'], ids=["compared", "alone"])
def test_a_suite_that_gates_unscored_rate_accepts_the_scorer_error(
    pytester: pytest.Pytester, plugin_project: Path, candidates: str
) -> None:
    # the opt-out of `new_scorer_errors`: q5 is then unchecked, not failed (skipped, saying
    # why); beside a scorer that checked it, it passes on that scorer
    _suite(plugin_project, ONLY_STRICT, candidates=candidates, gates=ACCEPT)
    result = run(pytester, "--evalkit-suite", "js", "--evalkit-cases", "-k", "q5", "-rA")
    result.assert_outcomes(skipped=1, deselected=7)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED*q5 not checked on cand: strict has a scorer error (accepted: the suite "
            "gates strict.unscored_rate): *ValueError: cannot read 'no idea'*"
        ]
    )


def test_an_accepted_scorer_error_beside_a_passing_scorer_passes(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    _suite(plugin_project, BOTH, gates=ACCEPT)
    result = run(pytester, "--evalkit-suite", "js", "--evalkit-cases", "-k", "q5", "-rA")
    result.assert_outcomes(passed=1, deselected=7)


def test_a_tagged_unscored_rate_gate_opts_nothing_out(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    tagged = ACCEPT + 'tag = "hard"\n'
    _suite(plugin_project, ONLY_STRICT, gates=tagged)
    result = run(pytester, "--evalkit-suite", "js", "--evalkit-cases", "-k", "q5", "-rA")
    result.assert_outcomes(failed=1, deselected=7)


def test_a_scorer_error_the_baseline_had_too_is_skipped_as_not_checked(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    # not new, so the verdict does not fail on it; PASSED would say it was checked
    add_case(plugin_project, "q7", "odd")
    _suite(plugin_project, ONLY_STRICT)
    result = run(pytester, "--evalkit-suite", "js", "--evalkit-cases", "-k", "q7", "-rA")
    result.assert_outcomes(skipped=1, deselected=7)
    result.stdout.fnmatch_lines(
        ["SKIPPED*q7 not checked on cand: strict has a scorer error (not new: the baseline*"]
    )


@pytest.mark.parametrize("candidates", ['"base", "cand"', '"cand"'], ids=["compared", "alone"])
def test_case_items_read_the_run_once_however_many_they_are(
    pytester: pytest.Pytester, plugin_project: Path, candidates: str
) -> None:
    # Each case item used to scan the whole run for its records (several times), so
    # --evalkit-cases was quadratic in the eval set; the run is now indexed once per session.
    # Counted, not timed: how often the candidate's records are iterated after the run.
    _suite(plugin_project, BOTH, candidates=candidates)
    (plugin_project / "conftest.py").write_text(READS_CONFTEST)
    reads = []
    for selected in ("q1", "q1 or q2 or q3 or q4 or q5 or q6"):
        result = run(pytester, "--evalkit-suite", "js", "--evalkit-cases", "-k", selected)
        assert result.ret in (0, 1)  # q5 and q6 fail by design
        reads.append(json.loads((plugin_project / "reads.json").read_text())["js.cand"])
    assert reads[0] == reads[1] == 1, reads
