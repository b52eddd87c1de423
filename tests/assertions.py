"""Assertions several test modules share."""

from __future__ import annotations

from normalizer.exceptions import NormalizerError


def one_line(err: NormalizerError, *words: str) -> str:
    """The error's text, checked to be one line with a hint and to name every word given."""
    text = str(err)
    assert "\n" not in text and err.hint, text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    return text
