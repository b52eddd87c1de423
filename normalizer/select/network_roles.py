"""Which network plays which role: public, private (default boot), external (floating-IP pool).

Inputs are raw Neutron records (networks, subnets, routers, router-interface ports) and
the profile's network settings (vendor profile, then clouds.yaml ``networks:``, then
keyword arguments, already merged). Profile and configuration rules come first; then the
API: ``router:external``, shared networks, subnet ranges (RFC1918, CGNAT, link-local, ULA
and documentation ranges are not internet-routable), routers with an external gateway
and the project's router interfaces.

Never "the last network with a gateway" or "the first external network": when two
candidates remain for one role, the role is *ambiguous* and the decision names them and
the setting that resolves it. ``Cloud.get_*_network`` raises then; nothing guesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from normalizer.normalize.addresses import is_global_cidr, parse_address
from normalizer.normalize.network_role import NetworkRole
from normalizer.select.decision import Considered, Decision

if TYPE_CHECKING:  # select/ reads profiles; the profile package never imports select/
    from normalizer.profiles.model import NetworkSettings

__all__ = ["NetworkRole", "NetworkRoles", "classify_networks", "routers_decide_nothing", "ROUTER_INTERFACE_OWNERS"]

#: device_owner values of the ports that join a router to a tenant network
ROUTER_INTERFACE_OWNERS = ("network:router_interface", "network:router_interface_distributed",
                           "network:ha_router_replicated_interface")


@dataclass(frozen=True)
class NetworkRoles:
    """Every network's role plus the three cloud-wide decisions.

    A decision that is ``ambiguous`` has ``value`` None and lists the
    candidates in ``considered``; ``hints`` says which setting resolves it.
    """

    roles: tuple[NetworkRole, ...]
    public: Decision
    private: Decision
    external: Decision
    hints: Mapping[str, str] = field(default_factory=dict)

    def by_name(self) -> dict[str, NetworkRole]:
        """Roles keyed by network name (how Nova keys a server's addresses)."""
        return {role.name: role for role in self.roles if role.name is not None}

    def get(self, network_id: str | None) -> NetworkRole | None:
        """The role of the network with this id, or None."""
        return next((role for role in self.roles if role.id == network_id), None)


@dataclass(frozen=True)
class _Facts:
    """What the API says about one network, before any rule is applied."""

    raw: Mapping[str, Any]
    cidrs: tuple[str, ...]
    rule: Any
    project_owned: bool
    router_gateway: bool
    router_interface: bool


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _gather(networks: Sequence[Mapping], subnets: Iterable[Mapping], routers: Iterable[Mapping],
            router_ports: Iterable[Mapping], rules: Sequence[Any], project_id: str | None) -> list[_Facts]:
    cidrs: dict[Any, list[str]] = {}
    for subnet in subnets:
        if isinstance(subnet, Mapping) and isinstance(subnet.get("cidr"), str):
            cidrs.setdefault(subnet.get("network_id"), []).append(subnet["cidr"])
    # An admin (or a member of a cloud with RBAC) sees other projects' routers: only this
    # project's own routers make a pool reachable or a network a NAT destination for it.
    routers = [r for r in routers if isinstance(r, Mapping) and _owned_by(r, project_id)]
    router_ports = [p for p in router_ports if isinstance(p, Mapping) and _owned_by(p, project_id)]
    gateways = {gateway.get("network_id") for gateway in (r.get("external_gateway_info") for r in routers)
                if isinstance(gateway, Mapping)}
    interfaces = {p.get("network_id") for p in router_ports if p.get("device_owner") in ROUTER_INTERFACE_OWNERS}
    facts = []
    for raw in networks:
        if not isinstance(raw, Mapping):
            continue
        net_id = _text(raw.get("id"))
        rule = _rule_for(rules, raw)
        owner = raw.get("project_id", raw.get("tenant_id"))
        facts.append(_Facts(raw, tuple(sorted(cidrs.get(net_id, ()))), rule,
                            project_id is not None and owner == project_id,
                            net_id in gateways, net_id in interfaces))
    return facts


def _rule_for(rules: Sequence[Any], raw: Mapping) -> Any:
    """The first rule naming this network (by id or name), or None."""
    net_id, name = _text(raw.get("id")), _text(raw.get("name"))
    return next((r for r in rules if r.matches(net_id, name)), None)


def _no_floating_ips(settings: NetworkSettings | None) -> bool:
    return getattr(settings, "floating_ip_api", None) == "none" or getattr(settings, "public_access", None) == "none"


def _owned_by(record: Mapping, project_id: str | None) -> bool:
    """True unless the record names an owner other than ``project_id`` (unknown owners count)."""
    owner = record.get("project_id", record.get("tenant_id"))
    return project_id is None or owner is None or owner == project_id


def _routes(fact: _Facts, version: int) -> tuple[bool | None, str]:
    family_flag = "routes_ipv4_externally" if version == 4 else "routes_ipv6_externally"
    rule = fact.rule
    for flag in (family_flag, "routes_externally"):
        declared = getattr(rule, flag, None) if rule is not None else None
        if declared is not None:
            return bool(declared), f"a network rule says IPv{version} {'routes' if declared else 'does not route'} externally"
    family = [c for c in fact.cidrs if (ip := parse_address(c.split("/")[0])) is not None and ip.version == version]
    if not family:
        if version == 4 and not fact.cidrs and fact.raw.get("router:external") is True:
            # Projects are rarely shown a pool's subnets; its (floating) addresses are public.
            return True, "router:external with no subnet visible: its IPv4 addresses route externally"
        return None, f"no IPv{version} subnet visible"
    routable = [c for c in family if is_global_cidr(c)]
    if routable:
        return True, f"IPv{version} subnet {routable[0]} is globally routable"
    return False, f"IPv{version} subnets {', '.join(family)} are not internet-routable ranges"


def _attachable(fact: _Facts, external: bool, shared: bool, settings: NetworkSettings | None) -> bool:
    """Whether servers can take an address on this network (rather than FIPs from it).

    A rule's ``routes_externally`` on a ``router:external`` pool only says its addresses
    are internet-routable (openstacksdk's meaning: floating IPs from it are public); it
    makes the pool a boot network only on clouds whose profile says access is direct.
    """
    if not external or shared:
        return True
    rule = fact.rule
    if rule is None:
        return False
    if getattr(rule, "default_interface", False):
        return True
    return bool(getattr(rule, "routes_externally", None)) and getattr(settings, "public_access", None) == "direct"


def _role(fact: _Facts, settings: NetworkSettings | None = None) -> NetworkRole:
    raw = fact.raw
    external = raw.get("router:external") is True
    shared = raw.get("shared") is True
    v4, why4 = _routes(fact, 4)
    v6, why6 = _routes(fact, 6)
    attachable = _attachable(fact, external, shared, settings)
    public = bool((v4 or v6) and attachable)
    reasons = [why4, why6]
    if external:
        reasons.append("router:external: a floating-IP pool" + ("" if attachable else
                       ", not a network servers attach to (not shared, no rule makes it one)"))
    return NetworkRole(
        id=_text(raw.get("id")), name=_text(raw.get("name")), is_external=external,
        routes_ipv4_externally=v4, routes_ipv6_externally=v6, is_public=public,
        routes_externally=getattr(fact.rule, "routes_externally", None) if fact.rule is not None else None,
        reason="; ".join(reasons))


def _label(fact_or_role: Any) -> str:
    role = fact_or_role
    name, net_id = (role.name, role.id) if isinstance(role, NetworkRole) else (
        _text(role.raw.get("name")), _text(role.raw.get("id")))
    return f"{name or '?'} ({net_id})" if net_id else (name or "?")


def _decide(subject: str, candidates: list[tuple[Any, str]], rejected: list[Considered], rule: str,
            *, why_one: str, why_none: str) -> Decision:
    """One candidate wins; none gives None; several give an ambiguous decision."""
    considered = tuple(rejected) + tuple(Considered(_label(c), why) for c, why in candidates)
    if len(candidates) == 1:
        chosen = candidates[0][0]
        return Decision(subject, chosen.id, rule, why_one.format(name=_label(chosen)), considered)
    if not candidates:
        return Decision(subject, None, rule, why_none, considered)
    names = ", ".join(_label(c) for c, _ in candidates)
    return Decision.undecided(subject, f"{len(candidates)} candidates remain: {names}", considered)


def _ruled(roles: list[NetworkRole], facts: list[_Facts], flag: str) -> list[tuple[NetworkRole, str]]:
    return [(role, f"a network rule sets {flag}") for role, fact in zip(roles, facts)
            if fact.rule is not None and getattr(fact.rule, flag, False)]


def _reachable_first(candidates: list[tuple[NetworkRole, _Facts]]) -> tuple[list, list[Considered]]:
    """Keep the pools a router of this project reaches, when at least one is reached."""
    reached = [(r, "a router of this project has its gateway here") for r, f in candidates if f.router_gateway]
    if not reached:
        return [(r, "no router of this project reaches any pool") for r, _ in candidates], []
    lost = [Considered(_label(r), "no router of this project reaches it") for r, f in candidates if not f.router_gateway]
    return reached, lost


def _default_first(candidates: list[tuple[NetworkRole, str]],
                   facts_by_role: dict[int, _Facts]) -> tuple[list, list[Considered]]:
    """Among several pools left, keep the one Neutron marks ``is_default`` (SCS scs-0126), when exactly one is."""
    if len(candidates) < 2:
        return candidates, []
    marked = [(r, f"{why}; is_default") for r, why in candidates if facts_by_role[id(r)].raw.get("is_default") is True]
    if len(marked) != 1:
        return candidates, []
    return marked, [Considered(_label(r), f"{why}, but not the is_default one") for r, why in candidates
                    if r is not marked[0][0]]


def _external_decision(roles, facts, settings) -> Decision:
    subject = "external network (floating-IP pool)"
    if _no_floating_ips(settings):
        return Decision(subject, None, "profile", "the profile says this cloud gives no floating IPs")
    ruled = [(r, f) for r, f in zip(roles, facts) if f.rule is not None and getattr(f.rule, "nat_source", False)]
    if len(ruled) == 1:  # routers are not read then (routers_decide_nothing): say nothing about them
        return _decide(subject, [(ruled[0][0], "a network rule sets nat_source")], [], "profile network rule",
                       why_one="{name} is set as nat_source", why_none="")
    if ruled:
        chosen, lost = _reachable_first(ruled)
        return _decide(subject, chosen, lost, "profile network rule",
                       why_one="{name} is set as nat_source" + (" and a router of this project reaches it" if lost else ""),
                       why_none="")
    pools = [(r, f) for r, f in zip(roles, facts) if r.is_external]
    by_role = {id(r): f for r, f in pools}
    if any(f.router_gateway for _, f in pools):
        chosen, lost = _reachable_first(pools)
        chosen, not_default = _default_first(chosen, by_role)
        return _decide(subject, chosen, lost + not_default, "router gateway" if not not_default else "is_default",
                       why_one="{name} is the external network a router of this project reaches"
                       + (" and Neutron's is_default one" if not_default else ""), why_none="")
    chosen, not_default = _default_first([(r, "router:external") for r, _ in pools], by_role)
    if not_default:
        return _decide(subject, chosen, not_default, "is_default",
                       why_one="{name} is the is_default router:external network (no router of this project "
                               "reaches one yet)", why_none="")
    return _decide(subject, [(r, "the only router:external network") for r, _ in pools], [], "router:external",
                   why_one="{name} is the only router:external network (no router of this project reaches one yet)",
                   why_none="no router:external network is visible")


def _public_decision(roles, facts) -> Decision:
    subject = "public network (direct public address)"
    public = [(r, f) for r, f in zip(roles, facts) if r.is_public]
    ruled = [(r, "a network rule sets default_interface") for r, f in public
             if f.rule is not None and getattr(f.rule, "default_interface", False)]
    if ruled:
        return _decide(subject, ruled, [], "profile network rule", why_one="{name} is the default interface",
                       why_none="")
    others = [Considered(_label(r), "gives no directly reachable address")
              for r, f in zip(roles, facts) if not r.is_public]
    return _decide(subject, [(r, r.reason) for r, _ in public], others, "subnet ranges and router:external",
                   why_one="{name} is the only network that gives servers a directly reachable address",
                   why_none="no network gives servers a directly reachable address (floating IPs are needed)")


def _private_decision(roles, facts, nat_destination: Decision) -> Decision:
    subject = "private network (default boot network)"
    ruled = _ruled(roles, facts, "default_interface")
    if ruled:
        return _decide(subject, ruled, [], "profile network rule", why_one="{name} is the default interface",
                       why_none="")
    if nat_destination.value is not None:
        return Decision(subject, nat_destination.value, nat_destination.rule,
                        f"the NAT destination: {nat_destination.reason}", nat_destination.considered)
    tenant = [(r, "a network of this project") for r, f in zip(roles, facts)
              if not r.is_external and f.project_owned and not r.is_public]
    if not tenant:
        tenant = [(r, "a shared network that is not public") for r, f in zip(roles, facts)
                  if not r.is_external and not f.project_owned and not r.is_public]
    return _decide(subject, tenant, [], "project networks", why_one="{name} is the only tenant network",
                   why_none="this project has no tenant network")


def _nat_destination_decision(roles, facts, external: Decision) -> Decision:
    subject = "NAT destination (where floating IPs attach)"
    ruled = _ruled(roles, facts, "nat_destination")
    if ruled:
        return _decide(subject, ruled, [], "profile network rule", why_one="{name} is set as nat_destination",
                       why_none="")
    if external.value is None:
        return Decision(subject, None, "router interfaces", "there is no floating-IP pool to reach")
    joined = [(r, "joined to a router") for r, f in zip(roles, facts)
              if f.router_interface and not r.is_external]
    return _decide(subject, joined, [], "router interfaces",
                   why_one="{name} is the only tenant network joined to a router",
                   why_none="no tenant network is joined to a router")


def _with_flags(roles: list[NetworkRole], external: Decision, nat: Decision, private: Decision) -> tuple:
    return tuple(replace(role, nat_source=role.id is not None and role.id == external.value,
                         nat_destination=role.id is not None and role.id == nat.value,
                         default_interface=role.id is not None and role.id == private.value)
                 for role in roles)


def routers_decide_nothing(networks: Sequence[Mapping], settings: NetworkSettings | None) -> bool:
    """True when the settings alone decide the floating-IP pool and the NAT destination.

    Routers and router interfaces only help choose those two; when the profile gives no
    floating IPs, or exactly one listed network is ruled ``nat_source`` and exactly one
    ``nat_destination`` (clouds.yaml ``networks:``), reading them changes no role.

    >>> from types import SimpleNamespace
    >>> from normalizer.profiles.model import NetworkRule
    >>> rules = SimpleNamespace(networks=(NetworkRule(name="pool", nat_source=True),
    ...                                   NetworkRule(name="tenant", nat_destination=True)))
    >>> nets = [{"id": "1", "name": "pool"}, {"id": "2", "name": "tenant"}]
    >>> routers_decide_nothing(nets, rules), routers_decide_nothing(nets[:1], rules)
    (True, False)
    """
    if _no_floating_ips(settings):
        return True
    rules = tuple(getattr(settings, "networks", ()) or ())
    if not rules:
        return False
    chosen = [_rule_for(rules, n) for n in networks if isinstance(n, Mapping)]
    return all(sum(1 for rule in chosen if rule is not None and getattr(rule, flag, False)) == 1
               for flag in ("nat_source", "nat_destination"))


def classify_networks(networks: Sequence[Mapping], subnets: Iterable[Mapping] = (), routers: Iterable[Mapping] = (),
                      router_ports: Iterable[Mapping] = (), *, settings: NetworkSettings | None = None,
                      project_id: str | None = None, l3: bool = True) -> NetworkRoles:
    """Decide every network's role and the public, private and external networks.

    :param settings: the profile's ``NetworkSettings`` (``networks`` rules, ``public_access``,
        ``floating_ip_api``); None means no rules.
    :param l3: False when Neutron has no router (L3) extension: no network can be a
        floating-IP pool there, whatever its ``router:external`` flag says.

    >>> roles = classify_networks(
    ...     [{"id": "n1", "name": "tenant", "project_id": "p"},
    ...      {"id": "n2", "name": "pool", "router:external": True}],
    ...     [{"network_id": "n1", "cidr": "10.0.0.0/24"}, {"network_id": "n2", "cidr": "203.0.113.0/24"}],
    ...     [{"external_gateway_info": {"network_id": "n2"}}],
    ...     [{"network_id": "n1", "device_owner": "network:router_interface"}], project_id="p")
    >>> roles.external.value, roles.private.value, roles.public.value
    ('n2', 'n1', None)
    """
    rules = tuple(getattr(settings, "networks", ()) or ())
    facts = _gather(list(networks or ()), subnets or (), routers or (), router_ports or (), rules, project_id)
    roles = [_role(fact, settings) for fact in facts]
    external = _external_decision(roles, facts, settings) if l3 else Decision(
        "external network (floating-IP pool)", None, "no L3",
        "this cloud's network API has no router (L3) extension, so it gives no floating IPs")
    nat = _nat_destination_decision(roles, facts, external)
    private = _private_decision(roles, facts, nat)
    public = _public_decision(roles, facts)
    hints = {
        "public": "mark one network with default_interface: true in clouds.yaml networks: (or the profile)",
        "private": "mark the boot network with default_interface: true in clouds.yaml networks:",
        "external": "mark the floating-IP pool with nat_source: true in clouds.yaml networks:",
    }
    return NetworkRoles(_with_flags(roles, external, nat, private), public, private, external, hints)
