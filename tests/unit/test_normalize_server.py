"""normalize_server on API-reference samples and on the address layouts real clouds use."""

from __future__ import annotations

import copy

import pytest
from munch import Munch

from normalizer.normalize import Context, NetworkRole, normalize_server

PROJECT = "6f70656e737461636b20342065766572"
CTX = Context(cloud="mycloud", region_name="RegionOne", project_id=PROJECT, project_name="demo",
              project_domain_id="default")
SERVER_ID = "9168b536-cd40-4630-b43f-b259807c6e87"

# nova doc/api_samples/servers/server-get-resp.json (microversion 2.1), unwrapped.
SERVER_V21 = {
    "accessIPv4": "1.2.3.4",
    "accessIPv6": "80fe::",
    "addresses": {"private": [{"addr": "192.168.0.3", "OS-EXT-IPS-MAC:mac_addr": "aa:bb:cc:dd:ee:ff",
                               "OS-EXT-IPS:type": "fixed", "version": 4}]},
    "created": "2013-09-03T04:01:32Z",
    "flavor": {"id": "1", "links": [{"href": "http://openstack.example.com/flavors/1", "rel": "bookmark"}]},
    "hostId": "92154fab69d5883ba2c8622b7e65f745dd33257221c07af363c51b29",
    "id": "0e44cc9c-e052-415d-afbf-469b0d384170",
    "image": {"id": "70a599e0-31e7-49b7-b260-868f441e862b",
              "links": [{"href": "http://openstack.example.com/images/70a599e0", "rel": "bookmark"}]},
    "key_name": None,
    "links": [{"href": "http://openstack.example.com/v2/servers/0e44cc9c", "rel": "self"}],
    "metadata": {"My Server Name": "Apache1"},
    "name": "new-server-test",
    "progress": 0,
    "status": "ACTIVE",
    "tenant_id": PROJECT,
    "updated": "2013-09-03T04:01:33Z",
    "user_id": "fake",
}

# nova doc/api_samples/servers/v2.47/server-get-resp.json, unwrapped (some SRV-ATTR keys trimmed).
SERVER_V247 = {
    "OS-DCF:diskConfig": "AUTO",
    "OS-EXT-AZ:availability_zone": "us-west",
    "OS-EXT-SRV-ATTR:host": "compute",
    "OS-EXT-SRV-ATTR:instance_name": "instance-00000001",
    "OS-EXT-STS:power_state": 1,
    "OS-EXT-STS:task_state": None,
    "OS-EXT-STS:vm_state": "active",
    "OS-SRV-USG:launched_at": "2017-02-14T19:23:59.895661",
    "OS-SRV-USG:terminated_at": None,
    "accessIPv4": "1.2.3.4",
    "accessIPv6": "80fe::",
    "addresses": {"private": [{"OS-EXT-IPS-MAC:mac_addr": "00:0c:29:0d:11:74", "OS-EXT-IPS:type": "fixed",
                               "addr": "192.168.1.30", "version": 4}]},
    "config_drive": "",
    "created": "2017-02-14T19:23:58Z",
    "description": None,
    "flavor": {"disk": 1, "ephemeral": 0, "extra_specs": {"hw:numa_nodes": "1"},
               "original_name": "m1.tiny.specs", "ram": 512, "swap": 0, "vcpus": 1},
    "hostId": "2091634baaccdc4c5a1d57069c833e402921df696b7f970791b12ec6",
    "host_status": "UP",
    "id": SERVER_ID,
    "image": {"id": "70a599e0-31e7-49b7-b260-868f441e862b", "links": []},
    "key_name": None,
    "locked": False,
    "metadata": {"My Server Name": "Apache1"},
    "name": "new-server-test",
    "os-extended-volumes:volumes_attached": [{"delete_on_termination": False, "id": "volume_id1"}],
    "progress": 0,
    "security_groups": [{"name": "default"}],
    "status": "ACTIVE",
    "tags": [],
    "tenant_id": PROJECT,
    "updated": "2017-02-14T19:24:00Z",
    "user_id": "fake",
}

# nova doc/api_samples/servers/v2.71/server-get-down-cell-resp.json, unwrapped.
SERVER_DOWN_CELL = {
    "OS-EXT-AZ:availability_zone": "UNKNOWN",
    "OS-EXT-STS:power_state": 0,
    "created": "2019-02-28T03:16:19Z",
    "flavor": {"disk": 1, "ephemeral": 0, "extra_specs": {}, "original_name": "m1.tiny", "ram": 512,
               "swap": 0, "vcpus": 1},
    "id": "2669556b-b4a3-41f1-a0c1-f9c7ff75e53c",
    "image": {"id": "70a599e0-31e7-49b7-b260-868f441e862b", "links": []},
    "server_groups": ["f3d86fe6-4246-4be8-b87c-eb894626c741"],
    "status": "UNKNOWN",
    "tenant_id": "project",
    "user_id": "fake",
}


def server(addresses, **extra):
    """A minimal ACTIVE server with the given Nova `addresses`."""
    return {"id": SERVER_ID, "status": "ACTIVE", "addresses": addresses, **extra}


def fixed(addr, version=4, mac="fa:16:3e:00:00:01"):
    return {"addr": addr, "version": version, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": mac}


def floating(addr, version=4, mac="fa:16:3e:00:00:01"):
    return {"addr": addr, "version": version, "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": mac}


class TestApiSamples:
    def test_microversion_2_1_sample(self):
        s = normalize_server(SERVER_V21, CTX)
        assert (s.id, s.name, s.status, s.state) == (
            "0e44cc9c-e052-415d-afbf-469b0d384170", "new-server-test", "ACTIVE", "running")
        assert s.private_v4 == "192.168.0.3"
        assert s.public_v4 == "1.2.3.4" == s.interface_ip  # accessIPv4, added as public
        assert s.flavor == {"id": "1", "name": None, "vcpus": None, "ram": None, "disk": None}
        assert s.image == {"id": "70a599e0-31e7-49b7-b260-868f441e862b", "name": None,
                           "distro": None, "version": None}
        assert (s.created_at, s.updated_at) == ("2013-09-03T04:01:32Z", "2013-09-03T04:01:33Z")
        assert s.metadata == {"My Server Name": "Apache1"} and isinstance(s.metadata, Munch)
        assert s.location.project == {"id": PROJECT, "name": "demo", "domain_id": "default"}
        assert set(s.properties) == {"hostId", "links", "progress", "user_id"}

    def test_access_ipv6_outside_global_unicast_is_listed_but_never_public_or_private(self):
        s = normalize_server(SERVER_V21, CTX)
        entry = next(e for e in s.addresses if e.addr == "80fe::")
        assert (entry.type, entry.network, entry.is_public) == ("fixed", None, False)
        assert s.public_v6 is None and s.private_v6 is None

    def test_microversion_2_47_embedded_flavor(self):
        s = normalize_server(SERVER_V247, CTX)
        assert s.flavor == {"id": None, "name": "m1.tiny.specs", "vcpus": 1, "ram": 512, "disk": 1}
        assert s.zone == "us-west" == s.location.zone
        assert s.security_groups == ["default"]
        assert s.has_config_drive is False
        assert s.addresses[0] == {"addr": "192.168.1.30", "version": 4, "type": "fixed", "network": "private",
                                  "mac": "00:0c:29:0d:11:74", "is_public": False}
        assert "OS-EXT-SRV-ATTR:host" in s.properties and "tags" in s.properties
        assert "OS-EXT-AZ:availability_zone" not in s.properties and "flavor" not in s.properties

    def test_down_cell_record(self):
        s = normalize_server(SERVER_DOWN_CELL, CTX)
        assert s.state == "unknown" and s.status == "UNKNOWN"
        assert s.addresses == [] and s.interface_ip is None and s.public_v4 is None
        assert s.name is None and s.key_name is None and s.security_groups == [] and s.metadata == {}
        assert s.flavor.name == "m1.tiny"
        assert s.location.project == {"id": "project", "name": None, "domain_id": None}

    def test_down_cell_list_record_with_three_keys(self):
        s = normalize_server({"id": "x", "status": "UNKNOWN", "created": "2019-02-28T03:16:19Z"}, CTX)
        assert (s.state, s.created_at, s.updated_at, s.zone) == ("unknown", "2019-02-28T03:16:19Z", None, None)
        assert s.image == {"id": None, "name": None, "distro": None, "version": None}


class TestAddressLayouts:
    def test_nova_network_untyped_addresses_count_as_fixed(self):
        s = normalize_server(server({"private": [{"addr": "10.0.0.3", "version": 4},
                                                 {"addr": "172.24.4.5", "version": 4}]}), CTX)
        assert [e.type for e in s.addresses] == ["fixed", "fixed"]
        assert s.private_v4 == "10.0.0.3" and s.public_v4 is None and s.floating_ips == []

    def test_untyped_address_known_as_floating_ip_becomes_floating(self):
        raw = server({"private": [{"addr": "10.0.0.3", "version": 4}, {"addr": "172.24.4.5", "version": 4}]})
        nova_fip = {"id": 1, "ip": "172.24.4.5", "fixed_ip": "10.0.0.3", "pool": "nova", "instance_id": SERVER_ID}
        s = normalize_server(raw, CTX, floating_ips=[nova_fip])
        assert s.public_v4 == "172.24.4.5" == s.interface_ip
        assert s.private_v4 == "10.0.0.3"
        assert s.floating_ips == ["172.24.4.5"] and len(s.addresses) == 2

    def test_private_named_network_holding_a_global_address_is_public(self):
        s = normalize_server(server({"private": [fixed("37.187.12.34")]}), CTX)
        assert s.public_v4 == "37.187.12.34" == s.interface_ip
        assert s.private_v4 is None

    def test_public_named_network_with_rfc1918_address_is_not_public(self):
        s = normalize_server(server({"public": [fixed("192.168.7.8")]}), CTX)
        assert s.public_v4 is None and s.private_v4 == "192.168.7.8" and s.interface_ip is None

    def test_cgnat_address_is_private(self):
        s = normalize_server(server({"tenant": [fixed("100.64.3.4")]}), CTX)
        assert s.private_v4 == "100.64.3.4" and s.public_v4 is None and s.interface_ip is None

    def test_ipv6_only_public(self):
        s = normalize_server(server({"tenant": [fixed("2a01:4f8:c0c:1::5", 6), fixed("fd00::5", 6)]}), CTX)
        assert s.public_v6 == "2a01:4f8:c0c:1::5" == s.interface_ip
        assert s.private_v6 == "fd00::5" and s.public_v4 is None and s.private_v4 is None

    def test_interface_ip_prefers_public_v4(self):
        s = normalize_server(server({"tenant": [fixed("2a01:4f8::5", 6), floating("172.24.4.9")]}), CTX)
        assert s.interface_ip == "172.24.4.9" and s.public_v6 == "2a01:4f8::5"

    def test_floating_address_beats_global_fixed_address_for_public_v4(self):
        s = normalize_server(server({"a": [fixed("37.187.12.34")], "b": [floating("172.24.4.9")]}), CTX)
        assert s.public_v4 == "172.24.4.9"

    def test_access_ip_already_listed_is_not_duplicated(self):
        s = normalize_server(server({"tenant": [fixed("10.0.0.3"), floating("203.0.113.9")]},
                                    accessIPv4="203.0.113.9"), CTX)
        assert [e.addr for e in s.addresses] == ["10.0.0.3", "203.0.113.9"]
        assert s.addresses[1].type == "floating" and s.public_v4 == "203.0.113.9"

    def test_global_access_ipv4_is_added_as_public_without_network(self):
        s = normalize_server(server({"tenant": [fixed("10.0.0.3")]}, accessIPv4="5.9.10.11", accessIPv6=""), CTX)
        added = s.addresses[-1]
        assert (added.addr, added.network, added.is_public) == ("5.9.10.11", None, True)
        assert s.public_v4 == "5.9.10.11" and s.private_v4 == "10.0.0.3" and len(s.addresses) == 2

    @pytest.mark.parametrize("order", [("zeta", "alpha"), ("alpha", "zeta")])
    def test_several_networks_give_a_deterministic_private_v4(self, order):
        layout = {"zeta": [fixed("10.1.0.5")], "alpha": [fixed("10.2.0.5")]}
        s = normalize_server(server({name: layout[name] for name in order}), CTX)
        assert s.private_v4 == "10.2.0.5"
        assert [e.network for e in s.addresses] == ["alpha", "zeta"]

    def test_nat_destination_role_promotes_its_network_for_private_v4(self):
        layout = {"zeta": [fixed("10.1.0.5")], "alpha": [fixed("10.2.0.5")]}
        s = normalize_server(server(layout), CTX, network_roles={"zeta": NetworkRole(nat_destination=True)})
        assert s.private_v4 == "10.1.0.5"

    def test_role_saying_a_network_routes_externally_makes_rfc1918_public(self):
        s = normalize_server(server({"lab": [fixed("10.20.0.5")]}), CTX,
                             network_roles={"lab": NetworkRole(routes_externally=True)})
        assert s.public_v4 == "10.20.0.5" and s.private_v4 is None

    def test_role_saying_no_external_routing_keeps_global_address_private(self):
        s = normalize_server(server({"isolated": [fixed("37.187.12.34")]}), CTX,
                             network_roles={"isolated": NetworkRole(routes_externally=False)})
        assert s.public_v4 is None and s.private_v4 == "37.187.12.34"

    def test_entries_that_are_not_addresses_are_left_out_and_version_comes_from_the_address(self):
        s = normalize_server(server({"tenant": [{"addr": "not-an-ip", "version": 4}, {"addr": 167772161},
                                                {"addr": "fd00::7", "version": 4}, "junk"]}), CTX)
        assert [(e.addr, e.version) for e in s.addresses] == [("fd00::7", 6)]
        assert s.private_v4 is None and s.private_v6 == "fd00::7"

    def test_duplicate_address_under_two_networks_is_listed_once(self):
        s = normalize_server(server({"a": [fixed("10.0.0.3")], "b": [floating("10.0.0.3")]}), CTX)
        assert len(s.addresses) == 1 and s.addresses[0].type == "floating"
        assert s.public_v4 == "10.0.0.3" and s.private_v4 is None


class TestFloatingIpArgument:
    NEUTRON_FIP = {  # neutron-lib api-ref floatingip-show-response.json, bound to our server
        "floating_network_id": "376da547-b977-4cfe-9cba-275c80debf57",
        "router_id": "d23abc8d-2991-4a55-ba98-2aaea84cc72f",
        "fixed_ip_address": "10.0.0.3",
        "floating_ip_address": "172.24.4.228",
        "project_id": "4969c491a3c74ee4af974e6d800c62de",
        "status": "ACTIVE",
        "port_id": "ce705c24-c1ef-408a-bda3-7bbd946164ab",
        "id": "2f245a7b-796b-4f26-9cf9-9e82d248fda7",
        "port_details": {"status": "ACTIVE", "network_id": "02dd8479-ef26-4398-a102-d19d0a7b3a1f",
                         "device_owner": "compute:nova", "mac_address": "fa:16:3e:b1:3b:30",
                         "device_id": SERVER_ID},
    }

    def test_missing_floating_ip_is_added_on_the_ports_network(self):
        raw = server({"tenant": [fixed("10.0.0.3", mac="fa:16:3e:b1:3b:30")]})
        s = normalize_server(raw, CTX, floating_ips=[self.NEUTRON_FIP])
        added = s.addresses[-1]
        assert added == {"addr": "172.24.4.228", "version": 4, "type": "floating", "network": "tenant",
                         "mac": "fa:16:3e:b1:3b:30", "is_public": True}
        assert s.public_v4 == "172.24.4.228" == s.interface_ip and s.private_v4 == "10.0.0.3"
        assert s.floating_ips == ["172.24.4.228"]

    def test_floating_ip_already_listed_is_not_added_again(self):
        raw = server({"tenant": [fixed("10.0.0.3"), floating("172.24.4.228")]})
        s = normalize_server(raw, CTX, floating_ips=[self.NEUTRON_FIP])
        assert [e.addr for e in s.addresses] == ["10.0.0.3", "172.24.4.228"]

    def test_floating_ip_of_another_server_is_ignored(self):
        other = copy.deepcopy(self.NEUTRON_FIP)
        other["port_details"]["device_id"] = "someone-else"
        s = normalize_server(server({"tenant": [fixed("10.0.0.3")]}), CTX, floating_ips=[other])
        assert s.floating_ips == [] and s.public_v4 is None

    def test_floating_ip_without_known_fixed_address_has_no_network(self):
        fip = dict(self.NEUTRON_FIP, fixed_ip_address="10.9.9.9")
        s = normalize_server(server({}), CTX, floating_ips=(f for f in [fip]))
        assert s.addresses[0].network is None and s.addresses[0].mac == "fa:16:3e:b1:3b:30"


class TestOtherFields:
    @pytest.mark.parametrize("value,expected", [
        ("True", True), ("true", True), (True, True), ("", False), (False, False), (None, False)])
    def test_has_config_drive(self, value, expected):
        assert normalize_server(server({}, config_drive=value), CTX).has_config_drive is expected

    def test_boot_from_volume_image_is_empty(self):
        s = normalize_server(server({}, image=""), CTX)
        assert s.image == {"id": None, "name": None, "distro": None, "version": None}
        assert s.login_user is None

    def test_login_user_from_embedded_image_properties(self):
        image = {"id": "i1", "name": "Debian 12", "properties": {"os_admin_user": "debian",
                                                                 "os_distro": "Debian", "os_version": 12}}
        s = normalize_server(server({}, image=image), CTX)
        assert s.login_user == "debian"
        assert s.image == {"id": "i1", "name": "Debian 12", "distro": "debian", "version": "12"}

    def test_security_groups_are_names_listed_once(self):
        groups = [{"name": "default"}, {"name": "web"}, {"name": "default"}, {"id": "x"}, None]
        assert normalize_server(server({}, security_groups=groups), CTX).security_groups == ["default", "web"]

    def test_task_state_refines_state(self):
        raw = server({}, **{"OS-EXT-STS:task_state": "deleting"})
        assert normalize_server(raw, CTX).state == "shutting-down"

    def test_wrongly_typed_keys_give_defaults(self):
        raw = {"id": SERVER_ID, "status": 3, "addresses": None, "flavor": "string", "image": None,
               "metadata": ["x"], "security_groups": "default", "accessIPv4": 7, "created": 12,
               "config_drive": "maybe", "OS-EXT-AZ:availability_zone": ["nova"]}
        s = normalize_server(raw, CTX)
        assert s.state == "unknown" and s.status is None and s.addresses == []
        assert s.flavor == {"id": None, "name": None, "vcpus": None, "ram": None, "disk": None}
        assert s.metadata == {} and s.security_groups == [] and s.created_at is None
        assert s.has_config_drive is False and s.zone is None

    @pytest.mark.parametrize("junk", [None, [], "server", 42])
    def test_non_mapping_input_gives_an_empty_server(self, junk):
        s = normalize_server(junk, CTX)
        assert s.id is None and s.state == "unknown" and s.properties == {}

    def test_input_is_not_mutated_and_result_shares_nothing_with_it(self):
        raw = copy.deepcopy(SERVER_V247)
        s = normalize_server(raw, CTX, floating_ips=[TestFloatingIpArgument.NEUTRON_FIP])
        assert raw == SERVER_V247
        s.properties["os-extended-volumes:volumes_attached"][0]["id"] = "changed"
        s.metadata["My Server Name"] = "changed"
        assert raw == SERVER_V247
