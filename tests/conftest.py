"""Fixtures only. The network guard lives in tests/helpers/netguard.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.netguard import loopback_only

# pytest's own ``pytester`` (for the plugin's tests: tests/test_pytest_*.py). pytest accepts
# ``pytest_plugins`` only in the root conftest, so it is declared here once.
pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    """Every test fails on a connection to anything but this machine."""
    with loopback_only():
        yield


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (tests/helpers/browser.py), for the report
    tests that load pages; imported here lazily so other tests never load playwright."""
    from tests.helpers.browser import launch

    with launch() as b:
        yield b


@pytest.fixture
def plugin_project(pytester: pytest.Pytester) -> Path:
    """A tmp evalkit project in pytester's folder (tests/helpers/pytest_project.py), for the
    pytest plugin's tests; imported lazily so other tests never load every evalkit module."""
    from tests.helpers.pytest_project import make_project

    return make_project(pytester.path)
