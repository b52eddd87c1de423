"""Deadlines are deadlines: api_timeout bounds a whole call, Transport.deadline() every call in a block.

Fake-clock tests check the arithmetic (timeouts sent, retries not made, nothing sent
after the deadline); one real-socket test checks an endpoint that drips its body one
byte every 0.5 s cannot hold a call much past api_timeout.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
import requests_mock
from keystoneauth1 import session as ksa_session

from normalizer import exceptions as exc
from normalizer.transport import Transport
from tests.transport_settings import transport_settings

BASE = "http://127.0.0.1:8799"
IMAGES = f"{BASE}/image/v2/images"


class FakeClock:
    """A clock that moves only when the transport sleeps."""

    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make(clock: FakeClock | None = None, **options) -> tuple[Transport, FakeClock]:
    clock = clock or FakeClock()
    options.setdefault("endpoint_overrides", {"image": f"{BASE}/image"})
    transport = Transport(ksa_session.Session(), transport_settings(**options), clock=clock.clock, sleep=clock.sleep)
    return transport, clock


@pytest.fixture
def mock():
    with requests_mock.Mocker() as m:
        yield m


def test_a_passed_deadline_sends_nothing(mock):
    route = mock.get(IMAGES, json={"images": []})
    transport, clock = make()
    with transport.deadline(at=clock.now - 1), pytest.raises(exc.RequestTimeout) as info:
        transport.request("image", "GET", "/images")
    assert route.call_count == 0
    assert "before the request was sent" in str(info.value)


def test_each_request_gets_what_is_left_of_the_deadline(mock):
    route = mock.get(IMAGES, json={"images": []})
    transport, clock = make(timeout=60)
    with transport.deadline(at=clock.now + 5):
        transport.request("image", "GET", "/images")
    assert route.last_request.timeout == 5
    transport.request("image", "GET", "/images")  # outside the block: api_timeout again
    assert route.last_request.timeout == 60


def test_deadlines_nest_and_the_earliest_wins(mock):
    route = mock.get(IMAGES, json={"images": []})
    transport, clock = make(timeout=60)
    with transport.deadline(at=clock.now + 20):
        with transport.deadline(at=clock.now + 50):
            transport.request("image", "GET", "/images")
            assert route.last_request.timeout == 20
        with transport.deadline(at=clock.now + 3):
            transport.request("image", "GET", "/images")
            assert route.last_request.timeout == 3
        transport.request("image", "GET", "/images")
        assert route.last_request.timeout == 20


def test_retry_sleeps_never_pass_the_deadline(mock):
    route = mock.get(IMAGES, status_code=503, headers={"Retry-After": "3"}, json={})
    transport, clock = make(timeout=60, status_retries=10)
    with transport.deadline(at=clock.now + 7), pytest.raises(exc.ServerError):
        transport.request("image", "GET", "/images")
    assert clock.sleeps == [3.0, 3.0]  # a third sleep would end at +9, past the deadline
    assert route.call_count == 3
    assert clock.now <= 1007


def test_api_timeout_bounds_the_retries_of_one_call(mock):
    route = mock.get(IMAGES, status_code=429, headers={"Retry-After": "4"}, json={})
    transport, clock = make(timeout=10, status_retries=10)
    with pytest.raises(exc.RateLimited):
        transport.request("image", "GET", "/images")
    assert clock.sleeps == [4.0, 4.0] and route.call_count == 3
    assert route.request_history[1].timeout == 6 and route.request_history[2].timeout == 2


def test_connect_failure_back_off_respects_the_deadline(mock):
    route = mock.get(IMAGES, exc=requests.exceptions.ConnectionError("refused"))
    transport, clock = make(timeout=60, connect_retries=5)
    with transport.deadline(at=clock.now + 1.2), pytest.raises(exc.ConnectionFailed):
        transport.request("image", "GET", "/images")
    assert clock.sleeps == [0.5]  # the next back-off (1 s) would end past the deadline
    assert route.call_count == 2


def test_a_deadline_is_per_thread(mock):
    route = mock.get(IMAGES, json={"images": []})
    transport, clock = make(timeout=60)
    seen = []

    def other():
        transport.request("image", "GET", "/images")
        seen.append(route.last_request.timeout)

    with transport.deadline(at=clock.now - 1):
        worker = threading.Thread(target=other)
        worker.start()
        worker.join(10)
        with pytest.raises(exc.RequestTimeout):
            transport.request("image", "GET", "/images")
    assert seen == [60]


def test_microversion_negotiation_spends_the_same_budget(mock):
    compute = f"{BASE}/compute/v2.1"
    mock.get(compute, [{"status_code": 503, "headers": {"Retry-After": "4"}, "json": {}},
                       {"json": {"version": {"version": "2.60", "min_version": "2.1"}}}])
    route = mock.get(f"{compute}/flavors/detail", json={"flavors": []})
    transport, clock = make(timeout=10, endpoint_overrides={"compute": compute})
    transport.request("compute", "GET", "/flavors/detail")
    assert clock.sleeps == [4.0]
    assert route.last_request.timeout == 6  # 10 s for the call, 4 of them slept in negotiation
    assert route.last_request.headers["OpenStack-API-Version"] == "compute 2.60"


# --- a real endpoint that drips its body -------------------------------------------------------


def _drip_server(stop: threading.Event) -> tuple[socket.socket, threading.Thread]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.1)

    def serve():
        connections = []
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            connections.append(conn)
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n")
                while not stop.wait(0.5):
                    conn.sendall(b" ")
            except OSError:
                pass  # the client gave up and shut the connection: what the test wants
        for conn in connections:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


def test_an_endpoint_that_drips_its_body_cannot_hold_a_call():
    stop = threading.Event()
    listener, thread = _drip_server(stop)
    port = listener.getsockname()[1]
    try:
        transport = Transport(ksa_session.Session(), transport_settings(
            timeout=2, connect_retries=0, endpoint_overrides={"image": f"http://127.0.0.1:{port}/image"}))
        started = time.monotonic()
        with pytest.raises(exc.RequestTimeout) as info:
            transport.request("image", "GET", "/images")
        elapsed = time.monotonic() - started
        assert elapsed < 2 + 2, f"held for {elapsed:.1f} s with api_timeout=2"
        assert "/image/v2/images" in str(info.value)
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _header_drip_server(stop: threading.Event, closed: threading.Event) -> tuple[socket.socket, threading.Thread]:
    """Answers a status line, then one header byte every 0.2 s; sets ``closed`` when the client hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(5)

    def serve():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not stop.wait(0.2):
                    conn.sendall(b"a")
            except OSError:
                closed.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


def test_an_endpoint_that_drips_its_headers_is_cut_off_and_hung_up_on():
    from normalizer.transport import make_session  # the session normalizer builds tracks its sockets

    stop, closed = threading.Event(), threading.Event()
    listener, thread = _header_drip_server(stop, closed)
    port = listener.getsockname()[1]
    try:
        transport = Transport(make_session(None), transport_settings(
            timeout=1, connect_retries=0, endpoint_overrides={"image": f"http://127.0.0.1:{port}/image"}))
        with pytest.raises(exc.RequestTimeout):
            transport.request("image", "GET", "/images")
        # the abandoned exchange did not linger: its socket was shut down, the server noticed
        assert closed.wait(5), "the connection stayed open after the deadline"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_deadline_none_adds_no_bound(mock):
    route = mock.get(IMAGES, json={"images": []})
    transport, clock = make(timeout=60)
    with transport.deadline(at=clock.now + 9):
        with transport.deadline(at=None):
            transport.request("image", "GET", "/images")
    assert route.last_request.timeout == 9
    with transport.deadline(at=None):
        transport.request("image", "GET", "/images")
    assert route.last_request.timeout == 60
