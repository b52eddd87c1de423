"""The benchmark's fake clouds: FakeCloud states built with its public builders, no side effects.

Shared by the in-process harness (requests-mock) and by ``serve.py`` (real HTTP in a
separate process), so both measure the same states.

>>> len(fip_cloud(4).servers)   # doctest: +SKIP
4
"""
from __future__ import annotations

from normalizer.testing import FakeCloud

IMAGE = "cirros-0.6.2-x86_64-disk"  # the one image of the "empty" layout


def fip_cloud(n: int) -> FakeCloud:
    """The ``fip`` layout's topology with subnets wide enough for 20,000 servers.

    The layout's own /24s hold 253 addresses, so its networks (tenant ``private``
    behind ``router1`` to the external ``ext-net``) are rebuilt on ``empty`` with wider
    CIDRs: the external one is the benchmarking range 198.18.0.0/15 (RFC 2544), which
    holds the 10,000 floating IPs of 20,000 servers. Even-numbered servers get a
    floating IP: half of them.
    """
    fake = FakeCloud("empty")
    fake.add_network("private", cidr="10.0.0.0/16")
    fake.add_network("ext-net", external=True, project_owned=False, cidr="198.18.0.0/15")
    fake.add_router("router1", external_network="ext-net", interfaces=["private"])
    for i in range(n):
        fake.add_server(f"srv-{i:05d}", image=IMAGE, networks=["private"], floating_ip=i % 2 == 0)
    return fake


def direct_cloud(n: int) -> FakeCloud:
    """The ``direct`` layout's shared provider network (no router:external), widened."""
    fake = FakeCloud("empty")
    fake.add_network("public", shared=True, project_owned=False, cidr="38.108.64.0/19",
                     ipv6_cidr="2604:e100:1::/64")
    for i in range(n):
        fake.add_server(f"srv-{i:05d}", image=IMAGE, networks=["public"])
    return fake


def flavor_cloud() -> FakeCloud:
    """200 flavors, 50 with harmless extra_specs; the answer for >= 2048 MiB is m1.small.

    The 199 generated RAM sizes skip 2048, so the layout's m1.small (1 vCPU, 2048 MiB)
    is both the least-RAM fit (openstacksdk's rule) and the smallest (vCPUs, RAM, disk)
    fit (normalizer's rule).
    """
    fake = FakeCloud("empty")
    rams = (512, 1024, 1536, 3072, 4096, 6144, 8192, 16384)
    for i in range(199):
        specs = {"hw:mem_page_size": "large", "quota:cpu_shares": str(1024 + i)} if i % 4 == 0 else None
        fake.add_flavor(f"b{i:03d}.std", 1 + i % 8, rams[i % len(rams)], 10 + i % 5 * 10, extra_specs=specs)
    return fake
