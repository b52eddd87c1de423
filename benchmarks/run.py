#!/usr/bin/env python3
"""normalizer measured against openstacksdk in one run, on one fake cloud.

Both libraries talk to the same ``normalizer.testing.FakeCloud`` state through
requests-mock (sockets to anything but 127.0.0.1 are refused), with ``time.sleep``
stubbed; the scale figures (``targets.py``) also serve FakeClouds over HTTP on 127.0.0.1
from separate processes. Per scenario it records the exact HTTP request count (from
``fake.requests``), the wall time of the operation (connect excluded; lazy auth and
discovery included), the part of it spent inside FakeCloud, and the tracemalloc peak of
one extra, untimed run.

Usage: ``benchmarks/run.sh [--quick | --full | options]`` (creates benchmarks/.venv),
or inside that venv ``python benchmarks/run.py ...``; ``--help`` lists the options.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
CALLER_CWD = os.getcwd()  # importing harness moves the process into a temporary HOME

import harness  # noqa: E402  (isolates the process before the libraries are imported)
from harness import FLOOR, LIBRARIES, SDK, Bench, Normalizer, dist_version  # noqa: E402
from report import Results, connect_costs, mix_lines, ratio_table, results_table  # noqa: E402
import targets  # noqa: E402


# --- scenarios --------------------------------------------------------------------------


def _order(rep: int) -> tuple:
    # alternate which library goes first, so slow drift on a shared machine hits both
    return LIBRARIES if rep % 2 == 0 else LIBRARIES[::-1]


def _list_pass(results: Results, bench: Bench, lib: Any, n: int, check: Any, *, group: str, second: bool,
               traced: bool) -> None:
    """Connect, list (S2/S2d), and with ``second`` list again (S6), plus normalizer with a cache."""
    conn, connect_ms = bench.connect(lib)
    sample = bench.measure(lambda: lib.list_servers(conn), check, connect_ms, traced, fresh=False)
    results.add(group, n, f"{group} N={n}", lib.label(), sample, traced)
    if not second:
        return
    sample = bench.measure(lambda: lib.list_servers(conn), check, 0.0, traced)
    results.add("S6", n, f"S6 N={n}", lib.label(), sample, traced)
    if isinstance(lib, Normalizer):
        cached, connect_ms = bench.connect(lib, cache=True)
        lib.list_servers(cached)
        sample = bench.measure(lambda: lib.list_servers(cached), check, connect_ms, traced)
        results.add("S6", n, f"S6 N={n}", lib.label(cache=True), sample, traced)


def bench_lists(results: Results, args: argparse.Namespace, fake: Any, n: int, *, direct: bool) -> None:
    """S2 or S2d at size ``n``; S6 rides on the same connections (fip layout, n <= --second-max).

    openstacksdk at n >= 1000 takes 10-25 s per listing here (4x that under tracemalloc),
    so it gets ``--slow-reps`` timed runs and, unless ``--trace-all``, a traced run for
    S2 only and only up to ``--trace-max``. The fip layout also gets a floor row.
    """
    group, second = ("S2d", False) if direct else ("S2", n <= args.second_max)
    check = harness.server_check(harness.expected_public_v4(fake, direct))

    def slow(lib: Any) -> bool:
        return isinstance(lib, SDK) and n >= 1000

    def reps(lib: Any) -> int:
        return args.large_reps if n >= 5000 else (args.slow_reps if slow(lib) else args.reps)

    libraries = [lib for lib in LIBRARIES if not isinstance(lib, SDK) or n <= args.sdk_max]
    with Bench(fake) as bench:
        for rep in range(max(reps(lib) for lib in libraries)):
            for lib in (lib for lib in _order(rep) if lib in libraries and rep < reps(lib)):
                _list_pass(results, bench, lib, n, check, group=group, second=second, traced=False)
        for lib in libraries:
            if args.trace_all or not slow(lib) or (not direct and n <= args.trace_max):
                _list_pass(results, bench, lib, n, check, group=group,
                           second=second and (args.trace_all or not slow(lib)), traced=True)
        if not direct:
            floor_check = harness.count_check(len(fake.servers))
            for rep in range(reps(FLOOR) + 1):
                conn, connect_ms = bench.connect(FLOOR)
                sample = bench.measure(lambda: FLOOR.list_servers(conn), floor_check, connect_ms, rep == reps(FLOOR),
                                       fresh=False)
                results.add(group, n, f"{group} N={n}", FLOOR.label(), sample, rep == reps(FLOOR))


def bench_flavors(results: Results, reps: int) -> None:
    """S7: the smallest flavor with >= 2048 MiB among 200, 50 of them with extra_specs."""
    fake = harness.flavor_cloud()
    check = harness.flavor_check(harness.expected_flavor(fake))
    with Bench(fake) as bench:
        for rep in range(reps + 1):
            for lib in _order(rep):
                conn, connect_ms = bench.connect(lib)
                sample = bench.measure(lambda: lib.pick_flavor(conn), check, connect_ms, rep == reps, fresh=False)
                results.add("S7", 0, "S7 200 flavors, >= 2048 MiB", lib.label(), sample, rep == reps)


def bench_get_server(results: Results, fake: Any, reps: int) -> None:
    """S8: one server (without a floating IP) by name, then by id, each on a new connection."""
    target = next(s for s in fake.servers if s["name"] == "srv-00001")
    check = harness.one_server_check(target["id"], harness.expected_public_v4(fake, False)[target["id"]])
    n = len(fake.servers)
    with Bench(fake) as bench:
        for rep in range(reps + 1):
            for lib in _order(rep):
                for how, key in (("name", target["name"]), ("id", target["id"])):
                    conn, connect_ms = bench.connect(lib)
                    sample = bench.measure(lambda: lib.get_server(conn, key), check, connect_ms, rep == reps,
                                           fresh=False)
                    results.add("S8", int(how == "id"), f"S8 by {how} ({n} servers)", lib.label(), sample,
                                rep == reps)


def warm_up() -> None:
    """One untimed pass of every operation, so first-call costs (lazy imports) are not measured."""
    fake = harness.fip_cloud(4)
    with Bench(fake) as bench:
        for lib in LIBRARIES:
            conn, _ = bench.connect(lib)
            lib.list_servers(conn)
            lib.get_server(conn, "srv-00001")
            lib.pick_flavor(conn)
            lib.list_servers(bench.connect(lib, cache=True)[0])


# --- the scale targets (targets.py) -----------------------------------------------------


def _requests_of(results: Results, prefix: str, library: str) -> int | None:
    row = next((r for r in results.ordered() if r.scenario.startswith(prefix) and r.library.startswith(library)
                and "cache" not in r.library), None)
    return max(s.requests for s in row.every) if row and row.every else None


def _listing_targets(args: argparse.Namespace, started: float) -> tuple[list[targets.Target], list]:
    """Per-server time against the floor, flatness, and memory; plus the growth rows."""
    rows: list[targets.Target] = []
    growth = targets.growth(args.scale_sizes, reps=args.large_reps)
    _progress("growth done", started)
    rows += [targets.target(f"client time per server, {g.n:,} servers, vs floor client", g.ours_us, g.floor_us, 3,
                            unit="us") for g in growth if g.n >= 5000]
    large = [g for g in growth if g.n >= 1000]
    if len(large) > 1:
        sizes = ", ".join(f"{g.n:,}" for g in large)
        per_server = [g.ours_us for g in large]
        rows.append(targets.target(f"flat: per-server time, largest / smallest ({sizes})", max(per_server),
                                   min(per_server), 1.25, unit="us"))
    memory = targets.memory(args.memory_n)
    _progress("memory done", started)
    ours, sdk = memory["normalizer"]["peak_growth_kib"], memory["openstacksdk"]["peak_growth_kib"]
    if ours and sdk:
        rows.append(targets.target(f"memory: peak RSS growth listing {args.memory_n:,} servers", ours, sdk, 0.4,
                                   unit="KiB", note=f"floor client {memory['floor']['peak_growth_kib'] or 0:,.0f} KiB"))
    return rows, growth


def _start_targets(started: float) -> list[targets.Target]:
    """Import and first connect, each in fresh interpreters."""
    imported, connects = targets.imports(), targets.first_connects()
    _progress("import and connect done", started)
    ours, sdk = imported["normalizer"], imported["openstacksdk"]
    return [targets.target("`import` in a fresh interpreter (best of 3)", ours[0], sdk[0], 0.3, unit="ms",
                           note=f"modules {ours[1]} vs {sdk[1]}"),
            targets.target("first `connect()` in a fresh process (median of 3)", connects["normalizer"],
                           connects["openstacksdk"], 1.0, unit="ms"),
            targets.target("import + first `connect()`", ours[0] + connects["normalizer"],
                           sdk[0] + connects["openstacksdk"], 1.0, unit="ms")]


def _request_targets(results: Results) -> tuple[list[targets.Target], list, tuple]:
    """Requests of a create (per layout, with a shared cache, openstacksdk's) and of get_server(id)."""
    creates, sdk_create = targets.creates(), targets.sdk_create()
    by_layout = {layout: created for layout, created, _, _ in creates}
    rows = [targets.target(f"create with a floating IP, empty cache, new Cloud ({layout}: {why})", by_layout[layout],
                           15, 1.0, unit="requests", note=f"openstacksdk {sdk_create[0] or '-'} on fip")
            for layout, why in (("fip", "no networks named"), ("split-stack", "clouds.yaml names the networks"))]
    first, second = targets.shared_cache_creates()
    rows.append(targets.target("create with a floating IP, a second Cloud object sharing a cache backend (fip)",
                               second, 15, 1.0, unit="requests", note=f"the first object: {first}"))
    ours_get = _requests_of(results, "S8 by id", "normalizer")
    sdk_get = _requests_of(results, "S8 by id", "openstacksdk")
    if ours_get and sdk_get:
        rows.append(targets.target("`get_server(id)` requests, new connection", ours_get, sdk_get, 1.0,
                                   unit="requests"))
    return rows, creates, sdk_create


def _parallel_targets(args: argparse.Namespace, started: float) -> list[targets.Target]:
    """All clouds at once against the slowest alone, per library."""
    together = targets.parallel(args.clouds, args.cloud_servers, args.latency, reps=args.large_reps)
    _progress("parallel clouds done", started)
    return [targets.target(f"{args.clouds} clouds x {args.cloud_servers} servers, {args.latency * 1000:.0f} ms round "
                           f"trip, threads: all at once vs slowest alone ({lib})", found["all_ms"],
                           found["slowest_ms"], 1.5, unit="ms",
                           note="" if found["valid"] else "INVALID: a listing missed servers")
            for lib, found in together.items()]


def scale(args: argparse.Namespace, results: Results, started: float) -> tuple[list[targets.Target], list[str]]:
    """Every scale figure as a target row, plus the tables behind them."""
    listing, growth = _listing_targets(args, started)
    starting = _start_targets(started)
    requests, creates, sdk_create = _request_targets(results)
    tables = ["S2 cost growth (fip layout, half the servers with a floating IP; FakeCloud's time subtracted):", "",
              *targets.growth_table(growth), "", "Requests of a create and a delete on every layout (new Cloud, "
              "empty cache, authentication included; the server gets a public address where the layout offers one):",
              "", *targets.creates_table(creates, sdk_create)]
    return listing + starting + requests + _parallel_targets(args, started), tables


# --- main -------------------------------------------------------------------------------


def _progress(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000", help="server counts for S2/S2d/S6 (default 100,1000)")
    parser.add_argument("--reps", type=int, default=5, help="timed runs per row (default 5)")
    parser.add_argument("--slow-reps", type=int, default=3,
                        help="timed runs for openstacksdk listings at N>=1000 (default 3; --full: 5)")
    parser.add_argument("--large-reps", type=int, default=3, help="timed runs at N>=5000 (default 3)")
    parser.add_argument("--sdk-max", type=int, default=1000, help="largest N run with openstacksdk (default 1000)")
    parser.add_argument("--second-max", type=int, default=1000, help="largest N for S6 (default 1000)")
    parser.add_argument("--trace-max", type=int, default=1000,
                        help="largest N at which openstacksdk's S2 is traced for memory (default 1000)")
    parser.add_argument("--trace-all", action="store_true",
                        help="also trace openstacksdk's S6 and S2d at N>=1000 (about 4x slower under tracemalloc)")
    parser.add_argument("--full", action="store_true",
                        help="the whole protocol: 5 runs (3 at N=5000), every row traced, N=5000 too (about 45 min)")
    parser.add_argument("--quick", action="store_true", help="smoke test: N=100, 1 timed run (~40 s)")
    parser.add_argument("--json", help="also write every sample to this file")
    parser.add_argument("--scale-sizes", default="1000,5000,20000",
                        help="server counts of the per-server growth against the floor (default 1000,5000,20000)")
    parser.add_argument("--memory-n", type=int, default=5000,
                        help="servers listed for the memory figure (default 5000)")
    parser.add_argument("--clouds", type=int, default=10, help="clouds listed at once (default 10)")
    parser.add_argument("--cloud-servers", type=int, default=100, help="servers per parallel cloud (default 100)")
    parser.add_argument("--latency", type=float, default=0.02,
                        help="round trip of the parallel clouds (default 0.02 s)")
    parser.add_argument("--no-scale", action="store_true", help="leave out the scale targets (targets.py)")
    args = parser.parse_args(argv)
    args.sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    args.scale_sizes = [int(n) for n in args.scale_sizes.split(",") if n.strip()]
    if args.full:
        args.sizes, args.slow_reps, args.sdk_max, args.trace_all = [100, 1000, 5000], args.reps, 5000, True
        args.trace_max = 5000
    if args.quick:
        args.sizes, args.reps, args.slow_reps, args.large_reps = [100], 1, 1, 1
        args.scale_sizes, args.memory_n, args.cloud_servers = [1000, 2000], 1000, 20
    return args


def run(args: argparse.Namespace) -> Results:
    started = time.perf_counter()
    results = Results()
    warm_up()
    _progress("warmed up", started)
    for n in args.sizes:
        fake = harness.fip_cloud(n)
        bench_lists(results, args, fake, n, direct=False)
        _progress(f"S2{'/S6' if n <= args.second_max else ''} N={n} done", started)
        if n == min(args.sizes):
            bench_get_server(results, fake, args.reps)
            _progress(f"S8 ({n} servers) done", started)
        bench_lists(results, args, harness.direct_cloud(n), n, direct=True)
        _progress(f"S2d N={n} done", started)
    bench_flavors(results, args.reps)
    _progress("S7 done", started)
    return results


def header(args: argparse.Namespace, seconds: float) -> list[str]:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    versions = ", ".join(f"{name} {dist_version(name)}" for name in
                         ("openstacksdk", "openstack-normalizer", "keystoneauth1", "requests", "requests-mock"))
    return [f"Measured {now}; CPython {platform.python_version()}, {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} cores; {versions}.",
            f"Timed runs per row: {args.reps} ({args.slow_reps} for openstacksdk listings at N>=1000, "
            f"{args.large_reps} at N>=5000), medians shown; +1 traced run for the memory peak. "
            f"Sizes {','.join(map(str, args.sizes))} (openstacksdk up to {args.sdk_max}). Whole run {seconds:.0f} s."]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results = run(args)
    goals, tables = scale(args, results, started) if not args.no_scale else ([], [])
    seconds = time.perf_counter() - started
    print("\n".join([*header(args, seconds), "", *(targets.targets_table(goals) + [""] if goals else []),
                     *(tables + [""] if tables else []), *results_table(results), "",
                     "openstacksdk relative to normalizer without cache:", "", *ratio_table(results), "",
                     *connect_costs(results), "", "Requests made (first timed run):", "", *mix_lines(results)]))
    if args.json:
        rows = [{"scenario": r.scenario, "library": r.library, "samples": [vars(s) for s in r.samples],
                 "traced": vars(r.traced) if r.traced else None} for r in results.ordered()]
        with open(os.path.join(CALLER_CWD, args.json), "w", encoding="utf-8") as handle:
            json.dump({"header": header(args, seconds), "rows": rows}, handle, indent=1)
    invalid = [r for r in results.ordered() if not all(s.valid.startswith("yes") for s in r.every)]
    invalid += [g for g in goals if "INVALID" in g.note]
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
