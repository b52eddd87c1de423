"""Raw Cinder (block storage API v3) calls: volumes and volume types.

Paths are relative to ``transport.base_url("block-storage")``: the catalog's endpoint,
which for Cinder already carries the project (``.../volume/v3/<project id>``). The
catalog names the service ``block-storage``, ``volumev3`` or ``volume``; keystoneauth
resolves those aliases. A cloud without it in its catalog works as before, except that
a server needing a boot volume cannot be made there (``transport.has_service`` says so
before any request).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from normalizer.services.base import ServiceBase, segment
from normalizer.services.pagination import paginate

__all__ = ["BlockStorageService"]

# A volume write changes what servers show as attached; the servers' cache goes with it.
_VOLUME_KINDS = ("volumes", "servers")


class BlockStorageService(ServiceBase):
    """Cinder, raw.

    >>> BlockStorageService(transport, cache).list_volumes(filters={"status": "available"})  # doctest: +SKIP
    """

    service = "block-storage"

    def available(self) -> bool:
        """True when the catalog (or an endpoint override) has block storage; asks nothing of Cinder.

        >>> bs.available()  # doctest: +SKIP
        True
        """
        return self.transport.has_service(self.service)

    def list_volumes(self, *, filters: Mapping[str, Any] | None = None, fresh: bool = False) -> list[dict]:
        """Volumes of the project, with details (``GET /volumes/detail``, every page).

        ``filters`` are Cinder's query filters (``name``, ``status``, ``bootable`` ...);
        a mapping value such as ``metadata={"role": "db"}`` is sent as the dict literal
        Cinder reads.

        >>> bs.list_volumes(filters={"metadata": {"role": "db"}})[0]["metadata"]  # doctest: +SKIP
        {'role': 'db'}
        """
        params = {key: _query_value(value) for key, value in (filters or {}).items()}
        return self._read("volumes", "list_volumes", {"filters": params},
                          lambda: paginate(self.transport, self.service, "/volumes/detail", key="volumes",
                                           params=params), fresh=fresh)

    def get_volume(self, volume_id: str) -> dict | None:
        """One volume, read fresh; None when there is none.

        >>> bs.get_volume(volume_id)["status"]  # doctest: +SKIP
        'available'
        """
        return self._get("volumes", "get_volume", f"/volumes/{segment(volume_id)}", "volume",
                         args={"id": volume_id}, fresh=True)

    def create_volume(self, body: Mapping[str, Any]) -> dict:
        """Create a volume (``POST /volumes``).

        >>> bs.create_volume({"size": 10, "imageRef": image_id})  # doctest: +SKIP
        """
        return self._write("POST", "/volumes", _VOLUME_KINDS, key="volume", json={"volume": dict(body)})

    def delete_volume(self, volume_id: str) -> bool:
        """Delete a volume; False when it was already gone.

        >>> bs.delete_volume(volume_id)  # doctest: +SKIP
        True
        """
        return self._delete(f"/volumes/{segment(volume_id)}", _VOLUME_KINDS)

    def list_volume_types(self) -> list[dict]:
        """The volume types the project may use (``GET /types``).

        >>> [t["name"] for t in bs.list_volume_types()]  # doctest: +SKIP
        ['__DEFAULT__', 'ssd']
        """
        return self._read("volume_types", "list_volume_types", {},
                          lambda: paginate(self.transport, self.service, "/types", key="volume_types"))


def _query_value(value: Any) -> Any:
    """One filter value as Cinder's query wants it: mappings as a dict literal, the rest as given.

    >>> _query_value({"role": "db"}), _query_value("available")
    ('{"role": "db"}', 'available')
    """
    if isinstance(value, Mapping):
        return json.dumps({str(k): str(v) for k, v in value.items()}, sort_keys=True)
    return value
