"""Raw Neutron calls: the collections the library reads, floating-IP writes, tags, extensions.

Paths are relative to ``transport.base_url("network")``, which already ends in
``/v2.0``. Every collection is listed the same way (``GET /<path>`` answers
``<plural>``), described once in :data:`COLLECTIONS`; floating IPs are also written
(``POST /floatingips`` with ``{"floatingip": body}``, ``PUT`` and ``DELETE`` by id).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple

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
    )
}
_BY_PATH_NAME = {c.path.lstrip("/"): c for c in COLLECTIONS.values()}
# A floating IP write moves a server's addresses (its port's, too), so those kinds go with it.
_FLOATING_IP_KINDS = ("floating_ips", "ports", "servers")


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

    # --- floating IP writes (the only Neutron resource the library changes) -----------

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
