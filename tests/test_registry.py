from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from evalkit.errors import InputError, UnknownNameError
from evalkit.registry import Registry, load_reference
from evalkit.scoring import SCORERS


def test_unknown_name_suggests_and_lists_choices() -> None:
    reg: Registry[object] = Registry("widget", "evalkit.test-widgets", {"alpha": "json:dumps"})
    reg.register("beta", object)
    with pytest.raises(UnknownNameError) as info:
        reg.get("alpah")
    assert (
        str(info.value)
        == "unknown widget 'alpah'; did you mean \"alpha\"? valid choices: ['alpha', 'beta']"
    )


def test_builtins_are_lazy_references() -> None:
    import json

    reg: Registry[object] = Registry("widget", "evalkit.test-widgets", {"dumps": "json:dumps"})
    assert reg.get("dumps") is json.dumps
    assert "refusal" in SCORERS.names() and "groundedness" in SCORERS.names()


def test_decorator_registration() -> None:
    reg: Registry[object] = Registry("widget", "evalkit.test-widgets", {})

    @reg.register("mine")
    class Mine:
        pass

    assert reg.get("mine") is Mine


def test_file_reference_loads_project_plugins(tmp_path: Path) -> None:
    (tmp_path / "plug.py").write_text(
        textwrap.dedent("""
        VALUE = 41
        def answer():
            return VALUE + 1
    """)
    )
    fn = load_reference("plug.py:answer", base_dir=tmp_path)
    assert fn() == 42


def test_module_reference_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_reference("os.path:join") is __import__("os").path.join
    with pytest.raises(InputError, match="cannot import module 'no_such_mod'"):
        load_reference("no_such_mod:x")
    with pytest.raises(InputError, match="has no attribute 'nope'"):
        load_reference("os:nope")
    with pytest.raises(InputError, match="does not exist"):
        load_reference("missing.py:x", base_dir=tmp_path)
    with pytest.raises(InputError, match="not a reference"):
        load_reference("plain")


def test_entry_points_are_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "thirdparty_widgets-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: thirdparty-widgets\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[evalkit.test-widgets]\nfancy = thirdparty_widgets:Fancy\n"
    )
    (tmp_path / "thirdparty_widgets.py").write_text("class Fancy:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[object] = Registry("widget", "evalkit.test-widgets", {})
    assert "fancy" in reg.names()
    assert reg.get("fancy").__name__ == "Fancy"  # type: ignore[attr-defined]
    sys.modules.pop("thirdparty_widgets", None)


def test_did_you_mean_helps_and_stays_quiet() -> None:
    from evalkit.errors import did_you_mean

    assert did_you_mean("args", ["name", "arguments", "optional"]) == ' did you mean "arguments"?'
    assert did_you_mean("expectd", ["expected", "input"]) == ' did you mean "expected"?'
    assert did_you_mean("nope", ["openai", "anthropic", "replay", "callable"]) == ""


def test_an_entry_point_name_resolves_on_the_first_get(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CLI run asks for the name before anything lists the names: that first ``get`` must
    find the entry point (it once answered "unknown scorer 'x'; did you mean "x"?")."""
    dist = tmp_path / "firstget_widgets-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: firstget-widgets\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[evalkit.test-firstget]\nfancy = firstget_widgets:Fancy\n"
    )
    (tmp_path / "firstget_widgets.py").write_text("class Fancy:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[object] = Registry("widget", "evalkit.test-firstget", {})
    try:
        assert reg.get("fancy").__name__ == "Fancy"  # type: ignore[attr-defined]
    finally:
        sys.modules.pop("firstget_widgets", None)


def test_a_plugin_that_fails_to_import_is_an_input_error_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken.py").write_text("X = 1\ndef f(ctx)\n    return 1\n")
    with pytest.raises(InputError) as info:
        load_reference("broken.py:f", base_dir=tmp_path)
    msg = str(info.value)
    assert f"{tmp_path / 'broken.py'}:2: syntax error" in msg and "fix that file" in msg
    (tmp_path / "raising.py").write_text("X = 1\nraise RuntimeError('no config')\n")
    with pytest.raises(InputError, match=r"raising\.py:2: RuntimeError: no config"):
        load_reference("raising.py:X", base_dir=tmp_path)
    # fixed on disk: the failed import was not cached, so the real module loads now
    (tmp_path / "raising.py").write_text("X = 1\n")
    assert load_reference("raising.py:X", base_dir=tmp_path) == 1
    pkg = tmp_path / "brokenpkg_for_registry"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def f(:\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(InputError, match=r"__init__\.py:1: syntax error"):
            load_reference("brokenpkg_for_registry:f")
    finally:
        sys.modules.pop("brokenpkg_for_registry", None)
