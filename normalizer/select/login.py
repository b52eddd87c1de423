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

Everything vendor- or distro-specific (the rules, the distro table, the distros without
an SSH user such as Windows) is read from the typed ``profile.login`` section.

>>> from normalizer.profiles import load_profile
>>> login_user_for_image({"name": "Debian 12", "os_distro": "debian"}, load_profile("generic")).value
'debian'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from collections.abc import Mapping
from typing import TYPE_CHECKING, Callable

from normalizer.select.decision import Considered, Decision
from normalizer.select.images import image_identity, image_label, image_property

if TYPE_CHECKING:  # select/ reads profiles; the profile package never imports select/
    from normalizer.profiles import Profile
    from normalizer.profiles.sections import LoginMatch

__all__ = ["login_user_for_image", "login_user_for_server", "UNKNOWN_REASON"]

#: The reason given when nothing about the image tells its login user.
UNKNOWN_REASON = "no os_admin_user, os_distro or recognisable name"

# SCS image metadata standard (scs-0102): image_original_user may be "none".
_SCS_LOGIN_KEY = "image_original_user"
_SCS_NO_USER = "none"


@dataclass(frozen=True)
class _Found:
    user: str | None
    rule: str
    reason: str


_Step = Callable[[Mapping, Mapping, "Profile"], "_Found | tuple[Considered, ...]"]


def _override(image: Mapping, identity: Mapping, profile: Profile) -> _Found | tuple[Considered, ...]:
    overrides = profile.login.overrides
    if not overrides:
        return (Considered("login.overrides", "none set"),)
    for field in ("id", "name"):
        key = image.get(field)
        if isinstance(key, str) and key in overrides:
            user = overrides[key]
            shown = "no login user" if user is None else repr(user)
            return _Found(user, "override", f"login.overrides names image {field} {key!r}: {shown}")
    return (Considered("login.overrides", "no entry for this image's id or name"),)


def _image_property(image: Mapping, identity: Mapping, profile: Profile) -> _Found | tuple[Considered, ...]:
    user = image_property(image, "os_admin_user")
    if isinstance(user, str) and user.strip():
        return _Found(user.strip(), "image property", f"the image's os_admin_user property is {user.strip()!r}")
    original = image_property(image, _SCS_LOGIN_KEY)
    if isinstance(original, str) and original.strip():
        text = original.strip()
        if text.lower() == _SCS_NO_USER:
            return _Found(None, "image property", f"the image's {_SCS_LOGIN_KEY} property says {text!r}")
        return _Found(text, "image property", f"the image's {_SCS_LOGIN_KEY} property is {text!r}")
    return (Considered("os_admin_user", "not set on the image"),)


def _rule_matches(match: LoginMatch, image: Mapping, identity: Mapping) -> bool:
    if match.distro is not None and identity.get("distro") != match.distro:
        return False
    if match.version_pattern is not None:
        version = identity.get("version")
        if not isinstance(version, str) or match.version_pattern.fullmatch(version) is None:
            return False
    if match.name_pattern is not None:
        name = image.get("name")
        if not isinstance(name, str) or match.name_pattern.fullmatch(name) is None:
            return False
    return True


def _rule_step(source: str) -> _Step:
    # profile.login.rules is one joined list (vendor rules first); a miss is reported per
    # list, as the profile spells it, so each list is its own step.
    def step(image: Mapping, identity: Mapping, profile: Profile) -> _Found | tuple[Considered, ...]:
        rules = [rule for rule in profile.login.rules if rule.source == source]
        for rule in rules:
            if _rule_matches(rule.match, image, identity):
                shown = "no login user" if rule.user is None else repr(rule.user)
                return _Found(rule.user, rule.kind, f"{rule.where} matches ({rule.match.summary}): {shown}")
        return (Considered(source, "no rule matches" if rules else "none set"),)
    return step


def _distro_table(image: Mapping, identity: Mapping, profile: Profile) -> _Found | tuple[Considered, ...]:
    distro = identity.get("distro")
    if not distro:
        return (Considered("login.distro_users", "the distro is unknown"),)
    table = profile.login.distro_users
    if distro in table:
        user = table[distro]
        shown = "no login user" if user is None else repr(user)
        return _Found(user, "distro table", f"distro {distro!r}: login.distro_users gives {shown}")
    return (Considered("login.distro_users", f"no entry for {distro!r}"),)


_STEPS: tuple[_Step, ...] = (
    _override,
    _image_property,
    _rule_step("login.rules"),
    _rule_step("login.generic_rules"),
    _distro_table,
)


def login_user_for_image(image: Mapping | None, profile: Profile, *, identity: Decision | None = None) -> Decision:
    """Decide the login user of a raw Glance image; ``value`` is the user or None. Never raises.

    ``identity`` is the image's :func:`~normalizer.select.images.image_identity` when the
    caller already has it. Each step that did not decide is listed in ``considered``.

    >>> from normalizer.profiles import load_profile
    >>> d = login_user_for_image({"name": "CentOS 7", "os_admin_user": "admin"}, load_profile("generic"))
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
        considered += outcome
    distro = value.get("distro")
    if distro in profile.login.no_login_distros:
        # the rule names the distro ("windows"): callers and golden cases read it
        return Decision(subject, None, distro, profile.login.no_login_distros[distro], tuple(considered))
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


def login_user_for_server(server: Mapping, image: Mapping | None, profile: Profile, *,
                          volume_image_metadata: Mapping | None = None) -> Decision:
    """Decide the login user of a raw Nova server, from the image it was booted from.

    ``image`` is the raw image of the server's ``image.id`` (resolved by the caller; None
    when it is deleted or not visible). A server booted from a volume (``image`` is ""
    or missing) uses ``volume_image_metadata`` of its boot volume instead. Never raises.

    >>> from normalizer.profiles import load_profile
    >>> login_user_for_server({"name": "web", "image": ""}, None, load_profile("generic")).reason
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
