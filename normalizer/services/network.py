"""Raw Neutron calls, and the check whether a usable Neutron exists at all.

Paths are relative to ``transport.base_url("network")``, which already ends in
``/v2.0``. Every collection follows one pattern (``GET /<path>`` lists ``<plural>``,
``GET/DELETE /<path>/<id>``, ``POST /<path>`` with ``{<singular>: body}``), described
once in :data:`COLLECTIONS`; the methods below only name them.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple

from normalizer.exceptions import BadRequest
from normalizer.services.base import ServiceBase, segment
from normalizer.services.pagination import paginate

__all__ = ["NetworkService", "Collection", "COLLECTIONS"]


class Collection(NamedTuple):
    """One Neutron collection and the cached kinds its writes affect.

    >>> COLLECTIONS["floating_ips"].path
    '/floatingips'
    """

    kind: str
    path: str
    singular: str
    plural: str
    on_create: tuple[str, ...]
    on_delete: tuple[str, ...]


# Why the extra kinds: a network's subnets and DHCP ports go with it; a subnet is listed
# in its network and gets a DHCP port; a router's gateway and interfaces are ports; a
# port or floating IP change moves a server's addresses; deleting a port detaches
# any floating IP on it.
COLLECTIONS: Mapping[str, Collection] = {
    c.kind: c for c in (
        Collection("networks", "/networks", "network", "networks",
                   ("networks",), ("networks", "subnets", "ports")),
        Collection("subnets", "/subnets", "subnet", "subnets",
                   ("subnets", "networks", "ports"), ("subnets", "networks", "ports")),
        Collection("ports", "/ports", "port", "ports",
                   ("ports", "servers"), ("ports", "servers", "floating_ips")),
        Collection("routers", "/routers", "router", "routers",
                   ("routers", "ports"), ("routers", "ports")),
        Collection("floating_ips", "/floatingips", "floatingip", "floatingips",
                   ("floating_ips", "ports", "servers"), ("floating_ips", "ports", "servers")),
        Collection("security_groups", "/security-groups", "security_group", "security_groups",
                   ("security_groups",), ("security_groups", "ports")),
    )
}
_BY_PATH_NAME = {c.path.lstrip("/"): c for c in COLLECTIONS.values()}
_RULES_PATH = "/security-group-rules"


class NetworkService(ServiceBase):
    """Neutron, raw.

    Usage: ``NetworkService(transport, cache).list_networks(filters={"router:external": True})``
    """

    service = "network"
    _extensions: list[str] | None = None

    # --- the generic collection pattern --------------------------------------------

    def _list(self, kind: str, filters: Mapping[str, Any] | None, *, fresh: bool = False) -> list[dict]:
        coll = COLLECTIONS[kind]
        params = dict(filters or {})
        return self._read(kind, f"list_{kind}", {"filters": params},
                          lambda: paginate(self.transport, self.service, coll.path,
                                           key=coll.plural, params=params), fresh=fresh)

    def _get_one(self, kind: str, item_id: str) -> dict | None:
        coll = COLLECTIONS[kind]
        return self._get(kind, f"get_{coll.singular}", f"{coll.path}/{segment(item_id)}",
                         coll.singular, args={"id": item_id})

    def _create(self, kind: str, body: Mapping[str, Any]) -> dict:
        coll = COLLECTIONS[kind]
        return self._write("POST", coll.path, coll.on_create, key=coll.singular,
                           json={coll.singular: dict(body)})

    def _delete_one(self, kind: str, item_id: str) -> bool:
        coll = COLLECTIONS[kind]
        return self._delete(f"{coll.path}/{segment(item_id)}", coll.on_delete)

    # --- networks --------------------------------------------------------------------

    def list_networks(self, *, filters: Mapping[str, Any] | None = None) -> list[dict]:
        """Networks visible to the project. Usage: ``net.list_networks(filters={"shared": True})``"""
        return self._list("networks", filters)

    def get_network(self, network_id: str) -> dict | None:
        """One network by id, or None. Usage: ``net.get_network(nid)``"""
        return self._get_one("networks", network_id)

    def create_network(self, body: Mapping[str, Any]) -> dict:
        """Create a network. Usage: ``net.create_network({"name": "n1"})``"""
        return self._create("networks", body)

    def delete_network(self, network_id: str) -> bool:
        """Delete a network; False when already gone. Usage: ``net.delete_network(nid)``"""
        return self._delete_one("networks", network_id)

    # --- subnets ---------------------------------------------------------------------

    def list_subnets(self, *, filters: Mapping[str, Any] | None = None) -> list[dict]:
        """Subnets. Usage: ``net.list_subnets(filters={"network_id": nid})``"""
        return self._list("subnets", filters)

    def get_subnet(self, subnet_id: str) -> dict | None:
        """One subnet by id, or None. Usage: ``net.get_subnet(sid)``"""
        return self._get_one("subnets", subnet_id)

    def create_subnet(self, body: Mapping[str, Any]) -> dict:
        """Create a subnet. Usage: ``net.create_subnet({"network_id": nid, "cidr": c, "ip_version": 4})``"""
        return self._create("subnets", body)

    def delete_subnet(self, subnet_id: str) -> bool:
        """Delete a subnet; False when already gone. Usage: ``net.delete_subnet(sid)``"""
        return self._delete_one("subnets", subnet_id)

    # --- ports -----------------------------------------------------------------------

    def list_ports(self, *, filters: Mapping[str, Any] | None = None, fresh: bool = False) -> list[dict]:
        """Ports (``fresh`` skips the cache). Usage: ``net.list_ports(filters={"device_id": server_id})``"""
        return self._list("ports", filters, fresh=fresh)

    def get_port(self, port_id: str) -> dict | None:
        """One port by id, or None. Usage: ``net.get_port(pid)``"""
        return self._get_one("ports", port_id)

    def create_port(self, body: Mapping[str, Any]) -> dict:
        """Create a port. Usage: ``net.create_port({"network_id": nid})``"""
        return self._create("ports", body)

    def delete_port(self, port_id: str) -> bool:
        """Delete a port; False when already gone. Usage: ``net.delete_port(pid)``"""
        return self._delete_one("ports", port_id)

    # --- routers ---------------------------------------------------------------------

    def list_routers(self, *, filters: Mapping[str, Any] | None = None) -> list[dict]:
        """Routers. Usage: ``net.list_routers()``"""
        return self._list("routers", filters)

    def get_router(self, router_id: str) -> dict | None:
        """One router by id, or None. Usage: ``net.get_router(rid)``"""
        return self._get_one("routers", router_id)

    def create_router(self, body: Mapping[str, Any]) -> dict:
        """Create a router. Usage: ``net.create_router({"external_gateway_info": {"network_id": x}})``"""
        return self._create("routers", body)

    def delete_router(self, router_id: str) -> bool:
        """Delete a router; False when already gone. Usage: ``net.delete_router(rid)``"""
        return self._delete_one("routers", router_id)

    def add_router_interface(self, router_id: str, subnet_id: str | None = None,
                             port_id: str | None = None) -> dict:
        """Plug a subnet or a port into a router; returns Neutron's interface info.

        Usage: ``net.add_router_interface(rid, subnet_id=sid)``
        """
        if (subnet_id is None) == (port_id is None):
            raise BadRequest("add_router_interface needs exactly one of subnet_id or port_id",
                             hint="pass either subnet_id= or port_id=", service=self.service)
        body = {"subnet_id": subnet_id} if subnet_id is not None else {"port_id": port_id}
        return self._write("PUT", f"/routers/{segment(router_id)}/add_router_interface",
                           ("routers", "ports"), key=None, json=body)

    # --- floating IPs ----------------------------------------------------------------

    def list_floating_ips(self, *, filters: Mapping[str, Any] | None = None, fresh: bool = False) -> list[dict]:
        """Floating IPs (``fresh`` skips the cache). Usage: ``net.list_floating_ips(filters={"port_id": pid})``"""
        return self._list("floating_ips", filters, fresh=fresh)

    def get_floating_ip(self, floating_ip_id: str) -> dict | None:
        """One floating IP by id, or None. Usage: ``net.get_floating_ip(fid)``"""
        return self._get_one("floating_ips", floating_ip_id)

    def create_floating_ip(self, body: Mapping[str, Any]) -> dict:
        """Allocate a floating IP. Usage: ``net.create_floating_ip({"floating_network_id": x})``"""
        return self._create("floating_ips", body)

    def update_floating_ip(self, floating_ip_id: str, body: Mapping[str, Any], *,
                           if_revision: int | None = None) -> dict:
        """Attach (``{"port_id": p}``) or detach (``{"port_id": None}``) a floating IP.

        ``if_revision`` makes the write conditional (``If-Match: revision_number=N``):
        Neutron answers 412, raised as Conflict, when another client changed it first.

        Usage: ``net.update_floating_ip(fid, {"port_id": pid}, if_revision=3)``
        """
        coll = COLLECTIONS["floating_ips"]
        headers = {"If-Match": f"revision_number={if_revision}"} if if_revision is not None else None
        return self._write("PUT", f"{coll.path}/{segment(floating_ip_id)}", coll.on_create,
                           key=coll.singular, json={coll.singular: dict(body)}, headers=headers)

    def delete_floating_ip(self, floating_ip_id: str) -> bool:
        """Release a floating IP; False when already gone. Usage: ``net.delete_floating_ip(fid)``"""
        return self._delete_one("floating_ips", floating_ip_id)

    # --- security groups -------------------------------------------------------------

    def list_security_groups(self, *, filters: Mapping[str, Any] | None = None) -> list[dict]:
        """Security groups. Usage: ``net.list_security_groups(filters={"name": "web"})``"""
        return self._list("security_groups", filters)

    def get_security_group(self, group_id: str) -> dict | None:
        """One security group by id, or None. Usage: ``net.get_security_group(gid)``"""
        return self._get_one("security_groups", group_id)

    def create_security_group(self, body: Mapping[str, Any]) -> dict:
        """Create a security group. Usage: ``net.create_security_group({"name": "web"})``"""
        return self._create("security_groups", body)

    def delete_security_group(self, group_id: str) -> bool:
        """Delete a security group; False when already gone. Usage: ``net.delete_security_group(gid)``"""
        return self._delete_one("security_groups", group_id)

    def create_security_group_rule(self, body: Mapping[str, Any]) -> dict:
        """Add a rule (groups embed their rules, so groups are invalidated).

        Usage: ``net.create_security_group_rule({"security_group_id": g, "direction": "ingress"})``
        """
        return self._write("POST", _RULES_PATH, ("security_groups",), key="security_group_rule",
                           json={"security_group_rule": dict(body)})

    def delete_security_group_rule(self, rule_id: str) -> bool:
        """Delete a rule; False when already gone. Usage: ``net.delete_security_group_rule(rid)``"""
        return self._delete(f"{_RULES_PATH}/{segment(rule_id)}", ("security_groups",))

    # --- tags and extensions ---------------------------------------------------------

    def set_tags(self, collection: str, item_id: str, tags: Iterable[str]) -> list[str]:
        """Replace all tags of a resource (``PUT /{collection}/{id}/tags``).

        ``collection`` is Neutron's path name (``"floatingips"``) or our kind
        (``"floating_ips"``).

        Usage: ``net.set_tags("floatingips", fid, ["created-by-normalizer"])``
        """
        coll = COLLECTIONS.get(collection) or _BY_PATH_NAME.get(collection)
        path_name = coll.path.lstrip("/") if coll else segment(collection)
        kinds = (coll.kind,) if coll else ()
        return self._write("PUT", f"/{path_name}/{segment(item_id)}/tags", kinds, key="tags",
                           json={"tags": list(tags)})

    def list_extensions(self) -> list[str]:
        """Aliases of the Neutron API extensions this cloud offers.

        Usage: ``"standard-attr-tag" in net.list_extensions()``
        """
        # Extensions change only when the cloud is upgraded: one listing per Cloud object,
        # even without a configured cache (every floating IP write asks).
        if self._extensions is None:
            def produce() -> list[str]:
                items = paginate(self.transport, self.service, "/extensions", key="extensions")
                return [item["alias"] for item in items if isinstance(item, dict) and "alias" in item]
            self._extensions = self._read("extensions", "list_extensions", {}, produce)
        return list(self._extensions)

    def has_extension(self, alias: str) -> bool:
        """Whether Neutron offers the extension ``alias``. Usage: ``net.has_extension("router")``"""
        return alias in self.list_extensions()
