"""The documentation's config snippets and command lines must match the code.

README.md and docs/**/*.md are what a user copies. These tests keep two kinds of statement
from drifting silently: every TOML block parses with evalkit's own config parser (a fragment is
completed with stub candidates and eval sets first) and builds its scorers with the arguments it
shows, and every ``evalkit <command> --flag`` or ``pytest --evalkit-*`` flag the docs mention is
an option of that command.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import build_parser
from evalkit.config import tomllib
from evalkit.config_parse import collect_project
from evalkit.errors import EvalkitError
from evalkit.scoring import build_scorer

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_FILE_KEYS = ("prompt_file", "system_file", "tools_file")


def _blocks(path: Path, lang: str) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [
        (text[: m.start()].count("\n") + 1, m.group(2))
        for m in _FENCE.finditer(text)
        if m.group(1) == lang
    ]


def _toml_blocks() -> list[Any]:
    out = []
    for path in DOCS:
        for line, body in _blocks(path, "toml"):
            if "[project." in body:  # a pyproject.toml entry-point table, not an evalkit config
                continue
            out.append(pytest.param(body, id=f"{path.relative_to(ROOT)}:{line}"))
    return out


def _complete(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A documented fragment made a whole config: the eval sets, files and candidates it
    names but does not show are stubbed, so only what the snippet states is checked."""
    cands = data.setdefault("candidates", {})
    for body in cands.values():
        for key in _FILE_KEYS:
            if isinstance(body.get(key), str):
                stub = folder / body[key]
                stub.parent.mkdir(parents=True, exist_ok=True)
                stub.write_text("[]" if key == "tools_file" else "hello", encoding="utf-8")
    for body in data.get("suites", {}).values():
        dataset = body.setdefault("dataset", "evals/stub.jsonl")
        stub = folder / dataset
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text('{"id": "a", "input": "hi"}\n', encoding="utf-8")
        names = body.setdefault("candidates", ["stub"])
        for name in names:
            cands.setdefault(name, {"provider": "replay", "model": "stub"})
    return data


@pytest.mark.parametrize("body", _toml_blocks())
def test_toml_block_parses_with_the_config_parser(body: str, tmp_path: Path) -> None:
    data = _complete(tomllib.loads(body), tmp_path)
    project, problems = collect_project(data, base_dir=tmp_path, where="doc")
    assert [str(p) for p in problems] == []
    for suite in project.suites.values():
        for spec in suite.scorers:
            if ":" in spec.name:  # a reference to the user's own module, not shipped
                continue
            try:
                build_scorer(spec.name, spec.args, spec.threshold, base_dir=str(tmp_path))
            except EvalkitError as exc:
                # A file the snippet names (a schema, a rubric) is the user's; its absence is
                # not the doc's fault, a rejected argument name is.
                assert re.search(r"does not exist|cannot be read|not found", str(exc)), str(exc)


# `evalkit run --suite x`, `$ evalkit check ... --candidate`, `pytest --evalkit-mode replay`
_CMD = re.compile(
    r"\bevalkit (init|validate|inventory|run|score|compare|check|report|cache|demo)\b"
)
_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def _subcommand_flags() -> dict[str, set[str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: {s for a in p._actions for s in a.option_strings} for name, p in sub.choices.items()
    }


def _mentions() -> list[tuple[str, str, str]]:
    """(where, command, flag) for each flag written after `evalkit <command>` on one line
    of a code block or an inline code span."""
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        spans = [m.group(2) for m in _FENCE.finditer(text)]
        spans += re.findall(r"`([^`\n]+)`", _FENCE.sub("", text))
        for span in spans:
            # A shell line continued with a backslash is one command.
            for line in span.replace("\\\n", " ").splitlines():
                line = line.split("  #")[0]
                matches = list(_CMD.finditer(line))
                for i, m in enumerate(matches):
                    end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
                    for flag in _FLAG.findall(line[m.end() : end]):
                        found.append((str(path.relative_to(ROOT)), m.group(1), flag))
    return found


def test_every_documented_cli_flag_exists() -> None:
    flags = _subcommand_flags()
    mentions = _mentions()
    assert len(mentions) > 30  # the extraction still finds the docs' commands
    wrong = sorted({f"{w}: evalkit {c} {f}" for w, c, f in mentions if f not in flags[c]})
    assert wrong == []


class _Recorder:
    """Stands in for pytest's parser and option group: records the option names added."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def getgroup(self, *args: Any, **kwargs: Any) -> _Recorder:
        return self

    def addoption(self, *names: str, **kwargs: Any) -> None:
        self.names.update(names)

    def addini(self, *args: Any, **kwargs: Any) -> None:
        pass


def test_every_documented_pytest_flag_exists() -> None:
    from evalkit.pytest_plugin import pytest_addoption

    documented = set()
    for path in DOCS:
        documented |= set(re.findall(r"(--evalkit[a-z-]*)", path.read_text(encoding="utf-8")))
    assert len(documented) > 5
    recorder = _Recorder()
    pytest_addoption(recorder)  # type: ignore[arg-type]
    assert sorted(documented - recorder.names) == []


# Each scorer page's argument tables: the names must be the scorer's fields, and a plain
# default (a number, true/false, none or a word) must be the field's default.
_PAGES = {
    "checks.md": ("checks",),
    "cost.md": ("cost", "latency"),
    "groundedness.md": ("groundedness",),
    "judge.md": ("judge",),
    "text.md": ("exact_match", "contains", "contains_any", "contains_all", "regex", "fuzzy"),
    "tool_calls.md": ("tool_calls",),
}
_TABLE_HEAD = re.compile(r"^\| (?:option|argument|arg) \| default \|", re.M)


def _argument_rows(text: str) -> list[tuple[list[str], str]]:
    rows = []
    for head in _TABLE_HEAD.finditer(text):
        for line in text[head.end() :].splitlines()[2:]:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows.append((re.findall(r"`(\w+)`", cells[0]), cells[1]))
    return rows


def _plain(value: str) -> Any:
    """The documented default as a Python value, or ... when it is prose or a table."""
    value = re.sub(r"\(.*?\)", "", value).strip().strip("`").strip('"')
    words = {"none": None, "true": True, "false": False}
    if value in words:
        return words[value]
    try:
        return float(value)
    except ValueError:
        return value if re.fullmatch(r"[\w.\-/]+", value) else ...


@pytest.mark.parametrize("page", sorted(_PAGES))
def test_scorer_argument_tables_match_the_fields(page: str) -> None:
    import dataclasses

    from evalkit.scoring import SCORERS

    defaults: dict[str, list[Any]] = {}
    for name in _PAGES[page]:
        scorer_class: Any = SCORERS.get(name)
        for f in dataclasses.fields(scorer_class):
            if f.default is not dataclasses.MISSING:
                defaults.setdefault(f.name, []).append(f.default)
            elif f.default_factory is not dataclasses.MISSING:
                defaults.setdefault(f.name, []).append(f.default_factory())
    rows = _argument_rows((ROOT / "docs" / "scorers" / page).read_text(encoding="utf-8"))
    assert rows
    wrong = []
    for names, default in rows:
        values = [_plain(v) for v in default.split(",")]
        for i, name in enumerate(names):
            if name not in defaults:
                wrong.append(f"{name}: no such argument")
                continue
            doc = values[i] if len(values) == len(names) else values[0]
            code = [None if v in ((), {}, "") else v for v in defaults[name]]
            if doc is not ... and doc != "required" and doc not in code:
                wrong.append(f"{name}: documented default {doc!r}, code {defaults[name]!r}")
    assert wrong == []
