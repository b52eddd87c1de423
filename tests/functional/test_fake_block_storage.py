"""FakeCloud's Cinder and Nova's boot from volume, through plain requests and keystoneauth1."""

from __future__ import annotations

import pytest
import requests
from keystoneauth1 import exceptions as ksa_exc, loading, session

from normalizer.exceptions import ConfigError
from normalizer.testing import FakeCloud

from tests.functional.conftest import token_headers

BASE = "http://127.0.0.1:8799"
NOVA_VERSION = {"OpenStack-API-Version": "compute 2.96"}


class Client:
    """requests with a token for one FakeCloud; paths below /volume/v3/<project> and /compute/v2.1."""

    def __init__(self, fake: FakeCloud) -> None:
        self.headers = token_headers(fake)
        self.cinder = f"{BASE}/volume/v3/{fake.project_id}"
        self.nova = f"{BASE}/compute/v2.1"

    def __call__(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {**self.headers, **NOVA_VERSION, **kwargs.pop("headers", {})}
        return requests.request(method, url, headers=headers, **kwargs)


@pytest.fixture
def scs():
    with FakeCloud("scs") as fake:
        yield fake, Client(fake)


def image_id(fake: FakeCloud, name: str) -> str:
    return next(i["id"] for i in fake.images if i["name"] == name)


def flavor_id(fake: FakeCloud, name: str) -> str:
    return next(f["id"] for f in fake.flavors if f["name"] == name)


def net_id(fake: FakeCloud, name: str) -> str:
    return next(n["id"] for n in fake.networks if n["name"] == name)


def volume(fake: FakeCloud, volume_id: str) -> dict | None:
    return next((v for v in fake.volumes if v["id"] == volume_id), None)


def boot(http: Client, fake: FakeCloud, mapping: dict, *, flavor: str = "SCS-2V-4", **server) -> requests.Response:
    body = {"name": "bfv", "flavorRef": flavor_id(fake, flavor), "networks": [{"uuid": net_id(fake, "prj-net")}],
            "block_device_mapping_v2": [mapping], **server}
    return http("POST", f"{http.nova}/servers", json={"server": body})


def image_mapping(fake: FakeCloud, image: str = "Ubuntu 24.04", **extra) -> dict:
    return {"boot_index": 0, "uuid": image_id(fake, image), "source_type": "image", "destination_type": "volume",
            "volume_size": 8, "delete_on_termination": True, **extra}


# --- catalog and version documents ---------------------------------------------------------


def test_keystoneauth_finds_block_storage_by_its_type_and_aliases_only_where_the_layout_has_it():
    for layout, listed in (("scs", True), ("fip", False)):
        with FakeCloud(layout) as fake:
            auth = loading.get_plugin_loader("v3password").load_from_options(
                auth_url=fake.auth_url + "/v3", username=fake.username, password=fake.password,
                project_name=fake.project_name, user_domain_name=fake.user_domain_name,
                project_domain_name=fake.project_domain_name)
            sess = session.Session(auth=auth)
            for service_type in ("block-storage", "volumev3"):
                if listed:
                    assert sess.get_endpoint(service_type=service_type, interface="public") == \
                        f"{BASE}/volume/v3/{fake.project_id}"
                else:
                    with pytest.raises(ksa_exc.EndpointNotFound):
                        sess.get_endpoint(service_type=service_type, interface="public")
            if not listed:  # a path the catalog does not list is the caller's mistake
                assert requests.get(f"{BASE}/volume/v3/{fake.project_id}/volumes").status_code == 404
                assert [r.path for r in fake.unexpected] == [f"/volume/v3/{fake.project_id}/volumes"]
                fake.reset_requests()


def test_version_documents_and_a_wrong_project(scs):
    fake, http = scs
    root = requests.get(f"{BASE}/volume/")
    assert root.status_code == 300 and root.json()["versions"][0]["id"] == "v3.0"
    assert http("GET", f"{BASE}/volume/v3").json()["versions"][0]["min_version"] == "3.0"
    assert requests.get(f"{http.cinder}/volumes").status_code == 401
    other = http("GET", f"{BASE}/volume/v3/{'0' * 32}/volumes")
    assert other.status_code == 404 and "itemNotFound" in other.json()


# --- volumes -----------------------------------------------------------------------------------


def test_a_volume_from_an_image_copies_its_metadata_and_is_creating_for_the_configured_polls():
    with FakeCloud("scs", volume_build_polls=2) as fake:
        http = Client(fake)
        made = http("POST", f"{http.cinder}/volumes", json={"volume": {
            "size": 10, "name": "root", "imageRef": image_id(fake, "Ubuntu 24.04")}})
        assert made.status_code == 202
        record = made.json()["volume"]
        assert record["status"] == "creating" and record["bootable"] == "true"
        meta = record["volume_image_metadata"]
        assert meta["image_id"] == image_id(fake, "Ubuntu 24.04") and meta["image_name"] == "Ubuntu 24.04"
        assert {k: meta[k] for k in ("os_distro", "os_version", "image_original_user", "os_purpose",
                                     "architecture", "min_disk", "min_ram")} == {
            "os_distro": "ubuntu", "os_version": "24.04", "image_original_user": "ubuntu", "os_purpose": "generic",
            "architecture": "x86_64", "min_disk": "8", "min_ram": "512"}
        url = f"{http.cinder}/volumes/{record['id']}"
        assert [http("GET", url).json()["volume"]["status"] for _ in range(3)] == ["creating", "available",
                                                                                 "available"]
        empty = http("POST", f"{http.cinder}/volumes", json={"volume": {"size": 1}}).json()["volume"]
        assert empty["bootable"] == "false" and "volume_image_metadata" not in empty


@pytest.mark.parametrize("size,words", [
    (4, "Volume size 4GB cannot be smaller than the image minDisk size 8GB."),
    (0, "size must be a positive integer"),
    ("ten", "size must be a positive integer"),
])
def test_a_volume_below_the_image_or_without_a_size_is_a_bad_request(scs, size, words):
    fake, http = scs
    reply = http("POST", f"{http.cinder}/volumes", json={"volume": {
        "size": size, "imageRef": image_id(fake, "Ubuntu 24.04")}})
    assert reply.status_code == 400 and words in reply.json()["badRequest"]["message"]
    assert reply.json()["badRequest"]["code"] == 400 and len(fake.volumes) == 1  # app1's boot volume only


def test_an_image_larger_once_unpacked_passes_the_api_and_the_volume_ends_in_error(scs):
    fake, http = scs
    fake.add_image("big-virtual", size=500 * 1024 ** 2, virtual_size=20 * 1024 ** 3, min_disk=1)
    reply = http("POST", f"{http.cinder}/volumes", json={"volume": {"size": 5, "imageRef": image_id(fake, "big-virtual")}})
    assert reply.status_code == 202 and reply.json()["volume"]["status"] == "error"
    assert http("DELETE", f"{http.cinder}/volumes/{reply.json()['volume']['id']}").status_code == 202


def test_get_delete_in_use_and_absent_volumes(scs):
    fake, http = scs
    in_use = next(v for v in fake.volumes if v["status"] == "in-use")
    refused = http("DELETE", f"{http.cinder}/volumes/{in_use['id']}")
    assert refused.status_code == 400
    assert refused.json()["badRequest"]["message"].startswith(
        "Invalid volume: Volume status must be available or error")
    spare = fake.add_volume("spare", 2)
    assert http("GET", f"{http.cinder}/volumes/{spare['id']}").json()["volume"]["name"] == "spare"
    assert http("DELETE", f"{http.cinder}/volumes/{spare['id']}").status_code == 202
    missing = http("GET", f"{http.cinder}/volumes/{spare['id']}")
    assert missing.status_code == 404 and missing.json()["itemNotFound"]["message"].endswith("could not be found.")
    assert http("DELETE", f"{http.cinder}/volumes/{spare['id']}").status_code == 404
    assert [t["name"] for t in http("GET", f"{http.cinder}/types").json()["volume_types"]] == ["__DEFAULT__"]
    unknown_type = http("POST", f"{http.cinder}/volumes", json={"volume": {"size": 1, "volume_type": "gold"}})
    assert unknown_type.status_code == 404


def test_listing_summary_detail_and_filters(scs):
    fake, http = scs
    fake.add_volume("data-a", 1, metadata={"role": "db"})
    fake.add_volume("data-b", 2, metadata={"role": "web"})
    summary = http("GET", f"{http.cinder}/volumes").json()["volumes"]
    assert {tuple(sorted(v)) for v in summary} == {("id", "links", "name")}
    detail = http("GET", f"{http.cinder}/volumes/detail").json()["volumes"]
    assert [v["name"] for v in detail] == ["data-b", "data-a", None]  # newest first; app1's volume has no name
    by = lambda query: [v["name"] for v in http("GET", f"{http.cinder}/volumes/detail", params=query).json()["volumes"]]
    assert by({"name": "data-a"}) == ["data-a"]
    assert by({"status": "IN-USE"}) == [None] and by({"bootable": "true"}) == [None]
    assert by({"metadata": "{'role': 'web'}"}) == ["data-b"] and by({"metadata": '{"role": "db"}'}) == ["data-a"]
    bad = http("GET", f"{http.cinder}/volumes/detail", params={"metadata": "role=db"})
    assert bad.status_code == 400 and "badRequest" in bad.json()


def test_pages_follow_limit_and_marker_and_keep_the_filters(scs):
    fake, http = scs
    for index in range(5):
        fake.add_volume(f"d{index}", 1, metadata={"set": "x"})
    first = http("GET", f"{http.cinder}/volumes/detail", params={"limit": 2, "metadata": "{'set': 'x'}"}).json()
    assert [v["name"] for v in first["volumes"]] == ["d4", "d3"]
    link = first["volumes_links"][0]
    assert link["rel"] == "next" and link["href"].startswith(f"{http.cinder}/volumes/detail?")
    names, url = [], link["href"]
    while url:
        page = http("GET", url).json()
        names += [v["name"] for v in page["volumes"]]
        url = next((entry["href"] for entry in page.get("volumes_links", ())), None)
    assert names == ["d2", "d1", "d0"]  # app1's unnamed volume has no such metadata
    assert http("GET", f"{http.cinder}/volumes/detail", params={"marker": "nope"}).status_code == 404
    assert http("GET", f"{http.cinder}/volumes/detail", params={"limit": "-1"}).status_code == 400
    fake._cinder.max_limit = 4  # Cinder's osapi_max_limit cuts a page even when no limit is asked
    unasked = http("GET", f"{http.cinder}/volumes/detail").json()
    assert len(unasked["volumes"]) == 4 and "volumes_links" in unasked


def test_the_volume_quota_answers_413_over_limit_and_builders_ignore_it():
    with FakeCloud("scs", volume_quota=1) as fake:
        http = Client(fake)
        assert len(fake.volumes) == 1  # the layout's boot volume is there whatever the quota
        reply = http("POST", f"{http.cinder}/volumes", json={"volume": {"size": 1}})
        assert reply.status_code == 413
        assert reply.json()["overLimit"]["message"] == ("VolumeLimitExceeded: Maximum number of volumes allowed (1) "
                                                         "exceeded for quota 'volumes'.")
        assert fake.add_volume("spare", 1)["status"] == "available"


def test_faults_can_be_injected_and_requests_are_recorded_for_volume_paths(scs):
    fake, http = scs
    fake.inject("POST", r"^/volume/v3/[^/]+/volumes$", status=503, json={"computeFault": {
        "code": 503, "message": "busy"}}, times=1)
    assert http("POST", f"{http.cinder}/volumes", json={"volume": {"size": 1}}).status_code == 503
    assert http("POST", f"{http.cinder}/volumes", json={"volume": {"size": 1}}).status_code == 202
    assert len(fake.calls("POST", f"/volume/v3/{fake.project_id}/volumes")) == 2
    assert len(fake.volumes) == 2 and not fake.unexpected


# --- Nova: boot from volume ------------------------------------------------------------------


def test_boot_from_an_image_volume_attaches_it_and_deleting_the_server_deletes_it(scs):
    fake, http = scs
    reply = boot(http, fake, image_mapping(fake))
    assert reply.status_code == 202
    server_id = reply.json()["server"]["id"]
    shown = http("GET", f"{http.nova}/servers/{server_id}").json()["server"]
    (attached,) = shown["os-extended-volumes:volumes_attached"]
    assert shown["image"] == "" and attached["delete_on_termination"] is True
    made = volume(fake, attached["id"])
    assert made["status"] == "in-use" and made["size"] == 8 and made["bootable"] == "true"
    assert made["attachments"][0]["server_id"] == server_id
    assert made["volume_image_metadata"]["image_original_user"] == "ubuntu"
    assert http("DELETE", f"{http.nova}/servers/{server_id}").status_code == 204
    assert volume(fake, attached["id"]) is None


def test_boot_from_an_existing_volume_leaves_it_available_after_the_server_is_deleted(scs):
    fake, http = scs
    kept = fake.add_volume("keep", 10, image="Debian 12")
    mapping = {"boot_index": "0", "uuid": kept["id"], "source_type": "volume", "destination_type": "volume",
               "delete_on_termination": False}
    server_id = boot(http, fake, mapping, imageRef="").json()["server"]["id"]
    assert volume(fake, kept["id"])["status"] == "in-use"
    again = boot(http, fake, mapping)  # an in-use volume cannot boot a second server
    assert again.status_code == 400 and "status must be 'available'" in again.json()["badRequest"]["message"]
    assert http("GET", f"{http.nova}/servers/{server_id}").json()["server"][
        "os-extended-volumes:volumes_attached"] == [{"id": kept["id"], "delete_on_termination": False}]
    http("DELETE", f"{http.nova}/servers/{server_id}")
    assert volume(fake, kept["id"])["status"] == "available" and volume(fake, kept["id"])["attachments"] == []


def test_an_image_boot_on_a_flavor_without_a_disk_is_forbidden(scs):
    fake, http = scs
    body = {"name": "nodisk", "flavorRef": flavor_id(fake, "SCS-2V-4"), "imageRef": image_id(fake, "Debian 12"),
            "networks": [{"uuid": net_id(fake, "prj-net")}]}
    reply = http("POST", f"{http.nova}/servers", json={"server": body})
    assert reply.status_code == 403
    assert reply.json()["forbidden"]["message"] == "Only volume-backed servers are allowed for flavors with zero disk."
    body["flavorRef"] = flavor_id(fake, "SCS-2V-4-20s")
    assert http("POST", f"{http.nova}/servers", json={"server": body}).status_code == 202


@pytest.mark.parametrize("extra,words", [
    ({"volume_size": 4}, "Volume is smaller than the minimum size specified in image metadata."),
    ({"volume_size": None}, "need to have a non-zero size specified"),
    ({"uuid": "no-such-image"}, "failed to get image no-such-image"),
    ({"volume_type": "gold"}, "Volume type with name gold could not be found."),
    ({"source_type": "blank"}, "Block Device Mapping is Invalid"),
])
def test_mappings_nova_api_refuses_leave_no_server_and_no_volume(scs, extra, words):
    fake, http = scs
    servers, volumes = len(fake.servers), len(fake.volumes)
    reply = boot(http, fake, image_mapping(fake, **extra))
    assert reply.status_code == 400 and words in reply.json()["badRequest"]["message"]
    assert (len(fake.servers), len(fake.volumes)) == (servers, volumes)


def test_a_full_volume_quota_fails_the_build_not_the_request():
    with FakeCloud("scs", volume_quota=1, build_polls=0) as fake:
        http = Client(fake)
        reply = boot(http, fake, image_mapping(fake))
        assert reply.status_code == 202 and len(fake.volumes) == 1
        shown = http("GET", f"{http.nova}/servers/{reply.json()['server']['id']}").json()["server"]
        assert shown["status"] == "ERROR"
        assert shown["fault"]["message"] == (f"Build of instance {shown['id']} aborted: VolumeLimitExceeded: "
                                             "Maximum number of volumes allowed (1) exceeded for quota 'volumes'.")


def test_an_image_too_big_for_its_volume_fails_the_build_and_the_volume_goes_with_the_server(scs):
    fake, http = scs
    fake.add_image("big-virtual", size=500 * 1024 ** 2, virtual_size=20 * 1024 ** 3, min_disk=1)
    reply = boot(http, fake, image_mapping(fake, "big-virtual", volume_size=5))
    server_id = reply.json()["server"]["id"]
    http("GET", f"{http.nova}/servers/{server_id}")  # the build takes one poll
    shown = http("GET", f"{http.nova}/servers/{server_id}").json()["server"]
    (attached,) = shown["os-extended-volumes:volumes_attached"]
    assert shown["status"] == "ERROR" and "its status is error" in shown["fault"]["message"]
    assert volume(fake, attached["id"])["status"] == "error"
    http("DELETE", f"{http.nova}/servers/{server_id}")
    assert volume(fake, attached["id"]) is None


def test_a_mapping_where_the_catalog_has_no_block_storage_ends_in_error(scs):
    fake, http = scs
    fake.features["block_storage"] = False  # Nova asks the layout at each boot
    server_id = boot(http, fake, image_mapping(fake)).json()["server"]["id"]
    http("GET", f"{http.nova}/servers/{server_id}")
    shown = http("GET", f"{http.nova}/servers/{server_id}").json()["server"]
    assert shown["status"] == "ERROR" and shown["image"] == ""
    assert shown["fault"]["message"].startswith(f"Build of instance {server_id} aborted: Block Device Mapping")


def test_add_server_boot_from_volume_builds_the_volume_from_the_image(scs):
    fake, _ = scs
    server = fake.add_server("built", image="Debian 12", flavor="SCS-1V-2", networks=["prj-net"],
                             boot_from_volume=True)
    (attached,) = server["os-extended-volumes:volumes_attached"]
    made = volume(fake, attached["id"])
    assert made["volume_image_metadata"]["image_name"] == "Debian 12" and made["status"] == "in-use"
    with pytest.raises(ConfigError, match="cannot build"):
        fake.add_volume("too-small", 1, image="Ubuntu 24.04")


# --- the scs layout ---------------------------------------------------------------------------


def test_the_scs_layout_has_the_mandatory_flavors_scs_images_and_a_default_external_network(scs):
    fake, _ = scs
    flavors = {f["name"]: f for f in fake.flavors}
    mandatory = ["SCS-1V-4", "SCS-2V-8", "SCS-4V-16", "SCS-4V-16-100s", "SCS-8V-32", "SCS-1V-2", "SCS-2V-4",
                 "SCS-2V-4-20s", "SCS-4V-8", "SCS-8V-16", "SCS-16V-32", "SCS-1V-8", "SCS-2V-16", "SCS-4V-32",
                 "SCS-1L-1"]
    assert set(mandatory) <= set(flavors)
    for name in mandatory:
        disk_part = name.count("-") == 3
        assert bool(flavors[name]["disk"]) is disk_part, name
        assert flavors[name]["extra_specs"]["scs:name-v2"] == name and "scs:cpu-type" in flavors[name]["extra_specs"]
    images = {i["name"]: i for i in fake.images}
    assert images["Ubuntu 24.04 20240601"]["os_hidden"] is True
    assert images["Debian 12"]["image_original_user"] == "debian"
    assert any(i.get("image_original_user") == "none" for i in images.values())
    assert any(i.get("os_purpose") == "k8snode" for i in images.values())
    externals = [n for n in fake.networks if n["router:external"]]
    assert [n["name"] for n in externals if n["is_default"]] == ["ext-default"] and len(externals) == 2
    default_subnets = [s for s in fake.subnets if s["network_id"] == net_id(fake, "ext-default")]
    assert sorted(s["ip_version"] for s in default_subnets) == [4, 6]
    (group,) = [g for g in fake.security_groups if g["name"] == "default" and g["tenant_id"] == fake.project_id]
    assert not [r for r in group["security_group_rules"] if r["direction"] == "ingress" and r["port_range_min"] == 22]
