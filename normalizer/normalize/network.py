"""Neutron network (+ its subnets) -> the normalised network (DESIGN §3).

A network's roles (public, NAT source/destination, routes externally) are decided
once, for all networks together, by ``normalizer.select.network_roles`` from profile
rules, clouds.yaml and the API; this module copies that decision into the view.

>>> from normalizer.normalize.context import Context
>>> role = NetworkRole(id="n1", is_external=True, routes_ipv4_externally=True, nat_source=True,
...                    reason="router:external: a floating-IP pool")
>>> net = normalize_network({"id": "n1", "router:external": True, "subnets": ["s1"]},
...                         Context(cloud="c", region_name="r"), role=role,
...                         subnets=[{"id": "s1", "cidr": "172.24.4.0/24", "ip_version": 4}])
>>> net.is_external, net.routes_externally, net.is_public, net.nat_source, net.cidrs
(True, True, False, True, ['172.24.4.0/24'])
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from munch import Munch

from normalizer.normalize.context import Context, location
from normalizer.normalize.records import Network
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
from normalizer.normalize.network_role import NetworkRole

__all__ = ["normalize_network"]


def normalize_network(raw: Any, ctx: Context, *, subnets: Iterable[Any] = (),
                      role: NetworkRole | None = None) -> Munch:
    """Turn one raw Neutron network into the normalised network; pure and total.

    ``subnets`` may hold any raw subnets: those of this network (by ``network_id`` or
    by the network's ``subnets`` list) give ``cidrs`` and ``ip_versions``. ``role`` is
    this network's decided role (``normalizer.select.network_roles``); it is copied,
    never re-derived. Without one the role fields say "not classified": nothing here
    guesses what the classifier alone decides.

    >>> normalize_network(None, Context(cloud="c", region_name=None)).reason
    'not classified: no network role given'
    """
    raw = raw_mapping(raw)
    network_id = as_text(raw.get("id"))  # an integer id is text, never None
    subnet_ids = [item for item in map(as_text, as_list(raw.get(NETWORK_RENAMES["subnet_ids"])))
                  if item is not None]
    own = _own_subnets(network_id, subnet_ids, subnets)
    return Network(
        id=network_id,
        name=as_str(raw.get("name")),
        status=as_str(raw.get("status")),
        is_shared=as_bool(raw.get(NETWORK_RENAMES["is_shared"])),
        is_external=as_bool(raw.get(NETWORK_RENAMES["is_external"])),
        is_default=role.default_interface if role is not None else as_bool(raw.get(NETWORK_RENAMES["is_default"])),
        **_role_fields(role),
        ip_versions=_ip_versions(own),
        cidrs=_sorted_cidrs(own),
        subnet_ids=subnet_ids,
        location=location(ctx, project_id=first_text(raw.get("project_id"), raw.get("tenant_id"))),
        properties=leftover(raw, NETWORK_CONSUMED),
    )


def _role_fields(role: NetworkRole | None) -> dict:
    """The view's role fields, copied from the one decision (``routes_externally`` is None unclassified)."""
    if role is None:
        return {"is_public": False, "nat_source": False, "nat_destination": False,
                "routes_externally": None, "reason": "not classified: no network role given"}
    return {
        "is_public": role.is_public,
        "nat_source": role.nat_source,
        "nat_destination": role.nat_destination,
        "routes_externally": bool(role.routes_ipv4_externally or role.routes_ipv6_externally),
        "reason": role.reason,
    }


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
