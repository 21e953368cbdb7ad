"""A case's ``checks`` field: parsed into :class:`~evalkit.dataset.Check`, every problem at its
file:line with the check's index, and a case without checks unchanged (the eval set's version
too)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.dataset import Check, EvalSet, load_eval_set
from evalkit.errors import DatasetError
from evalkit.hashing import canonical_json

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, rows: list[Any]) -> Path:
    path = tmp_path / "ds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def problems(tmp_path: Path, rows: list[Any]) -> list[str]:
    with pytest.raises(DatasetError) as info:
        load_eval_set(write(tmp_path, rows))
    return [f"{p.where}: {p.message}" for p in info.value.problems]


def test_checks_are_parsed_and_round_trip(tmp_path: Path) -> None:
    checks = [
        {"name": "contains", "args": {"values": ["receipt"]}, "label": "receipt"},
        {"name": "regex", "args": {"pattern": "^OK"}, "threshold": 1},
        {"name": "json_valid"},
    ]
    es = load_eval_set(write(tmp_path, [{"id": "a", "input": "x", "checks": checks}]))
    c = es.cases[0]
    assert c.checks == (
        Check("contains", {"values": ["receipt"]}, None, "receipt"),
        Check("regex", {"pattern": "^OK"}, 1.0, None),
        Check("json_valid"),
    )
    assert c.has("checks") and c.checks[0].key == "receipt" and c.checks[2].key == "json_valid"
    assert c.to_dict()["checks"] == [
        {"name": "contains", "args": {"values": ["receipt"]}, "label": "receipt"},
        {"name": "regex", "args": {"pattern": "^OK"}, "threshold": 1.0},
        {"name": "json_valid"},
    ]
    assert [Check.from_dict(d) for d in c.to_dict()["checks"]] == list(c.checks)
    assert EvalSet.from_cases([c]).cases[0].checks == c.checks


def test_null_or_absent_checks_mean_none(tmp_path: Path) -> None:
    es = load_eval_set(write(tmp_path, [{"id": "a", "input": "x", "checks": None}]))
    assert es.cases[0].checks == () and not es.cases[0].has("checks")
    assert "checks" not in es.cases[0].to_dict()


def test_a_committed_eval_set_keeps_its_version() -> None:
    """Cases without checks serialise as before: the version of datasets/support (recorded by
    runs made before checks existed) is unchanged, and equals the hash of its lines."""
    path = ROOT / "datasets" / "support" / "support.jsonl"
    es = load_eval_set(path)
    digest = hashlib.sha256()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest.update(canonical_json(json.loads(line)).encode("utf-8") + b"\n")
    assert es.version == digest.hexdigest()
    assert all("checks" not in c.to_dict() for c in es)
    assert es.version == "056504b41b54c1fc16287b4ecf1a87d49c38b8a1073b1bf4ffd543f1e9361817"


def test_every_problem_names_its_line_and_the_checks_index(tmp_path: Path) -> None:
    ok = {"name": "contains", "args": {"values": ["x"]}}
    rows = [
        {"id": "a", "input": "x", "checks": [ok, {"name": "contains", "tresh": 1}]},
        {"id": "b", "input": "x", "checks": [{"name": "containz"}]},
        {"id": "c", "input": "x", "checks": {"name": "contains"}},
        {"id": "d", "input": "x", "checks": [ok, "regex"]},
        {"id": "e", "input": "x", "checks": [{"args": {}}]},
        {"id": "f", "input": "x", "checks": [{"name": "regex", "args": ["("]}]},
        {"id": "g", "input": "x", "checks": [{"name": "regex", "threshold": 2}]},
        {"id": "h", "input": "x", "checks": [{"name": "regex", "label": "a\nb"}]},
        {"id": "i", "input": "x", "checks": [{**ok, "label": "l"}, {**ok, "label": "l"}]},
        {"id": "j", "input": "x", "checks": [{"name": "checks"}]},
        {"id": "k", "input": "x", "checks": [{"name": "my.mod:Scorer"}]},
    ]
    found = problems(tmp_path, rows)
    p = str(tmp_path / "ds.jsonl")
    assert found == [
        f'{p}:1: field "checks" item 2 has unknown key "tresh"; did you mean "threshold"?',
        f'{p}:2: field "checks" item 1 ("containz") of case \'b\': unknown scorer; did you mean '
        '"contains"?',
        f'{p}:3: field "checks" must be a list of {{name, args, threshold, label}}, got an object',
        f'{p}:4: field "checks" item 2 must be an object {{name, args, threshold, label}}, '
        "got a string",
        f'{p}:5: field "checks" item 1 needs "name": a registered scorer name, got null',
        f'{p}:6: field "checks" item 1 ("regex") "args" must be an object of the scorer\'s '
        "arguments, got a list",
        f'{p}:7: field "checks" item 1 ("regex") "threshold" must be a number in [0, 1], got 2',
        f'{p}:8: field "checks" item 1 ("regex") "label" must be a short one-line string (at '
        'most 80 characters), got "a\\nb"',
        f'{p}:9: field "checks" item 2 has label "l" like item 1; labels must be unique '
        "within a case (the report and metrics use them)",
        f'{p}:10: field "checks" item 1 ("checks") of case \'j\': a check cannot run the checks '
        "scorer itself; name another scorer",
        f'{p}:11: field "checks" item 1 ("my.mod:Scorer") of case \'k\': a check names a '
        "registered scorer, not a reference (an eval set may not choose which code is "
        'imported); a scorer of your own is known by the name it registers (@evalkit.scorer("name")) '
        "when its file is in the scorers/ folder beside the config or is referenced in a "
        "suite's scorers, or when it is installed in the 'evalkit.scorers' entry-point group",
    ]


def test_an_unknown_name_without_a_close_match_lists_the_scorers(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, [{"id": "a", "input": "x", "checks": [{"name": "zzz"}]}])
    listed = found.split("unknown scorer; registered scorers: ", 1)[1].split(", ")
    # Other tests may register scorers of their own; the built-ins are always listed.
    assert {"contains", "contains_all", "judge", "regex"} <= set(listed)
    assert "checks" not in listed  # the composite is no check


def test_connection_and_secret_arguments_belong_to_the_config(tmp_path: Path) -> None:
    judge = {"name": "judge", "args": {"base_url": "https://example.test", "api_key_env": "K"}}
    found = problems(tmp_path, [{"id": "a", "input": "x", "checks": [judge]}])
    assert len(found) == 2
    assert found[0].endswith(
        'field "checks" item 1 ("judge") sets argument "base_url", which only the config may '
        'set; give it in the suite: scorers = [{ name = "checks", args = { defaults = '
        "{ judge = { base_url = ... } } } }]"
    )
    assert '"api_key_env"' in found[1]


def test_the_documented_examples_load(tmp_path: Path) -> None:
    """The JSON lines docs/eval-sets.md and docs/scorers/checks.md show with checks load."""
    lines = []
    for doc in ("docs/eval-sets.md", "docs/scorers/checks.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        lines += [ln for ln in text.splitlines() if ln.startswith("{") and '"checks"' in ln]
    assert len(lines) == 2
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    es = load_eval_set(path)
    assert [len(c.checks) for c in es] == [2, 3]
