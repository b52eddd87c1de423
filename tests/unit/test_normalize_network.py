"""normalize_network on neutron-lib API-reference samples and dual-stack / external layouts."""

from __future__ import annotations

import copy

from normalizer.interpret import Topology, network_roles, network_views
from normalizer.normalize import Context, NetworkRole, normalize_network
from normalizer.profiles import load_profile

CTX = Context(cloud="mycloud", region_name="RegionOne", project_id="4fd44f30292945e481c7b8a0c8908869",
              project_name="demo", project_domain_id="default")



def classified(raw, subnets=()):
    """The network's view with its role decided as Cloud decides it (generic profile)."""
    topology = Topology(networks=[raw], subnets=list(subnets))
    return network_views(topology, network_roles(topology, load_profile("generic")), CTX)[0]


# neutron-lib api-ref networks/network-show-response.json, unwrapped.
NETWORK = {
    "status": "ACTIVE",
    "subnets": ["54d6f61d-db07-451c-9ab3-b9609b6b6f0b"],
    "name": "private-network",
    "router:external": False,
    "admin_state_up": True,
    "project_id": "4fd44f30292945e481c7b8a0c8908869",
    "tenant_id": "4fd44f30292945e481c7b8a0c8908869",
    "qos_policy_id": "6a8454ade84346f59e8d40665f878b2e",
    "created_at": "2016-03-08T20:19:41",
    "mtu": 0,
    "shared": True,
    "port_security_enabled": True,
    "updated_at": "2016-03-08T20:19:41",
    "id": "d32019d3-bc6e-4319-9c1d-6722fc136a22",
}
# neutron-lib api-ref subnets/subnet-show-response.json, unwrapped.
SUBNET = {
    "name": "my_subnet", "enable_dhcp": True, "network_id": "d32019d3-bc6e-4319-9c1d-6722fc136a22",
    "segment_id": None, "project_id": "4fd44f30292945e481c7b8a0c8908869", "created_at": "2016-03-08T20:19:41",
    "dns_nameservers": [], "allocation_pools": [{"start": "192.0.0.2", "end": "192.255.255.254"}],
    "host_routes": [], "ip_version": 4, "gateway_ip": "192.0.0.1", "cidr": "192.0.0.0/8",
    "updated_at": "2016-03-08T20:19:41", "id": "54d6f61d-db07-451c-9ab3-b9609b6b6f0b",
}
# neutron-lib api-ref networks/networks-list-response.json, second item.
EXTERNAL = {
    "status": "ACTIVE", "subnets": ["08eae331-0402-425a-923c-34f7cfe39c1b"], "name": "private",
    "provider:physical_network": None, "admin_state_up": True, "project_id": "26a7980765d0414dbc1fc1f88cdb7e6e",
    "tenant_id": "26a7980765d0414dbc1fc1f88cdb7e6e", "provider:network_type": "local",
    "router:external": True, "mtu": 0, "shared": True, "id": "db193ab3-96e3-4cb3-8fc5-05f4296d0324",
    "provider:segmentation_id": None,
}


def test_api_sample_network_with_its_subnet():
    net = normalize_network(NETWORK, CTX, subnets=[SUBNET])
    assert (net.id, net.name, net.status) == ("d32019d3-bc6e-4319-9c1d-6722fc136a22", "private-network", "ACTIVE")
    assert (net.is_shared, net.is_external, net.is_default) == (True, False, False)
    assert net.cidrs == ["192.0.0.0/8"] and net.ip_versions == [4]
    assert net.subnet_ids == ["54d6f61d-db07-451c-9ab3-b9609b6b6f0b"]
    assert net.routes_externally is None  # not classified: only the role decider says
    assert (net.is_public, net.nat_source, net.nat_destination) == (False, False, False)
    assert net.reason == "not classified: no network role given"
    assert classified(NETWORK, [SUBNET]).routes_externally is False  # 192.0.0.0/8 holds non-global ranges
    assert net.location.project.name == "demo"
    assert set(net.properties) == {"admin_state_up", "qos_policy_id", "created_at", "mtu",
                                   "port_security_enabled", "updated_at"}


def test_router_external_network_routes_externally_whatever_its_name():
    net = classified(dict(EXTERNAL, shared=False))
    assert net.is_external is True and net.routes_externally is True and net.is_public is False
    assert net.nat_source is True
    assert "router:external" in net.reason
    assert net.location.project == {"id": "26a7980765d0414dbc1fc1f88cdb7e6e", "name": None, "domain_id": None}
    assert "provider:network_type" in net.properties


def test_a_shared_pool_servers_attach_to_is_public():
    net = classified(EXTERNAL)  # shared: servers boot on it and its addresses route externally
    assert (net.is_external, net.routes_externally, net.is_public) == (True, True, True)


def test_global_subnet_makes_a_non_external_network_route_externally():
    raw = dict(NETWORK, subnets=["s-pub"])
    net = classified(raw, [{"id": "s-pub", "network_id": NETWORK["id"], "cidr": "5.9.10.0/24", "ip_version": 4}])
    assert net.routes_externally is True and net.is_external is False
    assert "5.9.10.0/24" in net.reason


def test_dual_stack_cidrs_and_versions_are_sorted_and_foreign_subnets_ignored():
    subnets = [
        {"id": "s6", "network_id": NETWORK["id"], "cidr": "fd00:1::/64", "ip_version": 6},
        {"id": "s4b", "network_id": NETWORK["id"], "cidr": "10.0.1.0/24", "ip_version": 4},
        {"id": "s4a", "network_id": NETWORK["id"], "cidr": "10.0.0.0/24"},
        {"id": "other", "network_id": "another-network", "cidr": "172.16.0.0/24", "ip_version": 4},
        "junk", None,
    ]
    net = normalize_network(NETWORK, CTX, subnets=subnets)
    assert net.cidrs == ["10.0.0.0/24", "10.0.1.0/24", "fd00:1::/64"]
    assert net.ip_versions == [4, 6]


def test_is_default_and_roles_are_copied_from_the_decided_role():
    raw = dict(NETWORK, is_default=False)
    role = NetworkRole(id=NETWORK["id"], routes_ipv4_externally=True, is_public=True, nat_destination=True,
                       default_interface=True, reason="a network rule says so")
    net = normalize_network(raw, CTX, subnets=[SUBNET], role=role)
    assert net.is_default is True
    assert (net.is_public, net.routes_externally, net.nat_destination, net.nat_source) == (True, True, True, False)
    assert net.reason == "a network rule says so"


def test_without_a_role_is_default_is_neutrons_flag():
    assert normalize_network(dict(NETWORK, is_default=True), CTX).is_default is True


def test_role_can_deny_external_routing_of_an_external_network():
    role = NetworkRole(id=EXTERNAL["id"], is_external=True, routes_ipv4_externally=False, reason="rule")
    net = normalize_network(EXTERNAL, CTX, role=role)
    assert net.is_external is True and net.routes_externally is False


def test_wrong_types_and_null_keys():
    raw = {"id": 5, "name": None, "shared": "yes", "router:external": None, "subnets": "s1", "status": []}
    net = normalize_network(raw, CTX, subnets=None)
    assert net.id == "5" and net.name is None and net.status is None  # an integer id is text (issue 10 item 11)
    assert net.is_shared is True and net.is_external is False and net.subnet_ids == []
    assert net.cidrs == [] and net.ip_versions == []


def test_input_is_not_mutated():
    raw, subnet = copy.deepcopy(NETWORK), copy.deepcopy(SUBNET)
    net = normalize_network(raw, CTX, subnets=[subnet])
    net.subnet_ids.append("x")
    assert raw == NETWORK and subnet == SUBNET


def test_integer_ids_and_subnet_ids_are_text():
    raw = {"id": 42, "name": "old", "subnets": [7, "s2", None]}
    subnets = [{"id": 7, "network_id": 42, "cidr": "10.1.0.0/24", "ip_version": 4}]
    net = normalize_network(raw, CTX, subnets=subnets)
    assert (net.id, net.subnet_ids, net.cidrs) == ("42", ["7", "s2"], ["10.1.0.0/24"])
