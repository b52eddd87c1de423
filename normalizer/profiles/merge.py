"""Deep merge of profile layers.

A profile is built by laying mappings on top of each other (defaults, vendor file, region
block, clouds.yaml, keyword arguments). The rules are deliberately few, so that a user
can predict the outcome from the files alone:

* mappings merge key by key, recursively;
* every other value (scalars *and* lists) in the later layer replaces the earlier one;
* an explicit ``None`` in the later layer wins, so a layer can unset a key.

Pure: no I/O, and neither input is ever mutated; the result shares no mutable object
with its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["merge", "plain_copy"]


def merge(base: Mapping, override: Mapping) -> dict:
    """Return ``base`` with ``override`` laid on top of it (see the module rules).

    >>> merge({"a": {"x": 1, "y": 2}, "l": [1, 2]}, {"a": {"y": None}, "l": [3]})
    {'a': {'x': 1, 'y': None}, 'l': [3]}
    """
    result = {key: plain_copy(value) for key, value in base.items()}
    for key, value in override.items():
        current = result.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            result[key] = merge(current, value)
        else:
            result[key] = plain_copy(value)
    return result


def plain_copy(value: Any) -> Any:
    """Deep-copy ``value`` into plain ``dict`` / ``list`` containers.

    Used for results that must not alias their inputs and must be JSON/YAML-safe;
    strings and other scalars are immutable and returned as they are.

    >>> plain_copy({"a": (1, [2])})
    {'a': [1, [2]]}
    """
    if isinstance(value, Mapping):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_copy(item) for item in value]
    return value
