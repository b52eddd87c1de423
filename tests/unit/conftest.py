"""Fixtures shared by the unit tests of the service layer."""

import pytest

from tests.unit.test_services_fakes import FakeCache, FakeTransport


@pytest.fixture
def transport():
    """A transport that replays scripted replies and records every call."""
    return FakeTransport()


@pytest.fixture
def cache():
    """A dict-backed cache double that counts hits and invalidations."""
    return FakeCache()
