"""cloud.explain(): every decision says which rule decided and what else was considered."""

import json

import pytest

import normalizer
from normalizer.testing import FakeCloud


@pytest.fixture
def cloud():
    with FakeCloud("multi-external") as fake:
        yield normalizer.connect(**fake.connect_kwargs())


def test_external_network_explains_why_the_unusable_pool_lost(cloud):
    decision = cloud.explain("external_network")
    assert decision.value == cloud.get_external_network().id and decision.rule == "router gateway"
    verdicts = {c.candidate.split()[0]: c.verdict for c in decision.considered}
    assert verdicts["ext-unusable"] == "no router of this project reaches it"
    json.dumps(decision)


def test_address_fields_explain_floating_range_and_interface_rules(cloud):
    server = cloud.get_server("web1")
    public = cloud.explain(server, "public_v4")
    assert public.value == server.public_v4 and public.rule == "floating IP"
    assert [c.candidate for c in public.considered] == [server.private_v4]
    private = cloud.explain(server, "private_v4")
    assert private.rule == "network role" and "not internet-routable" in private.reason
    interface = cloud.explain(server)
    assert interface.value == server.interface_ip and interface.rule == "public_v4"
    nothing = cloud.explain(cloud.get_server("db1"))
    assert nothing.value is None and "private: true" in nothing.reason


def test_network_explanation_carries_its_roles_and_the_cloud_decisions(cloud):
    decision = cloud.explain(cloud.get_network("ext-unusable"))
    assert decision.value["is_external"] and not decision.value["nat_source"]
    assert "floating-IP pool" in decision.reason
    assert len(decision.considered) == 3


def test_unknown_subjects_raise_a_typed_error(cloud):
    with pytest.raises(normalizer.SelectionError, match="cannot explain"):
        cloud.explain(42)
    with pytest.raises(normalizer.SelectionError, match="'color' is not an address field; use one of public_v4"):
        cloud.explain(cloud.get_server("web1"), "color")


def test_pick_flavor_returns_the_smallest_fit_and_explains_the_difference(cloud):
    flavor = cloud.pick_flavor("t3.small")
    assert (flavor.name, flavor.vcpus, flavor.ram) == ("m1.medium", 2, 4096)
    decision = cloud.explain(flavor="t3.small")
    assert decision.value == flavor.id and "+2048 MiB" in decision.reason
    assert cloud.pick_flavor(min_vcpus=1, min_ram=512).name == "m1.tiny"
    assert cloud.explain(flavor={"min_vcpus": 1, "min_ram": 512}).value == cloud.pick_flavor(min_ram=512).id


def test_pick_flavor_skips_disabled_private_and_gpu_unless_asked(cloud):
    with pytest.raises(normalizer.NoMatch) as info:
        cloud.pick_flavor(min_vcpus=8, min_ram=32768)
    assert "p1.gpu" in str(info.value) or "include_" in str(info.value)
    assert cloud.pick_flavor(min_vcpus=8, min_ram=32768, include_private=True, include_excluded=True).name == "p1.gpu"


def test_images_and_servers_carry_decided_identity_and_login_user():
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs())
        images = {i.name: i for i in cloud.list_images()}
        jammy = images["Ubuntu 22.04 LTS (Jammy Jellyfish)"]
        assert (jammy.distro, jammy.version, jammy.login_user) == ("ubuntu", "22.04", "ubuntu")
        assert images["Fedora-Cloud-Base-40"].login_user == "fedora"
        servers = {s.name: s for s in cloud.list_servers()}
        assert servers["web1"].login_user == "ubuntu" and servers["db1"].login_user == "debian"
        assert cloud.login_user("debian-12") == "debian" and cloud.login_user(servers["web1"]) == "ubuntu"
        fake.reset_requests()
        cloud.list_servers()
        images_calls = [r for r in fake.requests if r.path.startswith("/image")]
        assert len(images_calls) == 1  # one listing serves every server's login user


def test_pick_image_newest_official_not_a_snapshot_and_explained():
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs())
        assert cloud.pick_image("ubuntu-24.04").name == "ubuntu-24.04"
        assert cloud.pick_image("ubuntu-24.04", include_snapshots=True).name == "web-snapshot"
        decision = cloud.explain(image="ubuntu-24.04")
        verdicts = " | ".join(c.verdict for c in decision.considered)
        assert "server snapshot" in verdicts and "status queued" in verdicts
        assert cloud.explain(cloud.get_image("debian-12")).value == "debian"
        assert cloud.explain(cloud.get_server("web1"), "login_user").value == "ubuntu"
        with pytest.raises(normalizer.NoMatch):
            cloud.pick_image("ubuntu-12.04")
        with pytest.raises(normalizer.NoMatch):
            cloud.login_user("no-such-image")


def test_login_override_from_clouds_yaml_wins():
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs(),
                                   profile_overrides={"login": {"overrides": {"debian-12": "admin"}}})
        assert cloud.login_user("debian-12") == "admin"
        assert cloud.get_server("db1").login_user == "admin"
        assert cloud.explain(cloud.get_image("debian-12")).rule == "override"
