"""The verdict's built-in rule on provider errors (``gates.new_errors``): a candidate whose calls
failed on cases the baseline answered is no PASS by default, through every front end that
reads the verdict (compare, ``evalkit check``, ``evaluate().passed``, the pytest plugin's
items, the report); a suite that gates ``errors.rate`` itself opts out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.api import evaluate
from evalkit.cli import main
from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.records import Run
from tests.helpers.pytest_project import run as run_pytest
from tests.helpers.runs import candidate_dict, make_record, make_run

# ------------------------------------------------------------------------------ compare


def _runs(
    tmp_path: Path, cand_errors: dict[int, str], base_errors: dict[int, str] | None = None
) -> tuple[Run, Run]:
    """Eight cases scored ``g`` 1.0 on both sides, but for the given cases' provider errors."""
    base = [make_record(f"c{i}", {"g": 1.0}, error=(base_errors or {}).get(i)) for i in range(8)]
    cand = [
        make_record(f"c{i}", error=cand_errors[i], candidate="cand")
        if i in cand_errors
        else make_record(f"c{i}", {"g": 1.0}, candidate="cand")
        for i in range(8)
    ]
    b = make_run(tmp_path / "b", base, scorers=["g"])
    c = make_run(tmp_path / "c", cand, scorers=["g"], candidate=candidate_dict("cand"))
    return b, c


def test_new_provider_errors_fail_the_verdict_although_the_mean_gate_passes(
    tmp_path: Path,
) -> None:
    b, c = _runs(tmp_path, {1: "timeout", 4: "rate_limit", 6: "timeout"})
    v = compare(b, c, gates=[Gate("g.mean", max_drop=0.0)]).verdict
    assert v.status == "FAIL"
    gate, new = v.results
    assert gate.rule == "max_drop" and gate.passed  # the mean leaves the errored cases out
    assert new.rule == "new_errors" and new.metric == "errors.rate" and not new.passed
    assert new.observed == 3 and new.cases == ("c1", "c4", "c6")
    assert new.reason.startswith(
        "3 of 8 compared case(s) have a provider error in the candidate and none in the baseline "
        "(timeout 2, rate_limit 1: c1, c4, c6; first c1: "
    )
    assert "judged the other 5 only" in new.reason
    assert "raise timeout_s" in new.reason  # the commonest kind's first step
    assert f"evalkit run --resume {tmp_path / 'c'} --retry-errors" in new.reason  # the real dir
    assert "gate errors.rate in the suite" in new.reason  # how to accept them
    # also without any gate, and beside a gate that failed for its own reason
    assert [r.rule for r in compare(b, c).verdict.results] == ["new_errors"]
    v = compare(b, c, gates=[Gate("g.mean", min=2.0)]).verdict
    assert [(r.rule, r.status) for r in v.results] == [("min", "fail"), ("new_errors", "fail")]


def test_errors_the_baseline_had_on_the_same_cases_are_not_new(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, {1: "timeout", 2: "timeout"}, base_errors={1: "server", 2: "timeout"})
    assert compare(b, c).verdict.results == ()
    assert compare(b, c).verdict.status == "PASS"
    # one more error on a case the baseline answered is new, and only it is named
    b2, c2 = _runs(tmp_path / "2", {1: "timeout", 3: "server"}, base_errors={1: "timeout"})
    (new,) = compare(b2, c2).verdict.results
    assert new.cases == ("c3",) and new.reason.startswith("1 of 8 compared case(s)")


def test_a_suite_that_gates_errors_rate_itself_opts_out(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, {1: "server"})  # 1 of 8: errors.rate 0 -> 0.125
    tolerant = compare(b, c, gates=[Gate("errors.rate", max_rise=0.2)]).verdict
    assert tolerant.status == "PASS" and [r.rule for r in tolerant.results] == ["max_rise"]
    strict = compare(b, c, gates=[Gate("errors.rate", max_rise=0.1)]).verdict
    assert strict.status == "FAIL" and [r.rule for r in strict.results] == ["max_rise"]
    # a gate on errors.rate for one tag covers that tag only: the built-in rule stays
    tagged = compare(b, c, gates=[Gate("errors.rate", max_rise=1.0, tag="t")]).verdict
    assert "new_errors" in [r.rule for r in tagged.results] and tagged.status == "FAIL"


def test_missing_recordings_and_refused_inputs_say_what_they_are(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, {0: "cache_miss", 5: "cache_miss"})
    (new,) = compare(b, c).verdict.results
    assert "have no recorded answer in the candidate (cache_miss" in new.reason
    assert "--evalkit-mode record" in new.reason and "--retry-errors" not in new.reason
    b, c = _runs(tmp_path / "2", {0: "bad_request", 5: "auth", 6: "bad_request"})
    (new,) = compare(b, c).verdict.results
    assert "(bad_request 2, auth 1: c0, c5, c6;" in new.reason
    assert "the provider refused the input" in new.reason and "fix the cases or the prompt" in (
        new.reason
    )
    assert "--retry-errors" not in new.reason  # calling again cannot fix a refused input


def test_a_candidate_that_answered_nothing_keeps_its_own_single_result(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, dict.fromkeys(range(8), "auth"))
    assert [r.rule for r in compare(b, c).verdict.results] == ["answered"]
    # a gate that failed for it says so; no second line (as before)
    v = compare(b, c, gates=[Gate("g.mean", max_drop=0.0)]).verdict
    assert [r.rule for r in v.results] == ["max_drop"]


# ------------------------------------------------------------------------------ front ends

PIPELINE = """
from evalkit.errors import ProviderError


def base(request):
    return "hello there"


def live(request):
    text = request.messages[-1].content
    if "FAIL400" in text:
        raise ProviderError("bad_request", "HTTP 400: maximum context length exceeded")
    return "hello " + text
"""

CONFIG = """
runs_dir = "runs"
reports_dir = "reports"

[candidates.base]
provider = "callable"
model = "b"
options = { target = "p.py:base" }

[candidates.live]
provider = "callable"
model = "l"
options = { target = "p.py:live" }

[suites.s]
dataset = "set.jsonl"
candidates = ["base", "live"]
baseline = "base"
scorers = ["contains"]

[[suites.s.gates]]
metric = "contains.mean"
max_drop = 0.0
"""

OPT_OUT = """
[[suites.s.gates]]
metric = "errors.rate"
max_rise = 0.3
"""


def _project(root: Path, extra: str = "") -> Path:
    """QA finding 1: 5 of 20 inputs are refused with HTTP 400 by the candidate's provider."""
    rows = [
        {
            "id": f"c{i:02d}",
            "input": f"FAIL400 say goodbye {i}" if i % 4 == 0 else f"Say hello {i}",
            "expected": ["hello"],
        }
        for i in range(20)
    ]
    (root / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "p.py").write_text(PIPELINE)
    (root / "evalkit.toml").write_text(CONFIG + extra)
    return root / "evalkit.toml"


def test_check_fails_a_candidate_with_new_provider_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path)
    js, html = tmp_path / "v.json", tmp_path / "r.html"
    args = ["check", "--config", str(cfg), "--no-progress", "--cache-mode", "off"]
    assert main([*args, "--json", str(js), "--report", str(html)]) == 1  # was 0
    out = capsys.readouterr().out
    assert "verdict: FAIL" in out.splitlines()[0]  # was: verdict: PASS
    assert "PASS  contains.mean did not change" in out  # the mean gate alone still passes
    assert "FAIL  5 of 20 compared case(s) have a provider error in the candidate" in out
    assert "(bad_request 5: c00, c04, c08, c12, c16; first c00: HTTP 400: maximum" in out
    assert "verdict: FAIL over suites s" in out
    assert json.loads(js.read_text())["status"] == "FAIL"
    assert 'id="overall-verdict">FAIL<' in html.read_text()


def test_check_passes_when_the_suite_gates_errors_rate_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, OPT_OUT)  # up to 0.3 more errors allowed: 0.25 is within
    assert main(["check", "--config", str(cfg), "--no-progress", "--cache-mode", "off"]) == 0
    out = capsys.readouterr().out
    assert "PASS  errors.rate rose 0.25" in out and "have a provider error" not in out
    assert "verdict: PASS over suites s" in out


def test_check_over_max_error_rate_says_fail_where_it_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The suite accepts the errors (opt-out), --max-error-rate 0.1 does not: exit 3, and every
    # verdict says FAIL (before: "verdict: PASS" on both verdict lines, exit 3).
    cfg = _project(tmp_path, OPT_OUT)
    js = tmp_path / "v.json"
    args = ["check", "--config", str(cfg), "--no-progress", "--cache-mode", "off"]
    assert main([*args, "--max-error-rate", "0.1", "--json", str(js)]) == 3
    out, err = capsys.readouterr()
    assert "verdict: FAIL" in out.splitlines()[0]
    assert (
        "FAIL  candidate 'live': 5 of 20 records are provider errors (25.0%, above "
        "--max-error-rate 0.1); commonest error: bad_request (5 of 5), first c00 #0: HTTP 400"
    ) in out
    assert "verdict: FAIL over suites s" in out and "PASS over" not in out
    assert json.loads(js.read_text())["status"] == "FAIL"
    assert "error: evalkit check: candidate 'live': 5 of 20 records" in err
    assert main([*args, "--max-error-rate", "0.3"]) == 0  # within: no exit 3, PASS
    assert "verdict: PASS over suites s" in capsys.readouterr().out


def test_evaluate_is_not_passed_with_new_provider_errors(tmp_path: Path) -> None:
    from evalkit.engine import RunOptions

    cfg = _project(tmp_path)
    result = evaluate("s", config=cfg, options=RunOptions(progress=False, cache_mode="off"))
    assert result.passed is False and result.status == "FAIL"
    (failure,) = result.failures()
    assert failure.startswith("live vs base: 5 of 20 compared case(s) have a provider error")


def test_pytest_plugin_fails_the_runs_item_on_new_provider_errors(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester.path)
    result = run_pytest(pytester, "--evalkit", "-rA")
    result.assert_outcomes(passed=1, failed=1)  # the mean gate passes; runs fails
    result.stdout.fnmatch_lines(
        [
            "*evalkit s: provider errors",
            "*live vs base: 5 of 20 compared case(s) have a provider error in the candidate*",
            "FAILED evalkit.toml::s::runs*",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    (pytester.path / "evalkit.toml").write_text(CONFIG + OPT_OUT)
    run_pytest(pytester, "--evalkit").assert_outcomes(passed=3)


DEAD = """
from evalkit.errors import ProviderError


def base(request):
    raise ProviderError("connection", "connection to http://127.0.0.1:9/v1 failed: refused")


live = base
"""


def test_pytest_plugin_says_why_every_call_failed_on_both_sides(
    pytester: pytest.Pytester,
) -> None:
    # QA9: a dead base_url failed every call of baseline and candidate alike; no error was
    # new, the gate items failed on "no value" and pointed at ::runs, which passed silently,
    # and the cause was only in results.jsonl
    _project(pytester.path)
    (pytester.path / "p.py").write_text(DEAD)
    config = (pytester.path / "evalkit.toml").read_text()
    for model in ('"b"', '"l"'):  # no retries with backoff: the test stays fast
        config = config.replace(f"model = {model}\n", f"model = {model}\nmax_retries = 0\n")
    (pytester.path / "evalkit.toml").write_text(config)
    result = run_pytest(pytester, "--evalkit", "-rA")
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*evalkit s: provider errors",
            "*base: 20 of 20 records are provider errors",
            "*connection (20 records, first c* #0): *connection to http://127.0.0.1:9/v1 failed*",
            "*fix the cause, then: evalkit run --resume *runs* --retry-errors",
            "FAILED evalkit.toml::s::runs*",
        ]
    )
    assert "RUN_DIR" not in out and "Traceback" not in out
