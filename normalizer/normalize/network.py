"""Neutron network (+ its subnets) -> the normalised network (DESIGN §3).

From the API alone a network's roles are only partly knowable: ``router:external``
says it is a floating-IP pool, and globally routable subnets say it routes externally,
but nothing says which network servers get a direct public address on, or which is
the NAT source/destination. Those roles come from profiles and clouds.yaml; until one
is given, :func:`decide_network_roles` reports them as False and says so in ``reason``.

>>> from normalizer.normalize.context import Context
>>> net = normalize_network({"id": "n1", "router:external": True, "subnets": ["s1"]},
...                         Context(cloud="c", region_name="r"),
...                         subnets=[{"id": "s1", "cidr": "172.24.4.0/24", "ip_version": 4}])
>>> net.is_external, net.routes_externally, net.is_public, net.cidrs
(True, True, False, ['172.24.4.0/24'])
"""

from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Mapping

from munch import Munch

from normalizer.normalize.addresses import is_global_cidr, role_flag, role_for
from normalizer.normalize.context import Context, location
from normalizer.normalize.fields import (
    NETWORK_CONSUMED,
    NETWORK_RENAMES,
    as_bool,
    as_list,
    as_mapping,
    as_str,
    as_text,
    first_text,
    leftover,
    raw_mapping,
)

__all__ = ["normalize_network", "decide_network_roles"]


def normalize_network(raw: Any, ctx: Context, *, subnets: Iterable[Any] = (),
                      network_roles: Mapping[str, Any] | None = None) -> Munch:
    """Turn one raw Neutron network into the normalised network; pure and total.

    ``subnets`` may hold any raw subnets: those of this network (by ``network_id`` or
    by the network's ``subnets`` list) give ``cidrs`` and ``ip_versions``.
    ``network_roles`` maps network names or ids to roles (profile / clouds.yaml).

    >>> normalize_network(None, Context(cloud="c", region_name=None)).reason
    'no router:external flag and no globally routable subnet; public and NAT roles not classified yet (no network role given)'
    """
    raw = raw_mapping(raw)
    network_id = as_text(raw.get("id"))  # an integer id is text, never None
    name = as_str(raw.get("name"))
    subnet_ids = [item for item in map(as_text, as_list(raw.get(NETWORK_RENAMES["subnet_ids"])))
                  if item is not None]
    own = _own_subnets(network_id, subnet_ids, subnets)
    cidrs = _sorted_cidrs(own)
    is_external = as_bool(raw.get(NETWORK_RENAMES["is_external"]))
    return Munch(
        id=network_id,
        name=name,
        status=as_str(raw.get("status")),
        is_shared=as_bool(raw.get(NETWORK_RENAMES["is_shared"])),
        is_external=is_external,
        is_default=_is_default(raw, role_for(network_roles, network_id, name)),
        **decide_network_roles(is_external=is_external,
                               global_cidrs=[c for c in cidrs if is_global_cidr(c)],
                               role=role_for(network_roles, network_id, name)),
        ip_versions=_ip_versions(own),
        cidrs=cidrs,
        subnet_ids=subnet_ids,
        location=location(ctx, project_id=first_text(raw.get("project_id"), raw.get("tenant_id"))),
        properties=leftover(raw, NETWORK_CONSUMED),
    )


def decide_network_roles(*, is_external: bool, global_cidrs: list, role: Any = None) -> dict:
    """Decide ``is_public``, ``nat_source``, ``nat_destination``, ``routes_externally`` and ``reason``.

    The one hook where network roles plug in: a role's explicit flags win; without a
    role, only ``routes_externally`` is inferred (``router:external`` or a globally
    routable subnet) and the other roles stay False.

    >>> decide_network_roles(is_external=False, global_cidrs=[], role={"routes_externally": True})["is_public"]
    True
    """
    if hasattr(role, "is_public") and hasattr(role, "reason"):
        # a full role decided by normalizer.select.network_roles: it already weighed
        # rules, router:external, subnet ranges and routers
        return {
            "is_public": bool(role.is_public),
            "nat_source": bool(role_flag(role, "nat_source")),
            "nat_destination": bool(role_flag(role, "nat_destination")),
            "routes_externally": bool(role.routes_ipv4_externally or role.routes_ipv6_externally),
            "reason": role.reason,
        }
    declared = role_flag(role, "routes_externally")
    reasons = []
    if declared is not None:
        routes = declared
        reasons.append(f"network role says routes_externally={str(declared).lower()}")
    else:
        routes = is_external or bool(global_cidrs)
        if is_external:
            reasons.append("router:external is set (floating-IP pool)")
        if global_cidrs:
            reasons.append("globally routable subnet " + ", ".join(global_cidrs))
        if not routes:
            reasons.append("no router:external flag and no globally routable subnet")
    if role is None:
        reasons.append("public and NAT roles not classified yet (no network role given)")
    return {
        "is_public": bool(declared),
        "nat_source": bool(role_flag(role, "nat_source")),
        "nat_destination": bool(role_flag(role, "nat_destination")),
        "routes_externally": routes,
        "reason": "; ".join(reasons),
    }


def _is_default(raw: Mapping, role: Any) -> bool:
    """The default boot network when roles are known; Neutron's own flag otherwise."""
    if hasattr(role, "default_interface") and hasattr(role, "is_public"):
        return bool(role.default_interface)
    return as_bool(raw.get(NETWORK_RENAMES["is_default"]))


def _own_subnets(network_id: str | None, subnet_ids: list, subnets: Iterable[Any]) -> list:
    if subnets is None or isinstance(subnets, (str, bytes, Mapping)):
        return []
    listed = set(subnet_ids)
    own = []
    for subnet in subnets if isinstance(subnets, Iterable) else ():
        subnet = as_mapping(subnet)
        if subnet is None:
            continue
        on_network = network_id is not None and as_text(subnet.get("network_id")) == network_id
        if on_network or as_text(subnet.get("id")) in listed:
            own.append(subnet)
    return own


def _cidr_sort_key(cidr: str) -> tuple:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return (99, 0, 0, cidr)
    return (net.version, int(net.network_address), net.prefixlen, cidr)


def _sorted_cidrs(subnets: list) -> list:
    cidrs = {cidr for cidr in (as_str(s.get("cidr")) for s in subnets) if cidr}
    return sorted(cidrs, key=_cidr_sort_key)


def _ip_versions(subnets: list) -> list:
    versions = set()
    for subnet in subnets:
        version = subnet.get("ip_version")
        if version in (4, 6) and not isinstance(version, bool):
            versions.add(version)
            continue
        key = _cidr_sort_key(as_str(subnet.get("cidr")) or "")
        if key[0] in (4, 6):
            versions.add(key[0])
    return sorted(versions)
