"""The normalizer.cloud collection against real Keystone, Glance, Neutron and Nova on 127.0.0.1.

The real ``ansible-playbook`` and ``ansible-inventory`` run with the collection from this
checkout (the helpers of tests/ansible/conftest.py: the same environment as the FakeCloud
tests, with the loopback clouds.yaml instead of FakeClouds). Per layout: check mode (a plan,
nothing created); create a server with ``normalizer.cloud.server`` (a floating IP where the
cloud needs one); run the same play again (``changed: false``, the same server); list it
with the ``normalizer.cloud.clouds`` inventory (``ansible_host`` is its ``interface_ip``,
``ansible_user`` the image's login user); delete it; delete it again (``changed: false``).
``leak_check`` then sees no server, floating IP, port or keypair left. There is no data
plane on loopback, so no play connects to the server.
"""

from __future__ import annotations

import ipaddress
import json
import uuid

import pytest

import normalizer
from tests.ansible.conftest import serving, task_results

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPsj1d9EdlhnvHLOWHcu0xgUdNlpwN6ph1TFO9wHMU it@normalizer"
IMAGE = "ubuntu-22.04"
FLAVOR = "m1.tiny"
TIMEOUT = 180

# One play, run for create, re-run and delete: the module's options as docs/ansible.md shows them.
PLAY = """
- name: A server on {cloud}
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The server is {state}
      normalizer.cloud.server:
        cloud: {cloud}
        profile: generic
        state: {state}
        name: {name}
        image: {image}
        flavor: {flavor}
        public_key: {key}
        auto_ip: {auto_ip}
        wait: true
        timeout: {timeout}
      register: result
"""

INVENTORY = """
plugin: normalizer.cloud.clouds
clouds:
  - {cloud}
"""


def in_net(address, cidr):
    return address is not None and ipaddress.ip_address(address) in ipaddress.ip_network(cidr)


@pytest.fixture
def loopback_world(loopback_clouds_yaml, tmp_path):
    """An AnsibleWorld (tests/ansible/conftest.py) whose clouds.yaml is the loopback one."""
    with serving({}, tmp_path) as world:
        world.env["OS_CLIENT_CONFIG_FILE"] = str(loopback_clouds_yaml)
        yield world


def run_play(world, cloud, name, state, auto_ip, check=False):
    text = PLAY.format(cloud=cloud, state=state, name=name, image=IMAGE, flavor=FLAVOR, key=json.dumps(KEY),
                       auto_ip=json.dumps(auto_ip), timeout=TIMEOUT)
    [result] = task_results(world.playbook(text, check=check))
    assert not result.get("failed"), result
    return result


def plain(value):
    """ansible-inventory --list output without its trust markers: ansible-core 2.19 writes a
    value a plugin set as ``{"__ansible_unsafe": value}`` (its inventory_legacy JSON profile)."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return plain(value["__ansible_unsafe"])
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def host_of(inventory: dict, server_id: str) -> tuple[str, dict]:
    """The inventory host whose normalizer_server is the server with this id, and its hostvars."""
    hosts = [(host, hostvars) for host, hostvars in inventory["_meta"]["hostvars"].items()
             if (hostvars.get("normalizer_server") or {}).get("id") == server_id]
    assert len(hosts) == 1, f"server {server_id} is {len(hosts)} hosts in: {json.dumps(inventory)[:3000]}"
    return hosts[0]


def groups_of(inventory: dict, host: str) -> set[str]:
    return {group for group, value in inventory.items()
            if group != "_meta" and isinstance(value, dict) and host in value.get("hosts", [])}


# The same play on both: auto_ip asks for a public address, and a floating IP is made only
# where the boot network does not route externally.
@pytest.mark.parametrize("layout,public_cidr,floating", [
    ("fip", "203.0.113.0/24", True),       # reachable only through a floating IP
    ("direct", "192.0.2.0/25", False),     # the network is public: no floating IP
])
def test_playbook_creates_idempotently_the_inventory_lists_it_and_delete_leaves_nothing(
        loopback_world, leak_check, layout, public_cidr, floating):
    auto_ip = True
    cloud, name = f"loopback-{layout}", f"it-ansible-{uuid.uuid4().hex[:6]}"
    deleted = False
    try:
        planned = run_play(loopback_world, cloud, name, "present", auto_ip, check=True)
        assert planned["changed"] is True and planned["server"] is None and planned["plan"]["steps"], planned
        assert normalizer.connect(cloud, profile="generic").get_server(name) is None  # check mode made nothing

        created = run_play(loopback_world, cloud, name, "present", auto_ip)
        server = created["server"]
        assert created["changed"] is True
        assert server["name"] == name and server["login_user"] == "ubuntu"
        assert in_net(server["interface_ip"], public_cidr), server
        assert bool(server.get("floating_ips")) == floating, server

        again = run_play(loopback_world, cloud, name, "present", auto_ip)
        assert again["changed"] is False
        assert again["server"]["id"] == server["id"]
        assert again["server"]["interface_ip"] == server["interface_ip"]

        inventory = plain(loopback_world.inventory(INVENTORY.format(cloud=cloud)))
        host, hostvars = host_of(inventory, server["id"])
        assert hostvars["ansible_host"] == server["interface_ip"]
        assert hostvars["ansible_user"] == "ubuntu"
        assert hostvars["normalizer_server"]["name"] == name
        groups = groups_of(inventory, host)
        assert any(cloud.replace("-", "_") in group or cloud in group for group in groups), groups
        assert not any("unreachable" in group for group in groups), groups

        removed = run_play(loopback_world, cloud, name, "absent", auto_ip)
        deleted = True
        assert removed["changed"] is True
        assert run_play(loopback_world, cloud, name, "absent", auto_ip)["changed"] is False
    finally:
        if not deleted:  # the play failed half-way: leave nothing behind for the next test
            normalizer.connect(cloud, profile="generic").delete_server(name, timeout=TIMEOUT)
