"""ComputeService: paths, params, envelopes, microversions, caching and invalidation."""

from __future__ import annotations

import pytest

from normalizer import exceptions as exc
from normalizer.services.compute import ComputeService
from tests.unit.test_services_fakes import FakeTransport


@pytest.fixture
def transport():
    return FakeTransport(compute_microversion="2.60")



@pytest.fixture
def compute(transport, cache):
    return ComputeService(transport, cache)


# --- servers ---------------------------------------------------------------------------


def test_list_servers_uses_detail_and_filters(compute, transport, cache):
    transport.add("compute", "GET", "/servers/detail", {"servers": [{"id": "s1"}]})
    assert compute.list_servers(filters={"name": "web"}) == [{"id": "s1"}]
    assert transport.only_call().params == {"name": "web"}
    assert cache.fetches[0][:2] == ("servers", "list_servers")


def test_list_servers_second_read_is_served_from_cache(compute, transport, cache):
    transport.add("compute", "GET", "/servers/detail", {"servers": [{"id": "s1"}]})
    first = compute.list_servers()
    assert compute.list_servers() is first
    assert len(transport.calls) == 1 and cache.hits == 1


def test_get_server_unwraps_and_caches(compute, transport, cache):
    transport.add("compute", "GET", "/servers/s1", {"server": {"id": "s1", "name": "web"}})
    assert compute.get_server("s1") == {"id": "s1", "name": "web"}
    compute.get_server("s1")
    assert len(transport.calls) == 1
    assert cache.fetches[0] == ("servers", "get_server", {"id": "s1"})


def test_get_server_404_is_none_and_not_cached(compute, transport, cache):
    transport.add("compute", "GET", "/servers/gone", status=404)
    assert compute.get_server("gone") is None
    assert compute.get_server("gone") is None
    assert len(transport.calls) == 2 and cache.entries == {}


def test_ids_are_quoted_into_one_segment(compute, transport):
    transport.add("compute", "GET", "/servers/a%2F..%2Fb", status=404)
    assert compute.get_server("a/../b") is None
    assert transport.only_call().path == "/servers/a%2F..%2Fb"


def test_create_server_wraps_body_returns_admin_pass_and_invalidates(compute, transport, cache):
    transport.add("compute", "POST", "/servers", {"server": {"id": "s1", "adminPass": "pw"}})
    created = compute.create_server({"name": "web", "imageRef": "i", "flavorRef": "f"})
    assert created == {"id": "s1", "adminPass": "pw"}
    assert transport.only_call().json == {"server": {"name": "web", "imageRef": "i", "flavorRef": "f"}}
    assert {"servers", "ports"} <= cache.last_kinds


def test_failed_write_still_invalidates(compute, transport, cache):
    transport.add("compute", "POST", "/servers", status=500)
    with pytest.raises(exc.ServerError):
        compute.create_server({"name": "web"})
    assert "servers" in cache.last_kinds


def test_create_server_without_envelope_raises_api_error(compute, transport):
    transport.add("compute", "POST", "/servers", {"unexpected": {}})
    with pytest.raises(exc.APIError):
        compute.create_server({"name": "web"})


@pytest.mark.parametrize("status, expected", [(204, True), (404, False)])
def test_delete_server(compute, transport, cache, status, expected):
    transport.add("compute", "DELETE", "/servers/s1", None, status=status)
    assert compute.delete_server("s1") is expected
    assert {"servers", "ports", "floating_ips"} <= cache.last_kinds


# --- flavors ---------------------------------------------------------------------------


FLAVORS = {"flavors": [{"id": "1", "name": "small"}, {"id": "2", "name": "big"}]}


def test_list_flavors_includes_private_by_default(compute, transport):
    transport.add("compute", "GET", "/flavors/detail", FLAVORS)
    assert [f["id"] for f in compute.list_flavors()] == ["1", "2"]
    assert transport.only_call().params == {"is_public": "None"}


def test_list_flavors_public_only_sends_no_params(compute, transport):
    transport.add("compute", "GET", "/flavors/detail", FLAVORS)
    compute.list_flavors(include_private=False)
    assert transport.only_call().params is None


def test_extra_specs_are_not_fetched_unless_asked(compute, transport):
    transport.add("compute", "GET", "/flavors/detail", FLAVORS)
    flavors = compute.list_flavors()
    assert len(transport.calls) == 1
    assert all("extra_specs" not in f for f in flavors)


def test_extra_specs_fetched_per_flavor_before_2_61_without_mutating_cache(compute, transport, cache):
    transport.add("compute", "GET", "/flavors/detail", FLAVORS)
    transport.add("compute", "GET", "/flavors/1/os-extra_specs", {"extra_specs": {"hw:cpu_policy": "dedicated"}})
    transport.add("compute", "GET", "/flavors/2/os-extra_specs", status=404)
    flavors = compute.list_flavors(with_extra_specs=True)
    assert flavors[0]["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert flavors[1]["extra_specs"] == {}
    assert [c.path for c in transport.calls] == [
        "/flavors/detail", "/flavors/1/os-extra_specs", "/flavors/2/os-extra_specs"]
    # the cached list is still what Nova sent
    assert all("extra_specs" not in f for f in compute.list_flavors())


@pytest.mark.parametrize("version", ["2.61", "2.79", "2.100"])
def test_extra_specs_never_fetched_per_flavor_from_2_61(cache, version):
    transport = FakeTransport(compute_microversion=version)
    inline = {"flavors": [{"id": "1", "extra_specs": {"a": "b"}}]}
    transport.add("compute", "GET", "/flavors/detail", inline)
    flavors = ComputeService(transport, cache).list_flavors(with_extra_specs=True)
    assert flavors == inline["flavors"]
    assert len(transport.calls) == 1


def test_unknown_microversion_falls_back_to_per_flavor_calls(cache):
    transport = FakeTransport(compute_microversion=None)
    transport.add("compute", "GET", "/flavors/detail", {"flavors": [{"id": "1"}]})
    transport.add("compute", "GET", "/flavors/1/os-extra_specs", {"extra_specs": {}})
    assert ComputeService(transport, cache).list_flavors(with_extra_specs=True) == [{"id": "1", "extra_specs": {}}]
    assert len(transport.calls) == 2


# --- keypairs --------------------------------------------------------------------------


def test_list_keypairs_unwraps_each_item(compute, transport, cache):
    transport.add("compute", "GET", "/os-keypairs",
                  {"keypairs": [{"keypair": {"name": "a"}}, {"keypair": {"name": "b"}}]})
    assert compute.list_keypairs() == [{"name": "a"}, {"name": "b"}]
    assert cache.fetches[0][0] == "keypairs"


def test_get_keypair_quotes_name_and_404_is_none(compute, transport):
    transport.add("compute", "GET", "/os-keypairs/my%20key", {"keypair": {"name": "my key"}})
    transport.add("compute", "GET", "/os-keypairs/none", status=404)
    assert compute.get_keypair("my key") == {"name": "my key"}
    assert compute.get_keypair("none") is None


def test_create_keypair_imports_key(compute, transport, cache):
    transport.add("compute", "POST", "/os-keypairs", {"keypair": {"name": "k", "fingerprint": "f"}})
    assert compute.create_keypair("k", public_key="ssh-ed25519 AAA", key_type="ssh") == {
        "name": "k", "fingerprint": "f"}
    call = transport.only_call()
    assert call.json == {"keypair": {"name": "k", "public_key": "ssh-ed25519 AAA", "type": "ssh"}}
    assert call.microversion is None
    assert cache.last_kinds == {"keypairs"}


@pytest.mark.parametrize("version, expected", [("2.92", "2.91"), ("2.95", "2.91"), ("2.60", None)])
def test_keypair_generation_uses_a_microversion_that_still_generates(cache, version, expected):
    transport = FakeTransport(compute_microversion=version)
    transport.add("compute", "POST", "/os-keypairs", {"keypair": {"name": "k", "private_key": "x"}})
    assert ComputeService(transport, cache).create_keypair("k")["private_key"] == "x"
    assert transport.only_call().json == {"keypair": {"name": "k"}}
    assert transport.only_call().microversion == expected


@pytest.mark.parametrize("status, expected", [(204, True), (404, False)])
def test_delete_keypair(compute, transport, cache, status, expected):
    transport.add("compute", "DELETE", "/os-keypairs/k", None, status=status)
    assert compute.delete_keypair("k") is expected
    assert cache.last_kinds == {"keypairs"}


# --- nova-network proxy ----------------------------------------------------------------


def test_proxy_lists_use_2_35_and_are_cached(compute, transport, cache):
    transport.add("compute", "GET", "/os-floating-ips", {"floating_ips": [{"id": "1", "ip": "203.0.113.5"}]})
    transport.add("compute", "GET", "/os-floating-ip-pools", {"floating_ip_pools": [{"name": "pool"}]})
    assert compute.list_nova_floating_ips() == [{"id": "1", "ip": "203.0.113.5"}]
    assert compute.list_nova_floating_ip_pools() == [{"name": "pool"}]
    compute.list_nova_floating_ips()
    assert [c.microversion for c in transport.calls] == ["2.35", "2.35"]
    assert {f[0] for f in cache.fetches} == {"floating_ips"}


def test_proxy_create_and_delete(compute, transport, cache):
    transport.add("compute", "POST", "/os-floating-ips", {"floating_ip": {"id": "1"}})
    transport.add("compute", "DELETE", "/os-floating-ips/1", None, status=202)
    transport.add("compute", "DELETE", "/os-floating-ips/2", status=404)
    assert compute.create_nova_floating_ip("pool") == {"id": "1"}
    assert transport.calls[0].json == {"pool": "pool"}
    assert compute.delete_nova_floating_ip("1") is True
    assert compute.delete_nova_floating_ip("2") is False
    assert all(c.microversion == "2.35" for c in transport.calls)
    assert all({"floating_ips", "ports", "servers"} <= kinds for kinds in cache.invalidated)


def test_proxy_create_without_pool_uses_default(compute, transport):
    transport.add("compute", "POST", "/os-floating-ips", {"floating_ip": {"id": "1"}})
    compute.create_nova_floating_ip(None)
    assert transport.only_call().json == {}


def test_proxy_add_is_a_server_action(compute, transport, cache):
    transport.add("compute", "POST", "/servers/s1/action", None, status=202)
    compute.add_nova_floating_ip("s1", "203.0.113.5", fixed_address="10.0.0.3")
    compute.add_nova_floating_ip("s1", "203.0.113.6")
    assert [c.json for c in transport.calls] == [
        {"addFloatingIp": {"address": "203.0.113.5", "fixed_address": "10.0.0.3"}},
        {"addFloatingIp": {"address": "203.0.113.6"}},
    ]
    assert all(c.microversion == "2.35" for c in transport.calls)
    assert len(cache.invalidated) == 2
    assert all({"floating_ips", "ports", "servers"} <= kinds for kinds in cache.invalidated)
