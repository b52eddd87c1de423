"""Why a server's address fields hold what they hold.

The classification itself happens while normalizing (``normalize.addresses``); this
module replays the same rule on a normalized server to say why, address by address, for
``cloud.explain(server, "public_v4")``.
"""

from __future__ import annotations

from typing import Any, Mapping

from normalizer.exceptions import SelectionError
from normalizer.normalize.addresses import is_global_address, role_for, routes_externally
from normalizer.select.decision import Considered, Decision

__all__ = ["ADDRESS_FIELDS", "explain_address"]

ADDRESS_FIELDS = ("public_v4", "public_v6", "private_v4", "private_v6", "interface_ip")


def _why(entry: Mapping[str, Any], roles: Mapping[str, Any] | None) -> tuple[str, str]:
    """(rule, sentence) for one address's public/private verdict."""
    kind, network, version = entry.get("type"), entry.get("network"), entry.get("version")
    verdict = "public" if entry.get("is_public") else "private"
    if kind == "floating":
        return "floating IP", f"a floating IP: {verdict}"
    role = role_for(roles, network)
    declared = routes_externally(role, version) if role is not None else None
    if declared is not None:
        because = getattr(role, "reason", None) or "a network rule"
        return "network role", f"fixed on {network!r}, whose IPv{version} {'routes' if declared else 'does not route'} externally ({because}): {verdict}"
    ranged = "globally routable" if is_global_address(entry.get("addr")) else "not an internet-routable range"
    return "address range", f"fixed on {network!r}, {ranged}: {verdict}"


def _interface_reason(server: Mapping[str, Any], prefer_ipv6: bool, private_cloud: bool) -> tuple[str, str]:
    v4, v6, private = server.get("public_v4"), server.get("public_v6"), server.get("private_v4")
    if prefer_ipv6 and v6:
        return "prefer_ipv6", "the profile prefers IPv6 and the server has a public IPv6 address"
    if v4:
        return "public_v4", "the server has a public IPv4 address"
    if v6:
        return "public_v6", "public_v6 is the only public address"
    if private_cloud and private:
        return "private cloud", "no public address, and the cloud is marked private: use private_v4"
    return "none", "no public address, and the cloud is not marked private (set private: true if it is)"


def explain_address(server: Mapping[str, Any], field: str, *, network_roles: Mapping[str, Any] | None = None,
                    prefer_ipv6: bool = False, private_cloud: bool = False) -> Decision:
    """Say why ``server[field]`` holds its value, listing every address considered.

    >>> s = {"name": "web", "public_v4": "203.0.113.5", "public_v6": None, "private_v4": "10.0.0.5",
    ...      "addresses": [{"addr": "10.0.0.5", "version": 4, "type": "fixed", "network": "net", "is_public": False},
    ...                    {"addr": "203.0.113.5", "version": 4, "type": "floating", "network": "net", "is_public": True}]}
    >>> explain_address(s, "public_v4").rule
    'floating IP'
    """
    if field not in ADDRESS_FIELDS:
        raise SelectionError(f"{field!r} is not an address field", hint=f"use one of {', '.join(ADDRESS_FIELDS)}")
    value = server.get(field)
    subject = f"{field} of server {server.get('name')!r}"
    considered, chosen_rule = [], None
    version = 6 if field.endswith("v6") else 4
    for entry in server.get("addresses") or ():
        rule, sentence = _why(entry, network_roles)
        if entry.get("addr") == value:
            chosen_rule = rule
        elif field == "interface_ip" or entry.get("version") == version:
            considered.append(Considered(str(entry.get("addr")), sentence))
    if field == "interface_ip":
        rule, reason = _interface_reason(server, prefer_ipv6, private_cloud)
        return Decision(subject, value, rule, reason, tuple(considered))
    if value is None:
        reason = f"no address qualifies as {field.replace('_', ' IP')}"
        return Decision(subject, None, "none", reason, tuple(considered))
    entry = next(e for e in server.get("addresses") or () if e.get("addr") == value)
    reason = _why(entry, network_roles)[1]
    if field.startswith("private"):
        reason += "; the first such address in network order (NAT destination, default interface, then by name)"
    elif entry.get("type") != "floating":
        reason += "; floating IPs come first, and the server has none of this family"
    return Decision(subject, value, chosen_rule or "address range", reason, tuple(considered))
