"""What an image is (distro, version, architecture) and which image a request means.

Inputs are raw Glance v2 images, flat as the API returns them (``os_distro``,
``os_version``, ``architecture``, ``os_hidden``, ``status``, ``created_at``, ``name``,
``id``), and the effective profile. The identity of an image comes from its properties
first, then from the profile's ``images.name_rules``, then from
``images.generic_name_rules``; :func:`pick_image` takes the newest active, visible image
whose identity matches the request. See ``docs/decisions.md``.

Everything vendor- or distro-specific (name rules, hidden patterns, distro and
architecture spellings, the assumed architecture, the formats that never boot) is read
from the typed ``profile.images`` section, compiled when the profile was loaded.

>>> from normalizer.profiles import load_profile
>>> image_identity({"name": "Ubuntu 22.04", "os_distro": "com.ubuntu"}, load_profile("generic")).value["distro"]
'ubuntu'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from normalizer.exceptions import NoMatch, SelectionError
from normalizer.normalize.fields import as_bool
from normalizer.select.decision import Considered, Decision

if TYPE_CHECKING:  # select/ reads profiles; the profile package never imports select/
    from normalizer.profiles import Profile
    from normalizer.profiles.sections import ImageSettings, NameRule

__all__ = [
    "hidden_reason",
    "image_identity",
    "image_label",
    "image_property",
    "non_bootable_reason",
    "parse_image_alias",
    "pick_image",
    "pick_probe_image",
    "version_matches",
]

_PROPERTY_KEYS: Mapping[str, tuple[str, ...]] = {
    # org.openstack__1__* is the older namespaced spelling of the same properties.
    "distro": ("os_distro", "org.openstack__1__os_distro"),
    "version": ("os_version", "org.openstack__1__os_version"),
    "arch": ("architecture", "org.openstack__1__architecture"),
}

_ALIAS = re.compile(r"(?P<distro>[a-z][a-z._-]*?[a-z])(?:[-_ ]?(?P<version>\d+(?:\.\d+)*))?")


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


def _name_rule(name: str | None, settings: ImageSettings) -> tuple[NameRule, str | None, str | None] | None:
    """The first name rule matching the whole name, with the version and arch it reads."""
    if name is None:
        return None
    for rule in settings.name_rules:
        found = rule.pattern.fullmatch(name)
        if found is not None:
            groups = found.groupdict()
            arch = settings.canonical_arch(groups["arch"]) if groups.get("arch") else rule.arch
            return rule, _text(groups.get("version")) or rule.version, arch
    return None


@dataclass(frozen=True)
class _NameHit:
    kind: str          # "profile name rule" | "generic name rule"
    where: str         # "images.name_rules[2]"
    pattern: str
    distro: str
    version: str | None
    arch: str | None


def _hit(name: str | None, settings: ImageSettings) -> _NameHit | None:
    found = _name_rule(name, settings)
    if found is None:
        return None
    rule, version, arch = found
    return _NameHit(rule.kind, rule.where, rule.pattern.pattern, rule.distro, version, arch)


def image_identity(image: Mapping, profile: Profile) -> Decision:
    """Decide an image's distro, version and architecture; never raises.

    ``value`` is ``{"distro", "version", "arch"}`` (each str or None); ``rule`` is
    ``"image properties"``, ``"profile name rule"``, ``"generic name rule"`` or
    ``"unknown"``. Properties fill what they say; a name rule fills the rest only when it
    agrees on the distro.

    >>> from normalizer.profiles import load_profile
    >>> d = image_identity({"name": "debian-12-genericcloud-amd64"}, load_profile("generic"))
    >>> d.value, d.rule
    ({'distro': 'debian', 'version': '12', 'arch': 'x86_64'}, 'generic name rule')
    """
    image = image if isinstance(image, Mapping) else {}
    name = _str(image.get("name"))
    props = {field: _identity_property(image, field) for field in _PROPERTY_KEYS}
    settings = profile.images
    hit = _hit(name, settings)
    subject = f"identity of image {image_label(image)}"
    distro = settings.canonical_distro(props["distro"][1]) if props["distro"] else None
    if distro is None and hit is not None:
        distro, rule = hit.distro, hit.kind
    else:
        rule = "image properties" if distro else "unknown"
    agrees = hit is not None and hit.distro == distro
    version = props["version"][1] if props["version"] else (hit.version if agrees else None)
    arch = settings.canonical_arch(props["arch"][1]) if props["arch"] else (hit.arch if agrees else None)
    value = {"distro": distro, "version": version, "arch": arch}
    considered = _identity_considered(props, hit, name, rule, settings)
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
                         settings: ImageSettings) -> tuple:
    """The sources that did not decide, and what each said."""
    if rule == "image properties":
        if hit is None:
            return ()
        found = settings.canonical_distro(props["distro"][1])
        verdict = "agrees" if hit.distro == found else f"says {hit.distro!r}; os_distro wins"
        return (Considered(hit.where, verdict),)
    considered = [Considered("os_distro", "not set")]
    lists = ("images.name_rules",) + (("images.generic_name_rules",) if rule != "profile name rule" else ())
    for dotted in lists:
        if hit is not None and hit.where.startswith(dotted + "["):
            break
        rules = settings.rules_from(dotted)
        verdict = "none set" if not rules else (f"no rule matches {name!r}" if name else "the image has no name")
        considered.append(Considered(dotted, verdict))
    return tuple(considered)


def parse_image_alias(alias: str, profile: Profile) -> tuple[str, str | None]:
    """Split an alias such as ``ubuntu-22.04`` into (distro, version); the profile's spellings apply.

    Raises :class:`~normalizer.exceptions.SelectionError` when the text is not
    ``<distro>[-]<version>``.

    >>> from normalizer.profiles import load_profile
    >>> p = load_profile("generic")
    >>> parse_image_alias("Ubuntu-22.04", p), parse_image_alias("debian12", p), parse_image_alias("rocky", p)
    (('ubuntu', '22.04'), ('debian', '12'), ('rocky', None))
    """
    text = alias.strip().lower() if isinstance(alias, str) else ""
    found = _ALIAS.fullmatch(text)
    if not found:
        raise SelectionError(f"cannot read the image alias {alias!r}",
                             hint="write <distro>-<version>, e.g. 'ubuntu-22.04', 'debian-12' or 'rocky', "
                                  "or pass distro= and version=", alias=str(alias))
    return profile.images.canonical_distro(found["distro"]), found["version"]


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


def hidden_reason(image: Mapping, profile: Profile) -> str | None:
    """Why an image is hidden (``os_hidden``, an ``os_purpose`` not offered, a hidden pattern of the profile), or None.

    >>> from normalizer.profiles import load_profile
    >>> hidden_reason({"name": "amphora-x64-haproxy"}, load_profile("generic"))
    "hidden by pattern '(?i)amphora-.*'"
    """
    if as_bool(image_property(image, "os_hidden")):
        return "hidden (os_hidden)"
    purpose = _str(image_property(image, "os_purpose"))
    offered = profile.images.offered_purposes
    if purpose is not None and offered is not None and purpose.lower() not in offered:
        return f"os_purpose is {purpose!r}, not {' or '.join(sorted(offered))}"
    name = _str(image.get("name")) if isinstance(image, Mapping) else None
    if name is None:
        return None
    hit = next((p for p in profile.images.hidden_patterns if p.fullmatch(name)), None)
    return f"hidden by pattern {hit.pattern!r}" if hit is not None else None


def non_bootable_reason(image: Mapping, profile: Profile) -> str | None:
    """Why an image cannot boot a server on its own (a kernel or ramdisk part), or None.

    The formats come from the profile's ``images.non_bootable_formats`` (aki, ari).

    >>> from normalizer.profiles import load_profile
    >>> non_bootable_reason({"disk_format": "aki", "container_format": "aki"}, load_profile("generic"))
    'not bootable (disk_format aki)'
    """
    if not isinstance(image, Mapping):
        return None
    for key in ("disk_format", "container_format"):
        value = image.get(key)
        if isinstance(value, str) and value.strip().lower() in profile.images.non_bootable_formats:
            return f"not bootable ({key} {value.strip().lower()})"
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


def _request(alias: Any, distro: Any, version: Any, arch: Any, profile: Profile) -> _Request:
    settings = profile.images
    parsed = parse_image_alias(alias, profile) if alias is not None else (None, None)
    distro = settings.canonical_distro(distro) if distro is not None else parsed[0]
    version = _text(version) if version is not None else parsed[1]
    if not distro:
        raise SelectionError("pick_image needs an image alias or a distro",
                             hint="pass 'ubuntu-22.04', or distro='ubuntu' and version='22.04'")
    return _Request(distro, version, settings.canonical_arch(arch) if arch is not None else None)


def _verdict(image: Mapping, identity: Mapping, request: _Request, profile: Profile,
             include_hidden: bool, include_snapshots: bool = False) -> tuple[str | None, int]:
    """Why this image is not a candidate (None when it is), and how near it is."""
    same_distro = identity["distro"] == request.distro
    if not same_distro:
        return f"distro {identity['distro'] or 'unknown'}", 2 if _usable(image, profile, include_hidden) else 3
    if request.version and not version_matches(request.version, identity["version"]):
        shown = f"version {identity['version']}" if identity["version"] else "version unknown"
        return shown, 0 if _usable(image, profile, include_hidden) else 1
    image_arch = identity["arch"] or profile.images.assumed_arch
    if request.arch and image_arch != request.arch:
        if image_arch is None:
            return "arch unknown (no architecture property)", 1
        return f"arch {image_arch}" + ("" if identity["arch"] else " (assumed: no architecture property)"), 1
    status = _str(image.get("status"))
    if (status or "").lower() != "active":
        return f"status {status.lower() if status else 'unknown'}", 1
    # a kernel or ramdisk carries its distro's name but cannot boot a server by itself
    not_bootable = non_bootable_reason(image, profile)
    if not_bootable:
        return not_bootable, 1
    # a server snapshot inherits its source's os_distro, but nobody asking for
    # "ubuntu-24.04" means someone's snapshot of their server
    if not include_snapshots and _str(image_property(image, SNAPSHOT_KEY)) == SNAPSHOT_VALUE:
        return "a server snapshot (pass include_snapshots=True)", 1
    hidden = None if include_hidden else hidden_reason(image, profile)
    return (hidden, 1) if hidden else (None, 0)


def _usable(image: Mapping, profile: Profile, include_hidden: bool) -> bool:
    active = (_str(image.get("status")) or "").lower() == "active"
    return active and non_bootable_reason(image, profile) is None \
        and (include_hidden or hidden_reason(image, profile) is None)


def pick_image(images: Sequence[Mapping], profile: Profile, *, alias: str | None = None, distro: Any = None,
               version: Any = None, arch: Any = None, include_hidden: bool = False,
               include_snapshots: bool = False) -> Decision:
    """Choose the newest active, visible image of a distro/version/arch; ``value`` is its id.

    ``alias`` (``"ubuntu-22.04"``) gives distro and version; explicit ``distro``/``version``
    win over it. A version matches by components ("22.04" matches "22.04.3", not
    "22.10"). An image without ``architecture`` counts as the profile's
    ``images.assumed_arch`` (x86_64) when ``arch`` is asked. Kernel and ramdisk images
    (``images.non_bootable_formats``: aki, ari) are never picked. Server snapshots
    (``image_type: snapshot``, set by Nova) are skipped unless ``include_snapshots``.
    Newest ``created_at`` wins; ties go to the smaller (name, id), so the answer never
    depends on the order the API listed the images in. Raises
    :class:`~normalizer.exceptions.NoMatch` (with the three nearest images) when none fits.

    >>> from normalizer.profiles import load_profile
    >>> imgs = [{"id": "a", "name": "Debian 12", "status": "active", "created_at": "2024-01-01T00:00:00Z"},
    ...         {"id": "b", "name": "Debian 12", "status": "active", "created_at": "2024-06-01T00:00:00Z"}]
    >>> pick_image(imgs, load_profile("generic"), alias="debian-12").value
    'b'
    """
    request = _request(alias, distro, version, arch, profile)
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


def pick_probe_image(images: Sequence[Mapping], profile: Profile) -> str | None:
    """The image ``conformance(probe=True)`` boots: the profile's probe alias, else any bootable one.

    Without an image of ``conformance.probe_image``, the newest active, bootable, visible
    image; ties go to the highest id, never to the API's order. None when there is none.

    >>> from normalizer.profiles import load_profile
    >>> pick_probe_image([{"id": "a", "name": "Debian 12", "status": "active", "created_at": "2024-01-01"},
    ...                   {"id": "k", "name": "kernel", "status": "active", "disk_format": "aki",
    ...                    "created_at": "2025-01-01"}], load_profile("generic"))
    'a'
    """
    try:
        return pick_image(images, profile, alias=profile.conformance.probe_image).value
    except NoMatch:
        usable = [i for i in _as_list(images) if isinstance(i, Mapping) and _usable(i, profile, include_hidden=False)]
        usable.sort(key=lambda i: (str(i.get("created_at") or ""), str(i.get("id"))), reverse=True)
        return usable[0].get("id") if usable else None
