"""Sovereign Cloud Stack flavor names (standard scs-0100-v3): what a name promises, read and checked (pure).

A name ``SCS-<N><L|V|T|C>[i]-<RAM GiB>[u][o][-[<M>x][<disk GB>][n|h|s|p]][_<extensions>]``
says how many vCPUs and of which kind, how much RAM, and the root disk: a size (and
type), ``-`` alone (the cloud sizes it from the image), or nothing at all: **no root disk**,
so a server boots only from a volume. A flavor may deliver more than its name says,
never less; one whose name overstates it is left out of automatic picks.
The parser is written from the standard's text; the extra specs ``scs:name-vN`` carry
the SCS name of a flavor whose display name is another one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

__all__ = ["ScsFlavorName", "read_scs_name", "scs_name_of", "scs_overstatement"]

_PREFIX = "SCS-"
_NAME = re.compile(
    r"SCS-(?P<vcpus>[1-9][0-9]*)(?P<kind>[LVTC])(?P<insecure>i)?"
    r"-(?P<ram>[0-9]+(?:\.5)?)(?P<no_ecc>u)?(?P<ram_over>o)?"
    r"(?P<disk_part>-(?:(?P<copies>[1-9][0-9]*)x)?(?P<disk>[1-9][0-9]*)?(?P<disk_type>[nhsp])?)?"
    r"(?P<extensions>(?:_[A-Za-z0-9.-]+)*)")
_KINDS = {"L": "heavily oversubscribed vCPU", "V": "vCPU", "T": "dedicated thread", "C": "dedicated core"}
_DISK_TYPES = {"n": "network", "h": "local HDD", "s": "local SSD", "p": "local NVMe"}
_NAME_SPECS = ("scs:name-v3", "scs:name-v2", "scs:name-v1")


@dataclass(frozen=True)
class ScsFlavorName:
    """What an SCS flavor name promises.

    ``root_disk`` is the disk size in GB, ``"auto"`` (the cloud sizes it from the image)
    or None (no root disk: boot from a volume).

    >>> read_scs_name("SCS-2V-4")[0].root_disk is None
    True
    """

    name: str
    vcpus: int
    cpu_kind: str
    insecure: bool
    ram_mib: int
    root_disk: int | str | None
    disk_type: str | None
    disk_copies: int
    extensions: tuple[str, ...]

    @property
    def needs_volume(self) -> bool:
        """True when the name promises no root disk: a server boots from a volume."""
        return self.root_disk is None

    def request(self) -> dict[str, int]:
        """The minimums this name asks of a flavor: vCPUs, RAM (MiB), disk (GiB; 0 when none is promised).

        >>> read_scs_name("SCS-4V-16-100s")[0].request()
        {'min_vcpus': 4, 'min_ram': 16384, 'min_disk': 100}
        """
        disk = self.root_disk if isinstance(self.root_disk, int) else 0
        return {"min_vcpus": self.vcpus, "min_ram": self.ram_mib, "min_disk": disk}


def read_scs_name(name: Any) -> tuple[ScsFlavorName | None, str | None]:
    """Read a flavor name: (what it promises, None), (None, why it breaks the standard), or (None, None).

    The last means the name does not start with ``SCS-``: not an SCS name at all.

    >>> read_scs_name("SCS-2V-4-20s")[0].root_disk, read_scs_name("m1.small")
    (20, (None, None))
    >>> read_scs_name("SCS-2iT-4")[1]
    "'SCS-2iT-4' starts with SCS- but does not follow scs-0100: SCS-<N><L|V|T|C>[i]-<RAM>[u][o][-[<M>x][<disk>][n|h|s|p]]"
    """
    if not isinstance(name, str) or not name.startswith(_PREFIX):
        return None, None
    match = _NAME.fullmatch(name)
    if match is None:
        return None, (f"{name!r} starts with SCS- but does not follow scs-0100: "
                      "SCS-<N><L|V|T|C>[i]-<RAM>[u][o][-[<M>x][<disk>][n|h|s|p]]")
    if match["copies"] and not match["disk"]:
        return None, f"{name!r}: a disk count ({match['copies']}x) needs a disk size after it"
    disk: int | str | None = int(match["disk"]) if match["disk"] else ("auto" if match["disk_part"] else None)
    return ScsFlavorName(
        name=name, vcpus=int(match["vcpus"]), cpu_kind=_KINDS[match["kind"]], insecure=bool(match["insecure"]),
        ram_mib=int(float(match["ram"]) * 1024), root_disk=disk,
        disk_type=_DISK_TYPES.get(match["disk_type"] or ""), disk_copies=int(match["copies"] or 1),
        extensions=tuple(e for e in (match["extensions"] or "").split("_") if e)), None


def scs_name_of(flavor: Mapping[str, Any]) -> str | None:
    """The SCS name a flavor carries: its own name, else its ``scs:name-vN`` extra spec.

    >>> scs_name_of({"name": "c2.medium", "extra_specs": {"scs:name-v2": "SCS-2V-4"}})
    'SCS-2V-4'
    """
    name = flavor.get("name")
    if isinstance(name, str) and name.startswith(_PREFIX):
        return name
    specs = flavor.get("extra_specs")
    if isinstance(specs, Mapping):
        return next((specs[key] for key in _NAME_SPECS if isinstance(specs.get(key), str)), None)
    return None


def scs_overstatement(flavor: Mapping[str, Any]) -> str | None:
    """Why a flavor's SCS name promises more than the flavor has (or breaks the standard), else None.

    >>> scs_overstatement({"name": "SCS-4V-16", "vcpus": 2, "ram": 16384, "disk": 0})
    "its SCS name 'SCS-4V-16' promises 4 vCPUs, the flavor has 2"
    >>> scs_overstatement({"name": "SCS-2V-4-20s", "vcpus": 2, "ram": 4096, "disk": 20}) is None
    True
    """
    name = scs_name_of(flavor)
    promise, problem = read_scs_name(name)
    if problem is not None:
        return problem
    if promise is None:
        return None
    checks = (("vcpus", promise.vcpus, "vCPUs"), ("ram", promise.ram_mib, "MiB RAM"),
              ("disk", promise.root_disk if isinstance(promise.root_disk, int) else 0, "GB root disk"))
    for field, promised, unit in checks:
        have = flavor.get(field)
        if isinstance(have, int) and not isinstance(have, bool) and have < promised:
            return f"its SCS name {name!r} promises {promised} {unit}, the flavor has {have}"
    return None
