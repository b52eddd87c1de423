"""Only this project's routers decide which pool it can use (found on real Neutron with an admin)."""

from normalizer.select.network_roles import classify_networks

NETWORKS = [
    {"id": "ext-a", "name": "ext-a", "router:external": True, "project_id": "admin"},
    {"id": "ext-b", "name": "ext-b", "router:external": True, "project_id": "admin"},
    {"id": "mine", "name": "mine", "router:external": False, "project_id": "me"},
]
SUBNETS = [{"network_id": "ext-a", "cidr": "203.0.113.0/24"}, {"network_id": "ext-b", "cidr": "198.51.100.0/24"},
           {"network_id": "mine", "cidr": "10.0.0.0/24"}]


def test_a_router_of_another_project_does_not_make_its_pool_usable():
    routers = [{"id": "r-me", "project_id": "me", "external_gateway_info": {"network_id": "ext-a"}},
               {"id": "r-other", "project_id": "other", "external_gateway_info": {"network_id": "ext-b"}}]
    ports = [{"network_id": "mine", "device_owner": "network:router_interface", "project_id": "me"}]
    roles = classify_networks(NETWORKS, SUBNETS, routers, ports, project_id="me")
    assert roles.external.value == "ext-a"
    assert "ext-b" not in roles.external.reason


def test_another_projects_router_interface_does_not_make_a_nat_destination():
    routers = [{"id": "r-other", "project_id": "other", "external_gateway_info": {"network_id": "ext-a"}}]
    ports = [{"network_id": "mine", "device_owner": "network:router_interface", "project_id": "other"}]
    roles = classify_networks(NETWORKS, SUBNETS, routers, ports, project_id="me")
    assert not roles.get("mine").nat_destination and roles.external.value != "ext-b"


def test_records_without_an_owner_still_count():
    routers = [{"id": "r", "external_gateway_info": {"network_id": "ext-b"}}]
    roles = classify_networks(NETWORKS, SUBNETS, routers, [], project_id="me")
    assert roles.external.value == "ext-b"
