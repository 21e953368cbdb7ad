"""``evalkit compare``: exit codes 0/1/2, outputs written, gates from a suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import main
from tests.helpers.runs import candidate_dict, make_record, make_run

CONFIG = """
[candidates.base]
provider = "openai"
model = "gpt-4o-mini"

[suites.support]
dataset = "cases.jsonl"
candidates = ["base"]

[[suites.support.gates]]
metric = "acc.pass_rate"
max_drop = 0.02

[suites.other]
dataset = "cases.jsonl"
candidates = ["base"]
"""


@pytest.fixture()
def runs(tmp_path: Path) -> Path:
    make_run(tmp_path / "base", [make_record(f"c{i}", {"acc": True}) for i in range(10)])
    make_run(
        tmp_path / "same",
        [make_record(f"c{i}", {"acc": True}, candidate="same") for i in range(10)],
        candidate=candidate_dict("same"),
    )
    make_run(
        tmp_path / "worse",
        [make_record(f"c{i}", {"acc": i > 2}, candidate="worse") for i in range(10)],
        candidate=candidate_dict("worse"),
    )
    make_run(
        tmp_path / "other",
        [make_record(f"c{i}", {"acc": True}, candidate="o") for i in range(10)],
        candidate=candidate_dict("o"),
        version="v2",
    )
    (tmp_path / "cases.jsonl").write_text('{"id": "c0", "input": "hi"}\n', encoding="utf-8")
    (tmp_path / "evalkit.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def _gates(tmp: Path) -> list[str]:
    return ["--gates-from", str(tmp / "evalkit.toml"), "--suite", "support"]


def test_pass_exits_0_and_writes_outputs(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json, out_md = runs / "out" / "c.json", runs / "out" / "c.md"
    code = main(
        [
            "compare",
            str(runs / "base"),
            str(runs / "same"),
            *_gates(runs),
            "--json",
            str(out_json),
            "--markdown",
            str(out_md),
        ]
    )
    assert code == 0
    stdout = capsys.readouterr().out
    assert "verdict: PASS" in stdout and "PASS  acc.pass_rate" in stdout
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["verdict"]["status"] == "PASS" and data["schema_version"] == 1
    assert "PASS" in out_md.read_text(encoding="utf-8")


def test_gate_failure_exits_1(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", str(runs / "base"), str(runs / "worse"), *_gates(runs)])
    assert code == 1
    assert "FAIL  acc.pass_rate dropped 0.3" in capsys.readouterr().out


def test_several_candidates_and_json_wrapper(runs: Path) -> None:
    out = runs / "all.json"
    code = main(
        [
            "compare",
            str(runs / "base"),
            str(runs / "same"),
            str(runs / "worse"),
            *_gates(runs),
            "--json",
            str(out),
        ]
    )
    assert code == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["kind"] == "evalkit.comparisons" and data["status"] == "FAIL"
    assert [c["verdict"]["status"] for c in data["comparisons"]] == ["PASS", "FAIL"]


def test_without_gates_a_regression_still_exits_0(runs: Path) -> None:
    assert main(["compare", str(runs / "base"), str(runs / "worse")]) == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "{t}/base", "{t}/missing"], "not a run directory"),
        (["compare", "{t}/base", "{t}/other"], "allow-dataset-mismatch"),
        (["compare", "{t}/base", "{t}/same", "--gates-from", "{t}/evalkit.toml"], "--suite"),
        (
            [
                "compare",
                "{t}/base",
                "{t}/same",
                "--gates-from",
                "{t}/evalkit.toml",
                "--suite",
                "supprt",
            ],
            "did you mean",
        ),
    ],
)
def test_bad_input_exits_2(
    runs: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([a.format(t=runs) for a in args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_allow_dataset_mismatch(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", str(runs / "base"), str(runs / "other"), "--allow-dataset-mismatch"])
    assert code == 0
    assert "mismatch allowed" in capsys.readouterr().out


def test_report_flag_calls_write_report(runs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evalkit.report

    seen: list[tuple[int, Path]] = []

    def fake(comparisons: list, path: Path) -> Path:
        seen.append((len(comparisons), Path(path)))
        return Path(path)

    monkeypatch.setattr(evalkit.report, "write_report", fake)
    target = runs / "r.html"
    assert main(["compare", str(runs / "base"), str(runs / "same"), "--report", str(target)]) == 0
    assert seen == [(1, target)]


def _record_suite(run: Path, config: Path, suite: str) -> None:
    """What `evalkit run --suite` writes into a manifest: the suite and its config."""
    path = run / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(suite=suite, config=str(config))
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("command", ["compare", "report"])
def test_runs_of_a_suite_get_its_gates_without_options(
    runs: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # `evalkit compare BASE CAND` on the runs of `evalkit run --suite support` said
    # "verdict: PASS", exit 0, while the suite's gate failed: no gate had been applied.
    for name in ("base", "worse"):
        _record_suite(runs / name, runs / "evalkit.toml", "support")
    extra = ["--out", str(runs / "r.html")] if command == "report" else []
    code = main([command, str(runs / "base"), str(runs / "worse"), *extra])
    captured = capsys.readouterr()
    assert code == 1
    assert f"gates of suite 'support' from {runs / 'evalkit.toml'}" in captured.err
    assert "acc.pass_rate" in captured.out + captured.err


@pytest.mark.parametrize("command", ["compare", "report"])
def test_no_gates_is_said_not_silent(
    runs: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--out", str(runs / "r.html")] if command == "report" else []
    assert main([command, str(runs / "base"), str(runs / "worse"), *extra]) == 0
    err = capsys.readouterr().err
    assert "no gates applied" in err and "--suite" in err
