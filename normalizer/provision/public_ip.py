"""Step 5: give a server a public IPv4 address with a floating IP, and find the ones we own.

A floating IP normalizer allocates carries its owner: the description
``"created by normalizer for server <id>"`` and, where Neutron has the tag extension, the
tag ``normalizer:server=<id>``. On nova-network clouds, whose floating IPs have neither,
the server's metadata item ``normalizer:floating_ips`` lists them. ``delete_server``
releases only what these marks name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from normalizer.exceptions import Conflict, NotFound, ProvisionError
from normalizer.normalize import CREATED_BY_DESCRIPTION, OWNER_TAG_PREFIX, is_created_by_normalizer
from normalizer.provision.ledger import Ledger
from normalizer.provision.recovery import answered_with, guarded_write

__all__ = ["FloatingIPs", "NOVA_OWNER_KEY", "owner_marks", "owned_floating_ips", "first_fixed_v4", "fip_kept_because",
           "needs_ports", "nova_fip_kept_because"]

#: Server metadata item listing the nova-network floating IPs normalizer allocated for it.
NOVA_OWNER_KEY = "normalizer:floating_ips"
_TAG_EXTENSION = "standard-attr-tag"
_DESCRIPTION_EXTENSION = "standard-attr-description"
_REVISION_EXTENSION = "revision-if-match"


def owner_marks(server_id: str) -> tuple[str, str]:
    """The description and the tag that mark a floating IP as created for ``server_id``.

    >>> owner_marks("s1")
    ('created by normalizer for server s1', 'normalizer:server=s1')
    """
    return f"{CREATED_BY_DESCRIPTION} for server {server_id}", f"{OWNER_TAG_PREFIX}server={server_id}"


def _floating_addresses(server: Mapping[str, Any]) -> set[str]:
    found = set()
    for entries in (server.get("addresses") or {}).values():
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, Mapping) and entry.get("OS-EXT-IPS:type") == "floating":
                found.add(entry.get("addr"))
    return found


def owned_floating_ips(fips: Sequence[Mapping[str, Any]], server: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The raw Neutron floating IPs normalizer created for this raw server (pure).

    A mark naming this server counts; a mark naming no server counts when the address
    is attached to this server; a mark naming another server never does.

    >>> server = {"id": "s1", "addresses": {}}
    >>> [f["id"] for f in owned_floating_ips([{"id": "f1", "description": owner_marks("s1")[0]},
    ...     {"id": "f2", "description": owner_marks("s2")[0]}, {"id": "f3", "description": ""}], server)]
    ['f1']
    """
    server_id = str(server.get("id"))
    description, tag = owner_marks(server_id)
    attached = _floating_addresses(server)
    owned = []
    for fip in fips:
        if not is_created_by_normalizer(fip):
            continue
        tags = [t for t in fip.get("tags") or () if isinstance(t, str) and t.startswith(OWNER_TAG_PREFIX)]
        text = str(fip.get("description") or "")
        if text == description or tag in tags:
            owned.append(fip)
        elif text == CREATED_BY_DESCRIPTION and not tags and fip.get("floating_ip_address") in attached:
            owned.append(fip)
    return owned


def _attached_elsewhere(fip: Mapping[str, Any], server: Mapping[str, Any],
                        port_ids: set | None) -> str | None | bool:
    """Why ``fip`` no longer serves ``server``; None when it does; True when ports must tell."""
    port = fip.get("port_id")
    if not port:
        return None
    details = fip.get("port_details")
    device = details.get("device_id") if isinstance(details, Mapping) else None
    if device:
        return None if device == server.get("id") else f"it is attached to device {device} now"
    if fip.get("floating_ip_address") in _floating_addresses(server):
        return None
    if port_ids is None:
        return True
    return None if port in port_ids else f"it is attached to port {port}, which is not this server's"


def needs_ports(fip: Mapping[str, Any], server: Mapping[str, Any]) -> bool:
    """Whether only the server's ports can tell if ``fip`` still serves it (pure).

    >>> needs_ports({"port_id": "p9", "floating_ip_address": "203.0.113.9"}, {"id": "s1", "addresses": {}})
    True
    >>> needs_ports({"port_id": None}, {"id": "s1"})
    False
    """
    return _attached_elsewhere(fip, server, None) is True


def fip_kept_because(fip: Mapping[str, Any], server: Mapping[str, Any], port_ids: set | None) -> str | None:
    """None when a floating IP marked for ``server`` is still its own to release, else why it is kept (pure).

    It is ours while it is unattached or attached to this server (its port's device, its
    address among the server's, or its port among ``port_ids``, the server's ports).
    Attached to anything else, the user moved it: releasing it would cut another
    server off.

    >>> fip_kept_because({"port_id": "p2", "port_details": {"device_id": "s2"}}, {"id": "s1"}, None)
    'it is attached to device s2 now'
    >>> fip_kept_because({"port_id": "p1"}, {"id": "s1", "addresses": {}}, {"p1"}) is None
    True
    """
    reason = _attached_elsewhere(fip, server, port_ids)
    if reason is True:
        return "it is attached to a port normalizer could not check"
    return reason


def nova_fip_kept_because(fip: Mapping[str, Any] | None, server: Mapping[str, Any]) -> str | None:
    """The nova-network counterpart of :func:`fip_kept_because` (Nova shows ``instance_id``).

    >>> nova_fip_kept_because({"id": "1", "instance_id": "s2"}, {"id": "s1"})
    'it is associated with server s2 now'
    >>> nova_fip_kept_because({"id": "1", "instance_id": None}, {"id": "s1"}) is None
    True
    """
    if fip is None:
        return None  # already released: the DELETE answers 404, which is fine
    instance = fip.get("instance_id")
    return None if not instance or instance == server.get("id") else f"it is associated with server {instance} now"


def first_fixed_v4(port: Mapping[str, Any]) -> str | None:
    """The port's first IPv4 fixed address (a floating IP maps to one of them).

    >>> first_fixed_v4({"fixed_ips": [{"ip_address": "2001:db8::5"}, {"ip_address": "10.0.0.5"}]})
    '10.0.0.5'
    """
    for entry in port.get("fixed_ips") or ():
        address = str(entry.get("ip_address") or "")
        if address and ":" not in address:
            return address
    return None


class FloatingIPs:
    """Allocate, claim, find and release floating IPs for servers (Neutron or Nova's proxy).

    >>> FloatingIPs(compute, network).allocate(pool_id, port, server_id, ledger)  # doctest: +SKIP
    """

    def __init__(self, compute: Any, network: Any) -> None:
        self.compute = compute
        self.network = network

    # --- Neutron ------------------------------------------------------------------

    def server_port(self, server_id: str, network_id: str | None) -> Mapping[str, Any] | None:
        """The server's port on ``network_id`` (any port when None), read fresh; None if none yet."""
        filters = {"device_id": server_id}
        if network_id:
            filters["network_id"] = network_id
        ports = [p for p in self.network.list_ports(filters=filters, fresh=True) if first_fixed_v4(p)]
        return sorted(ports, key=lambda p: str(p.get("id")))[0] if ports else None

    def allocate(self, pool_id: str, port: Mapping[str, Any], server_id: str, ledger: Ledger) -> Mapping[str, Any]:
        """Create a floating IP on ``pool_id`` attached to ``port``, marked for ``server_id``.

        One POST creates and attaches it; one PUT tags it where tags exist. If the POST's
        answer is lost (timeout, reset), a floating IP carrying our mark is looked up
        and recorded, so it is removed with everything else.
        """
        description, tag = owner_marks(server_id)
        body: dict[str, Any] = {"floating_network_id": pool_id, "port_id": port.get("id"),
                                "fixed_ip_address": first_fixed_v4(port)}
        if self.network.has_extension(_DESCRIPTION_EXTENSION):
            body["description"] = description

        def search() -> list:
            return [(f.get("id"), lambda i=f.get("id"): self.release(i))
                    for f in self._made_for(server_id, pool_id, port.get("id"))]
        what = f"allocating a floating IP for server {server_id}"
        fip = guarded_write(lambda: answered_with(self.network.create_floating_ip(body), "id", what=what),
                            search=search, kind="floating IP", ledger=ledger, what=what)
        ledger.add("floating IP", fip.get("id"), lambda: self.release(fip.get("id")))
        if self.network.has_extension(_TAG_EXTENSION):
            self.network.set_tags("floatingips", fip.get("id"), [tag])
            fip = dict(fip, tags=[tag])
        return fip

    def _made_for(self, server_id: str, pool_id: str, port_id: Any) -> list[Mapping[str, Any]]:
        """Floating IPs of the pool carrying our mark for this server, or attached to its new port."""
        fips = self.network.list_floating_ips(filters={"floating_network_id": pool_id}, fresh=True)
        marked = owned_floating_ips(fips, {"id": server_id})
        # Without the description extension there is no mark; the port is this call's
        # new server's, so whatever is attached to it was made by the lost POST.
        on_port = [f for f in fips if port_id and f.get("port_id") == port_id and f not in marked]
        return marked + on_port

    def claim(self, pool_id: str, port: Mapping[str, Any], ledger: Ledger) -> Mapping[str, Any] | None:
        """Attach an unattached floating IP of ``pool_id`` to ``port``, or None when none is free.

        The attach is conditional on the revision the listing showed (``If-Match``), so
        two concurrent claims never win the same floating IP; the loser tries the next.
        Without the revision-if-match extension no claim is safe, so none is made.
        """
        if not self.network.has_extension(_REVISION_EXTENSION):
            return None
        free = [f for f in self.network.list_floating_ips(filters={"floating_network_id": pool_id}, fresh=True)
                if not f.get("port_id") and f.get("revision_number") is not None]
        for fip in sorted(free, key=lambda f: str(f.get("floating_ip_address"))):
            try:
                claimed = self.network.update_floating_ip(
                    fip.get("id"), {"port_id": port.get("id"), "fixed_ip_address": first_fixed_v4(port)},
                    if_revision=fip.get("revision_number"))
            except Conflict:
                continue  # another client claimed it between our listing and our write
            ledger.add("floating IP attachment", fip.get("id"), lambda i=fip.get("id"): self.detach(i))
            return claimed
        return None

    def detach(self, fip_id: str) -> None:
        """Detach a floating IP this call claimed but did not create (it stays allocated)."""
        try:
            self.network.update_floating_ip(fip_id, {"port_id": None})
        except NotFound:
            pass

    def release(self, fip_id: str) -> bool:
        """Release a Neutron floating IP; False when it was already gone."""
        return self.network.delete_floating_ip(fip_id)

    # --- nova-network (Nova's proxy API) ---------------------------------------------

    def allocate_nova(self, pool: str | None, server: Mapping[str, Any], ledger: Ledger) -> Mapping[str, Any]:
        """Allocate from a Nova pool, attach to the server and record it in the server's metadata.

        Nova's floating IPs carry no mark, so the pool's allocations are listed before the
        POST: if its answer is lost, the one new unassociated address is ours. When several
        appeared at once (another client allocating too), none can be told apart and the
        error says so instead of releasing someone else's.
        """
        before = {str(f.get("id")) for f in self.compute.list_nova_floating_ips(fresh=True)}

        def search() -> list:
            new = [f for f in self.compute.list_nova_floating_ips(fresh=True)
                   if str(f.get("id")) not in before and (pool is None or f.get("pool") == pool)
                   and not f.get("instance_id")]
            if len(new) > 1:
                raise ProvisionError(f"{len(new)} floating IPs appeared in pool {pool!r} at once; "
                                     "normalizer cannot tell which one it made",
                                     hint="release the unused ones yourself")
            return [(str(f.get("id")), lambda i=str(f.get("id")): self.compute.delete_nova_floating_ip(i))
                    for f in new]
        what = f"allocating a floating IP from pool {pool!r}"
        fip = guarded_write(lambda: answered_with(self.compute.create_nova_floating_ip(pool), "id", "ip", what=what),
                            search=search, kind="floating IP", ledger=ledger, what=what)
        fip_id = str(fip["id"])
        ledger.add("floating IP", fip_id, lambda: self.compute.delete_nova_floating_ip(fip_id))
        self.compute.add_nova_floating_ip(server.get("id"), fip.get("ip"))
        owned = self.owned_nova(server) + [fip_id]
        self.compute.set_server_metadata_item(server.get("id"), NOVA_OWNER_KEY, ",".join(owned))
        return fip

    def owned_nova(self, server: Mapping[str, Any]) -> list[str]:
        """Ids of the nova-network floating IPs listed in the server's metadata."""
        return [i for i in str((server.get("metadata") or {}).get(NOVA_OWNER_KEY) or "").split(",") if i]
