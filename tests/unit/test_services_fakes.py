"""Test doubles for the service tests (imported by the other test_services_* modules).

FakeTransport records every request and replays scripted answers; an unscripted
request fails the test. FakeCache is a dict-backed ResourceCache double that records
fetches, hits and invalidations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

import pytest

from normalizer import exceptions as exc

BASES = {
    "compute": "http://127.0.0.1:8774/v2.1",
    "network": "http://127.0.0.1:9696/v2.0",
    "image": "http://127.0.0.1:9292/v2",
    "identity": "http://127.0.0.1:5000/v3",
}
ROOTS = {
    "compute": "http://127.0.0.1:8774",
    "network": "http://127.0.0.1:9696",
    "image": "http://127.0.0.1:9292",
    "identity": "http://127.0.0.1:5000",
}
_ERRORS = {400: exc.BadRequest, 401: exc.AuthError, 403: exc.AuthError, 404: exc.NotFound,
           409: exc.Conflict, 500: exc.ServerError}


@dataclass(frozen=True)
class FakeReply:
    status_code: int
    headers: Mapping[str, str]
    body: Any
    request_id: str | None
    url: str


@dataclass
class Call:
    service: str
    method: str
    path: str
    params: dict | None
    json: Any
    microversion: str | None



@dataclass
class FakeTransport:
    """Scripted transport: ``add(service, method, path, body_or_callable, status=)``."""

    services: tuple = ("compute", "network", "image", "identity")
    compute_microversion: str | None = None
    bases: dict = field(default_factory=lambda: dict(BASES))
    roots: dict = field(default_factory=lambda: dict(ROOTS))
    calls: list = field(default_factory=list)
    routes: dict = field(default_factory=dict)

    def add(self, service: str, method: str, path: str, body: Any = None, *, status: int = 200) -> None:
        self.routes[(service, method, path)] = (body, status)

    def request(self, service, method, path, *, params=None, json=None, headers=None, microversion=None):
        if "://" in path:
            root = self.roots[service].rstrip("/")
            assert path.startswith(root + "/"), f"absolute URL {path} is not under {root}"
            assert "?" not in path, f"query left in the URL: {path}"
        call = Call(service, method, path, None if params is None else dict(params), json, microversion)
        self.calls.append(call)
        key = (service, method, path)
        if key not in self.routes:
            pytest.fail(f"unscripted request {method} {service} {path} params={params}")
        body, status = self.routes[key]
        if callable(body):
            body = body(call)
        url = path if "://" in path else self.bases[service] + path
        if status >= 400:
            raise _ERRORS.get(status, exc.APIError)(
                f"{method} {url} answered {status}", service=service, method=method,
                url=url, status_code=status)
        return FakeReply(status, {}, body, "req-1", url)

    def has_service(self, service: str) -> bool:
        return service in self.services

    def base_url(self, service: str) -> str:
        return self.bases[service]

    def root_url(self, service: str) -> str:
        return self.roots[service]

    def only_call(self) -> Call:
        assert len(self.calls) == 1, self.calls
        return self.calls[0]


class FakeCache:
    """Dict-backed cache double with the ResourceCache signature."""

    def __init__(self) -> None:
        self.entries: dict = {}
        self.fetches: list = []
        self.hits = 0
        self.invalidated: list = []

    def fetch(self, kind, call, args, producer):
        self.fetches.append((kind, call, dict(args)))
        key = (kind, call, json.dumps(args, sort_keys=True, default=str))
        if key in self.entries:
            self.hits += 1
            return self.entries[key]
        value = producer()
        self.entries[key] = value
        return value

    def invalidate(self, *kinds):
        self.invalidated.append(set(kinds))
        for key in [k for k in self.entries if k[0] in kinds]:
            del self.entries[key]

    @property
    def last_kinds(self) -> set:
        assert self.invalidated, "nothing was invalidated"
        return self.invalidated[-1]


# --- the doubles themselves must fail loudly, or every other test proves nothing ------


def test_unscripted_request_fails_the_test():
    transport = FakeTransport()
    with pytest.raises(pytest.fail.Exception):
        transport.request("compute", "GET", "/nowhere")


def test_error_status_raises_mapped_error():
    transport = FakeTransport()
    transport.add("compute", "GET", "/servers/x", status=404)
    with pytest.raises(exc.NotFound):
        transport.request("compute", "GET", "/servers/x")


def test_cache_double_serves_second_fetch_and_forgets_on_invalidate():
    cache = FakeCache()
    produced = []
    cache.fetch("servers", "c", {}, lambda: produced.append(1) or "v")
    assert cache.fetch("servers", "c", {}, lambda: produced.append(1) or "w") == "v"
    cache.invalidate("servers")
    assert cache.fetch("servers", "c", {}, lambda: "w") == "w"
    assert produced == [1] and cache.hits == 1
