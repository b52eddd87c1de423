"""BlockStorageService: paths, envelopes, filters, pages, caching, invalidation; Cinder's error bodies."""

from __future__ import annotations

import pytest

from normalizer import error_mapping
from normalizer import exceptions as exc
from normalizer.services.block_storage import BlockStorageService
from tests.unit.test_services_fakes import BASES, ROOTS, FakeTransport

PROJECT = "9f3a"
CINDER = f"http://127.0.0.1:8776/v3/{PROJECT}"


@pytest.fixture
def cinder_transport():
    return FakeTransport(services=("compute", "block-storage"),
                         bases={**BASES, "block-storage": CINDER},
                         roots={**ROOTS, "block-storage": "http://127.0.0.1:8776"})


@pytest.fixture
def bs(cinder_transport, cache):
    return BlockStorageService(cinder_transport, cache)


def test_volumes_are_listed_with_details_filtered_and_cached(bs, cinder_transport, cache):
    cinder_transport.add("block-storage", "GET", "/volumes/detail", {"volumes": [{"id": "v1"}]})
    assert bs.list_volumes(filters={"status": "available"}) == [{"id": "v1"}]
    assert bs.list_volumes(filters={"status": "available"}) == [{"id": "v1"}]
    assert cinder_transport.only_call().params == {"status": "available"}
    assert cache.fetches[0][:2] == ("volumes", "list_volumes") and cache.hits == 1
    assert bs.list_volumes(filters={"status": "available"}, fresh=True) == [{"id": "v1"}]
    assert len(cinder_transport.calls) == 2  # fresh went past the cache


def test_a_metadata_filter_is_sent_as_the_dict_literal_cinder_reads(bs, cinder_transport):
    cinder_transport.add("block-storage", "GET", "/volumes/detail", {"volumes": []})
    bs.list_volumes(filters={"metadata": {"role": "db", "tier": 2}})
    assert cinder_transport.only_call().params == {"metadata": '{"role": "db", "tier": "2"}'}


def test_every_page_is_read_through_the_next_links(bs, cinder_transport):
    href = f"{CINDER}/volumes/detail?limit=1&marker=v1"
    cinder_transport.add("block-storage", "GET", "/volumes/detail",
                         {"volumes": [{"id": "v1"}], "volumes_links": [{"rel": "next", "href": href}]})
    cinder_transport.add("block-storage", "GET", f"{CINDER}/volumes/detail", {"volumes": [{"id": "v2"}]})
    assert [v["id"] for v in bs.list_volumes()] == ["v1", "v2"]
    assert cinder_transport.calls[1].params == {"limit": "1", "marker": "v1"}


def test_get_reads_fresh_and_an_absent_volume_is_none(bs, cinder_transport, cache):
    cinder_transport.add("block-storage", "GET", "/volumes/v1", {"volume": {"id": "v1", "status": "creating"}})
    cinder_transport.add("block-storage", "GET", "/volumes/gone", status=404)
    assert bs.get_volume("v1")["status"] == "creating"
    assert bs.get_volume("v1")["status"] == "creating"
    assert len(cinder_transport.calls) == 2 and cache.hits == 0  # a poll must see the change
    assert bs.get_volume("gone") is None


def test_an_id_cannot_change_the_path(bs, cinder_transport):
    cinder_transport.add("block-storage", "GET", "/volumes/..%2Ftypes", status=404)
    assert bs.get_volume("../types") is None


def test_create_and_delete_send_cinders_envelope_and_invalidate_volumes_and_servers(bs, cinder_transport, cache):
    cinder_transport.add("block-storage", "POST", "/volumes", {"volume": {"id": "v9", "status": "creating"}},
                         status=202)
    cinder_transport.add("block-storage", "DELETE", "/volumes/v9", None, status=202)
    cinder_transport.add("block-storage", "DELETE", "/volumes/v8", status=404)
    made = bs.create_volume({"size": 10, "imageRef": "img"})
    assert made == {"id": "v9", "status": "creating"}
    assert cinder_transport.calls[0].json == {"volume": {"size": 10, "imageRef": "img"}}
    assert cache.last_kinds == {"volumes", "servers"}
    assert bs.delete_volume("v9") is True and bs.delete_volume("v8") is False
    assert cache.invalidated == [{"volumes", "servers"}] * 3  # a failed delete may still have changed the cloud


def test_a_failing_create_still_invalidates(bs, cinder_transport, cache):
    cinder_transport.add("block-storage", "POST", "/volumes", status=500)
    with pytest.raises(exc.ServerError):
        bs.create_volume({"size": 1})
    assert cache.last_kinds == {"volumes", "servers"}


def test_volume_types_are_cached_as_their_own_kind(bs, cinder_transport, cache):
    cinder_transport.add("block-storage", "GET", "/types", {"volume_types": [{"id": "t", "name": "__DEFAULT__"}]})
    assert [t["name"] for t in bs.list_volume_types()] == ["__DEFAULT__"]
    bs.list_volume_types()
    assert len(cinder_transport.calls) == 1 and cache.fetches[0][0] == "volume_types"


def test_available_asks_the_catalog_not_cinder(cinder_transport, cache):
    assert BlockStorageService(cinder_transport, cache).available() is True
    without = FakeTransport(services=("compute",))
    assert BlockStorageService(without, cache).available() is False
    assert not cinder_transport.calls and not without.calls


@pytest.mark.parametrize("status,body,error", [
    (404, {"itemNotFound": {"code": 404, "message": "Volume v1 could not be found."}}, exc.NotFound),
    (400, {"badRequest": {"code": 400, "message": "Invalid input received: Volume size 2GB cannot be smaller "
                                                  "than the image minDisk size 8GB."}}, exc.BadRequest),
    (413, {"overLimit": {"code": 413, "message": "VolumeLimitExceeded: Maximum number of volumes allowed (10) "
                                                 "exceeded for quota 'volumes'.", "retryAfter": "0"}},
     exc.QuotaExceeded),
    (413, {"overLimit": {"code": 413, "message": "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot "
                                                 "exceeds allowed gigabytes quota. Requested 20G, quota is 100G "
                                                 "and 90G has been consumed.", "retryAfter": "0"}},
     exc.QuotaExceeded),
    (413, {"overLimit": {"code": 413, "message": "VolumeSizeExceedsLimit: Requested volume size 2000G is larger "
                                                 "than maximum allowed limit 1000G.", "retryAfter": "0"}},
     exc.QuotaExceeded),
    (413, {"overLimit": {"code": 413, "message": "This request was rate-limited.", "retryAfter": "4"}},
     exc.RateLimited),
])
def test_cinder_error_bodies_become_typed_errors_of_one_line(status, body, error):
    url = f"{CINDER}/volumes"
    err = error_mapping.error_from_response("block-storage", "POST", url, status, {"x-openstack-request-id": "req-c"},
                                            body)
    assert type(err) is error and err.service == "block-storage" and err.status_code == status
    (detail,) = body.values()
    assert str(err).startswith(f"block-storage POST /v3/{PROJECT}/volumes: {detail['message']} "
                               f"(HTTP {status}, request-id req-c)") and "\n" not in str(err)
    assert err.error_type == next(iter(body)) and err.remote_message == detail["message"]
