"""Plan a server: every decision ``create_server`` takes, decided before anything is created.

Pure: raw images and flavors, the network roles and the profile go in; a
:class:`ServerPlan` comes out, each step with its :class:`~normalizer.select.decision.Decision`.
``cloud.plan_server(...)`` returns it for IPython and Ansible check mode; creating a
server applies the same plan, so what check mode shows is what happens.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from munch import Munch

from normalizer.arguments import flag, kind_of
from normalizer.exceptions import AmbiguousMatch, ConfigError, NoMatch, SelectionError, UnsupportedOnCloud
from normalizer.provision.access import AccessRequest, public_access_step, ssh_access_step
from normalizer.provision.boot_volume import BootVolume, VolumeRequest, boot_volume_step
from normalizer.select.decision import Decision
from normalizer.select.flavors import pick_flavor
from normalizer.select.images import pick_image
from normalizer.select.lookup import find_by_id_or_name
from normalizer.select.login import login_user_for_image
from normalizer.select.network_roles import NetworkRoles
from normalizer.userdata import is_private_key, merge_user_data, root_access, user_data_size_ok

if TYPE_CHECKING:
    from normalizer.profiles import Profile

__all__ = ["ServerRequest", "ServerPlan", "check_create_options", "plan_server", "temporary_key_name"]


@dataclass(frozen=True)
class ServerRequest:
    """What the caller asked for (the arguments of ``create_server``), checked when built.

    Every argument is checked here, before any request leaves the host: a wrong type, a
    private key, metadata Nova would refuse... is a :class:`ConfigError` naming the
    argument. ``security_groups`` given as one string means that one group.

    >>> ServerRequest(name="web1", image="ubuntu-22.04", flavor="t3.small", security_groups="web").security_groups
    ('web',)
    >>> ServerRequest(name="web1", image="ubuntu-22.04", flavor="t3.small", metadata={"port": 80})
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: metadata['port'] must be text, not an int; Nova keeps metadata as strings: pass str(value)
    """

    name: str
    image: Any
    flavor: Any
    network: Any = None
    key_name: str | None = None
    public_key: str | None = None
    auto_ip: bool = True
    userdata: str | bytes | None = None
    root_keys: Sequence[str] | None = None
    security_groups: Sequence[str] | None = None
    metadata: Mapping[str, str] | None = None
    boot_from_volume: bool | None = None
    volume_size: int | None = None
    volume_type: str | None = None
    allow_ssh: Any = None
    public_access: str = "auto"
    volume: VolumeRequest = field(init=False, repr=False, default=VolumeRequest())
    access: AccessRequest = field(init=False, repr=False, default=AccessRequest())

    def __post_init__(self) -> None:
        _check_name(self.name)
        for argument in ("image", "flavor", "network"):
            object.__setattr__(self, argument, _check_choice(getattr(self, argument), argument))
        _check_text(self.key_name, "key_name", "the name of an existing keypair")
        _check_public_key(self.public_key)
        if self.key_name and self.public_key:
            raise ConfigError("pass key_name or public_key, not both",
                              hint="key_name uses an existing keypair; public_key creates a temporary one")
        if not isinstance(self.auto_ip, bool):
            raise ConfigError(f"auto_ip must be True or False, not {kind_of(self.auto_ip)}", hint="pass a bool")
        if self.userdata is not None and not isinstance(self.userdata, (str, bytes, bytearray)):
            raise ConfigError(f"userdata must be text or bytes, not {kind_of(self.userdata)}",
                              hint="pass the cloud-init document as a str")
        _check_root_keys(self.root_keys)
        object.__setattr__(self, "security_groups", _check_groups(self.security_groups))
        object.__setattr__(self, "metadata", _check_metadata(self.metadata))
        object.__setattr__(self, "volume", VolumeRequest(self.boot_from_volume, self.volume_size, self.volume_type))
        object.__setattr__(self, "access", AccessRequest(self.allow_ssh, self.public_access))
        _userdata_step(self)  # merges and measures the user-data: too large is refused now, not by Nova


# --- checking the request (pure; runs when a ServerRequest is built) ---------------------------

_NOVA_TEXT_LIMIT = 255  # server names, keypair names, metadata keys and values
_RESERVED_METADATA = "normalizer:"  # ownership records: a caller's item could claim another's resources
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        got = "empty" if isinstance(name, str) else kind_of(name)
        raise ConfigError(f"name must be a non-empty string, not {got}", hint="pass the server's name, e.g. 'web1'")
    if len(name) > _NOVA_TEXT_LIMIT or _CONTROL.search(name):
        raise ConfigError(f"name must be at most {_NOVA_TEXT_LIMIT} printable characters",
                          hint="shorten the name and leave out line breaks and control characters")


def _check_text(value: Any, argument: str, meaning: str) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > _NOVA_TEXT_LIMIT:
        got = kind_of(value) if not isinstance(value, str) else f"{len(value)} characters"
        raise ConfigError(f"{argument} must be a non-empty string of at most {_NOVA_TEXT_LIMIT} characters, "
                          f"not {got}", hint=f"pass {meaning}, or leave {argument} out")


def _check_choice(value: Any, argument: str) -> Any:
    """An image, flavor or network: a name, an id, an alias, or a normalized object (with an id)."""
    if value is None and argument == "network":
        return None
    if isinstance(value, Mapping):
        if isinstance(value.get("id"), str) and value.get("id"):
            return value
        raise ConfigError(f"{argument} is a mapping without an 'id'",
                          hint=f"pass the {argument}'s name or id, or an object from cloud.get_{argument}()")
    if isinstance(value, int) and not isinstance(value, bool) and argument == "flavor":
        return str(value)  # old Nova flavor ids are numbers such as 1; Nova serves them as text
    if isinstance(value, str) and value.strip():
        return value
    got = "an empty string" if isinstance(value, str) else kind_of(value)
    example = {"image": "'ubuntu-22.04'", "flavor": "'t3.small'", "network": "'private'"}[argument]
    raise ConfigError(f"{argument} must be a name, an id or a normalized {argument}, not {got}",
                      hint=f"pass e.g. {argument}={example}" + (", or leave it out" if argument == "network" else ""))


def _check_public_key(key: Any) -> None:
    if key is None:
        return
    if not isinstance(key, str):
        raise ConfigError(f"public_key must be one OpenSSH public key line, not {kind_of(key)}",
                          hint="pass the text of the .pub file")
    if is_private_key(key):
        # the key is neither sent nor repeated, not even in part
        raise ConfigError("public_key is a private key (not shown, not used)",
                          hint="pass the public half instead: the .pub file, or `ssh-keygen -y -f KEYFILE`")
    if not key.strip() or "\n" in key.strip() or "\r" in key:
        raise ConfigError("public_key must be one OpenSSH public key line: TYPE BASE64 [COMMENT]",
                          hint="copy the single line of the .pub file")


def _check_root_keys(keys: Any) -> None:
    if keys is None or (isinstance(keys, (list, tuple)) and not keys):
        return
    try:
        root_access(keys)
    except ConfigError as error:
        # root_access never quotes a key; the argument's name says where the problem is
        raise ConfigError(f"root_keys: {error.message}", hint=error.hint) from None


def _check_groups(groups: Any) -> tuple[str, ...]:
    if groups is None:
        return ()
    if isinstance(groups, str):
        groups = [groups]  # one group by name: what a caller who writes "web" means
    if not isinstance(groups, (list, tuple, set, frozenset)):
        raise ConfigError(f"security_groups must be a list of group names, not {kind_of(groups)}",
                          hint="pass e.g. security_groups=['default', 'web']")
    for group in groups:
        if not isinstance(group, str) or not group.strip():
            got = "an empty string" if isinstance(group, str) else kind_of(group)
            raise ConfigError(f"security_groups must hold group names, not {got}",
                              hint="pass e.g. security_groups=['default', 'web']")
    return tuple(sorted(groups) if isinstance(groups, (set, frozenset)) else groups)


def check_create_options(*, ip_version: Any = None, wait: Any = True, timeout: Any = 600, **flags: Any) -> None:
    """Check ``create_server``'s options beyond the request (``wait``, ``timeout``, flags) before any request.

    ``flags`` are the other booleans (``keep_on_failure``, ``reuse_ips``,
    ``wait_for_ssh``): each must be True or False, since a truthy string such as "no"
    would do the opposite of what it says.

    >>> check_create_options(wait=True, timeout=300, reuse_ips=False)
    >>> check_create_options(timeout="10m")
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: timeout must be a positive number of seconds, not a str; pass e.g. timeout=600
    """
    if ip_version not in (None, 4, 6) or isinstance(ip_version, bool):
        raise ConfigError(f"ip_version must be 4, 6 or None, not {kind_of(ip_version)}",
                          hint="pass ip_version=6 to reach the server over IPv6, or leave it out")
    for name, value in {"wait": wait, **flags}.items():
        flag(value, name)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf"):
        got = kind_of(timeout) if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) else repr(timeout)
        raise ConfigError(f"timeout must be a positive number of seconds, not {got}", hint="pass e.g. timeout=600")


def _check_metadata(metadata: Any) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise ConfigError(f"metadata must be a mapping of strings to strings, not {kind_of(metadata)}",
                          hint="pass e.g. metadata={'role': 'web'}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not key or len(key) > _NOVA_TEXT_LIMIT:
            shown = repr(key)[:40] if isinstance(key, str) else kind_of(key)
            raise ConfigError(f"metadata keys must be strings of 1 to {_NOVA_TEXT_LIMIT} characters, not {shown}",
                              hint="pass e.g. metadata={'role': 'web'}")
        if key.startswith(_RESERVED_METADATA):
            raise ConfigError(f"metadata[{key[:40]!r}] uses the prefix '{_RESERVED_METADATA}', which normalizer "
                              "keeps for its own records", hint="choose a key without that prefix")
        if not isinstance(value, str):
            raise ConfigError(f"metadata[{key[:40]!r}] must be text, not {kind_of(value)}",
                              hint="Nova keeps metadata as strings: pass str(value)")
        if len(value) > _NOVA_TEXT_LIMIT:
            raise ConfigError(f"metadata[{key[:40]!r}] is {len(value)} characters long "
                              f"(Nova takes at most {_NOVA_TEXT_LIMIT})", hint="shorten the value")
    return dict(metadata)


@dataclass(frozen=True)
class ServerPlan:
    """The decisions for one server; ``steps`` holds each decision in provisioning order.

    ``existing`` is the normalized server of that name when there is one (``ensure_server``
    returns it instead of creating one; its decision comes first among the steps) and
    ``differences`` how it differs from the request (image, flavor, ERROR), one line each.
    """

    name: str
    image_id: str
    flavor_id: str
    network_id: str | None
    key_name: str | None
    temporary_key: bool
    floating_ip_pool: str | None
    login_user: str | None
    userdata: str | None
    security_groups: tuple[str, ...]
    metadata: Mapping[str, str]
    steps: tuple[Decision, ...]
    existing: Mapping[str, Any] | None = None
    differences: tuple[str, ...] = ()
    boot_volume: BootVolume | None = None
    ssh_group: str | None = None
    ssh_ranges: tuple[str, ...] = ()
    public_access: str | None = None

    def with_existing(self, server: Mapping[str, Any] | None, decision: Decision,
                      differences: Sequence[str] = ()) -> "ServerPlan":
        """This plan, knowing the server of that name: its decision comes first when there is one.

        >>> plan = ServerPlan("a", "i", "f", None, None, False, None, None, None, (), {}, ())
        >>> plan.with_existing({"id": "s1"}, Decision("existing server", "s1", "same name", "kept")).steps[0].value
        's1'
        """
        steps = (decision, *self.steps) if server is not None else self.steps
        return replace(self, existing=server, differences=tuple(differences), steps=steps)

    def to_munch(self) -> Munch:
        """The plan as plain data (what ``cloud.plan_server`` returns).

        >>> sorted(ServerPlan("a", "i", "f", None, None, False, None, None, None, (), {}, ()).to_munch())[:3]
        ['boot_volume', 'differences', 'existing']
        """
        data = Munch({k: getattr(self, k) for k in ("name", "image_id", "flavor_id", "network_id", "key_name",
                                                    "temporary_key", "floating_ip_pool", "login_user", "userdata")})
        data.security_groups = list(self.security_groups)
        data.metadata = Munch(self.metadata)
        data.boot_volume = Munch(size=self.boot_volume.size, volume_type=self.boot_volume.volume_type) \
            if self.boot_volume else None
        data.ssh_group, data.ssh_ranges, data.public_access = self.ssh_group, list(self.ssh_ranges), self.public_access
        data.steps = [step.to_munch() for step in self.steps]
        data.existing = self.existing
        data.differences = list(self.differences)
        return data


def temporary_key_name(server_name: str, public_key: str) -> str:
    """The name of the temporary keypair for one server (stable for the same key).

    >>> temporary_key_name("web1", "ssh-ed25519 AAAA me")[:15]
    'normalizer-web1'
    >>> temporary_key_name("db/1 (eu)", "ssh-ed25519 AAAA me")[:18]
    'normalizer-db-1-eu'
    """
    digest = hashlib.sha256(public_key.strip().encode()).hexdigest()[:8]
    # Nova accepts letters, digits, spaces, '-', '_', '.' and '@' in keypair names; a
    # server name may hold anything.
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", server_name).strip("-")[:200]
    safe = safe[len("normalizer-"):] if safe.startswith("normalizer-") else safe
    return f"normalizer-{safe}-{digest}"


def _ref(value: Any) -> Any:
    return value.get("id") if isinstance(value, Mapping) else value


def _image_step(images: Sequence[Mapping], wanted: Any, profile: Profile) -> tuple[Mapping, Decision]:
    subject = "image"
    found = find_by_id_or_name(images, _ref(wanted), "image")
    if found is not None:
        return found, Decision(subject, found.get("id"), "named", f"the image {found.get('name')!r} was given")
    if not isinstance(wanted, str):
        raise SelectionError(f"cannot use {wanted!r} as an image", hint="pass an image name, id, alias or object")
    try:
        decision = pick_image(images, profile, alias=wanted)
    except SelectionError as error:
        raise NoMatch(f"no image is named {wanted!r}, and as an alias: {error.message}",
                      hint=error.hint, candidates=getattr(error, "candidates", [])) from None
    return next(i for i in images if i.get("id") == decision.value), decision


def _flavor_step(flavors: Sequence[Mapping], wanted: Any, profile: Profile) -> tuple[Mapping, Decision]:
    found = find_by_id_or_name(flavors, _ref(wanted), "flavor")
    if found is not None:
        return found, Decision("flavor", found.get("id"), "named", f"the flavor {found.get('name')!r} was given")
    if not isinstance(wanted, str):
        raise SelectionError(f"cannot use {wanted!r} as a flavor", hint="pass a flavor name, id, instance type or object")
    decision = pick_flavor(flavors, profile, wanted)
    return next(f for f in flavors if f.get("id") == decision.value), decision


def _network_step(roles: NetworkRoles, wanted: Any, networks: Sequence[Mapping], neutron: bool) -> Decision:
    subject = "boot network"
    if not neutron:
        if wanted is not None:
            raise UnsupportedOnCloud(f"cannot boot on network {wanted!r}: this cloud has no network API",
                                     hint="leave network= out; Nova places the server itself")
        return Decision(subject, None, "nova-network", "this cloud has no network API: Nova places the server")
    if wanted is not None:
        found = find_by_id_or_name(networks, _ref(wanted), "network")
        if found is None:
            raise NoMatch(f"no network {wanted!r}", hint="pass a network name or id this project can see")
        return Decision(subject, found.get("id"), "named", f"the network {found.get('name')!r} was given")
    for decision in (roles.private, roles.public):
        if decision.ambiguous:
            raise AmbiguousMatch(f"cannot choose the boot network: {decision.reason}",
                                 hint=f"pass network=, or {roles.hints['private']}",
                                 candidates=[c.candidate for c in decision.considered])
        if decision.value is not None:
            return Decision(subject, decision.value, decision.rule, decision.reason, decision.considered)
    raise UnsupportedOnCloud("this project has no network to boot a server on",
                             hint="create a tenant network, or pass network=")


def _floating_ip_step(request: ServerRequest, roles: NetworkRoles, network_id: str | None,
                      profile: Profile) -> Decision:
    subject = "public address"
    settings = profile.network
    role = roles.get(network_id) if network_id else None
    if not request.auto_ip:
        return Decision(subject, None, "auto_ip", "auto_ip=False: no floating IP")
    if network_id is None:
        return Decision(subject, None, "nova-network", "Nova assigns the addresses on this cloud; a floating IP from "
                        "its pools is added only if the server has no public address once ACTIVE")
    if role is not None and role.routes_ipv4_externally:
        return Decision(subject, None, "direct", f"the boot network gives a public IPv4 address ({role.reason})")
    if settings.public_access == "direct":
        return Decision(subject, None, "profile", "the profile says servers get public addresses directly")
    external = roles.external
    if external.ambiguous:
        raise AmbiguousMatch(f"cannot choose the floating-IP pool: {external.reason}",
                             hint=roles.hints["external"], candidates=[c.candidate for c in external.considered])
    if external.value is None:
        return Decision(subject, None, "none", f"no floating-IP pool: {external.reason}; the server gets no public IPv4")
    return Decision(subject, external.value, "floating IP",
                    f"a new floating IP from the pool: {external.reason}", external.considered)


def _key_step(request: ServerRequest) -> tuple[str | None, bool, Decision]:
    if request.public_key:
        name = temporary_key_name(request.name, request.public_key)
        return name, True, Decision("ssh key", name, "temporary keypair",
                                    "a keypair of this name plus a suffix unique to the call is created for this server "
                                    "and removed once it is ACTIVE")
    if request.key_name:
        return request.key_name, False, Decision("ssh key", request.key_name, "existing keypair", "used as is")
    return None, False, Decision("ssh key", None, "none", "no key: log in needs root_keys or user-data")


def _userdata_step(request: ServerRequest) -> tuple[str | None, Decision]:
    parts = [request.userdata]
    if request.root_keys:
        parts.append(root_access(request.root_keys))  # last, so its settings win in cloud-init's merge
    text = merge_user_data(*parts) if any(parts) else None
    if text is not None and not user_data_size_ok(text):
        raise ConfigError("the user-data is larger than Nova accepts (65535 bytes once base64-encoded)",
                          hint="shorten it, or fetch the bulk from a URL with #include")
    rule = "root_keys" if request.root_keys else ("userdata" if request.userdata else "none")
    return text, Decision("user-data", bool(text), rule, "cloud-init gives root the keys and turns password "
                          "login off" if request.root_keys else "as given" if request.userdata else "none")


def plan_server(request: ServerRequest, *, images: Sequence[Mapping], flavors: Sequence[Mapping],
                networks: Sequence[Mapping], roles: NetworkRoles, profile: Profile, neutron: bool = True,
                block_storage: bool | None = None, port_forwarding: bool | None = None) -> ServerPlan:
    """Decide image, flavor, boot volume, boot network, public address and access, key, login user and user-data.

    ``neutron`` False: the cloud has no usable network API (Nova places the server and
    hands out its addresses; ``network=`` cannot be honoured). ``block_storage``: whether
    the catalog has Cinder (None: unknown); ``port_forwarding``: whether Neutron forwards
    ports of floating IPs (None: not asked).

    Raises the selection errors a create would (NoMatch, AmbiguousMatch,
    UnsupportedOnCloud, ConfigError) before anything exists on the cloud.

    >>> plan = plan_server(ServerRequest(name="web1", image="ubuntu-24.04", flavor="t3.small"),  # doctest: +SKIP
    ...                    images=images, flavors=flavors, networks=networks, roles=roles, profile=profile)
    >>> plan.floating_ip_pool, plan.login_user  # doctest: +SKIP
    ('6e4b...', 'ubuntu')
    """
    image, image_decision = _image_step(images, request.image, profile)
    flavor, flavor_decision = _flavor_step(flavors, request.flavor, profile)
    storage = profile.block_storage
    volume, volume_decision = boot_volume_step(request.volume, image, flavor, block_storage=block_storage,
                                               cloud_wants_volume=storage.boot_from_volume,
                                               default_size=storage.default_volume_size)
    network = _network_step(roles, request.network, networks, neutron)
    fip = _floating_ip_step(request, roles, network.value, profile)
    access = public_access_step(request.access, floating_ip=fip, port_forwarding=port_forwarding)
    ssh = ssh_access_step(request.access, request.name, neutron=neutron)
    key_name, temporary, key = _key_step(request)
    login = login_user_for_image(image, profile)
    userdata, userdata_decision = _userdata_step(request)
    steps = (key, image_decision, flavor_decision, volume_decision, network, fip, access, ssh, login,
             userdata_decision)
    groups = tuple(request.security_groups or ())
    if ssh.value and not groups and profile.network.default_security_group:
        groups = (profile.network.default_security_group,)  # naming any group replaces Nova's default one
    return ServerPlan(
        name=request.name, image_id=image.get("id"), flavor_id=flavor.get("id"), network_id=network.value,
        key_name=key_name, temporary_key=temporary, floating_ip_pool=fip.value, login_user=login.value,
        userdata=userdata, security_groups=groups, metadata=dict(request.metadata or {}), steps=steps,
        boot_volume=volume, ssh_group=ssh.value, ssh_ranges=request.access.ssh_ranges, public_access=access.value)
