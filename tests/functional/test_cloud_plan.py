"""cloud.plan_server(): every decision of create_server, and no side effects."""

import pytest

import normalizer
from normalizer.testing import FakeCloud

from tests.functional.conftest import KEY


def connect(fake, **kwargs):
    return normalizer.connect(**{**fake.connect_kwargs(), **kwargs})


def writes(fake):
    return [(r.method, r.path) for r in fake.requests if r.method != "GET" and not r.path.startswith("/identity")]


@pytest.mark.parametrize("layout,network,pool", [
    ("fip", "private", "ext-net"),
    ("direct", "public", None),
    ("split-stack", "tenant-net", "ext-net"),
    ("multi-external", "private", "ext-net"),
    ("nova-network", None, None),
])
def test_plan_per_layout_and_nothing_is_created(layout, network, pool):
    with FakeCloud(layout) as fake:
        cloud = connect(fake)
        servers_before, keys_before = len(fake.servers), len(fake.keypairs)
        plan = cloud.plan_server("web9", "ubuntu-24.04", "t3.small", public_key=KEY, root_keys=[KEY])
        names = {n.id: n.name for n in cloud.list_networks() if n.id}
        assert names.get(plan.network_id) == network and names.get(plan.floating_ip_pool) == pool
        assert plan.login_user == "ubuntu" and plan.temporary_key and plan.key_name.startswith("normalizer-web9-")
        assert plan.flavor_id == cloud.pick_flavor("t3.small").id
        assert "ssh_pwauth: false" in plan.userdata
        assert [s.subject.split()[0] for s in plan.steps] == ["ssh", "image", "flavor", "boot", "boot", "public",
                                                             "public", "ssh", "login", "user-data"]
        assert plan.boot_volume is None and plan.ssh_group is None
        assert plan.public_access == ("floating_ip" if pool else None)
        assert writes(fake) == []
        assert (len(fake.servers), len(fake.keypairs)) == (servers_before, keys_before)


def test_plan_refuses_to_guess_the_boot_network():
    # elasticluster#254: Nova's "Multiple possible networks found"
    with FakeCloud("empty") as fake:
        fake.add_network("blue", cidr="10.4.0.0/24")
        fake.add_network("green", cidr="10.5.0.0/24")
        cloud = connect(fake)
        with pytest.raises(normalizer.AmbiguousMatch, match="boot network") as info:
            cloud.plan_server("x", "cirros-0.6.2-x86_64-disk", "m1.small")
        assert "network=" in str(info.value)
        assert cloud.plan_server("x", "cirros-0.6.2-x86_64-disk", "m1.small", network="green").network_id == \
            cloud.get_network("green").id


def test_plan_resolves_aliases_names_ids_and_objects():
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        image, flavor = cloud.get_image("debian-12"), cloud.get_flavor("m1.small")
        by_object = cloud.plan_server("a", image, flavor, auto_ip=False)
        by_id = cloud.plan_server("a", image.id, flavor.id, auto_ip=False)
        assert (by_object.image_id, by_object.flavor_id) == (by_id.image_id, by_id.flavor_id) == (image.id, flavor.id)
        assert by_object.floating_ip_pool is None
        assert cloud.plan_server("a", "ubuntu-22.04", "t3.micro").image_id == cloud.pick_image("ubuntu-22.04").id
        with pytest.raises(normalizer.NoMatch, match="no image is named 'windows-2022'"):
            cloud.plan_server("a", "windows-2022", "t3.micro")


def test_plan_rejects_bad_requests_before_anything_exists():
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        with pytest.raises(normalizer.ConfigError, match="key_name or public_key"):
            cloud.plan_server("a", "debian-12", "m1.small", key_name="default-key", public_key=KEY)
        with pytest.raises(normalizer.ConfigError, match="larger than Nova accepts"):
            cloud.plan_server("a", "debian-12", "m1.small", userdata="#!/bin/sh\n" + "x" * 60000)
        with pytest.raises(normalizer.ConfigError):
            cloud.plan_server("a", "debian-12", "m1.small", root_keys=["-----BEGIN OPENSSH PRIVATE KEY-----"])
        assert writes(fake) == []


def test_plan_merges_user_data_with_root_access_last():
    with FakeCloud("fip") as fake:
        plan = connect(fake).plan_server("a", "debian-12", "m1.small", userdata="#!/bin/sh\necho hi\n", root_keys=[KEY])
        assert plan.userdata.index("text/x-shellscript") < plan.userdata.index("text/cloud-config")
