"""server_info, cloud_info and the normalizer.cloud.clouds inventory through the real
ansible-playbook / ansible-inventory, on FakeClouds served on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from tests.ansible.conftest import ansible_tool, serving, task_results

INVENTORY = "plugin: normalizer.cloud.clouds\n"


def play(*tasks: str) -> str:
    return "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + "".join(tasks)


@pytest.fixture
def world(tmp_path):
    with serving({"fip": "fip", "direct": "direct"}, tmp_path) as served:
        yield served


def hostvars(listing):
    return listing["_meta"]["hostvars"]


def members(listing, group):
    return set(listing.get(group, {}).get("hosts", []))


def host(listing, cloud, name):
    (found,) = [h for h, v in hostvars(listing).items()
                if v["normalizer_cloud"] == cloud and v["normalizer_server"]["name"] == name]
    return found


def run_inventory(world, text, name="run.normalizer.yml", *, unparsed_failed=False):
    """ansible-inventory --list, returning (exit code, stdout, stderr): for warnings and failures.

    ansible-inventory only warns when a source fails to parse; ``unparsed_failed`` sets
    ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED, as a user does to make that fatal.
    """
    path = world.workdir / name
    path.write_text(text)
    env = dict(world.env, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true" if unparsed_failed else "false")
    done = subprocess.run([ansible_tool("ansible-inventory"), "-i", str(path), "--list"], cwd=world.workdir,
                          env=env, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


def add_broken_cloud(world):
    """A third clouds.yaml entry whose Keystone is a closed port on 127.0.0.1."""
    path = world.workdir / "clouds.yaml"
    document = yaml.safe_load(path.read_text())
    fip = document["clouds"]["fip"]
    document["clouds"]["broken"] = dict(fip, auth=dict(fip["auth"], auth_url="http://127.0.0.1:9/identity"))
    path.write_text(yaml.safe_dump(document))


def test_server_info_by_state_filter_and_cloud_info_roles(world):
    results = task_results(world.playbook(play(
        "    - normalizer.cloud.server_info: {cloud: fip, filters: {state: running, image.distro: ubuntu}}\n",
        "    - normalizer.cloud.server_info: {cloud: direct, name: app1}\n",
        "    - normalizer.cloud.cloud_info: {cloud: fip, flavors: [t3.small], images: [ubuntu-24.04]}\n")))
    assert [(s["name"], s["interface_ip"]) for s in results[0]["servers"]] == [("web1", "203.0.113.3")]
    (app1,) = results[1]["servers"]
    assert (app1["interface_ip"], app1["login_user"]) == ("38.108.68.3", "ubuntu")
    info = results[2]
    external = info["network_roles"]["external"]
    assert external["rule"] == "router gateway" and "ext-net" in external["reason"]
    assert info["conformance"][4]["status"] == "bridged"
    assert json.loads(json.dumps(info["picks"])) == info["picks"] and all(p.get("reason") for p in info["picks"])


def test_two_clouds_with_different_layouts_give_address_user_and_groups(world):
    world.fakes["fip"].add_server("tagged", networks=["private"], floating_ip=True,
                                  metadata={"groups": "web, blue"})
    listing = world.inventory(INVENTORY)
    hosts = hostvars(listing)
    web1, db1, app1 = host(listing, "fip", "web1"), host(listing, "fip", "db1"), host(listing, "direct", "app1")
    assert (hosts[web1]["ansible_host"], hosts[web1]["ansible_user"]) == ("203.0.113.3", "ubuntu")
    assert (hosts[app1]["ansible_host"], hosts[app1]["ansible_user"]) == ("38.108.68.3", "ubuntu")
    direct = [v for v in hosts.values() if v["normalizer_cloud"] == "direct"]
    assert len(direct) == 2 and all(v["ansible_host"] == v["normalizer_server"]["public_v4"] for v in direct)
    # both clouds have a web1: each becomes NAME-ID8; unique names stay as they are
    assert web1 == "web1-" + hosts[web1]["normalizer_server"]["id"][:8] and app1 == "app1" and db1 == "db1"
    assert members(listing, "cloud_fip") == {web1, db1, "tagged"}
    assert members(listing, "cloud_direct") == {app1, host(listing, "direct", "web1")}
    assert set(hosts) <= members(listing, "region_RegionOne") and set(hosts) <= members(listing, "zone_nova")
    assert {web1, app1} <= members(listing, "distro_ubuntu") and db1 in members(listing, "distro_debian")
    assert set(hosts) <= members(listing, "state_running") and web1 in members(listing, "flavor_m1_small")
    assert members(listing, "web") == members(listing, "blue") == {"tagged"}
    # no public address: still listed, in `unreachable`, with the reason and no ansible_host
    assert members(listing, "unreachable") == {db1}
    assert "ansible_host" not in hosts[db1] and "no public address" in hosts[db1]["normalizer_unreachable_reason"]
    assert hosts[db1]["ansible_user"] == "debian"


def test_use_private_address_for_jump_host_setups(world):
    listing = world.inventory(INVENTORY + "use_private_address: true\n")
    db1 = host(listing, "fip", "db1")
    assert hostvars(listing)[db1]["ansible_host"] == hostvars(listing)[db1]["normalizer_server"]["private_v4"]
    assert hostvars(listing)[db1]["ansible_host"].startswith("10.0.0.")
    assert db1 not in members(listing, "unreachable")


def test_constructable_compose_groups_keyed_groups_and_strict(world):
    text = INVENTORY + (
        "compose:\n  cores: normalizer_server.flavor.vcpus * 2\n"
        "groups:\n  big: normalizer_server.flavor.ram >= 4096\n"
        "keyed_groups:\n  - key: normalizer_server.flavor.name\n    prefix: size\n"
        "  - key: normalizer_server.no_such_field\n    prefix: nope\n")
    listing = world.inventory(text)
    db1, web1 = host(listing, "fip", "db1"), host(listing, "fip", "web1")
    assert hostvars(listing)[db1]["cores"] == 4
    assert db1 in members(listing, "big") and web1 not in members(listing, "big")
    assert web1 in members(listing, "size_m1_small")
    code, _, stderr = run_inventory(world, text + "strict: true\n", name="strict.normalizer.yml",
                                   unparsed_failed=True)
    assert code != 0 and "no_such_field" in stderr


def test_the_inventory_cache_serves_a_second_run_with_no_request(world):
    text = INVENTORY + f"cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: {world.workdir / 'cache'}\n"
    first = world.inventory(text)
    assert all(fake.requests for fake in world.fakes.values())
    for fake in world.fakes.values():
        fake.reset_requests()
    second = world.inventory(text)
    assert hostvars(second) == hostvars(first) and hostvars(second)
    assert [r for fake in world.fakes.values() for r in fake.requests] == []
    assert any((world.workdir / "cache").iterdir())


def test_a_failing_cloud_is_reported_and_hides_nothing_unless_fail_on_errors(world):
    add_broken_cloud(world)
    code, stdout, stderr = run_inventory(world, INVENTORY, unparsed_failed=True)
    assert code == 0, stderr
    listing = json.loads(stdout, object_hook=lambda m: m.get("__ansible_unsafe", m) if len(m) == 1 else m)
    assert {v["normalizer_cloud"] for v in hostvars(listing).values()} == {"fip", "direct"}
    assert "[WARNING]" in stderr and "broken" in stderr
    code, _, stderr = run_inventory(world, INVENTORY + "fail_on_errors: true\n", name="strict.normalizer.yml",
                                   unparsed_failed=True)
    assert code != 0 and "broken" in stderr


def test_a_clouds_list_limits_the_inventory(world):
    add_broken_cloud(world)
    code, stdout, stderr = run_inventory(world, INVENTORY + "clouds: [direct]\n")
    assert code == 0 and "[WARNING]" not in stderr
    listing = json.loads(stdout, object_hook=lambda m: m.get("__ansible_unsafe", m) if len(m) == 1 else m)
    assert {v["normalizer_cloud"] for v in hostvars(listing).values()} == {"direct"}


@pytest.mark.parametrize("name", ["normalizer.clouds.yml", "prod.normalizer.yaml"])
def test_any_yaml_file_whose_name_contains_normalizer_is_read(world, name):
    listing = world.inventory(INVENTORY + "clouds: [fip]\n", name=name)
    assert {v["normalizer_server"]["name"] for v in hostvars(listing).values()} == {"web1", "db1"}
