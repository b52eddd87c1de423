"""Reach servers through one shared floating IP: a distinct external TCP port forwarded to each one's SSH.

Neutron's ``floating-ip-port-forwarding`` extension forwards ``<floating IP>:<port>`` to
``<fixed IP>:22`` of a server's port. The project's shared floating IP carries the
description ``created by normalizer for port forwarding``; each forwarding names its
server (``created by normalizer for server <id>``). Concurrent creates never share a
port: Neutron refuses a second forwarding of the same external port (409), and the
loser takes the next free one. Two creates that both allocate a shared floating IP
converge on the oldest, and the other is released.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Callable

from normalizer.exceptions import Conflict, NotFound, ProvisionError, QuotaExceeded
from normalizer.normalize import CREATED_BY_DESCRIPTION
from normalizer.provision.access import SSH_PORT
from normalizer.provision.ledger import Ledger
from normalizer.provision.public_ip import first_fixed_v4, owner_marks
from normalizer.provision.recovery import answered_with, guarded_write

__all__ = ["SHARED_DESCRIPTION", "PortForwarder", "is_shared_floating_ip", "forwardings_of"]

_LOG = logging.getLogger("normalizer.provision")

#: The description of the floating IP the project's port-forwarded servers share.
SHARED_DESCRIPTION = f"{CREATED_BY_DESCRIPTION} for port forwarding"
_PROTOCOL = "tcp"
_ATTEMPTS = 50  # ports tried before giving up: each failure is another client taking that very port
# One lock per process and pool: threads of one program agree on one shared floating IP
# without allocating one each (other processes converge through _oldest).
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def is_shared_floating_ip(fip: Mapping[str, Any]) -> bool:
    """True for the floating IP normalizer shares among port-forwarded servers.

    >>> is_shared_floating_ip({"description": SHARED_DESCRIPTION, "port_id": None})
    True
    """
    return fip.get("description") == SHARED_DESCRIPTION and not fip.get("port_id")


def forwardings_of(server_id: str, forwardings: Iterable[Mapping[str, Any]],
                   port_ids: Iterable[str] = ()) -> list[Mapping[str, Any]]:
    """The forwardings made for this server: marked for it, or reaching one of its ports.

    >>> forwardings_of("s1", [{"id": "p1", "description": owner_marks("s1")[0]}, {"id": "p2", "description": ""}])
    [{'id': 'p1', 'description': 'created by normalizer for server s1'}]
    """
    mark, ports = owner_marks(server_id)[0], set(port_ids)
    return [f for f in forwardings if f.get("description") == mark or f.get("internal_port_id") in ports]


def _lock(pool_id: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(pool_id, threading.Lock())


def _oldest(fips: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    shared = [f for f in fips if is_shared_floating_ip(f)]
    return min(shared, key=lambda f: (str(f.get("created_at") or ""), str(f.get("id")))) if shared else None


class PortForwarder:
    """Forward a free external port of the shared floating IP to a server's SSH, and undo it.

    >>> PortForwarder(network, ports=(2201, 2999)).forward(pool_id, port, server_id, ledger)  # doctest: +SKIP
    """

    def __init__(self, network: Any, *, ports: tuple[int, int]) -> None:
        self.network = network
        self.first, self.last = ports

    def forward(self, pool_id: str, port: Mapping[str, Any], server_id: str,
                ledger: Ledger) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        """Forward a free port of the shared floating IP (made when there is none) to ``port``'s SSH.

        Returns the shared floating IP and the forwarding; both are in the ledger.
        """
        for _ in range(_ATTEMPTS):
            shared = self._shared(pool_id, ledger)
            try:
                return shared, self._add(shared, port, server_id, ledger)
            except NotFound:
                continue  # another delete released the shared floating IP meanwhile: find or make another
        raise ProvisionError(f"no port of the shared floating IP could be forwarded after {_ATTEMPTS} attempts",
                             hint="other clients are taking ports as fast as they appear; try again")

    def _shared(self, pool_id: str, ledger: Ledger) -> Mapping[str, Any]:
        with _lock(pool_id):
            listed = self._pool(pool_id)
            oldest = _oldest(listed)
            if oldest is not None:
                return oldest
            made = self._allocate(pool_id, ledger, seen={f.get("id") for f in listed})
            oldest = _oldest(self._pool(pool_id)) or made
            if oldest.get("id") != made.get("id"):  # another process made one at the same time: use the oldest
                self.release_if_unused(made.get("id"))
                ledger.forget("floating IP", made.get("id"))
            return oldest

    def _pool(self, pool_id: str) -> list:
        return self.network.list_floating_ips(filters={"floating_network_id": pool_id}, fresh=True)

    def _allocate(self, pool_id: str, ledger: Ledger, *, seen: set) -> Mapping[str, Any]:
        """Allocate the shared floating IP; ``seen``: the pool's floating IPs listed just before."""
        body = {"floating_network_id": pool_id, "description": SHARED_DESCRIPTION}

        def search() -> list:
            return [(f.get("id"), lambda i=f.get("id"): self.release_if_unused(i)) for f in self._pool(pool_id)
                    if is_shared_floating_ip(f) and f.get("id") not in seen]
        what = "allocating the shared floating IP for port forwarding"
        try:
            fip = guarded_write(lambda: answered_with(self.network.create_floating_ip(body), "id", what=what),
                                search=search, kind="floating IP", ledger=ledger, what=what)
        except QuotaExceeded:
            oldest = _oldest(self._pool(pool_id))  # another create took the last one for the same purpose
            if oldest is None:
                raise
            return oldest
        ledger.add("floating IP", fip.get("id"), lambda: self.release_if_unused(fip.get("id")))
        return fip

    def _add(self, shared: Mapping[str, Any], port: Mapping[str, Any], server_id: str,
             ledger: Ledger) -> Mapping[str, Any]:
        fip_id = str(shared.get("id"))
        taken = {int(f.get("external_port") or 0) for f in self.network.list_port_forwardings(fip_id, fresh=True)}
        candidates = (p for p in range(self.first, self.last + 1) if p not in taken)
        for external in candidates:
            body = {"protocol": _PROTOCOL, "internal_port_id": port.get("id"),
                    "internal_ip_address": first_fixed_v4(port), "internal_port": SSH_PORT,
                    "external_port": external, "description": owner_marks(server_id)[0]}

            def search(external: int = external) -> list:
                return [(str(f.get("id")), lambda i=f.get("id"): self.remove(fip_id, i))
                        for f in self.network.list_port_forwardings(fip_id, fresh=True)
                        if f.get("external_port") == external and f.get("internal_port_id") == port.get("id")]
            what = f"forwarding port {external} of {shared.get('floating_ip_address')} to server {server_id}"
            try:
                made = guarded_write(
                    lambda body=body: answered_with(self.network.create_port_forwarding(fip_id, body), "id",
                                                    what=what),
                    search=search, kind="port forwarding", ledger=ledger, what=what)
            except Conflict:
                continue  # another create took this port a moment ago
            ledger.add("port forwarding", str(made.get("id")), lambda i=made.get("id"): self.remove(fip_id, i))
            return made
        raise ProvisionError(f"every port from {self.first} to {self.last} of the shared floating IP "
                             f"{shared.get('floating_ip_address')} is forwarded already",
                             hint="widen network.forwarded_ports in the profile, or delete servers you no longer use")

    def remove(self, fip_id: str, forwarding_id: str) -> None:
        """Delete one forwarding, then the shared floating IP when nothing else uses it."""
        self.network.delete_port_forwarding(fip_id, forwarding_id)
        self.release_if_unused(fip_id)

    def release_if_unused(self, fip_id: Any) -> bool:
        """Release the shared floating IP when no forwarding uses it; True when released.

        >>> PortForwarder(network, ports=(2201, 2999)).release_if_unused("f1")  # doctest: +SKIP
        True
        """
        try:
            if self.network.list_port_forwardings(str(fip_id), fresh=True):
                return False
        except NotFound:
            return False
        return bool(self.network.delete_floating_ip(str(fip_id)))

    def remove_for_server(self, server_id: str, fips: Sequence[Mapping[str, Any]],
                          port_ids: Callable[[], Iterable[str]]) -> list[str]:
        """Delete the server's forwardings on the shared floating IPs (then each one left unused).

        Returns what was removed, as labels for the result and for errors.
        """
        removed, ports = [], None
        for shared in (f for f in fips if is_shared_floating_ip(f)):
            fip_id = str(shared.get("id"))
            try:
                listed = self.network.list_port_forwardings(fip_id, fresh=True)
            except NotFound:
                continue
            ports = list(port_ids()) if ports is None else ports
            mine = forwardings_of(server_id, listed, ports)
            for forwarding in mine:
                self.network.delete_port_forwarding(fip_id, str(forwarding.get("id")))
                removed.append(f"port forwarding {shared.get('floating_ip_address')}:{forwarding.get('external_port')}")
            if mine and self.release_if_unused(fip_id):  # listed again: concurrent deletes each look
                removed.append(f"floating IP {fip_id}")
        return removed
