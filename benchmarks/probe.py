#!/usr/bin/env python3
"""One measurement in a fresh process, printed as one JSON line (run by targets.py).

``first-connect LIB``: import the library alone (untimed), then time its first
``connect()`` with keyword arguments (neither library does I/O there), so parsing
profiles or configuration on first use is counted.

``memory LIB KWARGS_JSON``: list every server of a cloud served over HTTP (serve.py) and
report how far this process's peak resident memory (VmHWM, reset just before) rose above
its resident memory before the listing. The cloud
runs in another process, so only the client's memory is counted.

LIB is ``normalizer``, ``openstacksdk`` or ``floor``.
"""
from __future__ import annotations

import gc
import json
import os
import sys
import time

_KWARGS = {"auth_url": "http://127.0.0.1:9/identity", "username": "demo", "password": "fake-password",
           "project_name": "demo", "user_domain_name": "Default", "project_domain_name": "Default",
           "region_name": "RegionOne"}


def first_connect(lib: str) -> dict:
    """The first connect() of a fresh process; nothing is contacted (both connect lazily)."""
    if lib == "normalizer":
        import normalizer  # noqa: PLC0415
        start = time.perf_counter()
        normalizer.connect(**_KWARGS)
    else:
        import openstack  # noqa: PLC0415
        start = time.perf_counter()
        openstack.connect(**_KWARGS)
    return {"connect_ms": (time.perf_counter() - start) * 1000, "modules": len(sys.modules)}


def memory(lib: str, kwargs: dict) -> dict:
    """Peak RSS growth of one listing; the libraries are imported and connected before the baseline."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness  # noqa: PLC0415  (isolates the process; only 127.0.0.1 can be reached)

    chosen = {"normalizer": harness.Normalizer(), "openstacksdk": harness.SDK(), "floor": harness.FLOOR}[lib]
    conn = chosen.connect(harness.Served(kwargs))
    gc.collect()
    _reset_peak()
    before = _status_kib("VmRSS")
    start = time.perf_counter()
    servers = chosen.list_servers(conn)
    seconds = time.perf_counter() - start
    return {"peak_growth_kib": _status_kib("VmHWM") - before, "servers": len(servers), "seconds": seconds}


def _reset_peak() -> None:
    # Linux (since 4.0): writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")


def _status_kib(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return float(line.split()[1])


def main(argv: list[str]) -> int:
    mode, lib = argv[0], argv[1]
    result = first_connect(lib) if mode == "first-connect" else memory(lib, json.loads(argv[2]))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
