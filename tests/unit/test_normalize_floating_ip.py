"""normalize_floating_ip on Neutron and nova-network API-reference samples."""

from __future__ import annotations

import pytest

from normalizer.normalize import (
    CREATED_BY_DESCRIPTION,
    OWNER_TAG_PREFIX,
    Context,
    is_created_by_normalizer,
    normalize_floating_ip,
)

CTX = Context(cloud="mycloud", region_name="RegionOne", project_id="4969c491a3c74ee4af974e6d800c62de",
              project_name="demo")

# neutron-lib api-ref floatingips/floatingip-show-response.json, unwrapped.
NEUTRON = {
    "floating_network_id": "376da547-b977-4cfe-9cba-275c80debf57",
    "router_id": "d23abc8d-2991-4a55-ba98-2aaea84cc72f",
    "fixed_ip_address": "10.0.0.3",
    "floating_ip_address": "172.24.4.228",
    "project_id": "4969c491a3c74ee4af974e6d800c62de",
    "tenant_id": "4969c491a3c74ee4af974e6d800c62de",
    "status": "ACTIVE",
    "port_id": "ce705c24-c1ef-408a-bda3-7bbd946164ab",
    "id": "2f245a7b-796b-4f26-9cf9-9e82d248fda7",
    "description": "floating ip for testing",
    "dns_domain": "my-domain.org.",
    "dns_name": "myfip",
    "created_at": "2016-12-21T01:36:04Z",
    "updated_at": "2016-12-21T01:36:04Z",
    "revision_number": 1,
    "port_details": {"status": "ACTIVE", "name": "", "admin_state_up": True,
                     "network_id": "02dd8479-ef26-4398-a102-d19d0a7b3a1f", "device_owner": "compute:nova",
                     "mac_address": "fa:16:3e:b1:3b:30", "device_id": "8e3941b4-a6e9-499f-a1ac-2a4662025cba"},
}
# nova doc/api_samples/os-floating-ips/floating-ips-list-resp.json, first item.
NOVA = {"fixed_ip": None, "id": 1, "instance_id": None, "ip": "10.10.10.1", "pool": "nova"}


def test_neutron_sample():
    fip = normalize_floating_ip(NEUTRON, CTX)
    assert fip.id == "2f245a7b-796b-4f26-9cf9-9e82d248fda7"
    assert (fip.floating_ip_address, fip.fixed_ip_address) == ("172.24.4.228", "10.0.0.3")
    assert fip.network == "376da547-b977-4cfe-9cba-275c80debf57"
    assert (fip.port, fip.router) == ("ce705c24-c1ef-408a-bda3-7bbd946164ab", "d23abc8d-2991-4a55-ba98-2aaea84cc72f")
    assert (fip.attached, fip.status, fip.created_by_normalizer) == (True, "ACTIVE", False)
    assert fip.location.project.name == "demo"
    assert {"description", "port_details", "dns_name", "created_at"} <= set(fip.properties)
    assert not {"port_id", "floating_network_id", "tenant_id"} & set(fip.properties)


def test_unattached_neutron_floating_ip():
    fip = normalize_floating_ip(dict(NEUTRON, port_id=None, fixed_ip_address=None, status="DOWN"), CTX)
    assert (fip.attached, fip.port, fip.fixed_ip_address, fip.status) == (False, None, None, "DOWN")


def test_nova_network_sample():
    fip = normalize_floating_ip(NOVA, CTX)
    assert (fip.id, fip.floating_ip_address, fip.network, fip.fixed_ip_address) == ("1", "10.10.10.1", "nova", None)
    assert (fip.attached, fip.status, fip.port, fip.router) == (False, "DOWN", None, None)
    assert set(fip.properties) == {"instance_id"}


def test_attached_nova_network_floating_ip():
    fip = normalize_floating_ip(dict(NOVA, instance_id="s1", fixed_ip="10.0.0.4"), CTX)
    assert (fip.attached, fip.status, fip.fixed_ip_address) == (True, "ACTIVE", "10.0.0.4")


@pytest.mark.parametrize("marks,expected", [
    ({"description": CREATED_BY_DESCRIPTION + " for server s1"}, True),
    ({"tags": ["team:a", OWNER_TAG_PREFIX + "server=s1"]}, True),
    ({"description": "not " + CREATED_BY_DESCRIPTION}, False),
    ({"description": None, "tags": "normalizer:server=s1"}, False),  # tags must be a list
    ({}, False),
])
def test_created_by_normalizer_markers(marks, expected):
    assert normalize_floating_ip(dict(NEUTRON, **marks), CTX).created_by_normalizer is expected
    assert is_created_by_normalizer(dict(NEUTRON, **marks)) is expected


def test_markers_are_our_own_vocabulary():
    assert CREATED_BY_DESCRIPTION == "created by normalizer" and OWNER_TAG_PREFIX == "normalizer:"


def test_record_with_only_an_id_is_read_as_neutron():
    fip = normalize_floating_ip({"id": "x"}, CTX)
    assert fip.id == "x" and fip.floating_ip_address is None and fip.attached is False
