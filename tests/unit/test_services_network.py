"""NetworkService: paths, envelopes, filters, caching, invalidation."""

from __future__ import annotations

import pytest

from normalizer import exceptions as exc
from normalizer.services.network import COLLECTIONS, NetworkService
from tests.unit.test_services_fakes import BASES

# kind: (path, singular, plural, kinds a create must invalidate, kinds a delete must invalidate)
EXPECTED = {
    "networks": ("/networks", "network", "networks", {"networks"}, {"networks", "subnets", "ports"}),
    "subnets": ("/subnets", "subnet", "subnets", {"subnets", "networks"}, {"subnets", "networks"}),
    "ports": ("/ports", "port", "ports", {"ports"}, {"ports", "servers", "floating_ips"}),
    "routers": ("/routers", "router", "routers", {"routers", "ports"}, {"routers", "ports"}),
    "floating_ips": ("/floatingips", "floatingip", "floatingips",
                     {"floating_ips", "ports", "servers"}, {"floating_ips", "ports", "servers"}),
    "security_groups": ("/security-groups", "security_group", "security_groups",
                        {"security_groups"}, {"security_groups"}),
}
SINGULAR_METHOD = {"networks": "network", "subnets": "subnet", "ports": "port", "routers": "router",
                   "floating_ips": "floating_ip", "security_groups": "security_group"}




@pytest.fixture
def net(transport, cache):
    return NetworkService(transport, cache)


def test_every_collection_is_described():
    assert set(COLLECTIONS) == set(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_list_passes_filters_and_is_cached(net, transport, cache, kind):
    path, _, plural, _, _ = EXPECTED[kind]
    transport.add("network", "GET", path, {plural: [{"id": "x"}]})
    lister = getattr(net, f"list_{kind}")
    assert lister(filters={"network_id": "n1"}) == [{"id": "x"}]
    assert lister(filters={"network_id": "n1"}) == [{"id": "x"}]
    assert transport.only_call().params == {"network_id": "n1"}
    assert cache.fetches[0][0] == kind and cache.hits == 1


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_get_unwraps_and_404_is_none(net, transport, kind):
    path, singular, _, _, _ = EXPECTED[kind]
    transport.add("network", "GET", f"{path}/a", {singular: {"id": "a"}})
    transport.add("network", "GET", f"{path}/b", status=404)
    getter = getattr(net, f"get_{SINGULAR_METHOD[kind]}")
    assert getter("a") == {"id": "a"}
    assert getter("b") is None


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_create_wraps_body_and_invalidates(net, transport, cache, kind):
    path, singular, _, on_create, _ = EXPECTED[kind]
    transport.add("network", "POST", path, {singular: {"id": "new"}})
    creator = getattr(net, f"create_{SINGULAR_METHOD[kind]}")
    assert creator({"name": "n"}) == {"id": "new"}
    assert transport.only_call().json == {singular: {"name": "n"}}
    assert on_create <= cache.last_kinds and kind in cache.last_kinds


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("status, expected", [(204, True), (404, False)])
def test_delete_returns_bool_and_invalidates(net, transport, cache, kind, status, expected):
    path, _, _, _, on_delete = EXPECTED[kind]
    transport.add("network", "DELETE", f"{path}/a", None, status=status)
    assert getattr(net, f"delete_{SINGULAR_METHOD[kind]}")("a") is expected
    assert on_delete <= cache.last_kinds


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
    assert cache.last_kinds == {"floating_ips", "ports", "servers"}


def test_update_floating_ip_404_raises(net, transport):
    transport.add("network", "PUT", "/floatingips/f1", status=404)
    with pytest.raises(exc.NotFound):
        net.update_floating_ip("f1", {"port_id": None})


def test_security_group_rules(net, transport, cache):
    transport.add("network", "POST", "/security-group-rules", {"security_group_rule": {"id": "r1"}})
    transport.add("network", "DELETE", "/security-group-rules/r1", None, status=204)
    transport.add("network", "DELETE", "/security-group-rules/r2", status=404)
    assert net.create_security_group_rule({"security_group_id": "g", "direction": "ingress"}) == {"id": "r1"}
    assert transport.calls[0].json == {"security_group_rule": {"security_group_id": "g", "direction": "ingress"}}
    assert net.delete_security_group_rule("r1") is True
    assert net.delete_security_group_rule("r2") is False
    assert cache.invalidated == [{"security_groups"}] * 3


@pytest.mark.parametrize("collection, path, kind", [
    ("floatingips", "/floatingips/f1/tags", "floating_ips"),
    ("floating_ips", "/floatingips/f1/tags", "floating_ips"),
    ("security-groups", "/security-groups/f1/tags", "security_groups"),
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


def test_add_router_interface(net, transport, cache):
    reply = {"id": "r1", "subnet_id": "s1", "port_id": "p9"}
    transport.add("network", "PUT", "/routers/r1/add_router_interface", reply)
    assert net.add_router_interface("r1", subnet_id="s1") == reply
    assert transport.calls[0].json == {"subnet_id": "s1"}
    net.add_router_interface("r1", port_id="p1")
    assert transport.calls[1].json == {"port_id": "p1"}
    assert {"routers", "ports"} <= cache.last_kinds


@pytest.mark.parametrize("kwargs", [{}, {"subnet_id": "s", "port_id": "p"}])
def test_add_router_interface_needs_exactly_one(net, transport, kwargs):
    with pytest.raises(exc.BadRequest) as info:
        net.add_router_interface("r1", **kwargs)
    assert "exactly one" in str(info.value)
    assert transport.calls == []


def test_extensions_are_aliases_and_cached(net, transport, cache):
    transport.add("network", "GET", "/extensions",
                  {"extensions": [{"alias": "router", "name": "Router"}, {"alias": "standard-attr-tag"}]})
    assert net.list_extensions() == ["router", "standard-attr-tag"]
    assert net.has_extension("standard-attr-tag") is True
    assert net.has_extension("dns-integration") is False
    assert len(transport.calls) == 1
    assert cache.fetches[0][:2] == ("extensions", "list_extensions")


