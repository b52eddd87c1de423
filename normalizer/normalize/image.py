"""Glance v2 image -> the normalised image (DESIGN §3).

Glance v2 is flat: well-known properties (``os_distro``, ``os_version``,
``architecture``, ``os_admin_user``, ``os_hidden``) sit beside the core fields. They
are read from the top level first and, for records that nest them (Glance v1 style),
from a ``properties`` mapping. Every top-level key the contract does not consume goes
to ``properties`` verbatim.

>>> from normalizer.normalize.context import Context
>>> img = normalize_image({"id": "i1", "name": "Ubuntu 22.04", "status": "active",
...                        "os_distro": "Ubuntu", "os_version": "22.04",
...                        "visibility": "public"}, Context(cloud="c", region_name="r"))
>>> img.distro, img.version, img.is_public, img.login_user
('ubuntu', '22.04', True, None)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from munch import Munch

from normalizer.normalize.context import Context, location
from normalizer.normalize.records import Image
from normalizer.normalize.fields import (
    GLANCE_PUBLIC_VISIBILITY,
    IMAGE_CONSUMED,
    IMAGE_RENAMES,
    as_bool,
    as_int,
    as_list,
    as_mapping,
    as_str,
    as_text,
    first_text,
    leftover,
    lower_text,
    raw_mapping,
)

__all__ = ["normalize_image"]

# login_user=None is a decided answer ("no login user"), so "not given" needs its own marker.
_NOT_GIVEN: Any = object()


def normalize_image(raw: Any, ctx: Context, *, identity: Mapping | None = None,
                    login_user: str | None = _NOT_GIVEN) -> Munch:
    """Turn one raw Glance image into the normalised image; pure and total.

    ``identity`` (``{"distro", "version", "arch"}``, e.g. the value of
    ``normalizer.select.images.image_identity``) and ``login_user`` (the value of
    ``login_user_for_image``, None included) are the decided values; when they are not
    given, the image's own ``os_distro``/``os_version``/``architecture`` and
    ``os_admin_user`` properties are used as they are.

    >>> normalize_image({"status": "ACTIVE", "min_ram": None}, Context(cloud="c", region_name=None)).status
    'active'
    >>> img = normalize_image({"name": "Debian 12"}, Context(cloud="c", region_name=None),
    ...                       identity={"distro": "debian", "version": "12", "arch": None}, login_user="debian")
    >>> img.distro, img.login_user
    ('debian', 'debian')
    """
    raw = raw_mapping(raw)
    visibility = as_str(raw.get("visibility"))
    decided = _decided_identity(identity)
    return Image(
        id=as_str(raw.get("id")),
        name=as_str(raw.get("name")),
        status=lower_text(raw.get("status")),
        distro=decided["distro"] if decided else lower_text(_well_known(raw, "distro")),
        version=decided["version"] if decided else as_text(_well_known(raw, "version")),
        arch=decided["arch"] if decided else as_str(_well_known(raw, "arch")),
        login_user=(first_text(_well_known(raw, "login_user")) if login_user is _NOT_GIVEN
                    else first_text(login_user)),
        min_ram=as_int(raw.get("min_ram"), 0),
        min_disk=as_int(raw.get("min_disk"), 0),
        visibility=visibility,
        is_public=visibility == GLANCE_PUBLIC_VISIBILITY,
        is_hidden=as_bool(_well_known(raw, "is_hidden")),
        disk_format=as_str(raw.get("disk_format")),
        size=as_int(raw.get("size")),
        created_at=as_str(raw.get("created_at")),
        tags=[tag for tag in as_list(raw.get("tags")) if isinstance(tag, str)],
        location=location(ctx, project_id=as_str(raw.get("owner"))),
        properties=leftover(raw, IMAGE_CONSUMED),
    )


def _decided_identity(identity: Any) -> dict | None:
    # A Decision may be passed as it is; only its value is read.
    value = getattr(identity, "value", identity)
    if not isinstance(value, Mapping):
        return None
    return {key: as_text(value.get(key)) for key in ("distro", "version", "arch")}


def _well_known(raw: Mapping, field: str) -> Any:
    key = IMAGE_RENAMES[field]
    value = raw.get(key)
    if value is None:
        nested = as_mapping(raw.get("properties"))
        value = nested.get(key) if nested is not None else None
    return value
