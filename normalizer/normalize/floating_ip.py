"""Floating IP (Neutron, or nova-network ``os-floating-ips``) -> the normalised floating IP.

The shape is detected from the keys: nova-network records carry ``ip`` / ``pool`` /
``instance_id`` / ``fixed_ip`` and no Neutron key. nova-network has no status: it is
reported the way Neutron reports it, ``ACTIVE`` when attached and ``DOWN`` otherwise.

Ownership uses normalizer's own vocabulary (not a vendor fact): a floating IP was
created by normalizer when its description starts with :data:`CREATED_BY_DESCRIPTION`
or one of its tags starts with :data:`OWNER_TAG_PREFIX`.

>>> from normalizer.normalize.context import Context
>>> fip = normalize_floating_ip({"id": 1, "ip": "10.10.10.1", "pool": "nova", "instance_id": None,
...                              "fixed_ip": None}, Context(cloud="c", region_name="r"))
>>> fip.id, fip.network, fip.attached, fip.status
('1', 'nova', False, 'DOWN')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from munch import Munch

from normalizer.normalize.context import Context, location
from normalizer.normalize.records import FloatingIP
from normalizer.normalize.fields import (
    NEUTRON_FIP_CONSUMED,
    NEUTRON_FIP_RENAMES,
    NOVA_FIP_CONSUMED,
    NOVA_FIP_RENAMES,
    as_list,
    as_str,
    as_text,
    first_text,
    leftover,
    raw_mapping,
)

__all__ = [
    "CREATED_BY_DESCRIPTION",
    "OWNER_TAG_PREFIX",
    "normalize_floating_ip",
    "is_created_by_normalizer",
]

#: Description prefix normalizer writes on the floating IPs it allocates.
CREATED_BY_DESCRIPTION = "created by normalizer"
#: Tag prefix normalizer writes on the floating IPs it allocates (e.g. ``normalizer:server=<id>``).
OWNER_TAG_PREFIX = "normalizer:"

_NEUTRON_KEYS = frozenset({"floating_ip_address", "floating_network_id", "port_id", "router_id"})
_NOVA_KEYS = frozenset({"ip", "pool", "instance_id", "fixed_ip"})


def normalize_floating_ip(raw: Any, ctx: Context) -> Munch:
    """Turn one raw floating IP (Neutron or nova-network shape) into the normalised one.

    >>> fip = normalize_floating_ip({"id": "f1", "floating_ip_address": "172.24.4.9",
    ...                              "port_id": "p1", "description": "created by normalizer"},
    ...                             Context(cloud="c", region_name=None))
    >>> fip.attached, fip.created_by_normalizer
    (True, True)
    """
    raw = raw_mapping(raw)
    if _is_nova_network(raw):
        return _from_nova(raw, ctx)
    port = as_text(raw.get(NEUTRON_FIP_RENAMES["port"]))  # ids are text even when sent as integers
    return FloatingIP(
        id=as_text(raw.get("id")),
        floating_ip_address=as_str(raw.get("floating_ip_address")),
        fixed_ip_address=as_str(raw.get("fixed_ip_address")),
        network=as_text(raw.get(NEUTRON_FIP_RENAMES["network"])),
        port=port,
        router=as_text(raw.get(NEUTRON_FIP_RENAMES["router"])),
        attached=bool(port),
        status=as_str(raw.get("status")),
        created_by_normalizer=is_created_by_normalizer(raw),
        location=location(ctx, project_id=first_text(raw.get("project_id"), raw.get("tenant_id"))),
        properties=leftover(raw, NEUTRON_FIP_CONSUMED),
    )


def is_created_by_normalizer(raw: Any) -> bool:
    """Tell whether a raw floating IP carries normalizer's ownership marker.

    >>> is_created_by_normalizer({"tags": ["normalizer:server=s1"]}), is_created_by_normalizer({})
    (True, False)
    """
    raw = raw_mapping(raw)
    description = as_str(raw.get("description"))
    if description is not None and description.startswith(CREATED_BY_DESCRIPTION):
        return True
    return any(isinstance(tag, str) and tag.startswith(OWNER_TAG_PREFIX)
               for tag in as_list(raw.get("tags")))


def _is_nova_network(raw: Mapping) -> bool:
    keys = set(raw)
    return not keys & _NEUTRON_KEYS and bool(keys & _NOVA_KEYS)


def _from_nova(raw: Mapping, ctx: Context) -> Munch:
    attached = bool(as_text(raw.get("instance_id")))
    return FloatingIP(
        id=as_text(raw.get("id")),
        floating_ip_address=as_str(raw.get(NOVA_FIP_RENAMES["floating_ip_address"])),
        fixed_ip_address=as_str(raw.get(NOVA_FIP_RENAMES["fixed_ip_address"])),
        network=as_str(raw.get(NOVA_FIP_RENAMES["network"])),
        port=None,
        router=None,
        attached=attached,
        status="ACTIVE" if attached else "DOWN",
        created_by_normalizer=is_created_by_normalizer(raw),
        location=location(ctx),
        properties=leftover(raw, NOVA_FIP_CONSUMED),
    )
