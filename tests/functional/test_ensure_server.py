"""cloud.ensure_server(): idempotent by name; plan_server reports the server of that name."""

from __future__ import annotations

import pytest

import normalizer
from normalizer.testing import FakeCloud

from tests.functional.conftest import FLAVOR, IMAGE, KEY, FakeTime, connect, new_resources, snapshot


def writes(fake):
    return [(r.method, r.path) for r in fake.requests if r.method != "GET" and not r.path.startswith("/identity")]


def test_first_call_creates_and_the_second_returns_the_same_server_writing_nothing():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        first = cloud.ensure_server("app1", IMAGE, FLAVOR, public_key=KEY)
        assert first.changed is True and first.differences == []
        assert first.server.name == "app1" and first.server.interface_ip and first.server.login_user == "ubuntu"
        assert first.plan.existing is None and first.plan.steps[0].subject == "ssh key"
        fake.reset_requests()
        before = snapshot(fake)
        again = cloud.ensure_server("app1", IMAGE, FLAVOR, public_key=KEY)
        assert again.changed is False and again.differences == []
        assert again.server.id == first.server.id and again.server.interface_ip == first.server.interface_ip
        assert again.plan.existing.id == first.server.id
        step = again.plan.steps[0]
        assert (step.subject, step.value, step.rule) == ("existing server", first.server.id, "same name")
        assert writes(fake) == [] and snapshot(fake) == before


def test_plan_server_reports_the_existing_server_and_creates_nothing():
    with FakeCloud("fip") as fake:
        cloud = connect(fake, FakeTime())
        web1 = cloud.get_server("web1")
        plan = cloud.plan_server("web1", web1.image.id, web1.flavor.name or web1.flavor.id)
        assert plan.existing.id == web1.id and plan.differences == []
        assert plan.steps[0].subject == "existing server" and "returned unchanged" in plan.steps[0].reason
        fresh = cloud.plan_server("web9", IMAGE, FLAVOR)
        assert fresh.existing is None and fresh.differences == []
        assert all(step.subject != "existing server" for step in fresh.steps)
        assert writes(fake) == []


def test_a_different_flavor_or_image_is_reported_not_ignored():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        made = cloud.ensure_server("app1", IMAGE, "m1.small", auto_ip=False).server
        before = snapshot(fake)
        result = cloud.ensure_server("app1", IMAGE, "m1.large", auto_ip=False)
        assert result.changed is False and result.server.id == made.id
        assert len(result.differences) == 1
        assert "flavor 'm1.small'" in result.differences[0] and "asked 'm1.large'" in result.differences[0]
        assert result.plan.steps[0].rule == "differs"
        other = cloud.ensure_server("app1", "debian-12", "m1.small", auto_ip=False)
        assert len(other.differences) == 1 and "image" in other.differences[0] and "'debian-12'" in other.differences[0]
        assert snapshot(fake) == before  # reported, never rebuilt


def test_an_image_alias_matches_a_newer_image_of_that_distro_and_version():
    # the cloud refreshes its images: the alias now picks another image, the server still matches
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        made = cloud.ensure_server("app1", IMAGE, FLAVOR, auto_ip=False).server
        picked = cloud.pick_image(IMAGE)
        newer = fake.add_image(picked.name + " (refreshed)", created_at="2030-01-01T00:00:00Z",
                               os_distro=picked.distro, os_version=picked.version, architecture=picked.arch)
        assert cloud.pick_image(IMAGE).id == newer["id"]
        result = cloud.ensure_server("app1", IMAGE, FLAVOR, auto_ip=False)
        assert result.changed is False and result.differences == [] and result.server.id == made.id
        named = cloud.ensure_server("app1", newer["id"], FLAVOR, auto_ip=False)
        assert len(named.differences) == 1 and "image" in named.differences[0]


def test_two_servers_with_that_name_are_ambiguous():
    with FakeCloud("fip") as fake:
        fake.add_server("twin", networks=["private"])
        fake.add_server("twin", networks=["private"])
        cloud = connect(fake, FakeTime())
        with pytest.raises(normalizer.AmbiguousMatch, match="2 servers are named 'twin'") as info:
            cloud.ensure_server("twin", IMAGE, FLAVOR)
        assert len(info.value.candidates) == 2 and "rename" in str(info.value)
        with pytest.raises(normalizer.AmbiguousMatch):
            cloud.plan_server("twin", IMAGE, FLAVOR)
        assert writes(fake) == []


def test_wait_false_with_auto_ip_creates_and_attaches_the_floating_ip():
    with FakeCloud("fip", build_polls=3) as fake:
        cloud = connect(fake, FakeTime())
        before = snapshot(fake)
        result = cloud.ensure_server("app1", IMAGE, FLAVOR, public_key=KEY, wait=False, auto_ip=True)
        assert result.changed is True and result.server.public_v4
        assert result.server.interface_ip == result.server.public_v4
        # not yet ACTIVE, yet the login user and the image are known from the plan
        assert result.server.login_user == result.plan.login_user and result.server.image.id
        created = new_resources(before, snapshot(fake))
        assert {label.split()[0] for label in created} == {"server", "floating"}
        assert cloud.ensure_server("app1", IMAGE, FLAVOR, public_key=KEY, wait=False).changed is False


def test_arguments_are_checked_before_any_request():
    with FakeCloud("fip") as fake:
        cloud = connect(fake, FakeTime())
        with pytest.raises(normalizer.ConfigError, match=r"unknown options \['flavour'\]"):
            cloud.ensure_server("app1", IMAGE, FLAVOR, flavour="m1.small")
        with pytest.raises(normalizer.ConfigError, match="wait must be True or False"):
            cloud.ensure_server("app1", IMAGE, FLAVOR, wait="no")
        with pytest.raises(normalizer.ConfigError, match="name must be a non-empty string"):
            cloud.ensure_server("", IMAGE, FLAVOR)
        assert fake.requests == []


def test_a_failed_create_leaves_nothing_behind_and_says_so():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        before = snapshot(fake)
        fake.inject("POST", r"/floatingips$", status=409,
                    json={"NeutronError": {"type": "OverQuota", "message": "Quota exceeded", "detail": ""}})
        with pytest.raises(normalizer.ProvisionError) as info:
            cloud.ensure_server("app1", IMAGE, FLAVOR, public_key=KEY)
        assert info.value.step == "public address" and info.value.not_removed == []
        assert any(label.startswith("server ") for label in info.value.removed)
        assert new_resources(before, snapshot(fake)) == set()


def test_a_server_in_error_is_a_difference_and_a_volume_booted_one_has_no_image_to_compare():
    with FakeCloud("fip") as fake:
        flavor = fake.flavors[0]["name"]
        fake.add_server("broken", networks=["private"], status="ERROR", flavor=flavor)
        fake.add_server("volume1", networks=["private"], flavor=flavor)
        cloud = connect(fake, FakeTime())
        broken = cloud.ensure_server("broken", IMAGE, flavor, auto_ip=False)
        assert broken.changed is False and broken.differences == ["server 'broken' exists in state error (status ERROR)"]
        volume = cloud.ensure_server("volume1", IMAGE, flavor, auto_ip=False)
        assert volume.changed is False and volume.differences == []
        assert "boots from a volume" in volume.plan.steps[0].reason
        assert writes(fake) == []
