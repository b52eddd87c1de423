"""normalize_image on the Glance v2 API-reference sample and well-known properties."""

from __future__ import annotations

import copy

from normalizer.normalize import Context, normalize_image

CTX = Context(cloud="mycloud", region_name="RegionOne", project_id="5ef70662f8b34079a6eddb8da9d75fe8",
              project_name="demo", project_domain_id="default")

# glance api-ref v2/samples/image-show-response.json (its missing comma restored).
IMAGE = {
    "status": "active", "name": "cirros-0.3.2-x86_64-disk", "tags": [], "container_format": "bare",
    "created_at": "2014-05-05T17:15:10Z", "disk_format": "qcow2", "updated_at": "2014-05-05T17:15:11Z",
    "visibility": "public", "self": "/v2/images/1bea47ed-f6a9-463b-b423-14b9cca9ad27", "min_disk": 0,
    "protected": False, "id": "1bea47ed-f6a9-463b-b423-14b9cca9ad27",
    "file": "/v2/images/1bea47ed-f6a9-463b-b423-14b9cca9ad27/file", "checksum": "64d7c1cd2b6f60c92c14662941cb7913",
    "os_hash_algo": "sha512", "os_hash_value": "073b4523583784fbe01daff81eba092a",
    "owner": "5ef70662f8b34079a6eddb8da9d75fe8", "size": 13167616, "min_ram": 0,
    "schema": "/v2/schemas/image", "virtual_size": None,
}


def test_api_sample():
    img = normalize_image(IMAGE, CTX)
    assert (img.id, img.name, img.status, img.visibility, img.is_public) == (
        "1bea47ed-f6a9-463b-b423-14b9cca9ad27", "cirros-0.3.2-x86_64-disk", "active", "public", True)
    assert (img.min_ram, img.min_disk, img.size, img.disk_format) == (0, 0, 13167616, "qcow2")
    assert (img.distro, img.version, img.arch, img.login_user, img.is_hidden) == (None, None, None, None, False)
    assert img.created_at == "2014-05-05T17:15:10Z" and img.tags == []
    assert img.location.project == {"id": "5ef70662f8b34079a6eddb8da9d75fe8", "name": "demo",
                                    "domain_id": "default"}
    assert set(img.properties) == {"container_format", "updated_at", "self", "protected", "file", "checksum",
                                   "os_hash_algo", "os_hash_value", "schema", "virtual_size"}


def test_well_known_properties():
    raw = dict(IMAGE, os_distro="Ubuntu", os_version="22.04", architecture="x86_64", os_admin_user="ubuntu",
               os_hidden=True, visibility="community", status="DEACTIVATED", hw_disk_bus="scsi",
               owner="someone-else", tags=["latest", 3])
    img = normalize_image(raw, CTX)
    assert (img.distro, img.version, img.arch, img.login_user) == ("ubuntu", "22.04", "x86_64", "ubuntu")
    assert (img.is_hidden, img.is_public, img.status, img.tags) == (True, False, "deactivated", ["latest"])
    assert img.properties.hw_disk_bus == "scsi"
    assert img.location.project == {"id": "someone-else", "name": None, "domain_id": None}


def test_nested_properties_are_a_fallback():
    raw = {"id": "i1", "properties": {"os_distro": "Debian", "os_version": 12, "os_admin_user": "debian"}}
    img = normalize_image(raw, CTX)
    assert (img.distro, img.version, img.login_user) == ("debian", "12", "debian")
    assert img.properties.properties.os_distro == "Debian"


def test_empty_login_user_and_queued_image():
    img = normalize_image({"id": "q", "status": "queued", "size": None, "os_admin_user": "", "min_ram": None}, CTX)
    assert img.login_user is None and img.size is None and img.min_ram == 0 and img.is_public is False


def test_input_is_not_mutated():
    raw = copy.deepcopy(IMAGE)
    normalize_image(raw, CTX).tags.append("x")
    assert raw == IMAGE
