"""Serve a FakeCloud over real HTTP on 127.0.0.1, for code that does not use requests.

Used through :meth:`FakeCloud.serve`; it needs nothing beyond the standard library.
"""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Iterator
from typing import Any, Callable

__all__ = ["running"]

Answer = Callable[[str, str, dict, bytes], "tuple[int, dict, bytes]"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: with Nagle's algorithm each answer waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True
    server: Any

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            status, headers, payload = self.server.answer(self.command, self.path, dict(self.headers), body)
        except Exception as error:  # noqa: BLE001 - the client must get an answer or a dropped line
            if getattr(error, "fakecloud_injected", False):
                self.close_connection = True
                return
            # A bug in FakeCloud itself: say so loudly instead of hanging the client.
            status, headers = 500, {"Content-Type": "text/plain; charset=UTF-8"}
            payload = f"FakeCloud failed on {self.command} {self.path}: {error!r}".encode()
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet: FakeCloud records requests itself."""


@contextlib.contextmanager
def running(answer: Answer) -> Iterator[int]:
    """Run a threaded HTTP server on 127.0.0.1 with an ephemeral port; yields the port.

    >>> # with running(fake._answer) as port: ...
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.answer = answer  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="fakecloud-http", daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
