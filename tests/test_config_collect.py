"""``collect_config`` / ``collect_project``: the loadable parts of a config with every problem,
for ``evalkit validate``; ``load_config`` / ``parse_project`` raise on exactly those problems."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from evalkit.config import collect_config, load_config
from evalkit.config_parse import collect_project, parse_project
from evalkit.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CANDIDATES = """
[candidates.ok]
provider = "replay"
model = "m"

[candidates.typo]
provider = "replay"
model = "m"
temprature = 0

[candidates.broken]
provider = "replay"
prompt_file = "nowhere.j2"
"""

SUITES = """
[suites.good]
dataset = "s.jsonl"
candidates = ["ok", "typo"]

[suites.faulty]
dataset = "s.jsonl"
candidates = ["ok", "broken", "ghost"]
repeats = 0
scorers = ["exact_match", { name = "contains", threshold = 2 }, "fuzzy"]
gates = [{ metric = "exact_match.mean", min = 0.5 }, { metric = "x", mni = 1 }]

[suites.nameless]
candidates = ["ok"]
"""


def _data(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        CANDIDATES + SUITES,
        CANDIDATES,
        'runs_dirr = "x"\nprices = 3\n' + SUITES,
        '[prices.m]\ninput = -1\n[suites.s]\ndataset = 1\ncandidates = "ok"\n',
        CANDIDATES + SUITES.replace("s.jsonl", "gone.jsonl"),
    ],
)
def test_the_strict_parse_raises_exactly_the_problems_collect_returns(
    tmp_path: Path, text: str
) -> None:
    (tmp_path / "s.jsonl").write_text('{"id": "a", "input": "x"}\n')
    data = _data(text)
    _, problems = collect_project(data, base_dir=tmp_path, where="cfg")
    assert problems
    with pytest.raises(ConfigError) as info:
        parse_project(data, base_dir=tmp_path, where="cfg")
    assert list(info.value.problems) == problems


def test_a_clean_config_collects_the_project_load_config_gives(tmp_path: Path) -> None:
    (tmp_path / "s.jsonl").write_text('{"id": "a", "input": "x"}\n')
    path = tmp_path / "evalkit.toml"
    path.write_text(
        '[candidates.ok]\nprovider = "replay"\nmodel = "m"\n\n'
        '[suites.good]\ndataset = "s.jsonl"\ncandidates = ["ok"]\nscorers = ["exact_match"]\n'
    )
    project, problems = collect_config(path)
    assert problems == []
    assert project == load_config(path)


def test_collect_keeps_what_of_each_part_is_valid(tmp_path: Path) -> None:
    (tmp_path / "s.jsonl").write_text('{"id": "a", "input": "x"}\n')
    project, problems = collect_project(_data(CANDIDATES + SUITES), base_dir=tmp_path, where="cfg")
    # unknown keys alone leave a candidate usable; a missing model or file does not
    assert sorted(project.candidates) == ["ok", "typo"]
    assert project.candidates["typo"].model == "m"
    assert project.suites["good"].candidates == ("ok", "typo")
    faulty = project.suites["faulty"]
    assert faulty.dataset_path == tmp_path / "s.jsonl"
    # declared candidates are kept (broken ones too: validate skips what did not load)
    assert faulty.candidates == ("ok", "broken")
    # scorers stop at the faulty entry, so each kept one is still scorers[i] of the file
    assert [s.name for s in faulty.scorers] == ["exact_match"]
    assert [g.metric for g in faulty.gates] == ["exact_match.mean"]
    assert faulty.repeats == 1  # the default, in place of the bad 0
    assert "nameless" not in project.suites  # nothing to check without a dataset
    wheres = [p.where for p in problems]
    assert "cfg: [candidates.typo] temprature" in wheres
    assert "cfg: [candidates.broken] model" in wheres
    assert "cfg: [suites.faulty] candidates" in wheres  # ghost, once
    assert "cfg: [suites.faulty] scorers[1] threshold" in wheres
    assert "cfg: [suites.nameless] dataset" in wheres
    assert not any("unknown candidate 'broken'" in p.message for p in problems)


def test_collect_config_still_raises_when_nothing_can_be_read(tmp_path: Path) -> None:
    bad = tmp_path / "evalkit.toml"
    bad.write_text("[candidates.a\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        collect_config(bad)
    with pytest.raises(ConfigError, match="config file not found"):
        collect_config(tmp_path / "missing.toml")
