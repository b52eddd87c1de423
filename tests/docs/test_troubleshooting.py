"""docs/troubleshooting.md is keyed by the library's own wording, so a changed message fails here."""

from __future__ import annotations

import pathlib
import re

import normalizer.exceptions

REPO = pathlib.Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "troubleshooting.md").read_text()
SOURCE = "\n".join(path.read_text() for path in sorted((REPO / "normalizer").rglob("*.py"))
                   if "testing" not in path.parts)


def test_every_heading_quotes_words_the_library_raises():
    headings = re.findall(r"^### `([^`]+)`$", PAGE, re.M)
    assert len(headings) >= 15
    assert [h for h in headings if h not in SOURCE] == []


def test_every_error_class_named_exists():
    named = set(re.findall(r"`([A-Z][A-Za-z]+(?:Error|Match|Found|Failed|Timeout|Exceeded))`", PAGE))
    assert named and [n for n in sorted(named) if not hasattr(normalizer.exceptions, n)] == []
