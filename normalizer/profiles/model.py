"""The frozen, typed view of a merged vendor profile.

``Profile.data`` holds the whole merged profile, deeply read-only (:class:`FrozenMap`
instead of dicts, tuples instead of lists). Every section the library decides from is
also a typed, frozen dataclass built once here: ``transport`` (:class:`TransportSettings`),
``network`` (:class:`NetworkSettings`), ``identity``, ``images``, ``login``, ``flavors``
and ``conformance`` (see :mod:`normalizer.profiles.sections`: rule lists joined, regexes
compiled). :meth:`Profile.get` still reads any key by dotted path.

Pure: builds objects from already validated data; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from normalizer.exceptions import ProfileError
from normalizer.profiles.frozen import FrozenMap, freeze
from normalizer.profiles.merge import plain_copy
from normalizer.profiles.sections import (
    ConformanceSettings,
    FlavorSettings,
    IdentitySettings,
    ImageSettings,
    LoginSettings,
)

__all__ = [
    "ConformanceSettings",
    "FlavorSettings",
    "FrozenMap",
    "IdentitySettings",
    "ImageSettings",
    "LoginSettings",
    "NetworkRule",
    "NetworkSettings",
    "Profile",
    "ProfileDeprecationWarning",
    "TransportSettings",
    "freeze",
]

_MISSING = object()


class ProfileDeprecationWarning(UserWarning):
    """Issued when a profile with ``status: deprecated`` is loaded.

    Turn it into an error in a test suite:

    >>> warnings.simplefilter("error", ProfileDeprecationWarning)  # doctest: +SKIP
    """


def _section(data: Mapping, key: str) -> Mapping:
    value = data.get(key)
    return value if isinstance(value, Mapping) else FrozenMap()


def _required(section: Mapping, path: str, key: str) -> Any:
    value = section.get(key)
    if value is None:
        # _defaults.yaml always sets these; reaching here means a layer removed it.
        raise ProfileError(
            f"merged profile: {path}.{key}: missing or null",
            hint=f"do not set {path}.{key} to null in a profile or clouds.yaml layer",
            pointer=f"{path}.{key}",
        )
    return value


@dataclass(frozen=True)
class TransportSettings:
    """How requests are sent: timeouts, retries, rate limits, endpoints.

    The one type for these settings (the transport reads them as they are). Every value
    comes from the merged profile, whose defaults live in ``_defaults.yaml`` only: no
    field has a default here. A connection's own ``api_timeout`` and ``interface``
    (clouds.yaml) replace the profile's through :meth:`for_connection`.

    >>> session_timeout = profile.transport.timeout  # doctest: +SKIP
    """

    timeout: float
    connect_retries: int
    status_retries: int
    retry_statuses: tuple[int, ...]
    max_retry_delay: float
    rate_limit: Mapping[str, float]
    microversions: Mapping[str, str]
    endpoint_overrides: Mapping[str, str]
    disabled_services: tuple[str, ...]
    interface: str | None

    @classmethod
    def from_data(cls, data: Mapping) -> TransportSettings:
        """Build the settings from a merged, validated profile mapping.

        >>> TransportSettings.from_data(profile.data)  # doctest: +SKIP
        """
        section = _section(data, "transport")
        return cls(
            timeout=float(_required(section, "transport", "timeout")),
            connect_retries=int(_required(section, "transport", "connect_retries")),
            status_retries=int(_required(section, "transport", "status_retries")),
            retry_statuses=tuple(section.get("retry_statuses") or ()),
            max_retry_delay=float(_required(section, "transport", "max_retry_delay")),
            rate_limit=_without_nulls(section.get("rate_limit")),
            microversions=_without_nulls(section.get("microversions")),
            endpoint_overrides=_without_nulls(section.get("endpoint_overrides")),
            disabled_services=tuple(section.get("disabled_services") or ()),
            interface=_section(data, "identity").get("interface"),
        )


    def for_connection(self, *, timeout: float | None = None, interface: str | None = None) -> TransportSettings:
        """These settings with one connection's clouds.yaml values put over the profile's.

        ``timeout`` is the connection's ``api_timeout``; None (unset) keeps the profile's
        value, and so does a None ``interface``.

        >>> settings = Profile.from_data({"transport": {"timeout": 60, "connect_retries": 2,
        ...     "status_retries": 4, "max_retry_delay": 30}}).transport
        >>> settings.for_connection(timeout=5, interface=None).timeout, settings.for_connection().timeout
        (5.0, 60.0)
        """
        changes: dict[str, Any] = {}
        if timeout is not None:
            changes["timeout"] = float(timeout)
        if interface is not None:
            changes["interface"] = interface
        return replace(self, **changes)


def _without_nulls(value: Mapping | None) -> FrozenMap:
    # A null entry means a layer unset that key: it is simply absent here.
    return FrozenMap({k: v for k, v in (value or {}).items() if v is not None})


@dataclass(frozen=True)
class NetworkRule:
    """One ``network.networks`` rule: which network it names and the roles it gives.

    >>> NetworkRule(name="lan").matches("id-1", "lan")
    True
    """

    name: str | None = None
    id: str | None = None
    name_pattern: str | None = None
    routes_externally: bool | None = None
    routes_ipv4_externally: bool | None = None
    routes_ipv6_externally: bool | None = None
    nat_source: bool = False
    nat_destination: bool = False
    default_interface: bool = False
    # name_pattern compiled once, when the rule is built (the schema validated it)
    compiled: re.Pattern | None = field(init=False, default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.name_pattern is not None:
            try:
                object.__setattr__(self, "compiled", re.compile(self.name_pattern))
            except (re.error, TypeError) as err:  # only hand-made rules get here
                raise ProfileError(f"network.networks: name_pattern {self.name_pattern!r} is not a valid "
                                   f"regular expression ({err})", hint="fix the pattern",
                                   pointer="network.networks") from None

    @classmethod
    def from_data(cls, rule: Mapping) -> NetworkRule:
        """Build a rule from one validated ``networks`` entry.

        >>> NetworkRule.from_data({"id": "abc", "nat_source": True}).nat_source
        True
        """
        return cls(
            name=rule.get("name"),
            id=rule.get("id"),
            name_pattern=rule.get("name_pattern"),
            routes_externally=rule.get("routes_externally"),
            routes_ipv4_externally=rule.get("routes_ipv4_externally"),
            routes_ipv6_externally=rule.get("routes_ipv6_externally"),
            nat_source=bool(rule.get("nat_source")),
            nat_destination=bool(rule.get("nat_destination")),
            default_interface=bool(rule.get("default_interface")),
        )

    def matches(self, network_id: str | None, network_name: str | None) -> bool:
        """True when this rule names the network.

        ``id`` compares with the network id; ``name`` compares with the network name
        *or* id (as clouds.yaml ``networks: - name:`` does); ``name_pattern`` must
        match the whole network name.

        >>> NetworkRule(name_pattern="lan-[0-9]+").matches(None, "lan-12")
        True
        """
        if self.id is not None:
            return network_id is not None and network_id == self.id
        if self.name is not None:
            return self.name in {network_name, network_id} - {None}
        if self.compiled is not None and network_name is not None:
            return self.compiled.fullmatch(network_name) is not None
        return False


@dataclass(frozen=True)
class NetworkSettings:
    """How servers get a public address, and what the profile says about networks.

    >>> if profile.network.public_access == "floating_ip": ...  # doctest: +SKIP
    """

    public_access: str | None
    floating_ip_api: str | None
    prefer_ipv6: bool
    private_cloud: bool
    networks: tuple[NetworkRule, ...]
    default_security_group: str | None = None
    forwarded_ports: tuple[int, int] | None = None

    @classmethod
    def from_data(cls, data: Mapping) -> NetworkSettings:
        """Build the settings from a merged, validated profile mapping.

        >>> NetworkSettings.from_data(profile.data)  # doctest: +SKIP
        """
        section = _section(data, "network")
        return cls(
            public_access=section.get("public_access"),
            floating_ip_api=section.get("floating_ip_api"),
            prefer_ipv6=bool(section.get("prefer_ipv6")),
            private_cloud=bool(section.get("private_cloud")),
            networks=tuple(NetworkRule.from_data(r) for r in section.get("networks") or ()),
            **_network_extras(section),
        )


def _network_extras(section: Mapping) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if section.get("default_security_group"):
        extras["default_security_group"] = section["default_security_group"]
    ports = section.get("forwarded_ports")
    if ports:
        extras["forwarded_ports"] = (int(ports["first"]), int(ports["last"]))
    return extras


@dataclass(frozen=True)
class BlockStorageSettings:
    """Whether the cloud wants servers booted from volumes, and the boot volume's default size (GiB).

    >>> BlockStorageSettings.from_data({"block_storage": {"boot_from_volume": True}}).boot_from_volume
    True
    """

    boot_from_volume: bool = False
    default_volume_size: int | None = None

    @classmethod
    def from_data(cls, data: Mapping) -> BlockStorageSettings:
        """Build the settings from a merged, validated profile mapping.

        >>> BlockStorageSettings.from_data({}).default_volume_size is None
        True
        """
        section = _section(data, "block_storage")
        return cls(boot_from_volume=bool(section.get("boot_from_volume")),
                   default_volume_size=section.get("default_volume_size"))


@dataclass(frozen=True)
class Profile:
    """The effective profile of one cloud region: merged, validated and read-only.

    >>> p = Profile.from_data({"name": "x", "display_name": "X", "status": "active",
    ...     "transport": {"timeout": 5, "connect_retries": 0, "status_retries": 0,
    ...                   "max_retry_delay": 1}})
    >>> p.get("transport.timeout"), p.transport.timeout
    (5, 5.0)

    Sections: ``transport``, ``network``, ``block_storage``, ``identity``, ``images``, ``login``,
    ``flavors``, ``conformance``.
    """

    name: str
    display_name: str
    status: str
    message: str | None
    region_name: str | None
    sources: tuple[str, ...] = field(repr=False)
    data: Mapping = field(repr=False)
    transport: TransportSettings = field(repr=False)
    network: NetworkSettings = field(repr=False)
    block_storage: BlockStorageSettings = field(repr=False, default=BlockStorageSettings())
    identity: IdentitySettings = field(repr=False, default=IdentitySettings())
    images: ImageSettings = field(repr=False, default=ImageSettings())
    login: LoginSettings = field(repr=False, default=LoginSettings())
    flavors: FlavorSettings = field(repr=False, default=FlavorSettings())
    conformance: ConformanceSettings = field(repr=False, default=ConformanceSettings())

    @classmethod
    def from_data(cls, data: Mapping, region_name: str | None = None) -> Profile:
        """Freeze a merged, validated profile mapping into a :class:`Profile`.

        >>> Profile.from_data(merged, region_name="RegionOne")  # doctest: +SKIP
        """
        frozen = freeze(data)
        images = ImageSettings.from_data(frozen)
        return cls(
            name=frozen.get("name"),
            display_name=frozen.get("display_name") or frozen.get("name"),
            status=frozen.get("status") or "active",
            message=frozen.get("message"),
            region_name=region_name,
            sources=tuple(frozen.get("sources") or ()),
            data=frozen,
            transport=TransportSettings.from_data(frozen),
            network=NetworkSettings.from_data(frozen),
            block_storage=BlockStorageSettings.from_data(frozen),
            identity=IdentitySettings.from_data(frozen),
            images=images,
            login=LoginSettings.from_data(frozen, images),
            flavors=FlavorSettings.from_data(frozen),
            conformance=ConformanceSettings.from_data(frozen),
        )

    def get(self, dotted: str | Sequence[str], default: Any = None) -> Any:
        """Read a value by dotted path; ``default`` when any step is missing.

        Pass a tuple of keys when a key itself contains dots (region names do).
        Digits index into lists.

        >>> Profile.from_data({"name": "x", "display_name": "X", "status": "active",
        ...     "transport": {"timeout": 5, "connect_retries": 0, "status_retries": 0,
        ...                   "max_retry_delay": 1}}).get("login.distro_users", {})
        {}
        """
        keys = dotted.split(".") if isinstance(dotted, str) else list(dotted)
        node: Any = self.data
        for key in keys:
            node = _step(node, key)
            if node is _MISSING:
                return default
        return node

    def as_dict(self) -> dict:
        """Return the whole merged profile as plain dicts and lists (JSON/YAML-safe).

        >>> yaml.safe_dump(profile.as_dict())  # doctest: +SKIP
        """
        return plain_copy(self.data)


def _step(node: Any, key: Any) -> Any:
    if isinstance(node, Mapping):
        return node.get(key, _MISSING)
    if isinstance(node, tuple) and isinstance(key, (str, int)) and str(key).isdigit():
        index = int(key)
        return node[index] if index < len(node) else _MISSING
    return _MISSING
