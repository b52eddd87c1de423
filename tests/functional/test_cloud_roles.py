"""Network roles and address roles through the public API (DESIGN §2, §5; anchors §2.1, §5).

Each test names the documented failure of an existing tool that it guards against.
"""


import pytest

import normalizer
from normalizer.testing import FakeClock, FakeCloud


def connect(fake, **kwargs):
    return normalizer.connect(**{**fake.connect_kwargs(), **kwargs})


def names(cloud):
    role = {k: getattr(cloud, f"get_{k}_network")() for k in ("public", "private", "external")}
    return {k: (v.name if v is not None else None) for k, v in role.items()}


@pytest.mark.parametrize("layout,expected", [
    ("fip", {"public": None, "private": "private", "external": "ext-net"}),
    ("direct", {"public": "public", "private": None, "external": None}),
    ("private-is-public", {"public": "private", "private": None, "external": None}),
    ("split-stack", {"public": "tenant-net", "private": "tenant-net", "external": "ext-net"}),
    ("multi-external", {"public": None, "private": "private", "external": "ext-net"}),
    ("ipv6-only", {"public": "public-v6", "private": None, "external": None}),
])
def test_roles_per_layout(layout, expected):
    with FakeCloud(layout) as fake:
        assert names(connect(fake)) == expected


def test_unusable_external_network_is_not_the_pool_while_another_is_reachable():
    # anchors §2.1 flaw 3 / CloudVE/cloudbridge#104: "the first external network"
    with FakeCloud("multi-external") as fake:
        cloud = connect(fake)
        nets = {n.name: n for n in cloud.list_networks()}
        assert nets["ext-net"].nat_source and not nets["ext-unusable"].nat_source
        assert nets["ext-unusable"].is_external and not nets["ext-unusable"].is_public
        assert nets["private"].nat_destination and nets["private"].is_default


def test_two_reachable_pools_are_ambiguous_and_config_by_id_resolves_it():
    # openshift/installer#2851: auto_ip picks a pool at random; anchors §2.1 flaw 1: config by id failed
    with FakeCloud("fip") as fake:
        second = fake.add_network("ext-two", external=True, project_owned=False, cidr="198.51.100.0/24")
        other = fake.add_network("other-tenant", cidr="10.9.0.0/24")
        fake.add_router("router2", external_network="ext-two", interfaces=["other-tenant"])
        with pytest.raises(normalizer.AmbiguousMatch) as info:
            connect(fake).get_external_network()
        message = str(info.value)
        assert "ext-net" in message and "ext-two" in message and "nat_source" in message
        assert len(info.value.candidates) == 2
        cloud = connect(fake, networks=[{"name": second["id"], "nat_source": True},
                                        {"name": other["id"], "nat_destination": True}])
        assert cloud.get_external_network().name == "ext-two"
        assert cloud.get_private_network().name == "other-tenant"


def test_the_last_network_with_a_gateway_is_not_the_nat_destination():
    # anchors §2.1 flaw 2: the guessed NAT destination was an external network
    with FakeCloud("multi-external") as fake:
        nets = {n.name: n for n in connect(fake).list_networks()}
        assert [n for n, v in nets.items() if v.nat_destination] == ["private"]


def test_public_address_on_a_network_named_private():
    # jclouds server_public_ip_in_private / pkgcloud: "private" holds the public address
    with FakeCloud("private-is-public") as fake:
        server = connect(fake).list_servers()[0]
        assert server.public_v4 and server.private_v4 is None
        assert server.interface_ip == server.public_v4


def test_cgnat_is_not_public_unless_configured():
    # verified-run in anchors §2.2: a 100.64/10 address was reported public
    with FakeCloud("empty") as fake:
        fake.add_network("carrier", cidr="100.64.10.0/24")
        fake.add_server("vm", image="cirros-0.6.2-x86_64-disk", flavor="m1.small", networks=["carrier"])
        server = connect(fake).get_server("vm")
        assert server.public_v4 is None and server.private_v4.startswith("100.64.10.")
        configured = connect(fake, networks=[{"name": "carrier", "routes_externally": True}]).get_server("vm")
        assert configured.public_v4 == server.private_v4 and configured.private_v4 is None


def test_several_networks_private_address_comes_from_the_nat_destination():
    # openshift-ansible-contrib#589: private_v4 taken from dict order
    with FakeCloud("fip") as fake:
        fake.add_network("aaa-storage", cidr="10.50.0.0/24")
        fake.add_server("multi", image="debian-12", flavor="m1.small", networks=["aaa-storage", "private"])
        server = connect(fake).get_server("multi")
        assert server.private_v4.startswith("10.0.0.")
        assert {a.network for a in server.addresses} == {"aaa-storage", "private"}


def test_split_stack_v4_private_v6_public_on_one_network():
    # openstacksdk release note dual-stack-networks
    with FakeCloud("split-stack") as fake:
        servers = {s.name: s for s in connect(fake).list_servers()}
        web2 = servers["web2"]
        assert web2.public_v4 is None and web2.private_v4.startswith("10.1.0.")
        assert web2.public_v6.startswith("2001:470:1:") and web2.interface_ip == web2.public_v6
        web1 = servers["web1"]
        assert web1.public_v4.startswith("203.0.113.") and web1.interface_ip == web1.public_v4


def test_ipv6_preference_and_private_cloud_steer_interface_ip():
    # ansible/ansible#82119: IPv6 chosen from a host heuristic; here it is a stated preference
    with FakeCloud("direct") as fake:
        plain = connect(fake).get_server("web1")
        assert plain.interface_ip == plain.public_v4
        v6 = connect(fake, profile_overrides={"network": {"prefer_ipv6": True}}).get_server("web1")
        assert v6.interface_ip == v6.public_v6
    with FakeCloud("fip") as fake:
        assert connect(fake).get_server("db1").interface_ip is None
        private = connect(fake, private=True).get_server("db1")
        assert private.interface_ip == private.private_v4


def test_roles_follow_new_networks_when_the_cache_expires():
    # anchors §2.1 flaw 6: classification computed once per connection, never refreshed
    with FakeCloud("fip") as fake:
        clock = FakeClock()
        config = normalizer.config.load_config(None, **fake.connect_kwargs(),
                                               cache={"class": "dogpile.cache.memory", "expiration_time": 60})
        cloud = normalizer.Cloud.from_config(config, wall_clock=clock.time)
        assert cloud.get_public_network() is None
        fake.add_network("internet", shared=True, project_owned=False, cidr="38.108.70.0/24")
        clock.advance(59)
        assert cloud.get_public_network() is None  # still within the expiration
        clock.advance(1)
        assert cloud.get_public_network().name == "internet"


def test_no_router_and_one_external_network_is_still_the_pool():
    with FakeCloud("empty") as fake:
        fake.add_network("tenant", cidr="10.3.0.0/24")
        fake.add_network("pool", external=True, project_owned=False, cidr="203.0.113.0/24")
        cloud = connect(fake)
        assert cloud.get_external_network().name == "pool"
        assert cloud.get_private_network().name == "tenant"


def test_two_tenant_networks_without_a_rule_are_ambiguous_for_booting():
    # elasticluster#254: Nova's "Multiple possible networks found"
    with FakeCloud("empty") as fake:
        fake.add_network("blue", cidr="10.4.0.0/24")
        fake.add_network("green", cidr="10.5.0.0/24")
        with pytest.raises(normalizer.AmbiguousMatch, match="blue.*green|green.*blue") as info:
            connect(fake).get_private_network()
        assert "default_interface" in str(info.value)
        assert connect(fake, networks=[{"name": "green", "default_interface": True}]).get_private_network().name == "green"


def test_direct_vendor_profile_says_no_floating_ips():
    with FakeCloud("direct") as fake:
        fake.add_network("ext-net", external=True, project_owned=False, cidr="203.0.113.0/24")
        assert connect(fake).get_external_network().name == "ext-net"
        cloud = connect(fake, profile_overrides={"network": {"public_access": "direct", "floating_ip_api": "none"}})
        assert cloud.get_external_network() is None


def test_a_role_network_costs_one_topology_snapshot():
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        cloud.get_external_network()
        fake.reset_requests()
        assert cloud.get_external_network().name == "ext-net"
        assert [r.path for r in fake.requests] == ["/network/v2.0/networks", "/network/v2.0/subnets",
                                                   "/network/v2.0/routers", "/network/v2.0/ports"]
