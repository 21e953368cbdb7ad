"""``evalkit init`` (evalkit/cli/init.py, evalkit/scaffold.py): the starter project validates
for every provider, the callable one checks and passes its own pytest offline, existing files
are never overwritten without ``--force``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.dataset import load_eval_set
from evalkit.errors import InputError
from evalkit.scaffold import KEY_ENV, PROVIDER_CHOICES, scaffold

pytest_plugins = ["pytester"]

FILES = [
    "evalkit.toml",
    "evals/starter.jsonl",
    "prompts/answer.j2",
    "prompts/system.txt",
    "tests/test_evals.py",
]


def init(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["init", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("provider", PROVIDER_CHOICES)
def test_every_provider_scaffold_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], provider: str
) -> None:
    folder = tmp_path / "proj"
    code, out, _ = init(capsys, str(folder), "--provider", provider)
    assert code == 0
    expected = FILES + (["pipeline.py"] if provider == "callable" else [])
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == (
        sorted(expected)
    )
    for line in ("evalkit validate", "evalkit run --suite starter", "evalkit check", "pytest"):
        assert f"  {line}" in out
    config = (folder / "evalkit.toml").read_text(encoding="utf-8")
    assert f'provider = "{"openai" if provider == "openai-compatible" else provider}"' in config
    if provider in KEY_ENV:
        # the config names the variable, the output says how to set it; no key anywhere
        assert f'api_key_env = "{KEY_ENV[provider]}"' in config
        assert f"export {KEY_ENV[provider]}=..." in out
        assert "api_key =" not in config and not re.search(r"sk-[A-Za-z0-9]", config)
    else:
        assert "api_key_env" not in config and "export " not in out

    assert main(["validate", "--config", str(folder / "evalkit.toml")]) == 0
    assert "ok:" in capsys.readouterr().out


@pytest.mark.parametrize("provider", PROVIDER_CHOICES)
def test_templates_leave_no_placeholder(provider: str) -> None:
    for f in scaffold(provider).files:
        assert not re.search(r"@(docs|provider|candidates|prices)@", f.text), f.path


def test_starter_eval_set_shows_every_main_field(tmp_path: Path) -> None:
    text = {f.path: f.text for f in scaffold("openai").files}["evals/starter.jsonl"]
    (tmp_path / "s.jsonl").write_text(text, encoding="utf-8")
    cases = load_eval_set(tmp_path / "s.jsonl").cases
    assert 4 <= len(cases) <= 8
    assert any(c.context and all(p.id for p in c.context) for c in cases)
    assert any(c.expected for c in cases) and any(c.vars for c in cases)
    assert {c.should_refuse for c in cases} >= {True, False}
    assert any(c.tools and c.expected_tool_calls for c in cases)
    assert any(c.expected_tool_calls == () for c in cases)  # "call nothing"
    assert any("high-risk" in c.tags and c.should_refuse for c in cases)
    assert any(c.metadata for c in cases)


def test_callable_scaffold_checks_offline_and_writes_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert init(capsys, str(tmp_path))[0] == 0
    monkeypatch.chdir(tmp_path)  # as the printed next commands run it: no --config
    assert main(["check", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "verdict: PASS over suites starter" in out
    assert "errors: baseline 0, candidate 0" in out
    # green, yet not a no-op: the candidate's change shows up case by case
    assert "cases: 1 regression(s), 2 improvement(s)" in out
    # the starter shows per-case checks: two cases carry their own, and both candidates pass
    assert re.search(r"checks\.pass_rate +1 +1 ", out), out
    report = tmp_path / "reports" / "check.html"
    assert report.is_file() and report.stat().st_size > 10_000
    assert len(list((tmp_path / ".evalkit" / "runs").glob("*/results.jsonl"))) == 2


def test_callable_scaffold_tests_pass_under_pytest(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(capsys, str(pytester.path))[0] == 0
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=4)


def test_existing_files_are_listed_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tests").mkdir()
    mine = tmp_path / "tests" / "test_evals.py"
    mine.write_text("# the team's own\n", encoding="utf-8")
    (tmp_path / "evalkit.toml").write_text("# theirs\n", encoding="utf-8")
    code, _, err = init(capsys, str(tmp_path))
    assert code == 2
    assert "2 file(s) already exist" in err and "--force" in err
    assert str(tmp_path / "evalkit.toml") in err and str(mine) in err
    assert mine.read_text(encoding="utf-8") == "# the team's own\n"
    assert not (tmp_path / "evals").exists() and not (tmp_path / "pipeline.py").exists()


def test_force_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(capsys, str(tmp_path))[0] == 0
    config = tmp_path / "evalkit.toml"
    fresh = config.read_text(encoding="utf-8")
    config.write_text("# edited\n", encoding="utf-8")
    assert init(capsys, str(tmp_path))[0] == 2
    assert config.read_text(encoding="utf-8") == "# edited\n"
    code, out, _ = init(capsys, str(tmp_path), "--force")
    assert code == 0
    assert config.read_text(encoding="utf-8") == fresh
    assert "evalkit.toml  (overwritten)" in out


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["init", str(tmp_path), "--provider", "opnai"])
    assert exc.value.code == 2
    assert "invalid choice: 'opnai'" in capsys.readouterr().err
    afile = tmp_path / "notes.txt"
    afile.write_text("x", encoding="utf-8")
    code, _, err = init(capsys, str(afile))
    assert code == 2 and "is a file, not a folder" in err
    blocked = tmp_path / "p"
    blocked.mkdir()
    (blocked / "prompts").write_text("a file where a folder goes", encoding="utf-8")
    code, _, err = init(capsys, str(blocked), "--force")
    assert code == 2 and "cannot write" in err


def test_unknown_provider_in_python_says_what_to_choose() -> None:
    with pytest.raises(
        InputError, match=r"unknown provider 'antropic'; did you mean \"anthropic\"\? choose one of"
    ):
        scaffold("antropic")


def test_scaffold_copy_is_self_contained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The project does not depend on where it was written: moved elsewhere it validates."""
    assert init(capsys, str(tmp_path / "a"))[0] == 0
    shutil.move(tmp_path / "a", tmp_path / "b")
    assert main(["validate", "--config", str(tmp_path / "b" / "evalkit.toml")]) == 0


def _means(out: str, scorer: str) -> list[str]:
    """The ``mean`` each run summary printed for ``scorer``, in run order."""
    return re.findall(rf"^  {scorer}: mean ([0-9.]+)", out, flags=re.MULTILINE)


def test_callable_candidate_is_a_visible_change_that_passes_the_gates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stand-in's two candidates differ in a retrieval threshold: the first run and
    compare show real deltas (improvements and a regression), and the gates still pass."""
    assert init(capsys, str(tmp_path))[0] == 0
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--suite", "starter", "--no-progress"]) == 0
    out = capsys.readouterr().out
    baseline, candidate = _means(out, "contains_any")
    assert float(candidate) > float(baseline)
    assert _means(out, "groundedness") == ["1.000", "1.000"]  # verbatim sentences: supported

    runs = sorted((tmp_path / ".evalkit" / "runs").glob("*-baseline")) + sorted(
        (tmp_path / ".evalkit" / "runs").glob("*-candidate")
    )
    assert len(runs) == 2
    code = main(["compare", *map(str, runs), "--suite", "starter"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "verdict: PASS" in out and "gates: PASS (0 of 3 failed)" in out
    assert "changed: options.kwargs: {'top_k': 1, 'min_overlap': 2} → " in out
    row = next(x for x in out.splitlines() if x.startswith("contains_any.pass_rate"))
    delta = row.split()[3]
    assert delta.startswith("+") and float(delta) > 0, row
    assert "cases: 1 regression(s), 2 improvement(s)" in out
    # the regression is named with its reason: an answer where it should hand over
    assert re.search(r"^  delivery-007 \[.*\]: contains_any: output contains none of", out, re.M)
