"""Fixtures only. The network guard lives in tests/helpers/netguard.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.netguard import loopback_only


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    """Every test fails on a connection to anything but this machine."""
    with loopback_only():
        yield
