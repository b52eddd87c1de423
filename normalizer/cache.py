"""Caching of raw API fetches with dogpile.cache.

Only raw fetches are cached (what a service returned), never normalized objects or
decisions, so a profile change applies without flushing anything.

Keys are explicit::

    normalizer:<cloud>:<region>:<project>:<kind>:<generation>:<call>:<sha224 of args>

so two clouds, regions or projects never share an entry, and arguments (which may
contain anything) never appear in a key. A write invalidates a *kind* by storing a new
generation token for it in the backend itself: every process sharing a memcached or
redis backend sees the invalidation, not only the one that wrote.

The backend is configured like openstacksdk's ``cache:`` section of clouds.yaml::

    cache:
      class: dogpile.cache.memory        # default: dogpile.cache.null (no caching)
      expiration_time: 60                # seconds, for kinds not listed below
      expiration:                        # per kind; openstacksdk spellings accepted
        server: 5                        #   (server, servers, compute.servers)
        flavor: 3600
      arguments: {}                      # passed to the dogpile backend

Freshness is judged by our own clock, not dogpile's (which always reads ``time.time``):
each entry carries the time it was fetched, taken from the ``clock`` the cache was given
(``time.time`` by default; a test passes ``FakeClock().time`` and never sleeps). The
clock is a wall clock because a shared backend compares stamps made by other processes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any, Callable, TypeVar

from dogpile.cache import make_region
from dogpile.cache.api import NO_VALUE

from normalizer.exceptions import ConfigError

__all__ = ["ResourceCache", "KINDS", "NULL_BACKEND"]

T = TypeVar("T")

NULL_BACKEND = "dogpile.cache.null"

#: Every kind a write can invalidate, with the service that owns it (for openstacksdk's
#: ``<service>.<kind>`` expiration keys).
KINDS: Mapping[str, str] = {
    "servers": "compute",
    "flavors": "compute",
    "keypairs": "compute",
    "images": "image",
    "networks": "network",
    "subnets": "network",
    "ports": "network",
    "routers": "network",
    "floating_ips": "network",
    "security_groups": "network",
    "port_forwardings": "network",
    "extensions": "network",
    "volumes": "block-storage",
    "volume_types": "block-storage",
}

_SINGULAR = {kind: kind[:-1] for kind in KINDS}
_SINGULAR["floating_ips"] = "floating_ip"


def _expirations(section: Mapping[str, Any]) -> dict[str, float]:
    """Map the openstacksdk ``expiration`` spellings onto our kinds."""
    raw = section.get("expiration") or section.get("expirations") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError("cache.expiration must be a mapping of resource to seconds")
    result: dict[str, float] = {}
    for kind, service in KINDS.items():
        for spelling in (kind, _SINGULAR[kind], f"{service}.{kind}", f"{service}.{_SINGULAR[kind]}"):
            if spelling in raw:
                result[kind] = _seconds(raw[spelling], f"cache.expiration.{spelling}")
    return result


def _seconds(value: Any, where: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be a number of seconds, not {value!r}") from None


class ResourceCache:
    """A dogpile region plus our key scheme and per-kind invalidation.

    :param section: the ``cache:`` section (openstacksdk shape); empty means no caching.
    :param namespace: called once, lazily, to get ``(cloud, region, project_id)``; it is
        lazy because the project id is only known after authenticating.
    :param clock: seconds since the epoch, like ``time.time`` (the default); entries
        older than their kind's expiration are fetched again.

    >>> from normalizer.testing import FakeClock
    >>> clock = FakeClock()
    >>> cache = ResourceCache({"class": "dogpile.cache.memory", "expiration_time": 60},
    ...                       namespace=lambda: ("mycloud", "RegionOne", "p1"), clock=clock.time)
    >>> cache.fetch("flavors", "list_flavors", {}, lambda: [{"id": "1"}])
    [{'id': '1'}]
    >>> clock.sleep(59); cache.fetch("flavors", "list_flavors", {}, lambda: [{"id": "2"}])
    [{'id': '1'}]
    >>> clock.sleep(1); cache.fetch("flavors", "list_flavors", {}, lambda: [{"id": "2"}])
    [{'id': '2'}]
    """

    def __init__(self, section: Mapping[str, Any] | None,
                 namespace: Callable[[], tuple[str, str | None, str | None]],
                 clock: Callable[[], float] = time.time) -> None:
        section = dict(section or {})
        self.clock = clock
        self.backend = str(section.get("class") or NULL_BACKEND)
        self.enabled = self.backend != NULL_BACKEND
        self._namespace_fn = namespace
        self._prefix: str | None = None
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._default = _seconds(section.get("expiration_time", 0), "cache.expiration_time")
        self._per_kind = _expirations(section)
        self._region = None
        if self.enabled:
            arguments = section.get("arguments") or {}
            if not isinstance(arguments, Mapping):
                raise ConfigError("cache.arguments must be a mapping")
            try:
                # No dogpile expiration: it would read time.time; fetch() judges freshness.
                self._region = make_region().configure(self.backend, arguments=dict(arguments))
            except Exception as exc:  # dogpile raises plain exceptions for unknown backends
                raise ConfigError(f"cache backend {self.backend!r} could not be configured: {exc}",
                                  hint="use a dogpile.cache backend name such as dogpile.cache.memory") from None

    def expiration(self, kind: str) -> float:
        """Seconds a fetch of ``kind`` stays fresh (0 means not cached).

        >>> ResourceCache({}, lambda: ("c", None, None)).expiration("servers")
        0.0
        """
        if not self.enabled:
            return 0.0
        return self._per_kind.get(kind, self._default)

    def fetch(self, kind: str, call: str, args: Mapping[str, Any], producer: Callable[[], T]) -> T:
        """Return the cached result of ``call(args)`` for ``kind``, or produce and store it."""
        ttl = self.expiration(kind)
        if ttl <= 0 or self._region is None:
            return producer()
        key = f"{self._kind_prefix(kind)}:{call}:{_digest(args)}"
        entry = self._fresh(self._region.get(key), ttl)
        if entry is None:
            with self._key_lock(key):  # one producer per key at a time (in this process)
                entry = self._fresh(self._region.get(key), ttl)
                if entry is None:
                    entry = {"at": self.clock(), "value": producer()}
                    self._region.set(key, entry)
        return entry["value"]

    def _fresh(self, entry: Any, ttl: float) -> Mapping[str, Any] | None:
        """The stored entry if it is ours and younger than ``ttl`` by our clock, else None."""
        if not isinstance(entry, Mapping) or "at" not in entry or "value" not in entry:
            return None  # NO_VALUE, or written by another version of this library
        age = self.clock() - entry["at"]
        return entry if 0 <= age < ttl else None  # a stamp from the future: the clocks disagree

    def _key_lock(self, key: str) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def invalidate(self, *kinds: str) -> None:
        """Forget every cached fetch of these kinds, in this and every process sharing the backend."""
        if self._region is None:
            return
        for kind in kinds:
            self._region.set(self._generation_key(kind), uuid.uuid4().hex)

    def _kind_prefix(self, kind: str) -> str:
        generation_key = self._generation_key(kind)
        # -1: generation tokens never expire; only a write replaces them.
        generation = self._region.get(generation_key, ignore_expiration=True)
        if generation is NO_VALUE:
            with self._lock:  # two first fetches must agree on one generation, or both produce
                generation = self._region.get(generation_key, ignore_expiration=True)
                if generation is NO_VALUE:
                    generation = uuid.uuid4().hex
                    self._region.set(generation_key, generation)
        return f"{self._namespace()}:{kind}:{generation}"

    def _generation_key(self, kind: str) -> str:
        return f"{self._namespace()}:{kind}:generation"

    def _namespace(self) -> str:
        if self._prefix is None:
            with self._lock:
                if self._prefix is None:
                    cloud, region, project = self._namespace_fn()
                    self._prefix = f"normalizer:{cloud}:{region or '-'}:{project or '-'}"
        return self._prefix


def _digest(args: Mapping[str, Any]) -> str:
    text = json.dumps(args, sort_keys=True, default=str)
    return hashlib.sha224(text.encode("utf-8")).hexdigest()
