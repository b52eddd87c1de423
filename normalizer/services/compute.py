"""Raw Nova calls: servers, flavors, keypairs and the nova-network floating-IP proxy.

Paths are relative to ``transport.base_url("compute")`` (``.../v2.1``). The transport
sends the negotiated microversion; a few calls override it where an older behaviour is
needed (see :data:`PROXY_MICROVERSION` and :meth:`ComputeService.create_keypair`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from normalizer.microversions import microversion_at_least
from normalizer.services.base import ServiceBase, segment, unwrap
from normalizer.services.pagination import paginate

__all__ = ["ComputeService", "exact_name_filter", "PROXY_MICROVERSION"]

#: The nova-network proxy APIs (os-floating-ips, addFloatingIp...) answer 404 from 2.36 on.
PROXY_MICROVERSION = "2.35"
#: From 2.61 on, flavor lists carry ``extra_specs`` themselves.
_INLINE_EXTRA_SPECS = "2.61"
#: From 2.92 on, Nova no longer generates a keypair when no public key is given.
_NO_KEY_GENERATION = "2.92"
_LAST_KEY_GENERATION = "2.91"

# A server's addresses and ports change with it; a few clouds also auto-assign a
# floating IP at boot, so floating IPs are invalidated with servers too.
_SERVER_KINDS = ("servers", "ports", "floating_ips")
_NOVA_FIP_KINDS = ("floating_ips", "ports", "servers")


def exact_name_filter(name: str) -> str:
    """Nova's ``name`` filter is a database regex: this one matches only ``name`` itself.

    >>> print(exact_name_filter("web.1"))
    ^web\\.1$
    """
    return "^" + "".join("\\" + c if c in ".^$*+?{}[]\\|()" else c for c in name) + "$"


class ComputeService(ServiceBase):
    """Nova, raw.

    >>> ComputeService(transport, cache).list_servers(filters={"name": "^web"})  # doctest: +SKIP
    """

    service = "compute"

    # --- servers ---------------------------------------------------------------------

    def list_servers(self, *, filters: Mapping[str, Any] | None = None, fresh: bool = False) -> list[dict]:
        """Every server of the project with details (``GET /servers/detail``); ``fresh`` skips the cache.

        >>> compute.list_servers(filters={"status": "ACTIVE"})  # doctest: +SKIP
        """
        params = dict(filters or {})
        return self._read("servers", "list_servers", {"filters": params},
                          lambda: paginate(self.transport, self.service, "/servers/detail",
                                           key="servers", params=params), fresh=fresh)

    def get_server(self, server_id: str, *, fresh: bool = False) -> dict | None:
        """One server by id, or None; ``fresh`` skips the cache (for polling).

        >>> compute.get_server("9e1c...", fresh=True)  # doctest: +SKIP
        """
        return self._get("servers", "get_server", f"/servers/{segment(server_id)}", "server",
                         args={"id": server_id}, fresh=fresh)

    def create_server(self, body: Mapping[str, Any]) -> dict:
        """Boot a server; returns Nova's answer (id, links, ``adminPass``...).

        >>> compute.create_server({"name": "web", "imageRef": i, "flavorRef": f})  # doctest: +SKIP
        """
        return self._write("POST", "/servers", _SERVER_KINDS, key="server", json={"server": dict(body)})

    def delete_server(self, server_id: str) -> bool:
        """Delete a server; False when it was already gone.

        >>> compute.delete_server("9e1c...")  # doctest: +SKIP
        """
        return self._delete(f"/servers/{segment(server_id)}", _SERVER_KINDS)

    def set_server_metadata_item(self, server_id: str, key: str, value: str) -> dict:
        """Set one metadata item of a server (``PUT /servers/{id}/metadata/{key}``).

        >>> compute.set_server_metadata_item(sid, "role", "web")  # doctest: +SKIP
        """
        return self._write("PUT", f"/servers/{segment(server_id)}/metadata/{segment(key)}", _SERVER_KINDS,
                           key="meta", json={"meta": {key: value}})

    # --- flavors ---------------------------------------------------------------------

    def list_flavors(self, *, include_private: bool = True, with_extra_specs: bool = False) -> list[dict]:
        """Every flavor the project may use (``GET /flavors/detail``).

        ``include_private`` sends ``is_public=None`` so flavors shared with the project
        are listed too. ``with_extra_specs`` adds ``extra_specs`` to each flavor: they
        are already in the list from microversion 2.61; before that, one extra request
        per flavor is made, so only ask when you need them.

        >>> compute.list_flavors(with_extra_specs=True)  # doctest: +SKIP
        """
        params = {"is_public": "None"} if include_private else {}
        flavors = self._read("flavors", "list_flavors", {"params": params},
                             lambda: paginate(self.transport, self.service, "/flavors/detail",
                                              key="flavors", params=params))
        if not with_extra_specs or microversion_at_least(
                self.transport.compute_microversion, _INLINE_EXTRA_SPECS):
            return flavors
        return [self._with_extra_specs(flavor) for flavor in flavors]

    def _with_extra_specs(self, flavor: dict) -> dict:
        if "extra_specs" in flavor or "id" not in flavor:
            return flavor
        specs = self._flavor_extra_specs(flavor["id"])
        # A copy: the cached flavor list must stay as Nova sent it.
        return {**flavor, "extra_specs": specs if specs is not None else {}}

    def _flavor_extra_specs(self, flavor_id: str) -> dict | None:
        """A flavor's extra specs (``GET /flavors/{id}/os-extra_specs``), or None."""
        return self._get("flavors", "get_flavor_extra_specs",
                         f"/flavors/{segment(flavor_id)}/os-extra_specs", "extra_specs",
                         args={"id": flavor_id})

    # --- keypairs --------------------------------------------------------------------

    def list_keypairs(self) -> list[dict]:
        """The user's keypairs, each without its ``{"keypair": ...}`` wrapper.

        >>> [k["name"] for k in compute.list_keypairs()]  # doctest: +SKIP
        """
        def produce() -> list[dict]:
            items = paginate(self.transport, self.service, "/os-keypairs", key="keypairs")
            return [item["keypair"] if isinstance(item, dict) and "keypair" in item else item
                    for item in items]
        return self._read("keypairs", "list_keypairs", {}, produce)

    def get_keypair(self, name: str) -> dict | None:
        """One keypair by name, or None.

        >>> compute.get_keypair("deploy")  # doctest: +SKIP
        """
        return self._get("keypairs", "get_keypair", f"/os-keypairs/{segment(name)}", "keypair",
                         args={"name": name})

    def create_keypair(self, name: str, public_key: str | None = None,
                       key_type: str | None = None) -> dict:
        """Import ``public_key``, or let Nova generate a pair (the answer has ``private_key``).

        Nova stopped generating keys at microversion 2.92, so a generation request is
        sent at 2.91 when the negotiated version is newer.

        >>> compute.create_keypair("deploy", public_key=open(path).read())  # doctest: +SKIP
        """
        body: dict[str, Any] = {"name": name}
        if public_key is not None:
            body["public_key"] = public_key
        if key_type is not None:
            body["type"] = key_type
        microversion = None
        if public_key is None and microversion_at_least(
                self.transport.compute_microversion, _NO_KEY_GENERATION):
            microversion = _LAST_KEY_GENERATION
        return self._write("POST", "/os-keypairs", ("keypairs",), key="keypair",
                           json={"keypair": body}, microversion=microversion)

    def delete_keypair(self, name: str) -> bool:
        """Delete a keypair; False when it was already gone.

        >>> compute.delete_keypair("deploy")  # doctest: +SKIP
        """
        return self._delete(f"/os-keypairs/{segment(name)}", ("keypairs",))

    # --- nova-network floating IP proxy (always at PROXY_MICROVERSION) -------------------

    def list_nova_floating_ips(self, *, fresh: bool = False) -> list[dict]:
        """Floating IPs through Nova's proxy (``GET /os-floating-ips``); ``fresh`` skips the cache.

        >>> compute.list_nova_floating_ips(fresh=True)  # doctest: +SKIP
        """
        return self._read("floating_ips", "list_nova_floating_ips", {},
                          lambda: self._proxy_get("/os-floating-ips", "floating_ips"), fresh=fresh)

    def list_nova_floating_ip_pools(self) -> list[dict]:
        """Floating-IP pools through Nova's proxy (``[{"name": ...}]``).

        >>> [p["name"] for p in compute.list_nova_floating_ip_pools()]  # doctest: +SKIP
        """
        return self._read("floating_ips", "list_nova_floating_ip_pools", {},
                          lambda: self._proxy_get("/os-floating-ip-pools", "floating_ip_pools"))

    def _proxy_get(self, path: str, key: str) -> Any:
        reply = self._call("GET", path, microversion=PROXY_MICROVERSION)
        return unwrap(reply, key, service=self.service, method="GET")

    def create_nova_floating_ip(self, pool: str | None) -> dict:
        """Allocate a floating IP from ``pool`` (None: the cloud's default pool).

        >>> compute.create_nova_floating_ip(pool_name)  # doctest: +SKIP
        """
        body = {"pool": pool} if pool is not None else {}
        return self._write("POST", "/os-floating-ips", _NOVA_FIP_KINDS, key="floating_ip",
                           json=body, microversion=PROXY_MICROVERSION)

    def delete_nova_floating_ip(self, floating_ip_id: str) -> bool:
        """Release a floating IP; False when it was already gone.

        >>> compute.delete_nova_floating_ip("1")  # doctest: +SKIP
        """
        return self._delete(f"/os-floating-ips/{segment(floating_ip_id)}", _NOVA_FIP_KINDS,
                            microversion=PROXY_MICROVERSION)

    def add_nova_floating_ip(self, server_id: str, address: str,
                             fixed_address: str | None = None) -> None:
        """Attach a floating IP to a server (``addFloatingIp`` action).

        >>> compute.add_nova_floating_ip(sid, "203.0.113.5")  # doctest: +SKIP
        """
        action: dict[str, Any] = {"address": address}
        if fixed_address is not None:
            action["fixed_address"] = fixed_address
        self._send("POST", f"/servers/{segment(server_id)}/action", _NOVA_FIP_KINDS,
                   json={"addFloatingIp": action}, microversion=PROXY_MICROVERSION)
