"""create_server / delete_server / add_public_ip on FakeCloud: exact request sequences, ownership, options."""

import base64
import re

import pytest

import normalizer
from normalizer.provision.plan import temporary_key_name
from normalizer.testing import FakeClock, FakeCloud

from tests.functional.conftest import KEY
from tests.functional.conftest import UUID as ID_PATTERN

UUID = re.compile(ID_PATTERN)


def connect(fake, port_check=None, **kwargs):
    clock = FakeClock(start=0.0)
    config = normalizer.config.load_config(None, **{**fake.connect_kwargs(), **kwargs})
    cloud = normalizer.Cloud.from_config(config, clock=clock.monotonic, sleep=clock.sleep, wall_clock=clock.time,
                                         port_check=port_check)
    cloud.clock = clock  # for the assertions of the tests below
    return cloud


def warm(cloud):
    """Authenticate and negotiate versions, so sequences below show only the operation's own calls."""
    cloud.list_flavors()


#: the per-call suffix of a temporary keypair's name
NONCE = re.compile(r"(?<=/normalizer-web9-e96e2c75)-[0-9a-f]{8}$")


def sequence(fake):
    """(method, path) of every request since the last reset, ids replaced by <id>, key nonces by <nonce>."""
    return [(r.method, NONCE.sub("-<nonce>", UUID.sub("<id>", r.path))) for r in fake.requests]


def snapshot(fake):
    return ({s["id"] for s in fake.servers}, {f["id"]: dict(f) for f in fake.floating_ips},
            {k["name"] for k in fake.keypairs})


PLAN_READS = [
    ("GET", "/image/v2/images"),
    ("GET", "/compute/v2.1/flavors/detail"),
    ("GET", "/network/v2.0/networks"),
    ("GET", "/network/v2.0/subnets"),
    ("GET", "/network/v2.0/routers"),
    ("GET", "/network/v2.0/ports"),
]
BOOT = [
    ("POST", "/compute/v2.1/os-keypairs"),
    ("POST", "/compute/v2.1/servers"),
    ("GET", "/compute/v2.1/servers/<id>"),
]
FLOATING_IP = [
    ("GET", "/network/v2.0/extensions"),  # first: is port forwarding there (auto may share the last floating IP)
    ("GET", "/network/v2.0/ports"),
    ("POST", "/network/v2.0/floatingips"),
    ("PUT", "/network/v2.0/floatingips/<id>/tags"),
]
KEY_REMOVAL = [("DELETE", "/compute/v2.1/os-keypairs/normalizer-web9-e96e2c75-<nonce>")]


ROUTER_READS = PLAN_READS[-2:]


@pytest.mark.parametrize("layout, reads", [
    ("fip", PLAN_READS),
    # clouds.yaml names the pool (nat_source) and the NAT destination: routers could change nothing
    ("split-stack", [read for read in PLAN_READS if read not in ROUTER_READS]),
])
def test_create_on_a_floating_ip_cloud_makes_the_minimum_requests(layout, reads):
    with FakeCloud(layout, build_polls=0) as fake:
        cloud = connect(fake)
        warm(cloud)
        fake.reset_requests()
        server = cloud.create_server("web9", "ubuntu-24.04", "t3.small", public_key=KEY)
        assert sequence(fake) == reads + BOOT + FLOATING_IP + KEY_REMOVAL
        # 6 reads decide (4 when the configuration names the networks; cached with a cache),
        # 8 calls apply: docs/provisioning.md
        assert len(fake.requests) == len(reads) + 8 == {"fip": 14, "split-stack": 12}[layout]
        fip = next(f for f in fake.floating_ips if f["port_id"] and f["fixed_ip_address"] == server.private_v4)
        assert server.interface_ip == server.public_v4 == fip["floating_ip_address"]
        assert server.login_user == "ubuntu" and server.state == "running"
        assert fip["description"] == f"created by normalizer for server {server.id}"
        assert fip["tags"] == [f"normalizer:server={server.id}"]
        assert not any(k["name"].startswith("normalizer-") for k in fake.keypairs)
        assert fake.unexpected == []


def test_create_on_a_direct_cloud_never_adds_a_floating_ip():
    with FakeCloud("direct", build_polls=0) as fake:
        cloud = connect(fake)
        warm(cloud)
        fips_before = list(fake.floating_ips)
        fake.reset_requests()
        server = cloud.create_server("web9", "ubuntu-24.04", "t3.small", public_key=KEY)
        assert sequence(fake) == PLAN_READS + BOOT + KEY_REMOVAL
        assert server.public_v4 and server.interface_ip == server.public_v4 and server.floating_ips == []
        assert fake.floating_ips == fips_before


def test_create_on_nova_network_uses_novas_floating_ip_api_and_records_it_on_the_server():
    with FakeCloud("nova-network-nat", build_polls=0) as fake:
        cloud = connect(fake)
        warm(cloud)
        fake.reset_requests()
        server = cloud.create_server("web9", "ubuntu-24.04", "t3.small", public_key=KEY)
        assert sequence(fake) == [
            ("GET", "/image/v2/images"), ("GET", "/compute/v2.1/flavors/detail"),
            ("GET", "/compute/v2.1/servers/detail"),  # network labels come from server addresses
            *BOOT,
            ("GET", "/compute/v2.1/os-floating-ip-pools"),
            ("GET", "/compute/v2.1/os-floating-ips"),  # the pool before: a lost answer is found by comparison
            ("POST", "/compute/v2.1/os-floating-ips"),
            ("POST", "/compute/v2.1/servers/<id>/action"),
            ("PUT", "/compute/v2.1/servers/<id>/metadata/normalizer%3Afloating_ips"),
            *KEY_REMOVAL]
        assert fake.calls("POST", "/compute/v2.1/servers")[0].headers["OpenStack-API-Version"] != "compute 2.35"
        pool_call = fake.calls("POST", "/compute/v2.1/os-floating-ips")[0]
        assert pool_call.json == {"pool": "nova"} and pool_call.headers["OpenStack-API-Version"] == "compute 2.35"
        assert server.public_v4.startswith("198.61.200.") and server.interface_ip == server.public_v4
        fake.reset_requests()
        assert cloud.delete_server(server.id).deleted is True
        assert ("DELETE", "/compute/v2.1/os-floating-ips/<id>") in sequence(fake)
        assert [f["floating_ip_address"] for f in fake.floating_ips] == ["198.61.200.2"]  # app1's stays


def test_create_sends_an_explicit_network_userdata_groups_and_metadata():
    with FakeCloud("fip", build_polls=0) as fake:
        fake.add_network("second", cidr="10.9.0.0/24")
        cloud = connect(fake)
        cloud.create_server("web9", "ubuntu-24.04", "m1.small", network="private", key_name="default-key",
                            userdata="#!/bin/sh\necho hi\n", root_keys=[KEY], security_groups=["default"],
                            metadata={"role": "web"})
        body = fake.calls("POST", "/compute/v2.1/servers")[0].json["server"]
        private = next(n for n in cloud.list_networks() if n.name == "private")
        assert body["networks"] == [{"uuid": private.id}]
        assert body["key_name"] == "default-key" and body["security_groups"] == [{"name": "default"}]
        assert body["metadata"]["role"] == "web" and len(body["metadata"]["normalizer:client_token"]) == 32
        text = base64.b64decode(body["user_data"]).decode()
        assert "multipart/mixed" in text and "echo hi" in text and KEY in text and "ssh_pwauth: false" in text
        assert fake.calls("POST", "/compute/v2.1/os-keypairs") == []  # an existing key is used as is


def test_delete_removes_the_server_and_only_the_floating_ips_normalizer_made_for_it():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake)
        a = cloud.create_server("a", "ubuntu-24.04", "m1.small")
        b = cloud.create_server("b", "ubuntu-24.04", "m1.small")
        ours = {f["id"] for f in fake.floating_ips if f["description"].endswith(a.id)}
        others = {f["id"]: dict(f) for f in fake.floating_ips if f["id"] not in ours}
        fake.reset_requests()
        assert cloud.delete_server("a").deleted is True
        assert sequence(fake) == [
            ("GET", "/compute/v2.1/servers/detail"), ("GET", "/network/v2.0/floatingips"),
            ("DELETE", "/network/v2.0/floatingips/<id>"), ("DELETE", "/compute/v2.1/servers/<id>"),
            ("GET", "/compute/v2.1/servers/<id>")]
        assert a.id not in {s["id"] for s in fake.servers} and b.id in {s["id"] for s in fake.servers}
        assert {f["id"] for f in fake.floating_ips} == set(others)
        assert all(f == others[f["id"]] for f in fake.floating_ips)  # not even detached


def test_delete_by_id_with_delete_ips_false_and_wait_false():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake)
        server = cloud.create_server("a", "ubuntu-24.04", "m1.small")
        fake.reset_requests()
        assert cloud.delete_server(server.id, wait=False, delete_ips=False).deleted is True
        assert sequence(fake) == [("GET", "/compute/v2.1/servers/<id>"), ("DELETE", "/compute/v2.1/servers/<id>")]
        assert any(f["description"].endswith(server.id) and f["port_id"] is None for f in fake.floating_ips)


def test_deleting_an_absent_server_returns_false_and_writes_nothing():
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        assert cloud.delete_server("no-such-server").deleted is False
        assert cloud.delete_server("0c33669a-a675-45dd-8b5a-1f54d5dd9d99").deleted is False
        assert [r for r in fake.requests if r.method != "GET" and "auth" not in r.path] == []
        assert snapshot(fake) == before


def test_wait_false_returns_at_once_yet_attaches_the_floating_ip_when_the_port_appears():
    with FakeCloud("fip", build_polls=5) as fake:
        # a cache keeps the roles' port listing out of the way; the port poll is always fresh
        cloud = connect(fake, cache={"class": "dogpile.cache.memory", "expiration_time": 600})
        cloud.plan_server("warm", "ubuntu-24.04", "m1.small")
        fake.reset_requests()
        fake.inject("GET", r"^/network/v2\.0/ports$", status=200, json={"ports": []}, times=2)
        server = cloud.create_server("web9", "ubuntu-24.04", "m1.small", public_key=KEY, wait=False)
        assert server.state == "pending" and server.public_v4 and server.interface_ip == server.public_v4
        assert len(fake.calls("GET", "/network/v2.0/ports")) == 3  # 2 empty answers, then the port
        assert cloud.clock.sleeps == [1.0, 1.5]
        assert fake.calls("GET", f"/compute/v2.1/servers/{server.id}") == []  # never waited for ACTIVE
        assert not any(k["name"].startswith("normalizer-") for k in fake.keypairs)


def test_reuse_claims_a_free_floating_ip_with_if_match_and_delete_leaves_it_allocated():
    with FakeCloud("fip", build_polls=0) as fake:
        free = fake.add_floating_ip("ext-net")
        cloud = connect(fake)
        server = cloud.create_server("web9", "ubuntu-24.04", "m1.small", reuse_ips=True)
        assert server.public_v4 == free["floating_ip_address"]
        put = fake.calls("PUT", f"/network/v2.0/floatingips/{free['id']}")[0]
        assert put.headers["If-Match"].startswith("revision_number=")
        assert fake.calls("POST", "/network/v2.0/floatingips") == []
        cloud.delete_server(server.id)
        assert free["id"] in {f["id"] for f in fake.floating_ips}  # not ours to release


def test_reuse_falls_back_to_a_new_floating_ip_when_the_claim_loses_the_race():
    with FakeCloud("fip", build_polls=0) as fake:
        fake.add_floating_ip("ext-net")
        cloud = connect(fake)
        fake.inject("PUT", r"^/network/v2\.0/floatingips/", status=412, json={"NeutronError": {
            "type": "RevisionNumberConstraintFailed", "message": "Constrained to 1, but current revision is 2",
            "detail": ""}})
        server = cloud.create_server("web9", "ubuntu-24.04", "m1.small", reuse_ips=True)
        assert len(fake.calls("POST", "/network/v2.0/floatingips")) == 1
        assert any(f["description"].endswith(server.id) for f in fake.floating_ips)


def test_add_public_ip_to_an_existing_server_then_again_is_a_no_op():
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        assert cloud.get_server("db1").public_v4 is None
        server = cloud.add_public_ip("db1")
        assert server.public_v4 and server.interface_ip == server.public_v4
        fip = next(f for f in fake.floating_ips if f["floating_ip_address"] == server.public_v4)
        assert fip["description"] == f"created by normalizer for server {server.id}"
        fake.reset_requests()
        assert cloud.add_public_ip(server).public_v4 == server.public_v4
        assert [r for r in fake.requests if r.method != "GET"] == []


def test_add_public_ip_on_a_direct_cloud_adds_nothing():
    with FakeCloud("direct") as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        server = cloud.add_public_ip(cloud.list_servers()[0])
        assert server.public_v4 and snapshot(fake) == before


def test_add_public_ip_of_an_unknown_server_is_a_no_match():
    with FakeCloud("fip") as fake:
        with pytest.raises(normalizer.NoMatch, match="no server 'ghost'"):
            connect(fake).add_public_ip("ghost")


def test_ip_version_6_needs_no_floating_ip_and_bad_versions_are_refused():
    with FakeCloud("split-stack", build_polls=0) as fake:
        cloud = connect(fake)
        server = cloud.create_server("web9", "ubuntu-24.04", "m1.small", ip_version=6)
        assert server.public_v6 and server.public_v4 is None and server.interface_ip == server.public_v6
        assert fake.calls("POST", "/network/v2.0/floatingips") == []
        with pytest.raises(normalizer.ConfigError, match="ip_version"):
            cloud.create_server("web9", "ubuntu-24.04", "m1.small", ip_version=5)


def test_wait_for_ssh_checks_port_22_on_interface_ip_and_times_out_cleanly():
    with FakeCloud("fip", build_polls=0) as fake:
        asked, answering = [], [True]
        cloud = connect(fake, port_check=lambda host, port: asked.append((host, port)) or (
            answering[0] and len(asked) >= 3))
        server = cloud.create_server("web9", "ubuntu-24.04", "m1.small", wait_for_ssh=True)
        assert asked == [(server.interface_ip, 22)] * 3
        before = snapshot(fake)
        answering[0] = False
        with pytest.raises(normalizer.WaitTimeout, match="SSH banner on port 22") as info:
            cloud.create_server("web10", "ubuntu-24.04", "m1.small", wait_for_ssh=True, timeout=30)
        assert info.value.step == "ssh" and snapshot(fake) == before
        assert cloud.clock.now == pytest.approx(30, abs=10)


def test_a_server_that_never_becomes_active_times_out_and_is_removed():
    with FakeCloud("fip", build_polls=10_000) as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        with pytest.raises(normalizer.WaitTimeout) as info:
            cloud.create_server("web9", "ubuntu-24.04", "m1.small", public_key=KEY, timeout=60)
        error = info.value
        assert error.step == "wait for ACTIVE" and snapshot(fake) == before
        assert any(r.startswith("server ") for r in error.removed) and any(r.startswith("keypair ") for r in error.removed)
        assert "after 60 s" in str(error) and cloud.clock.now <= 60
        delays = cloud.clock.sleeps
        assert delays[:3] == [1.0, 1.5, 2.25] and max(delays) <= 10  # backs off, bounded


def test_a_keypair_that_existed_before_the_call_is_never_touched():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake)
        name = temporary_key_name("web9", KEY)
        fake.add_keypair(name, KEY)  # a leftover of the same name and key (or another caller's)
        fake.add_keypair(temporary_key_name("web10", KEY), KEY.replace("AAAAC3", "BBBBC3"))
        before = {k["name"]: dict(k) for k in fake.keypairs}
        cloud.create_server("web9", "ubuntu-24.04", "m1.small", public_key=KEY)
        cloud.create_server("web10", "ubuntu-24.04", "m1.small", public_key=KEY)
        assert {k["name"]: dict(k) for k in fake.keypairs} == before  # none deleted, none added
        used = [call.json["server"]["key_name"] for call in fake.calls("POST", "/compute/v2.1/servers")]
        assert [u.rsplit("-", 1)[0] for u in used] == [name, temporary_key_name("web10", KEY)]
        assert not set(used) & set(before)  # each call imported and removed a keypair of its own
        assert not any(r.method == "DELETE" and r.path.endswith(tuple(before)) for r in fake.requests)


def test_keep_on_failure_keeps_what_was_created_and_says_so():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake)
        fake.fail_builds("No valid host was found.")
        with pytest.raises(normalizer.ProvisionError, match="No valid host") as info:
            cloud.create_server("web9", "ubuntu-24.04", "m1.small", public_key=KEY, keep_on_failure=True)
        error = info.value
        assert error.removed == [] and len(error.not_removed) == 2
        assert all("kept" in item for item in error.not_removed)
        assert any(s["name"] == "web9" and s["status"] == "ERROR" for s in fake.servers)


def test_selection_errors_happen_before_anything_is_created():
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        with pytest.raises(normalizer.NoMatch):
            cloud.create_server("web9", "no-such-distro-1.0", "m1.small", public_key=KEY)
        assert [r for r in fake.requests if r.method != "GET" and "auth" not in r.path] == []


@pytest.mark.parametrize("layout,statuses", [
    ("fip", ["native", "native", "bridged", "native", "bridged", "bridged", "bridged", "native"]),
    ("direct", ["native", "native", "bridged", "native", "native", "bridged", "bridged", "native"]),
    ("split-stack", ["native", "native", "bridged", "native", "bridged", "bridged", "bridged", "native"]),
    ("nova-network", ["native", "bridged", "bridged", "native", "native", "bridged", "bridged", "native"]),
    ("ipv6-only", ["native", "native", "bridged", "native", "native", "bridged", "bridged", "native"]),
    ("empty", ["native", "native", "bridged", "unsupported", "unsupported", "bridged", "bridged", "native"]),
])
def test_conformance_per_layout_creates_nothing(layout, statuses):
    with FakeCloud(layout) as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        report = cloud.conformance()
        assert [s.status for s in report.steps] == statuses
        assert [s.number for s in report.steps] == list(range(1, 9)) and not report.probed
        assert [r for r in fake.requests if r.method != "GET" and "auth" not in r.path] == []
        assert snapshot(fake) == before


def test_conformance_says_how_a_floating_ip_cloud_is_bridged():
    with FakeCloud("fip") as fake:
        step = connect(fake).conformance().steps[4]
        assert step.how == "floating IP from ext-net attached to the port on private"


def test_conformance_with_several_networks_passes_the_boot_network_explicitly():
    with FakeCloud("fip") as fake:
        fake.add_network("second", cidr="10.9.0.0/24")
        step = connect(fake, networks=[{"name": "private", "default_interface": True}]).conformance().steps[3]
        assert step.status == "bridged" and "Multiple possible networks found" in step.how


@pytest.mark.parametrize("layout", ["fip", "direct", "nova-network-nat", "empty"])
def test_conformance_probe_walks_the_steps_and_leaves_nothing(layout):
    with FakeCloud(layout, build_polls=1) as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        report = cloud.conformance(probe=True)
        assert report.probed and snapshot(fake) == before
        step4 = report.steps[3]
        if layout == "empty":
            assert step4.status == "unsupported" and "probe failed" in step4.how
        else:
            assert step4.how.endswith("probe: done") and "probe: reachable address" in report.steps[4].how
            assert [r.path for r in fake.requests if r.method == "POST"].count("/compute/v2.1/servers") == 1


def test_delete_waits_through_novas_deleted_status_until_the_404():
    # real Nova (found by the integration tier): ACTIVE/deleting, then DELETED while still
    # listed, then 404
    with FakeCloud("fip", build_polls=0, delete_polls=2) as fake:
        cloud = connect(fake)
        server = cloud.create_server("web9", "ubuntu-24.04", "m1.small")
        fake.reset_requests()
        assert cloud.delete_server(server.id).deleted is True
        polls = fake.calls("GET", f"/compute/v2.1/servers/{server.id}")
        assert len(polls) == 1 + 2 + 1 and server.id not in {s["id"] for s in fake.servers}  # lookup, DELETED x2, 404
        assert cloud.clock.sleeps == [1.0, 1.5]


def test_a_server_names_its_image_from_glance_when_nova_does_not_embed_it():
    # real Nova embeds image details only from microversion 2.98 (found by the integration tier)
    with FakeCloud("fip") as fake:
        server = connect(fake).get_server("web1")
        glance = next(i for i in fake.images if i["id"] == server.image.id)
        assert server.image.name == glance["name"] and server.image.distro == glance["os_distro"]


@pytest.mark.parametrize("call,kwargs,named", [
    ("create_server", {"timeout": "10m"}, "timeout"),
    ("create_server", {"timeout": -1}, "timeout"),
    ("create_server", {"wait": "no"}, "wait"),
    ("create_server", {"reuse_ips": 5}, "reuse_ips"),
    ("create_server", {"ip_version": True}, "ip_version"),
    ("delete_server", {"timeout": "x"}, "timeout"),
    ("delete_server", {"delete_ips": "yes"}, "delete_ips"),
    ("add_public_ip", {"timeout": float("nan")}, "timeout"),
    ("add_public_ip", {"reuse": "no"}, "reuse"),
])
def test_option_mistakes_are_config_errors_before_any_write(call, kwargs, named):
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake)
        warm(cloud)
        fake.reset_requests()
        args = ("web9", "ubuntu-24.04", "t3.small") if call == "create_server" else ("web1",)
        with pytest.raises(normalizer.ConfigError, match=named):
            getattr(cloud, call)(*args, **({"public_key": KEY} if call == "create_server" else {}), **kwargs)
        assert fake.requests == []
