"""normalizer.cloud.server's boot_from_volume, allow_ssh and public_access, and the inventory's ansible_port,
through the real ansible-playbook and ansible-inventory against served FakeClouds."""

from __future__ import annotations

import pytest

from tests.ansible.conftest import serving, task_results

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPsj1d9EdlhnvHLOWHcu0xgUdNlpwN6ph1TFO9wHMU me@example"


def task(cloud: str, name: str, state: str = "present", **options) -> str:
    lines = [f"    - normalizer.cloud.server:\n        cloud: {cloud}\n        name: {name}\n        state: {state}\n"]
    if state == "present":
        options = {"image": "ubuntu-24.04", "flavor": "t3.small", "public_key": f'"{KEY}"', **options}
    lines += [f"        {key}: {value}\n" for key, value in options.items()]
    return "".join(lines) + "      register: result\n"


def play(*tasks: str) -> str:
    return "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + "".join(tasks)


@pytest.fixture
def world(tmp_path):
    with serving({"scs": "scs", "pf": "port-forward"}, tmp_path, build_polls=0) as served:
        yield served


def test_scs_server_boots_from_a_volume_with_ssh_open_and_is_removed_with_it(world):
    fake = world.fakes["scs"]
    volumes, groups = len(fake.volumes), len(fake.security_groups)
    created, = task_results(world.playbook(play(task("scs", "web1", allow_ssh="true", volume_size=12))))
    assert created["changed"] is True and not created.get("failed")
    assert created["plan"]["boot_volume"] == {"size": 12, "volume_type": None}
    assert created["server"]["login_user"] == "ubuntu" and created["server"]["ssh_port"] == 22
    assert (len(fake.volumes), len(fake.security_groups)) == (volumes + 1, groups + 1)
    deleted, = task_results(world.playbook(play(task("scs", "web1", state="absent"))))
    assert deleted["changed"] is True and any(r.startswith("security group") for r in deleted["deleted"]["removed"])
    assert (len(fake.volumes), len(fake.security_groups)) == (volumes, groups)


def test_port_forwarded_server_and_its_ansible_port(world):
    created, = task_results(world.playbook(play(task("pf", "fwd1", public_access="port_forward"))))
    assert created["changed"] is True and created["server"]["ssh_port"] == 2201
    listing = world.inventory("plugin: normalizer.cloud.clouds\nclouds: [pf]\n")
    hosts = listing["_meta"]["hostvars"]
    fwd = next(v for v in hosts.values() if v["normalizer_server"]["name"] == "fwd1")
    assert (fwd["ansible_host"], fwd["ansible_port"]) == (created["server"]["interface_ip"], 2201)
    web1 = next(v for v in hosts.values() if v["normalizer_server"]["name"] == "web1")
    assert web1["ansible_port"] == 22 and web1["ansible_host"] == web1["normalizer_server"]["public_v4"]
    bad, = task_results(world.playbook(play(task("pf", "x", public_access="nat")), expect_failure=True))
    assert bad.get("failed") and "public_access" in bad["msg"]
