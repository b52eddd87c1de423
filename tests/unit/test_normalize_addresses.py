"""Address-range classification and the network-role hook."""

from __future__ import annotations

import pytest

from normalizer.normalize import NetworkRole, is_global_address, is_global_cidr
from normalizer.normalize.addresses import address_is_public, network_order, role_for


@pytest.mark.parametrize("addr", [
    "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",   # RFC1918
    "100.64.0.1", "100.127.255.254",                              # CGNAT
    "127.0.0.1", "::1",                                           # loopback
    "169.254.169.254", "fe80::1", "fe80::1%eth0",                 # link-local
    "fc00::1", "fd12:3456::1",                                    # ULA
    "192.0.2.10", "198.51.100.7", "203.0.113.200", "2001:db8::1", "3fff::1",  # documentation
    "224.0.0.1", "239.255.255.250", "ff02::1",                    # multicast
    "0.0.0.0", "::",                                              # unspecified
    "255.255.255.255", "240.0.0.1", "198.18.0.1",                 # reserved, benchmarking
    "::ffff:10.0.0.1",                                            # mapped private
    "80fe::",                                                     # outside 2000::/3
    "not-an-ip", "", "10.0.0.256", "1.2.3", " 8.8.8.8",           # unparsable
])
def test_non_global_addresses(addr):
    assert is_global_address(addr) is False


@pytest.mark.parametrize("addr", [
    "1.2.3.4", "8.8.8.8", "37.187.12.34", "172.32.0.1", "100.128.0.1", "192.0.3.1",
    "2a01:4f8:c0c:1::5", "2001:41d0::1", "2600::1", "::ffff:8.8.8.8",
])
def test_global_addresses(addr):
    assert is_global_address(addr) is True


@pytest.mark.parametrize("junk", [None, 167772161, b"8.8.8.8", ["8.8.8.8"], {"addr": "8.8.8.8"}, 4.0])
def test_non_text_is_never_global(junk):
    assert is_global_address(junk) is False


@pytest.mark.parametrize("cidr,expected", [
    ("5.9.0.0/16", True), ("2a01:4f8::/32", True), ("203.0.114.0/24", True),
    ("10.0.0.0/24", False), ("172.24.4.0/24", False), ("100.64.0.0/10", False),
    ("192.0.0.0/8", False),  # overlaps 192.168/16 and the documentation ranges
    ("0.0.0.0/0", False), ("fd00::/64", False), ("2001:db8:1::/48", False), ("::/0", False),
    ("10.0.0.1/24", False), ("bogus", False), (None, False), (24, False),
])
def test_global_cidr(cidr, expected):
    assert is_global_cidr(cidr) is expected


class TestRoles:
    def test_role_lookup_by_name_or_id(self):
        role = NetworkRole(id="net-id-1", routes_externally=True)
        roles = {"net-id-1": role}
        assert role_for(roles, "tenant", "net-id-1") is role
        assert role_for(roles, "tenant") is None
        assert role_for(["not", "a", "mapping"], "tenant") is None

    def test_family_flag_wins_over_general_flag(self):
        role = NetworkRole(routes_externally=True, routes_ipv6_externally=False)
        assert role.routes_for(4) is True
        assert role.routes_for(6) is False
        assert role.routes_for(None) is True
        assert NetworkRole().routes_for(4) is None

    def test_address_is_public_rule(self):
        assert address_is_public("10.0.0.1", kind="floating") is True
        assert address_is_public("10.0.0.1", kind="fixed") is False
        assert address_is_public("37.187.12.34", kind="fixed") is True
        assert address_is_public("10.0.0.1", kind="fixed", role=NetworkRole(routes_ipv4_externally=True)) is True
        assert address_is_public("2a01:4f8::1", kind="fixed", role=NetworkRole(routes_ipv6_externally=False)) is False

    def test_network_order_is_deterministic_with_preferred_networks_first(self):
        assert network_order(["b", "a"]) == ["a", "b"]
        roles = {"b": NetworkRole(default_interface=True), "c": NetworkRole(nat_destination=True)}
        assert network_order(["a", "b", "c"], roles) == ["c", "b", "a"]
        assert network_order(["a", 3, None]) == ["a", 3, None]
