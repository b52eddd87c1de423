"""Pure normalisation: raw OpenStack API dicts -> normalizer's contract objects (Munch).

Every ``normalize_<resource>(raw, ctx, ...)`` is pure: no I/O, no clock, no global
state; it never mutates ``raw`` and never raises on missing, extra, null or wrongly
typed keys. Each result holds exactly the contract fields of ``docs/model.md`` plus
``location`` and ``properties`` (every raw key the contract does not consume).

>>> from normalizer.normalize import Context, normalize_keypair
>>> normalize_keypair({"name": "k1"}, Context(cloud="mycloud", region_name="RegionOne")).location.cloud
'mycloud'
"""

from __future__ import annotations

from normalizer.normalize.addresses import is_global_address, is_global_cidr
from normalizer.normalize.context import Context, location
from normalizer.normalize.fields import AWS_STATES, server_state
from normalizer.normalize.flavor import normalize_flavor
from normalizer.normalize.floating_ip import (
    CREATED_BY_DESCRIPTION,
    OWNER_TAG_PREFIX,
    is_created_by_normalizer,
    normalize_floating_ip,
)
from normalizer.normalize.image import normalize_image
from normalizer.normalize.keypair import normalize_keypair
from normalizer.normalize.network import normalize_network
from normalizer.normalize.network_role import NetworkRole
from normalizer.normalize.server import normalize_server

__all__ = [
    "AWS_STATES",
    "CREATED_BY_DESCRIPTION",
    "Context",
    "NetworkRole",
    "OWNER_TAG_PREFIX",
    "is_created_by_normalizer",
    "is_global_address",
    "is_global_cidr",
    "location",
    "normalize_flavor",
    "normalize_floating_ip",
    "normalize_image",
    "normalize_keypair",
    "normalize_network",
    "normalize_server",
    "server_state",
]
