"""Cinder (block storage API v3) for FakeCloud: volumes made from images, attachments, types.

Shapes follow the cinder api-ref samples: ``GET /v3/{project}/volumes/detail`` lists
``volumes`` (with ``volumes_links`` when a ``limit`` cuts the page), a volume made from
an image carries ``volume_image_metadata`` (the image's id, name and properties, as
text) and ``bootable: "true"``; errors are ``{"badRequest": {"message", "code"}}``,
``{"itemNotFound": ...}`` and ``{"overLimit": ...}`` (413).
"""

from __future__ import annotations

import ast
import math
from typing import Any
from urllib.parse import urlencode

__all__ = ["CinderFault", "CinderState", "CinderAPI", "image_needs_gib"]

_GIB = 1024 ** 3
_FAULT_KEYS = {400: "badRequest", 403: "forbidden", 404: "itemNotFound", 409: "conflict", 413: "overLimit"}
# Image fields Cinder copies into volume_image_metadata besides the image's own properties.
_IMAGE_FIELDS = ("min_disk", "min_ram", "disk_format", "container_format", "size", "checksum")
_GLANCE_OWN = {"id", "name", "status", "visibility", "protected", "owner", "created_at", "updated_at", "tags",
               "self", "file", "schema", "virtual_size", "os_hidden", "direct_url", "locations", "os_hash_algo",
               "os_hash_value", "min_disk", "min_ram", "disk_format", "container_format", "size", "checksum"}


class CinderFault(Exception):
    """An error Cinder answers with: ``{"<kind>": {"message": ..., "code": status}}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message

    def reply(self) -> tuple[int, Any, dict]:
        """Return the fault as a ``(status, body, headers)`` reply."""
        key = _FAULT_KEYS.get(self.status, "computeFault")
        detail: dict[str, Any] = {"message": self.message, "code": self.status}
        if self.status == 413:
            detail["retryAfter"] = "0"
        return self.status, {key: detail}, {}


def image_needs_gib(image: dict) -> int:
    """The least volume size (GiB) an image fits on: its min_disk, virtual size or stored size, rounded up.

    >>> image_needs_gib({"min_disk": 3, "virtual_size": 5 * 1024 ** 3})
    5
    """
    sizes = (image.get("virtual_size") or 0, image.get("size") or 0)
    return max(int(image.get("min_disk") or 0), *(math.ceil(size / _GIB) for size in sizes), 1)


class CinderState:
    """The volumes of one project.

    >>> # state = CinderState(seq, project_id, glance_state, quota=None)
    """

    def __init__(self, seq: Any, project_id: str, glance: Any, *, quota: int | None = None,
                 volume_types: tuple[str, ...] = ("__DEFAULT__",), build_polls: int = 0) -> None:
        self.seq, self.project_id, self.glance, self.quota = seq, project_id, glance, quota
        self.volumes: dict[str, dict] = {}
        self.types = {self.seq.stable(f"type-{name}"): name for name in volume_types}
        # POST /volumes answers "creating"; reads of the volume count down to "available".
        self.build_polls = build_polls
        self.max_limit = 1000  # Cinder's osapi_max_limit: the longest page, asked or not
        self._polls: dict[str, int] = {}
        self._doomed: set[str] = set()  # creating volumes that end in error

    def create_volume(self, size: Any, *, name: str | None = None, image_ref: str | None = None,
                      volume_type: str | None = None, metadata: dict | None = None,
                      description: str | None = None, polls: int = 0, enforce_quota: bool = True) -> dict:
        """Make a volume (from an image when ``image_ref``); ``creating`` for ``polls`` reads, then available.

        ``enforce_quota=False`` is for FakeCloud's builders: what a layout starts with is
        already there, whatever the quota.
        """
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise CinderFault(400, f"Invalid input received: size must be a positive integer, not {size!r}")
        if enforce_quota and self.quota is not None and len(self.volumes) >= self.quota:
            raise CinderFault(413, "VolumeLimitExceeded: Maximum number of volumes allowed "
                                   f"({self.quota}) exceeded for quota 'volumes'.")
        if volume_type is not None and volume_type not in self.types.values() and volume_type not in self.types:
            raise CinderFault(404, f"Volume type with name {volume_type} could not be found.")
        image_meta, fits = (self._check_image(image_ref, size) if image_ref else (None, True))
        volume_id = self.seq.uuid()
        # An image whose virtual size exceeds the volume passes the API and fails in the backend.
        status = "creating" if polls > 0 else ("available" if fits else "error")
        record = {"id": volume_id, "name": name, "size": size, "status": status, "description": description,
                  "volume_type": self.types.get(volume_type, volume_type) or next(iter(self.types.values())),
                  "bootable": "true" if image_meta else "false", "metadata": dict(metadata or {}),
                  "attachments": [], "created_at": self.seq.now(), "updated_at": None,
                  "availability_zone": "nova", "encrypted": False, "multiattach": False,
                  "os-vol-tenant-attr:tenant_id": self.project_id}
        if image_meta:
            record["volume_image_metadata"] = image_meta
        self.volumes[volume_id] = record
        if polls > 0:
            self._polls[volume_id] = polls
        if not fits:
            self._doomed.add(volume_id)
        return record

    def _check_image(self, image_ref: str, size: int) -> tuple[dict[str, str], bool]:
        """Cinder's API checks of an image for a volume of ``size`` GiB; its metadata, and whether it fits."""
        image = self.glance.images.get(image_ref)
        if image is None or not self.glance.visible(image) or image.get("status") != "active":
            raise CinderFault(400, f"Invalid image identifier or unable to access requested image {image_ref}.")
        stored = math.ceil((image.get("size") or 0) / _GIB)
        if stored > size:
            raise CinderFault(400, f"Invalid input received: Size of specified image {stored}GB is larger than "
                                   f"volume size {size}GB.")
        if size < (image.get("min_disk") or 0):
            raise CinderFault(400, f"Invalid input received: Volume size {size}GB cannot be smaller than the "
                                   f"image minDisk size {image['min_disk']}GB.")
        return _image_metadata(image), image_needs_gib(image) <= size

    def tick(self, record: dict) -> None:
        """Count one read of a creating volume (available after its polls)."""
        left = self._polls.get(record["id"])
        if left is None:
            return
        if left <= 1:
            del self._polls[record["id"]]
            record.update(status="error" if record["id"] in self._doomed else "available",
                          updated_at=self.seq.now())
        else:
            self._polls[record["id"]] = left - 1

    def get(self, volume_id: str) -> dict:
        """The volume, or a 404 fault."""
        record = self.volumes.get(volume_id)
        if record is None:
            raise CinderFault(404, f"Volume {volume_id} could not be found.")
        return record

    def attach(self, volume_id: str, server_id: str) -> None:
        """Attach an available volume to a server (in-use)."""
        record = self.get(volume_id)
        if record["status"] != "available":
            raise CinderFault(400, f"Invalid volume: Volume {volume_id} status must be available to attach.")
        record.update(status="in-use", updated_at=self.seq.now(), attachments=[{
            "server_id": server_id, "attachment_id": self.seq.uuid(), "volume_id": volume_id,
            "device": "/dev/vda", "id": volume_id, "host_name": None, "attached_at": self.seq.now()}])

    def detach(self, volume_id: str) -> None:
        """Detach a volume (available again); nothing when it is gone or was never attached."""
        record = self.volumes.get(volume_id)
        if record is not None and record["status"] == "in-use":
            record.update(status="available", attachments=[], updated_at=self.seq.now())

    def delete(self, volume_id: str) -> None:
        """Delete a volume that is not in use."""
        record = self.get(volume_id)
        if record["status"] not in ("available", "error", "error_restoring", "error_extending"):
            raise CinderFault(400, "Invalid volume: Volume status must be available or error or error_restoring "
                                   "or error_extending or error_managing and must not be migrating, attached, "
                                   "belong to a group, have snapshots or be disassociated from snapshots after "
                                   "volume transfer.")
        del self.volumes[volume_id]
        self._polls.pop(volume_id, None)
        self._doomed.discard(volume_id)


def _image_metadata(image: dict) -> dict[str, str]:
    """What Cinder copies from a Glance image: id, name, the listed fields and every property, as text."""
    meta = {"image_id": image["id"], "image_name": image.get("name") or ""}
    for key in _IMAGE_FIELDS:
        if image.get(key) is not None:
            meta[key] = str(image[key])
    for key, value in image.items():
        if key not in _GLANCE_OWN and value is not None and not isinstance(value, (dict, list)):
            meta[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return meta


def _metadata_filter(text: str) -> dict[str, str]:
    """The ``metadata`` query filter: a dict literal, as Cinder reads it (``{"k": "v"}``)."""
    try:
        wanted = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        wanted = None
    if not isinstance(wanted, dict):
        raise CinderFault(400, f"Invalid input received: metadata filter {text!r} is not a dict.")
    return {str(k): str(v) for k, v in wanted.items()}


class CinderAPI:
    """Routes ``/volume/...`` requests to a :class:`CinderState`.

    >>> # CinderAPI(state, lambda: "http://127.0.0.1:8799/volume").handle(call)
    """

    def __init__(self, state: CinderState, root_url: Any) -> None:
        self.state, self.root_url = state, root_url

    def handle(self, call: Any) -> tuple[int, Any, dict] | None:
        """Answer one call, or None when the path is not Cinder's."""
        rest = [p for p in call.path.split("/") if p]
        if not rest:
            return 300, {"versions": [self._version()]}, {}
        if rest[0] != "v3":
            return None
        if len(rest) == 1:  # the api-ref's version-show sample: a list of the one version
            return 200, {"versions": [self._version()]}, {}
        if rest[1] != self.state.project_id:
            return CinderFault(404, "Project id in the URL does not match the token's project.").reply()
        try:
            return self._route(call, rest[2:])
        except CinderFault as fault:
            return fault.reply()

    def _version(self) -> dict:
        return {"id": "v3.0", "status": "CURRENT", "version": "3.70", "min_version": "3.0",
                "updated": "2023-08-31T00:00:00Z", "links": [{"href": f"{self.root_url()}/v3/", "rel": "self"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.volume+json;version=3"}]}

    def _route(self, call: Any, rest: list[str]) -> tuple[int, Any, dict] | None:
        state = self.state
        if rest == ["types"] and call.method == "GET":
            return 200, {"volume_types": [{"id": i, "name": n, "is_public": True, "extra_specs": {}}
                                          for i, n in state.types.items()]}, {}
        if not rest or rest[0] != "volumes":
            return None
        if len(rest) == 1 and call.method == "POST":
            spec = (call.json or {}).get("volume")
            if not isinstance(spec, dict):
                raise CinderFault(400, "Missing required element 'volume' in request body.")
            record = state.create_volume(spec.get("size"), name=spec.get("name"), image_ref=spec.get("imageRef"),
                                         volume_type=spec.get("volume_type"), metadata=spec.get("metadata"),
                                         description=spec.get("description"), polls=state.build_polls)
            return 202, {"volume": self._render(record)}, {}
        if len(rest) == 1 or rest[1:] == ["detail"]:
            return self._list(call.query, "/".join(rest), detail=len(rest) == 2) if call.method == "GET" else None
        record = state.get(rest[1])
        if len(rest) == 2 and call.method == "GET":
            state.tick(record)
            return 200, {"volume": self._render(record)}, {}
        if len(rest) == 2 and call.method == "DELETE":
            state.delete(record["id"])
            return 202, None, {}
        return None

    def _list(self, query: dict, path: str, *, detail: bool) -> tuple[int, Any, dict]:
        for record in list(self.state.volumes.values()):
            self.state.tick(record)
        records = sorted(self.state.volumes.values(), key=lambda v: (v["created_at"], v["id"]), reverse=True)
        if query.get("name"):
            records = [r for r in records if r["name"] == query["name"][0]]
        for key in ("status", "bootable"):  # Cinder compares these without regard to case
            if query.get(key):
                records = [r for r in records if str(r[key]).lower() == query[key][0].lower()]
        if query.get("metadata"):
            wanted = _metadata_filter(query["metadata"][0])
            records = [r for r in records if all(r["metadata"].get(k) == v for k, v in wanted.items())]
        page, link = self._page(records, query, path)
        body: dict[str, Any] = {"volumes": [self._render(r) if detail else self._summary(r) for r in page]}
        if link:
            body["volumes_links"] = [{"rel": "next", "href": link}]
        return 200, body, {}

    def _page(self, records: list[dict], query: dict, path: str) -> tuple[list[dict], str | None]:
        """One page after ``marker``, at most ``limit`` (and the cloud's max_limit) long, and the next link."""
        marker = (query.get("marker") or [None])[0]
        if marker:
            ids = [r["id"] for r in records]
            if marker not in ids:
                raise CinderFault(404, f"Marker {marker} could not be found.")
            records = records[ids.index(marker) + 1:]
        text = (query.get("limit") or [""])[0]
        if text and (not text.isdigit()):
            raise CinderFault(400, "Invalid input received: limit param must be an integer")
        limit = min(int(text), self.state.max_limit) if text else self.state.max_limit
        if limit == 0 or len(records) <= limit:
            return records[:limit], None
        # Cinder's next link keeps the request's filters and replaces its marker.
        params = [(k, v) for k, vs in query.items() if k != "marker" for v in vs]
        params.append(("marker", records[limit - 1]["id"]))
        return records[:limit], f"{self.root_url()}/v3/{self.state.project_id}/{path}?{urlencode(params)}"

    def _summary(self, record: dict) -> dict:
        """A volume as ``GET /volumes`` (without detail) lists it."""
        return {"id": record["id"], "name": record["name"], "links": self._links(record)}

    def _links(self, record: dict) -> list[dict]:
        return [{"href": f"{self.root_url()}/v3/{self.state.project_id}/volumes/{record['id']}", "rel": "self"}]

    def _render(self, record: dict) -> dict:
        return {**record, "links": self._links(record), "user_id": None,
                "consistencygroup_id": None, "replication_status": None, "snapshot_id": None,
                "source_volid": None, "os-vol-host-attr:host": None}
