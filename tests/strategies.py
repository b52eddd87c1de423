"""Hypothesis strategies for raw OpenStack API records, shaped after the API reference samples.

Every record strategy mixes realistic values with junk: any key may be missing, any
value may be replaced by a value of the wrong type (None, numbers, text, lists, dicts),
and unknown extra keys are added. Addresses are drawn from the special-purpose ranges
as often as from the global space, so classification edges (RFC1918, CGNAT, ULA,
documentation, link-local, multicast) are exercised.

Usage::

    @given(raw=nova_servers(), fips=st.lists(neutron_floating_ips(), max_size=3))
    def test_x(raw, fips): ...
"""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

from normalizer.normalize.network_role import NetworkRole

__all__ = [
    "junk",
    "ipv4_text",
    "ipv6_text",
    "any_address",
    "nova_servers",
    "neutron_networks",
    "neutron_subnets",
    "neutron_floating_ips",
    "nova_floating_ips",
    "floating_ips",
    "glance_images",
    "nova_flavors",
    "nova_keypairs",
    "network_roles",
    "SERVER_IDS",
    "NETWORK_NAMES",
]

# Small pools make cross-references (FIP -> server, subnet -> network) and duplicates likely.
SERVER_IDS = ("9168b536-cd40-4630-b43f-b259807c6e87", "0e44cc9c-e052-415d-afbf-469b0d384170")
NETWORK_IDS = ("d32019d3-bc6e-4319-9c1d-6722fc136a22", "376da547-b977-4cfe-9cba-275c80debf57")
SUBNET_IDS = ("54d6f61d-db07-451c-9ab3-b9609b6b6f0b", "08eae331-0402-425a-923c-34f7cfe39c1b")
NETWORK_NAMES = ("private", "public", "tenant-net", "ext-net", "shared", "Ext-Net")
NOVA_STATUSES = ("ACTIVE", "BUILD", "SHUTOFF", "ERROR", "UNKNOWN", "RESCUE", "VERIFY_RESIZE",
                 "DELETED", "SHELVED_OFFLOADED", "active")
_V4_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
              "169.254.0.0/16", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
              "224.0.0.0/4", "172.24.4.0/24", "0.0.0.0/8")
_V6_RANGES = ("fc00::/7", "fe80::/10", "2001:db8::/32", "ff00::/8", "::/127",
              "2a01:4f8::/32", "2001:41d0::/32", "::ffff:0:0/96")

_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2 ** 40), max_value=2 ** 40)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10))

#: Any JSON value: what a broken or surprising API could send instead of the right type.
junk = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)

ipv4_text = st.one_of(
    st.ip_addresses(v=4), *(st.ip_addresses(network=net) for net in _V4_RANGES)).map(str)
ipv6_text = st.one_of(
    st.ip_addresses(v=6), *(st.ip_addresses(network=net) for net in _V6_RANGES)).map(str)
any_address = st.one_of(ipv4_text, ipv6_text,
                        st.sampled_from(["10.0.0.5", "172.24.4.10", "2001:db8::5", "not-an-ip", ""]))
_ids = st.one_of(st.uuids().map(str), st.sampled_from(SERVER_IDS + NETWORK_IDS))
_timestamps = st.sampled_from(["2017-02-14T19:23:58Z", "2016-03-08T20:19:41", "2014-05-07T12:06:13.681238"])
_macs = st.sampled_from(["aa:bb:cc:dd:ee:ff", "00:0c:29:0d:11:74", "fa:16:3e:b1:3b:30"])
_names = st.one_of(st.sampled_from(NETWORK_NAMES), st.text(max_size=12))


def _maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly the realistic value, sometimes junk of any type."""
    return st.one_of(strategy, strategy, strategy, junk)


def _record(fields: dict, *, required: dict | None = None) -> st.SearchStrategy:
    """A dict with each field optional (and maybe junk) plus unknown extra keys."""
    base = st.fixed_dictionaries(required or {}, optional={k: _maybe(v) for k, v in fields.items()})
    extras = st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k not in fields),
                             junk, max_size=2)
    return st.builds(lambda rec, extra: {**extra, **rec}, base, extras)


def _cidr(version: int) -> st.SearchStrategy:
    addresses = ipv4_text if version == 4 else ipv6_text
    prefixes = st.integers(8, 30) if version == 4 else st.integers(32, 126)
    return st.builds(lambda ip, p: str(ipaddress.ip_network(f"{ip}/{p}", strict=False)),
                     addresses.filter(lambda a: ipaddress.ip_address(a).version == version), prefixes)


_nova_address = _record({
    "addr": any_address,
    "version": st.sampled_from([4, 6]),
    "OS-EXT-IPS:type": st.sampled_from(["fixed", "floating", "FIXED"]),
    "OS-EXT-IPS-MAC:mac_addr": _macs,
})
_links = st.just([{"href": "http://openstack.example.com/images/x", "rel": "bookmark"}])
_image_ref = st.one_of(
    st.just(""),
    _record({"id": _ids, "links": _links, "name": st.text(max_size=12),
             "os_distro": st.sampled_from(["Ubuntu", "debian"]), "os_admin_user": st.text(max_size=8),
             "properties": st.fixed_dictionaries({}, optional={"os_admin_user": st.text(max_size=8)})}))
_flavor_ref = st.one_of(
    _record({"id": st.sampled_from(["1", "42"]), "links": _links}),
    _record({"original_name": st.sampled_from(["m1.tiny", "m1.small"]), "vcpus": st.integers(1, 64),
             "ram": st.integers(64, 2 ** 20), "disk": st.integers(0, 2000), "ephemeral": st.integers(0, 10),
             "swap": st.integers(0, 10), "extra_specs": st.dictionaries(st.text(max_size=8), st.text(max_size=8),
                                                                        max_size=2)}),
)

_full_server = _record({
    "id": st.sampled_from(SERVER_IDS),
    "name": st.text(max_size=16),
    "status": st.sampled_from(NOVA_STATUSES),
    "OS-EXT-STS:task_state": st.sampled_from([None, "deleting", "powering-off", "spawning"]),
    "addresses": st.dictionaries(_names, st.lists(_maybe(_nova_address), max_size=3), max_size=3),
    "accessIPv4": st.one_of(st.just(""), ipv4_text),
    "accessIPv6": st.one_of(st.just(""), ipv6_text),
    "image": _image_ref,
    "flavor": _flavor_ref,
    "key_name": st.one_of(st.none(), st.text(max_size=8)),
    "security_groups": st.lists(_record({"name": st.sampled_from(["default", "web"])}), max_size=3),
    "metadata": st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    "created": _timestamps,
    "updated": _timestamps,
    "OS-EXT-AZ:availability_zone": st.sampled_from(["nova", "us-west", "UNKNOWN"]),
    "config_drive": st.sampled_from(["True", "true", "", True, False, None]),
    "tenant_id": st.sampled_from(["6f70656e737461636b20342065766572", "other-project"]),
    "user_id": st.just("fake"),
    "tags": st.lists(st.text(max_size=5), max_size=2),
})
# Nova v2.69+ answers for servers in a down cell with a handful of keys only.
_down_cell_server = st.fixed_dictionaries(
    {"id": st.sampled_from(SERVER_IDS), "status": st.just("UNKNOWN")},
    optional={"created": _timestamps, "links": _links, "tenant_id": st.just("project")})


def nova_servers() -> st.SearchStrategy:
    """Raw Nova servers (2.1 and 2.47+ shapes, down-cell records), with junk mixed in."""
    return st.one_of(_full_server, _down_cell_server)


def neutron_subnets() -> st.SearchStrategy:
    """Raw Neutron subnets (IPv4 and IPv6) on the shared network-id pool."""
    return st.one_of(
        _record({"id": st.sampled_from(SUBNET_IDS), "network_id": st.sampled_from(NETWORK_IDS),
                 "cidr": _cidr(4), "ip_version": st.just(4), "gateway_ip": ipv4_text,
                 "enable_dhcp": st.booleans()}),
        _record({"id": st.sampled_from(SUBNET_IDS), "network_id": st.sampled_from(NETWORK_IDS),
                 "cidr": _cidr(6), "ip_version": st.just(6), "ipv6_address_mode": st.just("slaac")}),
    )


def neutron_networks() -> st.SearchStrategy:
    """Raw Neutron networks (network-show-response shape) with junk mixed in."""
    return _record({
        "id": st.sampled_from(NETWORK_IDS), "name": _names, "status": st.sampled_from(["ACTIVE", "DOWN"]),
        "shared": st.booleans(), "router:external": st.booleans(), "is_default": st.booleans(),
        "subnets": st.lists(st.sampled_from(SUBNET_IDS), max_size=2), "admin_state_up": st.booleans(),
        "project_id": st.sampled_from(["4fd44f30292945e481c7b8a0c8908869", "other"]),
        "tenant_id": st.just("4fd44f30292945e481c7b8a0c8908869"), "mtu": st.integers(0, 9000),
        "provider:physical_network": st.one_of(st.none(), st.just("physnet1")),
    })


def neutron_floating_ips() -> st.SearchStrategy:
    """Raw Neutron floating IPs (floatingip-show-response shape) with junk mixed in."""
    return _record({
        "id": st.uuids().map(str), "floating_ip_address": any_address, "fixed_ip_address": any_address,
        "floating_network_id": st.sampled_from(NETWORK_IDS), "port_id": st.one_of(st.none(), st.uuids().map(str)),
        "router_id": st.one_of(st.none(), st.uuids().map(str)), "status": st.sampled_from(["ACTIVE", "DOWN"]),
        "description": st.sampled_from(["", "created by normalizer for s1", "floating ip for testing"]),
        "tags": st.lists(st.sampled_from(["normalizer:server=s1", "team:x"]), max_size=2),
        "project_id": st.just("4969c491a3c74ee4af974e6d800c62de"),
        "port_details": _record({"device_id": st.sampled_from(SERVER_IDS), "mac_address": _macs,
                                 "network_id": st.sampled_from(NETWORK_IDS)}),
    })


def nova_floating_ips() -> st.SearchStrategy:
    """Raw nova-network floating IPs (os-floating-ips shape) with junk mixed in."""
    return _record({
        "id": st.integers(1, 1000), "ip": any_address, "fixed_ip": st.one_of(st.none(), any_address),
        "pool": st.sampled_from(["nova", "public"]),
        "instance_id": st.one_of(st.none(), st.sampled_from(SERVER_IDS)),
    })


def floating_ips() -> st.SearchStrategy:
    """Either floating-IP shape."""
    return st.one_of(neutron_floating_ips(), nova_floating_ips())


def glance_images() -> st.SearchStrategy:
    """Raw Glance v2 images (image-show-response shape + well-known properties) with junk."""
    return _record({
        "id": st.uuids().map(str), "name": st.text(max_size=16),
        "status": st.sampled_from(["active", "queued", "DEACTIVATED"]),
        "os_distro": st.sampled_from(["ubuntu", "Debian", "centos"]), "os_version": st.sampled_from(["22.04", "12"]),
        "architecture": st.sampled_from(["x86_64", "aarch64"]), "os_admin_user": st.sampled_from(["ubuntu", ""]),
        "min_ram": st.integers(0, 4096), "min_disk": st.integers(0, 100),
        "visibility": st.sampled_from(["public", "private", "shared", "community"]),
        "os_hidden": st.booleans(), "disk_format": st.sampled_from(["qcow2", "raw"]),
        "size": st.one_of(st.none(), st.integers(0, 2 ** 40)), "created_at": _timestamps,
        "tags": st.lists(st.text(max_size=5), max_size=2), "owner": st.just("5ef70662f8b34079a6eddb8da9d75fe8"),
        "checksum": st.text(max_size=8), "protected": st.booleans(), "virtual_size": st.none(),
        "properties": st.dictionaries(st.sampled_from(["os_distro", "os_version"]), st.text(max_size=6)),
    })


def nova_flavors() -> st.SearchStrategy:
    """Raw Nova flavors (flavor-get-resp shapes up to 2.75) with junk mixed in."""
    return _record({
        "id": st.one_of(st.sampled_from(["1", "7"]), st.uuids().map(str)), "name": st.text(max_size=12),
        "vcpus": st.integers(1, 128), "ram": st.integers(64, 2 ** 20), "disk": st.integers(0, 4000),
        "OS-FLV-EXT-DATA:ephemeral": st.integers(0, 100), "swap": st.one_of(st.just(""), st.integers(0, 4096)),
        "os-flavor-access:is_public": st.booleans(), "OS-FLV-DISABLED:disabled": st.booleans(),
        "rxtx_factor": st.just(1.0), "description": st.one_of(st.none(), st.text(max_size=8)),
        "extra_specs": st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2), "links": _links,
    })


def nova_keypairs() -> st.SearchStrategy:
    """Raw Nova keypairs, bare or wrapped as in the list response, with junk mixed in."""
    bare = _record({
        "name": st.text(max_size=12), "fingerprint": st.just("7e:eb:ab:24:ba:d1:e1:88"),
        "public_key": st.just("ssh-rsa AAAAB3NzaC1yc2E Generated-by-Nova"), "type": st.sampled_from(["ssh", "x509"]),
        "user_id": st.just("fake"), "created_at": _timestamps, "id": st.integers(1, 9),
    })
    return st.one_of(bare, st.builds(lambda kp: {"keypair": kp}, bare))


def network_roles() -> st.SearchStrategy:
    """None, or a mapping of network names to decided roles (what the role classifier gives)."""
    maybe = st.one_of(st.none(), st.booleans())
    role = st.builds(NetworkRole, routes_externally=maybe, routes_ipv4_externally=maybe,
                     routes_ipv6_externally=maybe, nat_destination=st.booleans(),
                     default_interface=st.booleans(), nat_source=st.booleans())
    return st.one_of(st.none(), st.dictionaries(_names, role, max_size=3))
