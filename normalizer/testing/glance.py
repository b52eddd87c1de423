"""Glance (image API v2) for FakeCloud: image records and REST handlers.

Image records are flat, as Glance returns them: custom properties such as
``os_distro`` sit next to ``name`` and ``status``. Glance's own errors are HTML, not
JSON, and FakeCloud reproduces that because error mapping has to cope with it.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

__all__ = ["GlanceFault", "GlanceState", "GlanceAPI"]

_DEFAULT_LIMIT, _MAX_LIMIT = 25, 1000
_CONTROL = {"limit", "marker", "sort_key", "sort_dir", "sort", "visibility", "os_hidden", "member_status"}
_READ_ONLY = {"id", "status", "self", "file", "schema", "created_at", "updated_at", "size", "virtual_size",
              "checksum", "os_hash_algo", "os_hash_value", "direct_url", "locations"}
_SORTABLE = {"name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at",
             "min_disk", "min_ram", "visibility", "owner"}
_VERSIONS = ["2.16", "2.15", "2.9", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0"]


class GlanceFault(Exception):
    """A Glance error: an HTML body with the status line and one explanation."""

    _TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message

    def reply(self) -> tuple[int, Any, dict]:
        """Return the fault as a ``(status, html, headers)`` reply."""
        title = f"{self.status} {self._TITLES.get(self.status, 'Error')}"
        html = (f"<html>\n <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n"
                f"  {self.message}<br /><br />\n\n\n\n </body>\n</html>")
        return self.status, html, {"Content-Type": "text/html; charset=UTF-8"}


class GlanceState:
    """The images of one cloud and who may see them.

    >>> # GlanceState(seq, project_id, cloud_project_id, vocab)
    """

    def __init__(self, seq: Any, project_id: str, cloud_project_id: str, vocab: dict) -> None:
        self.seq, self.project_id, self.cloud_project_id = seq, project_id, cloud_project_id
        self.rules = vocab["image_visibility"]
        self.images: dict[str, dict] = {}

    def add_image(self, name: str, *, visibility: str | None = None, status: str = "active", hidden: bool = False,
                  created_at: str | None = None, **properties: Any) -> dict:
        """Store an image; extra keyword arguments become top-level properties."""
        visibility = visibility or self.rules["default"]
        image_id = str(properties.pop("id", None) or self.seq.uuid())
        created = created_at or self.seq.now()
        active = status == "active"
        size = properties.pop("size", 117440512 if active else None)
        digest = hashlib.sha512(image_id.encode()).hexdigest()
        record = {
            "id": image_id, "name": name, "status": status, "visibility": visibility, "os_hidden": bool(hidden),
            "protected": False, "min_disk": 0, "min_ram": 0, "disk_format": "qcow2" if active else None,
            "container_format": "bare" if active else None, "size": size, "virtual_size": None,
            "checksum": hashlib.md5(image_id.encode()).hexdigest() if active else None,  # noqa: S324
            "os_hash_algo": "sha512" if active else None, "os_hash_value": digest if active else None,
            "tags": [], "created_at": created, "updated_at": properties.pop("updated_at", created),
            "owner": self.cloud_project_id if visibility in self.rules["cloud_wide"] else self.project_id,
            "self": f"/v2/images/{image_id}", "file": f"/v2/images/{image_id}/file", "schema": "/v2/schemas/image",
        }
        record.update(properties)
        self.images[image_id] = record
        return record

    def visible(self, image: dict) -> bool:
        """Whether the fake project may see ``image`` (cloud-wide ones or its own)."""
        return image["visibility"] in self.rules["cloud_wide"] or image["owner"] == self.project_id

    def find(self, ref: Any) -> dict:
        """Find an image by id, else by unique name (for builders)."""
        if isinstance(ref, dict):
            ref = ref["id"]
        if ref in self.images:
            return self.images[ref]
        named = [i for i in self.images.values() if i["name"] == ref]
        if len(named) != 1:
            raise GlanceFault(404, f"No image found with ID {ref}" if not named else f"Several images named {ref}")
        return named[0]


class GlanceAPI:
    """REST handlers for ``<base>/image``: ``handle(call)`` returns a reply or None."""

    def __init__(self, state: GlanceState, root_url: Any) -> None:
        self.state, self.root_url = state, root_url

    def handle(self, call: Any) -> tuple[int, Any, dict] | None:
        """Answer ``call`` (path relative to the service prefix), None if unknown."""
        path, method = call.path.rstrip("/"), call.method
        if path in ("", "/versions") and method == "GET":
            versions = [{"id": f"v{v}", "status": "CURRENT" if i == 0 else "SUPPORTED",
                         "links": [{"rel": "self", "href": f"{self.root_url()}/v2/"}]}
                        for i, v in enumerate(_VERSIONS)]
            return (300 if path == "" else 200), {"versions": versions}, {}
        parts = path.split("/")[1:]
        if parts[:2] != ["v2", "images"]:
            return None
        try:
            return self._route(call, parts[2:])
        except GlanceFault as fault:
            return fault.reply()

    def _route(self, call: Any, rest: list[str]) -> tuple[int, Any, dict] | None:
        state, method = self.state, call.method
        if not rest:
            if method == "GET":
                return self._list(call.query)
            if method == "POST":
                return 201, self._create(call.json), {}
            return None
        if len(rest) != 1 or method not in ("GET", "DELETE"):
            return None
        image = state.images.get(rest[0])
        if image is None or not state.visible(image):
            raise GlanceFault(404, f"No image found with ID {rest[0]}")
        if method == "GET":
            return 200, image, {}
        if image["owner"] != state.project_id:
            raise GlanceFault(403, "You are not authorized to complete delete_image action.")
        if image["protected"]:
            raise GlanceFault(403, f"Image {image['id']} is protected and cannot be deleted.")
        del state.images[image["id"]]
        return 204, None, {}

    def _create(self, body: Any) -> dict:
        if not isinstance(body, dict):
            raise GlanceFault(400, "Malformed JSON in request body.")
        read_only = sorted(_READ_ONLY & set(body) - {"id"})
        if read_only:
            raise GlanceFault(403, f"Attribute '{read_only[0]}' is read-only.")
        spec = dict(body)
        tags = spec.pop("tags", [])
        image = self.state.add_image(spec.pop("name", None), visibility=spec.pop("visibility", None),
                                     status="queued", hidden=bool(spec.pop("os_hidden", False)), **spec)
        image.update(tags=list(tags), disk_format=body.get("disk_format"),
                     container_format=body.get("container_format"), owner=self.state.project_id)
        return image

    def _list(self, query: dict) -> tuple[int, Any, dict]:
        state, rules = self.state, self.state.rules
        images = [i for i in state.images.values() if state.visible(i)]
        wanted = (query.get("visibility") or [""])[-1]
        if wanted == "all":
            pass
        elif wanted:
            images = [i for i in images if i["visibility"] == wanted]
        else:
            images = [i for i in images if i["visibility"] in rules["listed_by_default"]]
        hidden = (query.get("os_hidden") or ["false"])[-1].lower() == "true"
        images = [i for i in images if i["os_hidden"] == hidden]
        for key, values in query.items():
            if key in _CONTROL:
                continue
            if key == "tag":
                images = [i for i in images if set(values) <= set(i["tags"])]
            else:
                images = [i for i in images if str(i.get(key)) == values[-1]]
        images = _sort(images, query)
        limit_raw = (query.get("limit") or [str(_DEFAULT_LIMIT)])[-1]
        if not limit_raw.isdigit():
            raise GlanceFault(400, "limit param must be an integer")
        limit = min(int(limit_raw), _MAX_LIMIT)
        start = 0
        if query.get("marker"):
            ids = [i["id"] for i in images]
            if query["marker"][-1] not in ids:
                raise GlanceFault(400, f"marker {query['marker'][-1]} not found")
            start = ids.index(query["marker"][-1]) + 1
        page = images[start:start + limit]
        params = [(k, v) for k, vs in query.items() if k != "marker" for v in vs]
        body: dict[str, Any] = {"images": page, "schema": "/v2/schemas/images",
                                "first": "/v2/images" + (f"?{urlencode(params)}" if params else "")}
        if page and len(page) == limit:
            body["next"] = "/v2/images?" + urlencode(params + [("marker", page[-1]["id"])])
        return 200, body, {}


def _sort(images: list[dict], query: dict) -> list[dict]:
    """Glance's order: ``sort_key``/``sort_dir`` or ``sort=k:dir``; default newest first, id breaks ties."""
    if query.get("sort"):
        key, _, direction = query["sort"][-1].split(",")[0].partition(":")
    else:
        key = (query.get("sort_key") or ["created_at"])[-1]
        direction = (query.get("sort_dir") or ["desc"])[-1]
    if key not in _SORTABLE or direction not in ("", "asc", "desc"):
        raise GlanceFault(400, f"Invalid sort key or direction: {key} {direction}")
    def order(image: dict) -> tuple:
        value = image.get(key)
        return value is not None, value if isinstance(value, (int, float)) else str(value or ""), image["id"]
    return sorted(images, key=order, reverse=direction != "asc")
