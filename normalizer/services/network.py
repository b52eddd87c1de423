"""Raw Neutron calls: the collections the library reads; floating-IP, security-group and port-forwarding writes.

Paths are relative to ``transport.base_url("network")``, which already ends in
``/v2.0``. Every collection is listed the same way (``GET /<path>`` answers
``<plural>``), described once in :data:`COLLECTIONS`; floating IPs are also written
(``POST /floatingips`` with ``{"floatingip": body}``, ``PUT`` and ``DELETE`` by id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from normalizer.exceptions import AuthError, NotFound
from normalizer.services.base import ServiceBase, segment
from normalizer.services.pagination import paginate

__all__ = ["NetworkService", "Collection", "COLLECTIONS"]


class Collection(NamedTuple):
    """One Neutron collection the library reads.

    >>> COLLECTIONS["floating_ips"].path
    '/floatingips'
    """

    kind: str
    path: str
    singular: str
    plural: str


COLLECTIONS: Mapping[str, Collection] = {
    c.kind: c for c in (
        Collection("networks", "/networks", "network", "networks"),
        Collection("subnets", "/subnets", "subnet", "subnets"),
        Collection("ports", "/ports", "port", "ports"),
        Collection("routers", "/routers", "router", "routers"),
        Collection("floating_ips", "/floatingips", "floatingip", "floatingips"),
        Collection("security_groups", "/security-groups", "security_group", "security_groups"),
    )
}
_BY_PATH_NAME = {c.path.lstrip("/"): c for c in COLLECTIONS.values()}
# A floating IP write moves a server's addresses (its port's, too), so those kinds go with it.
_FLOATING_IP_KINDS = ("floating_ips", "ports", "servers")
# A forwarding changes how a server is reached, and its floating IP's record lists it.
_FORWARDING_KINDS = ("port_forwardings", "floating_ips", "servers")


class NetworkService(ServiceBase):
    """Neutron, raw.

    >>> NetworkService(transport, cache).list_networks(filters={"router:external": True})  # doctest: +SKIP
    """

    service = "network"
    _extensions: list[str] | None = None

    # --- reads: every collection follows one pattern ----------------------------------

    def _list(self, kind: str, filters: Mapping[str, Any] | None, *, fresh: bool = False) -> list[dict]:
        coll = COLLECTIONS[kind]
        params = dict(filters or {})
        return self._read(kind, f"list_{kind}", {"filters": params},
                          lambda: paginate(self.transport, self.service, coll.path,
                                           key=coll.plural, params=params), fresh=fresh)

    def list_networks(self, *, filters: Mapping[str, Any] | None = None) -> list[dict]:
        """Networks visible to the project.

        >>> net.list_networks(filters={"shared": True})  # doctest: +SKIP
        """
        return self._list("networks", filters)

    def list_subnets(self, *, filters: Mapping[str, Any] | None = None) -> list[dict]:
        """Subnets.

        >>> net.list_subnets(filters={"network_id": nid})  # doctest: +SKIP
        """
        return self._list("subnets", filters)

    def list_ports(self, *, filters: Mapping[str, Any] | None = None, fresh: bool = False) -> list[dict]:
        """Ports (``fresh`` skips the cache).

        >>> net.list_ports(filters={"device_id": server_id})  # doctest: +SKIP
        """
        return self._list("ports", filters, fresh=fresh)

    def list_routers(self, *, filters: Mapping[str, Any] | None = None) -> list[dict]:
        """Routers.

        >>> net.list_routers()  # doctest: +SKIP
        """
        return self._list("routers", filters)

    def list_floating_ips(self, *, filters: Mapping[str, Any] | None = None, fresh: bool = False) -> list[dict]:
        """Floating IPs (``fresh`` skips the cache).

        >>> net.list_floating_ips(filters={"port_id": pid})  # doctest: +SKIP
        """
        return self._list("floating_ips", filters, fresh=fresh)

    # --- floating IP writes -----------------------------------------------------------

    def create_floating_ip(self, body: Mapping[str, Any]) -> dict:
        """Allocate a floating IP.

        >>> net.create_floating_ip({"floating_network_id": x})  # doctest: +SKIP
        """
        coll = COLLECTIONS["floating_ips"]
        return self._write("POST", coll.path, _FLOATING_IP_KINDS, key=coll.singular,
                           json={coll.singular: dict(body)})

    def update_floating_ip(self, floating_ip_id: str, body: Mapping[str, Any], *,
                           if_revision: int | None = None) -> dict:
        """Attach (``{"port_id": p}``) or detach (``{"port_id": None}``) a floating IP.

        ``if_revision`` makes the write conditional (``If-Match: revision_number=N``):
        Neutron answers 412, raised as Conflict, when another client changed it first.

        >>> net.update_floating_ip(fid, {"port_id": pid}, if_revision=3)  # doctest: +SKIP
        """
        coll = COLLECTIONS["floating_ips"]
        headers = {"If-Match": f"revision_number={if_revision}"} if if_revision is not None else None
        return self._write("PUT", f"{coll.path}/{segment(floating_ip_id)}", _FLOATING_IP_KINDS,
                           key=coll.singular, json={coll.singular: dict(body)}, headers=headers)

    def delete_floating_ip(self, floating_ip_id: str) -> bool:
        """Release a floating IP; False when already gone.

        >>> net.delete_floating_ip(fid)  # doctest: +SKIP
        """
        return self._delete(f"{COLLECTIONS['floating_ips'].path}/{segment(floating_ip_id)}", _FLOATING_IP_KINDS)

    # --- security groups (the SSH group of allow_ssh) ---------------------------------

    def list_security_groups(self, *, filters: Mapping[str, Any] | None = None,
                             fresh: bool = False) -> list[dict]:
        """Security groups, with their rules (``fresh`` skips the cache).

        >>> net.list_security_groups(filters={"name": "default"})  # doctest: +SKIP
        """
        return self._list("security_groups", filters, fresh=fresh)

    def create_security_group(self, body: Mapping[str, Any]) -> dict:
        """Create a security group (Neutron adds its default egress rules).

        >>> net.create_security_group({"name": "normalizer-web1", "description": "..."})  # doctest: +SKIP
        """
        return self._write("POST", "/security-groups", ("security_groups",), key="security_group",
                           json={"security_group": dict(body)})

    def create_security_group_rule(self, body: Mapping[str, Any]) -> dict:
        """Add a rule to a security group.

        >>> net.create_security_group_rule({"security_group_id": gid, "direction": "ingress"})  # doctest: +SKIP
        """
        return self._write("POST", "/security-group-rules", ("security_groups",), key="security_group_rule",
                           json={"security_group_rule": dict(body)})

    def delete_security_group(self, group_id: str) -> bool:
        """Delete a security group; False when already gone (Conflict while a port uses it).

        >>> net.delete_security_group(gid)  # doctest: +SKIP
        """
        return self._delete(f"/security-groups/{segment(group_id)}", ("security_groups",))

    # --- port forwardings of floating IPs (floating-ip-port-forwarding) ---------------

    def list_port_forwardings(self, floating_ip_id: str, *, fresh: bool = False) -> list[dict]:
        """The port forwardings of one floating IP (``fresh`` skips the cache).

        >>> net.list_port_forwardings(fid)  # doctest: +SKIP
        """
        path = f"/floatingips/{segment(floating_ip_id)}/port_forwardings"
        return self._read("port_forwardings", "list_port_forwardings", {"floating_ip": floating_ip_id},
                          lambda: paginate(self.transport, self.service, path, key="port_forwardings"), fresh=fresh)

    def create_port_forwarding(self, floating_ip_id: str, body: Mapping[str, Any]) -> dict:
        """Forward a port of a floating IP to a port of a fixed address (409 when taken).

        >>> net.create_port_forwarding(fid, {"protocol": "tcp", "external_port": 2201, ...})  # doctest: +SKIP
        """
        return self._write("POST", f"/floatingips/{segment(floating_ip_id)}/port_forwardings", _FORWARDING_KINDS,
                           key="port_forwarding", json={"port_forwarding": dict(body)})

    def delete_port_forwarding(self, floating_ip_id: str, forwarding_id: str) -> bool:
        """Delete one port forwarding; False when already gone.

        >>> net.delete_port_forwarding(fid, pfid)  # doctest: +SKIP
        """
        return self._delete(f"/floatingips/{segment(floating_ip_id)}/port_forwardings/{segment(forwarding_id)}",
                            _FORWARDING_KINDS)

    def floating_ip_quota_left(self, project_id: str) -> int | None:
        """How many more floating IPs the project may allocate (None: unlimited or not told).

        ``GET /quotas/{project}/details`` (Neutron's quota_details extension), read fresh.

        >>> net.floating_ip_quota_left(project_id)  # doctest: +SKIP
        1
        """
        try:
            reply = self._call("GET", f"/quotas/{segment(project_id)}/details")
        except (NotFound, AuthError):  # no quota_details extension, or a policy that hides quotas
            return None
        detail = ((reply.body or {}).get("quota") or {}).get("floatingip") if isinstance(reply.body, dict) else None
        if not isinstance(detail, Mapping) or not isinstance(detail.get("limit"), int) or detail["limit"] < 0:
            return None
        used = sum(v for v in (detail.get("used"), detail.get("reserved")) if isinstance(v, int))
        return max(detail["limit"] - used, 0)

    # --- tags and extensions ---------------------------------------------------------

    def set_tags(self, collection: str, item_id: str, tags: Iterable[str]) -> list[str]:
        """Replace all tags of a resource (``PUT /{collection}/{id}/tags``).

        ``collection`` is Neutron's path name (``"floatingips"``) or our kind
        (``"floating_ips"``).

        >>> net.set_tags("floatingips", fid, ["created-by-normalizer"])  # doctest: +SKIP
        """
        coll = COLLECTIONS.get(collection) or _BY_PATH_NAME.get(collection)
        path_name = coll.path.lstrip("/") if coll else segment(collection)
        kinds = (coll.kind,) if coll else ()
        return self._write("PUT", f"/{path_name}/{segment(item_id)}/tags", kinds, key="tags",
                           json={"tags": list(tags)})

    def _extension_aliases(self) -> list[str]:
        """Aliases of the Neutron API extensions this cloud offers."""
        # Extensions change only when the cloud is upgraded: one listing per Cloud object,
        # even without a configured cache (every floating IP write asks).
        if self._extensions is None:
            def produce() -> list[str]:
                items = paginate(self.transport, self.service, "/extensions", key="extensions")
                return [item["alias"] for item in items if isinstance(item, dict) and "alias" in item]
            self._extensions = self._read("extensions", "list_extensions", {}, produce)
        return list(self._extensions)

    def has_extension(self, alias: str) -> bool:
        """Whether Neutron offers the extension ``alias``.

        >>> net.has_extension("router")  # doctest: +SKIP
        """
        return alias in self._extension_aliases()
