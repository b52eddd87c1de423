"""API facts and tolerant readers for raw OpenStack fields.

Two kinds of knowledge live here, both about what the APIs send rather than about any
vendor:

* tables: the Nova status -> AWS state table, and per resource the raw keys that the
  contract consumes (everything else lands verbatim in ``properties``);
* readers: small functions that read one raw value and return the contract's type or a
  default, never raising on ``None``, wrong types or junk. Every normaliser reads raw data
  only through them, which is what keeps the normalisers total.

>>> server_state("shutoff")
'stopped'
>>> as_int("512"), as_int([1]), as_bool("True")
(512, None, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from munch import Munch

__all__ = [
    "AWS_STATES",
    "NOVA_STATUS_TO_STATE",
    "NOVA_TASK_STATE_TO_STATE",
    "server_state",
    "as_str",
    "as_text",
    "as_int",
    "as_bool",
    "as_mapping",
    "as_list",
    "to_munch",
    "munch_from",
    "leftover",
    "raw_mapping",
    "first_text",
    "lower_text",
    "IP_TYPE_KEY",
    "MAC_KEY",
    "SERVER_RENAMES",
    "SERVER_CONSUMED",
    "NETWORK_RENAMES",
    "NETWORK_CONSUMED",
    "FLAVOR_RENAMES",
    "FLAVOR_CONSUMED",
    "IMAGE_RENAMES",
    "IMAGE_CONSUMED",
    "NEUTRON_FIP_RENAMES",
    "NEUTRON_FIP_CONSUMED",
    "NOVA_FIP_RENAMES",
    "NOVA_FIP_CONSUMED",
    "KEYPAIR_CONSUMED",
    "GLANCE_PUBLIC_VISIBILITY",
]

#: The AWS instance-state vocabulary (DESIGN §2) that ``state`` always takes a value from.
AWS_STATES = frozenset(
    {"pending", "running", "stopping", "stopped", "shutting-down", "terminated", "error", "unknown"}
)

# Nova server statuses (compute API reference, "Server Status"). Transitional statuses
# map to "pending" because the server is on its way to a stable state and callers that
# wait for "running" should keep waiting. RESCUE is a stable, powered-on state that lasts
# until the operator unrescues: it maps to "running" (the raw status stays in `status`
# for callers that must tell the rescue system from the real one).
NOVA_STATUS_TO_STATE: Mapping[str, str] = {
    "ACTIVE": "running",
    "RESCUE": "running",
    "BUILD": "pending",
    "REBUILD": "pending",
    "REBOOT": "pending",
    "HARD_REBOOT": "pending",
    "PASSWORD": "pending",
    "RESIZE": "pending",
    "VERIFY_RESIZE": "pending",
    "REVERT_RESIZE": "pending",
    "MIGRATING": "pending",
    "SHUTOFF": "stopped",
    "SUSPENDED": "stopped",
    "PAUSED": "stopped",
    "SHELVED": "stopped",
    "SHELVED_OFFLOADED": "stopped",
    "DELETED": "terminated",
    "SOFT_DELETED": "terminated",
    "ERROR": "error",
}

# Nova task states (`OS-EXT-STS:task_state`) that announce the AWS "stopping" and
# "shutting-down" states, which Nova's status alone never shows.
NOVA_TASK_STATE_TO_STATE: Mapping[str, str] = {
    "deleting": "shutting-down",
    "soft-deleting": "shutting-down",
    "powering-off": "stopping",
    "suspending": "stopping",
    "pausing": "stopping",
    "shelving": "stopping",
    "shelving_image_pending_upload": "stopping",
    "shelving_image_uploading": "stopping",
    "shelving_offloading": "stopping",
}

# A task only changes the reported state of a server that is not already stable in
# a stopped or terminated state (deleting a SHUTOFF server is still "shutting-down").
_TASK_OVERRIDABLE = frozenset({"running", "stopped", "error", "pending"})

# Raw keys inside one entry of Nova's `addresses` (extensions present since 2.1).
IP_TYPE_KEY = "OS-EXT-IPS:type"
MAC_KEY = "OS-EXT-IPS-MAC:mac_addr"

# Renames: contract field -> the raw key it is read from. Keys read by more involved
# rules (addresses, image, flavor, ...) are listed in the *_CONSUMED sets only. Raw keys
# that a resource's location takes its project from are consumed too.
SERVER_RENAMES: Mapping[str, str] = {
    "created_at": "created",
    "updated_at": "updated",
    "zone": "OS-EXT-AZ:availability_zone",
    "has_config_drive": "config_drive",
}
SERVER_CONSUMED = frozenset(
    {"id", "name", "status", "key_name", "metadata", "security_groups", "addresses",
     "accessIPv4", "accessIPv6", "image", "flavor", "tenant_id", "project_id",
     *SERVER_RENAMES.values()}
)

NETWORK_RENAMES: Mapping[str, str] = {
    "is_shared": "shared",
    "is_external": "router:external",
    "is_default": "is_default",
    "subnet_ids": "subnets",
}
NETWORK_CONSUMED = frozenset({"id", "name", "status", "tenant_id", "project_id",
                              *NETWORK_RENAMES.values()})

FLAVOR_RENAMES: Mapping[str, str] = {
    "ephemeral": "OS-FLV-EXT-DATA:ephemeral",
    "is_public": "os-flavor-access:is_public",
    "is_disabled": "OS-FLV-DISABLED:disabled",
}
FLAVOR_CONSUMED = frozenset({"id", "name", "vcpus", "ram", "disk", "swap", "extra_specs",
                             *FLAVOR_RENAMES.values()})

IMAGE_RENAMES: Mapping[str, str] = {
    "distro": "os_distro",
    "version": "os_version",
    "arch": "architecture",
    "login_user": "os_admin_user",
    "is_hidden": "os_hidden",
}
IMAGE_CONSUMED = frozenset({"id", "name", "status", "min_ram", "min_disk", "visibility",
                            "disk_format", "size", "created_at", "tags", "owner",
                            *IMAGE_RENAMES.values()})

# Glance v2 visibility that makes an image usable by every project (AWS: a public AMI).
GLANCE_PUBLIC_VISIBILITY = "public"

NEUTRON_FIP_RENAMES: Mapping[str, str] = {
    "network": "floating_network_id",
    "port": "port_id",
    "router": "router_id",
}
NEUTRON_FIP_CONSUMED = frozenset({"id", "floating_ip_address", "fixed_ip_address", "status",
                                  "tenant_id", "project_id", *NEUTRON_FIP_RENAMES.values()})

# nova-network's os-floating-ips shape: {id (int), ip, fixed_ip, pool, instance_id}.
# instance_id only feeds `attached`, so it stays in properties to say which server.
NOVA_FIP_RENAMES: Mapping[str, str] = {
    "floating_ip_address": "ip",
    "fixed_ip_address": "fixed_ip",
    "network": "pool",
}
NOVA_FIP_CONSUMED = frozenset({"id", *NOVA_FIP_RENAMES.values()})

KEYPAIR_CONSUMED = frozenset({"name", "fingerprint", "public_key", "type"})

_TRUE_TEXT = frozenset({"true", "1", "yes", "on"})
_FALSE_TEXT = frozenset({"false", "0", "no", "off", ""})


def server_state(status: Any, *, task_state: Any = None) -> str:
    """Map a Nova server status (any case) to the AWS instance state; never raises.

    ``task_state`` (Nova's ``OS-EXT-STS:task_state``) optionally refines a stable state
    into ``stopping`` or ``shutting-down``. Unknown, missing or non-text values give
    ``"unknown"``.

    >>> server_state("ACTIVE"), server_state("verify_resize"), server_state(None)
    ('running', 'pending', 'unknown')
    >>> server_state("ACTIVE", task_state="powering-off")
    'stopping'
    """
    state = "unknown"
    if isinstance(status, str):
        state = NOVA_STATUS_TO_STATE.get(status.strip().upper(), "unknown")
    if isinstance(task_state, str) and state in _TASK_OVERRIDABLE:
        task = NOVA_TASK_STATE_TO_STATE.get(task_state.strip().lower())
        if task == "shutting-down" or (task == "stopping" and state == "running"):
            state = task
    return state


def as_str(value: Any) -> str | None:
    """Return ``value`` when it is a string, else None.

    >>> as_str("abc"), as_str(3)
    ('abc', None)
    """
    return value if isinstance(value, str) else None


def as_text(value: Any) -> str | None:
    """Return text as given and integers as text (nova-network ids, numeric versions); else None.

    >>> as_text(7), as_text("a1"), as_text(True)
    ('7', 'a1', None)
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def as_int(value: Any, default: int | None = None) -> int | None:
    """Read an integer from an int, an integral float or a decimal string; else ``default``.

    >>> as_int(2048), as_int(1.0), as_int(" 20 "), as_int(""), as_int("", 0)
    (2048, 1, 20, None, 0)
    """
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else default
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isascii() and text.lstrip("-").isdigit():
            try:
                return int(text)
            except ValueError:  # more digits than Python converts
                return default
    return default


def as_bool(value: Any, default: bool = False) -> bool:
    """Read a boolean from a bool, 0/1 or the textual forms APIs use ("True", "", ...).

    >>> as_bool("True"), as_bool(""), as_bool(None), as_bool(None, True)
    (True, False, False, True)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_TEXT:
            return True
        if text in _FALSE_TEXT:
            return False
    return default


def as_mapping(value: Any) -> Mapping | None:
    """Return ``value`` when it is a mapping, else None.

    >>> as_mapping({"a": 1}), as_mapping("x")
    ({'a': 1}, None)
    """
    return value if isinstance(value, Mapping) else None


def as_list(value: Any) -> list:
    """Return the items of a list or tuple as a new list; anything else gives [].

    >>> as_list(("a", "b")), as_list("ab")
    (['a', 'b'], [])
    """
    return list(value) if isinstance(value, (list, tuple)) else []


def to_munch(value: Any) -> Any:
    """Deep-copy ``value`` with every mapping turned into a Munch and every sequence a list.

    The copy shares nothing mutable with the input, so changing a result never changes
    the raw data it came from.

    >>> m = to_munch({"a": {"b": (1, 2)}}); m.a.b
    [1, 2]
    """
    if type(value) in _SCALARS:  # most leaves: answered without an ABC check
        return value
    if isinstance(value, Mapping):
        return _munch_copy(value.items())
    if isinstance(value, (list, tuple)):
        return [item if type(item) in _SCALARS else to_munch(item) for item in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def munch_from(pairs: Iterable[tuple[Any, Any]] = (), /, **values: Any) -> Munch:
    """A Munch of ``pairs`` and ``values``, the same as ``Munch(pairs, **values)``, built faster.

    Munch.update sets keys one by one in Python; Munch keeps dict's own ``__setitem__``,
    so dict's update fills it the same way at C speed (a listing builds ~10 per server).

    >>> munch_from([("a", 1)], b=2)
    Munch({'a': 1, 'b': 2})
    """
    made = dict.__new__(Munch)  # an empty Munch without Munch.__init__'s Python-level update
    dict.update(made, pairs, **values)
    return made


def leftover(raw: Mapping, consumed: Iterable[str]) -> Munch:
    """Return every raw key the contract does not consume, verbatim (as a deep copy).

    >>> leftover({"id": "1", "links": []}, {"id"})
    Munch({'links': []})
    """
    used = consumed if isinstance(consumed, frozenset) else frozenset(consumed)
    return _munch_copy((key, item) for key, item in raw.items() if key not in used)


def _munch_copy(pairs: Iterable[tuple[Any, Any]]) -> Munch:
    """A Munch of the pairs with every value deep-copied by ``to_munch``."""
    made = dict.__new__(Munch)  # Munch keeps dict's __setitem__: filled at C speed
    for key, item in pairs:
        made[key] = item if type(item) in _SCALARS else to_munch(item)
    return made


def raw_mapping(raw: Any) -> Mapping:
    """Return ``raw`` when it is a mapping, else an empty one (so normalisers stay total).

    >>> raw_mapping(None)
    {}
    """
    return raw if isinstance(raw, Mapping) else {}


def first_text(*candidates: Any) -> str | None:
    """Return the first candidate that is a non-empty string.

    >>> first_text(None, "", "x", "y")
    'x'
    """
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def lower_text(value: Any) -> str | None:
    """Return a string lower-cased, anything else as None.

    >>> lower_text("Ubuntu"), lower_text(22)
    ('ubuntu', None)
    """
    return value.lower() if isinstance(value, str) else None
