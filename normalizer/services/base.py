"""What every service class needs: the transport and cache it talks to, and envelopes.

The transport and cache are described here as small :class:`~typing.Protocol` classes
holding exactly what the services use, so this package depends on the *contracts* of
``normalizer.transport`` and ``normalizer.cache`` (see ``docs/architecture.md``), not on
their modules; tests pass simple doubles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Callable, Protocol, TypeVar
from urllib.parse import quote

from normalizer.exceptions import APIError, NotFound

__all__ = ["ReplyLike", "TransportLike", "CacheLike", "ServiceBase", "unwrap", "segment"]

T = TypeVar("T")


class ReplyLike(Protocol):
    """One successful HTTP answer, as ``transport.Reply`` gives it.

    >>> reply = transport.request("compute", "GET", "/flavors/1"); reply.body  # doctest: +SKIP
    """

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def body(self) -> Any: ...

    @property
    def request_id(self) -> str | None: ...

    @property
    def url(self) -> str: ...


class TransportLike(Protocol):
    """The part of ``transport.Transport`` the services use.

    ``paginate`` also uses ``clock()`` and ``deadline(at=...)`` when the transport has
    them (``transport.Transport`` does), to bound a whole walk in time; simple test
    doubles may leave them out.

    >>> transport.request("network", "GET", "/networks", params={"limit": 1})  # doctest: +SKIP
    """

    @property
    def compute_microversion(self) -> str | None: ...

    def request(self, service: str, method: str, path: str, *,
                params: Mapping[str, Any] | None = None, json: Any = None,
                headers: Mapping[str, str] | None = None,
                microversion: str | None = None) -> ReplyLike: ...

    def has_service(self, service: str) -> bool: ...

    def base_url(self, service: str) -> str: ...

    def root_url(self, service: str) -> str: ...


class CacheLike(Protocol):
    """The part of ``cache.ResourceCache`` the services use.

    >>> cache.fetch("flavors", "list_flavors", {}, producer); cache.invalidate("servers")  # doctest: +SKIP
    """

    def fetch(self, kind: str, call: str, args: Mapping[str, Any],
              producer: Callable[[], T]) -> T: ...

    def invalidate(self, *kinds: str) -> None: ...


def segment(value: Any) -> str:
    """Quote one path segment (ids, keypair names) so it can never change the path.

    >>> segment("my key/1")
    'my%20key%2F1'
    """
    return quote(str(value), safe="")


def unwrap(reply: ReplyLike, key: str | None, *, service: str, method: str) -> Any:
    """Return ``reply.body[key]`` (or the whole body when ``key`` is None).

    A 2xx answer without the expected envelope (an HTML page from a proxy, a
    truncated body) raises :class:`APIError` instead of a ``KeyError``.

    >>> unwrap(reply, "server", service="compute", method="GET") -> dict  # doctest: +SKIP
    """
    body = reply.body
    if key is None:
        if isinstance(body, dict):
            return body
    elif isinstance(body, dict) and key in body:
        return body[key]
    expected = f"a {key!r} object" if key else "a JSON object"
    raise APIError(
        f"{service} answered {method} {reply.url} without {expected}",
        hint="the endpoint may not be the OpenStack API it claims to be; check the catalog or the profile's endpoint override",
        service=service, method=method, url=reply.url, status_code=reply.status_code,
        request_id=reply.request_id)


class ServiceBase:
    """Holds the transport and cache and the few request shapes every service repeats.

    Subclasses set :attr:`service` (``"compute"``, ``"network"``, ...).

    >>> class ComputeService(ServiceBase): service = "compute"  # doctest: +SKIP
    """

    service: str = ""

    def __init__(self, transport: TransportLike, cache: CacheLike) -> None:
        self.transport = transport
        self.cache = cache

    def _call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
              json: Any = None, microversion: str | None = None,
              headers: Mapping[str, str] | None = None) -> ReplyLike:
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = dict(params)
        if json is not None:
            kwargs["json"] = json
        if microversion is not None:
            kwargs["microversion"] = microversion
        if headers:
            kwargs["headers"] = dict(headers)
        return self.transport.request(self.service, method, path, **kwargs)

    def _read(self, kind: str, call: str, args: Mapping[str, Any], producer: Callable[[], T], *,
              fresh: bool = False) -> T:
        # A fresh read (polling a build, a port that must appear) bypasses the cache: a
        # cached answer would make the poll wait for nothing.
        return producer() if fresh else self.cache.fetch(kind, call, args, producer)

    def _get(self, kind: str, call: str, path: str, key: str | None, *,
             args: Mapping[str, Any], fresh: bool = False) -> Any:
        """GET one record through the cache (or not, when ``fresh``); None on 404."""
        def produce() -> Any:
            reply = self._call("GET", path)
            return unwrap(reply, key, service=self.service, method="GET")
        # The 404 is caught outside the cache on purpose: an absence is never cached, so
        # a record created meanwhile (by another process) is seen on the next call.
        try:
            return self._read(kind, call, args, produce, fresh=fresh)
        except NotFound:
            return None

    def _send(self, method: str, path: str, kinds: Iterable[str], *, json: Any = None,
              microversion: str | None = None, headers: Mapping[str, str] | None = None) -> ReplyLike:
        """Send a write and return its reply, invalidating ``kinds`` whatever happens.

        The kinds are invalidated even when the write fails: a timeout or a 5xx can
        still have changed the cloud, and a stale cache is worse than a refetch.
        """
        try:
            return self._call(method, path, json=json, microversion=microversion, headers=headers)
        finally:
            self.cache.invalidate(*kinds)

    def _write(self, method: str, path: str, kinds: Iterable[str], *, key: str | None,
               json: Any = None, microversion: str | None = None,
               headers: Mapping[str, str] | None = None) -> Any:
        """Send a write and return its body unwrapped from ``key`` (a JSON object when None)."""
        reply = self._send(method, path, kinds, json=json, microversion=microversion, headers=headers)
        return unwrap(reply, key, service=self.service, method=method)

    def _delete(self, path: str, kinds: Iterable[str], *, microversion: str | None = None) -> bool:
        """DELETE; True when the cloud accepted it, False when it was already gone."""
        try:
            self._send("DELETE", path, kinds, microversion=microversion)
        except NotFound:
            return False
        return True
