"""Third-party providers register through the ``evalkit.providers`` entry-point group.

The test installs a real (tiny) distribution: a ``*.dist-info`` folder with
``entry_points.txt`` on a ``sys.path`` entry, which is exactly what ``pip install`` leaves
behind, and then asks a fresh registry for the name.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalkit.dataset import Message
from evalkit.errors import UnknownNameError
from evalkit.providers.base import PROVIDERS, Provider, ProviderSettings, Request
from evalkit.registry import Registry

MODULE = "evalkit_demo_provider_pkg"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    site = tmp_path / "site"
    (site / MODULE).mkdir(parents=True)
    (site / MODULE / "__init__.py").write_text(
        textwrap.dedent(
            """
            from evalkit.providers import Provider, Response

            class ShoutProvider(Provider):
                name = "shout"

                async def complete(self, request):
                    return Response(text=request.messages[-1].content.upper(), model="shout-1")
            """
        )
    )
    dist = site / "evalkit_demo_provider-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: evalkit-demo-provider\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(f"[evalkit.providers]\nshout = {MODULE}:ShoutProvider\n")
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop(MODULE, None)


def _fresh() -> Registry[type[Provider]]:
    return Registry("provider", PROVIDERS.group, {})


def test_entry_point_provider_is_found_lazily_and_works(installed: Path) -> None:
    registry = _fresh()
    assert "shout" in registry.names()
    assert MODULE not in sys.modules  # listing names imports nothing
    cls = registry.get("shout")
    assert cls.__name__ == "ShoutProvider" and issubclass(cls, Provider)
    provider = cls(ProviderSettings(model="any"))
    request = Request(case_id="c", repeat=0, model="any", messages=(Message("user", "hi"),))
    response = asyncio.run(provider.complete(request))
    assert (response.text, response.model) == ("HI", "shout-1")


def test_misspelled_entry_point_name_suggests_it(installed: Path) -> None:
    with pytest.raises(UnknownNameError) as info:
        _fresh().get("shuot")
    assert 'did you mean "shout"?' in str(info.value)


def test_without_the_distribution_the_name_is_unknown() -> None:
    with pytest.raises(UnknownNameError):
        _fresh().get("shout")


def test_builtins_register_through_the_same_group_by_reference() -> None:
    assert PROVIDERS.group == "evalkit.providers"
    assert {"openai", "anthropic", "callable", "replay"} <= set(PROVIDERS.names())
