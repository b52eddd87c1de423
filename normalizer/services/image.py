"""Raw Glance v2 calls.

Paths are relative to ``transport.base_url("image")`` (``.../v2``). Glance sends records
without an envelope (``GET /images/{id}`` is the image itself) and pages with a top-level
``next`` (see :mod:`normalizer.services.pagination`); its default page is small (25), so
every list is walked to the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from normalizer.services.base import ServiceBase, segment
from normalizer.services.pagination import paginate

__all__ = ["ImageService"]


class ImageService(ServiceBase):
    """Glance, raw.

    >>> ImageService(transport, cache).list_images(filters={"status": "active"})  # doctest: +SKIP
    """

    service = "image"

    def list_images(self, *, filters: Mapping[str, Any] | None = None,
                    page_size: int | None = None) -> list[dict]:
        """Images visible to the project, every page.

        ``page_size`` only changes how many requests are made, not the result, so it is
        not part of the cache key.

        >>> image.list_images(filters={"visibility": "all"}, page_size=200)  # doctest: +SKIP
        """
        params = dict(filters or {})
        return self._read("images", "list_images", {"filters": params},
                          lambda: paginate(self.transport, self.service, "/images",
                                           key="images", params=params, page_size=page_size))

    def get_image(self, image_id: str) -> dict | None:
        """One image by id, or None.

        >>> image.get_image("6e4a...")  # doctest: +SKIP
        """
        return self._get("images", "get_image", f"/images/{segment(image_id)}", None,
                         args={"id": image_id})
