"""Hypothesis properties of the pure normalisers: total, non-mutating, exact shape, sane addresses."""

from __future__ import annotations

import copy
import json
import pickle

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from munch import Munch

from normalizer.normalize import (
    AWS_STATES,
    Context,
    is_global_address,
    normalize_flavor,
    normalize_floating_ip,
    normalize_image,
    normalize_keypair,
    normalize_network,
    normalize_server,
    server_state,
)
from normalizer.normalize.addresses import address_key
from normalizer.normalize.records import Record
from tests import strategies as raw

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CTX = Context(cloud="prop", region_name="RegionOne", project_id="6f70656e737461636b20342065766572",
              project_name="demo", project_domain_id="default")

SERVER_FIELDS = {"id", "name", "status", "state", "public_v4", "public_v6", "private_v4", "private_v6",
                 "interface_ip", "login_user", "image", "flavor", "key_name", "addresses",
                 "security_groups", "metadata", "created_at", "updated_at", "zone", "has_config_drive",
                 "floating_ips", "ssh_port"}
NETWORK_FIELDS = {"id", "name", "status", "is_shared", "is_external", "is_public", "is_default",
                  "nat_source", "nat_destination", "routes_externally", "ip_versions", "cidrs",
                  "subnet_ids", "reason"}
FLAVOR_FIELDS = {"id", "name", "vcpus", "ram", "disk", "ephemeral", "swap", "is_public", "is_disabled",
                 "extra_specs"}
IMAGE_FIELDS = {"id", "name", "status", "distro", "version", "arch", "login_user", "min_ram", "min_disk",
                "visibility", "is_public", "is_hidden", "disk_format", "size", "created_at", "tags"}
FIP_FIELDS = {"id", "floating_ip_address", "fixed_ip_address", "network", "port", "router", "attached",
              "status", "created_by_normalizer"}
KEYPAIR_FIELDS = {"name", "fingerprint", "public_key", "type"}
ENVELOPE = {"location", "properties"}


def assert_munch_tree(value, path="result"):
    """Every mapping in the result is a Munch (the top level: its kind's Record) and every sequence a plain list."""
    if isinstance(value, dict):
        assert type(value) is Munch or (path == "result" and isinstance(value, Record)), path
        for key, item in value.items():
            assert_munch_tree(item, f"{path}.{key}")
    else:
        assert not isinstance(value, tuple), path
        if isinstance(value, list):
            for index, item in enumerate(value):
                assert_munch_tree(item, f"{path}[{index}]")


def assert_round_trips(result):
    assert json.loads(json.dumps(result)) == result
    again = pickle.loads(pickle.dumps(result))
    assert again == result and type(again) is type(result)


def check_common(result, fields, raw_input, before):
    assert raw_input == before, "the normaliser mutated its input"
    assert set(result) == fields | ENVELOPE
    assert set(result.location) == {"cloud", "region_name", "zone", "project"}
    assert set(result.location.project) == {"id", "name", "domain_id"}
    assert_munch_tree(result)
    assert_round_trips(result)


@FAST
@given(server=st.one_of(raw.nova_servers(), raw.junk), fips=st.lists(raw.floating_ips(), max_size=3),
       roles=raw.network_roles())
def test_server_is_total_pure_and_exact(server, fips, roles):
    before = copy.deepcopy((server, fips, roles))
    result = normalize_server(server, CTX, floating_ips=fips, network_roles=roles)
    check_common(result, SERVER_FIELDS, (server, fips, roles), before)
    assert result.state in AWS_STATES
    if isinstance(server, dict):
        extra = set(server) - set(result.properties)
        assert not extra & {"user_id", "links", "OS-EXT-STS:task_state"}


@FAST
@given(server=raw.nova_servers(), fips=st.lists(raw.floating_ips(), max_size=3), roles=raw.network_roles())
def test_server_address_is_never_both_public_and_private(server, fips, roles):
    result = normalize_server(server, CTX, floating_ips=fips, network_roles=roles)
    keys = [address_key(entry.addr) for entry in result.addresses]
    assert len(keys) == len(set(keys)), "an address is listed twice"
    by_addr = {entry.addr: entry for entry in result.addresses}
    public = {result.public_v4, result.public_v6} - {None}
    private = {result.private_v4, result.private_v6} - {None}
    assert not public & private
    for addr in public:
        assert by_addr[addr].is_public is True
    for addr in private:
        assert by_addr[addr].is_public is False and by_addr[addr].type == "fixed"
    for entry in result.addresses:
        assert isinstance(entry.is_public, bool) and entry.version in (4, 6)
        assert entry.type in ("fixed", "floating")
        if entry.type == "floating":
            assert entry.is_public
    assert set(result.floating_ips) == {e.addr for e in result.addresses if e.type == "floating"}


@FAST
@given(server=raw.nova_servers(), fips=st.lists(raw.floating_ips(), max_size=3), roles=raw.network_roles())
def test_interface_ip_is_one_of_the_servers_public_addresses(server, fips, roles):
    result = normalize_server(server, CTX, floating_ips=fips, network_roles=roles)
    assert result.interface_ip in {None} | {e.addr for e in result.addresses if e.is_public}
    assert result.interface_ip == (result.public_v4 or result.public_v6)
    if result.public_v4 is not None:
        assert ":" not in result.public_v4


@FAST
@given(network=st.one_of(raw.neutron_networks(), raw.junk), subnets=st.lists(raw.neutron_subnets(), max_size=3))
def test_network_is_total_pure_and_exact(network, subnets):
    before = copy.deepcopy((network, subnets))
    result = normalize_network(network, CTX, subnets=subnets)
    check_common(result, NETWORK_FIELDS, (network, subnets), before)
    assert result.ip_versions == sorted(set(result.ip_versions))
    assert set(result.ip_versions) <= {4, 6}
    assert result.reason
    # no role given: the role fields are not guessed here (only the classifier decides)
    assert result.routes_externally is None and not (result.is_public or result.nat_source)


@FAST
@given(network=raw.neutron_networks(), role=raw.network_roles())
def test_network_view_copies_its_decided_role(network, role):
    decided = next(iter(role.values()), None) if role else None
    result = normalize_network(network, CTX, role=decided)
    if decided is not None:
        assert (result.is_public, result.nat_source, result.nat_destination, result.is_default) == (
            decided.is_public, decided.nat_source, decided.nat_destination, decided.default_interface)
        assert result.routes_externally is bool(decided.routes_ipv4_externally or decided.routes_ipv6_externally)
        assert result.reason == decided.reason


@FAST
@given(flavor=st.one_of(raw.nova_flavors(), raw.junk))
def test_flavor_is_total_pure_and_exact(flavor):
    before = copy.deepcopy(flavor)
    result = normalize_flavor(flavor, CTX)
    check_common(result, FLAVOR_FIELDS, flavor, before)
    assert isinstance(result.swap, int) and isinstance(result.ephemeral, int)
    assert isinstance(result.is_public, bool) and isinstance(result.is_disabled, bool)


@FAST
@given(image=st.one_of(raw.glance_images(), raw.junk))
def test_image_is_total_pure_and_exact(image):
    before = copy.deepcopy(image)
    result = normalize_image(image, CTX)
    check_common(result, IMAGE_FIELDS, image, before)
    assert result.is_public == (result.visibility == "public")
    assert result.status is None or result.status == result.status.lower()


@FAST
@given(fip=st.one_of(raw.floating_ips(), raw.junk))
def test_floating_ip_is_total_pure_and_exact(fip):
    before = copy.deepcopy(fip)
    result = normalize_floating_ip(fip, CTX)
    check_common(result, FIP_FIELDS, fip, before)
    assert isinstance(result.attached, bool) and isinstance(result.created_by_normalizer, bool)


@FAST
@given(keypair=st.one_of(raw.nova_keypairs(), raw.junk))
def test_keypair_is_total_pure_and_exact(keypair):
    before = copy.deepcopy(keypair)
    result = normalize_keypair(keypair, CTX)
    check_common(result, KEYPAIR_FIELDS, keypair, before)
    assert isinstance(result.type, str) and result.type


@FAST
@given(status=raw.junk, task=raw.junk)
def test_server_state_is_total(status, task):
    assert server_state(status) in AWS_STATES
    assert server_state(status, task_state=task) in AWS_STATES


@FAST
@given(addr=st.one_of(raw.any_address, raw.junk, st.text()))
def test_is_global_address_is_total(addr):
    assert isinstance(is_global_address(addr), bool)
