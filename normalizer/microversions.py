"""Nova microversions ("2.61"): read and compared in one place, numerically.

Both the transport (negotiating a version with the cloud) and the services (what a
version allows) compare them; text that is no "X.Y" version ("latest", garbage from a
version document) is unknown, never a number.
"""

from __future__ import annotations

__all__ = ["parse_microversion", "compare_microversions", "microversion_at_least"]


def parse_microversion(text: object) -> tuple[int, int] | None:
    """``"2.61"`` -> ``(2, 61)``; None for anything that is not ``MAJOR[.MINOR]``.

    >>> parse_microversion("2.61"), parse_microversion("latest"), parse_microversion(None)
    ((2, 61), None, None)
    """
    if not isinstance(text, str) or not text:
        return None
    major, _, minor = text.partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return None


def compare_microversions(left: str, right: str) -> int:
    """Compare two microversions numerically: -1, 0 or 1 (an unreadable one sorts lowest).

    >>> compare_microversions("2.61", "2.9"), compare_microversions("2.1", "2.1")
    (1, 0)
    """
    a, b = parse_microversion(left) or (-1, -1), parse_microversion(right) or (-1, -1)
    return (a > b) - (a < b)


def microversion_at_least(current: str | None, wanted: str) -> bool:
    """Whether ``current`` is ``wanted`` or newer; an unknown ``current`` is never "at least".

    >>> microversion_at_least("2.61", "2.9"), microversion_at_least("2.9", "2.61")
    (True, False)
    >>> microversion_at_least(None, "2.1")
    False
    """
    have, need = parse_microversion(current), parse_microversion(wanted)
    return have is not None and need is not None and have >= need
