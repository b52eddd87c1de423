"""Bounded waiting with back-off, on an injectable clock and sleeper.

Every wait in provisioning goes through :class:`Waiter`, so tests drive time with a fake
clock and never sleep, and no wait can outlive its timeout.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

from normalizer.exceptions import WaitTimeout

__all__ = ["Backoff", "SSH_VERSION_PREFIXES", "Waiter", "port_answers", "ssh_banner_answers", "ssh_banner_verdict"]

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Polling intervals: ``first`` seconds, times ``factor`` after each poll, at most ``maximum``.

    >>> Backoff().delays(4)
    [1.0, 1.5, 2.25, 3.375]
    """

    first: float = 1.0
    factor: float = 1.5
    maximum: float = 10.0

    def delays(self, count: int) -> list[float]:
        """The first ``count`` intervals (for documentation and tests)."""
        out, delay = [], self.first
        for _ in range(count):
            out.append(delay)
            delay = min(delay * self.factor, self.maximum)
        return out


class Waiter:
    """Poll until a probe answers, or raise :class:`~normalizer.exceptions.WaitTimeout`.

    >>> ticks = iter(range(100))
    >>> waiter = Waiter(clock=lambda: next(ticks), sleep=lambda s: None)
    >>> answers = iter([None, None, "ready"])
    >>> waiter.until(lambda: next(answers), timeout=10, what="the server to be ACTIVE")
    'ready'
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 backoff: Backoff = Backoff()) -> None:
        self.clock = clock
        self.sleep = sleep
        self.backoff = backoff

    def until(self, probe: Callable[[], T | None], *, timeout: float, what: str) -> T:
        """Call ``probe`` until it returns something other than None; at most ``timeout`` seconds.

        The probe may raise to stop the wait (a server that went ERROR does not get better).
        """
        deadline = self.clock() + timeout
        delay = self.backoff.first
        while True:
            result = probe()
            if result is not None:
                return result
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise WaitTimeout(f"gave up waiting for {what} after {timeout:g} s",
                                  hint="raise timeout=, or look at the resource on the cloud", timeout=timeout)
            self.sleep(min(delay, remaining))
            if self.clock() >= deadline:
                # A poll at the deadline could not be answered within it: say the wait ran out.
                raise WaitTimeout(f"gave up waiting for {what} after {timeout:g} s",
                                  hint="raise timeout=, or look at the resource on the cloud", timeout=timeout)
            delay = min(delay * self.backoff.factor, self.backoff.maximum)


#: How an SSH server's identification line starts (RFC 4253 section 4.2); "SSH-1.99-" is a
#: server that also speaks protocol 1 and accepts version 2 clients (section 5.1).
SSH_VERSION_PREFIXES = (b"SSH-2.0-", b"SSH-1.99-")
#: RFC 4253 allows 255 bytes for the identification line; reading more cannot make it one.
_BANNER_LIMIT = 256


def ssh_banner_verdict(received: bytes, *, closed: bool = False) -> bool | None:
    """Whether these first bytes from a server are an SSH banner: True, False, or None (read on).

    Pure. RFC 4253 lets a server send other lines before its identification line, so a
    line that is not the banner only settles the answer once the connection is closed or
    ``_BANNER_LIMIT`` bytes have come; a line that starts like the banner settles it
    at once, even before its end of line arrives.

    >>> ssh_banner_verdict(b"SSH-2.0-OpenSSH_9.6\\r\\n"), ssh_banner_verdict(b"SSH-2.0-Open")
    (True, True)
    >>> ssh_banner_verdict(b"HTTP/1.1 400 Bad Request\\r\\n"), ssh_banner_verdict(b"HTTP/1.1 400", closed=True)
    (None, False)
    >>> ssh_banner_verdict(b"SSH-1.5-old\\n")
    False
    """
    for line in received[:_BANNER_LIMIT].split(b"\n"):
        if line.startswith(SSH_VERSION_PREFIXES):
            return True
        if line.startswith(b"SSH-") and len(line) >= max(map(len, SSH_VERSION_PREFIXES)):
            return False  # the identification line of a protocol-1-only server
    return False if closed or len(received) >= _BANNER_LIMIT else None


def ssh_banner_answers(host: str, port: int = 22, timeout: float = 3.0, *,
                       clock: Callable[[], float] = time.monotonic) -> bool:
    """Whether ``host:port`` sends an SSH banner within ``timeout`` seconds (connect included).

    An open TCP port is not enough: a middlebox or a load balancer can accept connections
    for an address where no machine exists yet, and port 22 may be another service. At
    most 256 bytes are read; silence, anything else (an HTTP answer) or a refused
    connection is "not ready".

    >>> ssh_banner_answers("127.0.0.1", 9, timeout=0.2)  # discard port: normally closed
    False
    """
    deadline = clock() + timeout
    received = b""
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            while True:
                remaining = deadline - clock()
                if remaining <= 0:
                    return False
                connection.settimeout(remaining)
                chunk = connection.recv(_BANNER_LIMIT - len(received))
                received += chunk
                verdict = ssh_banner_verdict(received, closed=not chunk)
                if verdict is not None:
                    return verdict
    except OSError:  # refused, unreachable, reset, or the read timed out
        return False


def port_answers(host: str, port: int = 22, timeout: float = 3.0) -> bool:
    """Whether an SSH server answers on ``host:port``: the default check of ``wait_for_ssh``.

    It waits for the SSH banner (:func:`ssh_banner_answers`), not just an open TCP port.
    Used only when the caller asks ``create_server(..., wait_for_ssh=True)``; addresses
    are never chosen by probing. ``Cloud(port_check=...)`` replaces it (same signature).

    >>> port_answers("127.0.0.1", 9, timeout=0.2)  # discard port: normally closed
    False
    """
    return ssh_banner_answers(host, port, timeout)
