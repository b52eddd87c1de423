import json
import pickle

import pytest
import requests
from hypothesis import given, settings, strategies as st
from keystoneauth1 import exceptions as ksa

from normalizer import exceptions as exc
from normalizer.error_mapping import (error_from_exception, error_from_response, error_from_unexpected,
                                      remote_message)

URL = "http://127.0.0.1:8799/compute/v2.1/servers/abc"
HEADERS = {"x-openstack-request-id": "req-42"}


@pytest.mark.parametrize("status,body,cls,message", [
    (404, {"itemNotFound": {"code": 404, "message": "Instance abc could not be found."}},
     exc.NotFound, "Instance abc could not be found."),
    (409, {"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['floatingip'].",
                            "detail": ""}}, exc.QuotaExceeded, "Quota exceeded for resources: ['floatingip']."),
    (409, {"NeutronError": {"type": "FloatingIPPortAlreadyAssociated", "message": "already associated",
                            "detail": ""}}, exc.Conflict, "already associated"),
    (403, {"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 10"}},
     exc.QuotaExceeded, "Quota exceeded for instances: Requested 1, but already used 10"),
    (403, {"forbidden": {"code": 403, "message": "Policy doesn't allow os_compute_api:servers:create"}},
     exc.AuthError, "Policy doesn't allow os_compute_api:servers:create"),
    (401, {"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}},
     exc.AuthError, "The request you have made requires authentication."),
    (413, {"overLimit": {"code": 413, "message": "Quota exceeded for keypairs"}}, exc.QuotaExceeded,
     "Quota exceeded for keypairs"),
    (413, {"overLimit": {"code": 413, "message": "This request was rate-limited."}}, exc.RateLimited,
     "This request was rate-limited."),
    (429, {"errors": [{"title": "Too Many Requests", "detail": "slow down", "code": "429"}]}, exc.RateLimited,
     "slow down"),
    (400, {"badRequest": {"code": 400, "message": "Invalid flavorRef provided."}}, exc.BadRequest,
     "Invalid flavorRef provided."),
    (500, {"computeFault": {"code": 500, "message": "Unexpected API Error."}}, exc.ServerError, "Unexpected API Error."),
    (502, "<html><body><h1>502 Bad Gateway</h1>The server returned an invalid response.</body></html>",
     exc.ServerError, "502 Bad Gateway The server returned an invalid response."),
    (404, "404 Not Found\n\nThe resource could not be found.\n\n   ", exc.NotFound,
     "404 Not Found The resource could not be found."),
])
def test_service_error_bodies_map_to_typed_errors(status, body, cls, message):
    text = body if isinstance(body, str) else json.dumps(body)
    err = error_from_response("compute", "GET", URL, status, HEADERS, text)
    assert type(err) is cls
    assert err.remote_message == message
    assert err.status_code == status and err.request_id == "req-42"
    line = str(err)
    assert "\n" not in line
    assert line.startswith(f"compute GET /compute/v2.1/servers/abc: {message} (HTTP {status}, request-id req-42)")


def test_html_page_keeps_words_and_drops_markup():
    page = "<html><head><title>503 Service Unavailable</title></head><body><p>Try &amp; again</p></body></html>"
    assert remote_message(page) == ("503 Service Unavailable Try & again", None)


def test_errors_pickle_and_serialize_for_ansible():
    err = error_from_response("network", "POST", "http://h/network/v2.0/floatingips", 409, HEADERS,
                              '{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded", "detail": ""}}')
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is exc.QuotaExceeded and str(again) == str(err)
    data = err.to_dict()
    json.dumps(data)
    assert data["error"] == "QuotaExceeded" and data["status_code"] == 409 and data["service"] == "network"


@pytest.mark.parametrize("error,cls", [
    (ksa.ConnectTimeout("timed out"), exc.RequestTimeout),
    (ksa.ConnectFailure("refused"), exc.ConnectionFailed),
    (ksa.SSLError("bad cert"), exc.ConnectionFailed),
    (ksa.EndpointNotFound("no compute"), exc.EndpointNotFound),
    (requests.exceptions.ReadTimeout("slow"), exc.RequestTimeout),
    (ksa.UnknownConnectionError("weird", None), exc.TransportError),
    (ksa.AuthorizationFailure("nope"), exc.AuthError),
])
def test_foreign_exceptions_are_translated(error, cls):
    mapped = error_from_exception(error, "compute", "GET", URL)
    assert type(mapped) is cls
    assert isinstance(mapped, exc.NormalizerError) and "\n" not in str(mapped)


def test_unexpected_shape_becomes_api_error():
    err = error_from_unexpected(KeyError("servers"), "c: list_servers")
    assert isinstance(err, exc.APIError) and "KeyError" in str(err)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(status=st.integers(min_value=400, max_value=599), body=json_values,
       raw=st.booleans(), headers=st.dictionaries(st.text(max_size=20), st.text(max_size=20), max_size=3))
def test_any_body_and_status_gives_one_typed_line(status, body, raw, headers):
    payload = json.dumps(body) if not raw else (body if isinstance(body, str) else repr(body))
    err = error_from_response("image", "GET", "http://h/image/v2/images", status, headers, payload)
    assert isinstance(err, exc.APIError)
    assert err.status_code == status
    assert "\n" not in str(err) and str(err).startswith("image GET /image/v2/images: ")


# --- issue 9: origins, connect causes, depth --------------------------------------------------

from normalizer.error_mapping import MAX_JSON_DEPTH, nested_deeper_than, origin_of  # noqa: E402


@pytest.mark.parametrize("left,right,same", [
    ("http://127.0.0.1/a", "http://127.0.0.1:80/b", True),
    ("HTTPS://Cloud.Example/a", "https://cloud.example:443/b?x=1", True),
    ("http://127.0.0.1:5000/a", "http://127.0.0.1:5001/a", False),
    ("http://127.0.0.1:5000/a", "https://127.0.0.1:5000/a", False),
    ("http://127.0.0.1:5000/a", "http://localhost:5000/a", False),
    ("http://127.0.0.1:5000/a", "http://127.0.0.1:notaport/a", False),
])
def test_origin_comparison(left, right, same):
    assert (origin_of(left) == origin_of(right)) is same


def test_a_discovery_failure_hiding_a_refused_connection_is_connection_failed():
    cause = ksa.ConnectFailure("Unable to establish connection to http://127.0.0.1:1/identity: "
                               "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: "
                               "/identity (Caused by NewConnectionError('<urllib3.connection.HTTPConnection "
                               "object at 0x7f>: Failed to establish a new connection: [Errno 111] "
                               "Connection refused'))" + " padding" * 60)
    try:
        try:
            raise cause
        except ksa.ConnectFailure as error:
            raise ksa.DiscoveryFailure(f"Could not find versioned identity endpoints. {error}") from None
    except ksa.DiscoveryFailure as error:
        mapped = error_from_exception(error, "identity", "POST", "http://127.0.0.1:1/identity/auth/tokens")
    assert isinstance(mapped, exc.ConnectionFailed)
    assert "(Connection refused)" in mapped.message and "127.0.0.1:1" in mapped.message
    assert "auth_url" in mapped.hint


def test_a_recursion_error_is_an_answer_too_deep():
    mapped = error_from_exception(RecursionError("maximum recursion depth exceeded"), "image", "GET", URL)
    assert isinstance(mapped, exc.AnswerTooDeep) and "nested too deeply" in str(mapped)


def test_depth_limit_is_far_above_real_bodies():
    server = {"server": {"addresses": {"net": [{"addr": "10.0.0.1", "OS-EXT-IPS:type": "fixed"}]},
                         "flavor": {"extra_specs": {"a": "b"}}, "security_groups": [{"name": "default"}]}}
    assert not nested_deeper_than(server, 6) and MAX_JSON_DEPTH >= 8 * 6
