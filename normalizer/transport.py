"""HTTP to OpenStack: one keystoneauth1 Session, one endpoint per service.

keystoneauth1 owns authentication, the catalog and TLS. This module adds what every
call needs and keystoneauth does not do the way clouds need it:

* endpoint resolution per service (catalog or a profile's endpoint override), with the
  API version segment added when the catalog leaves it out;
* Nova microversion negotiation, once, capped by the profile;
* bounded retries: 429 and 503 (and Nova's 413 over-limit) honour ``Retry-After`` with
  capped exponential back-off; connection failures are retried only for idempotent
  methods, because a POST that may have reached the cloud must not be sent twice;
* a client-side rate limit per service;
* a timeout on every call;
* one DEBUG line per call on the ``normalizer.http`` logger: method, path, status,
  time and request id. Headers and bodies are never logged, so tokens, passwords and
  application-credential secrets cannot reach a log.

Errors are mapped by :mod:`normalizer.error_mapping`, nowhere else.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

import requests
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session

from normalizer import error_mapping
from normalizer._version import __version__
from normalizer.exceptions import EndpointNotFound, NormalizerError

__all__ = ["Transport", "Reply", "TransportOptions", "compare_microversions"]

LOG = logging.getLogger("normalizer.http")

#: The API version each service's paths are written against.
API_VERSIONS: Mapping[str, str] = {"identity": "v3", "compute": "v2.1", "network": "v2.0", "image": "v2"}
#: The highest Nova microversion whose response shapes normalizer understands.
MAX_COMPUTE_MICROVERSION = "2.96"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

_VERSION_TAIL = re.compile(r"/v\d+(?:\.\d+)?(?:/[^/]+)?$")
_VERSION_SEGMENT = re.compile(r"/v\d+(?:\.\d+)?$")


def compare_microversions(left: str, right: str) -> int:
    """Compare two "X.Y" microversions numerically: -1, 0 or 1.

    >>> compare_microversions("2.61", "2.9")
    1
    """
    a = tuple(int(p) for p in str(left).split("."))
    b = tuple(int(p) for p in str(right).split("."))
    return (a > b) - (a < b)


@dataclass(frozen=True)
class Reply:
    """A successful HTTP answer: status, headers, parsed JSON body (or None), request id."""

    status_code: int
    headers: Mapping[str, str]
    body: Any
    request_id: str | None
    url: str


@dataclass(frozen=True)
class TransportOptions:
    """The transport settings a profile can change (see ``transport:`` in docs/profiles.md)."""

    timeout: float = 60.0
    connect_retries: int = 2
    status_retries: int = 4
    retry_statuses: tuple[int, ...] = (429, 503)
    max_retry_delay: float = 30.0
    rate_limit: Mapping[str, float] = field(default_factory=dict)
    microversions: Mapping[str, str] = field(default_factory=dict)
    endpoint_overrides: Mapping[str, str] = field(default_factory=dict)
    disabled_services: tuple[str, ...] = ()
    interface: str = "public"
    region_name: str | None = None


class _RateLimiter:
    """Spaces calls to one service at least ``1/rate`` seconds apart."""

    def __init__(self, rate: float, clock: Callable[[], float], sleep: Callable[[float], None]):
        self._interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            self._sleep(start - now)


class Transport:
    """Authenticated HTTP to one cloud region, per service.

    :param session: a keystoneauth1 Session (its auth plugin supplies token and catalog).
    :param options: :class:`TransportOptions` from the effective profile.
    :param clock: monotonic clock, injectable for tests.
    :param sleep: sleeper, injectable so tests never wait.

    >>> transport = Transport(session, TransportOptions(region_name="RegionOne"))  # doctest: +SKIP
    >>> transport.request("compute", "GET", "/flavors/detail").body["flavors"]     # doctest: +SKIP
    """

    def __init__(self, session: ksa_session.Session, options: TransportOptions | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = session
        self.options = options or TransportOptions()
        self._clock, self._sleep = clock, sleep
        self._endpoints: dict[str, str | None] = {}
        self._lock = threading.RLock()
        self._microversion: str | None | bool = False  # False: not negotiated yet
        self._project: dict[str, Any] | None = None
        self._limiters = {name: _RateLimiter(rate, clock, sleep)
                          for name, rate in self.options.rate_limit.items() if rate and rate > 0}

    def __repr__(self) -> str:
        return f"<Transport region={self.options.region_name!r} interface={self.options.interface!r}>"

    # --- identity and endpoints -------------------------------------------------------

    def authenticate(self) -> Mapping[str, Any]:
        """Fetch (or reuse) the token and return the project it is scoped to.

        >>> transport.authenticate()["id"]  # doctest: +SKIP
        '8d3ba...'
        """
        with self._lock:
            if self._project is None:
                access = self._call_auth(lambda: self.session.auth.get_access(self.session))
                self._project = {
                    "id": getattr(access, "project_id", None),
                    "name": getattr(access, "project_name", None),
                    "domain_id": getattr(access, "project_domain_id", None),
                }
            return self._project

    @property
    def project(self) -> Mapping[str, Any]:
        """The project of the token: ``{"id", "name", "domain_id"}`` (all None without auth)."""
        if getattr(self.session, "auth", None) is None:
            return {"id": None, "name": None, "domain_id": None}
        return self.authenticate()

    def has_service(self, service: str) -> bool:
        """True when the service is in the catalog (or overridden) and not disabled by the profile."""
        if service in self.options.disabled_services:
            return False
        return self._endpoint(service) is not None

    def root_url(self, service: str) -> str:
        """The service's endpoint without its version segment (e.g. ``.../image``)."""
        base = self.base_url(service)
        return _VERSION_TAIL.sub("", base) if service == "compute" else _VERSION_SEGMENT.sub("", base)

    def base_url(self, service: str) -> str:
        """The versioned root that service paths are relative to (e.g. ``.../v2.0``)."""
        endpoint = self._endpoint(service) if service not in self.options.disabled_services else None
        if endpoint is None:
            raise EndpointNotFound(
                f"the service catalog has no {service} endpoint for region "
                f"{self.options.region_name!r} and interface {self.options.interface!r}",
                hint="check region_name and interface, or set transport.endpoint_overrides in the profile",
                service=service)
        endpoint = endpoint.rstrip("/")
        if _VERSION_SEGMENT.search(endpoint) or (service == "compute" and _VERSION_TAIL.search(endpoint)):
            return endpoint
        return f"{endpoint}/{API_VERSIONS[service]}"

    def _endpoint(self, service: str) -> str | None:
        with self._lock:
            if service not in self._endpoints:
                self._endpoints[service] = self._discover_endpoint(service)
            return self._endpoints[service]

    def _discover_endpoint(self, service: str) -> str | None:
        override = self.options.endpoint_overrides.get(service)
        if override:
            project_id = self.project.get("id") if "{project_id}" in override else ""
            return override.replace("{region_name}", self.options.region_name or "").replace(
                "{project_id}", project_id or "")
        def lookup():
            return self.session.get_endpoint(service_type=service, interface=self.options.interface,
                                             region_name=self.options.region_name)
        try:
            return self._call_auth(lookup)
        except EndpointNotFound:
            return None

    def _call_auth(self, call: Callable[[], Any]) -> Any:
        """Run a keystoneauth call that may authenticate, mapping its failures."""
        auth_url = getattr(getattr(self.session, "auth", None), "auth_url", None) or "(auth_url)"
        try:
            return call()
        except ksa_exc.EndpointNotFound:
            raise EndpointNotFound("endpoint not in catalog") from None
        except (ksa_exc.ClientException, requests.exceptions.RequestException) as error:
            raise error_mapping.error_from_exception(
                error, "identity", "POST", f"{auth_url.rstrip('/')}/auth/tokens") from None

    # --- microversions ----------------------------------------------------------------

    @property
    def compute_microversion(self) -> str | None:
        """The negotiated Nova microversion (None: the cloud has none, send no header)."""
        with self._lock:
            if self._microversion is False:
                self._microversion = self._negotiate_compute()
            return self._microversion or None

    def _negotiate_compute(self) -> str | None:
        base = self.base_url("compute")
        match = re.search(r"^(.*/v2\.1)(?:/[^/]+)?$", base)
        url = match.group(1) if match else base
        try:
            reply = self._send("compute", "GET", url, None, None, {})
        except NormalizerError:
            return None  # legacy v2 endpoints and proxies without a version document
        version = (reply.body or {}).get("version") if isinstance(reply.body, Mapping) else None
        if not isinstance(version, Mapping):
            return None
        server_max, server_min = version.get("version"), version.get("min_version")
        if not server_max:
            return None
        cap = self.options.microversions.get("compute") or MAX_COMPUTE_MICROVERSION
        if compare_microversions(cap, MAX_COMPUTE_MICROVERSION) > 0:
            cap = MAX_COMPUTE_MICROVERSION
        chosen = server_max if compare_microversions(server_max, cap) <= 0 else cap
        if server_min and compare_microversions(chosen, server_min) < 0:
            return None
        return chosen

    # --- requests ---------------------------------------------------------------------

    def request(self, service: str, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, headers: Mapping[str, str] | None = None,
                microversion: str | None = None) -> Reply:
        """Send one API call and return its :class:`Reply`; error statuses raise.

        :param path: relative to :meth:`base_url` (``"/servers/detail"``), or an absolute URL
            returned by the same service (pagination links; always re-based onto our
            endpoint so a token is never sent to another host).
        :param microversion: compute only: override the negotiated microversion.
        :raises APIError: for any status >= 400 (after retries where they are safe).
        :raises TransportError: when no answer came.
        """
        method = method.upper()
        url = self._resolve(service, path)
        all_headers = {"Accept": "application/json"}
        if service == "compute":
            version = microversion or self.compute_microversion
            if version:
                all_headers["OpenStack-API-Version"] = f"compute {version}"
                all_headers["X-OpenStack-Nova-API-Version"] = version
        all_headers.update(headers or {})
        return self._send(service, method, url, params, json, all_headers)

    def _resolve(self, service: str, path: str) -> str:
        if not path.startswith(("http://", "https://")):
            return self.base_url(service) + "/" + path.lstrip("/")
        root = urlsplit(self.root_url(service))
        link = urlsplit(path)
        link_path = link.path
        if not link_path.startswith(root.path):
            # a link that omits the endpoint's path prefix (common behind proxies)
            link_path = root.path.rstrip("/") + "/" + link_path.lstrip("/")
        return urlunsplit((root.scheme, root.netloc, link_path, link.query, ""))

    def _send(self, service, method, url, params, json, headers) -> Reply:
        attempt, connect_failures = 0, 0
        while True:
            limiter = self._limiters.get(service) or self._limiters.get("all")
            if limiter:
                limiter.wait()
            started = self._clock()
            try:
                response = self.session.request(
                    url, method, params=params, json=json, headers=headers, raise_exc=False,
                    log=False, connect_retries=0, timeout=self.options.timeout)
            except (ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout, ksa_exc.UnknownConnectionError) as error:
                self._log(service, method, url, None, started, None)
                retry = method in IDEMPOTENT_METHODS and connect_failures < self.options.connect_retries
                if not retry:
                    raise error_mapping.error_from_exception(error, service, method, url) from None
                self._sleep(self._backoff(connect_failures))
                connect_failures += 1
                continue
            except (ksa_exc.ClientException, requests.exceptions.RequestException) as error:
                raise error_mapping.error_from_exception(error, service, method, url) from None
            request_id = error_mapping.request_id_of(response.headers)
            self._log(service, method, url, response.status_code, started, request_id)
            if response.status_code < 400:
                return Reply(response.status_code, response.headers, _json_body(response), request_id,
                             response.url or url)
            delay = self._retry_delay(service, response, attempt)
            if delay is None:
                raise error_mapping.error_from_response(service, method, url, response.status_code,
                                                        response.headers, _without_token(response))
            self._sleep(delay)
            attempt += 1

    def _retry_delay(self, service: str, response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when the answer is final."""
        status = response.status_code
        if attempt >= self.options.status_retries:
            return None
        retry_after = _retry_after(response.headers)
        # Nova's 413 with Retry-After is its rate limit; a 413 about quota never clears by waiting.
        over_limit = (status == 413 and service == "compute" and retry_after is not None
                      and "quota" not in (response.text or "").lower())
        if status not in self.options.retry_statuses and not over_limit:
            return None
        wanted = retry_after if retry_after is not None else self._backoff(attempt)
        return min(wanted, self.options.max_retry_delay)

    def _backoff(self, attempt: int) -> float:
        return min(0.5 * (2 ** attempt), self.options.max_retry_delay)

    def _log(self, service, method, url, status, started, request_id) -> None:
        if LOG.isEnabledFor(logging.DEBUG):
            elapsed = (self._clock() - started) * 1000.0
            LOG.debug("%s %s %s -> %s in %.1f ms request-id=%s", service, method, urlsplit(url).path,
                      status if status is not None else "no answer", elapsed, request_id or "none")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After") if headers else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None  # an HTTP date: fall back to our own back-off


def _without_token(response) -> str:
    """The answer's text with our token blanked out: some proxies echo request headers."""
    text = response.text or ""
    sent = getattr(getattr(response, "request", None), "headers", None) or {}
    token = sent.get("X-Auth-Token")
    return text.replace(token, "***") if token else text


def _json_body(response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _guard_token_reentry(plugin: Any) -> Any:
    """Make a nested token fetch fail instead of deadlocking.

    keystoneauth's identity plugins hold a non-reentrant lock while fetching a token. If
    the identity version document answers 401, keystoneauth retries discovery *with* a
    token, i.e. asks the same plugin for a token under its own lock, and waits forever.
    The nested fetch is refused here, so the caller gets an AuthError at once.
    """
    get_access = getattr(plugin, "get_access", None)
    if get_access is None:
        return plugin
    state = threading.local()

    def guarded(session, **kwargs):
        if getattr(state, "active", False):
            raise ksa_exc.AuthorizationFailure("the identity endpoint asked for a token in order to issue one")
        state.active = True
        try:
            return get_access(session, **kwargs)
        finally:
            state.active = False

    plugin.get_access = guarded
    return plugin


def make_session(auth_plugin, *, verify: bool | str = True, cert=None, timeout: float | None = None):
    """Build the keystoneauth1 Session normalizer uses when the caller gives none.

    >>> make_session(plugin, verify=True)  # doctest: +SKIP
    <keystoneauth1.session.Session ...>
    """
    return ksa_session.Session(auth=_guard_token_reentry(auth_plugin), verify=verify, cert=cert, timeout=timeout,
                               app_name="normalizer", app_version=__version__)

