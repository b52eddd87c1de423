"""What an image is (distro, version, architecture) and which image a request means.

Inputs are raw Glance v2 images, flat as the API returns them (``os_distro``,
``os_version``, ``architecture``, ``os_hidden``, ``status``, ``created_at``, ``name``,
``id``), and the effective profile. The identity of an image comes from its properties
first, then from the profile's ``images.name_rules``, then from
``images.generic_name_rules``; :func:`pick_image` takes the newest active, visible image
whose identity matches the request. See ``docs/decisions.md``.

>>> image_identity({"name": "Ubuntu 22.04", "os_distro": "com.ubuntu"}, None).value["distro"]
'ubuntu'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from normalizer.exceptions import NoMatch, SelectionError
from normalizer.normalize.fields import as_bool
from normalizer.select.decision import Considered, Decision

__all__ = [
    "ASSUMED_ARCH",
    "canonical_arch",
    "canonical_distro",
    "hidden_reason",
    "image_identity",
    "image_label",
    "image_property",
    "parse_image_alias",
    "pick_image",
    "profile_value",
    "rule_fullmatch",
    "version_matches",
]

_MISSING = object()

# Glance's os_distro vocabulary and the spellings real images use instead (com.ubuntu,
# org.centos, redhat ...), as distro vocabulary: which distro a word means, not which
# cloud uses it. Keys are lower-case with runs of blanks/underscores turned into '-'.
_DISTRO_SPELLINGS: Mapping[str, str] = {
    "com.ubuntu": "ubuntu", "canonical": "ubuntu", "ubuntu-server": "ubuntu", "ubuntu-linux": "ubuntu",
    "org.debian": "debian", "debian-linux": "debian", "debian-gnu/linux": "debian",
    "org.centos": "centos", "centos-stream": "centos", "centos-linux": "centos",
    "redhat": "rhel", "red-hat": "rhel", "com.redhat": "rhel", "red-hat-enterprise-linux": "rhel",
    "redhat-enterprise-linux": "rhel", "rhel-server": "rhel",
    "org.fedoraproject": "fedora", "fedora-cloud": "fedora", "fedora-cloud-base": "fedora",
    "fedoracoreos": "fedora-coreos", "fcos": "fedora-coreos", "fedora-core-os": "fedora-coreos",
    "container-linux": "coreos", "coreos-container-linux": "coreos",
    "flatcar-container-linux": "flatcar", "flatcar-linux": "flatcar",
    "org.opensuse": "opensuse", "opensuse-leap": "opensuse", "suse-linux-enterprise-server": "sles",
    "archlinux": "arch", "arch-linux": "arch",
    "com.microsoft.server": "windows", "microsoft-windows": "windows", "windows-server": "windows",
    "mswindows": "windows",
    "rockylinux": "rocky", "rocky-linux": "rocky", "org.rockylinux": "rocky",
    "alma": "almalinux", "alma-linux": "almalinux", "org.almalinux": "almalinux",
    "org.freebsd": "freebsd", "org.gentoo": "gentoo",
    "amzn": "amazon", "amazon-linux": "amazon", "amazonlinux": "amazon",
}

# Glance's architecture vocabulary (libosinfo names) and the kernel/Debian spellings.
_ARCH_SPELLINGS: Mapping[str, str] = {
    "amd64": "x86_64", "x64": "x86_64", "x86-64": "x86_64", "x86_64": "x86_64",
    "arm64": "aarch64", "aarch64": "aarch64", "armv8": "aarch64",
    "i386": "i686", "i486": "i686", "i586": "i686", "i686": "i686", "x86": "i686", "ia32": "i686",
    "armhf": "armv7l", "armv7": "armv7l", "armv7l": "armv7l",
    "ppc64el": "ppc64le", "ppc64le": "ppc64le",
}

#: The architecture of an image that has no ``architecture`` property, for arch requests.
ASSUMED_ARCH = "x86_64"

_PROPERTY_KEYS: Mapping[str, tuple[str, ...]] = {
    # org.openstack__1__* is the older namespaced spelling of the same properties.
    "distro": ("os_distro", "org.openstack__1__os_distro"),
    "version": ("os_version", "org.openstack__1__os_version"),
    "arch": ("architecture", "org.openstack__1__architecture"),
}

_ALIAS = re.compile(r"(?P<distro>[a-z][a-z._-]*?[a-z])(?:[-_ ]?(?P<version>\d+(?:\.\d+)*))?")


def profile_value(profile: Any, dotted: str, default: Any = None) -> Any:
    """Read ``a.b.c`` from a :class:`~normalizer.profiles.Profile` or a plain mapping.

    >>> profile_value({"login": {"rules": []}}, "login.rules"), profile_value(None, "x", 1)
    ([], 1)
    """
    node: Any = getattr(profile, "data", profile)
    for key in dotted.split("."):
        if not isinstance(node, Mapping):
            return default
        node = node.get(key, _MISSING)
        if node is _MISSING:
            return default
    return default if node is None else node


def _rules(profile: Any, dotted: str) -> tuple:
    value = profile_value(profile, dotted, ())
    return tuple(value) if isinstance(value, (list, tuple)) else ()


def _word(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = re.sub(r"[\s_]+", "-", str(value).strip().lower())
    return text or None


def canonical_distro(value: Any) -> str | None:
    """The glance ``os_distro`` word for a distro spelling; None for empty or non-text.

    >>> canonical_distro("CentOS"), canonical_distro("com.ubuntu"), canonical_distro("Red Hat")
    ('centos', 'ubuntu', 'rhel')
    """
    word = _word(value)
    return _DISTRO_SPELLINGS.get(word, word) if word else None


def canonical_arch(value: Any) -> str | None:
    """The glance architecture name for an architecture spelling (amd64 -> x86_64).

    >>> canonical_arch("amd64"), canonical_arch("ARM64"), canonical_arch("")
    ('x86_64', 'aarch64', None)
    """
    word = _word(value)
    return _ARCH_SPELLINGS.get(word, word) if word else None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text or None


def image_property(image: Any, key: str) -> Any:
    """A property of a raw image: the flat key first, then a nested ``properties`` mapping.

    >>> image_property({"properties": {"os_distro": "debian"}}, "os_distro")
    'debian'
    """
    if not isinstance(image, Mapping):
        return None
    value = image.get(key)
    if value is None and isinstance(image.get("properties"), Mapping):
        value = image["properties"].get(key)
    return value


def _identity_property(image: Mapping, field: str) -> tuple[str, str] | None:
    for key in _PROPERTY_KEYS[field]:
        text = _text(image_property(image, key))
        if text:
            return key, text
    return None


def image_label(image: Any) -> str:
    """How an image is named in reasons: its quoted name and id, or a placeholder.

    >>> image_label({"name": "Debian 12", "id": "d1"}), image_label({})
    ("'Debian 12' (d1)", '(unnamed image)')
    """
    if not isinstance(image, Mapping):
        return "(unknown image)"
    name, image_id = _str(image.get("name")), _str(image.get("id"))
    if name and image_id:
        return f"{name!r} ({image_id})"
    if name or image_id:
        return repr(name or image_id)
    return "(unnamed image)"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def rule_fullmatch(pattern: Any, text: str | None) -> re.Match | None:
    """Match a profile regex against the whole text; None for no text or a broken pattern.

    >>> bool(rule_fullmatch("(?i)ubuntu-.*", "Ubuntu-22.04")), rule_fullmatch("x", None)
    (True, None)
    """
    if not isinstance(pattern, str) or not isinstance(text, str):
        return None
    try:
        return re.fullmatch(pattern, text)
    except re.error:  # validated profiles never get here; hand-made mappings might
        return None


@dataclass(frozen=True)
class _NameHit:
    kind: str          # "profile name rule" | "generic name rule"
    where: str         # "images.name_rules[2]"
    pattern: str
    distro: str
    version: str | None
    arch: str | None


def _name_rule(name: str | None, profile: Any) -> _NameHit | None:
    lists = (("images.name_rules", "profile name rule"), ("images.generic_name_rules", "generic name rule"))
    for dotted, kind in lists:
        for index, rule in enumerate(_rules(profile, dotted)):
            if not isinstance(rule, Mapping) or not canonical_distro(rule.get("distro")):
                continue
            found = rule_fullmatch(rule.get("pattern"), name)
            if found is None:
                continue
            groups = found.groupdict()
            version = _text(groups.get("version")) or _text(rule.get("version"))
            arch = canonical_arch(groups.get("arch") or rule.get("arch"))
            return _NameHit(kind, f"{dotted}[{index}]", rule["pattern"], canonical_distro(rule["distro"]),
                            version, arch)
    return None


def image_identity(image: Mapping, profile: Any) -> Decision:
    """Decide an image's distro, version and architecture; never raises.

    ``value`` is ``{"distro", "version", "arch"}`` (each str or None); ``rule`` is
    ``"image properties"``, ``"profile name rule"``, ``"generic name rule"`` or
    ``"unknown"``. Properties fill what they say; a name rule fills the rest only when it
    agrees on the distro.

    >>> d = image_identity({"name": "debian-12-genericcloud-amd64"},
    ...                    {"images": {"generic_name_rules": [{"pattern": "debian-(?P<version>[0-9]+)-.*",
    ...                                                       "distro": "debian"}]}})
    >>> d.value, d.rule
    ({'distro': 'debian', 'version': '12', 'arch': None}, 'generic name rule')
    """
    image = image if isinstance(image, Mapping) else {}
    name = _str(image.get("name"))
    props = {field: _identity_property(image, field) for field in _PROPERTY_KEYS}
    hit = _name_rule(name, profile)
    subject = f"identity of image {image_label(image)}"
    distro = canonical_distro(props["distro"][1]) if props["distro"] else None
    if distro is None and hit is not None:
        distro, rule = hit.distro, hit.kind
    else:
        rule = "image properties" if distro else "unknown"
    agrees = hit is not None and hit.distro == distro
    version = props["version"][1] if props["version"] else (hit.version if agrees else None)
    arch = canonical_arch(props["arch"][1]) if props["arch"] else (hit.arch if agrees else None)
    value = {"distro": distro, "version": version, "arch": arch}
    considered = _identity_considered(props, hit, name, rule, profile)
    return Decision(subject, value, rule, _identity_reason(rule, props, hit, name, value), considered)


def _identity_reason(rule: str, props: Mapping, hit: _NameHit | None, name: str | None,
                     value: Mapping) -> str:
    said = [f"{key} {text!r}" for key, text in (p for p in props.values() if p)]
    if rule == "unknown":
        shown = repr(name) if name else "no name"
        return f"no os_distro property and no name rule matches ({shown})"
    parts = []
    if rule == "image properties":
        parts.append("properties say " + ", ".join(said))
    else:
        parts.append(f"image name {name!r} matches {hit.where} ({hit.pattern!r})")
        if said:
            parts.append("properties say " + ", ".join(said))
    if rule == "image properties" and hit is not None and hit.distro == value["distro"] \
            and (not props["version"] or not props["arch"]) and (hit.version or hit.arch):
        parts.append(f"the rest from the name ({hit.where})")
    return "; ".join(parts)


def _identity_considered(props: Mapping, hit: _NameHit | None, name: str | None, rule: str,
                         profile: Any) -> tuple:
    """The sources that did not decide, and what each said."""
    if rule == "image properties":
        if hit is None:
            return ()
        found = canonical_distro(props["distro"][1])
        verdict = "agrees" if hit.distro == found else f"says {hit.distro!r}; os_distro wins"
        return (Considered(hit.where, verdict),)
    considered = [Considered("os_distro", "not set")]
    lists = ("images.name_rules",) + (("images.generic_name_rules",) if rule != "profile name rule" else ())
    for dotted in lists:
        if hit is not None and hit.where.startswith(dotted + "["):
            break
        rules = _rules(profile, dotted)
        verdict = "none set" if not rules else (f"no rule matches {name!r}" if name else "the image has no name")
        considered.append(Considered(dotted, verdict))
    return tuple(considered)


def parse_image_alias(alias: str) -> tuple[str, str | None]:
    """Split an alias such as ``ubuntu-22.04`` into (distro, version); distro spellings normalised.

    Raises :class:`~normalizer.exceptions.SelectionError` when the text is not
    ``<distro>[-]<version>``.

    >>> parse_image_alias("Ubuntu-22.04"), parse_image_alias("debian12"), parse_image_alias("rocky")
    (('ubuntu', '22.04'), ('debian', '12'), ('rocky', None))
    """
    text = alias.strip().lower() if isinstance(alias, str) else ""
    found = _ALIAS.fullmatch(text)
    if not found:
        raise SelectionError(f"cannot read the image alias {alias!r}",
                             hint="write <distro>-<version>, e.g. 'ubuntu-22.04', 'debian-12' or 'rocky', "
                                  "or pass distro= and version=", alias=str(alias))
    return canonical_distro(found["distro"]), found["version"]


def _components(version: str) -> list[str]:
    return re.findall(r"[0-9]+|[a-z]+", version.lower())


def version_matches(wanted: str, actual: str | None) -> bool:
    """True when ``actual`` starts with the components of ``wanted`` ("22.04" matches "22.04.3").

    >>> version_matches("22.04", "22.04.3"), version_matches("22.04", "22.10"), version_matches("9", "9.3")
    (True, False, True)
    """
    if actual is None:
        return False
    want, have = _components(wanted), _components(actual)
    if len(have) < len(want):
        return False
    return all(int(w) == int(h) if w.isdigit() and h.isdigit() else w == h for w, h in zip(want, have))


def hidden_reason(image: Mapping, profile: Any) -> str | None:
    """Why an image is hidden (``os_hidden``, or a hidden pattern of the profile), or None.

    >>> hidden_reason({"name": "amphora-x64-haproxy"}, {"images": {"generic_hidden_patterns": ["amphora-.*"]}})
    "hidden by pattern 'amphora-.*'"
    """
    if as_bool(image_property(image, "os_hidden")):
        return "hidden (os_hidden)"
    name = _str(image.get("name")) if isinstance(image, Mapping) else None
    for dotted in ("images.hidden_patterns", "images.generic_hidden_patterns"):
        for pattern in _rules(profile, dotted):
            if rule_fullmatch(pattern, name):
                return f"hidden by pattern {pattern!r}"
    return None


# --- image choice ----------------------------------------------------------------------------

#: Nova's marker on images made from a server (API vocabulary, the same on every cloud)
SNAPSHOT_KEY, SNAPSHOT_VALUE = "image_type", "snapshot"


@dataclass(frozen=True)
class _Request:
    distro: str
    version: str | None
    arch: str | None

    def __str__(self) -> str:
        text = self.distro + (f" {self.version}" if self.version else "")
        return text + (f" ({self.arch})" if self.arch else "")


@dataclass(frozen=True)
class _Row:
    image: Mapping
    identity: Decision
    timestamp: float | None
    verdict: str | None   # None: a candidate
    rank: int             # nearness for NoMatch (0 nearest)

    @property
    def name(self) -> str:
        return _str(self.image.get("name")) or ""

    @property
    def id(self) -> str:
        return _str(self.image.get("id")) or ""

    def sort_key(self) -> tuple:
        """Newest first, then name, then id: a total order, whatever the input order."""
        return (self.timestamp is None, -(self.timestamp or 0.0), self.name, self.id)


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # Glance timestamps are UTC
    return moment.timestamp()


def _request(alias: Any, distro: Any, version: Any, arch: Any) -> _Request:
    parsed = parse_image_alias(alias) if alias is not None else (None, None)
    distro = canonical_distro(distro) if distro is not None else parsed[0]
    version = _text(version) if version is not None else parsed[1]
    if not distro:
        raise SelectionError("pick_image needs an image alias or a distro",
                             hint="pass 'ubuntu-22.04', or distro='ubuntu' and version='22.04'")
    return _Request(distro, version, canonical_arch(arch) if arch is not None else None)


def _verdict(image: Mapping, identity: Mapping, request: _Request, profile: Any,
             include_hidden: bool, include_snapshots: bool = False) -> tuple[str | None, int]:
    """Why this image is not a candidate (None when it is), and how near it is."""
    same_distro = identity["distro"] == request.distro
    if not same_distro:
        return f"distro {identity['distro'] or 'unknown'}", 2 if _usable(image, profile, include_hidden) else 3
    if request.version and not version_matches(request.version, identity["version"]):
        shown = f"version {identity['version']}" if identity["version"] else "version unknown"
        return shown, 0 if _usable(image, profile, include_hidden) else 1
    image_arch = identity["arch"] or ASSUMED_ARCH
    if request.arch and image_arch != request.arch:
        return f"arch {image_arch}" + ("" if identity["arch"] else " (assumed: no architecture property)"), 1
    status = _str(image.get("status"))
    if (status or "").lower() != "active":
        return f"status {status.lower() if status else 'unknown'}", 1
    # a server snapshot inherits its source's os_distro, but nobody asking for
    # "ubuntu-24.04" means someone's snapshot of their server
    if not include_snapshots and _str(image_property(image, SNAPSHOT_KEY)) == SNAPSHOT_VALUE:
        return "a server snapshot (pass include_snapshots=True)", 1
    hidden = None if include_hidden else hidden_reason(image, profile)
    return (hidden, 1) if hidden else (None, 0)


def _usable(image: Mapping, profile: Any, include_hidden: bool) -> bool:
    active = (_str(image.get("status")) or "").lower() == "active"
    return active and (include_hidden or hidden_reason(image, profile) is None)


def pick_image(images: Sequence[Mapping], profile: Any, *, alias: str | None = None, distro: Any = None,
               version: Any = None, arch: Any = None, include_hidden: bool = False,
               include_snapshots: bool = False) -> Decision:
    """Choose the newest active, visible image of a distro/version/arch; ``value`` is its id.

    ``alias`` (``"ubuntu-22.04"``) gives distro and version; explicit ``distro``/``version``
    win over it. A version matches by components ("22.04" matches "22.04.3", not
    "22.10"). An image without ``architecture`` counts as x86_64 when ``arch`` is asked.
    Server snapshots (``image_type: snapshot``, set by Nova) are skipped unless
    ``include_snapshots``. Newest ``created_at`` wins; ties go to the smaller (name, id). Raises
    :class:`~normalizer.exceptions.NoMatch` (with the three nearest images) when none fits.

    >>> imgs = [{"id": "a", "name": "Debian 12", "status": "active", "created_at": "2024-01-01T00:00:00Z"},
    ...         {"id": "b", "name": "Debian 12", "status": "active", "created_at": "2024-06-01T00:00:00Z"}]
    >>> pick_image(imgs, {"images": {"generic_name_rules": [{"pattern": "Debian (?P<version>.+)",
    ...                                                     "distro": "debian"}]}}, alias="debian-12").value
    'b'
    """
    request = _request(alias, distro, version, arch)
    rows = []
    for image in _as_list(images):
        if not isinstance(image, Mapping):
            continue
        identity = image_identity(image, profile)
        verdict, rank = _verdict(image, identity.value, request, profile, include_hidden, include_snapshots)
        rows.append(_Row(image, identity, _timestamp(image.get("created_at")), verdict, rank))
    candidates = sorted((r for r in rows if r.verdict is None), key=_Row.sort_key)
    if not candidates:
        raise _no_match(request, rows)
    winner = candidates[0]
    created = _str(winner.image.get("created_at")) or "unknown"
    reason = (f"{image_label(winner.image)} is the newest of {len(candidates)} active, visible "
              f"{request} image(s) (created {created}); its identity comes from "
              f"{winner.identity.rule} ({winner.identity.reason})")
    return Decision(f"image for {request}", winner.id or None, "newest matching image", reason,
                    _pick_considered(winner, candidates[1:], rows, request))


def _as_list(images: Any) -> list:
    if images is None or isinstance(images, (str, bytes, Mapping)):
        return []
    try:
        return list(images)
    except TypeError:  # not iterable: nothing to choose from
        return []


def _lost_to(row: _Row, winner: _Row) -> str:
    if row.timestamp is None:
        return "older (no created_at)"
    if winner.timestamp is not None and row.timestamp < winner.timestamp:
        return f"older (created {row.image.get('created_at')})"
    if row.name != winner.name:
        return f"same created_at; {winner.name!r} sorts first by name"
    return "same created_at and name; the pick's id sorts first"


def _pick_considered(winner: _Row, losers: Sequence[_Row], rows: Sequence[_Row], request: _Request) -> tuple:
    considered = [Considered(image_label(r.image), _lost_to(r, winner)) for r in losers]
    excluded = sorted((r for r in rows if r.verdict is not None and r.rank < 2),
                      key=lambda r: (r.name, r.id, r.verdict))
    considered += [Considered(image_label(r.image), r.verdict) for r in excluded]
    others = sum(1 for r in rows if r.rank >= 2 and r.verdict is not None)
    if others:
        considered.append(Considered(f"{others} other image(s)", f"not {request.distro} (or distro unknown)"))
    return tuple(considered)


def _no_match(request: _Request, rows: Sequence[_Row]) -> NoMatch:
    nearest = sorted(rows, key=lambda r: (r.rank,) + r.sort_key())[:3]
    names = [r.name or r.id for r in nearest]
    if nearest:
        listed = ", ".join(f"{image_label(r.image)} ({r.verdict})" for r in nearest)
        message = f"no image matches {request}: the nearest are {listed}"
    else:
        message = f"no image matches {request}: the cloud lists no images"
    hint = ("pick one by name, ask for another version, pass include_hidden=True for hidden images, "
            "or add an images.name_rules entry to the profile when a name is not recognised")
    return NoMatch(message, hint=hint, candidates=names, requested=str(request))
