#!/usr/bin/env python3
"""Serve benchmark clouds over real HTTP on 127.0.0.1, from a process of their own.

The clouds' CPU (rendering pages) then runs beside the client instead of inside it, and
threads in the client really overlap: requests-mock answers every call behind one
lock, so it cannot measure clouds listed in parallel.

Prints one JSON line, the ``normalizer.connect`` keyword arguments of every cloud,
then serves until its standard input closes.

Usage: ``python serve.py --clouds 10 --servers 100 --latency 0.02``
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from clouds import fip_cloud  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clouds", type=int, default=1, help="how many clouds (default 1)")
    parser.add_argument("--servers", type=int, default=100, help="servers per cloud (default 100)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each answer waits (default 0)")
    args = parser.parse_args(argv)
    fakes = [fip_cloud(args.servers) for _ in range(args.clouds)]
    with contextlib.ExitStack() as stack:
        for fake in fakes:
            stack.enter_context(fake.serve(latency=args.latency))
        print(json.dumps([fake.connect_kwargs() for fake in fakes]), flush=True)
        sys.stdin.read()  # serve until the benchmark closes our standard input
    return 0


if __name__ == "__main__":
    sys.exit(main())
