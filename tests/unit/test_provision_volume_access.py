"""Boot volume, SSH access and public access decisions (pure: no cloud, no clock)."""

import pytest

from normalizer.exceptions import ConfigError, UnsupportedOnCloud
from normalizer.provision.access import (AccessRequest, public_access_step, ssh_access_step, ssh_group_name)
from normalizer.provision.boot_volume import BootVolume, VolumeRequest, block_device_mapping, boot_volume_step
from normalizer.provision.orphans import LiveServers, security_group_orphans, shared_floating_ip_orphans
from normalizer.provision.port_forwarding import SHARED_DESCRIPTION, forwardings_of, is_shared_floating_ip
from normalizer.provision.public_ip import owner_marks
from normalizer.provision.ssh_group import group_allows_ssh, group_mark, marked_token, rule_bodies
from normalizer.select.decision import Decision

GIB = 1024 ** 3
DISKLESS = {"name": "SCS-2V-4", "disk": 0}
WITH_DISK = {"name": "m1.small", "disk": 20}
IMAGE = {"min_disk": 10, "virtual_size": 3 * GIB, "size": GIB}


# --- boot volume -------------------------------------------------------------------------


def test_a_diskless_flavor_boots_from_a_volume_sized_by_the_image():
    volume, decision = boot_volume_step(VolumeRequest(), IMAGE, DISKLESS)
    assert volume == BootVolume(10, None)
    assert decision.rule == "flavor has no root disk" and "10 GiB" in decision.reason


def test_the_virtual_size_wins_over_a_smaller_min_disk():
    volume, decision = boot_volume_step(VolumeRequest(), {"min_disk": 2, "virtual_size": int(4.5 * GIB)}, DISKLESS)
    assert volume.size == 5 and "virtual size" in decision.reason


def test_a_flavor_with_a_disk_boots_from_it_unless_asked():
    assert boot_volume_step(VolumeRequest(), IMAGE, WITH_DISK)[0] is None
    volume, decision = boot_volume_step(VolumeRequest(boot_from_volume=True), IMAGE, WITH_DISK)
    assert volume.size == 20 and decision.rule == "asked"  # the flavor's disk is the default size


def test_the_profile_can_ask_for_volumes_and_their_default_size():
    volume, decision = boot_volume_step(VolumeRequest(), IMAGE, WITH_DISK, cloud_wants_volume=True, default_size=50)
    assert volume.size == 50 and decision.rule == "profile"


def test_an_asked_size_is_used_when_the_image_fits():
    volume, _ = boot_volume_step(VolumeRequest(volume_size=40, volume_type="ssd"), IMAGE, DISKLESS)
    assert volume == BootVolume(40, "ssd")


def test_an_asked_size_smaller_than_the_image_needs_is_refused():
    with pytest.raises(ConfigError, match=r"volume_size=5 GiB is smaller than the image needs \(10 GiB"):
        boot_volume_step(VolumeRequest(volume_size=5), IMAGE, DISKLESS)


def test_no_volume_on_a_diskless_flavor_is_refused():
    with pytest.raises(ConfigError, match="has no root disk"):
        boot_volume_step(VolumeRequest(boot_from_volume=False), IMAGE, DISKLESS)


def test_a_cloud_without_block_storage_says_so():
    with pytest.raises(UnsupportedOnCloud, match="no block-storage .Cinder. service"):
        boot_volume_step(VolumeRequest(), IMAGE, DISKLESS, block_storage=False)
    assert boot_volume_step(VolumeRequest(), IMAGE, WITH_DISK, block_storage=False)[0] is None


@pytest.mark.parametrize("arguments, message", [
    ({"boot_from_volume": "yes"}, "boot_from_volume must be True, False or None"),
    ({"volume_size": 0}, "volume_size must be a whole number of GiB, not 0"),
    ({"volume_size": 2.5}, "not a float"),
    ({"volume_type": ""}, "volume_type must be the name"),
    ({"boot_from_volume": False, "volume_size": 20}, "need a boot volume"),
])
def test_bad_volume_arguments_are_config_errors(arguments, message):
    with pytest.raises(ConfigError, match=message):
        VolumeRequest(**arguments)


def test_the_block_device_mapping_deletes_the_volume_with_the_server():
    mapping = block_device_mapping("img", BootVolume(12, "fast"))
    assert mapping == [{"boot_index": 0, "uuid": "img", "source_type": "image", "destination_type": "volume",
                        "volume_size": 12, "delete_on_termination": True, "volume_type": "fast"}]


# --- SSH access --------------------------------------------------------------------------


@pytest.mark.parametrize("allow_ssh, ranges", [
    (None, ()), (False, ()), (True, ("0.0.0.0/0", "::/0")),
    ("198.51.100.0/24", ("198.51.100.0/24",)), ("198.51.100.7", ("198.51.100.7/32",)),
    (["2001:db8::/32", "198.51.100.1/32", "2001:db8::/32"], ("2001:db8::/32", "198.51.100.1/32")),
    ("198.51.100.9/24", ("198.51.100.0/24",)),
])
def test_allow_ssh_becomes_ranges(allow_ssh, ranges):
    assert AccessRequest(allow_ssh=allow_ssh).ssh_ranges == ranges


@pytest.mark.parametrize("allow_ssh", ["anywhere", [], ["10.0.0.0/33"], 22, {"cidr": "0.0.0.0/0"}, [None]])
def test_bad_allow_ssh_is_a_config_error(allow_ssh):
    with pytest.raises(ConfigError, match="allow_ssh"):
        AccessRequest(allow_ssh=allow_ssh)


def test_the_ssh_group_is_named_after_the_server_and_opens_each_family():
    decision = ssh_access_step(AccessRequest(allow_ssh=True), "web 1", neutron=True)
    assert decision.value == ssh_group_name("web 1") == "normalizer-web-1"
    rules = rule_bodies("g1", ("0.0.0.0/0", "::/0"))
    assert [(r["ethertype"], r["port_range_min"], r["port_range_max"], r["protocol"]) for r in rules] == [
        ("IPv4", 22, 22, "tcp"), ("IPv6", 22, 22, "tcp")]
    assert ssh_access_step(AccessRequest(), "web1", neutron=True).value is None
    with pytest.raises(UnsupportedOnCloud, match="no network API"):
        ssh_access_step(AccessRequest(allow_ssh=True), "web1", neutron=False)


def test_the_group_mark_names_the_create_call():
    assert marked_token({"description": group_mark("abc123")}) == "abc123"
    assert marked_token({"description": group_mark("")}) is None
    assert marked_token({"description": "created by normalizer for server request a b"}) is None


def test_a_default_group_lets_no_ssh_in_but_an_open_rule_does():
    default = {"security_group_rules": [
        {"direction": "ingress", "ethertype": "IPv4", "remote_group_id": "self"},
        {"direction": "egress", "ethertype": "IPv4"}]}
    assert not group_allows_ssh(default)
    assert group_allows_ssh({"security_group_rules": [{"direction": "ingress", "protocol": None}]})
    assert not group_allows_ssh({"security_group_rules": [{"direction": "ingress", "protocol": "tcp",
                                                           "port_range_min": 80, "port_range_max": 443}]})


# --- public access ----------------------------------------------------------------------

FIP = Decision("public address", "pool-1", "floating IP", "a new floating IP from the pool")
NO_FIP = Decision("public address", None, "direct", "the boot network gives a public IPv4 address")


def test_auto_keeps_a_floating_ip_and_mentions_the_fallback():
    decision = public_access_step(AccessRequest(), floating_ip=FIP, port_forwarding=None)
    assert decision.value == "floating_ip" and "port forwarding" in decision.reason


def test_port_forward_needs_the_extension_and_a_pool():
    asked = AccessRequest(public_access="port_forward")
    assert public_access_step(asked, floating_ip=FIP, port_forwarding=True).value == "port_forward"
    with pytest.raises(UnsupportedOnCloud, match="floating-ip-port-forwarding"):
        public_access_step(asked, floating_ip=FIP, port_forwarding=False)
    with pytest.raises(UnsupportedOnCloud, match="needs a floating-IP pool"):
        public_access_step(asked, floating_ip=NO_FIP, port_forwarding=True)


def test_a_direct_address_needs_no_public_access():
    assert public_access_step(AccessRequest(), floating_ip=NO_FIP, port_forwarding=None).value is None


# --- marks and orphans -------------------------------------------------------------------


def test_forwardings_of_a_server_by_mark_or_port():
    listed = [{"id": "a", "description": owner_marks("s1")[0]}, {"id": "b", "internal_port_id": "p1"},
              {"id": "c", "description": owner_marks("s2")[0], "internal_port_id": "p2"}]
    assert [f["id"] for f in forwardings_of("s1", listed, ["p1"])] == ["a", "b"]


def test_a_shared_floating_ip_is_an_orphan_only_when_it_provably_forwards_nothing():
    shared = {"id": "f1", "description": SHARED_DESCRIPTION, "port_id": None}
    assert is_shared_floating_ip(shared) and not is_shared_floating_ip(dict(shared, port_id="p"))
    live = LiveServers.from_raw([])
    assert shared_floating_ip_orphans([shared], live) == []  # no port_forwardings field: unknown
    assert shared_floating_ip_orphans([dict(shared, port_forwardings=[{"id": "x"}])], live) == []
    assert [o.id for o in shared_floating_ip_orphans([dict(shared, port_forwardings=[])], live)] == ["f1"]


def test_an_ssh_group_is_an_orphan_once_no_server_carries_its_token():
    group = {"id": "g1", "name": "normalizer-web1", "description": group_mark("tok1")}
    alive = LiveServers.from_raw([{"id": "s1", "metadata": {"normalizer:client_token": "tok1"}}])
    assert security_group_orphans([group], alive) == []
    assert [o.id for o in security_group_orphans([group], LiveServers.from_raw([]))] == ["g1"]
    assert security_group_orphans([{"id": "g2", "description": "web"}], LiveServers.from_raw([])) == []
