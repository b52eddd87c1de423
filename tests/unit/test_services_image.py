"""ImageService: Glance paths, un-enveloped records, next-pagination, caching."""

from __future__ import annotations

import pytest

from normalizer import exceptions as exc
from normalizer.services.image import ImageService
from tests.unit.test_services_fakes import ROOTS




@pytest.fixture
def image(transport, cache):
    return ImageService(transport, cache)


def test_list_images_walks_next_with_page_size_and_filters(image, transport, cache):
    transport.add("image", "GET", "/images",
                  {"images": [{"id": "a"}, {"id": "b"}], "next": "/v2/images?status=active&limit=2&marker=b",
                   "first": "/v2/images", "schema": "/v2/schemas/images"})
    transport.add("image", "GET", f"{ROOTS['image']}/v2/images", {"images": [{"id": "c"}]})
    result = image.list_images(filters={"status": "active"}, page_size=2)
    assert [i["id"] for i in result] == ["a", "b", "c"]
    assert transport.calls[0].params == {"status": "active", "limit": 2}
    assert transport.calls[1].params == {"status": "active", "limit": "2", "marker": "b"}
    assert cache.fetches[0] == ("images", "list_images", {"filters": {"status": "active"}})


def test_list_images_second_read_from_cache(image, transport, cache):
    transport.add("image", "GET", "/images", {"images": [{"id": "a"}]})
    image.list_images()
    image.list_images()
    assert len(transport.calls) == 1 and cache.hits == 1


def test_get_image_has_no_envelope(image, transport):
    transport.add("image", "GET", "/images/a", {"id": "a", "name": "ubuntu", "os_distro": "ubuntu"})
    transport.add("image", "GET", "/images/z", status=404)
    assert image.get_image("a") == {"id": "a", "name": "ubuntu", "os_distro": "ubuntu"}
    assert image.get_image("z") is None


def test_get_image_non_object_body_raises(image, transport):
    transport.add("image", "GET", "/images/a", "<html>proxy error</html>")
    with pytest.raises(exc.APIError):
        image.get_image("a")
