"""normalizer.cloud.server_info and cloud_info through the real ansible-playbook on served FakeClouds."""

from __future__ import annotations

import pytest

from tests.ansible.conftest import serving, task_results


def play(*tasks: str) -> str:
    return "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + "".join(tasks)


@pytest.fixture
def world(tmp_path):
    with serving({"fip": "fip"}, tmp_path) as served:
        yield served


def test_server_info_by_name_and_by_filters(world):
    results = task_results(world.playbook(play(
        "    - normalizer.cloud.server_info: {cloud: fip, name: web1}\n",
        "    - normalizer.cloud.server_info: {cloud: fip, filters: {image.distro: debian}}\n",
        "    - normalizer.cloud.server_info: {cloud: fip, name: nothing-of-that-name}\n")))
    (web1,) = results[0]["servers"]
    assert (web1["interface_ip"], web1["login_user"], results[0]["changed"]) == ("203.0.113.3", "ubuntu", False)
    assert [s["name"] for s in results[1]["servers"]] == ["db1"]
    assert results[2]["servers"] == []


def test_cloud_info_gives_roles_with_reasons_conformance_and_picks(world):
    world.fakes["fip"].reset_requests()
    (info,) = task_results(world.playbook(play(
        "    - normalizer.cloud.cloud_info: {cloud: fip, flavors: [t3.small, z9.huge], images: [ubuntu-24.04]}\n")))
    external = info["network_roles"]["external"]
    assert external["rule"] == "router gateway" and "ext-net" in external["reason"]
    assert info["network_roles"]["public"]["value"] is None
    assert {n["name"] for n in info["networks"]} == {"private", "ext-net"}
    assert [s["status"] for s in info["conformance"]][4] == "bridged"
    flavor, unknown, image = info["picks"]
    assert (flavor["kind"], flavor["name"]) == ("flavor", "m1.medium") and flavor["reason"]
    assert unknown["query"] == "z9.huge" and "unknown instance type" in unknown["error"]
    assert image["name"] == "ubuntu-24.04"
    writes = [r for r in world.fakes["fip"].requests if r.method != "GET" and "/identity/" not in r.path]
    assert writes == []


def test_a_connection_error_fails_the_task_with_the_error_fields(world):
    (failed,) = task_results(world.playbook(play("    - normalizer.cloud.server_info: {cloud: no-such-cloud}\n"),
                                            expect_failure=True))
    assert failed["failed"] and failed["error"] == "UnknownCloudError" and "no-such-cloud" in failed["msg"]
