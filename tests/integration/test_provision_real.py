"""create_server -> SSH-ready by rule -> delete_server, on real Nova, Neutron, Glance and Keystone.

Every test runs under ``leak_check``: after it, no server, floating IP, port or keypair
that the test created is left (checked with admin credentials).
"""

import ipaddress
import threading
import uuid

import pytest

import normalizer

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPsj1d9EdlhnvHLOWHcu0xgUdNlpwN6ph1TFO9wHMU it@normalizer"
IMAGE = "ubuntu-22.04"
FLAVOR = "m1.tiny"
TIMEOUT = 180


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def connect(loopback_clouds_yaml, monkeypatch):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(loopback_clouds_yaml))

    def make(layout):
        return normalizer.connect(f"loopback-{layout}", profile="generic")
    return make


@pytest.fixture
def member_session(loopback_session):
    return loopback_session("loopback-fip")


@pytest.fixture
def set_network_quota(admin):
    """Set Neutron quotas of a layout's project for one test; the old values come back after."""
    identity, network = {"service_type": "identity"}, {"service_type": "network"}
    changed = []

    def set_quota(layout, **values):
        projects = admin.get("/projects", params={"name": f"loopback-{layout}"}, endpoint_filter=identity)
        project = projects.json()["projects"][0]["id"]
        old = admin.get(f"/v2.0/quotas/{project}", endpoint_filter=network).json()["quota"]
        changed.append((project, {key: old[key] for key in values}))
        admin.put(f"/v2.0/quotas/{project}", endpoint_filter=network, json={"quota": values})

    yield set_quota
    for project, old in changed:
        admin.put(f"/v2.0/quotas/{project}", endpoint_filter=network, json={"quota": old})


def in_net(address, cidr):
    return address is not None and ipaddress.ip_address(address) in ipaddress.ip_network(cidr)


@pytest.mark.parametrize("layout,public_cidr,private_cidr,floating", [
    ("fip", "203.0.113.0/24", "10.1.0.0/24", True),
    ("split-stack", "192.0.2.128/25", "10.3.0.0/24", True),
    ("direct", "192.0.2.0/25", None, False),
    ("private-is-public", "5.9.0.0/24", None, False),
])
def test_create_is_ssh_ready_by_rule_then_delete_removes_what_it_made(connect, leak_check, layout, public_cidr,
                                                                      private_cidr, floating):
    cloud = connect(layout)
    name = unique("it")
    server = cloud.create_server(name, IMAGE, FLAVOR, public_key=KEY, root_keys=[KEY], timeout=TIMEOUT)
    try:
        assert server.state == "running" and server.login_user == "ubuntu"
        assert in_net(server.public_v4, public_cidr) and server.interface_ip == server.public_v4
        assert (server.private_v4 is not None) == (private_cidr is not None)
        if private_cidr:
            assert in_net(server.private_v4, private_cidr)
        assert bool(server.floating_ips) == floating
        assert not [k for k in cloud.list_keypairs() if k.name.startswith("normalizer-")]
        mine = [f for f in cloud.list_floating_ips() if f.created_by_normalizer and f.attached]
        assert len(mine) == (1 if floating else 0)
        # Nova learns about the floating IP from Neutron's notification: the server read
        # back later shows the same interface_ip.
        again = cloud.get_server(server.id)
        assert again.private_v4 == server.private_v4
    finally:
        assert cloud.delete_server(server.id, timeout=TIMEOUT).deleted is True
    assert cloud.get_server(server.id) is None  # delete_server waited for Nova's 404
    assert not [f for f in cloud.list_floating_ips() if f.created_by_normalizer]


def test_add_public_ip_then_delete_releases_it(connect, leak_check):
    cloud = connect("fip")
    server = cloud.create_server(unique("it"), IMAGE, FLAVOR, auto_ip=False, timeout=TIMEOUT)
    try:
        assert server.public_v4 is None and server.interface_ip is None
        server = cloud.add_public_ip(server, timeout=TIMEOUT)
        assert in_net(server.public_v4, "203.0.113.0/24")
        fip = next(f for f in cloud.list_floating_ips() if f.floating_ip_address == server.public_v4)
        assert fip.created_by_normalizer and fip.attached
    finally:
        cloud.delete_server(server.id, timeout=TIMEOUT)
    assert server.public_v4 not in {f.floating_ip_address for f in cloud.list_floating_ips()}


@pytest.mark.parametrize("layout,statuses", [
    ("fip", ["native", "native", "bridged", "native", "bridged", "bridged", "bridged", "native"]),
    ("direct", ["native", "native", "bridged", "native", "native", "bridged", "bridged", "native"]),
    ("split-stack", ["native", "native", "bridged", "native", "bridged", "bridged", "bridged", "native"]),
    ("private-is-public", ["native", "native", "bridged", "native", "native", "bridged", "bridged", "native"]),
])
def test_conformance_on_each_layout(connect, leak_check, layout, statuses):
    report = connect(layout).conformance()
    assert [s.status for s in report.steps] == statuses


def test_conformance_probe_boots_and_cleans_up(connect, leak_check):
    report = connect("fip").conformance(probe=True, image=IMAGE, flavor=FLAVOR)
    assert report.probed
    assert report.steps[3].how.endswith("probe: done"), report.steps[3].how
    assert "probe: reachable address 203.0.113." in report.steps[4].how


def test_a_flavor_too_small_for_the_image_fails_at_boot_and_leaves_nothing(connect, leak_check, member_session):
    cloud = connect("fip")
    image = member_session.post("/v2/images", endpoint_filter={"service_type": "image"}, json={
        "name": unique("big-disk"), "disk_format": "raw", "container_format": "bare", "min_disk": 50,
        "os_distro": "ubuntu"}).json()
    try:
        member_session.put(f"/v2/images/{image['id']}/file", endpoint_filter={"service_type": "image"},
                           data=b"\0" * 1024, headers={"Content-Type": "application/octet-stream"})
        with pytest.raises(normalizer.ProvisionError) as info:
            cloud.create_server(unique("it"), image["id"], FLAVOR, public_key=KEY, timeout=TIMEOUT)
        error = info.value
        assert error.step == "boot" and error.cause == "BadRequest" and error.status_code == 400
        assert any(item.startswith("keypair normalizer-") for item in error.removed)
        assert error.not_removed == []
    finally:
        member_session.delete(f"/v2/images/{image['id']}", endpoint_filter={"service_type": "image"})


def test_no_floating_ip_quota_fails_at_the_public_address_and_removes_the_server(connect, leak_check,
                                                                                  set_network_quota):
    cloud = connect("fip")
    set_network_quota("fip", floatingip=0)
    with pytest.raises(normalizer.ProvisionError) as info:
        cloud.create_server(unique("it"), IMAGE, FLAVOR, public_key=KEY, timeout=TIMEOUT)
    error = info.value
    assert error.step == "public address" and error.cause == "QuotaExceeded"
    assert [item.split()[0] for item in error.removed] == ["server", "keypair"] and error.not_removed == []


def test_ten_parallel_creates_get_ten_distinct_floating_ips(connect, leak_check):
    cloud = connect("fip")
    results, errors = {}, []

    def create(index):
        try:
            results[index] = cloud.create_server(unique(f"par{index}"), IMAGE, FLAVOR, timeout=TIMEOUT)
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == [] and len(results) == 10
        addresses = {server.public_v4 for server in results.values()}
        assert len(addresses) == 10 and all(in_net(a, "203.0.113.0/24") for a in addresses)
    finally:
        deleters = [threading.Thread(target=cloud.delete_server, args=(s.id,), kwargs={"timeout": TIMEOUT})
                    for s in results.values()]
        for thread in deleters:
            thread.start()
        for thread in deleters:
            thread.join()
    left = {f.floating_ip_address for f in cloud.list_floating_ips()}
    assert not left & addresses
