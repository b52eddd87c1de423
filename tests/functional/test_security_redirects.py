"""Credentials stay with their origin: no redirect to another scheme, host or port is followed.

A FakeCloud is served over real HTTP on 127.0.0.1 and one of its routes answers a 3xx
whose Location points at a *recorder*: a second HTTP server on 127.0.0.1 (another port)
that keeps everything it receives. For each redirect status, on a GET and a POST service
call, on the token request and on identity discovery, the call must raise
RedirectRefused and the recorder must receive nothing. A same-origin redirect is still
followed.
"""

from __future__ import annotations

import contextlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3

import normalizer
from normalizer.exceptions import RedirectRefused
from normalizer.testing import FakeCloud

STATUSES = (301, 302, 303, 307, 308)
SECRET_QUERY = "sig=never-shown-in-errors"


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.received.append((self.command, self.path, dict(self.headers), body))  # type: ignore[attr-defined]
        payload = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _record

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        """Quiet: the test reads ``received``."""


@contextlib.contextmanager
def recorder() -> Iterator[tuple[str, list]]:
    """An HTTP server on 127.0.0.1 (ephemeral port) that records every request: ``(base_url, received)``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def served():
    """One FakeCloud on 127.0.0.1 and one recorder, for the whole module."""
    fake = FakeCloud("fip")
    with fake.serve(), recorder() as (elsewhere, received):
        yield fake, elsewhere, received


@pytest.fixture
def env(served):
    fake, elsewhere, received = served
    received.clear()
    yield fake, elsewhere, received
    fake.reset_requests()


def assert_refused(err: RedirectRefused, status: int, target: str, received: list) -> None:
    text = str(err)
    assert received == [], f"the other origin received {received!r}"
    assert err.status_code == status and f"HTTP {status}" in text, text
    host = target.split("://", 1)[1].split("/", 1)[0]
    assert host in text and err.location_host.endswith(host), text
    assert SECRET_QUERY not in text and "gAAAA" not in text, text


@pytest.mark.parametrize("status", STATUSES)
def test_get_service_call_is_not_redirected_elsewhere(env, status):
    fake, elsewhere, received = env
    cloud = normalizer.connect(**fake.connect_kwargs())
    assert cloud.list_keypairs() is not None  # authenticated: a token exists that could leak
    target = f"{elsewhere}/steal?{SECRET_QUERY}"
    fake.inject("GET", r"^/compute/v2\.1/flavors/detail$", status=status, headers={"Location": target})
    with pytest.raises(RedirectRefused) as info:
        cloud.list_flavors()
    assert_refused(info.value, status, target, received)


@pytest.mark.parametrize("status", STATUSES)
def test_post_service_call_is_not_redirected_elsewhere(env, status):
    fake, elsewhere, received = env
    cloud = normalizer.connect(**fake.connect_kwargs())
    target = f"{elsewhere}/steal"
    fake.inject("POST", r"^/compute/v2\.1/os-keypairs$", status=status, headers={"Location": target})
    with pytest.raises(RedirectRefused) as info:
        cloud._transport.request("compute", "POST", "/os-keypairs", json={"keypair": {"name": "k1"}})
    assert_refused(info.value, status, target, received)
    assert not any(k["name"] == "k1" for k in fake.keypairs)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("method,route,path", [
    ("POST", r"^/identity/v3/auth/tokens$", "/v3/auth/tokens"),  # would re-post the password
    ("GET", r"^/identity/?$", "/identity"),                     # version discovery, before any token
], ids=["token-request", "identity-discovery"])
def test_authentication_is_not_redirected_elsewhere(env, status, method, route, path):
    fake, elsewhere, received = env
    cloud = normalizer.connect(**fake.connect_kwargs())
    target = f"{elsewhere}{path}"
    fake.inject(method, route, status=status, headers={"Location": target})
    with pytest.raises(RedirectRefused) as info:
        cloud.list_flavors()
    assert_refused(info.value, status, target, received)
    assert fake.password not in str(info.value)
    assert any(r.method == method and re.search(route, r.path) for r in fake.requests), \
        "the redirected request was never made"


@pytest.mark.parametrize("status", (302, 307))
def test_caller_supplied_session_service_calls_are_guarded_too(env, status):
    fake, elsewhere, received = env
    auth = v3.Password(auth_url=fake.auth_url, username=fake.username, password=fake.password,
                       project_name=fake.project_name, user_domain_name=fake.user_domain_name,
                       project_domain_name=fake.project_domain_name)
    cloud = normalizer.connect(session=ksa_session.Session(auth=auth), region_name=fake.region_name,
                               profile=fake.profile)
    target = f"{elsewhere}/steal"
    fake.inject("GET", r"^/compute/v2\.1/flavors/detail$", status=status, headers={"Location": target})
    with pytest.raises(RedirectRefused) as info:
        cloud.list_flavors()
    assert_refused(info.value, status, target, received)


def test_another_scheme_on_the_same_host_and_port_is_refused(env):
    fake, _, received = env
    cloud = normalizer.connect(**fake.connect_kwargs())
    target = fake.base_url.replace("http://", "https://") + "/compute/v2.1/flavors/detail"
    fake.inject("GET", r"^/compute/v2\.1/flavors/detail$", status=302, headers={"Location": target})
    with pytest.raises(RedirectRefused) as info:
        cloud.list_flavors()
    assert info.value.location_host.startswith("https://127.0.0.1:")
    assert len(fake.calls("GET", "/compute/v2.1/flavors/detail")) == 1  # not retried, not followed


def test_another_port_on_the_same_host_is_refused_for_the_token_too(env):
    fake, elsewhere, received = env
    cloud = normalizer.connect(**fake.connect_kwargs())
    assert elsewhere.rsplit(":", 1)[0] == fake.base_url.rsplit(":", 1)[0]  # same host, other port
    fake.inject("POST", r"^/identity/v3/auth/tokens$", status=307,
                headers={"Location": f"{elsewhere}/identity/v3/auth/tokens"})
    with pytest.raises(RedirectRefused):
        cloud.list_keypairs()
    assert received == []


def test_same_origin_redirects_are_followed(env):
    fake, _, received = env
    cloud = normalizer.connect(**fake.connect_kwargs())
    fake.inject("POST", r"^/identity/v3/auth/tokens$", status=307,
                headers={"Location": f"{fake.auth_url}/v3/auth/tokens"})
    fake.inject("GET", r"^/compute/v2\.1/flavors/detail$", status=302,
                headers={"Location": "/compute/v2.1/flavors/detail"})  # relative: same origin
    flavors = cloud.list_flavors()
    assert {f.name for f in flavors} >= {"m1.small"}
    assert len(fake.calls("POST", "/identity/v3/auth/tokens")) == 2
    assert len(fake.calls("GET", "/compute/v2.1/flavors/detail")) == 2


def test_a_same_origin_redirect_loop_ends_in_a_typed_error(env):
    fake, _, _ = env
    cloud = normalizer.connect(**fake.connect_kwargs())
    cloud.list_keypairs()
    fake.inject("GET", r"^/compute/v2\.1/flavors/detail$", status=302, times=6,
                headers={"Location": "/compute/v2.1/flavors/detail"})
    with pytest.raises(normalizer.APIError) as info:
        cloud.list_flavors()
    assert "redirects" in str(info.value) and info.value.status_code == 302
    assert len(fake.calls("GET", "/compute/v2.1/flavors/detail")) == 6  # the request and 5 redirects
    assert cloud.list_flavors()  # every injected answer was used up: the cloud is fine again
