"""Nova keypair -> the normalised keypair (DESIGN §3).

Nova's list call wraps each item as ``{"keypair": {...}}``; such a wrapper is opened.
Keypairs belong to users, not projects: ``location`` carries the caller's project.

>>> from normalizer.normalize.context import Context
>>> kp = normalize_keypair({"keypair": {"name": "k1", "fingerprint": "7e:eb",
...                                     "public_key": "ssh-ed25519 AAAA"}},
...                        Context(cloud="c", region_name="r"))
>>> kp.name, kp.type
('k1', 'ssh')
"""

from __future__ import annotations

from typing import Any

from munch import Munch

from normalizer.normalize.context import Context, location
from normalizer.normalize.records import Keypair
from normalizer.normalize.fields import (
    KEYPAIR_CONSUMED,
    as_mapping,
    as_str,
    first_text,
    leftover,
    raw_mapping,
)

__all__ = ["normalize_keypair"]

# Nova reports no type before microversion 2.2; every keypair was an SSH key then.
_DEFAULT_TYPE = "ssh"


def normalize_keypair(raw: Any, ctx: Context) -> Munch:
    """Turn one raw Nova keypair into the normalised keypair; pure and total.

    >>> normalize_keypair({"name": "k", "type": "x509"}, Context(cloud="c", region_name=None)).type
    'x509'
    """
    raw = raw_mapping(raw)
    wrapped = as_mapping(raw.get("keypair"))
    if wrapped is not None and "name" not in raw:
        raw = wrapped
    return Keypair(
        name=as_str(raw.get("name")),
        fingerprint=as_str(raw.get("fingerprint")),
        public_key=as_str(raw.get("public_key")),
        type=first_text(raw.get("type")) or _DEFAULT_TYPE,
        location=location(ctx),
        properties=leftover(raw, KEYPAIR_CONSUMED),
    )
