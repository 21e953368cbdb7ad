"""The pytest plugin, through pytest's own ``pytester``: a tmp project with an evalkit.toml, a
six-case eval set, replay files (baseline right on every case, candidate wrong on q5 and q6)
and a priced ``callable`` pipeline that logs every call to a file, so calls are counted across
processes. Most runs are in-process; xdist needs subprocesses (one run)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

# In-process runs restore sys.modules afterwards: a module first imported inside one would be
# dropped and imported again later (two Project classes; numpy refuses a second import).
# Import every evalkit module here, once, so all runs and later tests share them.
import evalkit

for _mod in pkgutil.walk_packages(evalkit.__path__, "evalkit."):
    if not _mod.name.endswith("__main__"):
        importlib.import_module(_mod.name)

pytest_plugins = ["pytester"]

CASES = [{"id": f"q{i}", "input": f"question {i}", "expected": f"answer {i}"} for i in range(1, 7)]

CONFIG = """
runs_dir = ".evalkit/runs"
cache_dir = ".evalkit/cache"

[prices]
"priced-model" = { input = 1000.0, output = 1000.0 }

[candidates.base]
provider = "replay"
model = "base-model"
options = { path = "replay/base.jsonl" }

[candidates.cand]
provider = "replay"
model = "cand-model"
options = { path = "replay/cand.jsonl" }

[candidates.live]
provider = "callable"
model = "priced-model"
concurrency = 1
options = { target = "pipeline.py:answer", cacheable = true }

[suites.qa]
dataset = "qa.jsonl"
candidates = ["base", "cand"]
baseline = "base"
scorers = ["exact_match"]

[[suites.qa.gates]]
metric = "exact_match.pass_rate"
min = 0.5

[[suites.qa.gates]]
metric = "exact_match.pass_rate"
max_drop = 0.0

[suites.paid]
dataset = "qa.jsonl"
candidates = ["live"]
scorers = ["exact_match"]

[[suites.paid.gates]]
metric = "exact_match.pass_rate"
min = 0.9
"""

PIPELINE = """
def answer(request):
    with open({log!r}, "a", encoding="utf-8") as fh:
        fh.write(request.case_id + "\\n")
    n = request.case_id[1:]
    return {{"output": "answer " + n, "usage": {{"input_tokens": 5, "output_tokens": 5}}}}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    root = pytester.path
    (root / "evalkit.toml").write_text(CONFIG, encoding="utf-8")
    (root / "qa.jsonl").write_text("\n".join(json.dumps(c) for c in CASES) + "\n")
    (root / "replay").mkdir()
    base = [{"case_id": c["id"], "output": c["expected"]} for c in CASES]
    cand = [
        {"case_id": c["id"], "output": c["expected"] if c["id"] not in ("q5", "q6") else "no idea"}
        for c in CASES
    ]
    for name, rows in (("base", base), ("cand", cand)):
        (root / "replay" / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "pipeline.py").write_text(PIPELINE.format(log=str(root / "calls.log")))
    return root


def calls(root: Path) -> list[str]:
    log = root / "calls.log"
    return log.read_text().split() if log.exists() else []


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


# ------------------------------------------------------------------------------ inert


def test_inert_without_options(pytester: pytest.Pytester, project: Path) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1)
    assert "evalkit.toml::" not in result.stdout.str()
    assert "= evalkit =" not in result.stdout.str()
    assert not (project / ".evalkit").exists()
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


# ------------------------------------------------------------------------------ suites as items


def test_gates_collected_and_judged_with_readable_failures(
    pytester: pytest.Pytester, project: Path
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
    assert "Traceback" not in out and "pytest_items.py" not in out
    assert len(list((project / ".evalkit" / "runs").glob("pytest-*/qa-*"))) == 1  # once


def test_case_items_name_the_case_and_k_selects(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, "--evalkit-suite", "qa", "--evalkit-cases", "-k", "q1 or q5", "-rA")
    result.assert_outcomes(passed=1, failed=1, deselected=7)
    result.stdout.fnmatch_lines(
        [
            "*q5 regressed on cand (passed on base):",
            "*exact_match 0.00 (baseline 1.00)*",
            "FAILED evalkit.toml::qa::q5[[]cand[]]*",
        ]
    )


def test_x_stops_at_the_first_failing_item(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, "--evalkit-suite", "qa", "--evalkit-cases", "-x")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1
    assert outcomes["passed"] + outcomes["failed"] < 9  # 2 gates + runs + 6 cases


def test_junitxml_carries_scores_as_properties(pytester: pytest.Pytester, project: Path) -> None:
    run(pytester, "--evalkit-suite", "qa", "--evalkit-cases", "--junitxml=out.xml")
    tree = ET.parse(project / "out.xml")
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


def test_stored_baseline_and_report(pytester: pytest.Pytester, project: Path) -> None:
    from evalkit import RunOptions, load_config, run_suite

    stored = project / "stored"
    run_suite(load_config(project / "evalkit.toml"), "qa", ["cand"], RunOptions(out_dir=stored))
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
    html = (project / "out" / "report.html").read_text(encoding="utf-8")
    assert "<html" in html and "cand" in html
    bad = run(pytester, "--evalkit", "--evalkit-baseline", str(project / "nope"))
    assert bad.ret == pytest.ExitCode.USAGE_ERROR


# ------------------------------------------------------------------------------ modes and cost


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


# ------------------------------------------------------------------------------ fixture, marker


def test_fixture_and_marker(pytester: pytest.Pytester, project: Path) -> None:
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
    assert len(list((project / ".evalkit" / "runs").glob("pytest-*/qa-*"))) == 1
    tree = ET.parse(project / "fx.xml")
    props = {
        case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
        for case in tree.iter("testcase")
    }
    assert float(props["test_cand_scores"]["exact_match.mean"]) == pytest.approx(2 / 3)
    assert props["test_base_scores"]["exact_match.pass_rate"] == "1.0"


# ------------------------------------------------------------------------------ xdist


def test_xdist_workers_share_answers_and_the_report(
    pytester: pytest.Pytester, project: Path
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
    log = calls(project)
    assert sorted(log) == [f"q{i}" for i in range(1, 7)], log  # never twice, across workers
    ran_paid = {p.parent.name.rsplit("-", 1)[-1] for p in project.glob(".evalkit/runs/*/paid-*")}
    assert ran_paid == {"gw0", "gw1"}  # both workers ran the paying suite, sharing its answers
    html = (project / "r.html").read_text(encoding="utf-8")
    assert "cand" in html and "base" in html  # from whichever worker compared them


# ------------------------------------------------------------------------------ config errors


def test_bad_config_is_a_collection_error_without_traceback(
    pytester: pytest.Pytester, project: Path
) -> None:
    (project / "evalkit.toml").write_text(CONFIG + "\nx = = 1\n", encoding="utf-8")
    result = run(pytester, "--evalkit")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ERROR collecting evalkit.toml*", "*evalkit.toml: invalid TOML*"])
    out = result.stdout.str()
    assert "Traceback" not in out and "tomllib" not in out and "pytest_plugin.py" not in out


def test_a_config_without_suites_is_an_error_not_an_empty_session(
    pytester: pytest.Pytester, project: Path
) -> None:
    no_suites = CONFIG.split("[suites.qa]")[0]
    (project / "evalkit.toml").write_text(no_suites, encoding="utf-8")
    result = run(pytester, "--evalkit")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # not NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(["*evalkit.toml: no suite to run; *[[]suites.NAME[]]*"])
    assert "Traceback" not in result.stdout.str()


def test_no_config_found_names_the_pytest_option(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--evalkit")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no evalkit.toml*pass --evalkit-config PATH"])


def test_fixture_reports_a_suite_that_cannot_run_without_traceback(
    pytester: pytest.Pytester, project: Path
) -> None:
    (project / "replay" / "cand.jsonl").write_text('{"case_id": "q1", "output": \n')
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
    assert "Traceback" not in out and "pytest_runner.py" not in out and "config.py" not in out


def test_report_says_which_suites_it_lacks_and_gates_point_to_it(
    pytester: pytest.Pytester, project: Path
) -> None:
    alone = run(pytester, "--evalkit-suite", "paid", "--evalkit-report", "alone.html")
    alone.stdout.fnmatch_lines(
        [
            "*suite 'paid': not in the report, nothing to compare (it ran only live)*",
            "report: not written to alone.html: no suite compared two runs this session",
        ]
    )
    assert not (project / "alone.html").exists()
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
    assert (project / "both.html").is_file()


def test_a_failing_gate_names_the_cases_behind_its_number(
    pytester: pytest.Pytester, project: Path
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


def test_items_of_a_suite_that_cannot_run_say_so(pytester: pytest.Pytester, project: Path) -> None:
    (project / "replay" / "cand.jsonl").unlink()
    result = run(pytester, "--evalkit-suite", "qa", "--junitxml=out.xml")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        ["*evalkit suite 'qa' could not run: *cand.jsonl: cannot read the replay file*"]
    )
    assert "Traceback" not in result.stdout.str()
    messages = [f.get("message") for f in ET.parse(project / "out.xml").iter("failure")]
    assert len(messages) == 3
    assert all(m.startswith("evalkit suite 'qa' could not run: ") for m in messages), messages


def test_runs_item_says_how_to_fill_each_kind_of_missing_answer(
    pytester: pytest.Pytester, project: Path
) -> None:
    rows = (project / "replay" / "cand.jsonl").read_text().splitlines()
    (project / "replay" / "cand.jsonl").write_text("\n".join(rows[1:]) + "\n")  # q1 gone
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
    pytester: pytest.Pytester, project: Path
) -> None:
    config = CONFIG + '\n[[suites.paid.gates]]\nmetric = "exact_match.mean"\nmax_drop = 0.1\n'
    (project / "evalkit.toml").write_text(config, encoding="utf-8")
    result = run(pytester, "--evalkit-suite", "paid", "-rs", "--junitxml=out.xml")
    result.assert_outcomes(failed=2, skipped=1)
    last = len(config.splitlines()) - 2  # the second gate of paid
    result.stdout.fnmatch_lines(
        [f"SKIPPED [[]1[]] evalkit.toml:{last}: exact_match.mean: needs a*"]
    )
    assert "pytest_items.py" not in result.stdout.str()
    skipped = next(ET.parse(project / "out.xml").iter("skipped"))
    assert (skipped.text or "").endswith(
        f"evalkit.toml:{last}: exact_match.mean: needs a baseline run to compare live with"
    )


def test_a_config_above_the_rootdir_gets_a_relative_node_id(
    pytester: pytest.Pytester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = project / "tests"
    sub.mkdir()
    (sub / "test_plain.py").write_text("def test_one():\n    pass\n")
    monkeypatch.chdir(sub)
    result = run(pytester, "--evalkit-suite", "qa", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["../evalkit.toml::qa::exact_match.pass_rate:min[[]cand[]]"])
    assert "\n::evalkit.toml" not in "\n" + result.stdout.str()
    picked = run(pytester, "../evalkit.toml::qa::runs", "-q")  # the id selects the item
    picked.assert_outcomes(passed=1)


def test_an_unknown_scorer_is_the_suites_collection_error(
    pytester: pytest.Pytester, project: Path
) -> None:
    bad = CONFIG.replace(
        'scorers = ["exact_match"]\n\n[[suites.qa', 'scorers = ["exact_mach"]\n\n[[suites.qa'
    )
    assert bad != CONFIG
    (project / "evalkit.toml").write_text(bad, encoding="utf-8")
    result = run(pytester, "--evalkit")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*evalkit.toml: [[]suites.qa[]] scorers[[]1[]]: unknown scorer 'exact_mach'; "
            'did you mean "exact_match"?*',
            "ERROR evalkit.toml::qa",
        ]
    )
    out = result.stdout.str()
    assert "Traceback" not in out and "FAILED" not in out
    # the other suite still runs when asked to go on
    more = run(pytester, "--evalkit", "--continue-on-collection-errors")
    more.assert_outcomes(failed=2, errors=1)


def test_assert_gates_says_each_failing_rule_once(pytester: pytest.Pytester, project: Path) -> None:
    config = CONFIG.replace("min = 0.5\n", "min = 0.9\n", 1)  # cand's 0.667 now fails min too
    (project / "evalkit.toml").write_text(config, encoding="utf-8")
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


# ------------------------------------------------------------------------------ --evalkit-candidate


def test_a_suite_that_does_not_list_the_candidate_is_skipped_saying_why(
    pytester: pytest.Pytester, project: Path
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
    assert not list(project.glob(".evalkit/runs/*/paid-*")) and calls(project) == []
    paid_at = CONFIG.splitlines().index("[suites.paid]") + 1
    result.stdout.fnmatch_lines_random(
        [
            f"SKIPPED [[]1[]] evalkit.toml:{paid_at}: evalkit suite 'paid' does not list "
            "--evalkit-candidate cand; its candidates: live",
            "SKIPPED [[]1[]] test_evals.py:*: evalkit suite 'paid' does not list "
            "--evalkit-candidate cand; its candidates: live",
        ]
    )
    assert "pytest_items.py" not in result.stdout.str()
    collected = run(pytester, "--evalkit", "--evalkit-candidate", "cand", "--collect-only", "-q")
    assert "[live]" not in collected.stdout.str() and "paid::" not in collected.stdout.str()


def test_a_candidate_no_selected_suite_lists_is_a_usage_error(
    pytester: pytest.Pytester, project: Path
) -> None:
    typo = run(pytester, "--evalkit", "--evalkit-candidate", "cand", "--evalkit-candidate", "cnad")
    assert typo.ret == pytest.ExitCode.USAGE_ERROR
    typo.stderr.fnmatch_lines(
        [
            "*--evalkit-candidate cnad: no selected suite lists it; pass one of base, cand, "
            'live (did you mean "cand"?)*'
        ]
    )
    assert "Traceback" not in typo.stderr.str() and not (project / ".evalkit").exists()
    # a candidate of the config, but not of the one suite asked for: nothing would run
    other = run(pytester, "--evalkit-suite", "paid", "--evalkit-candidate", "cand")
    assert other.ret == pytest.ExitCode.USAGE_ERROR
    other.stderr.fnmatch_lines(
        ["*--evalkit-candidate cand: no selected suite lists it; pass one of live*"]
    )
    explicit = run(pytester, "evalkit.toml", "--evalkit-candidate", "cnad")
    assert explicit.ret == pytest.ExitCode.USAGE_ERROR


# ------------------------------------------------------------------------------ terminal summary


def test_no_evalkit_summary_when_nothing_was_evaluated(
    pytester: pytest.Pytester, project: Path
) -> None:
    (project / "evalkit.toml").write_text(CONFIG + "\nx = = 1\n", encoding="utf-8")
    broken = run(pytester, "--evalkit")
    assert broken.ret == pytest.ExitCode.INTERRUPTED
    assert "= evalkit =" not in broken.stdout.str() and "provider spend" not in broken.stdout.str()
    asked = run(pytester, "--evalkit", "--evalkit-report", "r.html")
    out = asked.stdout.str()
    assert "provider spend" not in out and "no suite compared" not in out
    asked.stdout.fnmatch_lines(
        ["*= evalkit =*", "report: not written to r.html: nothing was evaluated this session"]
    )
    (project / "evalkit.toml").write_text(CONFIG, encoding="utf-8")
    listed = run(pytester, "--evalkit", "--collect-only", "-q")
    assert "= evalkit =" not in listed.stdout.str()
