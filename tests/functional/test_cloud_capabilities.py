"""Clouds whose APIs lack what most clouds have: Neutron without the router (L3) extension.

Older public clouds with provider networks only answer 404 to ``/v2.0/routers`` and
``/v2.0/floatingips``. Every read and create must still work, no floating IP is ever
attempted, and ``conformance()`` says why step 5 is what it is.
"""

from __future__ import annotations


from tests.functional.conftest import FLAVOR, IMAGE, KEY, FakeTime, connect, new_resources, snapshot
from normalizer.testing import FakeCloud


def test_reads_work_without_the_router_extension() -> None:
    with FakeCloud("neutron-without-l3") as fake:
        cloud = connect(fake, FakeTime())
        servers = cloud.list_servers()
        assert {s.name for s in servers} == {"web1", "app1"}
        assert all(s.public_v4 and s.interface_ip == s.public_v4 for s in servers)
        assert cloud.get_public_network().name == "provider"
        assert cloud.get_external_network() is None
        assert "L3" in cloud.explain("external_network").reason
        assert cloud.list_floating_ips() == []
        # the routers answered 404 once; neither they nor floating IPs are asked again
        fake.reset_requests()
        cloud.list_servers()
        cloud.list_floating_ips()
        assert not fake.calls("GET", "/network/v2.0/routers")
        assert not fake.calls("GET", "/network/v2.0/floatingips")


def test_create_and_delete_work_without_the_router_extension() -> None:
    with FakeCloud("neutron-without-l3") as fake:
        cloud = connect(fake, FakeTime())
        before = snapshot(fake)
        plan = cloud.plan_server("x1", IMAGE, FLAVOR, public_key=KEY)
        assert plan.floating_ip_pool is None
        server = cloud.create_server("x1", IMAGE, FLAVOR, public_key=KEY)
        assert server.public_v4 and server.interface_ip == server.public_v4
        assert new_resources(before, snapshot(fake)) == {f"server {server.id}"}
        assert not fake.calls("POST", "/network/v2.0/floatingips")
        assert cloud.delete_server("x1").deleted is True
        assert new_resources(before, snapshot(fake)) == set()


def test_conformance_says_why_without_the_router_extension() -> None:
    with FakeCloud("neutron-without-l3") as fake:
        cloud = connect(fake, FakeTime())
        step5 = cloud.conformance().steps[4]
        assert step5.status == "native" and "provider" in step5.how
    with FakeCloud("neutron-without-l3") as fake:
        fake.add_network("tenant", cidr="10.50.0.0/24")  # a private boot network, and no routers to leave it
        cloud = connect(fake, FakeTime(), networks=[{"name": "tenant", "default_interface": True}])
        step5 = cloud.conformance().steps[4]
        assert step5.status == "unsupported" and "L3" in step5.how, step5
        plan = cloud.plan_server("x2", IMAGE, FLAVOR, public_key=KEY)
        assert plan.floating_ip_pool is None


def test_a_cloud_without_a_network_api_is_not_mistaken_for_one_without_l3() -> None:
    # delete_server's floating-IP listing may be the first network call: a 404 there must
    # not be taken for "Neutron without routers" on a cloud that has no Neutron at all.
    with FakeCloud("neutron-404") as fake:
        cloud = connect(fake, FakeTime())
        assert cloud.delete_server("web1").deleted is True
        assert [n.name for n in cloud.list_networks()] == ["private", "public"]
        assert isinstance(cloud.list_floating_ips(), list)


def test_without_a_network_api_roles_and_conformance_agree_with_the_servers_addresses() -> None:
    # Rackspace-like: untyped addresses, servers on a routable "public" and a "private" label.
    with FakeCloud("neutron-404") as fake:
        cloud = connect(fake, FakeTime())
        servers = cloud.list_servers()
        assert all(s.public_v4 and s.public_v4.startswith("104.130.20.") for s in servers)
        assert cloud.get_public_network().name == "public"
        assert cloud.get_private_network().name == "private"  # no longer ambiguous with public
        assert cloud.get_network("public").is_public and not cloud.get_network("private").is_public
        step5 = cloud.conformance().steps[4]
        assert step5.status == "native" and "public" in step5.how
    # nova-network with floating IPs listed under the private label: still private, FIPs needed.
    with FakeCloud("nova-network-nat") as fake:
        cloud = connect(fake, FakeTime())
        assert cloud.get_public_network() is None
        assert cloud.get_private_network().name == "private"
        assert cloud.conformance().steps[4].status == "bridged"
