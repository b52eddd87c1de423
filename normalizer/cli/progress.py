"""Progress on stderr while a command waits: the steps and the elapsed time, on a terminal only.

The provisioner logs each step at INFO to the ``normalizer.provision`` logger;
:class:`Progress` shows those lines with the time since the start, and keeps a live
"still waiting" line with a running clock. When the stream is not a terminal (a pipe, a
file, a CI log) it shows nothing at all.

>>> with Progress("creating web1", io.StringIO()):   # not a terminal: silent
...     pass
"""

from __future__ import annotations

import io  # noqa: F401  (the module example uses it)
import logging
import threading
import time
from typing import Callable, TextIO

__all__ = ["Progress", "is_terminal"]

_LOGGER = "normalizer.provision"
_CLEAR = "\r\x1b[K"


def is_terminal(stream: TextIO) -> bool:
    """Whether a stream is an interactive terminal (False for pipes, files and closed streams).

    >>> is_terminal(io.StringIO())
    False
    """
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class _StepHandler(logging.Handler):
    def __init__(self, on_step: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self._on_step = on_step

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._on_step(record.getMessage())
        except Exception:  # noqa: BLE001 - a progress line must never break the command
            self.handleError(record)


class Progress:
    """A context manager showing ``title``, each step with its elapsed time, and a live clock.

    :param enabled: None (default) shows progress when ``stream`` is a terminal.
    :param first: what the live line says until the first step is logged.
    :param interval: seconds between redraws of the live line.

    >>> with Progress("deleting web1", io.StringIO(), enabled=False) as progress:
    ...     progress.step("delete server")
    """

    def __init__(self, title: str, stream: TextIO, *, enabled: bool | None = None, first: str = "starting",
                 interval: float = 0.2, clock: Callable[[], float] = time.monotonic) -> None:
        self.title = title
        self.stream = stream
        self.enabled = is_terminal(stream) if enabled is None else enabled
        self.interval = interval
        self.clock = clock
        self.current = first
        self._start = 0.0
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._handler = _StepHandler(self.step)
        self._level = logging.NOTSET

    def _elapsed(self) -> str:
        return f"{self.clock() - self._start:5.1f}s"

    def _write(self, text: str) -> None:
        with self._lock:
            try:
                self.stream.write(text)
                self.stream.flush()
            except (OSError, ValueError):
                self.enabled = False

    def step(self, message: str) -> None:
        """Show that a step began (a line with the elapsed time); ignored when disabled.

        >>> Progress("x", io.StringIO(), enabled=False).step("boot")
        """
        if not self.enabled:
            return
        self.current = message
        self._write(f"{_CLEAR}[{self._elapsed()}] {message}\n")

    def _tick(self) -> None:
        while not self._done.wait(self.interval):
            if self.enabled:
                self._write(f"{_CLEAR}[{self._elapsed()}] {self.current} ...")

    def __enter__(self) -> "Progress":
        self._start = self.clock()
        if not self.enabled:
            return self
        logger = logging.getLogger(_LOGGER)
        self._level = logger.level
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        logger.addHandler(self._handler)
        self._write(f"[{self._elapsed()}] {self.title}\n")
        self._thread = threading.Thread(target=self._tick, name="openstack-normalizer-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._thread is None:
            return
        self._done.set()
        self._thread.join()
        logger = logging.getLogger(_LOGGER)
        logger.removeHandler(self._handler)
        logger.setLevel(self._level)
        outcome = "done" if exc_type is None else "failed"
        if self.enabled:
            self._write(f"{_CLEAR}[{self._elapsed()}] {self.title}: {outcome}\n")
