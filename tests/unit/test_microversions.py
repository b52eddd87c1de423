"""Nova microversions are read and compared in one place (normalizer.microversions), numerically."""

import pytest

from normalizer.microversions import compare_microversions, microversion_at_least, parse_microversion


def test_compare_microversions_is_numeric():
    assert compare_microversions("2.10", "2.9") == 1
    assert compare_microversions("2.1", "2.1") == 0
    assert compare_microversions("2.35", "2.100") == -1


def test_an_unreadable_microversion_sorts_lowest():
    assert compare_microversions("latest", "2.1") == -1
    assert compare_microversions("2.1", "garbage") == 1
    assert parse_microversion("2.x") is None and parse_microversion("2") == (2, 0)


@pytest.mark.parametrize("current, wanted, expected", [
    ("2.61", "2.9", True), ("2.9", "2.61", False), ("2.61", "2.61", True),
    ("3.0", "2.99", True), (None, "2.1", False), ("latest", "2.1", False), ("2", "2.0", True),
])
def test_at_least_compares_numerically_and_an_unknown_version_is_never_enough(current, wanted, expected):
    assert microversion_at_least(current, wanted) is expected
