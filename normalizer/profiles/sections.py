"""Typed sections of a profile: images, login, flavors, identity, conformance.

Each section is built once, when the :class:`~normalizer.profiles.Profile` is frozen:
the vendor list and the ``generic_*`` list of a rule kind are joined in the order the
choice tries them, every regular expression is compiled (the schema already validated
it), and distro/architecture spellings are resolved. The select/ functions then read
these objects and never parse, validate or compile profile data again.

Pure: builds objects from already validated data; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from normalizer.exceptions import ProfileError
from normalizer.profiles.frozen import FrozenMap

__all__ = [
    "ConformanceSettings",
    "ExcludePattern",
    "ExtraSpecRule",
    "FlavorSettings",
    "FlavorSize",
    "IdentitySettings",
    "ImageSettings",
    "LoginMatch",
    "LoginRule",
    "LoginSettings",
    "NameRule",
    "spelling_key",
]

# The two halves of each split list, in the order the choice tries them. Images and login
# try the vendor's own rules first (so they can override a generic reading); flavor
# exclusions only add up, and read the generic half first (the order of their reasons).
_NAME_RULE_LISTS = (("name_rules", "profile name rule"), ("generic_name_rules", "generic name rule"))
_HIDDEN_LISTS = ("hidden_patterns", "generic_hidden_patterns")
_LOGIN_RULE_LISTS = (("rules", "profile login rule"), ("generic_rules", "generic login rule"))
_EXCLUDE_LISTS = ("generic_exclude_patterns", "exclude_patterns")
_SPEC_LISTS = ("generic_exclude_extra_specs", "exclude_extra_specs")


def _section(data: Mapping, key: str) -> Mapping:
    value = data.get(key) if isinstance(data, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _listed(section: Mapping, key: str) -> tuple:
    value = section.get(key)
    return tuple(value) if isinstance(value, (list, tuple)) else ()


def _table(section: Mapping, key: str) -> dict:
    value = section.get(key)
    return dict(value) if isinstance(value, Mapping) else {}


def _compile(pattern: Any, pointer: str) -> re.Pattern:
    # Validated profiles always compile; Profile.from_data on hand-made data may not.
    try:
        return re.compile(pattern)
    except (re.error, TypeError, OverflowError, RecursionError, ValueError) as err:
        raise ProfileError(f"{pointer}: {pattern!r} is not a valid regular expression ({err})",
                           hint="fix the pattern in the profile", pointer=pointer) from None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text or None


def spelling_key(value: Any) -> str | None:
    """How a distro or architecture word is looked up: lower case, blanks/underscores as '-'.

    >>> spelling_key(" Red Hat "), spelling_key("x86_64"), spelling_key(True)
    ('red-hat', 'x86-64', None)
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = re.sub(r"[\s_]+", "-", str(value).strip().lower())
    return text or None


def _spellings(table: Mapping) -> Mapping:
    # Keys are stored as spelling_key() reads them, so a profile may write 'x86_64'.
    return FrozenMap({spelling_key(k): v for k, v in table.items()
                      if spelling_key(k) and isinstance(v, str) and v.strip()})


def _canonical(table: Mapping, value: Any) -> str | None:
    word = spelling_key(value)
    if not word:
        return None
    return table.get(word, word)


# --- images -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NameRule:
    """One image name rule, compiled: a whole-name pattern and what it says.

    ``distro`` and ``arch`` are already canonical (``amd64`` reads as ``x86_64``).
    >>> found = rule.pattern.fullmatch(name)  # doctest: +SKIP
    """

    pattern: re.Pattern
    distro: str
    version: str | None
    arch: str | None
    source: str   # "images.name_rules" or "images.generic_name_rules"
    index: int
    kind: str     # "profile name rule" or "generic name rule"

    @property
    def where(self) -> str:
        """The rule's place in the profile, e.g. ``images.name_rules[2]``."""
        return f"{self.source}[{self.index}]"


@dataclass(frozen=True)
class ImageSettings:
    """How images are read: name rules, hidden patterns, spellings, bootable formats.

    ``name_rules`` holds ``images.name_rules`` then ``images.generic_name_rules``;
    ``hidden_patterns`` holds ``images.hidden_patterns`` then
    ``images.generic_hidden_patterns``.

    >>> profile.images.canonical_arch("amd64")  # doctest: +SKIP
    'x86_64'
    """

    name_rules: tuple[NameRule, ...] = ()
    hidden_patterns: tuple[re.Pattern, ...] = ()
    distro_spellings: Mapping[str, str] = field(default_factory=FrozenMap, repr=False)
    arch_spellings: Mapping[str, str] = field(default_factory=FrozenMap, repr=False)
    assumed_arch: str | None = None
    non_bootable_formats: frozenset[str] = frozenset()
    offered_purposes: frozenset[str] | None = None

    @classmethod
    def from_data(cls, data: Mapping) -> ImageSettings:
        """Build the section from a merged, validated profile mapping.

        >>> ImageSettings.from_data(profile.data)  # doctest: +SKIP
        """
        section = _section(data, "images")
        distros = _spellings(_table(section, "distro_spellings"))
        arches = _spellings(_table(section, "arch_spellings"))
        rules = []
        for key, kind in _NAME_RULE_LISTS:
            for index, rule in enumerate(_listed(section, key)):
                distro = _canonical(distros, rule.get("distro")) if isinstance(rule, Mapping) else None
                if distro is None:
                    continue
                rules.append(NameRule(_compile(rule.get("pattern"), f"images.{key}[{index}].pattern"), distro,
                                      _text(rule.get("version")), _canonical(arches, rule.get("arch")),
                                      f"images.{key}", index, kind))
        hidden = tuple(_compile(p, f"images.{key}[{i}]") for key in _HIDDEN_LISTS
                       for i, p in enumerate(_listed(section, key)))
        formats = frozenset(str(f).lower() for f in _listed(section, "non_bootable_formats"))
        purposes = frozenset(_listed(section, "offered_purposes")) if "offered_purposes" in section else None
        return cls(tuple(rules), hidden, distros, arches,
                   _canonical(arches, section.get("assumed_arch")), formats, purposes)

    def canonical_distro(self, value: Any) -> str | None:
        """The glance ``os_distro`` word for a spelling; None for empty or non-text.

        >>> from normalizer.profiles import load_profile
        >>> load_profile("generic").images.canonical_distro("com.ubuntu")
        'ubuntu'
        """
        return _canonical(self.distro_spellings, value)

    def canonical_arch(self, value: Any) -> str | None:
        """The glance architecture name for a spelling (``amd64`` -> ``x86_64``).

        >>> from normalizer.profiles import load_profile
        >>> load_profile("generic").images.canonical_arch("ARM64")
        'aarch64'
        """
        return _canonical(self.arch_spellings, value)

    def rules_from(self, source: str) -> tuple[NameRule, ...]:
        """The name rules that came from one list, e.g. ``"images.name_rules"``.

        >>> if not profile.images.rules_from("images.name_rules"): ...  # doctest: +SKIP
        """
        return tuple(rule for rule in self.name_rules if rule.source == source)


# --- login ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginMatch:
    """The ``match`` of a login rule; every condition set must hold.

    ``summary`` is the match as written in the profile, for reasons.
    """

    distro: str | None
    version_pattern: re.Pattern | None
    name_pattern: re.Pattern | None
    summary: str


@dataclass(frozen=True)
class LoginRule:
    """One login rule, compiled. ``user`` None means "this image has no login user".

    >>> if rule.match.name_pattern and rule.match.name_pattern.fullmatch(name): ...  # doctest: +SKIP
    """

    match: LoginMatch
    user: str | None
    source: str   # "login.rules" or "login.generic_rules"
    index: int
    kind: str     # "profile login rule" or "generic login rule"

    @property
    def where(self) -> str:
        """The rule's place in the profile, e.g. ``login.rules[0]``."""
        return f"{self.source}[{self.index}]"


@dataclass(frozen=True)
class LoginSettings:
    """Which account to SSH into: overrides, rules, the distro table, distros without one.

    ``rules`` holds ``login.rules`` then ``login.generic_rules``. ``no_login_distros``
    maps a distro whose images have no standard SSH user (Windows) to the reason shown.
    >>> profile.login.distro_users.get("debian")  # doctest: +SKIP
    """

    overrides: Mapping[str, str | None] = field(default_factory=FrozenMap)
    rules: tuple[LoginRule, ...] = ()
    distro_users: Mapping[str, str | None] = field(default_factory=FrozenMap)
    no_login_distros: Mapping[str, str] = field(default_factory=FrozenMap)

    @classmethod
    def from_data(cls, data: Mapping, images: ImageSettings) -> LoginSettings:
        """Build the section; ``images`` resolves the distro spellings of the rules.

        >>> LoginSettings.from_data(profile.data, profile.images)  # doctest: +SKIP
        """
        section = _section(data, "login")
        rules = []
        for key, kind in _LOGIN_RULE_LISTS:
            for index, rule in enumerate(_listed(section, key)):
                if isinstance(rule, Mapping) and "user" in rule and isinstance(rule.get("match"), Mapping) \
                        and (rule["user"] is None or isinstance(rule["user"], str)):
                    match = _login_match(rule["match"], f"login.{key}[{index}].match", images)
                    if match is not None:
                        rules.append(LoginRule(match, rule["user"], f"login.{key}", index, kind))
        users = {k: v for k, v in _table(section, "distro_users").items() if v is None or isinstance(v, str)}
        overrides = {k: v for k, v in _table(section, "overrides").items() if v is None or isinstance(v, str)}
        # A null entry unsets a distro here (a layer's way to give Windows a user by rule).
        no_login = {k: v for k, v in _table(section, "no_login_distros").items() if isinstance(v, str)}
        return cls(FrozenMap(overrides), tuple(rules), FrozenMap(users),
                   FrozenMap({images.canonical_distro(k): v for k, v in no_login.items()}))


def _login_match(match: Mapping, pointer: str, images: ImageSettings) -> LoginMatch | None:
    distro = images.canonical_distro(match.get("distro")) if match.get("distro") is not None else None
    patterns = {key: _compile(match[key], f"{pointer}.{key}") if match.get(key) is not None else None
                for key in ("version_pattern", "name_pattern")}
    if distro is None and not any(patterns.values()):
        return None  # a rule without a condition would match every image
    summary = ", ".join(f"{k} {v!r}" for k, v in match.items() if v is not None)
    return LoginMatch(distro, patterns["version_pattern"], patterns["name_pattern"], summary)


# --- flavors ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExcludePattern:
    """A flavor name pattern that excludes a family, and the key it came from."""

    pattern: re.Pattern
    source: str   # "flavors.generic_exclude_patterns" or "flavors.exclude_patterns"


@dataclass(frozen=True)
class ExtraSpecRule:
    """An extra spec whose value, matching ``pattern``, excludes a flavor."""

    key: str
    pattern: re.Pattern
    source: str   # "flavors.generic_exclude_extra_specs" or "flavors.exclude_extra_specs"


@dataclass(frozen=True)
class FlavorSize:
    """The minimums a size name asks for; 0 means "not asked"."""

    min_vcpus: int = 0
    min_ram: int = 0      # MiB
    min_disk: int = 0     # GiB


@dataclass(frozen=True)
class FlavorSettings:
    """Flavor exclusions (generic lists first, deduplicated), size aliases and instance types.

    ``instance_types`` comes from the top-level ``instance_types`` (AWS sizes),
    ``aliases`` from ``flavors.aliases``.

    >>> profile.flavors.instance_types["t3.small"]  # doctest: +SKIP
    """

    exclude_patterns: tuple[ExcludePattern, ...] = ()
    exclude_extra_specs: tuple[ExtraSpecRule, ...] = ()
    aliases: Mapping[str, FlavorSize] = field(default_factory=FrozenMap)
    instance_types: Mapping[str, FlavorSize] = field(default_factory=FrozenMap)

    @classmethod
    def from_data(cls, data: Mapping) -> FlavorSettings:
        """Build the section from a merged, validated profile mapping.

        >>> FlavorSettings.from_data(profile.data)  # doctest: +SKIP
        """
        section = _section(data, "flavors")
        names: dict[str, ExcludePattern] = {}
        for key in _EXCLUDE_LISTS:
            for index, pattern in enumerate(_listed(section, key)):
                if isinstance(pattern, str) and pattern not in names:
                    names[pattern] = ExcludePattern(_compile(pattern, f"flavors.{key}[{index}]"), f"flavors.{key}")
        specs: dict[tuple[str, str], ExtraSpecRule] = {}
        for key in _SPEC_LISTS:
            for index, rule in enumerate(_listed(section, key)):
                if isinstance(rule, Mapping) and all(isinstance(rule.get(k), str) for k in ("key", "pattern")) \
                        and (rule["key"], rule["pattern"]) not in specs:
                    specs[(rule["key"], rule["pattern"])] = ExtraSpecRule(
                        rule["key"], _compile(rule["pattern"], f"flavors.{key}[{index}].pattern"), f"flavors.{key}")
        aliases = {name: FlavorSize(*(_size(entry.get(k)) for k in ("min_vcpus", "min_ram", "min_disk")))
                   for name, entry in _table(section, "aliases").items() if isinstance(entry, Mapping)}
        types = {name: FlavorSize(_size(entry.get("vcpus")), _size(entry.get("ram")))
                 for name, entry in _table(data, "instance_types").items() if isinstance(entry, Mapping)}
        return cls(tuple(names.values()), tuple(specs.values()), FrozenMap(aliases), FrozenMap(types))


def _size(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


# --- identity and conformance ----------------------------------------------------------


@dataclass(frozen=True)
class IdentitySettings:
    """Keystone facts of the vendor: the auth URL template, auth type and interface.

    ``auth_url`` may hold ``{region_name}``.

    >>> profile.identity.auth_url  # doctest: +SKIP
    """

    auth_url: str | None = None
    auth_type: str | None = None
    interface: str | None = None

    @classmethod
    def from_data(cls, data: Mapping) -> IdentitySettings:
        """Build the section from a merged, validated profile mapping.

        >>> IdentitySettings.from_data({"identity": {"interface": "public"}}).interface
        'public'
        """
        section = _section(data, "identity")
        return cls(*(_text(section.get(k)) for k in ("auth_url", "auth_type", "interface")))


@dataclass(frozen=True)
class ConformanceSettings:
    """How the conformance probe boots its server: the image alias it asks for.

    >>> pick_image(images, profile, alias=profile.conformance.probe_image)  # doctest: +SKIP
    """

    probe_image: str | None = None

    @classmethod
    def from_data(cls, data: Mapping) -> ConformanceSettings:
        """Build the section from a merged, validated profile mapping.

        >>> ConformanceSettings.from_data({"conformance": {"probe_image": "debian-12"}}).probe_image
        'debian-12'
        """
        return cls(_text(_section(data, "conformance").get("probe_image")))
