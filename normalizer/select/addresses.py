"""Why a server's address fields hold what they hold.

The decision is taken once, by
:func:`~normalizer.normalize.server_addresses.decide_addresses`, while normalizing; this
module calls that same function on the normalized server's addresses with the same facts
and hands back the Decision of the field asked for (``cloud.explain(server, "public_v4")``).
Deciding a normalized server's addresses again gives the same answers, so what is
explained is what was decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from normalizer.exceptions import SelectionError
from normalizer.normalize.fields import as_text
from normalizer.normalize.server_addresses import ADDRESS_FIELDS, FloatingIPIndex, decide_addresses
from normalizer.select.decision import Decision

__all__ = ["ADDRESS_FIELDS", "explain_address"]


def explain_address(server: Mapping[str, Any], field: str, *, network_roles: Mapping[str, Any] | None = None,
                    prefer_ipv6: bool = False, private_cloud: bool = False,
                    network_cidrs: Mapping[str, Sequence[str]] | None = None,
                    floating_ips: FloatingIPIndex | Iterable[Any] | None = None) -> Decision:
    """Say why ``server[field]`` holds its value, listing every address considered.

    Pass the facts the server was normalized with (``network_roles``, ``network_cidrs``,
    the project's ``floating_ips``, ``prefer_ipv6``, ``private_cloud``) to get the same
    decision, reason included.

    >>> s = {"name": "web", "public_v4": "203.0.113.5", "public_v6": None, "private_v4": "10.0.0.5",
    ...      "addresses": [{"addr": "10.0.0.5", "version": 4, "type": "fixed", "network": "net", "is_public": False},
    ...                    {"addr": "203.0.113.5", "version": 4, "type": "floating", "network": "net", "is_public": True}]}
    >>> explain_address(s, "public_v4").rule
    'floating IP'
    """
    if field not in ADDRESS_FIELDS:
        raise SelectionError(f"{field!r} is not an address field", hint=f"use one of {', '.join(ADDRESS_FIELDS)}")
    entries = [entry for entry in server.get("addresses") or () if isinstance(entry, Mapping)]
    decided = decide_addresses(entries, server_id=as_text(server.get("id")), server_name=server.get("name"),
                               network_roles=network_roles, network_cidrs=network_cidrs, floating_ips=floating_ips,
                               prefer_ipv6=prefer_ipv6, private_cloud=private_cloud)
    return decided.fields[field]
