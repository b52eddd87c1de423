"""Network roles are total: junk in, a decision out; and they never point at a network that is not there."""

import copy

from hypothesis import assume, given, settings, strategies as st

from normalizer.exceptions import ProfileError
from normalizer.profiles import load_profile
from normalizer.select.network_roles import classify_networks, routers_decide_nothing

junk = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=2))
cidrs = st.sampled_from(["10.0.0.0/24", "203.0.113.0/24", "38.108.68.0/24", "100.64.1.0/24", "2001:470:1::/64",
                         "fd00::/64", "not-a-cidr", None])
ids = st.sampled_from(["n1", "n2", "n3", None])
networks = st.lists(st.fixed_dictionaries(
    {"id": ids, "name": st.sampled_from(["a", "b", "c", None]),
     "router:external": st.one_of(st.booleans(), junk), "shared": st.one_of(st.booleans(), junk),
     "project_id": st.sampled_from(["p", "q", None])}), max_size=4,
    unique_by=lambda n: n["id"] or object())  # Neutron never lists two networks with one id
subnets = st.lists(st.fixed_dictionaries({"network_id": ids, "cidr": cidrs}), max_size=5)
routers = st.lists(st.one_of(junk, st.fixed_dictionaries(
    {"external_gateway_info": st.one_of(junk, st.fixed_dictionaries({"network_id": ids}))})), max_size=3)
ports = st.lists(st.fixed_dictionaries({"network_id": ids, "device_owner": st.sampled_from(
    ["network:router_interface", "compute:nova", None])}), max_size=3)
rules = st.lists(st.fixed_dictionaries({"name": st.sampled_from(["a", "b", "n1"])}, optional={
    "routes_externally": st.booleans(), "nat_source": st.booleans()}), max_size=2, unique_by=lambda r: r["name"])


@settings(max_examples=40, deadline=None)
@given(networks=networks, subnets=subnets, routers=routers, ports=ports, rules=rules)
def test_roles_are_total_pure_and_point_at_real_networks(networks, subnets, routers, ports, rules):
    settings_ = load_profile("generic", layers=[("test", {"network": {"networks": rules}})]).network
    before = copy.deepcopy((networks, subnets, routers, ports))
    roles = classify_networks(networks, subnets, routers, ports, settings=settings_, project_id="p")
    assert (networks, subnets, routers, ports) == before
    known = {n.get("id") for n in networks}
    for decision in (roles.public, roles.private, roles.external):
        assert decision.value is None or decision.value in known
        if decision.rule == "ambiguous":
            assert decision.value is None and len(decision.considered) >= 2
    for role in roles.roles:
        assert not (role.nat_source and not role.is_external and not any(
            r.get("nat_source") for r in rules))


settled_rules = st.lists(st.fixed_dictionaries({"name": st.sampled_from(["a", "b", "c", "n1"])}, optional={
    "nat_source": st.booleans(), "nat_destination": st.booleans(), "default_interface": st.booleans()}),
    max_size=3, unique_by=lambda r: r["name"])


@settings(max_examples=80, deadline=None)
@given(networks=networks, subnets=subnets, routers=routers, ports=ports, rules=settled_rules,
       access=st.sampled_from([None, "none"]))
def test_routers_left_unread_change_no_role_when_the_settings_decide(networks, subnets, routers, ports, rules, access):
    """A create or listing skips the routers and their interfaces only when they could change nothing."""
    layer = {"network": {"networks": rules, **({"public_access": access} if access else {})}}
    try:
        settings_ = load_profile("generic", layers=[("test", layer)]).network
    except ProfileError:  # two rules with one role are refused before any decision
        assume(False)
    if not routers_decide_nothing(networks, settings_):
        return
    read = classify_networks(networks, subnets, routers, ports, settings=settings_, project_id="p")
    unread = classify_networks(networks, subnets, (), (), settings=settings_, project_id="p")
    assert read.roles == unread.roles
    for name in ("public", "private", "external"):
        assert getattr(read, name).value == getattr(unread, name).value
        assert getattr(read, name).reason == getattr(unread, name).reason
        assert getattr(read, name).considered == getattr(unread, name).considered


def _settings(*rules):
    return load_profile("generic", layers=[("test", {"network": {"networks": list(rules)}})]).network


def test_routers_are_read_when_a_named_network_is_missing_or_two_are_pools():
    nets = [{"id": "n1", "name": "a"}, {"id": "n2", "name": "b"}]
    pool, tenant = {"name": "a", "nat_source": True}, {"name": "b", "nat_destination": True}
    assert routers_decide_nothing(nets, _settings(pool, tenant))
    assert not routers_decide_nothing(nets, _settings(pool, {"name": "gone", "nat_destination": True}))
    assert not routers_decide_nothing(nets, _settings(pool, {"name": "b", "nat_source": True, "nat_destination": True}))
    assert not routers_decide_nothing(nets, load_profile("generic").network)


def test_a_router_reaching_the_named_pool_changes_nothing_either():
    nets = [{"id": "n1", "name": "a", "router:external": True}, {"id": "n2", "name": "b", "project_id": "p"}]
    subnets_ = [{"network_id": "n1", "cidr": "203.0.113.0/24"}, {"network_id": "n2", "cidr": "10.0.0.0/24"}]
    settings_ = _settings({"name": "a", "nat_source": True}, {"name": "b", "nat_destination": True})
    read = classify_networks(nets, subnets_, [{"external_gateway_info": {"network_id": "n1"}}],
                             [{"network_id": "n2", "device_owner": "network:router_interface"}],
                             settings=settings_, project_id="p")
    unread = classify_networks(nets, subnets_, settings=settings_, project_id="p")
    assert routers_decide_nothing(nets, settings_)
    assert (read.roles, read.external, read.private) == (unread.roles, unread.external, unread.private)
    assert read.external.value == "n1" and read.private.value == "n2"
