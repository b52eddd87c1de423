"""Deeply read-only containers for profile data: :class:`FrozenMap` and :func:`freeze`.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["FrozenMap", "freeze"]


class FrozenMap(Mapping):
    """A read-only, hashable mapping (the frozen counterpart of ``dict``).

    >>> m = freeze({"a": [1, 2]})
    >>> m["a"], hash(m) == hash(freeze({"a": (1, 2)}))
    ((1, 2), True)
    """

    __slots__ = ("_items", "_hash")

    def __init__(self, items: Mapping = ()) -> None:
        object.__setattr__(self, "_items", dict(items))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._items.items())))
        return self._hash

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

    def __reduce__(self):
        return (FrozenMap, (self._items,))


def freeze(value: Any) -> Any:
    """Return a deeply read-only copy: mappings become :class:`FrozenMap`, lists tuples.

    >>> freeze({"a": [{"b": 1}]})["a"][0]["b"]
    1
    """
    if isinstance(value, Mapping):
        return FrozenMap({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value
