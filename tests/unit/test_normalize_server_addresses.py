"""One decision per address fact (issue 10 items 3, 9, 11).

decide_addresses decides each address's floating/public verdict and the five address
fields once; normalize_server uses the values, explain_address replays the same function.
Floating IPs Nova does not label are found in Neutron's listing; an address outside its
network's subnets does not take the network's role; no choice depends on list order.
"""

from __future__ import annotations

import copy
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from normalizer.normalize import Context, NetworkRole, normalize_server
from normalizer.normalize.server_addresses import ADDRESS_FIELDS, FloatingIPIndex, decide_addresses
from normalizer.select.addresses import explain_address
from tests.strategies import floating_ips, ipv4_text, ipv6_text, nova_servers

CTX = Context(cloud="c", region_name="r", project_id="p")
SID = "9168b536-cd40-4630-b43f-b259807c6e87"
MAC = "fa:16:3e:00:00:01"
PRIVATE_ROLE = NetworkRole(routes_externally=False)


def fixed(addr, mac=MAC, version=4):
    return {"addr": addr, "version": version, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": mac}


def floating(addr, mac=MAC, version=4):
    return {"addr": addr, "version": version, "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": mac}


def untyped(addr, version=4):
    return {"addr": addr, "version": version}


def server(addresses, **extra):
    return {"id": SID, "name": "web", "status": "ACTIVE", "addresses": addresses, **extra}


def neutron_fip(address, fixed_address, device_id=None, **extra):
    fip = {"id": f"fip-{address}", "floating_ip_address": address, "fixed_ip_address": fixed_address,
           "port_id": "port-1", "floating_network_id": "ext", "status": "ACTIVE", **extra}
    if device_id is not None:
        fip["port_details"] = {"device_id": device_id, "mac_address": MAC}
    return fip


class TestFloatingIpsNovaDoesNotLabel:
    """Item 9: older Nova lists the floating IP untyped, often under a network called "private"."""

    def test_untyped_devstack_fip_in_private_is_floating_when_neutron_lists_it(self):
        raw = server({"private": [untyped("10.0.0.5"), untyped("172.24.4.9")]})
        s = normalize_server(raw, CTX, network_roles={"private": PRIVATE_ROLE},
                             project_floating_ips=[neutron_fip("172.24.4.9", "10.0.0.5")])
        by_addr = {e.addr: e for e in s.addresses}
        assert by_addr["172.24.4.9"].type == "floating" and by_addr["172.24.4.9"].is_public
        assert (s.public_v4, s.private_v4, s.interface_ip) == ("172.24.4.9", "10.0.0.5", "172.24.4.9")
        assert s.floating_ips == ["172.24.4.9"]

    def test_without_the_listing_the_same_server_has_no_public_address(self):
        raw = server({"private": [untyped("10.0.0.5"), untyped("172.24.4.9")]})
        s = normalize_server(raw, CTX, network_roles={"private": PRIVATE_ROLE})
        assert s.public_v4 is None and s.interface_ip is None

    def test_fip_owned_by_this_server_matches_without_fixed_address_among_ours(self):
        raw = server({"private": [untyped("10.0.0.5"), untyped("172.24.4.9")]})
        s = normalize_server(raw, CTX, project_floating_ips=[neutron_fip("172.24.4.9", "10.9.9.9", device_id=SID)])
        assert s.public_v4 == "172.24.4.9"

    def test_fip_of_another_server_does_not_relabel(self):
        raw = server({"private": [untyped("10.0.0.5"), untyped("172.24.4.9")]})
        s = normalize_server(raw, CTX, network_roles={"private": PRIVATE_ROLE},
                             project_floating_ips=[neutron_fip("172.24.4.9", "10.0.0.5", device_id="other")])
        assert s.public_v4 is None

    def test_unattached_fip_with_the_same_address_does_not_relabel(self):
        raw = server({"private": [untyped("10.0.0.5"), untyped("172.24.4.9")]})
        s = normalize_server(raw, CTX, network_roles={"private": PRIVATE_ROLE},
                             project_floating_ips=[neutron_fip("172.24.4.9", None)])
        assert s.public_v4 is None

    def test_fip_neutron_binds_to_this_server_but_nova_does_not_list_yet_is_added(self):
        raw = server({"tenant": [fixed("10.0.0.5")]})
        s = normalize_server(raw, CTX, project_floating_ips=[neutron_fip("172.24.4.9", "10.0.0.5", device_id=SID)])
        assert s.addresses[-1] == {"addr": "172.24.4.9", "version": 4, "type": "floating", "network": "tenant",
                                   "mac": MAC, "is_public": True}
        assert s.interface_ip == "172.24.4.9"

    def test_nova_network_floating_ip_shape_is_understood(self):
        raw = server({"private": [untyped("10.0.0.5"), untyped("172.24.4.9")]}, id=59662)
        nova_fip = {"id": 1, "ip": "172.24.4.9", "fixed_ip": "10.0.0.5", "instance_id": 59662, "pool": "nova"}
        s = normalize_server(raw, CTX, network_roles={"private": PRIVATE_ROLE}, project_floating_ips=[nova_fip])
        assert (s.id, s.public_v4, s.private_v4) == ("59662", "172.24.4.9", "10.0.0.5")

    def test_the_index_is_reused_as_it_is(self):
        index = FloatingIPIndex.of([neutron_fip("172.24.4.9", "10.0.0.5")])
        assert FloatingIPIndex.of(index) is index
        assert FloatingIPIndex.of(None).by_address == {} and FloatingIPIndex.of("junk").by_address == {}
        assert FloatingIPIndex.of([None, 5, {"floating_ip_address": "nope"}]).by_address == {}


class TestAddressOutsideItsNetworkSubnets:
    """Item 9: a network's role applies to addresses inside its subnets only."""

    def test_routable_address_outside_the_private_subnet_is_public_by_range(self):
        raw = server({"private": [untyped("10.6.39.189"), untyped("15.185.181.94")]})
        s = normalize_server(raw, CTX, network_roles={"private": PRIVATE_ROLE},
                             network_cidrs={"private": ["10.6.0.0/16"]})
        assert (s.public_v4, s.private_v4, s.interface_ip) == ("15.185.181.94", "10.6.39.189", "15.185.181.94")
        reason = explain_address(s, "public_v4", network_roles={"private": PRIVATE_ROLE},
                                 network_cidrs={"private": ["10.6.0.0/16"]}).reason
        assert "outside every subnet of 'private'" in reason

    def test_inside_the_subnet_the_role_still_decides(self):
        raw = server({"private": [untyped("10.6.39.189"), untyped("15.185.181.94")]})
        s = normalize_server(raw, CTX, network_roles={"private": PRIVATE_ROLE},
                             network_cidrs={"private": ["10.6.0.0/16", "15.185.0.0/16"]})
        assert s.public_v4 is None

    def test_unknown_subnets_leave_the_role_in_charge(self):
        raw = server({"private": [untyped("10.6.39.189"), untyped("15.185.181.94")]})
        for cidrs in (None, {}, {"private": []}, {"private": ["junk"]}):
            s = normalize_server(raw, CTX, network_roles={"private": PRIVATE_ROLE}, network_cidrs=cidrs)
            assert s.public_v4 is None


class TestChoicesIndependentOfApiOrder:
    """Item 11: two fixed addresses on one network; the floating IP says which is the private one."""

    def test_private_v4_is_the_fixed_address_neutrons_floating_ip_forwards_to(self):
        for order in (["10.0.0.9", "10.0.0.5"], ["10.0.0.5", "10.0.0.9"]):
            raw = server({"tenant": [fixed(a, mac=f"fa:16:3e:00:00:{a[-1]}") for a in order]
                          + [floating("172.24.4.9", mac="fa:16:3e:00:00:9")]})
            s = normalize_server(raw, CTX, project_floating_ips=[neutron_fip("172.24.4.9", "10.0.0.9")])
            assert s.private_v4 == "10.0.0.9"

    def test_private_v4_is_the_fixed_address_sharing_the_floating_entrys_port(self):
        for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
            items = [fixed("10.0.0.5", mac="fa:16:3e:00:00:05"), fixed("10.0.0.9", mac="fa:16:3e:00:00:09"),
                     floating("172.24.4.9", mac="fa:16:3e:00:00:09")]
            s = normalize_server(server({"tenant": [items[i] for i in order]}), CTX)
            assert (s.private_v4, s.public_v4) == ("10.0.0.9", "172.24.4.9")
            assert "floating IP of the server forwards to" in explain_address(s, "private_v4").reason

    def test_without_a_floating_ip_the_lowest_address_wins(self):
        for order in (["10.0.0.9", "10.0.0.10", "10.0.0.5"], ["10.0.0.5", "10.0.0.10", "10.0.0.9"]):
            s = normalize_server(server({"tenant": [fixed(a, mac=None) for a in order]}), CTX)
            assert s.private_v4 == "10.0.0.5"

    def test_two_public_fixed_addresses_lowest_wins(self):
        for order in (["37.187.9.9", "37.187.1.1"], ["37.187.1.1", "37.187.9.9"]):
            s = normalize_server(server({"direct": [fixed(a) for a in order]}), CTX)
            assert s.public_v4 == s.interface_ip == "37.187.1.1"

    def test_nat_destination_network_still_comes_before_the_floating_ip_target(self):
        raw = server({"b": [fixed("10.2.0.5", mac="m2"), floating("172.24.4.9", mac="m2")],
                      "a-nat": [fixed("10.1.0.5", mac="m1")]})
        s = normalize_server(raw, CTX, network_roles={"a-nat": NetworkRole(nat_destination=True)})
        assert s.private_v4 == "10.1.0.5"


class TestIds:
    def test_integer_ids_are_text(self):
        raw = server({}, id=59662, image={"id": 1234, "links": []}, flavor={"id": 7, "links": []})
        s = normalize_server(raw, CTX)
        assert (s.id, s.image.id, s.flavor.id) == ("59662", "1234", "7")

    def test_integer_server_id_still_owns_its_floating_ips(self):
        raw = server({"tenant": [fixed("10.0.0.5")]}, id=59662)
        s = normalize_server(raw, CTX, project_floating_ips=[neutron_fip("172.24.4.9", "10.0.0.5", device_id="59662")])
        assert s.public_v4 == "172.24.4.9"


class TestOneDecision:
    def test_explain_reads_the_decision_normalize_took(self):
        roles = {"private": PRIVATE_ROLE}
        fips = [neutron_fip("172.24.4.9", "10.0.0.5")]
        s = normalize_server(server({"private": [untyped("10.0.0.5"), untyped("172.24.4.9")]}), CTX,
                             network_roles=roles, project_floating_ips=fips)
        decided = decide_addresses(s.addresses, server_id=s.id, server_name=s.name, network_roles=roles,
                                   floating_ips=fips)
        for field in ADDRESS_FIELDS:
            assert explain_address(s, field, network_roles=roles, floating_ips=fips) == decided.fields[field]
            assert decided.value(field) == s[field]
        public = explain_address(s, "public_v4", network_roles=roles, floating_ips=fips)
        assert public.rule == "floating IP" and "Neutron lists it bound to 10.0.0.5" in public.reason
        assert [c.candidate for c in public.considered] == ["10.0.0.5"]

    def test_explain_needs_the_listing_the_server_was_normalized_with(self):
        # the floating IP forwards to 10.0.0.9; nothing in Nova's list says so (no MACs)
        raw = server({"tenant": [untyped("10.0.0.5"), untyped("10.0.0.9"), {"addr": "172.24.4.9",
                                                                            "OS-EXT-IPS:type": "floating"}]})
        fips = [neutron_fip("172.24.4.9", "10.0.0.9")]
        s = normalize_server(raw, CTX, project_floating_ips=fips)
        assert s.private_v4 == explain_address(s, "private_v4", floating_ips=fips).value == "10.0.0.9"
        assert explain_address(s, "private_v4").value == "10.0.0.5"  # other facts, other decision

    def test_each_address_has_its_own_decision(self):
        decided = decide_addresses([{"addr": "10.0.0.5", "network": "n"}, {"addr": "8.8.8.8", "network": "n"}],
                                   server_name="web")
        assert [d.value for d in decided.addresses] == [{"type": "fixed", "is_public": False},
                                                       {"type": "fixed", "is_public": True}]
        assert decided.addresses[1].subject == "address 8.8.8.8 of server 'web'"
        assert decided.addresses[1].rule == "address range"

    def test_normalize_does_not_mutate_its_inputs(self):
        raw = server({"private": [untyped("10.0.0.5"), untyped("172.24.4.9")]})
        fips = [neutron_fip("172.24.4.9", "10.0.0.5", device_id=SID)]
        before = copy.deepcopy((raw, fips))
        normalize_server(raw, CTX, project_floating_ips=fips, network_cidrs={"private": ["10.0.0.0/24"]})
        assert (raw, fips) == before


# --- properties -------------------------------------------------------------------------

_networks = st.sampled_from(["private", "public", "tenant", "ext"])
_macs = st.sampled_from(["fa:16:3e:00:00:01", "fa:16:3e:00:00:02", None])
_entry = st.builds(
    lambda addr, kind, mac: {"addr": addr, "OS-EXT-IPS:type": kind, "OS-EXT-IPS-MAC:mac_addr": mac},
    st.one_of(ipv4_text, ipv6_text), st.sampled_from(["fixed", "floating", None]), _macs)
_layouts = st.dictionaries(_networks, st.lists(_entry, max_size=4), max_size=4)
_roles = st.dictionaries(_networks, st.builds(
    NetworkRole, routes_externally=st.one_of(st.none(), st.booleans()), nat_destination=st.booleans()), max_size=3)
_cidrs = st.dictionaries(_networks, st.lists(st.sampled_from(
    ["10.0.0.0/8", "172.24.4.0/24", "2001:db8::/32", "37.187.0.0/16"]), max_size=2), max_size=3)


def _shuffled(layout, seed):
    rng = random.Random(seed)
    names = list(layout)
    rng.shuffle(names)
    return {name: rng.sample(layout[name], len(layout[name])) for name in names}


@settings(max_examples=200, deadline=None)
@given(layout=_layouts, roles=_roles, cidrs=_cidrs, seed=st.integers(0, 2 ** 16),
       fips=st.lists(floating_ips(), max_size=3), prefer_ipv6=st.booleans(), private_cloud=st.booleans())
def test_shuffling_addresses_and_networks_never_changes_a_choice(layout, roles, cidrs, seed, fips,
                                                                 prefer_ipv6, private_cloud):
    def fields(addresses):
        s = normalize_server(server(addresses), CTX, network_roles=roles, network_cidrs=cidrs,
                             project_floating_ips=fips, prefer_ipv6=prefer_ipv6, private_cloud=private_cloud)
        return {field: s[field] for field in ADDRESS_FIELDS}, sorted(map(dict, s.addresses), key=str)

    assert fields(layout) == fields(_shuffled(layout, seed))


@settings(max_examples=200, deadline=None)
@given(layout=_layouts, roles=_roles, cidrs=_cidrs, fips=st.lists(floating_ips(), max_size=3),
       prefer_ipv6=st.booleans(), private_cloud=st.booleans())
def test_explain_gives_the_value_normalize_gave(layout, roles, cidrs, fips, prefer_ipv6, private_cloud):
    facts = {"network_roles": roles, "network_cidrs": cidrs, "prefer_ipv6": prefer_ipv6,
             "private_cloud": private_cloud}
    s = normalize_server(server(layout), CTX, project_floating_ips=fips, **facts)
    for field in ADDRESS_FIELDS:
        assert explain_address(s, field, floating_ips=fips, **facts).value == s[field]
    assert not any(e.is_public and e.addr in (s.private_v4, s.private_v6) for e in s.addresses)


@settings(max_examples=100, deadline=None)
@given(raw=nova_servers(), server_id=st.integers(0, 2 ** 40), image_id=st.integers(0, 2 ** 31),
       flavor_id=st.integers(0, 2 ** 31))
def test_integer_ids_become_text(raw, server_id, image_id, flavor_id):
    raw = {**raw, "id": server_id, "image": {"id": image_id}, "flavor": {"id": flavor_id}}
    s = normalize_server(raw, CTX)
    assert (s.id, s.image.id, s.flavor.id) == (str(server_id), str(image_id), str(flavor_id))
