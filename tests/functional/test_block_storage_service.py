"""BlockStorageService over a real Transport against FakeCloud's Cinder: paths, envelopes, errors, catalog."""

from __future__ import annotations

import pytest

import normalizer
from normalizer.services.pagination import paginate
from normalizer.testing import FakeCloud

from tests.functional.conftest import connect


@pytest.fixture
def scs():
    with FakeCloud("scs") as fake:
        yield fake, connect(fake)


def test_the_endpoint_carries_the_project_and_volumes_are_listed_with_details(scs):
    fake, cloud = scs
    fake.reset_requests()
    volumes = cloud._volumes.list_volumes()
    assert [r.path for r in fake.requests if "/volume/" in r.path] == [f"/volume/v3/{fake.project_id}/volumes/detail"]
    (app1,) = volumes
    assert app1["volume_image_metadata"]["image_original_user"] == "ubuntu" and app1["status"] == "in-use"


def test_pages_are_followed(scs):
    fake, cloud = scs
    for index in range(4):
        fake.add_volume(f"data{index}", 1)
    listed = paginate(cloud._transport, "block-storage", "/volumes/detail", key="volumes", page_size=2)
    assert len(listed) == 5 and len({v["id"] for v in listed}) == 5
    assert len(fake.calls("GET", f"/volume/v3/{fake.project_id}/volumes/detail")) == 3


def test_create_get_delete_and_absence(scs):
    fake, cloud = scs
    image = next(i["id"] for i in fake.images if i["name"] == "Debian 12")
    made = cloud._volumes.create_volume({"size": 4, "imageRef": image, "name": "d"})
    assert cloud._volumes.get_volume(made["id"])["volume_image_metadata"]["image_name"] == "Debian 12"
    assert cloud._volumes.delete_volume(made["id"]) is True
    assert cloud._volumes.get_volume(made["id"]) is None
    assert cloud._volumes.delete_volume(made["id"]) is False
    assert [t["name"] for t in cloud._volumes.list_volume_types()] == ["__DEFAULT__"]


@pytest.mark.parametrize("body,error,words", [
    ({"size": 2, "imageRef": "IMAGE"}, normalizer.BadRequest, "cannot be smaller than the image minDisk size 8GB"),
    ({"size": 0}, normalizer.BadRequest, "size must be a positive integer"),
])
def test_cinder_errors_become_typed_errors(scs, body, error, words):
    fake, cloud = scs
    image = next(i["id"] for i in fake.images if i["name"] == "Ubuntu 24.04")
    body = {k: (image if v == "IMAGE" else v) for k, v in body.items()}
    with pytest.raises(error) as info:
        cloud._volumes.create_volume(body)
    assert words in str(info.value) and info.value.service == "block-storage" and "\n" not in str(info.value)


def test_an_in_use_volume_cannot_be_deleted_and_quota_is_quota(scs):
    fake, cloud = scs
    in_use = next(v for v in fake.volumes if v["status"] == "in-use")
    with pytest.raises(normalizer.BadRequest, match="must be available"):
        cloud._volumes.delete_volume(in_use["id"])
    fake._cinder.quota = len(fake.volumes)
    with pytest.raises(normalizer.QuotaExceeded, match="VolumeLimitExceeded"):
        cloud._volumes.create_volume({"size": 1})


def test_a_catalog_without_block_storage_is_known_without_a_request():
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        assert cloud._facts.block_storage is False
        assert not [r for r in fake.requests if "/volume/" in r.path]
        assert cloud._facts.boot_volumes([{"id": "s", "image": "", "os-extended-volumes:volumes_attached": [
            {"id": "v"}]}]) == []


def test_a_failing_volume_listing_leaves_boot_from_volume_images_unknown_not_the_listing_broken(scs, caplog):
    fake, cloud = scs
    fake.inject("GET", r"^/volume/v3/[^/]+/volumes/detail$", status=403, json={"forbidden": {
        "code": 403, "message": "Policy doesn't allow volume:get_all to be performed."}})
    servers = {s.name: s for s in cloud.list_servers()}
    assert servers["app1"].image.id is None and servers["db1"].login_user == "debian"
    assert "volume listing" in caplog.text
