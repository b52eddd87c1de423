"""Idempotency by name: is an existing server the one a plan asks for?

Pure (no I/O): the raw servers of that name, a normalized existing server and a
:class:`~normalizer.provision.plan.ServerPlan` go in; the server to keep (or None), the
differences (one line each) and the decision shown among the plan's steps come out.
``cloud.ensure_server`` and ``cloud.plan_server`` use it, and so does the Ansible module.

What counts as the same:

* image: the same id; or, when the image was named, an image of the same name (a
  re-uploaded image gets a new id); or, when it was asked by alias (``ubuntu-24.04``), an
  image of that distro and version (the alias picks the newest image, which changes when
  the cloud refreshes its images; a server booted from the previous one still matches);
* flavor: the same id, or the same name (from Nova microversion 2.47 a server's flavor
  carries its name, not its id);
* a server in ERROR is reported as a difference too.

Other options (network, key, user-data, security groups, metadata) apply when a server is
created and are not compared.
"""

from __future__ import annotations

from dataclasses import fields
from collections.abc import Mapping, Sequence
from typing import Any

from normalizer.exceptions import AmbiguousMatch, ConfigError, SelectionError, format_candidates
from normalizer.provision.plan import ServerPlan, ServerRequest, check_create_options
from normalizer.provision.server_lifecycle import CreateOptions
from normalizer.select.decision import Decision
from normalizer.select.images import parse_image_alias, version_matches

__all__ = ["ENSURE_SUBJECT", "compare_existing", "ensure_request", "one_server_named"]

#: The subject of the plan step that says what became of an existing server of that name.
ENSURE_SUBJECT = "existing server"


def one_server_named(raws: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    """The one raw server with exactly this name, or None; several raise :class:`AmbiguousMatch`.

    >>> one_server_named([{"id": "1", "name": "web1"}, {"id": "2", "name": "web10"}], "web1")["id"]
    '1'
    >>> one_server_named([{"id": "1", "name": "web1"}, {"id": "2", "name": "web1"}], "web1")
    Traceback (most recent call last):
    ...
    normalizer.exceptions.AmbiguousMatch: 2 servers are named 'web1': ids '1', '2'; ensure_server finds its server by name: delete or rename all but one of them
    """
    same = [raw for raw in raws if raw.get("name") == name]
    if len(same) > 1:
        ids = [str(raw.get("id")) for raw in same]
        raise AmbiguousMatch(f"{len(same)} servers are named {name!r}: ids {format_candidates(ids)}",
                             hint="ensure_server finds its server by name: delete or rename all but one of them",
                             candidates=ids)
    return same[0] if same else None


def _step(plan: ServerPlan, subject: str) -> Decision | None:
    return next((step for step in plan.steps if step.subject == subject), None)


def _label(name: Any, ident: Any) -> str:
    if name and ident:
        return f"{name!r} ({ident})"
    return repr(name or ident) if (name or ident) else "unknown"


def _image_difference(server: Mapping[str, Any], request: ServerRequest, plan: ServerPlan,
                      images: Sequence[Mapping[str, Any]], profile: Any) -> str | None:
    have = server.get("image") or {}
    if not have.get("id"):
        return None  # booted from a volume: no image to compare (said in the step's reason)
    if have.get("id") == plan.image_id:
        return None
    chosen = next((i for i in images if i.get("id") == plan.image_id), {})
    decision = _step(plan, "image")
    if decision is not None and decision.rule != "named" and isinstance(request.image, str):
        try:
            distro, version = parse_image_alias(request.image, profile)
        except SelectionError:
            distro, version = None, None
        if distro is not None and have.get("distro") == distro and (
                version is None or version_matches(version, have.get("version"))):
            return None
    elif have.get("name") and have.get("name") == chosen.get("name"):
        return None
    asked = request.image.get("id") if isinstance(request.image, Mapping) else request.image
    return (f"server {plan.name!r} exists with image {_label(have.get('name'), have.get('id'))}; "
            f"asked {asked!r}, which is {_label(chosen.get('name'), plan.image_id)}")


def _flavor_difference(server: Mapping[str, Any], request: ServerRequest, plan: ServerPlan,
                       flavors: Sequence[Mapping[str, Any]]) -> str | None:
    have = server.get("flavor") or {}
    chosen = next((f for f in flavors if f.get("id") == plan.flavor_id), {})
    if have.get("id") == plan.flavor_id or (have.get("name") and have.get("name") == chosen.get("name")):
        return None
    asked = request.flavor.get("id") if isinstance(request.flavor, Mapping) else request.flavor
    return (f"server {plan.name!r} exists with flavor {_label(have.get('name'), have.get('id'))}; "
            f"asked {asked!r}, which is {_label(chosen.get('name'), plan.flavor_id)}")


def compare_existing(server: Mapping[str, Any] | None, request: ServerRequest, plan: ServerPlan, *,
                     images: Sequence[Mapping[str, Any]], flavors: Sequence[Mapping[str, Any]],
                     profile: Any) -> tuple[list[str], Decision]:
    """The differences between an existing server and the plan, and the decision to list among the steps.

    ``server`` is the normalized server of that name (None: there is none, so one is
    created); ``images`` and ``flavors`` are the raw listings the plan was made from.

    >>> from normalizer.profiles import load_profile
    >>> request = ServerRequest(name="web1", image="img", flavor="m1.small")
    >>> plan = ServerPlan("web1", "i1", "f1", None, None, False, None, None, None, (), {}, ())
    >>> server = {"id": "s1", "state": "running", "image": {"id": "i1"}, "flavor": {"id": None, "name": "m1.large"}}
    >>> differences, decision = compare_existing(server, request, plan, images=[],
    ...     flavors=[{"id": "f1", "name": "m1.small"}], profile=load_profile("generic"))
    >>> differences
    ["server 'web1' exists with flavor 'm1.large'; asked 'm1.small', which is 'm1.small' (f1)"]
    >>> decision.rule
    'differs'
    """
    if server is None:
        return [], Decision(ENSURE_SUBJECT, None, "none", f"no server is named {plan.name!r}: it is created")
    differences = [line for line in (_image_difference(server, request, plan, images, profile),
                                     _flavor_difference(server, request, plan, flavors)) if line]
    if server.get("state") == "error":
        differences.append(f"server {plan.name!r} exists in state error (status {server.get('status')})")
    if differences:
        return differences, Decision(ENSURE_SUBJECT, server.get("id"), "differs",
                                     f"server {plan.name!r} exists and differs from the request: "
                                     + "; ".join(differences) + "; nothing is created")
    volume = "" if (server.get("image") or {}).get("id") else " (it boots from a volume: its image is not compared)"
    return [], Decision(ENSURE_SUBJECT, server.get("id"), "same name",
                        f"server {plan.name!r} exists with the image and flavor asked for{volume}; "
                        "it is returned unchanged, nothing is created")


def ensure_request(name: Any, image: Any, flavor: Any, options: Mapping[str, Any]) -> tuple[ServerRequest, CreateOptions]:
    """``ensure_server``'s arguments, checked: the request and the create options (``create_server``'s keywords).

    >>> request, settings = ensure_request("web1", "ubuntu-24.04", "t3.small", {"auto_ip": False, "wait": False})
    >>> request.auto_ip, settings.wait
    (False, False)
    >>> ensure_request("web1", "ubuntu-24.04", "t3.small", {"flavour": "x"})
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: ensure_server got unknown options ['flavour']; it takes create_server's keyword arguments: allow_ssh, auto_ip, boot_from_volume, ip_version, keep_on_failure, key_name, metadata, network, public_access, public_key, reuse_ips, root_keys, security_groups, timeout, userdata, volume_size, volume_type, wait, wait_for_ssh
    """
    request_keys = {f.name for f in fields(ServerRequest) if f.init} - {"name", "image", "flavor"}
    create_keys = {f.name for f in fields(CreateOptions)}
    unknown = sorted(str(key) for key in options if key not in request_keys | create_keys)
    if unknown:
        raise ConfigError(f"ensure_server got unknown options {unknown}",
                          hint="it takes create_server's keyword arguments: "
                               + ", ".join(sorted(request_keys | create_keys)))
    settings = {key: value for key, value in options.items() if key in create_keys}
    check_create_options(**{key: value for key, value in settings.items()
                            if key not in ("public_key", "auto_ip", "public_access")})
    request = ServerRequest(name=name, image=image, flavor=flavor,
                            **{key: value for key, value in options.items() if key in request_keys})
    return request, CreateOptions(**settings)
