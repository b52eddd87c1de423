"""Twenty create_server / delete_server calls at once on one FakeCloud: nothing shared, lost or leaked.

The threads share one :class:`~normalizer.cloud.Cloud` (and, in a variant, get one each).
After the creates: twenty servers, twenty distinct floating IPs, each attached to its own
server and marked for it. After the deletes: all of them gone, everything that existed
before untouched. With ``reuse_ips=True`` the unattached floating IPs are each claimed by
exactly one server, never two, and survive the deletes (the caller did not create them).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

from normalizer.provision.public_ip import owner_marks
from normalizer.testing import FakeCloud

from tests.functional.conftest import FLAVOR, IMAGE, KEY, FakeTime, assert_untouched, connect, new_resources, snapshot

THREADS = 20


def run_all(work: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    """Run ``work(i)`` for every i in its own thread, all released at once; their results, in order.

    >>> run_all(lambda i: i * i, 3)
    [0, 1, 4]
    """
    start, results, errors = threading.Barrier(count), [None] * count, []

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except BaseException as error:  # the test reports it, with the thread that raised it
            errors.append((i, error))
    threads = [threading.Thread(target=run, args=(i,), name=f"worker-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"
    assert not errors, f"{len(errors)} worker(s) failed, first: {errors[0][0]}: {errors[0][1]!r}"
    return results


#: ``cache=`` for connect: a shared in-memory cache, so concurrent writes invalidate what others read
MEMORY_CACHE = {"class": "dogpile.cache.memory", "expiration_time": 600}


def clouds_for(fake: FakeCloud, mode: str) -> Callable[[int], Any]:
    """One Cloud for every thread (``shared``, ``shared-cached``) or one per thread, each with its own cache.

    One fake clock for all of them.
    """
    time = FakeTime()
    options = {"cache": MEMORY_CACHE} if mode.endswith("cached") else {}
    if mode.startswith("shared"):
        cloud = connect(fake, time, **options)
        return lambda i: cloud
    clouds = [connect(fake, time, **options) for _ in range(THREADS)]
    return clouds.__getitem__


def attached_fips(fake: FakeCloud, server_id: str) -> list[dict]:
    """The floating IPs attached to the ports of ``server_id``."""
    ports = {p["id"] for p in fake.ports if p["device_id"] == server_id}
    return [f for f in fake.floating_ips if f["port_id"] in ports]


@pytest.mark.parametrize("mode", ["shared", "shared-cached", "per-thread-cached"])
def test_twenty_creates_then_twenty_deletes(mode: str) -> None:
    with FakeCloud("fip") as fake:
        cloud_of = clouds_for(fake, mode)
        cloud_of(0).list_flavors()  # authenticate once before the race (per-thread clouds do their own)
        before = snapshot(fake)
        servers = run_all(lambda i: cloud_of(i).create_server(f"c{i}", IMAGE, FLAVOR, auto_ip=True, public_key=KEY))

        assert sorted(s.name for s in servers) == sorted(f"c{i}" for i in range(THREADS))
        assert len({s.id for s in servers}) == THREADS and all(s.status == "ACTIVE" for s in servers)
        ours: list[str] = []
        for server in servers:
            fips = attached_fips(fake, server.id)
            assert len(fips) == 1, f"{server.name} has {len(fips)} floating IPs"
            description, tag = owner_marks(server.id)
            assert fips[0]["description"] == description and fips[0]["tags"] == [tag]
            assert server.public_v4 == server.interface_ip == fips[0]["floating_ip_address"]
            ours.append(fips[0]["id"])
        assert len(set(ours)) == THREADS
        assert len({s.public_v4 for s in servers}) == THREADS
        after = snapshot(fake)
        assert new_resources(before, after) == {f"server {s.id}" for s in servers} | {f"floating IP {f}" for f in ours}
        assert_untouched(before, after)

        deleted = [r.deleted for r in run_all(lambda i: cloud_of(i).delete_server(f"c{i}"))]
        assert deleted == [True] * THREADS
        final = snapshot(fake)
        assert new_resources(before, final) == set()
        assert_untouched(before, final)
        assert fake.unexpected == []


def test_twenty_creates_reusing_eight_free_floating_ips() -> None:
    free_count = 8
    with FakeCloud("fip") as fake:
        free = {fake.add_floating_ip("ext-net")["id"] for _ in range(free_count)}
        cloud = connect(fake)
        cloud.list_flavors()
        before = snapshot(fake)
        servers = run_all(lambda i: cloud.create_server(f"c{i}", IMAGE, FLAVOR, auto_ip=True, public_key=KEY,
                                                        reuse_ips=True))

        by_server = {s.id: attached_fips(fake, s.id) for s in servers}
        assert all(len(fips) == 1 for fips in by_server.values()), "a server without exactly one floating IP"
        used = [fips[0]["id"] for fips in by_server.values()]
        assert len(set(used)) == THREADS, "a floating IP is attached to two servers"
        claimed = set(used) & free
        claims = [r for r in fake.calls("PUT", "/network/v2.0/floatingips/") if not r.path.endswith("/tags")]
        assert claims and all("If-Match" in r.headers for r in claims), "a claim was not conditional"
        # More callers than free addresses: every free one is claimed, by exactly one server.
        assert claimed == free
        for server in servers:
            fip = by_server[server.id][0]
            if fip["id"] in free:
                assert fip["description"] == "" and not fip["tags"], "a claimed floating IP was re-marked"
            else:
                assert fip["description"] == owner_marks(server.id)[0]
            assert server.public_v4 == fip["floating_ip_address"]

        assert [r.deleted for r in run_all(lambda i: cloud.delete_server(f"c{i}"))] == [True] * THREADS
        after = {f["id"]: f for f in fake.floating_ips}
        assert free <= set(after), "delete_server released a floating IP the caller did not create"
        assert all(after[f]["port_id"] is None for f in free)
        assert set(after) == set(before["floating IP"])
        assert not {s["id"] for s in fake.servers} & set(by_server)
        assert {k["name"] for k in fake.keypairs} == set(before["keypair"])


@pytest.mark.parametrize("layout", ["direct", "fip"])
def test_concurrent_creates_with_the_same_name_and_key_do_not_break_each_other(layout: str) -> None:
    # They once shared one temporary keypair: the first to finish deleted it while the
    # others were still booting with it. Now each call imports and removes its own.
    with FakeCloud(layout, build_polls=2) as fake:
        time = FakeTime()
        cloud = connect(fake, time)
        cloud.list_flavors()
        before = snapshot(fake)
        servers = []
        for _ in range(120 // THREADS):
            servers += run_all(lambda i: cloud.create_server("same", IMAGE, FLAVOR, public_key=KEY))
        assert len({s.id for s in servers}) == 120 and all(s.status == "ACTIVE" for s in servers)
        assert {k["name"] for k in fake.keypairs} == set(before["keypair"])  # every temporary key removed
        key_names = [call.json["server"]["key_name"] for call in fake.calls("POST", "/compute/v2.1/servers")]
        assert len(set(key_names)) == 120
        assert fake.unexpected == []
