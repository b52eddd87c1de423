"""Today's clouds: an SCS cloud (disk-less flavors, block storage, SCS image metadata, no SSH in the
default group) and port forwarding through one shared floating IP, end to end on FakeCloud."""

from __future__ import annotations

import concurrent.futures
import re

import pytest

import normalizer
from normalizer.testing import FakeCloud

from tests.functional.conftest import KEY, UUID, FakeTime, assert_as_before, connect, new_resources, snapshot


def requests_of(fake: FakeCloud) -> list[tuple[str, str]]:
    """The recorded requests as (method, path): ids as ``{id}``, keypair names as ``{key}``, the project as ``{project}``."""
    def part(text: str) -> str:
        if text == fake.project_id:
            return "{project}"
        return "{key}" if text.startswith("normalizer-") else "{id}" if re.fullmatch(UUID, text) else text
    return [(r.method, "/".join(part(p) for p in r.path.split("/"))) for r in fake.requests]


SCS_CREATE = [
    ("GET", "/image/v2/images"), ("GET", "/compute/v2.1/flavors/detail"), ("GET", "/network/v2.0/networks"),
    ("GET", "/network/v2.0/subnets"), ("GET", "/network/v2.0/routers"), ("GET", "/network/v2.0/ports"),
    ("POST", "/compute/v2.1/os-keypairs"),
    ("POST", "/network/v2.0/security-groups"), ("POST", "/network/v2.0/security-group-rules"),
    ("POST", "/network/v2.0/security-group-rules"),
    ("POST", "/compute/v2.1/servers"), ("GET", "/compute/v2.1/servers/{id}"), ("GET", "/compute/v2.1/servers/{id}"),
    ("GET", "/network/v2.0/extensions"), ("GET", "/network/v2.0/ports"), ("POST", "/network/v2.0/floatingips"),
    ("PUT", "/network/v2.0/floatingips/{id}/tags"), ("DELETE", "/compute/v2.1/os-keypairs/{key}"),
]
SCS_DELETE = [
    ("GET", "/compute/v2.1/servers/detail"), ("GET", "/network/v2.0/floatingips"),
    ("DELETE", "/network/v2.0/floatingips/{id}"), ("DELETE", "/compute/v2.1/servers/{id}"),
    ("GET", "/compute/v2.1/servers/{id}"), ("GET", "/network/v2.0/security-groups"),
    ("DELETE", "/network/v2.0/security-groups/{id}"), ("GET", "/volume/v3/{project}/volumes/{id}"),
]


def test_an_scs_server_boots_from_a_volume_opens_ssh_and_leaves_nothing_when_deleted():
    with FakeCloud("scs") as fake:
        cloud = connect(fake, FakeTime())
        cloud.list_flavors()  # authenticate first: the pinned sequence is the create's own
        before = snapshot(fake)
        fake.reset_requests()
        server = cloud.create_server("web1", "ubuntu-24.04", "t3.small", allow_ssh=True, public_key=KEY)
        made = new_resources(before, snapshot(fake))
        assert sorted(label.split()[0] for label in made) == ["floating", "security", "server", "volume"]
        boot = fake.calls("POST", "/compute/v2.1/servers")[0].json["server"]
        assert "imageRef" not in boot and boot["block_device_mapping_v2"][0]["delete_on_termination"] is True
        assert boot["block_device_mapping_v2"][0]["volume_size"] == 8  # the image's min_disk
        assert server.flavor.name == "SCS-2V-4" and server.flavor.disk == 0
        assert server.login_user == "ubuntu" and server.image.name == "Ubuntu 24.04"
        assert server.interface_ip == server.public_v4 and server.ssh_port == 22
        group = next(g for g in fake.security_groups if g["name"] == "normalizer-web1")
        ingress = sorted((r["ethertype"], r["remote_ip_prefix"]) for r in group["security_group_rules"]
                         if r["direction"] == "ingress")
        assert ingress == [("IPv4", "0.0.0.0/0"), ("IPv6", "::/0")]
        assert all(r["port_range_min"] == r["port_range_max"] == 22 for r in group["security_group_rules"]
                   if r["direction"] == "ingress")
        listed = {s.name: s for s in cloud.list_servers()}
        assert listed["web1"].login_user == "ubuntu" and listed["web1"].image.distro == "ubuntu"
        fake.reset_requests()
        result = cloud.delete_server("web1")
        assert requests_of(fake) == SCS_DELETE
        assert result.released_floating_ips and any(r.startswith("security group") for r in result.removed)
        assert_as_before(fake, before)


def test_the_scs_create_request_sequence_is_pinned():
    with FakeCloud("scs", build_polls=1) as fake:
        cloud = connect(fake, FakeTime())
        cloud.list_servers()
        fake.reset_requests()
        cloud._cache.invalidate("images", "flavors", "networks", "subnets", "routers", "ports")
        cloud.create_server("web1", "ubuntu-24.04", "t3.small", allow_ssh=True, public_key=KEY)
        assert requests_of(fake) == SCS_CREATE


def test_an_scs_plan_says_why_the_server_boots_from_a_volume():
    with FakeCloud("scs") as fake:
        plan = connect(fake).plan_server("web1", "ubuntu-24.04", "SCS-2V-4", allow_ssh="198.51.100.0/24")
        step = next(s for s in plan.steps if s.subject == "boot volume")
        assert step.rule == "flavor has no root disk" and plan.boot_volume == {"size": 8, "volume_type": None}
        assert plan.ssh_group == "normalizer-web1" and plan.ssh_ranges == ["198.51.100.0/24"]
        assert plan.login_user == "ubuntu"
        with_disk = connect(fake).plan_server("web1", "ubuntu-24.04", "SCS-2V-4-20s")
        assert with_disk.boot_volume is None


def test_a_disk_less_flavor_without_block_storage_is_refused_before_anything_is_made():
    with FakeCloud("fip") as fake:
        fake.add_flavor("SCS-2V-4", 2, 4096, 0)
        cloud = connect(fake)
        before = snapshot(fake)
        with pytest.raises(normalizer.UnsupportedOnCloud, match="no block-storage .Cinder. service"):
            cloud.create_server("web1", "ubuntu-24.04", "SCS-2V-4", public_key=KEY)
        assert [r for r in fake.requests if r.method != "GET" and "/auth/" not in r.path] == []
        assert new_resources(before, snapshot(fake)) == set()


def test_boot_from_volume_asked_on_a_flavor_with_a_disk_and_a_size_too_small():
    with FakeCloud("scs", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        with pytest.raises(normalizer.ConfigError, match="volume_size=4 GiB is smaller than the image needs"):
            cloud.create_server("w", "ubuntu-24.04", "SCS-2V-4-20s", boot_from_volume=True, volume_size=4,
                                public_key=KEY)
        server = cloud.create_server("w", "ubuntu-24.04", "SCS-2V-4-20s", boot_from_volume=True, volume_size=30,
                                     public_key=KEY)
        volume = next(v for v in fake.volumes if v["attachments"] and v["attachments"][0]["server_id"] == server.id)
        assert volume["size"] == 30 and volume["volume_image_metadata"]["image_original_user"] == "ubuntu"
        cloud.delete_server("w")
        assert volume["id"] not in {v["id"] for v in fake.volumes}


def test_a_build_failure_removes_the_ssh_group_and_the_volume_goes_with_the_server():
    with FakeCloud("scs", build_polls=1) as fake:
        cloud = connect(fake, FakeTime())
        cloud.list_flavors()
        before = snapshot(fake)
        fake.fail_builds()
        with pytest.raises(normalizer.ProvisionError) as info:
            cloud.create_server("web1", "ubuntu-24.04", "t3.small", allow_ssh=True, public_key=KEY)
        assert info.value.step == "wait for ACTIVE"
        assert any(label.startswith("security group") for label in info.value.removed)
        assert new_resources(before, snapshot(fake)) == set() and not info.value.not_removed


# --- port forwarding ------------------------------------------------------------------------


def test_five_servers_created_at_once_share_one_floating_ip_on_five_ports():
    fake = FakeCloud("port-forward", build_polls=0)
    with fake.serve():
        before = snapshot(fake)

        def create(i: int):
            cloud = normalizer.connect(**fake.connect_kwargs())
            return cloud.create_server(f"pf{i}", "ubuntu-24.04", "t3.small", public_key=KEY,
                                       public_access="port_forward")
        with concurrent.futures.ThreadPoolExecutor(5) as pool:
            servers = list(pool.map(create, range(5)))
        assert len({s.interface_ip for s in servers}) == 1
        assert sorted(s.ssh_port for s in servers) == [2201, 2202, 2203, 2204, 2205]
        shared = [f for f in fake.floating_ips if f["id"] not in before["floating IP"]]
        assert len(shared) == 1 and shared[0]["floating_ip_address"] == servers[0].interface_ip
        assert len(fake.port_forwardings) == 5
        listed = {s.name: s for s in normalizer.connect(**fake.connect_kwargs()).list_servers()}
        assert {listed[s.name].ssh_port for s in servers} == {s.ssh_port for s in servers}
        assert all(listed[s.name].interface_ip == s.interface_ip for s in servers)

        def delete(server):
            return normalizer.connect(**fake.connect_kwargs()).delete_server(server.name)
        with concurrent.futures.ThreadPoolExecutor(5) as pool:
            list(pool.map(delete, servers))
        assert fake.port_forwardings == []
        assert_as_before(fake, before)


def test_auto_turns_the_last_floating_ip_of_the_quota_into_the_shared_one():
    with FakeCloud("port-forward", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        first = cloud.create_server("a1", "ubuntu-24.04", "t3.small", public_key=KEY)
        second = cloud.create_server("a2", "ubuntu-24.04", "t3.small", public_key=KEY)
        assert second.ssh_port != 22 and second.interface_ip == first.interface_ip
        assert {first.ssh_port, second.ssh_port} == {2201, 2202} and second.public_v4 is None
        assert len(fake.floating_ips) == 2  # web1's and the shared one: the quota of two is full
        plan = cloud.plan_server("a3", "ubuntu-24.04", "t3.small")
        assert plan.public_access == "floating_ip" and "port forwarding" in next(
            s for s in plan.steps if s.subject == "public access").reason


def test_a_used_up_quota_falls_back_to_the_shared_floating_ip():
    with FakeCloud("port-forward", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        cloud.create_server("pf0", "ubuntu-24.04", "t3.small", public_key=KEY, public_access="port_forward")
        fake.inject("GET", r"/quotas/", status=404, json={"NeutronError": {
            "type": "HTTPNotFound", "message": "The resource could not be found.", "detail": ""}}, times=5)
        server = cloud.create_server("a1", "ubuntu-24.04", "t3.small", public_key=KEY)
        assert server.ssh_port == 2202  # the POST /floatingips answered OverQuota
        assert fake.calls("POST", "/network/v2.0/floatingips")[-1]
        with pytest.raises(normalizer.ProvisionError) as info:
            cloud.create_server("f1", "ubuntu-24.04", "t3.small", public_key=KEY, public_access="floating_ip")
        assert info.value.cause == "QuotaExceeded" and not info.value.not_removed  # floating_ip never falls back


def test_port_forward_needs_the_extension():
    with FakeCloud("fip") as fake:
        with pytest.raises(normalizer.UnsupportedOnCloud, match="floating-ip-port-forwarding"):
            connect(fake).create_server("x", "ubuntu-24.04", "t3.small", public_key=KEY,
                                        public_access="port_forward")


def test_an_unused_shared_floating_ip_and_a_lost_ssh_group_are_orphans():
    with FakeCloud("port-forward", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        server = cloud.create_server("pf0", "ubuntu-24.04", "t3.small", public_key=KEY, public_access="port_forward",
                                     allow_ssh=True)
        assert cloud.list_orphans() == []
        # a crash after the forwarding was made and before the server was deleted by the caller
        fake._nova.delete_server(server.id)
        for forwarding in fake.port_forwardings:
            fake._neutron.delete_forwarding(forwarding["id"])
        kinds = sorted((o.kind, o.reason.split(";")[0]) for o in cloud.list_orphans())
        assert kinds == [("floating_ip", "shared floating IP of port forwarding"),
                         ("security_group", "SSH security group of a create call whose server no longer exists")]
        cleaned = cloud.cleanup_orphans()
        assert len(cleaned.removed) == 2 and cloud.list_orphans() == []


# --- IPv6-only ------------------------------------------------------------------------------


def test_ipv6_only_with_allow_ssh_and_boot_from_volume_needs_no_floating_ip():
    with FakeCloud("ipv6-only", build_polls=0, features={"block_storage": True}) as fake:  # with Cinder
        fake.add_flavor("SCS-1V-2", 1, 2048, 0)
        cloud = connect(fake, FakeTime())
        before = snapshot(fake)
        server = cloud.create_server("v6", "ubuntu-24.04", "SCS-1V-2", public_key=KEY, allow_ssh=True)
        assert server.interface_ip == server.public_v6 and server.public_v4 is None and server.ssh_port == 22
        assert fake.calls("POST", "/network/v2.0/floatingips") == []
        group = next(g for g in fake.security_groups if g["name"] == "normalizer-v6")
        assert ("IPv6", "::/0") in {(r["ethertype"], r["remote_ip_prefix"]) for r in group["security_group_rules"]}
        assert len(new_resources(before, snapshot(fake))) == 3  # server, its boot volume, its SSH group
        steps = cloud.conformance().steps
        assert "public IPv6 address directly" in steps[4].how and "no SSH in" in steps[5].how
        cloud.delete_server("v6")
        assert new_resources(before, snapshot(fake)) == set()


def test_wait_for_ssh_checks_the_forwarded_port():
    checked = []

    def port_check(host, port):
        checked.append((host, port))
        return True
    with FakeCloud("port-forward", build_polls=0) as fake:
        cloud = connect(fake, FakeTime(), port_check=port_check)
        server = cloud.create_server("pf0", "ubuntu-24.04", "t3.small", public_key=KEY, public_access="port_forward",
                                     wait_for_ssh=True)
        assert checked == [(server.interface_ip, server.ssh_port)] and server.ssh_port == 2201
