"""Pure composition: raw API payloads plus the effective profile -> normalized objects.

The Cloud fetches (through :mod:`normalizer.facts`); this module decides and shapes,
with no I/O. The golden cases in ``tests/cases/`` run recorded payloads through a real
Cloud on FakeCloud, so what they pin is exactly what users get.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable

from munch import Munch

from normalizer.normalize import Context, normalize_image, normalize_network, normalize_server
from normalizer.normalize.addresses import is_global_cidr, parse_address
from normalizer.normalize.fields import as_list, as_text
from normalizer.normalize.server_addresses import FloatingIPIndex
from normalizer.select.addresses import explain_address
from normalizer.select.decision import Considered, Decision
from normalizer.select.images import image_identity
from normalizer.select.login import login_user_for_image, login_user_for_server
from normalizer.select.network_roles import NetworkRoles, classify_networks

if TYPE_CHECKING:  # the profile package never imports this module
    from normalizer.profiles import Profile

__all__ = ["Topology", "network_roles", "network_views", "network_cidrs", "server_viewer", "releasing",
           "explain_server_address", "networks_from_addresses", "subnets_from_addresses", "single_homed",
           "image_view", "image_login", "server_login", "login_users", "network_role_decision", "nat_destination",
           "VOLUMES_ATTACHED_KEY", "boots_from_volume", "with_boot_volume_images"]


@dataclass(frozen=True)
class Topology:
    """The raw network facts roles are decided from (one snapshot)."""

    networks: Sequence[Mapping[str, Any]] = ()
    subnets: Sequence[Mapping[str, Any]] = ()
    routers: Sequence[Mapping[str, Any]] = ()
    router_ports: Sequence[Mapping[str, Any]] = ()
    project_id: str | None = None
    l3: bool = True  # False: Neutron without the router extension (no routers, no floating IPs)


def networks_from_addresses(servers: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Networks as clouds without a network API show them: the labels of server addresses.

    Such a network has no id of its own; its label stands in, so a role decided for it
    can be found again (ids are text, never None).

    >>> [(n["id"], n["name"]) for n in networks_from_addresses([{"addresses": {"public": [], "private": []}}])]
    [('private', 'private'), ('public', 'public')]
    """
    labels = sorted({label for server in servers if isinstance(server, Mapping)
                     for label in (server.get("addresses") or {}) if isinstance(label, str)})
    return [{"id": label, "name": label, "status": "ACTIVE", "subnets": [], "shared": False,
             "router:external": False, "source": "nova addresses"} for label in labels]


def single_homed(servers: Sequence[Mapping[str, Any]]) -> bool:
    """True when every server's Nova addresses name one network at most.

    Such servers' address fields need no network order, so no router facts.

    >>> single_homed([{"addresses": {"a": []}}, {"addresses": {}}]), single_homed([{"addresses": {"a": [], "b": []}}])
    (True, False)
    """
    return not any(isinstance(server, Mapping) and isinstance(server.get("addresses"), Mapping)
                   and len(server["addresses"]) > 1 for server in servers)


def subnets_from_addresses(servers: Sequence[Mapping[str, Any]]) -> list[dict]:
    """What the servers' own addresses show of each labelled network's ranges (no network API).

    Each fixed address becomes a host route of its label's network, collapsed, so the
    role decider sees, say, that servers on ``public`` hold globally routable addresses.

    >>> [s["cidr"] for s in subnets_from_addresses([{"addresses": {"public": [
    ...     {"addr": "38.108.68.7", "version": 4}, {"addr": "38.108.68.6", "version": 4}],
    ...     "private": [{"addr": "10.0.0.5"}, {"addr": "38.108.70.9"}]}}])]
    ['10.0.0.5/32', '38.108.68.6/31']
    """
    found: dict[str, list] = {}
    for server in servers:
        for label, entries in ((server.get("addresses") or {}) if isinstance(server, Mapping) else {}).items():
            for entry in entries if isinstance(entries, list) else ():
                if not isinstance(entry, Mapping) or entry.get("OS-EXT-IPS:type") == "floating":
                    continue  # a floating IP says nothing about the range servers boot into
                address = parse_address(entry.get("addr"))
                if isinstance(label, str) and address is not None:
                    found.setdefault(label, []).append(address)
    subnets = []
    for label in sorted(found):
        for version in (4, 6):
            family = [a for a in found[label] if a.version == version]
            internal = [a for a in family if not is_global_cidr(f"{a}/{a.max_prefixlen}")]
            # Untyped addresses: where servers also hold internal ones, the routable ones
            # are floating IPs that nova-network lists under the same label.
            subnets += [{"network_id": label, "cidr": str(net), "ip_version": version, "source": "nova addresses"}
                        for net in ipaddress.collapse_addresses(internal or family)]
    return subnets


def network_roles(topology: Topology, profile: Profile) -> NetworkRoles:
    """Every network's role under this profile.

    >>> from normalizer.profiles import load_profile
    >>> network_roles(Topology(networks=[{"id": "n", "name": "a", "project_id": "p"}], project_id="p"),
    ...               load_profile("generic")).private.value
    'n'
    """
    return classify_networks(topology.networks, topology.subnets, topology.routers, topology.router_ports,
                             settings=profile.network, project_id=topology.project_id,
                             l3=topology.l3)


def network_views(topology: Topology, roles: NetworkRoles, ctx: Context) -> list[Munch]:
    """The normalized networks, each with its role and reason.

    >>> from normalizer.profiles import load_profile
    >>> network_views(Topology(networks=[{"id": "n", "name": "a"}]),
    ...               network_roles(Topology(networks=[{"id": "n", "name": "a"}]), load_profile("generic")),
    ...               Context(cloud="c", region_name=None))[0].name
    'a'
    """
    by_id = {role.id: role for role in roles.roles if role.id is not None}
    by_name = roles.by_name()
    views = []
    for raw in topology.networks:
        role = by_id.get(raw.get("id")) or by_name.get(raw.get("name"))
        views.append(normalize_network(raw, ctx, subnets=topology.subnets, role=role))
    return views


def network_cidrs(topology: Topology | None) -> dict[str, tuple[str, ...]]:
    """Each network's subnet CIDRs, by network id and by name (Nova labels addresses by name).

    Built once per listing; two networks with one name share the key, with both ranges.

    >>> network_cidrs(Topology(networks=[{"id": "n", "name": "a", "subnets": ["s"]}],
    ...                        subnets=[{"id": "s", "network_id": "n", "cidr": "10.0.0.0/24"}]))["a"]
    ('10.0.0.0/24',)
    """
    if topology is None:
        return {}
    subnets = [s for s in topology.subnets if isinstance(s, Mapping) and isinstance(s.get("cidr"), str)]
    by_subnet = {as_text(s.get("id")): s for s in subnets}
    by_network: dict[str | None, list] = {}
    for subnet in subnets:
        by_network.setdefault(as_text(subnet.get("network_id")), []).append(subnet)
    found: dict[str, set] = {}
    for raw in topology.networks:
        if not isinstance(raw, Mapping):
            continue
        network_id = as_text(raw.get("id"))
        own = list(by_network.get(network_id, ())) if network_id is not None else []
        own += [by_subnet[i] for i in map(as_text, as_list(raw.get("subnets"))) if i is not None and i in by_subnet]
        for key in (network_id, raw.get("name")):
            if isinstance(key, str) and key:
                found.setdefault(key, set()).update(s["cidr"] for s in own)
    return {key: tuple(sorted(cidrs)) for key, cidrs in found.items()}


def _address_facts(roles: NetworkRoles, profile: Profile, topology: Topology | None,
                   floating_ips: Any) -> dict[str, Any]:
    """The facts every address decision of a listing shares, derived once (servers and explain alike)."""
    settings = profile.network
    return {"network_roles": roles.by_name(), "network_cidrs": network_cidrs(topology),
            "prefer_ipv6": settings.prefer_ipv6,
            "private_cloud": settings.private_cloud,
            "floating_ips": FloatingIPIndex.of(floating_ips)}


def server_viewer(roles: NetworkRoles, profile: Profile, ctx: Context, *,
                  login_user: Callable[[Mapping[str, Any]], str | None] | None = None,
                  images: Mapping[str, Mapping[str, Any]] | None = None,
                  topology: Topology | None = None,
                  floating_ips: Sequence[Mapping[str, Any]] | FloatingIPIndex | None = None,
                  forwards: Mapping[str, tuple[str, int]] | None = None) -> Callable[[Mapping[str, Any]], Munch]:
    """A function normalizing raw servers with these roles and the profile's preferences.

    ``login_user`` maps a raw server to its decided login user (None: unknown);
    ``images`` (raw Glance images by id) fill in the image's name and properties, and
    the server's ``image.distro``/``version`` are the identity ``image_view`` decides for
    that image. ``topology`` gives each network's subnets (an address outside all of
    them does not take the network's role); ``floating_ips`` is the project's raw
    floating-IP listing (addresses Nova does not label floating are floating when listed
    there). Both are indexed once here, so the cost per server does not grow with them.
    The returned function also takes raw floating IPs known to be attached to that
    server (Nova may not list them yet). ``forwards`` maps server ids to the
    ``(address, port)`` of the shared floating IP forwarding their SSH.

    >>> from normalizer.profiles import load_profile
    >>> generic = load_profile("generic")
    >>> view = server_viewer(network_roles(Topology(), generic), generic, Context(cloud="c", region_name=None))
    >>> view({"id": 59662, "status": "ACTIVE"}).id
    '59662'
    """
    facts = _address_facts(roles, profile, topology, floating_ips)
    identities: dict[Any, Mapping[str, Any] | None] = {}  # one identity decision per image, not per server

    def view(raw: Mapping[str, Any], floating_ips: Any = (), forwarded: tuple[str, int] | None = None) -> Munch:
        user = login_user(raw) if login_user is not None else None
        image = _server_image(raw, images or {})
        key = image.get("id") if image and isinstance(image.get("id"), (str, int)) else None
        if key is None or key not in identities:
            identity = image_identity(image, profile).value if image else None
            if key is not None:
                identities[key] = identity
        else:
            identity = identities[key]
        raw = _with_image_details(raw, images or {})
        return normalize_server(raw, ctx, floating_ips=floating_ips, project_floating_ips=facts["floating_ips"],
                                network_roles=facts["network_roles"], network_cidrs=facts["network_cidrs"],
                                prefer_ipv6=facts["prefer_ipv6"], private_cloud=facts["private_cloud"],
                                login_user=user, image_identity=identity,
                                forwarded=forwarded or (forwards or {}).get(str(raw.get("id"))))
    return view


def releasing(raws: list, view: Callable[[Any], Munch]) -> Iterator[Munch]:
    """``view`` of every raw server in order, emptying ``raws`` as it goes.

    A listing then never holds every raw server and every record at once: the memory
    of each raw server is free for the records once it is normalized. Only for a list
    nobody else holds (not one a cache returned).

    >>> raws = [{"id": 1}, {"id": 2}]
    >>> [r["id"] for r in releasing(raws, dict)], raws
    ([1, 2], [])
    """
    raws.reverse()
    while raws:
        yield view(raws.pop())


def explain_server_address(server: Mapping[str, Any], field: str, roles: NetworkRoles, profile: Profile, *,
                           topology: Topology | None = None,
                           floating_ips: Sequence[Mapping[str, Any]] | FloatingIPIndex | None = None) -> Decision:
    """Why a normalized server's address field holds its value: the decision ``server_viewer`` took.

    Give the same ``topology`` and ``floating_ips`` the server was viewed with.

    >>> from normalizer.profiles import load_profile
    >>> generic = load_profile("generic")
    >>> roles = network_roles(Topology(), generic)
    >>> server = server_viewer(roles, generic, Context(cloud="c", region_name=None))(
    ...     {"id": "s", "addresses": {"n": [{"addr": "10.0.0.5"}, {"addr": "37.187.1.2"}]}})
    >>> explain_server_address(server, "private_v4", roles, generic).value
    '10.0.0.5'
    """
    return explain_address(server, field, **_address_facts(roles, profile, topology, floating_ips))


#: Nova's key for the volumes attached to a server (its list of ``{id, delete_on_termination}``).
VOLUMES_ATTACHED_KEY = "os-extended-volumes:volumes_attached"


def boots_from_volume(raw: Mapping[str, Any]) -> bool:
    """True for a server Nova booted from a volume: no image of its own, a volume attached.

    >>> boots_from_volume({"image": "", "os-extended-volumes:volumes_attached": [{"id": "v1"}]})
    True
    """
    return not raw.get("image") and bool(raw.get(VOLUMES_ATTACHED_KEY))


def with_boot_volume_images(raws: Sequence[Mapping[str, Any]], volumes: Sequence[Mapping[str, Any]],
                            images: Mapping[str, Mapping[str, Any]]) -> tuple[list, dict]:
    """Servers booted from volumes given the image their boot volume was made from (pure).

    Cinder copies the image's id, name and properties into the volume's
    ``volume_image_metadata``; a server whose image field is empty gets that image, so
    its login user and image identity are decided as for any server. Returns the servers
    and the images by id, plus those known only from a volume's metadata.

    >>> raws, images = with_boot_volume_images(
    ...     [{"id": "s1", "image": "", "os-extended-volumes:volumes_attached": [{"id": "v1"}]}],
    ...     [{"id": "v1", "volume_image_metadata": {"image_id": "i1", "image_name": "Debian 12",
    ...                                             "image_original_user": "debian"}}], {})
    >>> raws[0]["image"], images["i1"]["name"]
    ({'id': 'i1'}, 'Debian 12')
    """
    by_volume = {str(v.get("id")): v.get("volume_image_metadata") for v in volumes
                 if isinstance(v, Mapping) and isinstance(v.get("volume_image_metadata"), Mapping)}
    images, result = dict(images), []
    for raw in raws:
        meta = next((by_volume[str(v.get("id"))] for v in raw.get(VOLUMES_ATTACHED_KEY) or ()
                     if isinstance(v, Mapping) and str(v.get("id")) in by_volume), None) \
            if boots_from_volume(raw) else None
        if not meta or not meta.get("image_id"):
            result.append(raw)
            continue
        image_id = str(meta["image_id"])
        images.setdefault(image_id, {**meta, "id": image_id, "name": meta.get("image_name")})
        result.append({**raw, "image": {"id": image_id}})
    return result, images


def _server_image(raw: Mapping[str, Any], images: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The image whose identity the server shows: Glance's record when listed (as image_view sees it), else Nova's."""
    embedded = raw.get("image") if isinstance(raw, Mapping) else None
    if not isinstance(embedded, Mapping) or not embedded:
        return None
    listed = images.get(embedded.get("id")) if isinstance(embedded.get("id"), (str, int)) else None
    return listed if isinstance(listed, Mapping) else embedded


def _with_image_details(raw: Mapping[str, Any], images: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any]:
    """The server with its image's name and properties from Glance (Nova embeds them only from 2.98)."""
    embedded = raw.get("image")
    if not isinstance(embedded, Mapping) or embedded.get("name") or not isinstance(embedded.get("id"), (str, int)) \
            or embedded.get("id") not in images:
        return raw
    return {**raw, "image": {**images[embedded.get("id")], **embedded}}


def image_login(raw: Mapping[str, Any], profile: Profile) -> tuple[Decision, Decision]:
    """(identity, login user) decisions for one raw Glance image.

    >>> from normalizer.profiles import load_profile
    >>> identity, login = image_login({"name": "debian-12-genericcloud-amd64"}, load_profile("generic"))
    >>> identity.value["distro"], login.value
    ('debian', 'debian')
    """
    identity = image_identity(raw, profile)
    return identity, login_user_for_image(raw, profile, identity=identity)


def image_view(raw: Mapping[str, Any], profile: Profile, ctx: Context) -> Munch:
    """The normalized image with its decided distro, version, arch and login user.

    >>> from normalizer.profiles import load_profile
    >>> image_view({"id": "i", "name": "Rocky 9"}, load_profile("generic"), Context(cloud="c", region_name=None)).login_user
    'rocky'
    """
    identity, login = image_login(raw, profile)
    return normalize_image(raw, ctx, identity=identity.value, login_user=login.value)


def server_login(raw_server: Mapping[str, Any], images_by_id: Mapping[str, Mapping[str, Any]], profile: Profile,
                 volume_image_metadata: Mapping[str, Any] | None = None) -> Decision:
    """The login-user decision for a raw server, through its image (or its boot volume's).

    >>> from normalizer.profiles import load_profile
    >>> server_login({"image": {"id": "i"}}, {"i": {"id": "i", "os_distro": "ubuntu"}}, load_profile("generic")).value
    'ubuntu'
    """
    image_ref = raw_server.get("image") if isinstance(raw_server, Mapping) else None
    image = images_by_id.get(image_ref.get("id")) if isinstance(image_ref, Mapping) else None
    return login_user_for_server(raw_server, image, profile, volume_image_metadata=volume_image_metadata)


def login_users(images_by_id: Mapping[str, Mapping[str, Any]], profile: Profile) -> Callable[[Mapping[str, Any]], Any]:
    """A function giving each raw server's login user, decided once per image, not once per server.

    The decision depends only on the image (``server_login``), so a listing of 5,000
    servers of ten images decides ten times.

    >>> from normalizer.profiles import load_profile
    >>> user = login_users({"i": {"id": "i", "os_distro": "debian"}}, load_profile("generic"))
    >>> user({"id": "s1", "image": {"id": "i"}}), user({"id": "s2", "image": {"id": "i"}})
    ('debian', 'debian')
    """
    decided: dict[Any, Any] = {}

    def login_user(raw: Mapping[str, Any]) -> Any:
        ref = raw.get("image") if isinstance(raw, Mapping) else None
        key = ref.get("id") if isinstance(ref, Mapping) and isinstance(ref.get("id"), str) and ref.get("id") else None
        if key is None:
            return server_login(raw, images_by_id, profile).value
        if key not in decided:
            decided[key] = server_login(raw, images_by_id, profile).value
        return decided[key]
    return login_user


def network_role_decision(network: Mapping[str, Any], roles: NetworkRoles) -> Decision:
    """Why a normalized network has its roles (what ``cloud.explain(network)`` says).

    >>> from normalizer.profiles import load_profile
    >>> roles = network_roles(Topology(), load_profile("generic"))
    >>> network_role_decision({"id": "n1", "name": "blue"}, roles).reason
    'not found in the current topology'
    """
    role = roles.get(network.get("id")) or roles.by_name().get(network.get("name"))
    flags = {k: network.get(k) for k in ("is_public", "is_external", "nat_source", "nat_destination",
                                         "routes_externally", "is_default")}
    considered = tuple(Considered(d.subject, f"{d.value or 'none'}: {d.reason}")
                       for d in (roles.public, roles.private, roles.external))
    return Decision(f"roles of network {network.get('name')!r}", flags, "network roles",
                    role.reason if role is not None else "not found in the current topology", considered)


def nat_destination(raw_server: Mapping[str, Any], roles: NetworkRoles) -> str | None:
    """The id of the server's network that floating IPs map to, else the private network's (None: any port).

    >>> from normalizer.profiles import load_profile
    >>> nat_destination({"addresses": {}}, network_roles(Topology(), load_profile("generic"))) is None
    True
    """
    by_name = roles.by_name()
    for name in (raw_server.get("addresses") or {}):
        role = by_name.get(name)
        if role is not None and role.nat_destination:
            return role.id
    return roles.private.value
