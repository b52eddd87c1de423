"""Pure composition: raw API payloads plus the effective profile -> normalized objects.

The Cloud fetches; this module decides and shapes, with no I/O. The golden cases in
``tests/cases/`` drive these same functions with recorded payloads, so what they pin is
exactly what users get.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from munch import Munch

from normalizer.normalize import Context, normalize_network, normalize_server
from normalizer.select.network_roles import NetworkRoles, classify_networks

__all__ = ["Topology", "network_roles", "network_views", "server_viewer", "networks_from_addresses"]


@dataclass(frozen=True)
class Topology:
    """The raw network facts roles are decided from (one snapshot)."""

    networks: Sequence[Mapping[str, Any]] = ()
    subnets: Sequence[Mapping[str, Any]] = ()
    routers: Sequence[Mapping[str, Any]] = ()
    router_ports: Sequence[Mapping[str, Any]] = ()
    project_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def networks_from_addresses(servers: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Networks as nova-network clouds show them: the labels of server addresses.

    >>> [n["name"] for n in networks_from_addresses([{"addresses": {"public": [], "private": []}}])]
    ['private', 'public']
    """
    labels = sorted({label for server in servers if isinstance(server, Mapping)
                     for label in (server.get("addresses") or {}) if isinstance(label, str)})
    return [{"id": None, "name": label, "status": "ACTIVE", "subnets": [], "shared": False,
             "router:external": False, "source": "nova addresses"} for label in labels]


def network_roles(topology: Topology, profile: Any) -> NetworkRoles:
    """Every network's role under this profile.

    >>> network_roles(Topology(networks=[{"id": "n", "name": "a", "project_id": "p"}], project_id="p"), None).private.value
    'n'
    """
    return classify_networks(topology.networks, topology.subnets, topology.routers, topology.router_ports,
                             settings=getattr(profile, "network", None), project_id=topology.project_id)


def network_views(topology: Topology, roles: NetworkRoles, ctx: Context) -> list[Munch]:
    """The normalized networks, each with its role and reason.

    >>> network_views(Topology(networks=[{"id": "n", "name": "a"}]),
    ...               network_roles(Topology(networks=[{"id": "n", "name": "a"}]), None),
    ...               Context(cloud="c", region_name=None))[0].name
    'a'
    """
    by_id = {role.id: role for role in roles.roles if role.id is not None}
    by_name = roles.by_name()
    views = []
    for raw in topology.networks:
        role = by_id.get(raw.get("id")) or by_name.get(raw.get("name"))
        keys = [key for key in (raw.get("id"), raw.get("name")) if key]
        views.append(normalize_network(raw, ctx, subnets=topology.subnets,
                                       network_roles={key: role for key in keys} if role else None))
    return views


def server_viewer(roles: NetworkRoles, profile: Any, ctx: Context, *,
                  login_user: Callable[[Mapping[str, Any]], str | None] | None = None
                  ) -> Callable[[Mapping[str, Any]], Munch]:
    """A function normalizing raw servers with these roles and the profile's preferences.

    ``login_user`` maps a raw server to its decided login user (None: unknown).

    >>> view = server_viewer(network_roles(Topology(), None), None, Context(cloud="c", region_name=None))
    >>> view({"id": "s", "status": "ACTIVE"}).state
    'running'
    """
    by_name = roles.by_name()
    settings = getattr(profile, "network", None)
    prefer_ipv6 = bool(getattr(settings, "prefer_ipv6", False))
    private_cloud = bool(getattr(settings, "private_cloud", False))

    def view(raw: Mapping[str, Any]) -> Munch:
        user = login_user(raw) if login_user is not None else None
        return normalize_server(raw, ctx, network_roles=by_name, prefer_ipv6=prefer_ipv6,
                                private_cloud=private_cloud, login_user=user)
    return view
