"""Messages a person can read, and bodies nested too deeply to read.

Cloud-supplied text (messages, request ids, URL paths) reaches ``str(err)`` clipped and
without control characters or terminal escape sequences; a refused connection at
authentication says so and what to check; keystoneauth's warnings go to the
``normalizer.http`` logger, not stderr; a body nested too deeply is a typed error.
"""

from __future__ import annotations

import json
import logging
import socket
import warnings

import pytest
import requests_mock
from keystoneauth1 import session as ksa_session

import normalizer
from normalizer import error_mapping
from normalizer import exceptions as exc
from normalizer.testing import FakeCloud
from normalizer.transport import Transport
from tests.transport_settings import transport_settings

BASE = "http://127.0.0.1:8799"
IMAGES = f"{BASE}/image/v2/images"
NASTY = "\x1b[31mred\x1b[0m \x1b]0;owned title\x07bell\x07 nul\x00 bs\x08 del\x7f csi\x9b2J \u202eevil"


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def transport(**options) -> Transport:
    settings = transport_settings(endpoint_overrides={"image": f"{BASE}/image"}, **options)
    return Transport(ksa_session.Session(), settings, sleep=lambda s: None)


def assert_printable(text: str) -> None:
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f or 0x202a <= ord(c) <= 0x202e for c in text), repr(text)


# --- cloud-supplied strings ----------------------------------------------------------------


def test_remote_message_request_id_and_path_lose_escapes_and_controls():
    err = error_mapping.error_from_response(
        "compute", "GET", f"{BASE}/compute/v2.1/servers/\x1b[2Jx\x07?token=secret", 404,
        {"x-openstack-request-id": "req-1\x1b[31m\r\nInjected: yes" + "z" * 500},
        json.dumps({"itemNotFound": {"code": 404, "message": NASTY}}))
    text = str(err)
    assert_printable(text)
    assert "\x1b" not in text and "owned title" not in text and "red" in text and "evil" in text
    assert "secret" not in text
    assert len(err.request_id) <= 128 and err.request_id.startswith("req-1")
    assert "/compute/v2.1/servers/x" in text


def test_html_and_text_bodies_are_cleaned_too():
    message, _ = error_mapping.remote_message(f"<html><h1>{NASTY}</h1></html>")
    assert_printable(message)
    assert message.startswith("red")


def test_long_messages_are_clipped():
    message, _ = error_mapping.remote_message(json.dumps({"message": "word " * 1000}))
    assert len(message) <= 300 and message.endswith("...")


def test_a_request_id_from_a_live_answer_is_clean(tmp_path):
    with requests_mock.Mocker() as mock:
        mock.get(IMAGES, status_code=500, headers={"x-openstack-request-id": "req-\x1b[1mX\x1b[0m"},
                 json={"message": "boom"})
        with pytest.raises(exc.ServerError) as info:
            transport(status_retries=0).request("image", "GET", "/images")
    assert info.value.request_id == "req-X" and "request-id req-X)" in str(info.value)


# --- connection refused at authentication --------------------------------------------------


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_refused_connection_at_authentication_is_readable_and_quiet(capfd, caplog):
    port = closed_port()
    cloud = normalizer.connect(auth_url=f"http://127.0.0.1:{port}/identity", username="u", password="p",
                               project_name="p", user_domain_name="Default", project_domain_name="Default",
                               region_name="RegionOne")
    with caplog.at_level(logging.DEBUG, logger="normalizer.http"), pytest.raises(exc.ConnectionFailed) as info:
        cloud.list_flavors()
    text = str(info.value)
    assert "Connection refused" in text and f"127.0.0.1:{port}" in text, text
    assert "auth_url" in (info.value.hint or "") and "Keystone" in info.value.hint
    assert "..." not in info.value.message  # the cause is whole, not clipped mid-sentence
    assert capfd.readouterr().err == "", "keystoneauth wrote to stderr"
    routed = [r for r in caplog.records if r.name == "normalizer.http" and "discover" in r.getMessage()]
    assert routed, "keystoneauth's discovery warning did not reach normalizer.http"


class WarningSession(ksa_session.Session):
    """A session whose requests warn, as keystoneauth does on deprecated or failed discovery."""

    def request(self, *args, **kwargs):
        warnings.warn("discovery-fallback-warning-for-the-test", UserWarning, stacklevel=1)
        return super().request(*args, **kwargs)


def test_warnings_during_our_calls_go_to_the_normalizer_http_logger(caplog):
    with requests_mock.Mocker() as mock, warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        mock.get(IMAGES, json={"images": []})
        t = Transport(WarningSession(), transport_settings(endpoint_overrides={"image": f"{BASE}/image"}))
        with caplog.at_level(logging.WARNING, logger="normalizer.http"):
            t.request("image", "GET", "/images")
        warnings.warn("an-application-warning", UserWarning, stacklevel=1)  # outside our calls: untouched
    assert [str(w.message) for w in shown] == ["an-application-warning"]
    assert any("discovery-fallback-warning-for-the-test" in r.getMessage() and r.name == "normalizer.http"
               for r in caplog.records)


# --- bodies nested too deeply ------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, error_mapping.MAX_JSON_DEPTH + 1])
def test_a_2xx_body_nested_too_deeply_is_a_typed_error(depth):
    with requests_mock.Mocker() as mock:
        mock.get(IMAGES, text=deep(depth), headers={"Content-Type": "application/json"})
        with pytest.raises(exc.AnswerTooDeep) as info:
            transport().request("image", "GET", "/images")
    assert "the answer is nested too deeply" in str(info.value) and info.value.status_code == 200


def test_a_body_at_the_depth_limit_is_accepted():
    body = {"images": json.loads(deep(error_mapping.MAX_JSON_DEPTH - 1))}
    with requests_mock.Mocker() as mock:
        mock.get(IMAGES, json=body)
        assert transport().request("image", "GET", "/images").body == body


@pytest.mark.parametrize("depth", [100_000, 200])
def test_an_error_body_nested_too_deeply_keeps_its_status(depth):
    with requests_mock.Mocker() as mock:
        mock.get(IMAGES, status_code=404, text=deep(depth))
        with pytest.raises(exc.NotFound) as info:
            transport().request("image", "GET", "/images")
    assert "nested too deeply" in str(info.value)


def test_the_depth_check_itself_cannot_overflow():
    value: list = []
    for _ in range(200_000):
        value = [value]
    assert error_mapping.nested_deeper_than(value, 64)
    assert not error_mapping.nested_deeper_than({"a": [{"b": [1, 2, {"c": None}]}]}, 5)


def test_a_token_body_nested_too_deeply_is_a_typed_error():
    with FakeCloud("fip") as fake:
        fake.inject("POST", r"^/identity/v3/auth/tokens$", status=201, text=deep(100_000),
                    headers={"Content-Type": "application/json", "X-Subject-Token": "t"})
        cloud = normalizer.connect(**fake.connect_kwargs())
        with pytest.raises(exc.NormalizerError) as info:
            cloud.list_flavors()
        fake.reset_requests()
    assert isinstance(info.value, exc.AnswerTooDeep), repr(info.value)


def test_a_server_listing_nested_too_deeply_is_a_typed_error():
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs())
        fake.inject("GET", r"^/compute/v2\.1/servers/detail$", status=200,
                    text=json.dumps({"servers": [{"id": "x", "metadata": json.loads(deep(100))}]}),
                    headers={"Content-Type": "application/json"})
        with pytest.raises(exc.AnswerTooDeep):
            cloud.list_servers()
