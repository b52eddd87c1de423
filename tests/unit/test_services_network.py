"""NetworkService: paths, envelopes, filters, caching, invalidation."""

from __future__ import annotations

import pytest

from normalizer import exceptions as exc
from normalizer.services.network import COLLECTIONS, NetworkService
from tests.unit.test_services_fakes import BASES

# kind: (path, plural) of every collection the library reads
EXPECTED = {
    "networks": ("/networks", "networks"),
    "subnets": ("/subnets", "subnets"),
    "ports": ("/ports", "ports"),
    "routers": ("/routers", "routers"),
    "floating_ips": ("/floatingips", "floatingips"),
    "security_groups": ("/security-groups", "security_groups"),
}
FIP_KINDS = {"floating_ips", "ports", "servers"}


@pytest.fixture
def net(transport, cache):
    return NetworkService(transport, cache)


def test_every_collection_is_described():
    assert set(COLLECTIONS) == set(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_list_passes_filters_and_is_cached(net, transport, cache, kind):
    path, plural = EXPECTED[kind]
    transport.add("network", "GET", path, {plural: [{"id": "x"}]})
    lister = getattr(net, f"list_{kind}")
    assert lister(filters={"network_id": "n1"}) == [{"id": "x"}]
    assert lister(filters={"network_id": "n1"}) == [{"id": "x"}]
    assert transport.only_call().params == {"network_id": "n1"}
    assert cache.fetches[0][0] == kind and cache.hits == 1


def test_write_drops_cached_reads_of_affected_kinds(net, transport, cache):
    transport.add("network", "GET", "/ports", {"ports": []})
    transport.add("network", "POST", "/floatingips", {"floatingip": {"id": "f"}})
    net.list_ports()
    net.create_floating_ip({"floating_network_id": "ext"})
    net.list_ports()
    assert [c.path for c in transport.calls] == ["/ports", "/floatingips", "/ports"]


def test_router_external_filter_and_pagination(net, transport):
    href = f"{BASES['network']}/networks?router%3Aexternal=True&marker=n1"
    transport.add("network", "GET", "/networks",
                  {"networks": [{"id": "n1"}], "networks_links": [{"rel": "next", "href": href}]})
    transport.add("network", "GET", f"{BASES['network']}/networks", {"networks": [{"id": "n2"}]})
    assert [n["id"] for n in net.list_networks(filters={"router:external": True})] == ["n1", "n2"]
    assert transport.calls[1].params == {"router:external": "True", "marker": "n1"}


def test_update_floating_ip_puts_port_and_invalidates(net, transport, cache):
    transport.add("network", "PUT", "/floatingips/f1", {"floatingip": {"id": "f1", "port_id": "p1"}})
    assert net.update_floating_ip("f1", {"port_id": "p1"}) == {"id": "f1", "port_id": "p1"}
    assert transport.only_call().json == {"floatingip": {"port_id": "p1"}}
    assert cache.last_kinds == FIP_KINDS


def test_create_floating_ip_wraps_body_and_invalidates(net, transport, cache):
    transport.add("network", "POST", "/floatingips", {"floatingip": {"id": "new"}})
    assert net.create_floating_ip({"floating_network_id": "ext"}) == {"id": "new"}
    assert transport.only_call().json == {"floatingip": {"floating_network_id": "ext"}}
    assert cache.last_kinds == FIP_KINDS


@pytest.mark.parametrize("status, expected", [(204, True), (404, False)])
def test_delete_floating_ip_returns_bool_and_invalidates(net, transport, cache, status, expected):
    transport.add("network", "DELETE", "/floatingips/f1", None, status=status)
    assert net.delete_floating_ip("f1") is expected
    assert cache.last_kinds == FIP_KINDS


def test_update_floating_ip_404_raises(net, transport):
    transport.add("network", "PUT", "/floatingips/f1", status=404)
    with pytest.raises(exc.NotFound):
        net.update_floating_ip("f1", {"port_id": None})


@pytest.mark.parametrize("collection, path, kind", [
    ("floatingips", "/floatingips/f1/tags", "floating_ips"),
    ("floating_ips", "/floatingips/f1/tags", "floating_ips"),
    ("networks", "/networks/f1/tags", "networks"),
])
def test_set_tags(net, transport, cache, collection, path, kind):
    transport.add("network", "PUT", path, {"tags": ["a", "b"]})
    assert net.set_tags(collection, "f1", ("a", "b")) == ["a", "b"]
    assert transport.only_call().json == {"tags": ["a", "b"]}
    assert cache.last_kinds == {kind}


def test_set_tags_on_an_uncached_collection_invalidates_nothing(net, transport, cache):
    transport.add("network", "PUT", "/trunks/t1/tags", {"tags": ["a"]})
    assert net.set_tags("trunks", "t1", ["a"]) == ["a"]
    assert cache.last_kinds == set()


def test_extensions_are_aliases_and_cached(net, transport, cache):
    transport.add("network", "GET", "/extensions",
                  {"extensions": [{"alias": "router", "name": "Router"}, {"alias": "standard-attr-tag"}]})
    assert net.has_extension("router") is True
    assert net.has_extension("standard-attr-tag") is True
    assert net.has_extension("dns-integration") is False
    assert len(transport.calls) == 1
    assert cache.fetches[0][:2] == ("extensions", "list_extensions")


