"""``network list``, ``flavor list|pick``, ``image list|pick``.

>>> register(commands)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from normalizer.cli.output import Listing, Record
from normalizer.cli.runtime import Runtime, UsageError

__all__ = ["FLAVOR_COLUMNS", "IMAGE_COLUMNS", "NETWORK_COLUMNS", "register"]

#: The columns of ``network list``: the roles this cloud's networks play, and why.
NETWORK_COLUMNS = ("name", "role", "is_public", "is_external", "nat_source", "nat_destination", "cidrs", "reason")
#: The columns of ``flavor list``.
FLAVOR_COLUMNS = ("name", "vcpus", "ram", "disk", "is_public", "is_disabled")
#: The columns of ``image list``.
IMAGE_COLUMNS = ("name", "distro", "version", "arch", "login_user", "status", "visibility")
_ROLES = ("public", "private", "external")


def _networks(runtime: Runtime) -> Listing:
    """Every network, with the role normalizer gives it (public, private, external) and the reason."""
    cloud = runtime.connect()
    networks = cloud.list_networks()
    chosen = {role: cloud.explain(f"{role}_network").get("value") for role in _ROLES}
    rows = [dict(network, role=[r for r in _ROLES if chosen[r] is not None and chosen[r] == network.get("id")])
            for network in networks]
    return Listing(rows, NETWORK_COLUMNS)


def _flavors(runtime: Runtime) -> Listing:
    """Every flavor this project may use."""
    return Listing(runtime.connect().list_flavors(), FLAVOR_COLUMNS)


def _pick_flavor(runtime: Runtime) -> Record:
    """The smallest flavor for an instance type or minimums."""
    args = runtime.args
    if args.spec is None and args.min_vcpus is None and args.min_ram is None and args.min_disk is None:
        raise UsageError("flavor pick needs a SPEC (t3.small, SCS-2V-4 ...) or --min-vcpus/--min-ram/--min-disk")
    flavor = runtime.connect().pick_flavor(args.spec, min_vcpus=args.min_vcpus, min_ram=args.min_ram,
                                           min_disk=args.min_disk, include_disabled=args.include_disabled,
                                           include_private=args.include_private,
                                           include_excluded=args.include_excluded)
    return Record(flavor, fields=("id",) + FLAVOR_COLUMNS + ("ephemeral", "swap", "extra_specs"))


def _images(runtime: Runtime) -> Listing:
    """Every image this project can see."""
    return Listing(runtime.connect().list_images(), IMAGE_COLUMNS)


def _pick_image(runtime: Runtime) -> Record:
    """The newest active image of a distro (and version, architecture)."""
    args = runtime.args
    if args.alias is None and args.distro is None:
        raise UsageError("image pick needs an ALIAS (ubuntu-24.04, debian-12 ...) or --distro")
    image = runtime.connect().pick_image(args.alias, distro=args.distro, version=args.version, arch=args.arch,
                                         include_hidden=args.include_hidden, include_snapshots=args.include_snapshots)
    return Record(image, fields=("id",) + IMAGE_COLUMNS + ("min_ram", "min_disk", "created_at"))


def register(commands: Any) -> None:
    """Add the ``network``, ``flavor`` and ``image`` commands to the parser.

    >>> register(commands)  # doctest: +SKIP
    """
    commands.add("network list", _networks, "list networks with their roles (public, private, external) and why")
    commands.add("flavor list", _flavors, "list flavors")
    pick = commands.add("flavor pick", _pick_flavor, "show the smallest flavor for an instance type or minimums")
    pick.add_argument("spec", nargs="?", metavar="SPEC",
                      help="an instance type (t3.small, m5.large ...), an SCS name (SCS-2V-4) or a size alias")
    pick.add_argument("--min-vcpus", type=int, metavar="N", help="at least this many vCPUs")
    pick.add_argument("--min-ram", type=int, metavar="MIB", help="at least this much RAM, in MiB")
    pick.add_argument("--min-disk", type=int, metavar="GIB", help="at least this much root disk, in GiB")
    pick.add_argument("--include-disabled", action="store_true", help="consider disabled flavors too")
    pick.add_argument("--include-private", action="store_true", help="consider non-public flavors too")
    pick.add_argument("--include-excluded", action="store_true",
                      help="consider the families the profile excludes (GPU, bare metal ...) too")
    commands.add("image list", _images, "list images with distro, version and login user")
    pick = commands.add("image pick", _pick_image, "show the newest active image of a distro and version")
    pick.add_argument("alias", nargs="?", metavar="ALIAS", help="ubuntu-24.04, debian-12, rocky ...")
    pick.add_argument("--distro", help="distro (overrides the alias's)")
    pick.add_argument("--version", help="version (overrides the alias's)")
    pick.add_argument("--arch", help="architecture (x86_64, aarch64 ...)")
    pick.add_argument("--include-hidden", action="store_true", help="consider hidden images too")
    pick.add_argument("--include-snapshots", action="store_true", help="consider server snapshots too")
