"""The scale figures: each one measured against its reference in the same run, as a ratio.

- growth: client time per server, normalizer and the floor client, from 1,000 to 20,000
  servers (in process, requests-mock; FakeCloud's own time subtracted);
- memory: peak RSS growth of one listing of 5,000 servers, normalizer against
  openstacksdk, each in a fresh process, the cloud served by ``serve.py``;
- import and first connect: fresh interpreters;
- requests: a create and a delete on every FakeCloud layout (normalizer), a create with a
  floating IP by openstacksdk, and ``get_server(id)`` from the S8 rows;
- parallel: ten clouds of 100 servers behind a 20 ms round trip, listed by threads,
  against the slowest cloud listed alone.

>>> import targets; rows = targets.growth([1000], reps=1)   # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import harness
import normalizer
from harness import FLOOR, SDK, Bench, Normalizer
from normalizer.testing import FakeCloud

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bench@example"
#: (layout, image, flavor) for the create and delete counts; scs boots from a volume
LAYOUTS = ("direct", "fip", "split-stack", "multi-external", "ipv6-only", "private-is-public",
           "neutron-without-l3", "nova-network", "nova-network-nat", "scs", "port-forward")


@dataclass
class Target:
    """One figure of the issue, its reference and whether the goal holds."""

    figure: str
    ours: str
    reference: str
    ratio: float | None
    goal: str
    met: bool | None
    note: str = ""


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- growth: normalizer against the floor, per server --------------------------------------


@dataclass
class GrowthRow:
    n: int
    ours_us: float
    floor_us: float
    requests: int
    floor_requests: int
    valid: str

    @property
    def ratio(self) -> float:
        return self.ours_us / self.floor_us


def growth(sizes: list[int], reps: int = 3) -> list[GrowthRow]:
    """Client microseconds per server (op time minus FakeCloud's), median of ``reps``."""
    rows = []
    for n in sizes:
        fake = harness.fip_cloud(n)
        check = harness.server_check(harness.expected_public_v4(fake, False))
        floor_check = harness.count_check(n)
        ours, floor, valid = [], [], set()
        with Bench(fake) as bench:
            for rep in range(reps):
                for lib, checker, into in ((Normalizer(), check, ours), (FLOOR, floor_check, floor)):
                    conn, connect_ms = bench.connect(lib)
                    sample = bench.measure(lambda: lib.list_servers(conn), checker, connect_ms, fresh=False)
                    into.append(sample)
                    valid.add(sample.valid)
        rows.append(GrowthRow(n, _median([(s.op_ms - s.fake_ms) * 1000 / n for s in ours]),
                              _median([(s.op_ms - s.fake_ms) * 1000 / n for s in floor]),
                              ours[0].requests, floor[0].requests, " / ".join(sorted(valid))))
    return rows


def growth_table(rows: list[GrowthRow]) -> list[str]:
    lines = ["| servers | normalizer requests | normalizer us/server | floor requests | floor us/server | "
             "ratio to floor | valid |", "|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r.n:,} | {r.requests} | {r.ours_us:.0f} | {r.floor_requests} | {r.floor_us:.0f} "
                     f"| {r.ratio:.1f}x | {r.valid} |")
    return lines


# --- clouds served over HTTP by another process -------------------------------------------


class ServedClouds:
    """Clouds served by ``serve.py``, one process each (so no cloud waits for another's GIL).

    ``kwargs`` are the clouds' connect arguments, in order.
    """

    def __init__(self, clouds: int, servers: int, latency: float) -> None:
        self.processes = [subprocess.Popen(
            [sys.executable, os.path.join(HERE, "serve.py"), "--servers", str(servers), "--latency", str(latency)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(clouds)]
        self.kwargs: list[dict] = [json.loads(p.stdout.readline())[0] for p in self.processes]

    def __enter__(self) -> ServedClouds:
        return self

    def __exit__(self, *exc: Any) -> None:
        for process in self.processes:
            process.stdin.close()
        for process in self.processes:
            process.wait(timeout=60)


def _probe(*args: str) -> dict:
    out = subprocess.run([sys.executable, os.path.join(HERE, "probe.py"), *args], capture_output=True, text=True,
                         check=True, env=dict(os.environ)).stdout
    return json.loads(out.strip().splitlines()[-1])


def memory(n: int) -> dict[str, dict]:
    """Peak RSS growth of one listing of ``n`` servers per library, each in a fresh process."""
    with ServedClouds(1, n, 0.0) as served:
        return {lib: _probe("memory", lib, json.dumps(served.kwargs[0]))
                for lib in ("normalizer", "openstacksdk", "floor")}


# --- import and first connect ---------------------------------------------------------------


def imports(reps: int = 3) -> dict[str, tuple[float, int]]:
    """Best-of-``reps`` import time (ms) and modules loaded, fresh interpreter per run."""
    probe = "import sys, time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t, len(sys.modules))"
    best = {}
    for module, label in (("openstack", "openstacksdk"), ("normalizer", "normalizer")):
        runs = []
        for _ in range(reps):
            out = subprocess.run([sys.executable, "-c", probe.format(m=module)], capture_output=True, text=True,
                                 check=True, env=dict(os.environ)).stdout.split()
            runs.append((float(out[0]) * 1000, int(out[1])))
        best[label] = min(runs)
    return best


def first_connects(reps: int = 3) -> dict[str, float]:
    """Median first ``connect()`` (ms) in a fresh process, per library."""
    return {lib: _median([_probe("first-connect", lib)["connect_ms"] for _ in range(reps)])
            for lib in ("normalizer", "openstacksdk")}


# --- request counts ------------------------------------------------------------------------


def creates() -> list[tuple[str, int, int, str]]:
    """(layout, create requests, delete requests, interface_ip) with an empty cache and a fresh Cloud each."""
    rows = []
    for layout in LAYOUTS:
        fake = FakeCloud(layout, build_polls=0)
        with Bench(fake) as bench:
            cloud, _ = bench.connect(Normalizer())
            server = cloud.create_server("bench1", "ubuntu-24.04", "t3.small", public_key=KEY)
            created = len(fake.requests)
            cloud, _ = bench.connect(Normalizer())
            cloud.delete_server(server.id, wait=True)
            rows.append((layout, created, len(fake.requests), str(server.interface_ip)))
    return rows


def shared_cache_creates() -> tuple[int, int]:
    """Creates on fip by two Cloud objects sharing a cache backend (a dbm file standing in for memcached)."""
    with tempfile.TemporaryDirectory() as folder:
        cache = {"class": "dogpile.cache.dbm", "expiration_time": 600,
                 "arguments": {"filename": os.path.join(folder, "cache.dbm")}}
        fake = FakeCloud("fip", build_polls=0)
        counts = []
        with Bench(fake):
            for name in ("bench1", "bench2"):
                fake.reset_requests()
                normalizer.connect(**fake.connect_kwargs(), cache=cache).create_server(
                    name, "ubuntu-24.04", "t3.small", public_key=KEY)
                counts.append(len(fake.requests))
        return counts[0], counts[1]


def sdk_create() -> tuple[int | None, int | None, str]:
    """openstacksdk's ``create_server(auto_ip=True, wait=True)`` and ``delete_server(delete_ips=True)`` on fip."""
    fake = FakeCloud("fip", build_polls=0)
    with Bench(fake) as bench:
        conn, _ = bench.connect(SDK())
        try:
            server = conn.create_server("bench1", image="ubuntu-24.04", flavor="m1.small", network="private",
                                        auto_ip=True, wait=True)
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            return None, None, f"{type(error).__name__}: {error}"
        created = len(fake.requests)
        conn, _ = bench.connect(SDK())
        conn.delete_server(server.id, wait=True, delete_ips=True)
        return created, len(fake.requests), f"public_v4 {server.public_v4}"


# --- parallel clouds -----------------------------------------------------------------------


def _list_one(lib: Any, kwargs: dict) -> int:
    conn = lib.connect(harness.Served(kwargs))
    return len(lib.list_servers(conn))


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return (time.perf_counter() - start) * 1000, result


def parallel(clouds: int = 10, servers: int = 100, latency: float = 0.02, reps: int = 3,
             sdk_reps: int = 1) -> dict[str, dict]:
    """Slowest single cloud (each listed alone) against all listed at once by threads, per library."""
    found: dict[str, dict] = {}
    with ServedClouds(clouds, servers, latency) as served:
        for lib, runs in ((Normalizer(), reps), (SDK(), sdk_reps)):
            _list_one(lib, served.kwargs[0])  # first-call costs (lazy imports) are not measured
            singles, wholes, counts = [], [], set()
            for _ in range(runs):
                alone = [_timed(lambda kw=kw: _list_one(lib, kw)) for kw in served.kwargs]
                singles.append(max(ms for ms, _ in alone))
                counts.update(n for _, n in alone)
                with ThreadPoolExecutor(max_workers=clouds) as pool:
                    ms, listed = _timed(lambda: list(pool.map(lambda kw: _list_one(lib, kw), served.kwargs)))
                wholes.append(ms)
                counts.update(listed)
            found[lib.name] = {"slowest_ms": _median(singles), "all_ms": _median(wholes),
                               "valid": counts == {servers}}
    return found


# --- the table -----------------------------------------------------------------------------


def target(figure: str, ours: float, reference: float, goal: float, *, unit: str, note: str = "",
           ratio: float | None = None) -> Target:
    """A target whose ratio is ``ours / reference`` (or ``ratio``) and holds when it is at most ``goal``."""
    value = ratio if ratio is not None else (ours / reference if reference else None)
    shown = (lambda v: f"{v:,.0f} {unit}") if unit in ("KiB", "requests") else (lambda v: f"{v:,.1f} {unit}")
    return Target(figure, shown(ours), shown(reference), value, f"<= {goal:g}",
                  None if value is None else value <= goal, note)


def targets_table(rows: list[Target]) -> list[str]:
    lines = ["| figure | normalizer | reference | ratio | target | met | note |", "|---|---:|---:|---:|---|---|---|"]
    for t in rows:
        ratio = "-" if t.ratio is None else f"{t.ratio:.2f}"
        met = "-" if t.met is None else ("yes" if t.met else "**no**")
        lines.append(f"| {t.figure} | {t.ours} | {t.reference} | {ratio} | {t.goal} | {met} | {t.note} |")
    return lines


def creates_table(rows: list[tuple[str, int, int, str]], sdk: tuple[int | None, int | None, str]) -> list[str]:
    lines = ["| layout | create requests | delete requests | interface_ip |", "|---|---:|---:|---|"]
    lines += [f"| {layout} | {created} | {deleted} | {ip} |" for layout, created, deleted, ip in rows]
    created, deleted, note = sdk
    lines.append(f"| fip, openstacksdk `create_server(auto_ip=True, wait=True)` | {created if created else '-'} "
                 f"| {deleted if deleted else '-'} | {note} |")
    return lines
