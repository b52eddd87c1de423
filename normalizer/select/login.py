"""Which account to SSH into: the login user of an image, and of a server.

The order is fixed (``docs/decisions.md``, "Login user"):

1. ``login.overrides`` naming the image id, then the image name;
2. the image's ``os_admin_user`` property (or the SCS ``image_original_user``);
3. the vendor's ``login.rules``;
4. the generic ``login.generic_rules``;
5. ``login.distro_users`` for the image's distro (from ``os_distro`` or the name rules);
6. otherwise None, with the reason.

A ``null`` user in a rule, an override or the distro table is a decided answer ("this
image has no login user"), not an unknown one.

>>> login_user_for_image({"name": "Debian 12", "os_distro": "debian"},
...                      {"login": {"distro_users": {"debian": "debian"}}}).value
'debian'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

from normalizer.select.decision import Considered, Decision
from normalizer.select.images import (
    canonical_distro,
    image_identity,
    image_label,
    image_property,
    profile_value,
    rule_fullmatch,
)

__all__ = ["login_user_for_image", "login_user_for_server", "UNKNOWN_REASON"]

#: The reason given when nothing about the image tells its login user.
UNKNOWN_REASON = "no os_admin_user, os_distro or recognisable name"

_WINDOWS = "windows"
# SCS image metadata standard (scs-0102): image_original_user may be "none".
_SCS_LOGIN_KEY = "image_original_user"
_SCS_NO_USER = "none"


@dataclass(frozen=True)
class _Found:
    user: str | None
    rule: str
    reason: str


_Step = Callable[[Mapping, Mapping, Any], "_Found | Considered"]


def _override(image: Mapping, identity: Mapping, profile: Any) -> _Found | Considered:
    overrides = profile_value(profile, "login.overrides", {})
    if not isinstance(overrides, Mapping) or not overrides:
        return Considered("login.overrides", "none set")
    for field in ("id", "name"):
        key = image.get(field)
        if isinstance(key, str) and key in overrides:
            user = overrides[key]
            if user is None or isinstance(user, str):
                shown = "no login user" if user is None else repr(user)
                return _Found(user, "override", f"login.overrides names image {field} {key!r}: {shown}")
    return Considered("login.overrides", "no entry for this image's id or name")


def _image_property(image: Mapping, identity: Mapping, profile: Any) -> _Found | Considered:
    user = image_property(image, "os_admin_user")
    if isinstance(user, str) and user.strip():
        return _Found(user.strip(), "image property", f"the image's os_admin_user property is {user.strip()!r}")
    original = image_property(image, _SCS_LOGIN_KEY)
    if isinstance(original, str) and original.strip():
        text = original.strip()
        if text.lower() == _SCS_NO_USER:
            return _Found(None, "image property", f"the image's {_SCS_LOGIN_KEY} property says {text!r}")
        return _Found(text, "image property", f"the image's {_SCS_LOGIN_KEY} property is {text!r}")
    return Considered("os_admin_user", "not set on the image")


def _rule_matches(match: Any, image: Mapping, identity: Mapping) -> bool:
    if not isinstance(match, Mapping):
        return False
    tests = []
    if match.get("distro") is not None:
        distro = identity.get("distro")
        tests.append(distro is not None and canonical_distro(match["distro"]) == distro)
    if match.get("version_pattern") is not None:
        tests.append(rule_fullmatch(match["version_pattern"], identity.get("version")) is not None)
    if match.get("name_pattern") is not None:
        name = image.get("name") if isinstance(image.get("name"), str) else None
        tests.append(rule_fullmatch(match["name_pattern"], name) is not None)
    return bool(tests) and all(tests)


def _rule_step(dotted: str, kind: str) -> _Step:
    def step(image: Mapping, identity: Mapping, profile: Any) -> _Found | Considered:
        rules = profile_value(profile, dotted, ())
        rules = rules if isinstance(rules, (list, tuple)) else ()
        for index, rule in enumerate(rules):
            if not isinstance(rule, Mapping) or "user" not in rule:
                continue
            user = rule["user"]
            if (user is None or isinstance(user, str)) and _rule_matches(rule.get("match"), image, identity):
                shown = "no login user" if user is None else repr(user)
                summary = ", ".join(f"{k} {v!r}" for k, v in rule["match"].items() if v is not None)
                return _Found(user, kind, f"{dotted}[{index}] matches ({summary}): {shown}")
        return Considered(dotted, "no rule matches" if rules else "none set")
    return step


def _distro_table(image: Mapping, identity: Mapping, profile: Any) -> _Found | Considered:
    distro = identity.get("distro")
    if not distro:
        return Considered("login.distro_users", "the distro is unknown")
    table = profile_value(profile, "login.distro_users", {})
    table = table if isinstance(table, Mapping) else {}
    if distro in table and (table[distro] is None or isinstance(table[distro], str)):
        user = table[distro]
        shown = "no login user" if user is None else repr(user)
        return _Found(user, "distro table", f"distro {distro!r}: login.distro_users gives {shown}")
    return Considered("login.distro_users", f"no entry for {distro!r}")


_STEPS: tuple[_Step, ...] = (
    _override,
    _image_property,
    _rule_step("login.rules", "profile login rule"),
    _rule_step("login.generic_rules", "generic login rule"),
    _distro_table,
)


def login_user_for_image(image: Mapping | None, profile: Any, *, identity: Decision | None = None) -> Decision:
    """Decide the login user of a raw Glance image; ``value`` is the user or None. Never raises.

    ``identity`` is the image's :func:`~normalizer.select.images.image_identity` when the
    caller already has it. Each step that did not decide is listed in ``considered``.

    >>> d = login_user_for_image({"name": "CentOS 7", "os_admin_user": "admin"}, None)
    >>> d.value, d.rule
    ('admin', 'image property')
    """
    if not isinstance(image, Mapping):
        return Decision("login user of an unknown image", None, "unknown",
                        "the image is not known (not given, deleted or not visible)")
    subject = f"login user of image {image_label(image)}"
    ident = identity if isinstance(identity, Decision) else image_identity(image, profile)
    value = ident.value if isinstance(ident.value, Mapping) else {}
    considered: list[Considered] = []
    for step in _STEPS:
        outcome = step(image, value, profile)
        if isinstance(outcome, _Found):
            reason = outcome.reason
            if outcome.rule == "distro table":
                reason += f" (distro from {ident.rule})"
            return Decision(subject, outcome.user, outcome.rule, reason, tuple(considered))
        considered.append(outcome)
    distro = value.get("distro")
    if distro == _WINDOWS:
        return Decision(subject, None, "windows",
                        "Windows images have no standard login user (cloudbase-init builds use Admin or "
                        "Administrator and a generated password); set login.overrides for this image",
                        tuple(considered))
    reason = f"distro {distro!r} has no entry in login.distro_users" if distro else UNKNOWN_REASON
    return Decision(subject, None, "unknown", reason, tuple(considered))


def _image_ref_id(server: Mapping) -> str | None:
    ref = server.get("image")
    if isinstance(ref, Mapping):
        ref = ref.get("id")
    return ref if isinstance(ref, str) and ref else None


def _from_volume(metadata: Mapping) -> dict:
    # Cinder copies the image's properties flat and names the image image_id / image_name.
    image = dict(metadata)
    image.setdefault("id", metadata.get("image_id"))
    image.setdefault("name", metadata.get("image_name"))
    return image


def login_user_for_server(server: Mapping, image: Mapping | None, profile: Any, *,
                          volume_image_metadata: Mapping | None = None) -> Decision:
    """Decide the login user of a raw Nova server, from the image it was booted from.

    ``image`` is the raw image of the server's ``image.id`` (resolved by the caller; None
    when it is deleted or not visible). A server booted from a volume (``image`` is ""
    or missing) uses ``volume_image_metadata`` of its boot volume instead. Never raises.

    >>> login_user_for_server({"name": "web", "image": ""}, None, None).reason
    "booted from volume and the volume's image metadata is not available"
    """
    server = server if isinstance(server, Mapping) else {}
    name = server.get("name") if isinstance(server.get("name"), str) else None
    server_id = server.get("id") if isinstance(server.get("id"), str) else None
    subject = f"login user of server {name or server_id or '(unnamed)'!r}"
    image_id = _image_ref_id(server)
    if image_id is None:
        if isinstance(volume_image_metadata, Mapping):
            decided = login_user_for_image(_from_volume(volume_image_metadata), profile)
            return replace(decided, subject=subject, reason="booted from volume; the volume's image metadata: "
                           + decided.reason)
        if isinstance(image, Mapping):
            return replace(login_user_for_image(image, profile), subject=subject)
        return Decision(subject, None, "unknown",
                        "booted from volume and the volume's image metadata is not available")
    if isinstance(image, Mapping):
        return replace(login_user_for_image(image, profile), subject=subject)
    decided = login_user_for_image({"id": image_id}, profile)
    if decided.rule == "unknown":
        decided = replace(decided, reason=f"the server's image {image_id} is not available (deleted or not "
                          "visible to this project); set login.overrides for it")
    return replace(decided, subject=subject)
