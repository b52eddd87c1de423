import logging

import pytest
import requests
import requests_mock
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3

from normalizer import exceptions as exc
from normalizer.transport import Transport
from tests.transport_settings import transport_settings

BASE = "http://127.0.0.1:8799"
PASSWORD = "pw-Sekr1t-never-logged"
TOKEN = "gAAAAAtoken-never-logged"


def _service(kind, url):
    return {"type": kind, "name": kind, "id": kind,
            "endpoints": [{"id": kind + "-pub", "interface": "public", "region": "RegionOne",
                           "region_id": "RegionOne", "url": url}]}


def token_body(services):
    return {"token": {
        "methods": ["password"], "expires_at": "2099-01-01T00:00:00.000000Z",
        "issued_at": "2020-01-01T00:00:00.000000Z",
        "user": {"id": "u1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
        "project": {"id": "p1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
        "roles": [{"id": "r1", "name": "member"}],
        "catalog": [_service(kind, url) for kind, url in services.items()]}}


SERVICES = {"compute": f"{BASE}/compute/v2.1", "network": f"{BASE}/network", "image": f"{BASE}/image",
            "identity": f"{BASE}/identity"}


@pytest.fixture
def mock():
    with requests_mock.Mocker() as m:
        m.post(f"{BASE}/identity/v3/auth/tokens", json=token_body(SERVICES), status_code=201,
               headers={"X-Subject-Token": TOKEN})
        m.get(f"{BASE}/compute/v2.1", json={"version": {"id": "v2.1", "version": "2.96", "min_version": "2.1"}})
        yield m


def make_transport(**options):
    auth = v3.Password(auth_url=f"{BASE}/identity/v3", username="demo", password=PASSWORD, project_name="demo",
                       user_domain_name="Default", project_domain_name="Default")
    sleeps = []
    clock = iter(range(10_000))
    transport = Transport(ksa_session.Session(auth=auth), transport_settings(**options), region_name="RegionOne",
                          sleep=sleeps.append, clock=lambda: float(next(clock)))
    return transport, sleeps


def test_429_retried_honouring_retry_after(mock):
    mock.get(f"{BASE}/network/v2.0/networks", [
        {"status_code": 429, "headers": {"Retry-After": "3"}, "json": {}},
        {"status_code": 429, "headers": {"Retry-After": "2"}, "json": {}},
        {"json": {"networks": [{"id": "n1"}]}}])
    transport, sleeps = make_transport()
    assert transport.request("network", "GET", "/networks").body == {"networks": [{"id": "n1"}]}
    assert sleeps == [3.0, 2.0]


def test_503_retries_are_bounded_and_capped(mock):
    route = mock.get(f"{BASE}/image/v2/images", status_code=503, headers={"Retry-After": "1000"},
                     text="<html><h1>503 Service Unavailable</h1></html>")
    transport, sleeps = make_transport(status_retries=3, max_retry_delay=7)
    with pytest.raises(exc.ServerError) as info:
        transport.request("image", "GET", "/images")
    assert route.call_count == 4 and sleeps == [7, 7, 7]
    assert "503 Service Unavailable" in str(info.value)


def test_post_503_is_retried_but_400_is_final(mock):
    mock.post(f"{BASE}/network/v2.0/floatingips", [
        {"status_code": 503, "json": {}}, {"status_code": 400, "json": {"NeutronError": {
            "type": "BadRequest", "message": "bad body", "detail": ""}}}])
    transport, sleeps = make_transport()
    with pytest.raises(exc.BadRequest):
        transport.request("network", "POST", "/floatingips", json={"floatingip": {}})
    assert sleeps == [0.5]


def test_nova_413_over_limit_retried_but_quota_is_not(mock):
    mock.post(f"{BASE}/compute/v2.1/servers", [
        {"status_code": 413, "headers": {"Retry-After": "4"}, "json": {"overLimit": {"code": 413, "message": "rate"}}},
        {"status_code": 413, "json": {"overLimit": {"code": 413, "message": "Quota exceeded for cores"}}}])
    transport, sleeps = make_transport()
    with pytest.raises(exc.QuotaExceeded):
        transport.request("compute", "POST", "/servers", json={"server": {}})
    assert sleeps == [4.0]


def test_connection_errors_retried_only_when_idempotent(mock):
    get = mock.get(f"{BASE}/network/v2.0/ports", exc=requests.exceptions.ConnectionError("reset"))
    post = mock.post(f"{BASE}/network/v2.0/ports", exc=requests.exceptions.ConnectionError("reset"))
    transport, sleeps = make_transport(connect_retries=2)
    with pytest.raises(exc.ConnectionFailed):
        transport.request("network", "GET", "/ports")
    assert get.call_count == 3
    with pytest.raises(exc.ConnectionFailed):
        transport.request("network", "POST", "/ports", json={"port": {}})
    assert post.call_count == 1


def test_timeout_is_sent_and_mapped(mock):
    route = mock.get(f"{BASE}/image/v2/images", exc=requests.exceptions.ReadTimeout("slow"))
    transport, _ = make_transport(timeout=12.5, connect_retries=0)
    with pytest.raises(exc.RequestTimeout):
        transport.request("image", "GET", "/images")
    # what is left of the call's 12.5 s budget on the ticking test clock
    assert 0 < route.last_request.timeout <= 12.5


def test_microversion_negotiated_once_and_capped(mock):
    route = mock.get(f"{BASE}/compute/v2.1/flavors/detail", json={"flavors": []})
    transport, _ = make_transport(microversions={"compute": "2.61"})
    transport.request("compute", "GET", "/flavors/detail")
    transport.request("compute", "GET", "/flavors/detail")
    assert route.last_request.headers["OpenStack-API-Version"] == "compute 2.61"
    assert route.last_request.headers["X-OpenStack-Nova-API-Version"] == "2.61"
    assert [r.url for r in mock.request_history].count(f"{BASE}/compute/v2.1") == 1
    transport.request("compute", "GET", "/flavors/detail", microversion="2.35")
    assert route.last_request.headers["OpenStack-API-Version"] == "compute 2.35"


def test_no_microversion_header_without_version_document(mock):
    mock.get(f"{BASE}/compute/v2.1", status_code=404, json={"itemNotFound": {"code": 404, "message": "no"}})
    route = mock.get(f"{BASE}/compute/v2.1/servers/detail", json={"servers": []})
    transport, _ = make_transport()
    transport.request("compute", "GET", "/servers/detail")
    assert "OpenStack-API-Version" not in route.last_request.headers
    assert transport.compute_microversion is None


def test_urls_versions_overrides_and_link_rebasing(mock):
    transport, _ = make_transport(endpoint_overrides={"image": "http://127.0.0.1:9292/{region_name}/"})
    assert transport.base_url("network") == f"{BASE}/network/v2.0"
    assert transport.root_url("compute") == f"{BASE}/compute"
    assert transport.base_url("image") == "http://127.0.0.1:9292/RegionOne/v2"
    route = mock.get(f"{BASE}/network/v2.0/networks?marker=x", json={"networks": []})
    # A next link pointing elsewhere is re-based onto our endpoint: the token never leaves it.
    transport.request("network", "GET", "http://evil.example/network/v2.0/networks?marker=x")
    assert route.call_count == 1 and route.last_request.netloc == "127.0.0.1:8799"


def test_missing_and_disabled_services(mock):
    transport, _ = make_transport(disabled_services=("network",))
    assert transport.has_service("compute") and not transport.has_service("network")
    assert not transport.has_service("volume")
    with pytest.raises(exc.EndpointNotFound, match="no network endpoint"):
        transport.request("network", "GET", "/networks")


def test_rate_limit_spaces_calls():
    clock_now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock_now[0] += seconds

    with requests_mock.Mocker() as m:
        m.post(f"{BASE}/identity/v3/auth/tokens", json=token_body(SERVICES), status_code=201,
               headers={"X-Subject-Token": TOKEN})
        m.get(f"{BASE}/network/v2.0/networks", json={"networks": []})
        auth = v3.Password(auth_url=f"{BASE}/identity/v3", username="d", password="p", project_name="d",
                           user_domain_name="Default", project_domain_name="Default")
        transport = Transport(ksa_session.Session(auth=auth),
                              transport_settings(rate_limit={"network": 2.0}), region_name="RegionOne",
                              clock=lambda: clock_now[0], sleep=sleep)
        for _ in range(3):
            transport.request("network", "GET", "/networks")
    assert sleeps == [0.5, 0.5]


def test_bad_credentials_raise_auth_error_naming_identity():
    with requests_mock.Mocker() as m:
        m.post(f"{BASE}/identity/v3/auth/tokens", status_code=401, json={"error": {
            "code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}})
        transport, _ = make_transport()
        with pytest.raises(exc.AuthError) as info:
            transport.request("compute", "GET", "/servers/detail")
    assert str(info.value).startswith("identity POST /identity/v3/auth/tokens")
    assert PASSWORD not in str(info.value)


def test_debug_log_has_request_ids_and_never_secrets(mock, caplog):
    mock.get(f"{BASE}/compute/v2.1/servers/detail", json={"servers": []},
             headers={"x-openstack-request-id": "req-abc"})
    caplog.set_level(logging.DEBUG)
    transport, _ = make_transport()
    transport.request("compute", "GET", "/servers/detail")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "compute GET /compute/v2.1/servers/detail -> 200" in text and "request-id=req-abc" in text
    assert PASSWORD not in text and TOKEN not in text
    assert PASSWORD not in repr(transport) and TOKEN not in repr(transport)
