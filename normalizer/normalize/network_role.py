"""What one network is for: the single record of a network-role decision.

:func:`normalizer.select.network_roles.classify_networks` decides each network's role
from profile rules and the API; normalization (a network's view, a server's addresses)
reads that record and never re-derives it. The type lives here, below both, so the
decision is made in one place and read in the others.

>>> role = NetworkRole(name="tenant", nat_destination=True, reason="a rule says so")
>>> role.routes_for(4), role.nat_destination
(None, True)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NetworkRole"]


@dataclass(frozen=True)
class NetworkRole:
    """What one network is for, with the reason (the flag names are openstacksdk's).

    ``routes_ipv4_externally`` / ``routes_ipv6_externally`` are None when nothing said
    (an address is then public by its range); ``routes_externally`` is set only when a
    rule said so for both families.

    >>> NetworkRole(name="ext", is_external=True, routes_ipv4_externally=True).routes_for(4)
    True
    """

    id: str | None = None
    name: str | None = None
    is_external: bool = False
    routes_ipv4_externally: bool | None = None
    routes_ipv6_externally: bool | None = None
    is_public: bool = False
    nat_source: bool = False
    nat_destination: bool = False
    default_interface: bool = False
    reason: str = ""
    routes_externally: bool | None = None

    def routes_for(self, version: int | None) -> bool | None:
        """What this role says about external routing for one IP family; None when it says nothing.

        The family flag wins over the general ``routes_externally``.

        >>> NetworkRole(routes_externally=True, routes_ipv6_externally=False).routes_for(6)
        False
        """
        specific = {4: self.routes_ipv4_externally, 6: self.routes_ipv6_externally}.get(version)
        return specific if specific is not None else self.routes_externally
