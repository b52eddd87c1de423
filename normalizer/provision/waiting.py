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

__all__ = ["Backoff", "Waiter", "port_answers"]

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
            delay = min(delay * self.backoff.factor, self.backoff.maximum)


def port_answers(host: str, port: int = 22, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``timeout`` seconds.

    Used only when the caller asks ``create_server(..., wait_for_ssh=True)``; addresses
    are never chosen by probing.

    >>> port_answers("127.0.0.1", 9, timeout=0.2)  # discard port: normally closed
    False
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
