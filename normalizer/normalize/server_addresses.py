"""A server's addresses: collected once from the raw payloads, then decided once.

Two steps, both pure:

1. :func:`collect_addresses` turns Nova's ``addresses`` (plus floating IPs known to be
   attached, plus ``accessIPv4``/``accessIPv6``) into entries ``{addr, version, type,
   network, mac, is_public}``;
2. :func:`decide_addresses` decides, for every entry, whether it is a floating IP and
   whether it is public, and from those the five address fields of the contract. Every
   answer is a :class:`~normalizer.select.decision.Decision` with its rule and reason.

``normalize_server`` uses the values of step 2; ``explain_address`` calls the same
:func:`decide_addresses` on the normalized entries with the same facts and returns the
Decision of the field asked for, so what is explained is what was decided.

The project's floating-IP listing is indexed once (:class:`FloatingIPIndex`), so a listing
of servers costs one index build plus a dictionary look-up per address.

>>> entries = [{"addr": "10.0.0.5", "version": 4, "type": "fixed", "network": "net", "mac": None},
...            {"addr": "203.0.113.5", "version": 4, "type": "fixed", "network": "net", "mac": None}]
>>> index = FloatingIPIndex.of([{"floating_ip_address": "203.0.113.5", "fixed_ip_address": "10.0.0.5"}])
>>> decided = decide_addresses(entries, floating_ips=index)
>>> decided.value("public_v4"), decided.fields["public_v4"].rule, decided.value("private_v4")
('203.0.113.5', 'floating IP', '10.0.0.5')
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Callable, NamedTuple

from munch import Munch

from normalizer.normalize.addresses import (
    address_is_public,
    address_key,
    network_order,
    parse_address,
    role_for,
)
from normalizer.normalize.fields import (IP_TYPE_KEY, MAC_KEY, as_list, as_mapping, as_str, as_text, first_text,
                                        lower_text, munch_from)
from normalizer.normalize.network_role import NetworkRole
from normalizer.select.decision import Considered, Decision

__all__ = ["ADDRESS_FIELDS", "AddressDecisions", "FloatingIPIndex", "collect_addresses", "decide_addresses"]

ADDRESS_FIELDS = ("public_v4", "public_v6", "private_v4", "private_v6", "interface_ip")
_ADDRESS_KINDS = ("fixed", "floating")
_NETWORK_ORDER = "network order (NAT destination, default interface, then by name)"


# --- the project's floating IPs ---------------------------------------------------------

@dataclass(frozen=True)
class FloatingFact:
    """What a raw floating IP (Neutron or nova-network shape) says about where it is bound."""

    address: str
    fixed: str | None  # address_key of the fixed address it forwards to
    owner: str | None  # the server it is bound to, when the API says (port device / instance)
    raw: Mapping[str, Any]


def _fact(raw: Any) -> FloatingFact | None:
    raw = as_mapping(raw)
    if raw is None:
        return None
    address = first_text(raw.get("floating_ip_address"), raw.get("ip"))
    if parse_address(address) is None:
        return None
    fixed = first_text(raw.get("fixed_ip_address"), raw.get("fixed_ip"))
    port = as_mapping(raw.get("port_details")) or {}
    owner = first_text(as_text(port.get("device_id")), as_text(raw.get("instance_id")))
    return FloatingFact(address, address_key(fixed) if fixed else None, owner, raw)


@dataclass(frozen=True)
class FloatingIPIndex:
    """The project's floating IPs, indexed once per listing.

    ``by_address``: floating address -> fact; ``by_owner``: server id -> its facts.

    >>> index = FloatingIPIndex.of([{"floating_ip_address": "198.51.100.4", "fixed_ip_address": "10.0.0.4",
    ...                              "port_details": {"device_id": "s1"}}])
    >>> index.floating_of("198.51.100.4", "s1", {"10.0.0.4"}).fixed, len(index.owned_by("s1"))
    ('10.0.0.4', 1)
    """

    by_address: Mapping[str, FloatingFact] = field(default_factory=dict)
    by_owner: Mapping[str, tuple[FloatingFact, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, floating_ips: Any) -> "FloatingIPIndex":
        """Index raw floating IPs; an index is returned as it is, anything unusable gives an empty one."""
        if isinstance(floating_ips, FloatingIPIndex):
            return floating_ips
        by_address: dict[str, FloatingFact] = {}
        by_owner: dict[str, list[FloatingFact]] = {}
        for raw in _items(floating_ips):
            fact = _fact(raw)
            if fact is None:
                continue
            by_address[address_key(fact.address)] = fact
            if fact.owner is not None:
                by_owner.setdefault(fact.owner, []).append(fact)
        return cls(by_address, {owner: tuple(facts) for owner, facts in by_owner.items()})

    def owned_by(self, server_id: str | None) -> tuple[FloatingFact, ...]:
        """The floating IPs whose port the API says belongs to this server."""
        return self.by_owner.get(server_id, ()) if server_id is not None else ()

    def floating_of(self, addr: Any, server_id: str | None, server_keys: set) -> FloatingFact | None:
        """The floating IP with this address bound to this server, or None.

        Bound to this server: the API names it as the owner, or (no owner given) the fixed
        address it forwards to is one of the server's own addresses. An unbound floating IP
        never matches: the address cannot be this server's then.
        """
        fact = self.by_address.get(address_key(addr)) if isinstance(addr, str) else None
        if fact is None:
            return None
        if fact.owner is not None:
            return fact if fact.owner == server_id else None
        return fact if fact.fixed is not None and fact.fixed in server_keys else None


def _items(value: Any) -> list:
    """The items of any iterable argument except text and mappings (which are not lists)."""
    if value is None or isinstance(value, (str, bytes, Mapping)):
        return []
    return list(value) if isinstance(value, Iterable) else []


# --- step 1: collect --------------------------------------------------------------------

def _address_entry(addr: Any, *, kind: str, network: Any, mac: Any) -> Munch | None:
    """One `addresses` item, or None when ``addr`` is not an IP address (junk is left out).

    The version comes from the address itself; Nova's own `version` key is not trusted over it.
    """
    parsed = parse_address(addr)
    if parsed is None:
        return None
    return munch_from(addr=addr, version=parsed.version, type=kind, network=as_str(network),
                      mac=as_str(mac), is_public=False)


def collect_addresses(raw: Mapping, server_id: str | None, floating_ips: Iterable[Any] = (),
                      network_roles: Mapping[str, NetworkRole] | None = None, project_floating_ips: FloatingIPIndex | None = None) -> list:
    """The server's address entries, one per address, ``is_public`` not decided yet.

    ``floating_ips``: raw floating IPs the caller knows are this server's (added when Nova
    does not list them yet); ``project_floating_ips``: the project's listing, of which
    only those whose port the API says is this server's are added.

    >>> [e.addr for e in collect_addresses({"addresses": {"n": [{"addr": "10.0.0.1"}]}, "accessIPv4": "5.9.1.1"}, "s")]
    ['10.0.0.1', '5.9.1.1']
    """
    # key -> [entry, typed]; "typed" records whether Nova said fixed/floating itself.
    found: dict[str, list] = {}
    _add_nova_addresses(found, raw.get("addresses"), network_roles)
    _add_floating_ips(found, server_id, _items(floating_ips))
    if project_floating_ips is not None:
        _add_floating_ips(found, server_id, [fact.raw for fact in project_floating_ips.owned_by(server_id)])
    for name in ("accessIPv4", "accessIPv6"):
        entry = _address_entry(raw.get(name), kind="fixed", network=None, mac=None)
        if entry is not None:
            found.setdefault(address_key(entry.addr), [entry, True])
    return [entry for entry, _typed in found.values()]


def _add_nova_addresses(found: dict, addresses: Any, network_roles: Mapping[str, NetworkRole] | None) -> None:
    addresses = as_mapping(addresses) or {}
    for network in network_order(addresses, network_roles):
        for item in as_list(addresses[network]):
            item = as_mapping(item) or {}
            raw_kind = lower_text(item.get(IP_TYPE_KEY))
            typed = raw_kind in _ADDRESS_KINDS
            kind = raw_kind if typed else "fixed"
            entry = _address_entry(item.get("addr"), kind=kind, network=network, mac=item.get(MAC_KEY))
            if entry is None:
                continue
            key = address_key(entry.addr)
            if key in found:
                _merge_duplicate(found[key], entry, typed)
                continue
            found[key] = [entry, typed]


def _merge_duplicate(known: list, entry: Munch, typed: bool) -> None:
    """One address listed twice: the result must not depend on which came first."""
    first = known[0]
    if entry.type == "floating":
        first.type = "floating"  # floating anywhere means floating
    known[1] = known[1] or typed
    # networks are walked in a fixed order, so only a repeat within one network needs a rule
    # (a MAC pairs a fixed address with its floating IP: a known one beats none, then the lowest)
    if first.network == entry.network and (entry.mac is None, entry.mac or "") < (first.mac is None, first.mac or ""):
        first.mac = entry.mac


def _add_floating_ips(found: dict, server_id: str | None, floating_ips: list) -> None:
    if not floating_ips:
        return
    by_fixed = {key: entry for key, (entry, _typed) in found.items() if entry.type == "fixed"}
    for fip in floating_ips:
        fact = _fact(fip)
        if fact is None or (server_id is not None and fact.owner not in (None, server_id)):
            continue  # a floating IP that names another server is not this server's
        # The floating IP sits on the network of the fixed address it is bound to.
        anchor = by_fixed.get(fact.fixed or "")
        port = as_mapping(fact.raw.get("port_details")) or {}
        entry = _address_entry(fact.address, kind="floating",
                               network=anchor.network if anchor is not None else None,
                               mac=anchor.mac if anchor is not None else port.get("mac_address"))
        known = found.get(address_key(fact.address))
        if known is None:
            found[address_key(fact.address)] = [entry, True]
        elif not known[1]:
            known[0].type = "floating"  # an untyped Nova entry that is in fact this floating IP


# --- step 2: decide ---------------------------------------------------------------------

class _Verdict(NamedTuple):
    """One address with its verdict, as the field rules read it.

    ``why`` writes the reason only when an explanation is asked for: a listing of
    thousands of servers needs the verdicts, not their prose.
    """

    addr: Any
    version: Any
    network: Any
    mac: Any
    type: str
    is_public: bool
    rule: str
    why: Callable[[], str]

    @property
    def reason(self) -> str:
        """The reason, written now."""
        return self.why()


class _Facts(NamedTuple):
    server_id: str | None
    server_name: Any
    roles: Mapping[str, NetworkRole] | None
    cidrs: Mapping[str, Sequence[str]]
    index: FloatingIPIndex
    keys: frozenset


class AddressDecisions:
    """Every address's verdict (value ``{"type", "is_public"}``) and the five address fields.

    The values are decided at once; the :class:`Decision` objects, with their reasons and
    the alternatives considered, are written the first time ``addresses`` or ``fields``
    is read (explaining), from the same verdicts.
    """

    def __init__(self, verdicts: tuple[_Verdict, ...], chosen: Mapping[str, _Verdict | None],
                 interface: tuple[Any, str, str], facts: _Facts, targets: set) -> None:
        self._verdicts, self._chosen, self._interface = verdicts, chosen, interface
        self._facts, self._targets = facts, targets
        self._addresses: tuple[Decision, ...] | None = None
        self._fields: dict[str, Decision] | None = None

    @property
    def verdicts(self) -> tuple[tuple[str, bool], ...]:
        """``(type, is_public)`` of every address, in the order of the entries.

        >>> decide_addresses([{"addr": "8.8.8.8", "network": "n"}]).verdicts
        (('fixed', True),)
        """
        return tuple((v.type, v.is_public) for v in self._verdicts)

    @property
    def addresses(self) -> tuple[Decision, ...]:
        """Every address's Decision, in the order of the entries."""
        if self._addresses is None:
            name = self._facts.server_name
            self._addresses = tuple(
                Decision(f"address {v.addr} of server {name!r}", {"type": v.type, "is_public": v.is_public},
                         v.rule, v.reason) for v in self._verdicts)
        return self._addresses

    @property
    def fields(self) -> Mapping[str, Decision]:
        """The five address fields' Decisions, by field name."""
        if self._fields is None:
            ordered = sorted(self._verdicts, key=_order_key(self._verdicts, self._facts))
            fields = {name: _field_decision(name, [v for v in ordered if v.version == int(name[-1])],
                                            self._chosen[name], self._facts, self._targets)
                      for name in ADDRESS_FIELDS[:4]}
            value, rule, reason = self._interface
            considered = tuple(Considered(str(v.addr), v.reason) for v in ordered if v.addr != value)
            fields["interface_ip"] = Decision(f"interface_ip of server {self._facts.server_name!r}", value, rule,
                                              reason, considered)
            self._fields = fields
        return self._fields

    def value(self, name: str) -> Any:
        """The decided value of one address field.

        >>> decide_addresses([]).value("interface_ip") is None
        True
        """
        if name == "interface_ip":
            return self._interface[0]
        chosen = self._chosen[name]
        return chosen.addr if chosen is not None else None

    def values(self) -> dict:
        """The five address fields as ``normalize_server`` returns them."""
        return {name: self.value(name) for name in ADDRESS_FIELDS}


@functools.lru_cache(maxsize=4096)  # a cloud has few subnets, and every server is checked against them
def _span(cidr: str) -> tuple[int, int, int] | None:
    """``(version, first, last)`` of a CIDR as integers (an integer range check is cheap), or None."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    return net.version, int(net.network_address), int(net.broadcast_address)


def _outside_subnets(addr: str, cidrs: Sequence[str]) -> bool:
    """True when the network's subnets are known and none holds the address."""
    spans = [span for span in (_span(c) for c in cidrs if isinstance(c, str)) if span is not None]
    ip = parse_address(addr) if spans else None
    if ip is None:
        return False
    value = int(ip)
    return not any(version == ip.version and first <= value <= last for version, first, last in spans)


def _floating_reason() -> str:
    return "a floating IP: public"


def _decide_one(entry: Mapping, facts: _Facts) -> _Verdict:
    """Floating or fixed, public or private, for one address, with the reason (written on demand)."""
    addr, network, kind, mac = entry.get("addr"), entry.get("network"), entry.get("type"), entry.get("mac")
    ip = parse_address(addr)
    version = ip.version if ip is not None else entry.get("version")
    fip = facts.index.floating_of(addr, facts.server_id, facts.keys)
    if fip is not None:
        unlabelled = "" if kind == "floating" else " (Nova does not label it floating)"
        return _Verdict(addr, version, network, mac, "floating", True, "floating IP", lambda: (
            f"a floating IP: Neutron lists it bound to {fip.fixed or 'this server'}{unlabelled}: public"))
    if kind == "floating":
        return _Verdict(addr, version, network, mac, "floating", True, "floating IP", _floating_reason)
    cidrs = facts.cidrs.get(network, ()) if isinstance(network, str) else ()
    outside = _outside_subnets(addr, cidrs)
    role = None if outside else role_for(facts.roles, network)
    public = address_is_public(addr, kind="fixed", role=role)  # the one rule; the reason says which half
    declared = role.routes_for(version) if role is not None else None
    if declared is not None:
        return _Verdict(addr, version, network, mac, "fixed", public, "network role",
                        lambda: _role_reason(network, version, role, declared, public))
    return _Verdict(addr, version, network, mac, "fixed", public, "address range",
                    lambda: _range_reason(network, public, outside, cidrs, facts))


def _role_reason(network: Any, version: Any, role: NetworkRole, declared: bool, public: bool) -> str:
    how = "routes" if declared else "does not route"
    return (f"fixed on {network!r}, whose IPv{version} {how} externally ({role.reason or 'a network rule'}): "
            f"{'public' if public else 'private'}")


def _range_reason(network: Any, public: bool, outside: bool, cidrs: Sequence[str], facts: _Facts) -> str:
    ranged = "globally routable" if public else "not an internet-routable range"
    reason = f"fixed on {network!r}, {ranged}: {'public' if public else 'private'}"
    if outside and role_for(facts.roles, network) is not None:
        reason += f" (outside every subnet of {network!r}: {', '.join(cidrs)}, so the network's role does not apply)"
    return reason


def decide_addresses(entries: Sequence[Mapping[str, Any]], *, server_id: str | None = None,
                     server_name: Any = None, network_roles: Mapping[str, NetworkRole] | None = None,
                     network_cidrs: Mapping[str, Sequence[str]] | None = None,
                     floating_ips: FloatingIPIndex | Iterable[Any] | None = None,
                     prefer_ipv6: bool = False, private_cloud: bool = False) -> AddressDecisions:
    """Decide every address and the five address fields, once, each with its reason.

    ``entries`` are address entries (collected, or a normalized server's ``addresses``:
    deciding those again with the same facts gives the same answers). ``network_cidrs``
    maps network names (and ids) to their subnets' CIDRs: an address outside every subnet
    of its network does not take that network's role. ``floating_ips`` (the project's
    listing, or its :class:`FloatingIPIndex`) marks addresses Nova does not label floating.
    No choice depends on the order of ``entries``.

    >>> only_v6 = [{"addr": "2001:4860::5", "version": 6, "type": "fixed", "network": "n"}]
    >>> decide_addresses(only_v6).value("interface_ip")
    '2001:4860::5'
    """
    index = FloatingIPIndex.of(floating_ips)
    keys = frozenset(address_key(e.get("addr")) for e in entries if isinstance(e.get("addr"), str))
    facts = _Facts(server_id, server_name, network_roles, network_cidrs or {}, index, keys)
    verdicts = tuple(_decide_one(entry, facts) for entry in entries)
    targets = _fip_targets(verdicts, facts)
    chosen = _choose(verdicts, facts, targets)
    interface = _interface(chosen, prefer_ipv6=prefer_ipv6, private_cloud=private_cloud)
    return AddressDecisions(verdicts, chosen, interface, facts, targets)


def _fip_targets(verdicts: Sequence[_Verdict], facts: _Facts) -> set:
    """Fixed addresses (keys) a floating IP of this server forwards to.

    From Neutron's listing when given; from Nova's list otherwise: a floating entry shares
    its port's MAC with the fixed entry it forwards to (order in the list is not used).
    """
    targets = {fact.fixed for fact in facts.index.owned_by(facts.server_id) if fact.fixed}
    for entry in verdicts:
        fact = facts.index.floating_of(entry.addr, facts.server_id, facts.keys)
        if fact is not None and fact.fixed:
            targets.add(fact.fixed)
    macs = {(e.network, e.mac) for e in verdicts if e.type == "floating" and e.mac}
    targets |= {address_key(e.addr) for e in verdicts if e.type == "fixed" and e.mac and (e.network, e.mac) in macs}
    return targets


def _order_key(verdicts: Sequence[_Verdict], facts: _Facts) -> Callable[[_Verdict], tuple]:
    """Network order (NAT destination, default interface, then by name), then address, then text."""
    names = [e.network for e in verdicts if isinstance(e.network, str)]
    rank = {name: i for i, name in enumerate(network_order(dict.fromkeys(names), facts.roles))}

    def order(entry: _Verdict) -> tuple:
        ip = parse_address(entry.addr)
        return (rank.get(entry.network, len(rank)), int(ip) if ip is not None else 0, entry.addr)
    return order


def _choose(verdicts: Sequence[_Verdict], facts: _Facts, targets: set) -> dict[str, _Verdict | None]:
    """The address each of public_v4, private_v4, public_v6 and private_v6 takes (None: none qualifies)."""
    order = _order_key(verdicts, facts)

    def public_key(entry: _Verdict) -> tuple:
        return (entry.type != "floating", *order(entry))

    def private_key(entry: _Verdict) -> tuple:
        first, *rest = order(entry)
        return (first, address_key(entry.addr) not in targets, *rest)

    chosen: dict[str, _Verdict | None] = {}
    for version in (4, 6):
        family = [e for e in verdicts if e.version == version]
        chosen[f"public_v{version}"] = min((e for e in family if e.is_public), key=public_key, default=None)
        chosen[f"private_v{version}"] = min(
            (e for e in family if not e.is_public and e.type == "fixed" and e.network is not None),
            key=private_key, default=None)
    return chosen


def _field_decision(name: str, family: list, chosen: _Verdict | None, facts: _Facts, targets: set) -> Decision:
    subject = f"{name} of server {facts.server_name!r}"
    considered = tuple(Considered(str(e.addr), e.reason) for e in family if e is not chosen)
    if chosen is None:
        return Decision(subject, None, "none", f"no address qualifies as {name.replace('_', ' IP')}", considered)
    rule, reason = chosen.rule, chosen.reason
    if name.startswith("private"):
        reason += f"; the first such address in {_NETWORK_ORDER}"
        rivals = [e for e in family if e is not chosen and e.network == chosen.network and not e.is_public]
        if address_key(chosen.addr) in targets:
            reason += "; on its network, the one a floating IP of the server forwards to"
        elif rivals:
            reason += "; on its network, the lowest address (no floating IP says which)"
    elif chosen.type != "floating":
        reason += "; floating IPs come first, and the server has none of this family"
    else:
        reason += f"; the first floating IP in {_NETWORK_ORDER}, then the lowest address"
    return Decision(subject, chosen.addr, rule, reason, considered)


def _interface(chosen: Mapping[str, _Verdict | None], *, prefer_ipv6: bool, private_cloud: bool) -> tuple:
    """``(value, rule, reason)`` of interface_ip, from the chosen public and private addresses."""
    v4, v6, private = (chosen[name].addr if chosen[name] is not None else None
                       for name in ("public_v4", "public_v6", "private_v4"))
    if prefer_ipv6 and v6:
        return v6, "prefer_ipv6", "the profile prefers IPv6 and the server has a public IPv6 address"
    if v4:
        return v4, "public_v4", "the server has a public IPv4 address"
    if v6:
        return v6, "public_v6", "public_v6 is the only public address"
    if private_cloud and private:
        return private, "private cloud", "no public address, and the cloud is marked private: use private_v4"
    return None, "none", "no public address, and the cloud is not marked private (set private: true if it is)"
