"""A Python function as the ``callable`` provider's target (docs/notebooks.md): it runs
through ``evalkit.run`` and ``evalkit.evaluate``, its identity (name and source hash) is what
the fingerprint and the manifest hold, and a manifest's identity is refused with the way on."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import evalkit
from evalkit.config import Candidate, Project
from evalkit.errors import InputError
from evalkit.hashing import callable_identity
from evalkit.providers.base import ProviderSettings, Request
from evalkit.providers.callable import CallableProvider
from evalkit.suites import ScorerSpec, Suite


def hello(request: Request) -> str:
    return "hello " + (request.case.input if request.case else "")


def goodbye(request: Request) -> str:
    return "goodbye"


def _eval_set() -> evalkit.EvalSet:
    return evalkit.EvalSet.from_cases(
        [evalkit.Case(id=f"c{i}", input=f"q{i}", expected="hello") for i in range(3)], name="t"
    )


def test_function_target_runs_and_its_identity_is_stored(tmp_path: Path) -> None:
    cand = Candidate(name="fn", provider="callable", model="fn", options={"target": hello})
    run = evalkit.run(
        _eval_set(),
        cand,
        [ScorerSpec("contains").build()],
        evalkit.RunOptions(out_dir=tmp_path / "r", progress=False),
    )
    assert [r.output for r in run.records] == ["hello q0", "hello q1", "hello q2"]
    target = json.loads((tmp_path / "r" / "manifest.json").read_text())["candidate"]["options"][
        "target"
    ]
    assert target["callable"] == f"{__name__}:hello" and len(target["source_sha256"]) == 64


def test_lambda_target_works_too(tmp_path: Path) -> None:
    cand = Candidate(
        name="l", provider="callable", model="l", options={"target": lambda r: "hello"}
    )
    run = evalkit.run(
        _eval_set(),
        cand,
        [ScorerSpec("contains").build()],
        evalkit.RunOptions(out_dir=tmp_path / "r", progress=False),
    )
    assert all(r.output == "hello" for r in run.records)


def test_function_targets_in_evaluate_compare_and_gate(tmp_path: Path) -> None:
    (tmp_path / "ds.jsonl").write_text(
        "".join(
            json.dumps({"id": f"c{i}", "input": "q", "expected": "hello"}) + "\n" for i in range(3)
        )
    )
    cands = {
        n: Candidate(name=n, provider="callable", model=n, options={"target": fn})
        for n, fn in (("base", hello), ("new", goodbye))
    }
    suite = Suite(
        name="s",
        dataset="ds.jsonl",
        candidates=("base", "new"),
        scorers=(ScorerSpec("contains"),),
        base_dir=str(tmp_path),
    )
    project = Project(
        path=None,
        candidates=cands,
        suites={"s": suite},
        runs_dir=tmp_path / "runs",
        cache_dir=tmp_path / "cache",
        reports_dir=tmp_path / "reports",
    )
    result = evalkit.evaluate(
        "s", config=project, options=evalkit.RunOptions(progress=False), report=tmp_path / "r.html"
    )
    assert {n: {r.output for r in run.records} for n, run in result.runs.items()} == {
        "base": {"hello q"},
        "new": {"goodbye"},
    }
    assert (tmp_path / "r.html").is_file()


def test_identity_is_name_plus_source_and_changes_with_the_code() -> None:
    a, b = callable_identity(hello), callable_identity(goodbye)
    assert a["callable"].endswith(":hello") and a["source_sha256"] != b["source_sha256"]
    fa = Candidate(name="x", provider="callable", model="m", options={"target": hello})
    fb = Candidate(name="x", provider="callable", model="m", options={"target": goodbye})
    assert fa.fingerprint() == fa.fingerprint() and fa.fingerprint() != fb.fingerprint()
    made: dict[str, object] = {}
    exec("def made(request):\n    return 'x'\n", made)  # no source file: the name alone
    assert callable_identity(made["made"])["source_sha256"] is None


def test_identity_read_back_from_a_manifest_is_refused_with_the_way_on() -> None:
    stored = callable_identity(hello)
    with pytest.raises(InputError, match="pass the function again from Python"):
        CallableProvider(ProviderSettings(model="m", options={"target": stored}))


def test_editing_the_target_file_shows_as_a_change(tmp_path: Path) -> None:
    from evalkit.changes import config_diff

    pipe = tmp_path / "pipe.py"
    pipe.write_text("def answer(request):\n    return 'hello v1'\n")

    def cand() -> Candidate:
        return Candidate(
            name="p",
            provider="callable",
            model="p",
            options={"target": "pipe.py:answer"},
            base_dir=str(tmp_path),
        )

    before = cand().to_dict()
    pipe.write_text("def answer(request):\n    return 'goodbye v2'\n")
    after = cand().to_dict()
    assert before["fingerprint"] != after["fingerprint"]
    keys = [c.key for c in config_diff(before, after).changes]
    assert keys == ["options.target_source_sha256"]


def test_secret_headers_do_not_leak_and_still_diff() -> None:
    from evalkit.changes import config_diff

    def cand(key: str) -> dict[str, object]:
        return Candidate(
            name="g", provider="openai", model="m", options={"headers": {"api-key": key}}
        ).to_dict()

    [change] = config_diff(cand("sk-one-0123456789abc"), cand("sk-two-0123456789abc")).changes
    assert change.key == "options.headers"
    assert "sk-one" not in json.dumps(change.to_dict())


def test_cache_scope_changes_with_the_code(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.py"
    scopes = []
    for body in ("return 'v1'", "return 'v2'"):
        pipe.write_text(f"def answer(request):\n    {body}\n")
        settings = ProviderSettings(
            model="m", options={"target": "pipe.py:answer"}, base_dir=str(tmp_path)
        )
        scopes.append(CallableProvider(settings).cache_scope)
        sys.modules.pop(  # load the edited file again, as a new process would
            next(k for k, v in sys.modules.items() if getattr(v, "__file__", None) == str(pipe))
        )
    assert scopes[0] != scopes[1] and all(s and "pipe.py:answer" in s for s in scopes)


def test_a_function_made_by_exec_is_not_given_another_codes_source() -> None:
    import linecache

    made: dict[str, object] = {}
    exec("def made2(request):\n    return 'x'\n", made)
    # something else's source cached under the same pseudo file name (Python 3.13 does this)
    linecache.cache["<string>"] = (
        1,
        None,
        ["def made2(request):\n", "    return 'y'\n"],
        "<string>",
    )
    try:
        assert callable_identity(made["made2"])["source_sha256"] is None
    finally:
        linecache.cache.pop("<string>", None)
