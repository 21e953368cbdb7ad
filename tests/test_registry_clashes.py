"""Which registration wins when two use one name, and that it is never silent (QA10 finding 9):
``@evalkit.scorer("groundedness")`` replaced the built-in without a word, an entry point with a
built-in's name was ignored without a word, and a broken entry point was offered as a valid
choice and its import error did not name the entry point or its package."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

from evalkit.errors import InputError, UnknownNameError
from evalkit.registry import Registry
from evalkit.scoring import SCORERS, ScoreContext, scorer


def _dist(root: Path, group: str, lines: str, name: str = "clash-widgets") -> None:
    """A fake installed distribution ``name`` declaring ``lines`` in entry-point ``group``."""
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n{lines}\n")


def fancy() -> str:
    return "mine"


def test_a_scorer_decorated_with_a_builtin_name_wins_and_warns_once_naming_both() -> None:
    def grounded(ctx: ScoreContext) -> float:
        return 1.0

    try:
        with pytest.warns(RuntimeWarning) as seen:
            factory = scorer("groundedness")(grounded)
        (w,) = seen
        msg = str(w.message)
        assert "evalkit.scorers.groundedness:Groundedness" in msg  # the built-in
        assert "grounded" in msg and __name__ in msg  # and what replaces it
        assert "replaces it in this process" in msg and "another name" in msg
        assert SCORERS.get("groundedness") is factory
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            scorer("groundedness")(grounded)  # a notebook cell run again: said once
    finally:
        SCORERS.unregister("groundedness")
    assert SCORERS.get("groundedness").__name__ == "Groundedness"  # type: ignore[attr-defined]


def test_replace_true_says_it_is_meant() -> None:
    reg: Registry[object] = Registry("widget", "evalkit.test-clash-none", {"dumps": "json:dumps"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.register("dumps", fancy, replace=True)
        reg.register("other", fancy)
    assert reg.get("dumps") is fancy


def test_an_entry_point_with_a_builtin_name_is_ignored_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = "evalkit.test-clash-builtin"
    _dist(tmp_path, group, "dumps = clash_widgets:Fancy\nfresh = json:loads")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[object] = Registry("widget", group, {"dumps": "json:dumps"})
    with pytest.warns(RuntimeWarning) as seen:
        names = reg.names()
    (w,) = seen
    msg = str(w.message)
    assert "entry point 'dumps = clash_widgets:Fancy' of package 'clash-widgets'" in msg
    assert "the built-in widget (json:dumps)" in msg and "is ignored" in msg
    import json

    assert reg.get("dumps") is json.dumps and names == ["dumps", "fresh"]


def test_an_entry_point_loses_to_a_name_registered_in_code_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = "evalkit.test-clash-code"
    _dist(tmp_path, group, "fancy = json:loads")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[object] = Registry("widget", group, {})
    reg.register("fancy", fancy)
    with pytest.warns(RuntimeWarning, match=rf"registered in code \({__name__}:fancy\)"):
        reg.names()
    assert reg.get("fancy") is fancy
    # the other way round: entry points known first, then a registration in code replaces one
    other: Registry[object] = Registry("widget", group, {})
    other.names()
    with pytest.warns(RuntimeWarning, match="entry point 'fancy = json:loads' of package"):
        other.register("fancy", fancy)
    assert other.get("fancy") is fancy


def test_a_broken_entry_point_names_itself_and_its_package_and_is_no_choice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = "evalkit.test-clash-broken"
    _dist(tmp_path, group, "ep_broken = clash_nothere_mod:Thing\nfine = json:dumps")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[object] = Registry("widget", group, {})
    with pytest.raises(UnknownNameError) as unknown:
        reg.get("ep_brokn")
    assert unknown.value.choices == ["fine"]  # not offered: its module is nowhere
    with pytest.raises(InputError) as info:
        reg.get("ep_broken")
    msg = str(info.value)
    assert msg.startswith(
        "widget 'ep_broken': entry point 'ep_broken = clash_nothere_mod:Thing' of package "
        f"'clash-widgets' (group '{group}') does not load: "
    )
    assert "cannot import module 'clash_nothere_mod'" in msg and "uninstall it" in msg
    assert "ep_broken" not in reg.names()
    with pytest.raises(InputError, match="of package 'clash-widgets'"):
        reg.get("ep_broken")  # the same error again, not "unknown widget"
    assert "clash_nothere_mod" not in sys.modules


def test_the_scorer_decorator_takes_replace_too() -> None:
    """A conftest.py that means to shadow a built-in must be able to say so, or pytest's
    ``-W error`` turns the warning into a collection error."""

    def grounded(ctx: ScoreContext) -> float:
        return 1.0

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            factory = scorer("groundedness", replace=True)(grounded)
        assert SCORERS.get("groundedness") is factory
    finally:
        SCORERS.unregister("groundedness")
