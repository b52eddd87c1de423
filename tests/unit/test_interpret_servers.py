"""interpret.server_viewer with the listing's facts: subnets, the project's floating IPs, image identity.

Cases with ``given.floating_ips`` live with the other golden cases in ``tests/cases/``,
which run through a real Cloud.
"""

from __future__ import annotations


import pytest

from normalizer.interpret import (Topology, image_view, network_cidrs, network_roles,
                                  server_viewer)
from normalizer.normalize import Context
from normalizer.normalize import server_addresses
from normalizer.profiles import load_profile

CTX = Context(cloud="c", region_name=None, project_id="p")


def test_network_cidrs_by_id_and_name_once_per_topology():
    topology = Topology(
        networks=[{"id": "n1", "name": "private", "subnets": ["s1"]}, {"id": "n2", "name": "private"},
                  {"id": "n3", "name": "empty", "subnets": ["missing"]}, "junk"],
        subnets=[{"id": "s1", "network_id": "n1", "cidr": "10.0.0.0/24"},
                 {"id": "s2", "network_id": "n2", "cidr": "10.1.0.0/24"}, {"id": "s3", "network_id": "n2"}])
    cidrs = network_cidrs(topology)
    assert cidrs["n1"] == ("10.0.0.0/24",) and cidrs["private"] == ("10.0.0.0/24", "10.1.0.0/24")
    assert cidrs["empty"] == () and network_cidrs(None) == {}


def test_floating_ips_are_indexed_once_per_listing_not_per_server(monkeypatch):
    calls = []
    real = server_addresses._fact
    monkeypatch.setattr(server_addresses, "_fact", lambda raw: calls.append(raw) or real(raw))
    fips = [{"floating_ip_address": f"172.24.4.{i}", "fixed_ip_address": f"10.0.0.{i}"} for i in range(1, 6)]
    generic = load_profile("generic")
    view = server_viewer(network_roles(Topology(), generic), generic, CTX, floating_ips=fips)
    servers = [view({"id": f"s{i}", "addresses": {"n": [{"addr": f"10.0.0.{i}"}, {"addr": f"172.24.4.{i}"}]}})
               for i in range(1, 6)]
    assert [s.public_v4 for s in servers] == [f"172.24.4.{i}" for i in range(1, 6)]
    assert len(calls) == len(fips)


class TestServerImageIdentity:
    """Item D: the server's image says what image_view says about that image."""

    PROFILE = load_profile("generic")
    IMAGES = {"i1": {"id": "i1", "name": "Ubuntu 22.04 LTS", "status": "active"},
              "i2": {"id": "i2", "name": "whatever", "os_distro": "Debian", "os_version": "12"}}

    @pytest.mark.parametrize("image_id", ["i1", "i2"])
    def test_same_identity_as_the_image_listing(self, image_id):
        view = server_viewer(network_roles(Topology(), self.PROFILE), self.PROFILE, CTX, images=self.IMAGES)
        server = view({"id": "s", "status": "ACTIVE", "image": {"id": image_id, "links": []}})
        image = image_view(self.IMAGES[image_id], self.PROFILE, CTX)
        assert (server.image.distro, server.image.version) == (image.distro, image.version)
        assert server.image.distro is not None and server.image.name == image.name

    def test_image_not_in_glance_is_decided_from_what_nova_embeds(self):
        view = server_viewer(network_roles(Topology(), self.PROFILE), self.PROFILE, CTX, images={})
        server = view({"id": "s", "image": {"id": "gone", "properties": {"os_distro": "fedora", "os_version": "39"}}})
        assert (server.image.distro, server.image.version) == ("fedora", "39")

    def test_boot_from_volume_has_no_image_identity(self):
        view = server_viewer(network_roles(Topology(), self.PROFILE), self.PROFILE, CTX, images=self.IMAGES)
        assert view({"id": "s", "image": ""}).image == {"id": None, "name": None, "distro": None, "version": None}


def test_login_users_decides_once_per_image_not_per_server(monkeypatch):
    from normalizer import interpret
    from normalizer.profiles import load_profile
    calls = []
    real = interpret.server_login

    def counting(raw, images, profile, *args, **kwargs):
        calls.append(raw.get("id"))
        return real(raw, images, profile, *args, **kwargs)
    monkeypatch.setattr(interpret, "server_login", counting)
    images = {f"i{n}": {"id": f"i{n}", "os_distro": "debian"} for n in range(3)}
    user = interpret.login_users(images, load_profile("generic"))
    servers = [{"id": f"s{n}", "image": {"id": f"i{n % 3}"}} for n in range(300)]
    assert {user(s) for s in servers} == {"debian"}
    assert len(calls) == 3
    assert user({"id": "bfv", "image": ""}) is None and len(calls) == 4  # no image: decided for that server
