"""What one provisioning call created, so a failure removes exactly that and nothing else."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from normalizer.exceptions import NormalizerError

__all__ = ["Created", "Ledger"]

_LOG = logging.getLogger("normalizer.provision")


@dataclass(frozen=True)
class Created:
    """One resource this call created, and how to remove it.

    >>> Created("keypair", "normalizer-web1-1a2b3c4d", lambda: True).label
    'keypair normalizer-web1-1a2b3c4d'
    """

    kind: str
    ident: str
    undo: Callable[[], Any]

    @property
    def label(self) -> str:
        """``"<kind> <id>"``, as error messages name it."""
        return f"{self.kind} {self.ident}"


class Ledger:
    """The resources one call created, newest last; :meth:`undo_all` removes them newest first.

    >>> ledger = Ledger()
    >>> ledger.add("keypair", "k1", lambda: True)
    >>> ledger.add("server", "s1", lambda: True)
    >>> ledger.undo_all()
    (['server s1', 'keypair k1'], [])
    """

    def __init__(self) -> None:
        self._items: list[Created] = []
        self._unverified: list[str] = []

    def add(self, kind: str, ident: str, undo: Callable[[], Any]) -> None:
        """Record a resource the moment the cloud confirms it exists."""
        self._items.append(Created(kind, str(ident), undo))

    def unverified(self, kind: str, what: str, reason: str) -> None:
        """Note a resource that may exist but could not be found (its search failed).

        It cannot be removed; :meth:`undo_all` reports it as not removed, with the reason.

        >>> ledger = Ledger()
        >>> ledger.unverified("server", "boot 'web1'", "the search failed")
        >>> ledger.undo_all()
        ([], ["server from boot 'web1' (may exist: the search failed)"])
        """
        self._unverified.append(f"{kind} from {what} (may exist: {reason})")

    def forget(self, kind: str, ident: str) -> None:
        """Drop a resource the normal flow already removed (the temporary keypair)."""
        self._items = [c for c in self._items if (c.kind, c.ident) != (kind, str(ident))]

    @property
    def labels(self) -> list[str]:
        """What is recorded, oldest first."""
        return [c.label for c in self._items]

    def owns(self, kind: str, ident: str) -> bool:
        """Whether this call created (and has not yet removed) that resource."""
        return any((c.kind, c.ident) == (kind, str(ident)) for c in self._items)

    def keep_all(self) -> list[str]:
        """Give up every record without removing anything; returns the labels, marked as kept."""
        kept = [f"{label} (kept: keep_on_failure=True)" for label in self.labels] + list(self._unverified)
        self._items, self._unverified = [], []
        return kept

    def undo_all(self) -> tuple[list[str], list[str]]:
        """Remove everything, newest first; returns (removed, not removed with the reason).

        A removal that fails does not stop the others: the error names what is left.
        """
        removed: list[str] = []
        not_removed: list[str] = []
        for item in reversed(self._items):
            try:
                item.undo()
            except NormalizerError as error:
                _LOG.warning("could not remove %s: %s", item.label, error)
                not_removed.append(f"{item.label} ({error.message})")
            else:
                removed.append(item.label)
        not_removed.extend(self._unverified)
        self._items, self._unverified = [], []
        return removed, not_removed
