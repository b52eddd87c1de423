"""wait_for_ssh's check: an SSH banner within the timeout, not just an open TCP port.

Every socket here is a listener on 127.0.0.1 that this test starts; nothing else is contacted.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Iterator

import pytest

from normalizer.cloud import Cloud
from normalizer.provision.waiting import port_answers, ssh_banner_answers, ssh_banner_verdict

LOOPBACK = "127.0.0.1"


@contextlib.contextmanager
def listener(*chunks: bytes, close_after: bool = False, pause: float = 0.0) -> Iterator[int]:
    """A 127.0.0.1 server that sends ``chunks`` (``pause`` s apart) to each client, then stays silent.

    ``close_after`` closes the connection once the chunks are sent. Yields the port.
    """
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((LOOPBACK, 0))
    server.listen(8)
    server.settimeout(0.1)
    stop, held = threading.Event(), []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            held.append(connection)
            for chunk in chunks:
                with contextlib.suppress(OSError):
                    connection.sendall(chunk)
                time.sleep(pause)
            if close_after:
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        server.close()


def closed_port() -> int:
    """A 127.0.0.1 port nobody listens on (bound, then released)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind((LOOPBACK, 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def timed(call) -> tuple[bool, float]:
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


@pytest.mark.parametrize("banner", [b"SSH-2.0-OpenSSH_9.6\r\n", b"SSH-1.99-Cisco-1.25\r\n", b"SSH-2.0-dropbear\n"])
def test_an_ssh_banner_is_ready(banner):
    with listener(banner) as port:
        result, elapsed = timed(lambda: ssh_banner_answers(LOOPBACK, port, timeout=2.0))
    assert result is True and elapsed < 1.5


def test_a_banner_in_pieces_and_after_other_lines_is_ready():
    with listener(b"Welcome to the bastion\r\n", b"SSH-2.", b"0-OpenSSH_9.6\r\n", pause=0.05) as port:
        assert ssh_banner_answers(LOOPBACK, port, timeout=2.0) is True


def test_a_port_that_accepts_and_stays_silent_is_not_ready_within_the_timeout():
    # what a middlebox does for an address where no machine exists yet
    with listener() as port:
        result, elapsed = timed(lambda: ssh_banner_answers(LOOPBACK, port, timeout=0.4))
    assert result is False and 0.3 <= elapsed < 1.5


@pytest.mark.parametrize("close_after", [False, True])
def test_an_http_answer_is_not_ssh(close_after):
    with listener(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", close_after=close_after) as port:
        timeout = 3.0 if close_after else 0.5
        result, elapsed = timed(lambda: ssh_banner_answers(LOOPBACK, port, timeout=timeout))
    assert result is False and elapsed < 1.5
    if close_after:
        assert elapsed < 1.0  # a closed connection settles it without waiting for the timeout


def test_a_protocol_1_only_server_is_not_ready():
    with listener(b"SSH-1.5-ancient\r\n") as port:
        result, elapsed = timed(lambda: ssh_banner_answers(LOOPBACK, port, timeout=1.0))
    assert result is False and elapsed < 0.5


def test_at_most_256_bytes_are_read_before_giving_up():
    # a chatty service that never says SSH: the bounded read settles it long before the timeout
    with listener(b"x" * 4096) as port:
        result, elapsed = timed(lambda: ssh_banner_answers(LOOPBACK, port, timeout=5.0))
    assert result is False and elapsed < 1.0


def test_a_closed_port_is_not_ready():
    result, elapsed = timed(lambda: ssh_banner_answers(LOOPBACK, closed_port(), timeout=1.0))
    assert result is False and elapsed < 0.9


def test_port_answers_is_the_banner_check_and_the_default_of_create_server():
    with listener() as silent, listener(b"SSH-2.0-OpenSSH_9.6\r\n") as ssh:
        assert port_answers(LOOPBACK, silent, timeout=0.3) is False  # an open port alone is not enough
        assert port_answers(LOOPBACK, ssh, timeout=2.0) is True
    import inspect
    assert inspect.signature(Cloud).parameters["port_check"].default is port_answers


@pytest.mark.parametrize("received, closed, verdict", [
    (b"", False, None),
    (b"", True, False),
    (b"SSH-2.0-", False, True),
    (b"SSH-1.99-x", False, True),
    (b"SSH-2", False, None),          # could still become a banner
    (b"SSH-2", True, False),
    (b"SSH-1.5-old\n", False, False),
    (b"motd line\r\nSSH-2.0-x\r\n", False, True),
    (b"motd line\r\n", False, None),
    (b"HTTP/1.1 400", True, False),
    (b"y" * 256, False, False),
    (b"y" * 255 + b"\nSSH-2.0-x", False, False),  # the banner must come within the first 256 bytes
])
def test_banner_verdicts(received, closed, verdict):
    assert ssh_banner_verdict(received, closed=closed) is verdict
