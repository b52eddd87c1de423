"""The normalizer.cloud.clouds inventory through the real ansible-inventory, on two served FakeClouds."""

from __future__ import annotations

import pytest
import yaml

from tests.ansible.conftest import serving

INVENTORY = "plugin: normalizer.cloud.clouds\n"


@pytest.fixture
def world(tmp_path):
    with serving({"fip": "fip", "direct": "direct"}, tmp_path) as served:
        yield served


def hostvars(listing):
    return listing["_meta"]["hostvars"]


def members(listing, group):
    return set(listing.get(group, {}).get("hosts", []))


def test_every_server_of_both_clouds_with_address_user_and_groups(world):
    listing = world.inventory(INVENTORY + "keyed_groups:\n  - key: normalizer_server.flavor.name\n    prefix: size\n")
    hosts = hostvars(listing)
    web1 = [name for name, v in hosts.items() if v["normalizer_cloud"] == "fip" and v["normalizer_server"]["name"] == "web1"]
    (fip_web1,) = web1
    assert (hosts[fip_web1]["ansible_host"], hosts[fip_web1]["ansible_user"]) == ("203.0.113.3", "ubuntu")
    direct = {name: v for name, v in hosts.items() if v["normalizer_cloud"] == "direct"}
    assert direct and all(v["ansible_host"].startswith("38.108.68.") for v in direct.values())
    assert members(listing, "cloud_fip") | members(listing, "cloud_direct") == set(hosts)
    assert fip_web1 in members(listing, "distro_ubuntu") and fip_web1 in members(listing, "state_running")
    assert fip_web1 in members(listing, "size_m1_small")
    # both clouds have a web1: the names are made unique with the id
    assert fip_web1.startswith("web1-") and len(fip_web1) == len("web1-") + 8


def test_a_server_without_a_public_address_is_unreachable_with_the_reason_or_private(world):
    listing = world.inventory(INVENTORY)
    (db1,) = [n for n, v in hostvars(listing).items() if v["normalizer_server"]["name"] == "db1"]
    assert db1 in members(listing, "unreachable")
    assert "ansible_host" not in hostvars(listing)[db1]
    assert "no public address" in hostvars(listing)[db1]["normalizer_unreachable_reason"]
    private = world.inventory(INVENTORY + "use_private_address: true\n", name="private.normalizer.yml")
    assert hostvars(private)[db1]["ansible_host"].startswith("10.0.0.")


def test_the_inventory_cache_serves_a_second_run_with_no_request(world):
    text = INVENTORY + f"cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: {world.workdir / 'cache'}\n"
    first = world.inventory(text)
    for fake in world.fakes.values():
        fake.reset_requests()
    second = world.inventory(text)
    assert hostvars(second) == hostvars(first)
    assert [r for fake in world.fakes.values() for r in fake.requests] == []


def test_a_failing_cloud_is_reported_and_hides_nothing_unless_asked(world):
    path = world.workdir / "clouds.yaml"
    document = yaml.safe_load(path.read_text())
    broken = dict(document["clouds"]["fip"], auth=dict(document["clouds"]["fip"]["auth"],
                                                         auth_url="http://127.0.0.1:9/identity"))
    document["clouds"]["broken"] = broken
    path.write_text(yaml.safe_dump(document))
    listing = world.inventory(INVENTORY)
    assert {v["normalizer_cloud"] for v in hostvars(listing).values()} == {"fip", "direct"}
    world.env["ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED"] = "true"  # Ansible's switch to stop on a failed source
    with pytest.raises(AssertionError, match="broken"):
        world.inventory(INVENTORY + "fail_on_errors: true\n", name="strict.normalizer.yml")
    assert world.inventory(INVENTORY, name="lenient.normalizer.yml")["_meta"]["hostvars"]
