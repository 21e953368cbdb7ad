"""Fixtures only. The network guard lives in tests/helpers/netguard.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.netguard import loopback_only


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
