"""The one place that walks paginated OpenStack collections.

Three styles exist in the services we use:

* Nova and Neutron: ``{"<key>": [...], "<key>_links": [{"rel": "next", "href": URL}]}``
  where URL is absolute (``https://.../v2.1/servers/detail?marker=...``).
* Glance: ``{"<key>": [...], "next": "/v2/images?marker=..."}`` where the path is relative
  to the *unversioned* image endpoint (``transport.root_url("image")``).
* No pagination at all (Keystone, small Nova collections): one page, no next link.

A next link carries the query of the next page (marker, limit and the original filters).
The request for it sends the link's path with the merged query as ``params`` so no
parameter is ever sent twice and a filter a server forgot to echo is still applied.

A walk is bounded in pages (:data:`MAX_PAGES`) and in time (:data:`MAX_WALK_SECONDS`, on
the transport's clock and within any deadline the caller set), and a record a cloud
repeats on a later page (same ``id``; same ``name`` for keypairs, which have no id) is
returned once.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from normalizer.exceptions import APIError, RequestTimeout
from normalizer.services.base import TransportLike, unwrap

__all__ = ["paginate", "MAX_PAGES", "MAX_WALK_SECONDS"]

LOG = logging.getLogger(__name__)

#: A walk stops after this many pages even if the cloud keeps offering more.
MAX_PAGES = 10_000
#: A walk gives up (RequestTimeout) after this many seconds: a cloud that keeps offering
#: slow pages must not hold a listing for hours. Every page request also gets at most
#: what is left of it.
MAX_WALK_SECONDS = 600.0


def paginate(transport: TransportLike, service: str, path: str, *, key: str,
             params: Mapping[str, Any] | None = None, page_size: int | None = None) -> list[dict]:
    """GET ``path`` and every following page; return all items of ``key`` in order.

    Stops when a page has no next link or is empty. A next link that was already
    visited ends the walk (a cloud that links a page to itself or back would otherwise
    loop forever), as does :data:`MAX_PAGES`. A walk longer than
    :data:`MAX_WALK_SECONDS` raises RequestTimeout: a partial listing would look
    complete. Records repeated on later pages are dropped (one warning per walk).

    >>> paginate(transport, "image", "/images", key="images", page_size=100)  # doctest: +SKIP
    """
    query: dict[str, Any] = dict(params or {})
    if page_size is not None:
        query["limit"] = page_size
    target = path
    seen = {_visit_key(transport.base_url(service).rstrip("/") + path, query)}
    items: list[dict] = []
    unique = _Unique(service, path)
    clock = _clock_of(transport)
    ends = clock() + MAX_WALK_SECONDS
    with _deadline(transport, ends):
        for _ in range(MAX_PAGES):
            if clock() >= ends:
                raise RequestTimeout(f"{service} GET {path}: listing not complete after {MAX_WALK_SECONDS:.0f} s "
                                     f"({len(items)} records read)", hint="filter the listing or retry later",
                                     service=service, method="GET", url=path)
            reply = transport.request(service, "GET", target, params=dict(query) if query else None)
            page = _page(reply, service, key)
            if not page:
                break
            items.extend(unique.new(page))
            link = _next_link(reply.body, key)
            if link is None:
                break
            target, query = _follow(transport, service, path, query, link)
            visit = _visit_key(target if "://" in target else transport.base_url(service).rstrip("/") + target, query)
            if visit in seen:
                LOG.warning("%s pagination of %s links back to a page already read; stopping", service, path)
                break
            seen.add(visit)
        else:
            LOG.warning("%s pagination of %s stopped after %d pages", service, path, MAX_PAGES)
    return items


def _page(reply: Any, service: str, key: str) -> list:
    page = unwrap(reply, key, service=service, method="GET")
    if not isinstance(page, list):
        raise APIError(f"{service} answered GET {reply.url} with a {key!r} that is not a list",
                       hint="the endpoint may not be the OpenStack API it claims to be",
                       service=service, method="GET", url=reply.url,
                       status_code=reply.status_code, request_id=reply.request_id)
    return page


class _Unique:
    """Drops records already returned by an earlier page of the same walk.

    Clouds that paginate on a changing collection (a record created or sorted between
    two page requests) return it twice; callers would count or delete it twice.
    """

    def __init__(self, service: str, path: str) -> None:
        self._seen: set[tuple[str, Any]] = set()
        self._where = (service, path)
        self._warned = False

    def new(self, page: list) -> list:
        fresh = []
        keys_on_page: set[tuple[str, Any]] = set()
        for record in page:
            identity = _identity(record)
            if identity is not None and identity in self._seen:
                if not self._warned:
                    LOG.warning("%s pagination of %s repeated a record of an earlier page (%s %r); "
                                "returning it once", *self._where, *identity)
                    self._warned = True
                continue
            if identity is not None:
                keys_on_page.add(identity)
            fresh.append(record)
        # repeats are looked for across pages only: one page is one consistent answer
        self._seen |= keys_on_page
        return fresh


def _identity(record: Any) -> tuple[str, Any] | None:
    """``("id", value)``, or ``("name", value)`` for records without an id (keypairs); None if neither."""
    if isinstance(record, Mapping) and len(record) == 1:
        inner = next(iter(record.values()))
        if isinstance(inner, Mapping):
            record = inner  # Nova keypairs: [{"keypair": {...}}]
    if not isinstance(record, Mapping):
        return None
    for field in ("id", "name"):
        value = record.get(field)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
            return field, value
    return None


def _clock_of(transport: TransportLike) -> Callable[[], float]:
    clock = getattr(transport, "clock", None)
    return clock if callable(clock) else time.monotonic


def _deadline(transport: TransportLike, at: float) -> contextlib.AbstractContextManager:
    # every page request gets at most what is left of the walk (test doubles may not offer it)
    deadline = getattr(transport, "deadline", None)
    return deadline(at=at) if callable(deadline) else contextlib.nullcontext()


def _next_link(body: Mapping[str, Any], key: str) -> str | None:
    """The next page's link in either style, or None."""
    links = body.get(f"{key}_links")
    if isinstance(links, list):
        for link in links:
            if isinstance(link, Mapping) and link.get("rel") == "next":
                href = link.get("href")
                if isinstance(href, str) and href:
                    return href
    glance_next = body.get("next")
    if isinstance(glance_next, str) and glance_next:
        return glance_next
    return None


def _follow(transport: TransportLike, service: str, path: str, query: Mapping[str, Any],
            link: str) -> tuple[str, dict[str, Any]]:
    """Turn a next link into ``(target, params)`` for ``transport.request``."""
    parts = urlsplit(link)
    merged = dict(query)
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        merged[name] = values[0] if len(values) == 1 else values
    root = transport.root_url(service).rstrip("/")
    if parts.scheme and parts.netloc:
        absolute = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        if _is_under(absolute, root):
            return absolute, merged
        # Nova and Neutron build links from their own idea of their URL; behind a proxy
        # that is often an internal host or http instead of https. The next page is the
        # same collection, so the original path with the link's query is equivalent.
        LOG.debug("%s next link %s is not under %s; using %s", service, absolute, root, path)
        return path, merged
    if not parts.path:
        return path, merged  # a bare "?marker=..." continues the same collection
    # Glance: "/v2/images?marker=..." is relative to the unversioned endpoint.
    return f"{root}/{parts.path.lstrip('/')}", merged


def _is_under(url: str, root: str) -> bool:
    a, b = urlsplit(url), urlsplit(root)
    if (a.scheme.lower(), a.netloc.lower()) != (b.scheme.lower(), b.netloc.lower()):
        return False
    prefix = b.path.rstrip("/")
    return a.path == prefix or a.path.startswith(prefix + "/")


def _visit_key(url: str, query: Mapping[str, Any]) -> str:
    pairs = sorted((str(k), str(v)) for k, v in query.items())
    return f"{url}?{urlencode(pairs)}"
