"""list_orphans / cleanup_orphans on FakeCloud: what a killed create leaves is found and removed, nothing else.

A ``kill -9`` mid-create is simulated by deleting only the server through the raw compute
API (its marked floating IP stays), and by a temporary keypair whose server never came.
Next to them sit look-alikes a user made; those are never listed and never touched.
"""

from __future__ import annotations

import copy
import datetime

import pytest
from munch import Munch

import normalizer
from normalizer.provision.plan import temporary_key_name
from normalizer.provision.waiting import ssh_banner_answers
from normalizer.provision.public_ip import owner_marks
from normalizer.testing import FakeCloud
from tests.functional.conftest import KEY, FakeTime, connect
from tests.unit.test_ssh_banner import LOOPBACK, listener

OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherOtherOtherOtherOtherOtherOtherOther you@example"
IMAGE, FLAVOR = "ubuntu-24.04", "m1.small"


def stamp(text: str) -> datetime.datetime:
    """A FakeCloud ``created_at`` as an aware datetime."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def state(fake: FakeCloud) -> dict:
    """Every server, floating IP and keypair, deep-copied, by id (keypairs by name)."""
    return {"servers": {s["id"]: copy.deepcopy(s) for s in fake.servers},
            "fips": {f["id"]: copy.deepcopy(f) for f in fake.floating_ips},
            "keypairs": {k["name"]: copy.deepcopy(k) for k in fake.keypairs}}


def killed_create(cloud, fake: FakeCloud, name: str = "web7") -> tuple:
    """A create_server whose process died after the floating IP: the server is gone, its FIP is not."""
    server = cloud.create_server(name, IMAGE, FLAVOR, public_key=KEY)
    fip = next(f for f in fake.floating_ips if f["description"] == owner_marks(server.id)[0])
    cloud._compute.delete_server(server.id)
    assert fip["id"] in {f["id"] for f in fake.floating_ips} and server.id not in {s["id"] for s in fake.servers}
    return server, fip


def crashed_keypair(fake: FakeCloud, server_name: str = "web8", nonce: str = "") -> dict:
    """The temporary keypair of a create that died before its server was booted."""
    return fake.add_keypair(temporary_key_name(server_name, KEY) + nonce, KEY)


def user_look_alikes(fake: FakeCloud) -> None:
    """What a user made that resembles normalizer's marks: never an orphan."""
    web1 = next(s for s in fake.servers if s["name"] == "web1")
    fake.add_floating_ip("ext-net", description="created by normalizer-ish")
    fake.add_floating_ip("ext-net")["tags"] = [owner_marks(web1["id"])[1]]           # tag of a live server
    fake.add_floating_ip("ext-net", description=owner_marks(web1["id"])[0])           # description, live server
    fake.add_floating_ip("ext-net")                                                   # unmarked, unattached
    fake.add_floating_ip("ext-net", port="db1", description=owner_marks("0" * 32)[0])  # taken over by db1
    fake.add_keypair("normalizer-web-12345678", KEY)                                  # hash is not of its key
    fake.add_keypair(temporary_key_name("web9", OTHER_KEY), KEY)                      # hash of another key
    in_use = fake.add_keypair(temporary_key_name("app", KEY), KEY)                    # a live server uses it
    fake.add_server("app", image=IMAGE, flavor=FLAVOR, networks=["private"], key_name=in_use["name"])


def test_a_killed_create_leaves_orphans_that_are_listed_with_mark_age_and_reason():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        server, fip = killed_create(cloud, fake)
        keypair = crashed_keypair(fake)
        user_look_alikes(fake)
        now = stamp(fip["created_at"]) + datetime.timedelta(minutes=10)
        orphans = cloud.list_orphans(now=now)
        assert [(o.kind, o.id) for o in orphans] == [("floating_ip", fip["id"]), ("keypair", keypair["name"])]
        lost_ip, lost_key = orphans
        assert lost_ip.name == fip["floating_ip_address"] and lost_ip.server_id == server.id
        assert owner_marks(server.id)[0] in lost_ip.mark and owner_marks(server.id)[1] in lost_ip.mark
        assert lost_ip.age == 600.0 and lost_ip.created_at == fip["created_at"]
        assert server.id in lost_ip.reason and "not attached" in lost_ip.reason
        # Nova's keypair listing has no creation time
        assert lost_key.age is None and lost_key.server_id is None and "'web8'" in lost_key.reason
        assert isinstance(lost_ip, Munch) and isinstance(lost_key, Munch)


def test_cleanup_removes_the_orphans_and_nothing_else():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        _, fip = killed_create(cloud, fake)
        keypair = crashed_keypair(fake)
        nonce_keypair = crashed_keypair(fake, "web10", nonce="-0badcafe")
        user_look_alikes(fake)
        before = state(fake)
        result = cloud.cleanup_orphans()
        assert result.dry_run is False and result.not_removed == [] and result.skipped == []
        assert sorted(o.id for o in result.removed) == sorted([fip["id"], keypair["name"], nonce_keypair["name"]])
        assert {o.outcome for o in result.removed} == {"removed"}
        after = state(fake)
        before["fips"].pop(fip["id"])
        before["keypairs"].pop(keypair["name"])
        before["keypairs"].pop(nonce_keypair["name"])
        assert after == before  # every look-alike, server and the layout's own records unchanged
        assert cloud.list_orphans() == []
        assert fake.unexpected == []


def test_dry_run_says_what_would_go_and_removes_nothing():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        _, fip = killed_create(cloud, fake)
        keypair = crashed_keypair(fake)
        before = state(fake)
        fake.reset_requests()
        result = cloud.cleanup_orphans(dry_run=True)
        assert result.dry_run is True
        assert [(o.id, o.outcome) for o in result.removed] == [(fip["id"], "would remove"),
                                                               (keypair["name"], "would remove")]
        assert state(fake) == before
        assert [r for r in fake.requests if r.method != "GET"] == []


def test_older_than_spares_young_orphans_a_create_in_progress_may_own():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        _, fip = killed_create(cloud, fake)
        for i in range(30):
            fake.add_keypair(f"user-key-{i}")  # the fake clock moves one second per record
        keypair = crashed_keypair(fake)
        born_ip, born_key = stamp(fip["created_at"]), stamp(keypair["created_at"])
        assert (born_key - born_ip).total_seconds() >= 30
        now = born_key + datetime.timedelta(seconds=10)
        before = state(fake)
        # the floating IP is over 30 s old, the keypair 10 s: a create in progress may own it
        result = cloud.cleanup_orphans(older_than=datetime.timedelta(seconds=25), now=now)
        assert [o.id for o in result.removed] == [fip["id"]]
        assert [(o.id, o.age) for o in result.skipped] == [(keypair["name"], 10.0)]
        assert "younger than older_than=25 s" in result.skipped[0].skipped_because
        assert keypair["name"] in {k["name"] for k in fake.keypairs}
        assert fip["id"] not in {f["id"] for f in fake.floating_ips}
        # an hour later it is old enough: its age comes from one GET of the keypair
        fake.reset_requests()
        later = cloud.cleanup_orphans(older_than=3600, now=born_key + datetime.timedelta(hours=2))
        assert [(o.id, o.age) for o in later.removed] == [(keypair["name"], 7200.0)]
        assert len(fake.calls("GET", "/compute/v2.1/os-keypairs/")) == 1
        before["fips"].pop(fip["id"])
        before["keypairs"].pop(keypair["name"])
        assert state(fake) == before


def test_older_than_skips_an_orphan_whose_age_cannot_be_read():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        keypair = crashed_keypair(fake)
        fake.inject("GET", r"^/compute/v2\.1/os-keypairs/normalizer-", status=404, json={"itemNotFound": {
            "code": 404, "message": "Keypair not found"}})
        result = cloud.cleanup_orphans(older_than=60)
        assert result.removed == [] and [o.id for o in result.skipped] == [keypair["name"]]
        assert "no creation time" in result.skipped[0].skipped_because
        assert keypair["name"] in {k["name"] for k in fake.keypairs}


def test_a_removal_that_fails_is_reported_and_the_rest_are_still_removed():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        _, first = killed_create(cloud, fake, "web7")
        _, second = killed_create(cloud, fake, "web8")
        keypair = crashed_keypair(fake, "web9")
        fake.inject("DELETE", rf"^/network/v2\.0/floatingips/{first['id']}$", status=500,
                    json={"NeutronError": {"type": "HTTPInternalServerError", "message": "boom", "detail": ""}})
        result = cloud.cleanup_orphans()
        assert [o.id for o in result.not_removed] == [first["id"]]
        assert "500" in result.not_removed[0].error
        assert sorted(o.id for o in result.removed) == sorted([second["id"], keypair["name"]])
        remaining = [o.id for o in cloud.list_orphans()]
        assert remaining == [first["id"]]  # still an orphan: the next cleanup gets it
        assert [o.id for o in cloud.cleanup_orphans().removed] == [first["id"]]


def test_list_orphans_costs_four_requests_however_many_resources():
    with FakeCloud("fip", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        killed_create(cloud, fake)
        cloud.list_orphans()  # authenticate and discover first
        fake.reset_requests()
        assert len(cloud.list_orphans()) == 1
        few = [(r.method, r.path) for r in fake.requests]
        for i in range(12):
            fake.add_floating_ip("ext-net", description=owner_marks(f"{i:032x}")[0])
            crashed_keypair(fake, f"lost{i}")
            fake.add_floating_ip("ext-net")
        fake.reset_requests()
        assert len(cloud.list_orphans()) == 25
        many = [(r.method, r.path) for r in fake.requests]
        assert few == many == [("GET", "/network/v2.0/floatingips"), ("GET", "/compute/v2.1/os-keypairs"),
                               ("GET", "/network/v2.0/security-groups"), ("GET", "/compute/v2.1/servers/detail")]


def test_on_nova_network_floating_ips_carry_no_mark_and_are_never_orphans():
    with FakeCloud("nova-network-nat", build_polls=0) as fake:
        cloud = connect(fake, FakeTime())
        server = cloud.create_server("web7", IMAGE, FLAVOR, public_key=KEY)
        cloud._compute.delete_server(server.id)  # its Nova floating IP stays allocated, unassociated
        keypair = crashed_keypair(fake)
        before = state(fake)
        fake.reset_requests()
        assert [(o.kind, o.id) for o in cloud.list_orphans()] == [("keypair", keypair["name"])]
        assert fake.calls(path="/compute/v2.1/os-floating-ips") == []
        result = cloud.cleanup_orphans()
        assert [o.id for o in result.removed] == [keypair["name"]]
        before["keypairs"].pop(keypair["name"])
        assert state(fake) == before


def test_wait_for_ssh_waits_for_the_banner_of_a_loopback_ssh_server():
    # The server's address is in a documentation range: the check is pointed at 127.0.0.1 only.
    with FakeCloud("fip", build_polls=0) as fake, listener() as silent, \
            listener(b"SSH-2.0-OpenSSH_9.6\r\n") as ssh:
        asked = []
        answers = iter([silent, silent, ssh])

        def banner_check(host, port):
            asked.append((host, port))
            return ssh_banner_answers(LOOPBACK, next(answers, silent), timeout=0.3)

        cloud = connect(fake, FakeTime(), port_check=banner_check)
        server = cloud.create_server("web7", IMAGE, FLAVOR, wait_for_ssh=True)
        assert asked == [(server.interface_ip, 22)] * 3
        before = state(fake)  # from here on only the silent listener answers
        with pytest.raises(normalizer.WaitTimeout) as info:
            cloud.create_server("web8", IMAGE, FLAVOR, wait_for_ssh=True, timeout=20)
        assert info.value.step == "ssh" and state(fake) == before


def test_bad_arguments_are_config_errors():
    with FakeCloud("fip") as fake:
        cloud = connect(fake, FakeTime())
        with pytest.raises(normalizer.ConfigError, match="older_than"):
            cloud.cleanup_orphans(older_than="1h")
        with pytest.raises(normalizer.ConfigError, match="now"):
            cloud.list_orphans(now="today")
