"""Finding one resource by what a user typed: an id, or a name that must be unique."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from normalizer.exceptions import AmbiguousMatch, format_candidates

__all__ = ["find_by_id_or_name"]


def find_by_id_or_name(items: Iterable[Mapping[str, Any]], wanted: Any, kind: str) -> Mapping[str, Any] | None:
    """The item with this exact id, else the one with this exact name; None when neither.

    Several items with the name raise :class:`AmbiguousMatch` listing their ids: a name
    never silently means "the first one listed".

    >>> find_by_id_or_name([{"id": "1", "name": "a"}, {"id": "2", "name": "b"}], "b", "flavor")
    {'id': '2', 'name': 'b'}
    """
    if wanted is None:
        return None  # records without an id or a name must never match "nothing asked"
    items = list(items)
    by_id = [item for item in items if item.get("id") == wanted]
    if by_id:
        return by_id[0]
    by_name = [item for item in items if item.get("name") == wanted]
    if len(by_name) > 1:
        ids = [item.get("id") for item in by_name]
        raise AmbiguousMatch(f"{len(by_name)} {kind}s are named {wanted!r}: ids {format_candidates(ids)}",
                             hint=f"pass the {kind}'s id instead of its name", candidates=ids)
    return by_name[0] if by_name else None
