"""The ``normalizer`` command.

``normalizer demo`` starts the bundled FakeCloud on 127.0.0.1 and shows what normalizer
makes of it; ``normalizer profiles`` lists the vendor profiles; ``normalizer profile NAME``
prints one effective profile. Errors print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Iterable, Sequence

import yaml

from normalizer.cloud import connect
from normalizer.exceptions import NormalizerError
from normalizer.profiles import list_profiles
from normalizer.profiles.loader import resolve_profile

__all__ = ["main"]

_COLUMNS = {
    "networks": ("name", "is_public", "is_external", "nat_source", "nat_destination", "is_default", "cidrs"),
    "flavors": ("name", "vcpus", "ram", "disk", "is_public", "is_disabled"),
    "images": ("name", "distro", "version", "login_user", "status", "visibility"),
    "servers": ("name", "state", "public_v4", "public_v6", "private_v4", "interface_ip", "login_user"),
}


def _cell(item: Any, column: str) -> str:
    value = item
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value) or "-"
    return "-" if value is None or value == "" else str(value)


def format_table(items: Iterable[Any], columns: Sequence[str]) -> str:
    """Render objects as an aligned text table.

    >>> print(format_table([{"name": "a", "ram": 512}], ("name", "ram")))
    name  ram
    a     512
    """
    rows = [list(columns)] + [[_cell(item, c) for c in columns] for item in items]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def _show_roles(cloud, out) -> None:
    for role in ("public", "private", "external"):
        try:
            decision = cloud.explain(f"{role}_network")
            print(f"  {role} network: {decision.reason}", file=out)
        except NormalizerError as error:
            print(f"  {role} network: {error}", file=out)


def _show_cloud(cloud, out) -> None:
    for title, fetch in (("networks", cloud.list_networks), ("flavors", cloud.list_flavors),
                         ("images", cloud.list_images), ("servers", cloud.list_servers)):
        items = fetch()
        print(f"\n{title} ({len(items)})", file=out)
        print(format_table(items, _COLUMNS[title]), file=out)
        if title == "networks":
            _show_roles(cloud, out)
    for label, explain in (("t3.small", lambda: cloud.explain(flavor="t3.small")),
                           ("ubuntu-24.04", lambda: cloud.explain(image="ubuntu-24.04"))):
        try:
            print(f"\n{label}: {explain().reason}", file=out)
        except NormalizerError as error:
            print(f"\n{label}: {error}", file=out)


def run_demo(layouts: Sequence[str], out=None) -> None:
    """Serve each FakeCloud layout over HTTP on 127.0.0.1 and print it normalized.

    >>> run_demo(["fip"])  # doctest: +SKIP
    === layout 'fip' (profile 'generic') at http://127.0.0.1:41325/identity
    """
    out = out or sys.stdout
    from normalizer.testing import FakeCloud  # the demo is the one place the CLI uses the test double

    for layout in layouts:
        fake = FakeCloud(layout)
        with fake.serve():
            cloud = connect(**fake.connect_kwargs(), cache={"class": "dogpile.cache.memory", "expiration_time": 60})
            print(f"=== layout {layout!r} (profile {cloud.profile.name!r}) at {fake.auth_url}", file=out)
            _show_cloud(cloud, out)
            print(f"\n{len(fake.requests)} HTTP requests to the cloud, including authentication\n", file=out)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="normalizer", description="One AWS-like meaning on every OpenStack cloud.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="show normalizer on the bundled fake cloud (no real cloud needed)")
    demo.add_argument("--layout", action="append", help="FakeCloud layout(s) to show (default: fip, direct, split-stack)")
    sub.add_parser("profiles", help="list the vendor profiles")
    show = sub.add_parser("profile", help="print one effective profile as YAML")
    show.add_argument("name")
    show.add_argument("--region")
    show.add_argument("--json", action="store_true", help="print JSON instead of YAML")
    cloud = sub.add_parser("show", help="print a cloud's networks, flavors, images and servers")
    cloud.add_argument("cloud", nargs="?", help="clouds.yaml entry (default: OS_CLOUD)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``normalizer`` command; returns the exit status.

    >>> main(["profiles"])  # doctest: +SKIP
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            run_demo(args.layout or ["fip", "direct", "split-stack"])
        elif args.command == "profiles":
            for name in list_profiles():
                profile = resolve_profile(name)  # lists shut-down profiles too, without raising
                print(f"{name:20} {profile.status:11} {profile.display_name}")
        elif args.command == "profile":
            data = resolve_profile(args.name, region_name=args.region).as_dict()
            print(json.dumps(data, indent=2) if args.json else yaml.safe_dump(data, sort_keys=False))
        elif args.command == "show":
            _show_cloud(connect(args.cloud), sys.stdout)
    except NormalizerError as error:
        print(f"normalizer: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    return 0
