"""The pytest plugin's hooks, through pytest's own ``pytester`` (project: tests/helpers/
pytest_project.py): inert unless used, options, the config in use, the terminal summary and
the report, pytest-xdist. Most runs are in-process; xdist needs subprocesses (one run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.pytest_project import (
    CONFIG,
    EVALKIT_SOURCE,
    calls,
    run,
    stored_run,
)

# ------------------------------------------------------------------------- inert


def test_inert_without_options(pytester: pytest.Pytester, plugin_project: Path) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1)
    assert "evalkit.toml::" not in result.stdout.str()
    assert "= evalkit =" not in result.stdout.str()
    assert not (plugin_project / ".evalkit").exists()
    markers = run(pytester, "--markers")
    markers.stdout.fnmatch_lines(["*@pytest.mark.evalkit(suite, candidate=None*"])


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys, evalkit.pytest_plugin; heavy = [m for m in ('pandas', 'numpy', 'sklearn', "
        "'openai', 'anthropic', 'jinja2', 'evalkit.engine', 'evalkit.config') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ------------------------------------------------- options and the config in use


def test_stored_baseline_and_report(pytester: pytest.Pytester, plugin_project: Path) -> None:
    from evalkit import RunOptions, load_config, run_suite

    stored = plugin_project / "stored"
    run_suite(
        load_config(plugin_project / "evalkit.toml"), "qa", ["cand"], RunOptions(out_dir=stored)
    )
    result = run(
        pytester,
        "--evalkit-suite",
        "qa",
        "--evalkit-candidate",
        "cand",
        "--evalkit-baseline",
        str(stored),
        "--evalkit-report",
        "out/report.html",
        "-v",
    )
    # compared with its own stored run: no drop, both gates pass
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*report: *out/report.html"])
    html = (plugin_project / "out" / "report.html").read_text(encoding="utf-8")
    assert "<html" in html and "cand" in html
    bad = run(pytester, "--evalkit", "--evalkit-baseline", str(plugin_project / "nope"))
    assert bad.ret == pytest.ExitCode.USAGE_ERROR


def test_no_config_found_names_the_pytest_option(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--evalkit")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no evalkit.toml*pass --evalkit-config PATH"])


def test_a_missing_evalkit_config_names_the_pytest_option(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    result = run(pytester, "--evalkit", "--evalkit-config", "nope.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--evalkit-config nope.toml: no such file; pass the path*"])
    assert "--config" not in result.stderr.str().replace("--evalkit-config", "")


def test_a_baseline_folder_with_no_run_for_the_selected_suites_is_a_usage_error(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """Else every suite would run its baseline candidate instead, paying for it in record
    mode, and the promotion gates would judge against that."""
    (plugin_project / "empty").mkdir()
    empty = run(pytester, "--evalkit", "--evalkit-baseline", "empty", "--evalkit-mode", "record")
    assert empty.ret == pytest.ExitCode.USAGE_ERROR
    empty.stderr.fnmatch_lines(
        ["*--evalkit-baseline empty: holds no baseline run for the suites selected (qa, paid)*"]
    )
    stored_run(plugin_project, "of_qa", "base")
    other = run(pytester, "--evalkit-suite", "paid", "--evalkit-baseline", "of_qa")
    assert other.ret == pytest.ExitCode.USAGE_ERROR
    other.stderr.fnmatch_lines(
        ["*--evalkit-baseline of_qa: a run of suite 'qa', which is not selected (suites: paid)*"]
    )
    assert calls(plugin_project) == [] and not (plugin_project / ".evalkit").exists()
    (plugin_project / "per_suite").mkdir()
    (plugin_project / "of_qa").rename(plugin_project / "per_suite" / "qa")
    fits = run(pytester, "--evalkit-suite", "qa", "--evalkit-baseline", "per_suite")
    fits.assert_outcomes(passed=4, failed=1)  # base and cand, each against the stored base


def test_a_config_above_the_rootdir_gets_a_relative_node_id(
    pytester: pytest.Pytester, plugin_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = plugin_project / "tests"
    sub.mkdir()
    (sub / "test_plain.py").write_text("def test_one():\n    pass\n")
    monkeypatch.chdir(sub)
    result = run(pytester, "--evalkit-suite", "qa", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["../evalkit.toml::qa::exact_match.pass_rate:min[[]cand[]]"])
    assert "\n::evalkit.toml" not in "\n" + result.stdout.str()
    picked = run(pytester, "../evalkit.toml::qa::runs", "-q")  # the id selects the item
    picked.assert_outcomes(passed=1)


# ----------------------------------------------------------- --evalkit-candidate


def test_a_suite_that_does_not_list_the_candidate_is_skipped_saying_why(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    pytester.makepyfile(
        test_evals="""
        import pytest

        @pytest.mark.evalkit("paid")
        def test_paid(evalkit):
            evalkit.expect("exact_match", min_mean=0.0)
        """
    )
    result = run(pytester, "--evalkit", "--evalkit-candidate", "cand", "-rs", "test_evals.py")
    # qa runs cand (against its baseline); paid lists only live: one skip, nothing of live ran
    result.assert_outcomes(passed=2, failed=1, skipped=2)
    assert not list(plugin_project.glob(".evalkit/runs/*/paid-*")) and calls(plugin_project) == []
    paid_at = CONFIG.splitlines().index("[suites.paid]") + 1
    result.stdout.fnmatch_lines_random(
        [
            f"SKIPPED [[]1[]] evalkit.toml:{paid_at}: evalkit suite 'paid' does not list "
            "--evalkit-candidate cand; its candidates: live",
            "SKIPPED [[]1[]] test_evals.py:*: evalkit suite 'paid' does not list "
            "--evalkit-candidate cand; its candidates: live",
        ]
    )
    assert EVALKIT_SOURCE not in result.stdout.str()
    collected = run(pytester, "--evalkit", "--evalkit-candidate", "cand", "--collect-only", "-q")
    assert "[live]" not in collected.stdout.str() and "paid::" not in collected.stdout.str()


def test_a_candidate_no_selected_suite_lists_is_a_usage_error(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    typo = run(pytester, "--evalkit", "--evalkit-candidate", "cand", "--evalkit-candidate", "cnad")
    assert typo.ret == pytest.ExitCode.USAGE_ERROR
    typo.stderr.fnmatch_lines(
        [
            "*--evalkit-candidate cnad: no selected suite lists it; pass one of base, cand, "
            'live (did you mean "cand"?)*'
        ]
    )
    assert "Traceback" not in typo.stderr.str() and not (plugin_project / ".evalkit").exists()
    # a candidate of the config, but not of the one suite asked for: nothing would run
    other = run(pytester, "--evalkit-suite", "paid", "--evalkit-candidate", "cand")
    assert other.ret == pytest.ExitCode.USAGE_ERROR
    other.stderr.fnmatch_lines(
        ["*--evalkit-candidate cand: no selected suite lists it; pass one of live*"]
    )
    explicit = run(pytester, "evalkit.toml", "--evalkit-candidate", "cnad")
    assert explicit.ret == pytest.ExitCode.USAGE_ERROR


# --------------------------------------------------- terminal summary and report


def test_report_says_which_suites_it_lacks_and_gates_point_to_it(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    alone = run(pytester, "--evalkit-suite", "paid", "--evalkit-report", "alone.html")
    alone.stdout.fnmatch_lines(
        [
            "*suite 'paid': not in the report, nothing to compare (it ran only live)*",
            "report: not written to alone.html: no suite compared two runs this session",
        ]
    )
    assert not (plugin_project / "alone.html").exists()
    both = run(pytester, "--evalkit", "--evalkit-report", "both.html")
    both.stdout.fnmatch_lines(
        [
            "*evalkit gate qa: cand vs base: exact_match.pass_rate FAILED",
            "*max_drop: *",
            "*report: both.html (when done)",
            "*suite 'paid': not in the report*",
            "report: *both.html",
        ]
    )
    assert (plugin_project / "both.html").is_file()


def test_summary_and_report_say_a_comparison_is_partial(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    stored_run(plugin_project, "sel", "base", "q[1-4]")
    qa = ["--evalkit-suite", "qa", "--evalkit-candidate", "cand", "--evalkit-baseline", "sel"]
    refused = run(pytester, *qa, "--evalkit-report", "no.html")
    refused.stdout.fnmatch_lines(
        [
            "*= evalkit =*",
            "suite 'qa': cand vs base: partial 4/6 (compared 4 of 6 cases: the baseline run "
            "selected --case q[[]1-4[]]); its gate items fail; pass --evalkit-allow-partial "
            "to gate the compared cases, or compare with a baseline run of the whole eval set",
        ]
    )
    allowed = run(pytester, *qa, "--evalkit-allow-partial", "--evalkit-report", "r.html", "-rA")
    allowed.stdout.fnmatch_lines(
        [
            "*= evalkit =*",
            "suite 'qa': cand vs base: partial 4/6 (compared 4 of 6 cases: the baseline run "
            "selected --case q[[]1-4[]]); its gates judged those cases only "
            "(--evalkit-allow-partial)",
            "report: *r.html",
            "PASSED (partial 4/6) evalkit.toml::qa::exact_match.pass_rate:min[[]cand[]]",
        ]
    )
    for name in ("no.html", "r.html"):  # the report says it too, whether gated or not
        assert "partial 4/6" in (plugin_project / name).read_text(encoding="utf-8")
    stored_run(plugin_project, "full", "base")
    whole = run(pytester, *qa[:-1], "full", "--evalkit-report", "w.html")
    assert "partial 4/6" not in whole.stdout.str()  # (the rootdir is named after the test)
    assert "partial 4/6" not in (plugin_project / "w.html").read_text(encoding="utf-8")


def test_no_evalkit_summary_when_nothing_was_evaluated(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    (plugin_project / "evalkit.toml").write_text(CONFIG + "\nx = = 1\n", encoding="utf-8")
    broken = run(pytester, "--evalkit")
    assert broken.ret == pytest.ExitCode.INTERRUPTED
    assert "= evalkit =" not in broken.stdout.str() and "provider spend" not in broken.stdout.str()
    asked = run(pytester, "--evalkit", "--evalkit-report", "r.html")
    out = asked.stdout.str()
    assert "provider spend" not in out and "no suite compared" not in out
    asked.stdout.fnmatch_lines(
        ["*= evalkit =*", "report: not written to r.html: nothing was evaluated this session"]
    )
    (plugin_project / "evalkit.toml").write_text(CONFIG, encoding="utf-8")
    listed = run(pytester, "--evalkit", "--collect-only", "-q")
    assert "= evalkit =" not in listed.stdout.str()


# ------------------------------------------------------------------------- xdist


def test_xdist_workers_share_answers_and_the_report(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--evalkit-suite",
        "paid",
        "--evalkit-suite",
        "qa",
        "--evalkit-cases",
        "--evalkit-mode",
        "record",
        "--evalkit-report",
        "r.html",
        timeout=120,
    )
    # paid: gate + runs + 6 cases; qa: 2 gates + runs + 6 cases (q5, q6 regress, max_drop fails)
    result.assert_outcomes(passed=14, failed=3)
    log = calls(plugin_project)
    assert sorted(log) == [f"q{i}" for i in range(1, 7)], log  # never twice, across workers
    ran_paid = {
        p.parent.name.rsplit("-", 1)[-1] for p in plugin_project.glob(".evalkit/runs/*/paid-*")
    }
    assert ran_paid == {"gw0", "gw1"}  # both workers ran the paying suite, sharing its answers
    html = (plugin_project / "r.html").read_text(encoding="utf-8")
    assert "cand" in html and "base" in html  # from whichever worker compared them


def test_xdist_without_a_config_says_so(pytester: pytest.Pytester) -> None:
    """The xdist controller collects nothing: the usage error is raised there, not lost in a
    worker (which ended the session "no tests ran", exit 5, saying nothing)."""
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--evalkit")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no evalkit.toml*pass --evalkit-config PATH"])


def test_xdist_workers_say_a_gate_is_partial(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """The partial status and note cross from the workers to the controller's output."""
    pytest.importorskip("xdist")
    stored_run(plugin_project, "sel", "base", "q[1-4]")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "-v", "--evalkit-suite", "qa",
        "--evalkit-candidate", "cand", "--evalkit-baseline", "sel", "--evalkit-allow-partial",
        timeout=120,
    )  # fmt: skip
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines_random(
        [
            "*PASSED (partial 4/6) evalkit.toml::qa::exact_match.pass_rate:min[[]cand[]]*",
            "*PASSED (partial 4/6) evalkit.toml::qa::exact_match.pass_rate:max_drop[[]cand[]]*",
            "suite 'qa': cand vs base: partial 4/6 (*); its gates judged those cases only*",
        ]
    )
