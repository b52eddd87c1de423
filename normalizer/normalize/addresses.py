"""Address classification: the one place that decides whether an address is public.

Two inputs decide it: the address range (IANA special-purpose registries, RFC 6890 and
successors) and, when given, the role of the network the address sits on: a
:class:`~normalizer.normalize.network_role.NetworkRole` decided once by
``normalizer.select.network_roles`` from profile rules, clouds.yaml ``networks:`` and
the API, and only read here.

>>> is_global_address("203.0.113.7"), is_global_address("8.8.8.8")
(False, True)
>>> address_is_public("10.0.0.5", kind="fixed", role=NetworkRole(routes_externally=True))
True
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from normalizer.normalize.network_role import NetworkRole

__all__ = [
    "is_global_address",
    "is_global_cidr",
    "parse_address",
    "address_key",
    "role_for",
    "address_is_public",
    "network_order",
]

_Net = ipaddress.IPv4Network | ipaddress.IPv6Network
_Addr = ipaddress.IPv4Address | ipaddress.IPv6Address

# Never globally reachable (IANA IPv4 special-purpose registry): "this network",
# RFC1918, CGNAT (RFC 6598), loopback, link-local, IETF protocol assignments,
# documentation (TEST-NET-1/2/3), benchmarking, multicast and the reserved 240/4.
_NON_GLOBAL_V4 = tuple(ipaddress.IPv4Network(cidr) for cidr in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
))

_NON_GLOBAL_V4_SPANS = tuple((int(net.network_address), int(net.broadcast_address)) for net in _NON_GLOBAL_V4)

# IPv6 global unicast is 2000::/3 (everything else: unspecified, loopback, mapped,
# ULA fc00::/7, link-local, site-local, multicast, ... is not); inside it these blocks
# are not global: IETF protocol assignments, benchmarking, documentation (RFC 3849 and
# RFC 9637).
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NON_GLOBAL_V6 = tuple(ipaddress.IPv6Network(cidr) for cidr in (
    "2001::/23", "2001:2::/48", "2001:db8::/32", "3fff::/20",
))

_PREFERRED_ROLE_FLAGS = ("nat_destination", "default_interface")


def parse_address(addr: Any) -> _Addr | None:
    """Parse an IP address given as text; anything else, or unparsable text, gives None.

    >>> parse_address("2001:DB8::1").compressed, parse_address(167772161)
    ('2001:db8::1', None)
    """
    return _parse_text(addr) if isinstance(addr, str) else None


# A listing parses each server's few addresses some twenty times (collect, decide, order);
# the parsed objects are immutable, so one cache serves every listing.
@functools.lru_cache(maxsize=16384)
def _parse_text(addr: str) -> _Addr | None:
    try:
        return ipaddress.ip_address(addr)
    except ValueError:
        return None


def address_key(addr: str) -> str:
    """Return the canonical text of an address (for de-duplication); text as given if unparsable.

    >>> address_key("2001:DB8:0::1")
    '2001:db8::1'
    """
    return _key_of_text(addr) if isinstance(addr, str) else addr


@functools.lru_cache(maxsize=16384)
def _key_of_text(addr: str) -> str:
    parsed = _parse_text(addr)
    return parsed.compressed if parsed is not None else addr


def _address_is_global(ip: _Addr) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _address_is_global(ip.ipv4_mapped)
        return ip in _GLOBAL_UNICAST_V6 and not any(ip in net for net in _NON_GLOBAL_V6)
    value = int(ip)  # integer bounds: ``ip in net`` costs a microsecond per block
    return not any(first <= value <= last for first, last in _NON_GLOBAL_V4_SPANS)


def is_global_address(addr: Any) -> bool:
    """Tell whether an address is globally routable by its range alone; never raises.

    False for RFC1918, CGNAT 100.64/10, loopback, link-local, ULA fc00::/7,
    documentation ranges, multicast, unspecified, reserved, and anything unparsable.

    >>> [is_global_address(a) for a in ("100.64.1.1", "fd00::1", "2a01:4f8::1", "nope")]
    [False, False, True, False]
    """
    ip = parse_address(addr)
    return ip is not None and _address_is_global(ip)


def is_global_cidr(cidr: Any) -> bool:
    """Tell whether every address of a subnet CIDR is globally routable; never raises.

    >>> is_global_cidr("5.9.0.0/16"), is_global_cidr("192.0.0.0/8"), is_global_cidr(None)
    (True, False, False)
    """
    if not isinstance(cidr, str):
        return False
    try:
        net: _Net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    if isinstance(net, ipaddress.IPv6Network):
        return net.subnet_of(_GLOBAL_UNICAST_V6) and not any(
            net.overlaps(block) for block in _NON_GLOBAL_V6)
    return not any(net.overlaps(block) for block in _NON_GLOBAL_V4)


def role_for(network_roles: Mapping[str, NetworkRole] | None, *names: Any) -> NetworkRole | None:
    """Return the role registered under the first of ``names`` (network name or id) found.

    >>> role_for({"net-a": NetworkRole(name="net-a")}, None, "net-a").name
    'net-a'
    >>> role_for(None, "net-a") is None
    True
    """
    if not isinstance(network_roles, Mapping):
        return None
    for name in names:
        if isinstance(name, str) and name in network_roles:
            return network_roles[name]
    return None


def address_is_public(addr: Any, *, kind: str, role: NetworkRole | None = None) -> bool:
    """Decide whether one server address is public (reachable from outside the cloud).

    A floating address is public. A fixed address is public when its network's role
    says the network routes externally for that family, or, when no role says
    anything, when the address is globally routable.

    >>> address_is_public("172.24.4.10", kind="floating")
    True
    >>> address_is_public("100.64.0.9", kind="fixed"), address_is_public("8.8.4.4", kind="fixed")
    (False, True)
    """
    if kind == "floating":
        return True
    ip = parse_address(addr)
    declared = role.routes_for(ip.version if ip is not None else None) if role is not None else None
    if declared is not None:
        return declared
    return ip is not None and _address_is_global(ip)


def network_order(names: Iterable[Any], network_roles: Mapping[str, NetworkRole] | None = None) -> list:
    """Order network names deterministically: NAT-destination / default networks first, then by name.

    This is the order in which a server's private address is looked for, so a server
    on several networks gets it from the preferred network instead of dict order.

    >>> network_order(["b", "a", "c"], {"c": NetworkRole(name="c", nat_destination=True)})
    ['c', 'a', 'b']
    """
    def key(name: Any) -> tuple:
        role = role_for(network_roles, name)
        rank = len(_PREFERRED_ROLE_FLAGS)
        if role is not None:
            rank = next((i for i, flag in enumerate(_PREFERRED_ROLE_FLAGS) if getattr(role, flag, False)), rank)
        return (rank, not isinstance(name, str), str(name))

    names = list(names)
    return names if len(names) < 2 else sorted(names, key=key)  # most servers sit on one network
