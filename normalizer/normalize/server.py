"""Nova server -> the normalised server (DESIGN §3), with classified addresses.

Addresses come from three places, merged and de-duplicated (one entry per address):

1. Nova's ``addresses`` (network name -> entries), walked in :func:`network_order`
   (preferred networks first, then by name), so results never depend on dict order;
   an entry without ``OS-EXT-IPS:type`` (nova-network, old clouds) counts as fixed, and
   an entry whose ``addr`` is not an IP address is left out;
2. the ``floating_ips`` argument: Neutron (or nova-network) floating IPs bound to this
   server's ports, added as floating on the network of their fixed address; an untyped
   Nova entry holding a known floating address becomes floating;
3. ``accessIPv4`` / ``accessIPv6`` when not already listed, as fixed addresses with no
   network (public when globally routable, never private).

Each address gets one ``is_public`` from :func:`~normalizer.normalize.addresses.address_is_public`,
so an address can never be both public and private.

>>> from normalizer.normalize.context import Context
>>> raw = {"id": "s1", "status": "ACTIVE", "addresses": {"net": [
...     {"addr": "10.0.0.5", "version": 4}, {"addr": "198.51.0.7", "version": 4}]}}
>>> s = normalize_server(raw, Context(cloud="c", region_name="r"))
>>> s.state, s.private_v4, s.public_v4, s.interface_ip
('running', '10.0.0.5', '198.51.0.7', '198.51.0.7')
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from munch import Munch

from normalizer.normalize.addresses import (
    address_is_public,
    address_key,
    network_order,
    parse_address,
    role_for,
)
from normalizer.normalize.context import Context, location
from normalizer.normalize.fields import (
    IP_TYPE_KEY,
    MAC_KEY,
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
    raw_mapping,
    server_state,
    to_munch,
)

__all__ = ["normalize_server"]

_TASK_STATE_KEY = "OS-EXT-STS:task_state"
_ADDRESS_KINDS = ("fixed", "floating")
# Where a server record may embed image properties (a caller-merged Glance image).
_IMAGE_PROPERTY_KEYS = ("properties", "metadata")


def normalize_server(raw: Any, ctx: Context, *, floating_ips: Iterable[Any] = (),
                     network_roles: Mapping[str, Any] | None = None, prefer_ipv6: bool = False,
                     private_cloud: bool = False, login_user: str | None = None) -> Munch:
    """Turn one raw Nova server into the normalised server; pure and total.

    ``floating_ips`` are raw floating IPs whose port belongs to this server (they fill
    in what Nova's ``addresses`` may not list yet). ``network_roles`` maps network
    names or ids to roles that can override the address-range rule. ``prefer_ipv6``
    and ``private_cloud`` (from the profile) steer ``interface_ip``; ``login_user`` is
    the decided login user (else the embedded image's ``os_admin_user``, if any).

    >>> s = normalize_server({"id": "x", "status": "UNKNOWN"}, Context(cloud="c", region_name=None))
    >>> s.state, s.addresses, s.interface_ip
    ('unknown', [], None)
    """
    raw = raw_mapping(raw)
    server_id = as_str(raw.get("id"))
    addresses = _collect_addresses(raw, server_id, floating_ips, network_roles)
    image = as_mapping(raw.get("image")) or {}
    zone = as_str(raw.get(SERVER_RENAMES["zone"]))
    status = as_str(raw.get("status"))
    return Munch(
        id=server_id,
        name=as_str(raw.get("name")),
        status=status,
        state=server_state(status, task_state=raw.get(_TASK_STATE_KEY)),
        **pick_addresses(addresses, prefer_ipv6=prefer_ipv6, private_cloud=private_cloud),
        login_user=login_user or first_text(_image_property(image, "os_admin_user")),
        image=_image_summary(image),
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


def _address_entry(addr: str, *, kind: str, network: Any, mac: Any) -> Munch | None:
    """One `addresses` item, or None when ``addr`` is not an IP address (junk is left out).

    The version comes from the address itself; Nova's own `version` key is not trusted over it.
    """
    parsed = parse_address(addr)
    if parsed is None:
        return None
    return Munch(addr=addr, version=parsed.version, type=kind, network=as_str(network),
                 mac=as_str(mac), is_public=False)


def _collect_addresses(raw: Mapping, server_id: str | None, floating_ips: Iterable[Any],
                       network_roles: Any) -> list:
    # key -> [entry, typed]; "typed" records whether Nova said fixed/floating itself.
    found: dict[str, list] = {}
    _add_nova_addresses(found, raw.get("addresses"), network_roles)
    _add_floating_ips(found, server_id, floating_ips)
    for field in ("accessIPv4", "accessIPv6"):
        entry = _address_entry(raw.get(field), kind="fixed", network=None, mac=None)
        if entry is not None:
            found.setdefault(address_key(entry.addr), [entry, True])
    entries = [entry for entry, _typed in found.values()]
    for entry in entries:
        role = role_for(network_roles, entry.network)
        entry.is_public = address_is_public(entry.addr, kind=entry.type, role=role)
    return entries


def _add_nova_addresses(found: dict, addresses: Any, network_roles: Any) -> None:
    addresses = as_mapping(addresses) or {}
    for network in network_order(addresses, network_roles):
        for item in as_list(addresses[network]):
            item = as_mapping(item) or {}
            raw_kind = lower_text(item.get(IP_TYPE_KEY))
            typed = raw_kind in _ADDRESS_KINDS
            kind = raw_kind if typed else "fixed"
            entry = _address_entry(item.get("addr"), kind=kind, network=network, mac=item.get(MAC_KEY))
            if entry is None:
                continue
            key = address_key(entry.addr)
            if key in found:
                # Listed twice (e.g. under two networks): floating anywhere means floating.
                if kind == "floating":
                    found[key][0].type = "floating"
                continue
            found[key] = [entry, typed]


def _add_floating_ips(found: dict, server_id: str | None, floating_ips: Iterable[Any]) -> None:
    by_fixed = {key: entry for key, (entry, _typed) in found.items() if entry.type == "fixed"}
    for fip in _items(floating_ips):
        fip = as_mapping(fip) or {}
        if not _fip_belongs_to(fip, server_id):
            continue
        # The floating IP sits on the network of the fixed address it is bound to.
        anchor = by_fixed.get(address_key(first_text(fip.get("fixed_ip_address"), fip.get("fixed_ip")) or ""))
        port = as_mapping(fip.get("port_details")) or {}
        entry = _address_entry(first_text(fip.get("floating_ip_address"), fip.get("ip")), kind="floating",
                               network=anchor.network if anchor is not None else None,
                               mac=anchor.mac if anchor is not None else port.get("mac_address"))
        if entry is None:
            continue
        known = found.get(address_key(entry.addr))
        if known is None:
            found[address_key(entry.addr)] = [entry, True]
        elif not known[1]:
            known[0].type = "floating"  # an untyped Nova entry that is in fact this floating IP


def _items(value: Any) -> list:
    """The items of any iterable argument except text and mappings (which are not lists)."""
    if value is None or isinstance(value, (str, bytes, Mapping)):
        return []
    return list(value) if isinstance(value, Iterable) else []


def _fip_belongs_to(fip: Mapping, server_id: str | None) -> bool:
    """A floating IP that names another server (device or instance) is not this server's."""
    if server_id is None:
        return True
    port = as_mapping(fip.get("port_details")) or {}
    owner = first_text(port.get("device_id"), as_text(fip.get("instance_id")))
    return owner is None or owner == server_id


def pick_addresses(addresses: list, *, prefer_ipv6: bool = False, private_cloud: bool = False) -> dict:
    """The contract's address fields from classified ``addresses`` (DESIGN §2).

    ``interface_ip``: public_v4, else public_v6 when IPv6 is preferred or the only public
    family, else private_v4 when the cloud is marked private; never by probing.

    >>> pick_addresses([Munch(addr="2001:db8::5", version=6, type="fixed", network="n", is_public=True)])["interface_ip"]
    '2001:db8::5'
    """
    def first(version: int, *, public: bool, kind: str | None = None) -> str | None:
        for entry in addresses:
            if entry.version != version or entry.is_public != public:
                continue
            if kind is not None and entry.type != kind:
                continue
            if not public and entry.network is None:
                continue  # private means "on the server's tenant network"
            return entry.addr
        return None

    public_v4 = first(4, public=True, kind="floating") or first(4, public=True)
    public_v6 = first(6, public=True, kind="floating") or first(6, public=True)
    private_v4 = first(4, public=False, kind="fixed")
    if prefer_ipv6 and public_v6:
        interface_ip = public_v6
    else:
        interface_ip = public_v4 or public_v6 or (private_v4 if private_cloud else None)
    return {
        "public_v4": public_v4,
        "public_v6": public_v6,
        "private_v4": private_v4,
        "private_v6": first(6, public=False, kind="fixed"),
        "interface_ip": interface_ip,
    }


def _image_property(image: Mapping, key: str) -> Any:
    if key in image:
        return image.get(key)
    for nested in _IMAGE_PROPERTY_KEYS:
        props = as_mapping(image.get(nested))
        if props is not None and key in props:
            return props.get(key)
    return None


def _image_summary(image: Mapping) -> Munch:
    # Boot-from-volume servers report image "" (not a mapping): every field is None.
    return Munch(
        id=as_text(image.get("id")),
        name=as_str(image.get("name")),
        distro=lower_text(_image_property(image, "os_distro")),
        version=as_text(_image_property(image, "os_version")),
    )


def _flavor_summary(value: Any) -> Munch:
    # Before microversion 2.47 Nova sends {id, links}; from 2.47 the flavor is embedded
    # as {original_name, vcpus, ram, disk, ...} and carries no id.
    flavor = as_mapping(value) or {}
    return Munch(
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
