#!/usr/bin/env python3
"""One measurement in a fresh process, printed as one JSON line (run by targets.py).

``first-connect LIB``: import the library alone (untimed), then time its first
``connect()`` with keyword arguments (neither library does I/O there), so parsing
profiles or configuration on first use is counted.

``memory LIB KWARGS_JSON``: list every server of a cloud served over HTTP (serve.py) and
report the growth of this process's peak resident memory during the listing. The cloud
runs in another process, so only the client's memory is counted.

LIB is ``normalizer``, ``openstacksdk`` or ``floor``.
"""
from __future__ import annotations

import gc
import json
import os
import resource
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


def _rss_kib() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024


def memory(lib: str, kwargs: dict) -> dict:
    """Peak RSS growth of one listing; the libraries are imported and connected before the baseline."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness  # noqa: PLC0415  (isolates the process; only 127.0.0.1 can be reached)

    chosen = {"normalizer": harness.Normalizer(), "openstacksdk": harness.SDK(), "floor": harness.FLOOR}[lib]
    conn = chosen.connect(_Served(kwargs))
    gc.collect()
    before_rss, before_peak = _rss_kib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    servers = chosen.list_servers(conn)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is the process's peak: growth is only measurable when the listing set a new one
    growth = peak - before_rss if peak > before_peak else None
    return {"peak_growth_kib": growth, "servers": len(servers), "seconds": seconds}


class _Served:
    """The attributes harness's connect methods read from a FakeCloud, from serve.py's kwargs."""

    def __init__(self, kwargs: dict) -> None:
        self.kwargs = kwargs
        for key, value in kwargs.items():
            setattr(self, key, value)

    def connect_kwargs(self) -> dict:
        return dict(self.kwargs)


def main(argv: list[str]) -> int:
    mode, lib = argv[0], argv[1]
    result = first_connect(lib) if mode == "first-connect" else memory(lib, json.loads(argv[2]))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
