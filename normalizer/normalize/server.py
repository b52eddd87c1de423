"""Nova server -> the normalised server (DESIGN §3), with classified addresses.

Addresses come from four places, merged and de-duplicated (one entry per address), by
:func:`~normalizer.normalize.server_addresses.collect_addresses`:

1. Nova's ``addresses`` (network name -> entries); an entry without ``OS-EXT-IPS:type``
   (nova-network, old clouds) counts as fixed until decided otherwise, and an entry whose
   ``addr`` is not an IP address is left out;
2. the ``floating_ips`` argument: floating IPs bound to this server's ports, added as
   floating on the network of their fixed address;
3. the ``project_floating_ips`` argument (the project's listing): those whose port
   Neutron says is this server's, added the same way;
4. ``accessIPv4`` / ``accessIPv6`` when not already listed, as fixed addresses with no
   network (public when globally routable, never private).

Then :func:`~normalizer.normalize.server_addresses.decide_addresses` decides once which
address is floating and which public (so an address can never be both public and
private), and the five address fields, independent of the order of the API's lists;
``explain_address`` replays that same function.

>>> from normalizer.normalize.context import Context
>>> raw = {"id": "s1", "status": "ACTIVE", "addresses": {"net": [
...     {"addr": "10.0.0.5", "version": 4}, {"addr": "198.51.0.7", "version": 4}]}}
>>> s = normalize_server(raw, Context(cloud="c", region_name="r"))
>>> s.state, s.private_v4, s.public_v4, s.interface_ip
('running', '10.0.0.5', '198.51.0.7', '198.51.0.7')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from munch import Munch

from normalizer.normalize.context import Context, location
from normalizer.normalize.records import Server
from normalizer.normalize.fields import (
    SERVER_CONSUMED,
    SERVER_RENAMES,
    as_bool,
    as_int,
    as_list,
    as_mapping,
    as_str,
    as_text,
    first_text,
    leftover,
    lower_text,
    munch_from,
    raw_mapping,
    server_state,
    to_munch,
)
from normalizer.normalize.network_role import NetworkRole
from normalizer.normalize.server_addresses import FloatingIPIndex, collect_addresses, decide_addresses

__all__ = ["SSH_PORT", "normalize_server"]

#: The port SSH listens on inside a server (a forwarded port reaches it from outside).
SSH_PORT = 22

_TASK_STATE_KEY = "OS-EXT-STS:task_state"
# Where a server record may embed image properties (a caller-merged Glance image).
_IMAGE_PROPERTY_KEYS = ("properties", "metadata")


def normalize_server(raw: Any, ctx: Context, *, floating_ips: Iterable[Any] = (),
                     network_roles: Mapping[str, NetworkRole] | None = None, prefer_ipv6: bool = False,
                     private_cloud: bool = False, login_user: str | None = None,
                     project_floating_ips: FloatingIPIndex | Iterable[Any] | None = None,
                     network_cidrs: Mapping[str, Sequence[str]] | None = None,
                     image_identity: Mapping[str, Any] | None = None, forwarded: tuple[str, int] | None = None) -> Munch:
    """Turn one raw Nova server into the normalised server; pure and total.

    ``floating_ips`` are raw floating IPs whose port belongs to this server (they fill
    in what Nova's ``addresses`` may not list yet). ``project_floating_ips`` is the
    project's floating-IP listing (raw, or a :class:`FloatingIPIndex` built once per
    listing): an address Nova lists without ``OS-EXT-IPS:type: floating`` that is one of
    this server's floating IPs there is floating, and a floating IP whose port Neutron
    says is this server's is added. ``network_roles`` maps network names or ids to
    roles that can override the address-range rule; ``network_cidrs`` maps them to
    their subnets' CIDRs (an address outside all of them does not take the network's
    role). ``prefer_ipv6`` and ``private_cloud`` (from the profile) steer
    ``interface_ip``; ``login_user`` is the decided login user (else the embedded
    image's ``os_admin_user``, if any); ``image_identity`` the decided
    ``{distro, version}`` of the server's image (else its embedded properties);
    ``forwarded`` the ``(address, port)`` forwarded to its SSH (see ``_reach``).

    >>> normalize_server({"id": 59662, "status": "UNKNOWN"}, Context(cloud="c", region_name=None)).state
    'unknown'
    """
    raw = raw_mapping(raw)
    # nova-network era clouds send integer ids: an id is always text (never None for 59662)
    server_id = as_text(raw.get("id"))
    index = FloatingIPIndex.of(project_floating_ips)
    addresses = collect_addresses(raw, server_id, floating_ips, network_roles, index)
    decided = decide_addresses(addresses, server_id=server_id, server_name=as_str(raw.get("name")),
                               network_roles=network_roles, network_cidrs=network_cidrs, floating_ips=index,
                               prefer_ipv6=prefer_ipv6, private_cloud=private_cloud)
    for entry, (kind, public) in zip(addresses, decided.verdicts):
        entry.type, entry.is_public = kind, public
    image = as_mapping(raw.get("image")) or {}
    zone = as_str(raw.get(SERVER_RENAMES["zone"]))
    status = as_str(raw.get("status"))
    return Server(
        id=server_id,
        name=as_str(raw.get("name")),
        status=status,
        state=server_state(status, task_state=raw.get(_TASK_STATE_KEY)),
        **_reach(decided.values(), forwarded),
        login_user=login_user or first_text(_image_property(image, "os_admin_user")),
        image=_image_summary(image, image_identity),
        flavor=_flavor_summary(raw.get("flavor")),
        key_name=as_str(raw.get("key_name")),
        addresses=addresses,
        security_groups=_security_group_names(raw.get("security_groups")),
        metadata=to_munch(as_mapping(raw.get("metadata")) or {}),
        created_at=as_str(raw.get(SERVER_RENAMES["created_at"])),
        updated_at=as_str(raw.get(SERVER_RENAMES["updated_at"])),
        zone=zone,
        has_config_drive=as_bool(raw.get(SERVER_RENAMES["has_config_drive"])),
        floating_ips=[entry.addr for entry in addresses if entry.type == "floating"],
        location=location(ctx, zone=zone,
                          project_id=first_text(raw.get("tenant_id"), raw.get("project_id"))),
        properties=leftover(raw, SERVER_CONSUMED),
    )


def _reach(fields: Mapping[str, Any], forwarded: tuple[str, int] | None) -> dict[str, Any]:
    """The address fields plus ``ssh_port`` (22): a forwarded port of a shared floating IP stands in for a public
    address the server lacks (``interface_ip`` is then that address, ``ssh_port`` the port)."""
    reach = dict(fields, ssh_port=SSH_PORT)
    if forwarded and not fields.get("public_v4") and not fields.get("public_v6"):
        reach["interface_ip"], reach["ssh_port"] = forwarded[0], int(forwarded[1])
    return reach


def _image_property(image: Mapping, key: str) -> Any:
    if key in image:
        return image.get(key)
    for nested in _IMAGE_PROPERTY_KEYS:
        props = as_mapping(image.get(nested))
        if props is not None and key in props:
            return props.get(key)
    return None


def _image_summary(image: Mapping, identity: Mapping[str, Any] | None) -> Munch:
    # Boot-from-volume servers report image "" (not a mapping): every field is None.
    # A decided identity (the one the image listing shows) wins over the raw properties.
    if identity is not None and image:
        distro, version = as_str(identity.get("distro")), as_text(identity.get("version"))
    else:
        distro = lower_text(_image_property(image, "os_distro"))
        version = as_text(_image_property(image, "os_version"))
    return munch_from(id=as_text(image.get("id")), name=as_str(image.get("name")), distro=distro, version=version)


def _flavor_summary(value: Any) -> Munch:
    # Before microversion 2.47 Nova sends {id, links}; from 2.47 the flavor is embedded
    # as {original_name, vcpus, ram, disk, ...} and carries no id.
    flavor = as_mapping(value) or {}
    return munch_from(
        id=as_text(flavor.get("id")),
        name=first_text(flavor.get("original_name"), flavor.get("name")),
        vcpus=as_int(flavor.get("vcpus")),
        ram=as_int(flavor.get("ram")),
        disk=as_int(flavor.get("disk")),
    )


def _security_group_names(value: Any) -> list:
    names: list = []
    for group in as_list(value):
        name = first_text(group.get("name")) if isinstance(group, Mapping) else first_text(group)
        if name is not None and name not in names:
            names.append(name)
    return names
