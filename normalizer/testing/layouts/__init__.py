"""Cloud layouts for :class:`~normalizer.testing.FakeCloud`, kept as YAML data.

Each ``<name>.yaml`` in this package describes one way real clouds lay out their
networks (see ``docs/testing.md``). Files starting with ``_`` are not layouts:
``_vocabulary.yaml`` holds the names FakeCloud speaks, ``_base.yaml`` the flavors and
images most layouts share through ``extends: _base``.

>>> "fip" in LAYOUTS
True
"""

from __future__ import annotations

import functools
from importlib import resources
from collections.abc import Mapping
from typing import Any

import yaml

from normalizer.exceptions import ConfigError, NoMatch, format_candidates

__all__ = ["LAYOUTS", "FEATURES", "load", "vocabulary", "apply"]

#: What a layout may switch; the defaults describe a plain Neutron cloud.
FEATURES: dict[str, bool] = {
    "network_endpoint": True,  # the catalog lists a network service
    "network_api": True,  # False: every network call answers 404
    "typed_addresses": True,  # False: nova-network style addresses (no OS-EXT-IPS keys)
    "nova_floating_ips": False,  # Nova's /os-floating-ips proxy APIs exist
    "floating_ips_need_router": True,  # a FIP attaches only via a router to its network
    "l3": True,  # False: Neutron without the router extension (/routers and /floatingips answer 404)
    "block_storage": False,  # the catalog lists Cinder (volumev3); Nova boots servers from volumes
    "port_forwarding": False,  # Neutron's floating-ip-port-forwarding extension
}

_KEYS = {
    "description", "extends", "profile", "config", "features", "networks", "subnets",
    "routers", "flavors", "images", "keypairs", "servers", "volumes", "quotas",
}


def _read(name: str) -> dict[str, Any]:
    try:
        text = resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NoMatch(
            f"FakeCloud has no layout {name!r}", hint=f"use one of {format_candidates(LAYOUTS)}",
            candidates=list(LAYOUTS),
        ) from None
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"FakeCloud layout {name!r} is not a mapping", hint="fix the YAML file")
    return data


def _names() -> tuple[str, ...]:
    files = resources.files(__name__).iterdir()
    return tuple(sorted(f.name[:-5] for f in files if f.name.endswith(".yaml") and not f.name.startswith("_")))


#: The layout names FakeCloud accepts.
LAYOUTS: tuple[str, ...] = _names()


@functools.lru_cache(maxsize=None)
def vocabulary() -> dict[str, Any]:
    """Return the names FakeCloud speaks (catalog, interfaces, the fake user).

    >>> vocabulary()["identity"]["domain_id"]
    'default'
    """
    return _read("_vocabulary")


def load(name: str, *, features: Mapping[str, bool] | None = None) -> dict[str, Any]:
    """Return layout ``name`` with its ``extends`` base merged in (layout keys win).

    ``features`` override the layout's own switches (checked against :data:`FEATURES`).

    >>> load("empty")["flavors"][0]["name"]
    'm1.small'
    """
    data = _read(name)
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(
            f"FakeCloud layout {name!r} has unknown keys {format_candidates(sorted(unknown))}",
            hint=f"use only {format_candidates(sorted(_KEYS))}",
        )
    base = data.pop("extends", None)
    if base:
        merged = load(base)
        merged.update(data)
        data = merged
    switched = dict(FEATURES)
    for key, value in {**(data.get("features") or {}), **(features or {})}.items():
        if key not in FEATURES:
            raise ConfigError(f"FakeCloud layout {name!r} has unknown feature {key!r}",
                              hint=f"use one of {format_candidates(FEATURES)}")
        switched[key] = bool(value)
    data["features"] = switched
    return data


def apply(fake: Any, layout: dict[str, Any]) -> None:
    """Build ``layout``'s resources on ``fake`` through its builder methods.

    Order matters: networks before routers, images/flavors/keypairs before servers.

    >>> # apply(FakeCloud("empty"), load("fip")) would add the fip resources
    """
    for spec in layout.get("networks") or ():
        spec = dict(spec)
        fake.add_network(spec.pop("name"), **spec)
    for spec in layout.get("subnets") or ():
        spec = dict(spec)
        fake.add_subnet(spec.pop("network"), spec.pop("cidr"), **spec)
    for spec in layout.get("routers") or ():
        spec = dict(spec)
        fake.add_router(spec.pop("name"), **spec)
    for spec in layout.get("flavors") or ():
        spec = dict(spec)
        fake.add_flavor(spec.pop("name"), spec.pop("vcpus"), spec.pop("ram"), spec.pop("disk"), **spec)
    for spec in layout.get("images") or ():
        spec = dict(spec)
        fake.add_image(spec.pop("name"), **spec)
    for spec in layout.get("keypairs") or ():
        fake.add_keypair(spec["name"], spec.get("public_key"))
    for spec in layout.get("volumes") or ():
        spec = dict(spec)
        fake.add_volume(spec.pop("name"), spec.pop("size"), **spec)
    for spec in layout.get("servers") or ():
        spec = dict(spec)
        spec["networks"] = tuple(spec.get("networks") or ())
        fake.add_server(spec.pop("name"), **spec)
