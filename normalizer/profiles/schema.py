"""Strict validation of vendor profiles and profile layers.

The schema is a small tree of checkers (:class:`Record`, :class:`ListOf`, :class:`MapOf`
and leaf types). Every unknown key is an error at every level; every regular expression
is compiled; templates may use only the placeholders their key allows. An error names
the source (file or layer label) and the key path, and says how to fix it::

    vendor_profiles/x.yaml: network.networks[0].nat_sorce: unknown key (known: ...)

Pure: validates data that is already parsed; no I/O. There is deliberately no key that
names code, a module, a hook or a URL to fetch.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from normalizer.exceptions import ProfileError

__all__ = ["validate", "PROFILE", "REGION_BLOCK_KEYS", "SERVICES", "NAME_PATTERN"]

SERVICES = ("identity", "compute", "network", "image", "block-storage")
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]*"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class _Ctx:
    source: str
    partial: bool

    def fail(self, path: str, problem: str, hint: str | None = None) -> ProfileError:
        where = path or "(top level)"
        # layer labels such as "clouds.yaml cloud 'x' normalizer:" already end in a colon
        separator = " " if self.source.endswith(":") else ": "
        return ProfileError(f"{self.source}{separator}{where}: {problem}",
                            hint=hint or f"fix {where} as docs/profiles.md describes it, or remove it",
                            source=self.source, pointer=path)


def _join(path: str, key: Any) -> str:
    if isinstance(key, str) and _IDENT.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


# --- leaf checkers ----------------------------------------------------------------------


class Str:
    """A non-empty string, optionally matching ``pattern`` (whole string).

    Every checker has ``check(value, path, ctx)``, which raises :class:`ProfileError` or
    returns None.

    >>> Str(pattern=r"2\\.[0-9]+", example="2.79")  # doctest: +SKIP
    """

    def __init__(self, pattern: str | None = None, example: str | None = None) -> None:
        self.pattern = pattern
        self.example = example

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        if not isinstance(value, str):
            quotable = (int, float, bool, datetime.date)  # what YAML makes of unquoted 30, 2.53, yes, 2024-01-01
            hint = "quote the value in YAML" if isinstance(value, quotable) else None
            raise ctx.fail(path, f"must be a string, got {_type_name(value)} {value!r}", hint)
        if not value.strip():
            raise ctx.fail(path, "must not be empty")
        if self.pattern and not re.fullmatch(self.pattern, value):
            hint = f"for example {self.example!r}" if self.example else None
            raise ctx.fail(path, f"{value!r} does not match {self.pattern}", hint)


class Bool:
    """``true`` or ``false``.

    >>> {"prefer_ipv6": Bool()}  # doctest: +SKIP
    """

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        if not isinstance(value, bool):
            raise ctx.fail(path, f"must be true or false, got {_type_name(value)} {value!r}")


class Int:
    """An integer (not a boolean) within ``[low, high]``.

    >>> Int(400, 599)  # doctest: +SKIP
    """

    def __init__(self, low: int | None = None, high: int | None = None) -> None:
        self.low, self.high = low, high

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ctx.fail(path, f"must be an integer, got {_type_name(value)} {value!r}")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            bounds = f">= {self.low}" if self.high is None else f"between {self.low} and {self.high}"
            raise ctx.fail(path, f"must be {bounds}, got {value}")


class Number:
    """A finite int or float; ``positive`` means > 0, otherwise >= 0.

    >>> {"timeout": Number(positive=True)}  # doctest: +SKIP
    """

    def __init__(self, positive: bool) -> None:
        self.positive = positive

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ctx.fail(path, f"must be a finite number, got {_type_name(value)} {value!r}")
        if value < 0 or (self.positive and value == 0):
            raise ctx.fail(path, f"must be {'> 0' if self.positive else '>= 0'}, got {value}")


class Enum:
    """One of a fixed set of strings.

    >>> Enum("active", "deprecated", "shutdown")  # doctest: +SKIP
    """

    def __init__(self, *choices: str) -> None:
        self.choices = choices

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        if value not in self.choices or not isinstance(value, str):
            raise ctx.fail(path, f"must be one of {', '.join(self.choices)}, got {value!r}")


#: Longest regular expression a profile may hold; name patterns are a few dozen characters.
MAX_PATTERN_LENGTH = 500
#: Largest ``{m,n}`` count, and largest product of nested counts, in a profile's pattern.
MAX_REPEAT_COUNT = 1000
_QUANTIFIER = re.compile(r"\{([0-9]*)(?:,([0-9]*))?\}")


def _class_end(pattern: str, start: int) -> int:
    """The index just past the character class that opens at ``start`` (``[...]``)."""
    i = start + 1
    if pattern[i:i + 1] == "^":
        i += 1
    if pattern[i:i + 1] == "]":  # a leading ] is a literal
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def repetition_counts(pattern: str) -> tuple[int, int]:
    """(largest ``{m,n}`` count, largest product of nested counts) in a regular expression.

    Read from the text alone, so a count too large for ``re`` (an OverflowError) or one
    whose nesting would make matching slow is found before anything compiles it.

    >>> repetition_counts(r"(a{1000}){1000}"), repetition_counts(r"(b{3})x"), repetition_counts("x{}")
    ((1000, 1000000), (3, 3), (0, 1))
    """
    inner = [1]  # per open group: the heaviest repetition found inside it so far
    last, largest, i = 1, 0, 0  # last: weight of the atom a following quantifier repeats
    while i < len(pattern):
        char, match = pattern[i], _QUANTIFIER.match(pattern, i)
        if match and (match.group(1) or match.group(2)):
            digits = [d for d in match.groups() if d]
            counts = [int(d) if len(d) <= 9 else 10 ** 9 for d in digits]  # no 5000-digit int()
            largest = max(largest, *counts)
            inner[-1] = max(inner[-1], last * max(max(counts), 1))
            last, i = 1, match.end()
            continue
        last = 1
        if char == "(":
            inner.append(1)
        elif char == ")" and len(inner) > 1:
            last = inner.pop()  # a quantifier after the group repeats everything inside it
            inner[-1] = max(inner[-1], last)
        i = _class_end(pattern, i) if char == "[" else i + (2 if char == "\\" else 1)
    return largest, max(inner)


class Regex:
    """A Python regular expression that compiles; named groups limited to ``groups``.

    >>> Regex(groups=frozenset({"version", "arch"}))  # doctest: +SKIP
    """

    def __init__(self, groups: frozenset[str] = frozenset()) -> None:
        self.groups = groups

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        Str().check(value, path, ctx)
        if len(value) > MAX_PATTERN_LENGTH:
            raise ctx.fail(path, f"regular expression is {len(value)} characters long "
                           f"(at most {MAX_PATTERN_LENGTH})", "shorten the pattern, or split the rule in two")
        largest, nested = repetition_counts(value)
        if max(largest, nested) > MAX_REPEAT_COUNT:
            shown = value if len(value) <= 60 else value[:57] + "..."
            what = f"a repetition count of {largest}" if largest > MAX_REPEAT_COUNT else \
                f"nested repetitions that multiply to {nested}"
            raise ctx.fail(path, f"regular expression {shown!r} has {what} (at most {MAX_REPEAT_COUNT})",
                           "use + or * instead of a large {m,n} count; names are matched whole") from None
        try:
            compiled = re.compile(value)
        except (re.error, OverflowError, RecursionError, ValueError) as err:
            raise ctx.fail(path, f"bad regular expression {value!r}: {err}",
                           hint="fix the pattern (Python re syntax, matched against the whole name) "
                                "or remove the rule") from None
        extra = sorted(set(compiled.groupindex) - self.groups)
        if extra:
            allowed = ", ".join(sorted(self.groups)) or "none"
            raise ctx.fail(path, f"named group(s) {', '.join(extra)} not allowed (allowed: {allowed})")


class Template:
    """A string with ``{placeholder}`` fields limited to ``allowed``; optionally an http(s) URL.

    >>> Template("region_name", "project_id")  # doctest: +SKIP
    """

    def __init__(self, *allowed: str, url: bool = True) -> None:
        self.allowed, self.url = allowed, url

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        Str().check(value, path, ctx)
        allowed = ", ".join("{" + a + "}" for a in self.allowed)
        try:
            fields = list(string.Formatter().parse(value))
        except ValueError as err:
            raise ctx.fail(path, f"bad template {value!r}: {err}", f"placeholders allowed: {allowed}") from None
        for _literal, name, spec, conversion in fields:
            if name is not None and (name not in self.allowed or spec or conversion):
                raise ctx.fail(path, f"placeholder {{{name}}} is not allowed in {value!r}",
                               f"placeholders allowed: {allowed}")
        if self.url and not re.match(r"https?://[^/\s]", value):
            raise ctx.fail(path, f"{value!r} is not an http:// or https:// URL")


# --- containers --------------------------------------------------------------------------


class ListOf:
    """A list whose items all pass ``item``; items may not be null.

    >>> ListOf(Int(400, 599), unique=True)  # doctest: +SKIP
    """

    def __init__(self, item: Any, unique: bool = False) -> None:
        self.item, self.unique = item, unique

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        if not isinstance(value, (list, tuple)):
            raise ctx.fail(path, f"must be a list, got {_type_name(value)}")
        for index, item in enumerate(value):
            if item is None:
                raise ctx.fail(f"{path}[{index}]", "must not be null")
            self.item.check(item, f"{path}[{index}]", ctx)
        if self.unique and len(set(value)) != len(value):
            raise ctx.fail(path, "has duplicate entries")


class MapOf:
    """A mapping with string keys (limited to ``keys`` when given); null values allowed.

    >>> MapOf(Number(positive=True), keys=("compute", "all"))  # doctest: +SKIP
    """

    def __init__(self, value: Any, keys: tuple[str, ...] | None = None) -> None:
        self.value, self.keys = value, keys

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        if not isinstance(value, Mapping):
            raise ctx.fail(path, f"must be a mapping, got {_type_name(value)}")
        for key, item in value.items():
            _check_key(key, path, ctx, self.keys)
            if item is not None:
                self.value.check(item, _join(path, key), ctx)


def _check_key(key: Any, path: str, ctx: _Ctx, known: tuple[str, ...] | None) -> None:
    if not isinstance(key, str):
        raise ctx.fail(_join(path, key), f"keys must be strings, got {_type_name(key)} {key!r}",
                       "quote the key in YAML")
    if known is not None and key not in known:
        close = difflib.get_close_matches(key, known, n=1)
        raise ctx.fail(_join(path, key), f"unknown key (known: {', '.join(known)})",
                       f"did you mean {close[0]!r}?" if close else None)


Check = Callable[[Mapping, str, _Ctx], None]


class Record:
    """A mapping with a fixed set of keys.

    ``required`` keys must always be present; ``required_full`` only in a full profile
    (not in a layer or region block); ``not_null`` keys may not be null; ``one_of``
    needs exactly one of its keys set; ``checks`` are cross-field rules.

    >>> Record({"key": Str(), "pattern": Regex()}, required=("key", "pattern"))  # doctest: +SKIP
    """

    def __init__(self, fields: Mapping[str, Any], *, required: tuple[str, ...] = (),
                 required_full: tuple[str, ...] = (), not_null: tuple[str, ...] = (),
                 one_of: tuple[str, ...] = (), checks: tuple[Check, ...] = (),
                 always_partial: bool = False) -> None:
        self.fields = dict(fields)
        self.required, self.required_full = required, required_full
        self.not_null, self.one_of, self.checks = not_null, one_of, checks
        self.always_partial = always_partial

    def check(self, value: Any, path: str, ctx: _Ctx) -> None:
        if not isinstance(value, Mapping):
            raise ctx.fail(path, f"must be a mapping, got {_type_name(value)}")
        if self.always_partial and not ctx.partial:
            ctx = _Ctx(ctx.source, partial=True)
        known = tuple(self.fields)
        for key, item in value.items():
            _check_key(key, path, ctx, known)
            if item is None:
                if key in self.not_null:
                    raise ctx.fail(_join(path, key), "must not be null")
                continue
            self.fields[key].check(item, _join(path, key), ctx)
        needed = self.required + (() if ctx.partial else self.required_full)
        for key in needed:
            if key not in value:
                raise ctx.fail(_join(path, key), "required key is missing")
        if self.one_of:
            given = [k for k in self.one_of if value.get(k) is not None]
            if len(given) != 1:
                raise ctx.fail(path, f"set exactly one of {', '.join(self.one_of)} (found "
                               f"{', '.join(given) or 'none'})")
        for rule in self.checks:
            rule(value, path, ctx)


# --- cross-field rules -------------------------------------------------------------------


def _at_least_one(*keys: str, full_only: bool = False) -> Check:
    def rule(value: Mapping, path: str, ctx: _Ctx) -> None:
        if (ctx.partial and full_only) or any(value.get(k) is not None for k in keys):
            return
        raise ctx.fail(path, f"set at least one of {', '.join(keys)}")
    return rule


def _unique_roles(value: Mapping, path: str, ctx: _Ctx) -> None:
    rules = value.get("networks") or ()
    for role in ("nat_destination", "default_interface"):
        owners = [str(i) for i, rule in enumerate(rules) if isinstance(rule, Mapping) and rule.get(role)]
        if len(owners) > 1:
            raise ctx.fail(_join(path, "networks"), f"at most one rule may set {role}: true "
                           f"(rules {', '.join(owners)} do)", "keep it on the one network it applies to")


def _fip_consistent(value: Mapping, path: str, ctx: _Ctx) -> None:
    if value.get("public_access") == "floating_ip" and value.get("floating_ip_api") == "none":
        raise ctx.fail(_join(path, "floating_ip_api"), "is none but public_access is floating_ip",
                       "set floating_ip_api to neutron or nova, or change public_access")


def _group_or_fixed(value: Mapping, path: str, ctx: _Ctx) -> None:
    groups = re.compile(value["pattern"]).groupindex
    for key in ("version", "arch"):
        if key in groups and value.get(key) is not None:
            raise ctx.fail(_join(path, key), f"pattern has a (?P<{key}>...) group and {key} is set too",
                           "use one of them")


def _message_when_inactive(value: Mapping, path: str, ctx: _Ctx) -> None:
    status = value.get("status")
    if not ctx.partial and status in ("deprecated", "shutdown") and not value.get("message"):
        raise ctx.fail("message", f"required when status is {status}",
                       "say what users should do instead")


# --- the profile schema -------------------------------------------------------------------

_REGEX = Regex()

IDENTITY = Record({
    "auth_url": Template("region_name"),
    "auth_type": Str(),
    "interface": Enum("public", "internal", "admin"),
})

TRANSPORT = Record({
    "timeout": Number(positive=True),
    "connect_retries": Int(0),
    "status_retries": Int(0),
    "retry_statuses": ListOf(Int(400, 599), unique=True),
    "max_retry_delay": Number(positive=False),
    "rate_limit": MapOf(Number(positive=True), keys=SERVICES + ("all",)),
    "microversions": MapOf(Str(pattern=r"2\.[0-9]+", example="2.79"), keys=("compute",)),
    "endpoint_overrides": MapOf(Template("region_name", "project_id"), keys=SERVICES),
    "disabled_services": ListOf(Enum(*SERVICES), unique=True),
}, not_null=("timeout", "connect_retries", "status_retries", "max_retry_delay"))

NETWORK_RULE = Record({
    "name": Str(),
    "id": Str(),
    "name_pattern": _REGEX,
    "routes_externally": Bool(),
    "routes_ipv4_externally": Bool(),
    "routes_ipv6_externally": Bool(),
    "nat_source": Bool(),
    "nat_destination": Bool(),
    "default_interface": Bool(),
}, one_of=("name", "id", "name_pattern"))

NETWORK = Record({
    "public_access": Enum("direct", "floating_ip", "none"),
    "floating_ip_api": Enum("neutron", "nova", "none"),
    "prefer_ipv6": Bool(),
    "private_cloud": Bool(),
    "networks": ListOf(NETWORK_RULE),
    # Neutron names the security group every project starts with
    "default_security_group": Str(),
    # the external TCP ports port forwarding hands out to servers' SSH, first to last
    "forwarded_ports": Record({"first": Int(1, 65535), "last": Int(1, 65535)}, required_full=("first", "last"),
                              not_null=("first", "last")),
}, checks=(_unique_roles, _fip_consistent))

BLOCK_STORAGE = Record({
    # boot every server from a volume, even on flavors with a root disk
    "boot_from_volume": Bool(),
    # the boot volume's size (GiB) when neither the caller nor the image needs more
    "default_volume_size": Int(1),
})

NAME_RULE = Record({
    "pattern": Regex(groups=frozenset({"version", "arch"})),
    "distro": Str(),
    "version": Str(),
    "arch": Str(),
}, required=("pattern", "distro"), not_null=("pattern", "distro"), checks=(_group_or_fixed,))

# Each rule list has a vendor half and a generic half because lists replace on merge:
# a vendor that sets its own list must not drop the generic entries of _defaults.yaml.
# A canonical distro or architecture word, as glance's os_distro / architecture use them.
_WORD = Str(pattern=r"[a-z0-9][a-z0-9._-]*", example="x86_64")

IMAGES = Record({
    "name_rules": ListOf(NAME_RULE),
    "generic_name_rules": ListOf(NAME_RULE),
    "hidden_patterns": ListOf(_REGEX),
    "generic_hidden_patterns": ListOf(_REGEX),
    "distro_spellings": MapOf(_WORD),
    "arch_spellings": MapOf(_WORD),
    "assumed_arch": _WORD,
    "non_bootable_formats": ListOf(Str(pattern=r"[a-z0-9]+", example="aki"), unique=True),
    # os_purpose values automatic picks offer (SCS scs-0102); an image with another purpose is skipped
    "offered_purposes": ListOf(Str(pattern=r"[a-z0-9][a-z0-9_-]*", example="generic"), unique=True),
})

LOGIN_MATCH = Record({
    "distro": Str(),
    "version_pattern": _REGEX,
    "name_pattern": _REGEX,
}, checks=(_at_least_one("distro", "version_pattern", "name_pattern"),))

LOGIN_RULE = Record({"match": LOGIN_MATCH, "user": Str()},
                    required=("match", "user"), not_null=("match",))

LOGIN = Record({
    "distro_users": MapOf(Str()),
    "overrides": MapOf(Str()),
    "rules": ListOf(LOGIN_RULE),
    "generic_rules": ListOf(LOGIN_RULE),
    "no_login_distros": MapOf(Str()),
})

EXTRA_SPEC_RULE = Record({"key": Str(), "pattern": _REGEX},
                         required=("key", "pattern"), not_null=("key", "pattern"))

FLAVOR_ALIAS = Record({
    "min_vcpus": Int(0),
    "min_ram": Int(0),
    "min_disk": Int(0),
}, checks=(_at_least_one("min_vcpus", "min_ram", "min_disk", full_only=True),))

FLAVORS = Record({
    "exclude_patterns": ListOf(_REGEX),
    "generic_exclude_patterns": ListOf(_REGEX),
    "exclude_extra_specs": ListOf(EXTRA_SPEC_RULE),
    "generic_exclude_extra_specs": ListOf(EXTRA_SPEC_RULE),
    "aliases": MapOf(FLAVOR_ALIAS),
})

INSTANCE_TYPE = Record({"vcpus": Int(1), "ram": Int(1)}, required_full=("vcpus", "ram"),
                       not_null=("vcpus", "ram"))

CONFORMANCE = Record({
    # an image alias as pick_image reads it: <distro>[-<version>]
    "probe_image": Str(pattern=r"(?i)[a-z][a-z._-]*[a-z](?:[-_ ]?[0-9]+(?:\.[0-9]+)*)?", example="ubuntu-24.04"),
})

_SECTIONS = {
    "identity": IDENTITY,
    "transport": TRANSPORT,
    "network": NETWORK,
    "block_storage": BLOCK_STORAGE,
    "images": IMAGES,
    "login": LOGIN,
    "flavors": FLAVORS,
    "conformance": CONFORMANCE,
}
REGION_BLOCK_KEYS = tuple(_SECTIONS)
REGION_BLOCK = Record(_SECTIONS, not_null=REGION_BLOCK_KEYS, always_partial=True)

PROFILE = Record({
    "name": Str(pattern=NAME_PATTERN, example="mycloud"),
    "display_name": Str(),
    "status": Enum("active", "deprecated", "shutdown"),
    "message": Str(),
    "sources": ListOf(Str()),
    **_SECTIONS,
    "instance_types": MapOf(INSTANCE_TYPE),
    "regions": MapOf(REGION_BLOCK),
}, required_full=("name", "display_name", "status"),
   not_null=("name", "display_name", "status") + REGION_BLOCK_KEYS + ("instance_types", "regions"),
   checks=(_message_when_inactive,))


def validate(data: Mapping, source: str, *, partial: bool = False) -> None:
    """Raise :class:`~normalizer.exceptions.ProfileError` unless ``data`` is a valid profile.

    ``source`` labels errors (a file path or a layer label such as
    ``"clouds.yaml cloud 'x' networks:"``). ``partial=True`` is for layers and region
    blocks: no key is required there.

    >>> validate({"network": {"prefer_ipv6": True}}, "example", partial=True)
    >>> validate({"network": {"prefer_ipv6": "yes"}}, "example", partial=True)
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ProfileError: example: network.prefer_ipv6: must be true or false, got str 'yes'; fix network.prefer_ipv6 as docs/profiles.md describes it, or remove it
    """
    PROFILE.check(data, "", _Ctx(str(source), partial))
