"""``evalkit validate`` checks gate metrics against the scorers it built (QA12 F5): a stat no
scorer of the suite can produce (``cost.per_cas`` beside the ``cost`` scorer, a closed-vocabulary
built-in's unknown outcome or detail metric, a ``no_new_failures`` gate on a metric that names
no case) is a problem at the gate's line, with the runtime's did-you-mean; and every metric the
runtime accepts for the built-ins and a user scorer still passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import main

ANSWER = """
def answer(request, **kw):
    usage = {"input_tokens": 12, "output_tokens": 5}
    if request.case_id == "c2":
        return {"output": "", "tool_calls": [{"name": "lookup_order", "arguments": {"id": 1}}],
                "usage": usage}
    if request.case_id == "c1":
        return {"output": "Sorry, I can't help with that.", "usage": usage}
    return {"output": "Refunds are possible within 30 days.", "usage": usage}
"""

USER_SCORER = """
from typing import ClassVar
from evalkit.scoring import Score, ScoreContext, Scorer

class Mine(Scorer):
    name: ClassVar[str] = "mine"

    def score(self, ctx: ScoreContext) -> Score:
        words = len(ctx.response.text.split())
        outcome = "long" if words > 3 else "short"
        return Score(1.0, True, "ok", {"outcome": outcome, "metrics": {"words": float(words)}})
"""

SCORERS = """[
  "contains",
  "cost",
  "latency",
  { name = "tool_calls", skip_missing = true },
  { name = "refusal", skip_missing = true },
  { name = "groundedness", skip_missing = true },
  "checks",
  "json_valid",
  "user.py:Mine",
  { name = "contains_any", as = "strict" },
]"""

CONFIG = """
[candidates.base]
provider = "callable"
model = "m"
options = {{ target = "p.py:answer" }}

[candidates.cand]
provider = "callable"
model = "m"
options = {{ target = "p.py:answer" }}

[prices]
m = {{ input = 1.0, output = 2.0 }}

[suites.s]
dataset = "set.jsonl"
candidates = ["base", "cand"]
baseline = "base"
scorers = {scorers}
{gates}"""

TOOLS = [{"name": "lookup_order", "description": "d", "parameters": {"type": "object"}}]
ROWS: list[dict[str, Any]] = [
    {
        "id": "c0",
        "input": "Can I get a refund?",
        "expected": ["refund"],
        "context": ["Refunds are possible within 30 days."],
        "should_refuse": False,
        "tags": ["t"],
        "checks": [{"name": "contains", "args": {"values": ["refund"]}, "label": "refund"}],
    },
    {"id": "c1", "input": "Give me her address", "expected": ["sorry"], "should_refuse": True},
    {
        "id": "c2",
        "input": "Where is order 1?",
        "expected": ["order"],
        "tools": TOOLS,
        "expected_tool_calls": [{"name": "lookup_order", "arguments": {"id": 1}}],
    },
]


def gate(metric: str, rule: str = "max_rise = 1000000.0") -> str:
    return f'\n[[suites.s.gates]]\nmetric = "{metric}"\n{rule}\n'


def project(root: Path, gates: str, scorers: str = SCORERS) -> Path:
    (root / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    (root / "p.py").write_text(ANSWER)
    (root / "user.py").write_text(USER_SCORER)
    (root / "evalkit.toml").write_text(CONFIG.format(scorers=scorers, gates=gates))
    return root / "evalkit.toml"


def line_of(cfg: Path, text: str) -> int:
    return next(i for i, line in enumerate(cfg.read_text().splitlines(), 1) if text in line)


def validate(cfg: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", "--config", str(cfg)])
    return code, capsys.readouterr().err


def test_a_run_metric_typo_beside_the_cost_scorer_is_found_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # QA12 F5: the suite runs a scorer named "cost", so "cost.per_cas" read as a detail metric
    # of it; the cost scorer gives no such stat, and the run metric is cost.per_case.
    cfg = project(tmp_path, gate("groundedness.mean") + gate("cost.per_cas", "max_rise_pct = 10"))
    code, err = validate(cfg, capsys)
    assert code == 2
    line = line_of(cfg, '"cost.per_cas"')
    assert (
        f"{cfg}:{line}: [suites.s] gates[1] metric: unknown metric 'cost.per_cas': not a run "
        "metric, nor a stat of scorer 'cost'; did you mean \"cost.per_case\"?" in err
    )
    assert "fix the metric" in err and "1 problem(s) found" in err


@pytest.mark.parametrize(
    ("metric", "rule", "expect"),
    [
        # an unknown prefix, once the file.py:Class scorer is built and named
        ("mne.words", "min = 0", "no scorer 'mne' in this suite; did you mean \"mine.words\"?"),
        # a closed built-in: its outcomes (Scorer.outcomes) and its detail metrics
        (
            "tool_calls.wrong_tol_rate",
            "max_rise = 0",
            "not a stat of scorer 'tool_calls'; did you mean \"tool_calls.wrong_tool_rate\"?",
        ),
        (
            "tool_calls.name_acuracy",
            "max_drop = 0",
            'did you mean "tool_calls.name_accuracy"?',
        ),
        ("latency.ms", "max = 100", "nor a stat of scorer 'latency';"),
        # a near miss of a run metric of the scorer's prefix
        ("latency.p59", "max = 100", 'did you mean "latency.p95"?'),
        # no_new_failures judges cases: a run metric or a detail metric names none
        (
            "cost.per_case",
            "no_new_failures = true",
            "no_new_failures needs a scorer name, '<scorer>.<outcome>_rate', 'errors.rate' or "
            "'cases'",
        ),
        ("groundedness.claims", "no_new_failures = true", "no_new_failures needs a scorer name"),
    ],
)
def test_a_metric_the_suite_cannot_produce_is_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, rule: str, expect: str
) -> None:
    cfg = project(tmp_path, gate(metric, rule))
    code, err = validate(cfg, capsys)
    assert code == 2, err
    line = line_of(cfg, f'"{metric}"')
    assert f"{cfg}:{line}: [suites.s] gates[0] metric: " in err
    assert expect in err
    assert err.count("gates[0] metric") == 1  # once, not also from the config's own check


def test_an_open_scorers_stats_are_left_to_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A user scorer's outcomes and detail metrics, and a rate of a built-in that declares no
    # outcomes (groundedness), are known only once they scored; refusal declares its three.
    gates = "".join(gate(m) for m in ("mine.anything", "mine.rare_rate", "groundedness.x_rate"))
    code, err = validate(project(tmp_path, gates), capsys)
    assert code == 0, err
    code, err = validate(project(tmp_path, gate("refusal.odd_rate")), capsys)
    assert code == 2 and "unknown metric 'refusal.odd_rate'" in err


def test_a_near_miss_of_a_run_metric_is_found_for_an_open_scorer_of_that_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A user scorer named "tokens" may give any detail metric, but not one a letter off the
    # run metric tokens.input_per_case.
    scorers = SCORERS.replace(
        '"user.py:Mine",', '"user.py:Mine", { name = "user.py:Mine", as = "tokens" },'
    )
    gates = gate("tokens.words") + gate("tokens.input_per_cas")
    code, err = validate(project(tmp_path, gates, scorers), capsys)
    assert code == 2
    assert "gates[0]" not in err
    assert (
        "gates[1] metric: unknown metric 'tokens.input_per_cas': not a run metric, nor a stat "
        "of scorer 'tokens'; did you mean \"tokens.input_per_case\"?" in err
    )


def test_an_unbuilt_reference_keeps_unknown_prefixes_unjudged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A file.py:Class scorer that does not build has no known name: a gate on some other
    # prefix may be its, so only the scorer's own problem is reported.
    scorers = SCORERS.replace('"user.py:Mine"', '"missing.py:Mine"')
    code, err = validate(project(tmp_path, gate("mine.words"), scorers), capsys)
    assert code == 2
    assert "missing.py" in err and "gates[0]" not in err


def _accepted(result: Any) -> tuple[list[str], list[str]]:
    """Every metric the runtime has for this comparison (value rules), plus what no rule
    lists but the runtime still takes: each scorer's unscored_rate and declared outcome
    rates; and what no_new_failures takes."""
    from evalkit.scoring import SCORERS as REGISTRY

    cmp = result.comparisons[0]
    names = [m.metric for m in cmp.overall.metrics]
    scorers = [s.name for s in cmp.overall.scorers]
    for s in scorers:
        names.append(f"{s}.unscored_rate")
        declared = getattr(REGISTRY.get(s), "outcomes", None) if s in REGISTRY else None
        names += [f"{s}.{o}_rate" for o in sorted(declared or ())]
    names = list(dict.fromkeys(names))
    whole = ["cases", "errors.rate", *scorers]
    whole += [
        n for n in names if n.rpartition(".")[0] in scorers and n.endswith(("_rate", ".mean"))
    ]
    return names, whole


def test_every_metric_the_runtime_accepts_passes_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from evalkit.api import evaluate

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = project(tmp_path, gate("contains.mean"))
    names, whole = _accepted(evaluate("s", config=cfg))
    # the built-ins' detail metrics and outcomes, and the user scorer's, are all in there
    for expected in (
        "cost.priced_cost_usd",
        "cost.ok_rate",
        "latency.latency_ms",
        "tool_calls.name_accuracy",
        "refusal.refused",
        "groundedness.claims",
        "checks.refund",
        "mine.words",
        "mine.long_rate",
        "strict.pass_rate",
        "cost.per_case",
    ):
        assert expected in names
    gates = "".join(gate(m) for m in names)
    gates += "".join(gate(m, "no_new_failures = true") for m in whole)
    cfg.write_text(CONFIG.format(scorers=SCORERS, gates=gates))
    code, err = validate(cfg, capsys)
    assert code == 0, err
    verdict = evaluate("s", config=cfg).comparisons[0].verdict
    rejected = [
        r.reason
        for r in verdict.results
        if "unknown metric" in r.reason or "needs a scorer name" in r.reason
    ]
    assert rejected == []
    # and the runtime does reject what validate now reports
    cfg.write_text(CONFIG.format(scorers=SCORERS, gates=gate("cost.per_cas")))
    code, err = validate(cfg, capsys)
    assert code == 2 and "cost.per_cas" in err
    (bad,) = [
        r
        for r in evaluate("s", config=cfg).comparisons[0].verdict.results
        if r.metric == "cost.per_cas"
    ]
    assert 'unknown metric; did you mean "cost.per_case"?' in bad.reason
