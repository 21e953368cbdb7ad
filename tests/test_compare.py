"""compare(): pairing, statuses, significance, dataset checks, what changed, case rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import Comparison, compare, compare_many
from evalkit.config import Gate
from evalkit.errors import InputError
from evalkit.records import Run
from evalkit.scoring import Score
from evalkit.summary import terminal_summary
from tests.helpers.runs import candidate_dict, make_record, make_run
from tests.helpers.unpriced import unpriced_runs


def _pair(
    tmp_path: Path,
    base: list,
    cand: list,
    *,
    cand_over: dict | None = None,
    versions: tuple[str, str] = ("v1", "v1"),
) -> tuple[Run, Run]:
    b = make_run(tmp_path / "base", base, version=versions[0])
    c = make_run(
        tmp_path / "cand",
        cand,
        candidate=candidate_dict("cand", **(cand_over or {})),
        version=versions[1],
    )
    return b, c


def test_regression_improvement_unchanged(tmp_path: Path) -> None:
    base = [
        make_record("r", {"acc": True}),
        make_record("i", {"acc": False}),
        make_record("p", {"acc": True}),
        make_record("f", {"acc": False}),
    ]
    cand = [
        make_record("r", {"acc": False}, candidate="cand"),
        make_record("i", {"acc": True}, candidate="cand"),
        make_record("p", {"acc": True}, candidate="cand"),
        make_record("f", {"acc": False}, candidate="cand"),
    ]
    cmp = compare(*_pair(tmp_path, base, cand))
    status = {r.case_id: r.status for r in cmp.cases}
    assert status == {
        "r": "regression",
        "i": "improvement",
        "p": "unchanged_pass",
        "f": "unchanged_fail",
    }
    assert cmp.overall.counts.regression == 1 and cmp.overall.counts.improvement == 1
    assert cmp.overall.scorer("acc").counts.regression == 1  # type: ignore[union-attr]
    assert cmp.verdict.status == "PASS" and cmp.verdict.results == ()


def test_case_passes_only_when_every_scorer_passes_and_errors_fail(tmp_path: Path) -> None:
    base = [make_record("a", {"acc": True, "tone": True}), make_record("b", {"acc": True})]
    cand = [
        make_record("a", {"acc": True, "tone": False}, candidate="cand"),
        make_record("b", error="timeout", candidate="cand"),
    ]
    cmp = compare(*_pair(tmp_path, base, cand))
    rows = {r.case_id: r for r in cmp.cases}
    assert rows["a"].status == "regression"
    assert rows["a"].scorer_status == {"acc": "unchanged_pass", "tone": "regression"}
    b = rows["b"]
    assert b.status == "regression"
    assert b.candidate is not None and b.candidate.error is not None
    assert b.candidate.error["kind"] == "timeout"
    assert b.candidate.scores["acc"].error == "provider error: timeout"
    assert cmp.overall.candidate_run.errors_by_kind == {"timeout": 1}


def test_clear_regression_on_200_cases_is_significant(tmp_path: Path) -> None:
    base = [make_record(f"c{i}", {"acc": i % 10 != 0, "g": 0.9}) for i in range(200)]
    cand = [
        make_record(f"c{i}", {"acc": i % 5 != 0, "g": 0.85}, candidate="cand") for i in range(200)
    ]
    cmp = compare(*_pair(tmp_path, base, cand))
    pr = cmp.overall.metric("acc.pass_rate")
    assert pr is not None and pr.test == "mcnemar"
    assert pr.delta == pytest.approx(-0.1)
    assert pr.p_value is not None and pr.p_value < 0.001
    g = cmp.overall.metric("g.mean")
    assert g is not None and g.test == "paired_bootstrap"
    assert g.p_value is not None and g.p_value < 0.01
    assert g.high is not None and g.high < 0
    assert g.worse


def test_noise_is_not_significant(tmp_path: Path) -> None:
    # 10 cases flip pass->fail and 10 fail->pass; values move symmetrically.
    base, cand = [], []
    for i in range(200):
        before = i >= 10
        after = (10 <= i < 190) or i < 10
        v = 0.8 + (0.05 if i % 2 else -0.05)
        base.append(make_record(f"c{i}", {"acc": before, "g": 0.8}))
        cand.append(make_record(f"c{i}", {"acc": after, "g": v}, candidate="cand"))
    cmp = compare(*_pair(tmp_path, base, cand))
    pr = cmp.overall.metric("acc.pass_rate")
    assert pr is not None and pr.p_value is not None and pr.p_value > 0.5
    assert cmp.overall.counts.regression == 10 and cmp.overall.counts.improvement == 10
    g = cmp.overall.metric("g.mean")
    assert g is not None and g.p_value is not None and g.p_value > 0.5


def test_flaky_cases_with_repeats(tmp_path: Path) -> None:
    base = [make_record("a", {"acc": True}, repeat=k) for k in range(3)]
    cand = [
        make_record("a", {"acc": k != 1}, repeat=k, candidate="cand", output=f"out{k}")
        for k in range(3)
    ]
    cmp = compare(*_pair(tmp_path, base, cand))
    row = cmp.cases[0]
    assert row.candidate is not None and row.baseline is not None
    assert row.candidate.flaky and not row.baseline.flaky
    assert row.candidate.verdicts == (True, False, True)
    assert row.candidate.scores["acc"].pass_rate == pytest.approx(2 / 3)
    assert row.candidate.output == "out0"
    assert row.status == "unchanged_pass"  # majority still passes
    sc = cmp.overall.scorer("acc")
    assert sc is not None and sc.candidate is not None and sc.candidate.flaky == 1


def test_dataset_mismatch_refused_then_allowed(tmp_path: Path) -> None:
    base = [make_record(f"c{i}", {"acc": True}) for i in range(5)]
    cand = [make_record(f"c{i}", {"acc": True}, candidate="cand") for i in range(3, 8)]
    b, c = _pair(tmp_path, base, cand, versions=("v1", "v2"))
    with pytest.raises(InputError, match="allow-dataset-mismatch") as exc:
        compare(b, c)
    assert "v1" in str(exc.value) and "v2" in str(exc.value)
    cmp = compare(b, c, allow_dataset_mismatch=True)
    assert not cmp.dataset.same_version
    assert (cmp.dataset.shared, cmp.dataset.baseline_only, cmp.dataset.candidate_only) == (2, 3, 3)
    assert "2 shared" in cmp.dataset.note
    assert cmp.overall.cases == 2
    statuses = [r.status for r in cmp.cases]
    assert statuses.count("baseline_only") == 3 and statuses.count("candidate_only") == 3


def test_no_shared_case_is_refused(tmp_path: Path) -> None:
    b, c = _pair(
        tmp_path,
        [make_record("a", {"acc": True})],
        [make_record("b", {"acc": True}, candidate="cand")],
    )
    with pytest.raises(InputError, match="no case id in common"):
        compare(b, c)


def test_config_diff_prompt_diff_and_reported_models(tmp_path: Path) -> None:
    base = [make_record("a", {"acc": True})]
    cand = [make_record("a", {"acc": True}, candidate="cand", model="gpt-4o-2024-08-06")]
    cmp = compare(
        *_pair(
            tmp_path,
            base,
            cand,
            cand_over={
                "model": "gpt-4o",
                "params": {"temperature": 0.7, "seed": 1},
                "prompt": "Answer: {{ input }}\nBe brief.",
                "tools": [{"name": "lookup", "description": "", "parameters": {}}],
                "tool_choice": "auto",
            },
        )
    )
    changes = {c.key: (c.baseline, c.candidate) for c in cmp.config.changes}
    assert changes["model"] == ("gpt-4o-mini", "gpt-4o")
    assert changes["params.temperature"] == (0.0, 0.7)
    assert changes["params.seed"] == (None, 1)
    assert changes["tools.lookup"][0] is None
    assert changes["tool_choice"] == (None, "auto")
    assert "provider" not in changes
    assert cmp.config.prompt.changed and "+Be brief." in cmp.config.prompt.unified
    assert not cmp.config.system.changed and cmp.config.system.unified == ""
    assert cmp.baseline.reported_models == ("gpt-4o-mini-2024-07-18",)
    assert cmp.candidate.reported_models == ("gpt-4o-2024-08-06",)


def test_tag_slices_and_cost_latency_deltas(tmp_path: Path) -> None:
    base = [
        make_record(f"c{i}", {"acc": True}, tags=["risk"] if i < 4 else [], cost=0.001)
        for i in range(8)
    ]
    cand = [
        make_record(
            f"c{i}",
            {"acc": i >= 2},
            tags=["risk"] if i < 4 else [],
            cost=0.002,
            latency_ms=250.0,
            candidate="cand",
        )
        for i in range(8)
    ]
    cmp = compare(*_pair(tmp_path, base, cand))
    risk = cmp.slice("risk")
    assert risk is not None and risk.cases == 4
    assert risk.counts.regression == 2
    assert cmp.slice("missing") is None
    cost = cmp.overall.metric("cost.per_case")
    assert (
        cost is not None
        and cost.delta == pytest.approx(0.001)
        and cost.rel_pct == pytest.approx(100)
    )
    assert cost.worse
    lat = cmp.overall.metric("latency.p95")
    assert lat is not None and lat.delta == pytest.approx(150)
    assert risk.metric("cost.total").delta == pytest.approx(0.004)  # type: ignore[union-attr]


def test_case_rows_carry_what_the_report_needs(tmp_path: Path) -> None:
    claims = {"claims": [{"text": "Refunds take 5 days", "span": [0, 19], "supported": False}]}
    base = [
        make_record("a", {"ground": Score(1.0, True, "all supported", {"claims": []})}, tags=["t"])
    ]
    cand = [
        make_record(
            "a",
            {"ground": Score(0.0, False, "1 unsupported claim", claims)},
            tags=["t"],
            output="Refunds take 5 days",
            candidate="cand",
        )
    ]
    cmp = compare(*_pair(tmp_path, base, cand))
    row = cmp.rows(status="regression")[0]
    assert row.input == "question a"  # system message left out
    assert row.tags == ("t",)
    assert row.candidate is not None
    cell = row.candidate.scores["ground"]
    assert cell.details == claims and cell.reason == "1 unsupported claim"
    assert row.candidate.output == "Refunds take 5 days"
    assert row.candidate.cost == pytest.approx(0.001) and row.candidate.latency_ms == 100.0


def test_json_round_trip_is_lossless_and_compact(tmp_path: Path) -> None:
    base = [make_record(f"c{i}", {"acc": i % 3 != 0}, tags=["x"]) for i in range(30)]
    cand = [
        make_record(f"c{i}", {"acc": i % 4 != 0}, tags=["x"], candidate="cand") for i in range(30)
    ]
    cmp = compare(*_pair(tmp_path, base, cand), seed=5)
    d = json.loads(json.dumps(cmp.to_dict()))
    assert d["schema_version"] == 1 and d["kind"] == "evalkit.comparison"
    again = Comparison.from_dict(d)
    assert again.to_dict() == d
    assert again.overall == cmp.overall
    # Without repeats the per-case sides carry no repeat fields.
    assert "verdicts" not in d["cases"][0]["baseline"]
    # Same seed, same numbers.
    assert compare(*_pair(tmp_path / "again", base, cand), seed=5).overall == cmp.overall


def test_compare_many(tmp_path: Path) -> None:
    base = make_run(tmp_path / "b", [make_record("a", {"acc": True})])
    c1 = make_run(tmp_path / "c1", [make_record("a", {"acc": True}, candidate="c1")])
    c2 = make_run(tmp_path / "c2", [make_record("a", {"acc": False}, candidate="c2")])
    out = compare_many(base, [c1, c2])
    assert [c.overall.counts.regression for c in out] == [0, 1]
    assert [c.candidate.candidate for c in out] == ["c1", "c2"]


def test_outcome_rates_know_their_direction(tmp_path: Path) -> None:
    def refusal(outcome: str) -> Score:
        ok = outcome == "correct"
        return Score(float(ok), ok, outcome, {"outcome": outcome})

    base = make_run(
        tmp_path / "b", [make_record(f"c{i}", {"refusal": refusal("correct")}) for i in range(6)]
    )
    outcomes = ["correct"] * 4 + ["under_refusal"] * 2
    cand = make_run(
        tmp_path / "c",
        [make_record(f"c{i}", {"refusal": refusal(o)}) for i, o in enumerate(outcomes)],
    )
    cmp = compare(base, cand)
    correct = cmp.overall.metric("refusal.correct_rate")
    under = cmp.overall.metric("refusal.under_refusal_rate")
    assert correct is not None and correct.higher_is_better is True and correct.worse
    assert under is not None and under.higher_is_better is False and under.worse


@pytest.fixture
def unpriced(tmp_path: Path) -> tuple[Run, Run]:
    """Baseline fully priced; the candidate's odd cases on a model without a price."""
    return unpriced_runs(tmp_path)


def test_unknown_cost_per_case_has_no_interval_or_p_value(unpriced: tuple[Run, Run]) -> None:
    # The priced half alone is unchanged: a paired test over it said "CI 0…0, p=1.000"
    # beside a candidate value that is unknown, which reads as "measured: no change".
    base, cand = unpriced
    d = compare(base, cand).overall.metric("cost.per_case")
    assert d is not None and d.baseline == pytest.approx(0.01) and d.candidate is None
    assert d.delta is None
    assert (d.low, d.high, d.p_value, d.test, d.n) == (None, None, None, "none", 0)
    # An unknown baseline gets no test either.
    s = compare(cand, base).overall.metric("cost.per_case")
    assert s is not None and s.baseline is None
    assert (s.low, s.high, s.p_value, s.test, s.n) == (None, None, None, "none", 0)
    # Known on both sides, the test still runs.
    k = compare(base, base).overall.metric("cost.per_case")
    assert k is not None and k.test == "paired_bootstrap" and k.n == 10 and k.p_value == 1.0


def test_token_intervals_cover_answered_records_like_the_point_values(tmp_path: Path) -> None:
    # Half the candidate's calls error: the answered half used the same tokens as the
    # baseline, so the point value (per answered record) does not move, and the interval
    # must not either (counting an errored call as 0 tokens put it around -50).
    base = [make_record(f"c{i}", {"acc": True}, tokens=(100, 20)) for i in range(10)]
    cand = [
        make_record(
            f"c{i}",
            {"acc": True},
            tokens=(100, 20),
            error="timeout" if i % 2 else None,
            candidate="cand",
        )
        for i in range(10)
    ]
    cmp = compare(*_pair(tmp_path, base, cand))
    for metric, value in (("tokens.input_per_case", 100), ("tokens.output_per_case", 20)):
        d = cmp.overall.metric(metric)
        assert d is not None and d.candidate == pytest.approx(value), metric
        assert d.delta == pytest.approx(0), metric
        assert d.n == 5 and d.low == pytest.approx(0) and d.high == pytest.approx(0), metric
        assert d.p_value == pytest.approx(1.0), metric
    # An errored record is still a value for the error rate.
    err = cmp.overall.metric("errors.rate")
    assert err is not None and err.n == 10 and err.delta == pytest.approx(0.5)


def _fuzzy(threshold: float, **args: Any) -> dict[str, Any]:
    return {"name": "fuzzy", "args": {"threshold": threshold, "method": "ratio", **args}}


def test_a_scorer_set_up_differently_is_named_and_its_comparing_gates_not_judged(
    tmp_path: Path,
) -> None:
    # The same answers scored with threshold 0.5 and then 0.95 read as six regressions and
    # "changed: nothing in the configuration"; a max_drop gate failed (a loosened threshold
    # would have passed a real regression instead).
    base = [make_record(f"c{i}", {"fuzzy": Score(0.7, True)}) for i in range(6)]
    cand = [make_record(f"c{i}", {"fuzzy": Score(0.7, False)}, candidate="b2") for i in range(6)]
    b = make_run(tmp_path / "b", base, scorers=[_fuzzy(0.5), "cost"])
    c = make_run(tmp_path / "c", cand, scorers=[_fuzzy(0.95), "cost"])
    gates = (
        Gate("fuzzy.pass_rate", max_drop=0.1),
        Gate("fuzzy.pass_rate", min=0.5),
        Gate("errors.rate", max_rise=0.0),
    )
    cmp = compare(b, c, gates=gates)
    assert [ch.to_dict() for ch in cmp.config.scorers] == [
        {"key": "scorers.fuzzy.threshold", "baseline": 0.5, "candidate": 0.95}
    ]
    drop, floor, errors = cmp.verdict.results
    assert drop.status == "fail" and "not judged: scorer 'fuzzy' was set up differently" in (
        drop.reason
    )
    assert "threshold 0.5 → 0.95" in drop.reason and "evalkit score" in drop.reason
    assert floor.status == "fail" and "not judged" not in floor.reason  # the candidate alone
    assert errors.status == "pass"  # a run metric is no scorer's
    assert "scored differently: fuzzy.threshold 0.5 → 0.95" in terminal_summary(cmp)
    assert Comparison.from_dict(cmp.to_dict()).config.scorers == cmp.config.scorers


def test_an_argument_an_older_evalkit_lacked_is_no_difference_at_its_default(
    tmp_path: Path,
) -> None:
    # A baseline stored by an evalkit whose fuzzy scorer had no `ignore_punctuation` yet was
    # scored the way the default behaves; only a value other than the default is a change.
    from evalkit.scorers.text import Fuzzy

    default = Fuzzy().spec()["args"]["ignore_punctuation"]
    recs = [make_record("c0", {"fuzzy": True})]
    old = make_run(tmp_path / "b", recs, scorers=[_fuzzy(0.8)])
    at_default = make_run(tmp_path / "c", recs, scorers=[_fuzzy(0.8, ignore_punctuation=default)])
    assert compare(old, at_default).config.scorers == ()
    assert compare(at_default, old).config.scorers == ()
    changed = make_run(tmp_path / "d", recs, scorers=[_fuzzy(0.8, ignore_punctuation=not default)])
    assert [ch.to_dict() for ch in compare(old, changed).config.scorers] == [
        {"key": "scorers.fuzzy.ignore_punctuation", "baseline": None, "candidate": not default}
    ]
    # a scorer this checkout does not know keeps every missing argument a difference
    unknown = [{"name": "plugin_x", "args": {}}]
    newer = [{"name": "plugin_x", "args": {"mode": "strict"}}]
    b2 = make_run(tmp_path / "b2", recs, scorers=unknown)
    c2 = make_run(tmp_path / "c2", recs, scorers=newer)
    assert [ch.key for ch in compare(b2, c2).config.scorers] == ["scorers.plugin_x.mode"]


def test_a_file_argument_is_compared_by_name_and_content_not_by_folder(tmp_path: Path) -> None:
    # Two checkouts name one schema file by two paths; its content shows in schema_sha256.
    def schema(path: str, sha: str) -> dict[str, Any]:
        return {
            "name": "json_schema",
            "args": {"schema": path, "schema_sha256": sha},
            "path_args": ["schema"],
        }

    recs = [make_record("c0", {"json_schema": True})]
    b = make_run(tmp_path / "b", recs, scorers=[schema("/home/a/p/answer.json", "1")])
    same = make_run(tmp_path / "c", recs, scorers=[schema("/builds/p/answer.json", "1")])
    assert compare(b, same).config.scorers == ()
    own = [{"name": "cites", "args": {}, "ref": "/home/a/p/scorers/cites.py:cites"}]
    moved = [{"name": "cites", "args": {}, "ref": "/builds/p/scorers/cites.py:cites"}]
    b2 = make_run(tmp_path / "b2", recs, scorers=own)
    assert compare(b2, make_run(tmp_path / "c2", recs, scorers=moved)).config.scorers == ()
    edited = make_run(tmp_path / "d", recs, scorers=[schema("/builds/p/answer.json", "2")])
    assert [ch.key for ch in compare(b, edited).config.scorers] == [
        "scorers.json_schema.schema_sha256"
    ]


def test_a_judges_cache_timeout_or_key_variable_is_no_other_ruler(tmp_path: Path) -> None:
    """A stored baseline recorded with the judge's ``cache = "record"`` and a candidate run
    with the default differ in how verdicts are obtained, not in what they measure: read as
    "scored differently", the judge's comparing gates went unjudged (and failed)."""

    def judge(**args: Any) -> dict[str, Any]:
        return {"name": "judge", "args": {"provider": "openai", "model": "m", **args}}

    base = [make_record(f"c{i}", {"judge": Score(0.8, True)}) for i in range(6)]
    cand = [make_record(f"c{i}", {"judge": Score(0.8, True)}, candidate="b2") for i in range(6)]
    gates = (Gate("judge.mean", max_drop=0.1),)
    # runs recorded before specs listed operational_args: the registered judge's are used
    b = make_run(tmp_path / "b", base, scorers=[judge(cache="record", timeout_s=30)])
    c = make_run(tmp_path / "c", cand, scorers=[judge(cache="use", api_key_env="K")])
    cmp = compare(b, c, gates=gates)
    assert cmp.config.scorers == ()
    assert cmp.verdict.results[0].status == "pass"
    # the judge's model still is another ruler
    c2 = make_run(tmp_path / "c2", cand, scorers=[judge(cache="use", model="other")])
    cmp2 = compare(b, c2, gates=gates)
    assert [ch.key for ch in cmp2.config.scorers] == ["scorers.judge.model"]
    assert "not judged" in cmp2.verdict.results[0].reason


def test_a_spec_lists_its_operational_args() -> None:
    from evalkit.scorers.groundedness import Groundedness
    from evalkit.scorers.judge import Judge

    spec = Judge(provider="openai", model="m").spec()
    assert {"cache", "timeout_s", "api_key_env"} <= set(spec["operational_args"])
    assert "model" not in spec["operational_args"]
    ground = Groundedness().spec()
    assert {"judge_cache", "judge_timeout_s"} <= set(ground["operational_args"])
    assert not {"judge_model", "threshold", "mode"} & set(ground["operational_args"])


def test_a_judge_checks_operational_settings_in_defaults_are_no_other_ruler(
    tmp_path: Path,
) -> None:
    """QA15 F3: ``cache = "record"`` in the checks scorer's ``defaults.judge`` (what the replay
    error advises) made every ``checks.*`` gate against a stored baseline "not judged"."""

    def checks(**judge: Any) -> dict[str, Any]:
        args = {"defaults": {"judge": {"provider": "openai", "model": "m", **judge}}}
        return {"name": "checks", "args": args}

    base = [make_record(f"c{i}", {"checks": Score(1.0, True)}) for i in range(6)]
    cand = [make_record(f"c{i}", {"checks": Score(1.0, True)}, candidate="b2") for i in range(6)]
    gates = (Gate("checks.pass_rate", max_drop=0.1),)
    b = make_run(tmp_path / "b", base, scorers=[checks(api_key_env="K")])
    c = make_run(tmp_path / "c", cand, scorers=[checks(cache="record", timeout_s=5)])
    cmp = compare(b, c, gates=gates)
    assert cmp.config.scorers == ()
    assert cmp.verdict.results[0].status == "pass"
    c2 = make_run(tmp_path / "c2", cand, scorers=[checks(model="other")])
    assert [ch.key for ch in compare(b, c2, gates=gates).config.scorers] == [
        "scorers.checks.defaults"
    ]
