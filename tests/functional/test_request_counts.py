"""Request counts of every layout, as a user meets them: a new connection, an empty cache, authentication included.

benchmarks/README.md reports the same counts next to openstacksdk's; these pin them, so a
change that adds a request to any layout fails here and is a decision, not an accident.
"""

import json

import pytest

import normalizer
from normalizer.testing import FakeCloud

from tests.functional.conftest import KEY

#: layout, create (with its public address where the layout offers one), delete (wait=True), list
COUNTS = [
    ("direct", 13, 7, 8),
    ("fip", 17, 8, 8),
    ("split-stack", 15, 8, 8),  # clouds.yaml names the pool and the NAT destination: no router reads
    ("multi-external", 17, 8, 8),
    ("ipv6-only", 13, 7, 8),
    ("private-is-public", 13, 7, 8),
    ("neutron-without-l3", 12, 8, 8),
    ("nova-network", 10, 6, 6),
    ("nova-network-nat", 15, 8, 6),
    ("scs", 17, 9, 9),  # boots from a volume: the listing reads volumes for the server's image
    ("port-forward", 21, 12, 9),  # auto reads the quota and forwards a port; listings read the forwardings
]


@pytest.mark.parametrize("layout, create, delete, listing", COUNTS)
def test_create_delete_and_list_on_every_layout(layout, create, delete, listing):
    with FakeCloud(layout, build_polls=0) as fake:
        fake.reset_requests()
        server = normalizer.connect(**fake.connect_kwargs()).create_server("web9", "ubuntu-24.04", "t3.small",
                                                                          public_key=KEY)
        assert server.interface_ip and server.state == "running"
        assert len(fake.requests) == create
        fake.reset_requests()
        assert len(normalizer.connect(**fake.connect_kwargs()).list_servers()) == len(fake.servers)
        assert len(fake.requests) == listing
        fake.reset_requests()
        assert normalizer.connect(**fake.connect_kwargs()).delete_server(server.id, wait=True).deleted
        assert len(fake.requests) == delete


def test_a_repeated_listing_with_a_cache_makes_no_request_and_keeps_every_server():
    """The cache hands back its own list: a listing must read it, never consume it."""
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs(), cache={"class": "dogpile.cache.memory",
                                                                  "expiration_time": 60})
        first = json.dumps(cloud.list_servers(), sort_keys=True)
        fake.reset_requests()
        for _ in range(2):
            assert json.dumps(cloud.list_servers(), sort_keys=True) == first
        assert fake.requests == []
        assert len(json.loads(first)) == len(fake.servers) == 2


def test_a_second_cloud_object_sharing_a_cache_backend_reads_extensions_and_the_topology_no_more(tmp_path):
    """Extensions are read once per cloud, not per Cloud object, when the objects share a backend.

    A file backend stands in for memcached here (tests/shared_cache runs the real one).
    """
    cache = {"class": "dogpile.cache.dbm", "expiration_time": 600,
             "arguments": {"filename": str(tmp_path / "cache.dbm")}}
    with FakeCloud("fip", build_polls=0) as fake:
        fake.reset_requests()
        normalizer.connect(**fake.connect_kwargs(), cache=cache).create_server("web8", "ubuntu-24.04", "t3.small",
                                                                               public_key=KEY)
        assert len(fake.requests) == 17
        fake.reset_requests()
        server = normalizer.connect(**fake.connect_kwargs(), cache=cache).create_server(
            "web9", "ubuntu-24.04", "t3.small", public_key=KEY)
        paths = [r.path for r in fake.requests]
        assert len(paths) == 11 and server.public_v4
        for cached in ("/network/v2.0/extensions", "/image/v2/images", "/compute/v2.1/flavors/detail",
                       "/network/v2.0/networks", "/network/v2.0/subnets", "/network/v2.0/routers"):
            assert cached not in paths


def test_planning_against_an_existing_server_reads_each_listing_once():
    """The existing server is viewed with the images and topology the plan already read."""
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs())
        cloud.list_flavors()  # authentication and version discovery out of the way
        fake.reset_requests()
        plan = cloud.plan_server("web1", "ubuntu-24.04", "t3.small")
        calls = [(r.method, r.path) for r in fake.requests]
        assert len(calls) == len(set(calls)) == 8, calls
        assert plan.existing is not None
