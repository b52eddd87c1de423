"""``server create|plan|delete`` with boot from volume, --allow-ssh and --public-access, on served FakeClouds."""

from __future__ import annotations

import json

import pytest

from tests.functional.conftest import cli_clouds, run_cli as run


@pytest.fixture
def clouds(tmp_path, monkeypatch):
    """The ``scs`` and ``port-forward`` layouts served on 127.0.0.1; OS_CLOUD=scs."""
    with cli_clouds({"scs": "scs", "pf": "port-forward"}, tmp_path, monkeypatch, "scs", build_polls=0) as fakes:
        yield fakes


def test_plan_shows_the_boot_volume_and_the_ssh_group(clouds, capsys):
    status, out, _ = run(capsys, "server", "plan", "web1", "--image", "ubuntu-24.04", "--flavor", "SCS-2V-4",
                         "--volume-size", "20", "--allow-ssh", "198.51.100.0/24", "--allow-ssh", "2001:db8::/32",
                         "-f", "json")
    plan = json.loads(out)
    assert status == 0 and plan["boot_volume"] == {"size": 20, "volume_type": None}
    assert plan["ssh_group"] == "normalizer-web1" and plan["ssh_ranges"] == ["198.51.100.0/24", "2001:db8::/32"]


def test_create_on_scs_boots_from_a_volume_opens_ssh_and_delete_removes_it_all(clouds, capsys, key_file):
    fake = clouds["scs"]
    volumes, groups = len(fake.volumes), len(fake.security_groups)
    status, out, _ = run(capsys, "server", "create", "web1", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                         "--key-file", key_file, "--allow-ssh")
    assert status == 0 and out.splitlines()[-1].startswith("ssh ubuntu@203.0.113.")
    assert (len(fake.volumes), len(fake.security_groups)) == (volumes + 1, groups + 1)
    rules = next(g for g in fake.security_groups if g["name"] == "normalizer-web1")["security_group_rules"]
    assert {r["remote_ip_prefix"] for r in rules if r["direction"] == "ingress"} == {"0.0.0.0/0", "::/0"}
    status, out, _ = run(capsys, "server", "delete", "web1")
    assert status == 0 and "removed security group" in out
    assert (len(fake.volumes), len(fake.security_groups)) == (volumes, groups)


def test_no_boot_from_volume_on_a_disk_less_flavor_is_refused(clouds, capsys, key_file):
    status, out, err = run(capsys, "server", "create", "web1", "--image", "ubuntu-24.04", "--flavor", "SCS-2V-4",
                           "--key-file", key_file, "--no-boot-from-volume")
    assert status == 2 and out == "" and "has no root disk" in err and err.count("\n") == 1  # bad input: 2


def test_port_forward_prints_ssh_with_the_port(clouds, capsys, key_file):
    status, out, _ = run(capsys, "--os-cloud", "pf", "server", "create", "web9", "--image", "ubuntu-24.04",
                         "--flavor", "t3.small", "--key-file", key_file, "--public-access", "port_forward")
    assert status == 0 and out.splitlines()[-1].startswith("ssh -p 2201 ubuntu@203.0.113.")
    status, out, _ = run(capsys, "--os-cloud", "pf", "server", "show", "web9", "-f", "json")
    assert json.loads(out)["ssh_port"] == 2201
    status, out, _ = run(capsys, "--os-cloud", "pf", "server", "delete", "web9")
    assert status == 0 and "removed port forwarding" in out and clouds["pf"].port_forwardings == []


def test_a_bad_public_access_is_a_usage_error(clouds, capsys, key_file):
    status, _, err = run(capsys, "server", "create", "web1", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                         "--key-file", key_file, "--public-access", "nat")
    assert status == 2 and "invalid choice: 'nat'" in err
