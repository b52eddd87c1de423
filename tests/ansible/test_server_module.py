"""normalizer.cloud.server through the real ansible-playbook, against a FakeCloud served on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.ansible.conftest import serving, task_results

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPsj1d9EdlhnvHLOWHcu0xgUdNlpwN6ph1TFO9wHMU me@example"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def play(*tasks: str) -> str:
    body = "".join(tasks)
    return f"- hosts: localhost\n  gather_facts: false\n  tasks:\n{body}"


def server_task(name: str = "app1", state: str = "present", **options) -> str:
    lines = [f"    - normalizer.cloud.server:\n        cloud: fip\n        name: {name}\n        state: {state}\n"]
    if state == "present":
        options = {"image": "ubuntu-24.04", "flavor": "t3.small", **options}
    lines += [f"        {key}: {value}\n" for key, value in options.items()]
    return "".join(lines) + "      register: result\n"


def writes(fake) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests if r.method in WRITES and not r.path.startswith("/identity")]


def cloud_writes(fake) -> list[tuple[str, str]]:
    # ansible-playbook authenticates anew (POST /identity/v3/auth/tokens): not a change to the cloud
    return writes(fake)


@pytest.fixture
def world(tmp_path):
    """The ``fip`` cloud (floating IPs through a router); servers are ACTIVE at once."""
    with serving({"fip": "fip"}, tmp_path, build_polls=0) as served:
        yield served


def test_create_then_an_idempotent_rerun_writes_nothing(world):
    fake = world.fakes["fip"]
    fips_before = len(fake.floating_ips)
    created = task_results(world.playbook(play(server_task(public_key=f'"{KEY}"',
                                                           metadata='{"role": "web", "port": 80}'))))[0]
    assert created["changed"] is True and not created.get("failed")
    server = created["server"]
    assert server["name"] == "app1" and server["login_user"] == "ubuntu"
    assert server["metadata"]["role"] == "web" and server["metadata"]["port"] == "80"  # Nova keeps text
    assert server["interface_ip"] and server["interface_ip"] == server["public_v4"]
    assert len(fake.floating_ips) == fips_before + 1  # the fip layout needs a floating IP
    assert [step["subject"] for step in created["plan"]["steps"]][:2] == ["ssh key", "image"]
    assert all(step["reason"] for step in created["plan"]["steps"])
    assert not any(k["name"].startswith("normalizer-") for k in fake.keypairs)  # the temporary keypair is gone

    fake.reset_requests()
    again = task_results(world.playbook(play(server_task(public_key=f'"{KEY}"'))))[0]
    assert again["changed"] is False and again["server"]["id"] == server["id"]
    assert again["server"]["interface_ip"] == server["interface_ip"] and again["differences"] == []
    assert again["plan"]["steps"][0]["subject"] == "existing server"
    assert cloud_writes(fake) == []


def test_check_mode_answers_from_the_plan_and_writes_nothing(world):
    fake = world.fakes["fip"]
    servers_before = len(fake.servers)
    fake.reset_requests()
    result = task_results(world.playbook(play(server_task(public_key=f'"{KEY}"')), check=True))[0]
    assert result["changed"] is True and result["server"] is None
    plan = result["plan"]
    assert plan["existing"] is None and plan["login_user"] == "ubuntu" and plan["floating_ip_pool"]
    assert {step["subject"].split()[0] for step in plan["steps"]} >= {"image", "flavor", "boot", "public"}
    assert cloud_writes(fake) == [] and len(fake.servers) == servers_before
    # an existing server: check mode says nothing would change
    web1 = next(s for s in fake.servers if s["name"] == "web1")
    existing = task_results(world.playbook(play(server_task("web1", image=web1["image"]["id"],
                                                            flavor=web1["flavor"]["original_name"])), check=True))[0]
    assert existing["changed"] is False and existing["server"]["id"] == web1["id"]
    assert existing["plan"]["steps"][0]["rule"] == "same name" and existing["differences"] == []
    assert cloud_writes(fake) == []


def test_a_different_flavor_fails_with_the_difference_unless_on_difference_warn(world):
    fake = world.fakes["fip"]
    task_results(world.playbook(play(server_task(flavor="m1.small", public_ip="false"))))  # an alias of auto_ip
    fake.reset_requests()
    failed = task_results(world.playbook(play(server_task(flavor="m1.large", auto_ip="false")),
                                         expect_failure=True))[0]
    assert failed["failed"] is True and failed["changed"] is False
    assert "flavor 'm1.small'" in failed["msg"] and "on_difference: warn" in failed["msg"]
    assert len(failed["differences"]) == 1
    warned = task_results(world.playbook(play(server_task(flavor="m1.large", auto_ip="false",
                                                          on_difference="warn"))))[0]
    assert warned["changed"] is False and warned["server"]["name"] == "app1"
    assert any("flavor 'm1.small'" in warning for warning in warned.get("warnings", []))
    assert cloud_writes(fake) == []


def test_delete_releases_the_floating_ip_and_is_idempotent(world):
    fake = world.fakes["fip"]
    fips_before = {f["id"] for f in fake.floating_ips}
    created = task_results(world.playbook(play(server_task())))[0]["server"]
    made = {f["id"] for f in fake.floating_ips} - fips_before
    assert len(made) == 1
    deleted = task_results(world.playbook(play(server_task(state="absent"))))[0]
    assert deleted["changed"] is True and deleted["deleted"]["id"] == created["id"]
    assert deleted["deleted"]["released_floating_ips"] == sorted(made)
    assert {f["id"] for f in fake.floating_ips} == fips_before
    assert created["id"] not in {s["id"] for s in fake.servers}
    fake.reset_requests()
    again = task_results(world.playbook(play(server_task(state="absent"))))[0]
    assert again["changed"] is False and again["deleted"]["deleted"] is False
    assert cloud_writes(fake) == []


def test_check_mode_delete_writes_nothing(world):
    fake = world.fakes["fip"]
    fake.reset_requests()
    result = task_results(world.playbook(play(server_task("web1", state="absent")), check=True))[0]
    assert result["changed"] is True and result["server"]["name"] == "web1" and "deleted" not in result
    assert "web1" in {s["name"] for s in fake.servers}
    gone = task_results(world.playbook(play(server_task("nothing-here", state="absent")), check=True))[0]
    assert gone["changed"] is False and gone["server"] is None
    assert cloud_writes(fake) == []


def test_a_failure_returns_the_step_and_leaves_nothing_behind(world):
    fake = world.fakes["fip"]
    before = ({s["id"] for s in fake.servers}, {f["id"] for f in fake.floating_ips}, {k["name"] for k in fake.keypairs})
    fake.inject("POST", r"/floatingips$", status=409,
                json={"NeutronError": {"type": "OverQuota", "message": "Quota exceeded", "detail": ""}})
    result = task_results(world.playbook(play(server_task(public_key=f'"{KEY}"')), expect_failure=True))[0]
    assert result["failed"] is True and result["error"] in ("ProvisionError", "QuotaExceeded")
    assert result["step"] == "public address" and result["not_removed"] == []
    assert any(label.startswith("server ") for label in result["removed"])
    assert "Quota exceeded" in result["msg"]
    after = ({s["id"] for s in fake.servers}, {f["id"] for f in fake.floating_ips}, {k["name"] for k in fake.keypairs})
    assert after == before


def test_wait_false_with_auto_ip_gets_the_floating_ip(tmp_path):
    with serving({"fip": "fip"}, tmp_path, build_polls=3) as world:
        result = task_results(world.playbook(play(server_task(wait="false", auto_ip="true"))))[0]
        server = result["server"]
        assert result["changed"] is True and server["public_v4"] and server["interface_ip"] == server["public_v4"]
        assert result["plan"]["login_user"] == server["login_user"] == "ubuntu"


def test_arguments_are_checked_by_ansible_and_by_normalizer(world):
    fake = world.fakes["fip"]
    missing = task_results(world.playbook(play(server_task(image="null")), expect_failure=True))[0]
    assert missing["failed"] is True and "image" in missing["msg"]
    both = task_results(world.playbook(play(server_task(key_name="deploy", public_key=f'"{KEY}"')),
                                       expect_failure=True))[0]
    assert "mutually exclusive" in both["msg"]
    reserved = task_results(world.playbook(play(server_task(meta='{"normalizer:x": "1"}')),
                                           expect_failure=True))[0]
    assert reserved["error"] == "ConfigError" and "normalizer:" in reserved["msg"]
    assert cloud_writes(fake) == []
