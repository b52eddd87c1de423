"""A fake clock: time that moves only when something sleeps, so tests never wait.

Hand its methods to everything that reads or spends time::

    clock = FakeClock()
    cloud = Cloud.from_config(config, clock=clock.monotonic, sleep=clock.sleep)

``monotonic()`` replaces ``time.monotonic``, ``time()`` replaces ``time.time`` (the same
elapsed time on a wall-clock scale, for caches whose stamps are shared between
processes) and ``sleep(seconds)`` replaces ``time.sleep``: it returns at once, having
moved both forward. Every sleep is recorded in ``sleeps``; hooks appended to
``on_sleep`` run once, at the next sleep, after time has moved (a test uses them to
change the fake cloud "while" the code under test waits).

``channel()`` gives another sleep function on the same time line with its own record
and hooks, for code whose sleeps a test wants to tell apart (a waiter's polls from a
transport's retry back-offs). All of it is safe to call from several threads.

>>> clock = FakeClock()
>>> clock.monotonic()
1000.0
>>> clock.on_sleep.append(lambda: print("woke at", clock.monotonic()))
>>> clock.sleep(2.5)
woke at 1002.5
>>> clock.sleep(1)
>>> clock.sleeps, clock.monotonic(), clock.time() - clock.wall_start
([2.5, 1], 1003.5, 3.5)
"""

from __future__ import annotations

import threading
from typing import Callable, List

__all__ = ["FakeClock", "FakeSleep"]

#: Where ``FakeClock.time()`` starts: 2023-11-14T22:13:20Z (any fixed, plausible instant).
DEFAULT_WALL_START = 1_700_000_000.0


class FakeSleep:
    """One sleep function on a :class:`FakeClock`'s time line, with its own record and hooks.

    Call it (or its ``sleep`` method) like ``time.sleep``. ``sleeps`` lists the seconds
    asked for, in order; each hook in ``on_sleep`` runs once, at the next call, after
    the clock has moved, and is then dropped.

    >>> clock = FakeClock()
    >>> poll = clock.channel()
    >>> poll(5); clock.sleep(1)
    >>> poll.sleeps, clock.sleeps, clock.monotonic()
    ([5], [1], 1006.0)
    """

    def __init__(self, clock: "FakeClock") -> None:
        self.clock = clock
        self.sleeps: List[float] = []
        self.on_sleep: List[Callable[[], object]] = []

    def __call__(self, seconds: float) -> None:
        self.clock._sleep(self, seconds)

    def sleep(self, seconds: float) -> None:
        """The fake ``time.sleep``: move the clock, record, then run (and drop) the hooks.

        >>> waits = FakeClock(start=0.0).channel(); waits.sleep(1.5); waits.sleeps, waits.clock.monotonic()
        ([1.5], 1.5)
        """
        self.clock._sleep(self, seconds)


class FakeClock:
    """Time that moves only when :meth:`sleep` (or :meth:`advance`) is called.

    :param start: what :meth:`monotonic` returns before anything sleeps.
    :param wall_start: what :meth:`time` returns before anything sleeps.

    Like ``time.sleep``, a negative sleep raises ``ValueError``.

    >>> clock = FakeClock(start=0.0)
    >>> clock.advance(60)
    >>> clock.monotonic(), clock.sleeps
    (60.0, [])
    >>> clock.sleep(-1)
    Traceback (most recent call last):
      ...
    ValueError: sleep length must be non-negative
    """

    def __init__(self, start: float = 1000.0, *, wall_start: float = DEFAULT_WALL_START) -> None:
        self.start = float(start)
        self.wall_start = float(wall_start)
        self._elapsed = 0.0
        self._lock = threading.Lock()
        self._default = FakeSleep(self)

    # -- reading time ---------------------------------------------------------------------

    def monotonic(self) -> float:
        """The fake ``time.monotonic``.

        >>> FakeClock(start=5.0).monotonic()
        5.0
        """
        with self._lock:
            return self.start + self._elapsed

    def time(self) -> float:
        """The fake ``time.time``: seconds since the epoch, moving with :meth:`monotonic`.

        >>> clock = FakeClock(wall_start=1_700_000_000.0); clock.sleep(2); clock.time()
        1700000002.0
        """
        with self._lock:
            return self.wall_start + self._elapsed

    @property
    def now(self) -> float:
        """Same as :meth:`monotonic` (handy in assertions).

        >>> FakeClock(start=3.0).now
        3.0
        """
        return self.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds slept or advanced since the clock was made.

        >>> clock = FakeClock(); clock.sleep(1); clock.advance(2); clock.elapsed
        3.0
        """
        with self._lock:
            return self._elapsed

    # -- spending time --------------------------------------------------------------------

    @property
    def sleeps(self) -> List[float]:
        """Seconds asked of :meth:`sleep`, in order (not those of other channels).

        >>> clock = FakeClock(); clock.sleep(1); clock.channel().sleep(9); clock.sleeps
        [1]
        """
        return self._default.sleeps

    @property
    def on_sleep(self) -> List[Callable[[], object]]:
        """Hooks run once, at the next :meth:`sleep`, after time moved (not at other channels' sleeps).

        >>> clock = FakeClock(start=0.0); seen = []
        >>> clock.on_sleep.append(lambda: seen.append(clock.monotonic())); clock.sleep(4); clock.sleep(1); seen
        [4.0]
        """
        return self._default.on_sleep

    def sleep(self, seconds: float) -> None:
        """The fake ``time.sleep``: returns at once, ``seconds`` later.

        >>> clock = FakeClock(start=0.0); clock.sleep(30); clock.monotonic(), clock.sleeps
        (30.0, [30])
        """
        self._sleep(self._default, seconds)

    def channel(self) -> FakeSleep:
        """Another sleep function on this time line, with its own ``sleeps`` and ``on_sleep``.

        >>> clock = FakeClock(start=0.0); polls = clock.channel(); polls.sleep(2); clock.sleeps, polls.sleeps
        ([], [2])
        """
        return FakeSleep(self)

    def advance(self, seconds: float) -> None:
        """Move time forward without sleeping: nothing is recorded and no hook runs.

        >>> clock = FakeClock(start=0.0); clock.advance(10); clock.monotonic(), clock.sleeps
        (10.0, [])
        """
        seconds = _checked(seconds)
        with self._lock:
            self._elapsed += seconds

    def _sleep(self, channel: FakeSleep, seconds: float) -> None:
        seconds = _checked(seconds)
        with self._lock:
            self._elapsed += seconds
            channel.sleeps.append(seconds)
            hooks, channel.on_sleep[:] = list(channel.on_sleep), []
        for hook in hooks:
            hook()

    def __repr__(self) -> str:
        return f"<FakeClock monotonic={self.monotonic():g} elapsed={self.elapsed:g}>"


def _checked(seconds: float) -> float:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    return seconds
