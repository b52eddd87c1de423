"""Nova flavor -> the normalised flavor (DESIGN §3).

Sizes are Nova's units: ``ram`` in MiB, ``disk`` and ``ephemeral`` in GiB, ``swap`` in
MiB (Nova sends ``""`` for no swap on older releases: read as 0).

>>> from normalizer.normalize.context import Context
>>> f = normalize_flavor({"id": "1", "name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1,
...                       "swap": ""}, Context(cloud="c", region_name="r"))
>>> f.swap, f.is_public, f.is_disabled, f.extra_specs
(0, True, False, Munch({}))
"""

from __future__ import annotations

from typing import Any

from munch import Munch

from normalizer.normalize.context import Context, location
from normalizer.normalize.records import Flavor
from normalizer.normalize.fields import (
    FLAVOR_CONSUMED,
    FLAVOR_RENAMES,
    as_bool,
    as_int,
    as_mapping,
    as_str,
    as_text,
    leftover,
    raw_mapping,
    to_munch,
)

__all__ = ["normalize_flavor"]


def normalize_flavor(raw: Any, ctx: Context) -> Munch:
    """Turn one raw Nova flavor into the normalised flavor; pure and total.

    ``vcpus``, ``ram`` and ``disk`` are None when the API did not give a number;
    ``ephemeral`` and ``swap`` default to 0, ``is_public`` to True, ``is_disabled`` to
    False and ``extra_specs`` to {} (Nova omits them before microversion 2.61).

    >>> normalize_flavor({"name": "x", "ram": "junk"}, Context(cloud="c", region_name=None)).ram is None
    True
    """
    raw = raw_mapping(raw)
    return Flavor(
        id=as_text(raw.get("id")),
        name=as_str(raw.get("name")),
        vcpus=as_int(raw.get("vcpus")),
        ram=as_int(raw.get("ram")),
        disk=as_int(raw.get("disk")),
        ephemeral=as_int(raw.get(FLAVOR_RENAMES["ephemeral"]), 0),
        swap=as_int(raw.get("swap"), 0),
        is_public=as_bool(raw.get(FLAVOR_RENAMES["is_public"]), True),
        is_disabled=as_bool(raw.get(FLAVOR_RENAMES["is_disabled"]), False),
        extra_specs=to_munch(as_mapping(raw.get("extra_specs")) or {}),
        location=location(ctx),
        properties=leftover(raw, FLAVOR_CONSUMED),
    )
