"""Boot from volume on real Nova and Cinder: a flavor without a root disk, allow_ssh, and nothing left.

Cinder runs with a volume driver that keeps no data (tools/openstack-on-loopback/plugins):
volumes made from images become available, carry the image's metadata, attach to Nova's
fake servers and are deleted with them, as on a real cloud.
"""

import time
import uuid

import pytest

import normalizer

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPsj1d9EdlhnvHLOWHcu0xgUdNlpwN6ph1TFO9wHMU it@normalizer"
IMAGE = "ubuntu-22.04"
DISKLESS = "SCS-1V-2"  # 1 vCPU, 2 GiB, no root disk (tools/openstack-on-loopback/layouts.py)
VOLUME = {"service_type": "block-storage", "interface": "public"}
NETWORK = {"service_type": "network", "interface": "public"}


@pytest.fixture
def cloud(loopback_clouds_yaml, monkeypatch):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(loopback_clouds_yaml))
    return normalizer.connect("loopback-fip", profile="generic")


def volumes_of(admin, server_id=None):
    listed = admin.get("/volumes/detail", params={"all_tenants": 1}, endpoint_filter=VOLUME).json()["volumes"]
    return [v for v in listed if server_id is None or any(a["server_id"] == server_id for a in v["attachments"])]


def wait_gone(check, seconds=60):
    deadline = time.monotonic() + seconds
    while check() and time.monotonic() < deadline:
        time.sleep(2)
    return not check()


def test_a_disk_less_flavor_boots_from_a_volume_and_delete_leaves_nothing(cloud, admin, leak_check):
    name = f"bfv-{uuid.uuid4().hex[:6]}"
    plan = cloud.plan_server(name, IMAGE, DISKLESS, allow_ssh=True)
    assert plan.boot_volume is not None and plan.ssh_group == f"normalizer-{name}"
    server = cloud.create_server(name, IMAGE, DISKLESS, public_key=KEY, allow_ssh=True, timeout=240)
    try:
        assert server.status == "ACTIVE" and server.flavor.disk == 0
        assert server.login_user == "ubuntu" and server.public_v4
        (volume,) = volumes_of(admin, server.id)
        assert volume["bootable"] == "true" and volume["size"] == plan.boot_volume.size
        assert volume["volume_image_metadata"]["image_id"] == plan.image_id
        # a listing reads the boot volume's image metadata: Nova names no image for this server
        listed = next(s for s in cloud.list_servers() if s.id == server.id)
        assert listed.image.id == plan.image_id and listed.login_user == "ubuntu"
        group = admin.get("/v2.0/security-groups", params={"name": plan.ssh_group},
                          endpoint_filter=NETWORK).json()["security_groups"]
        assert [r["port_range_min"] for r in group[0]["security_group_rules"] if r["direction"] == "ingress"] \
            == [22, 22]
    finally:
        result = cloud.delete_server(name, timeout=240)
    assert result and any(label.startswith("security group") for label in result.removed)
    assert wait_gone(lambda: [v for v in volumes_of(admin) if v["id"] == volume["id"]])
    assert not admin.get("/v2.0/security-groups", params={"name": plan.ssh_group},
                         endpoint_filter=NETWORK).json()["security_groups"]


def test_conformance_says_the_cloud_boots_disk_less_flavors_from_volumes(cloud, leak_check):
    report = cloud.conformance()
    assert "have no root disk: those boot from a volume" in report.steps[2].how
    assert "the default security group lets no SSH in" in report.steps[5].how
