"""Boot from volume: whether a server needs a boot volume, and how large (pure).

A flavor without a root disk (``disk: 0``, as most mandatory flavors of the Sovereign
Cloud Stack standard scs-0103) cannot boot from an image: Nova refuses it, so the
server boots from a volume Nova creates from the image (block device mapping, deleted
with the server). The caller may ask for it (``boot_from_volume=True``) on any flavor,
and a profile may say its cloud wants it. The size is the largest of what was asked,
the image's ``min_disk``, its virtual size (rounded up to whole GiB) and the profile's
default; a size asked smaller than the image needs is refused before any request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

from normalizer.arguments import kind_of
from normalizer.exceptions import ConfigError, UnsupportedOnCloud
from normalizer.select.decision import Decision

__all__ = ["BootVolume", "VolumeRequest", "boot_volume_step", "block_device_mapping"]

_GIB = 1024 ** 3
_SUBJECT = "boot volume"


@dataclass(frozen=True)
class VolumeRequest:
    """The boot-volume arguments of ``create_server``, checked when built.

    ``boot_from_volume`` None means automatic; ``volume_size`` is in GiB.

    >>> VolumeRequest(boot_from_volume=None, volume_size=20).volume_size
    20
    >>> VolumeRequest(volume_size="20G")
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: volume_size must be a whole number of GiB, not a str; pass e.g. volume_size=20
    """

    boot_from_volume: bool | None = None
    volume_size: int | None = None
    volume_type: str | None = None

    def __post_init__(self) -> None:
        if self.boot_from_volume not in (None, True, False):
            raise ConfigError(f"boot_from_volume must be True, False or None, not {kind_of(self.boot_from_volume)}",
                              hint="leave it out to boot from a volume only when the flavor has no root disk")
        size = self.volume_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            got = kind_of(size) if isinstance(size, bool) or not isinstance(size, int) else repr(size)
            raise ConfigError(f"volume_size must be a whole number of GiB, not {got}", hint="pass e.g. volume_size=20")
        kind = self.volume_type
        if kind is not None and (not isinstance(kind, str) or not kind.strip()):
            raise ConfigError(f"volume_type must be the name of a volume type, not {kind_of(kind)}",
                              hint="pass a name from the cloud's volume types, or leave it out")
        if self.boot_from_volume is False and (size is not None or kind is not None):
            raise ConfigError("volume_size and volume_type need a boot volume, but boot_from_volume=False",
                              hint="leave boot_from_volume out, or drop volume_size and volume_type")


@dataclass(frozen=True)
class BootVolume:
    """The boot volume a plan asks Nova for: its size in GiB and type (None: the cloud's default).

    >>> BootVolume(20, None).size
    20
    """

    size: int
    volume_type: str | None


def _gib(value: Any, *, bytes_: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return 0
    return math.ceil(value / _GIB) if bytes_ else math.ceil(value)


def _image_needs(image: Mapping[str, Any]) -> tuple[int, str]:
    """The least volume size (GiB) the image fits on, and what says so."""
    needs = [(_gib(image.get("min_disk")), "the image's min_disk"),
             (_gib(image.get("virtual_size"), bytes_=True), "the image's virtual size"),
             (_gib(image.get("size"), bytes_=True), "the image's size")]
    size, source = max(needs, key=lambda pair: pair[0])
    return size, source


def boot_volume_step(request: VolumeRequest, image: Mapping[str, Any], flavor: Mapping[str, Any], *,
                     cloud_wants_volume: bool = False, default_size: int | None = None,
                     block_storage: bool | None = True) -> tuple[BootVolume | None, Decision]:
    """Decide whether the server boots from a volume, and its size; raise when it cannot.

    ``block_storage`` False: the cloud has no block-storage service (Cinder) in its
    catalog; None: unknown (decided as if it had one).

    >>> request = VolumeRequest()
    >>> volume, decision = boot_volume_step(request, {"min_disk": 10}, {"name": "SCS-2V-4", "disk": 0})
    >>> volume, decision.reason
    (BootVolume(size=10, volume_type=None), "the flavor 'SCS-2V-4' has no root disk: boot from a 10 GiB volume (the image's min_disk)")
    >>> boot_volume_step(request, {"min_disk": 10}, {"name": "m1.small", "disk": 20})[0] is None
    True
    """
    diskless = _gib(flavor.get("disk")) == 0
    name = flavor.get("name")
    if request.boot_from_volume is False:
        if diskless:
            raise ConfigError(f"the flavor {name!r} has no root disk, so the server must boot from a volume, "
                              "but boot_from_volume=False", hint="leave boot_from_volume out, or pick a flavor with "
                              "a root disk (disk > 0)")
        return None, Decision(_SUBJECT, None, "asked", "boot_from_volume=False: the flavor's root disk")
    if request.boot_from_volume:
        rule, why = "asked", "boot_from_volume=True"
    elif diskless:
        rule, why = "flavor has no root disk", f"the flavor {name!r} has no root disk"
    elif cloud_wants_volume:
        rule, why = "profile", "the profile says this cloud boots servers from volumes"
    else:
        return None, Decision(_SUBJECT, None, "root disk", f"the flavor {name!r} has a {_gib(flavor.get('disk'))} GiB "
                              "root disk")
    if block_storage is False:
        raise UnsupportedOnCloud(f"{why}, but this cloud has no block-storage (Cinder) service in its catalog",
                                 hint="pick a flavor with a root disk (disk > 0), or a cloud with block storage")
    size, source = _volume_size(request, image, flavor, default_size)
    return (BootVolume(size, request.volume_type),
            Decision(_SUBJECT, size, rule, f"{why}: boot from a {size} GiB volume ({source})"))


def _volume_size(request: VolumeRequest, image: Mapping[str, Any], flavor: Mapping[str, Any],
                 default_size: int | None) -> tuple[int, str]:
    needs, needs_source = _image_needs(image)
    if request.volume_size is not None:
        if request.volume_size < needs:
            raise ConfigError(f"volume_size={request.volume_size} GiB is smaller than the image needs "
                              f"({needs} GiB: {needs_source})", hint=f"pass volume_size={needs} or more")
        return request.volume_size, "volume_size"
    candidates = [(needs, needs_source), (_gib(flavor.get("disk")), "the flavor's disk"),
                  (_gib(default_size), "the profile's default size"), (1, "the smallest volume")]
    return max(candidates, key=lambda pair: pair[0])


def block_device_mapping(image_id: str, volume: BootVolume) -> list[dict[str, Any]]:
    """The ``block_device_mapping_v2`` of a server booting from a new volume made from ``image_id``.

    >>> block_device_mapping("img-1", BootVolume(10, None))[0]["destination_type"]
    'volume'
    """
    mapping: dict[str, Any] = {"boot_index": 0, "uuid": image_id, "source_type": "image",
                               "destination_type": "volume", "volume_size": volume.size,
                               "delete_on_termination": True}
    if volume.volume_type:
        mapping["volume_type"] = volume.volume_type
    return [mapping]
