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
* deadlines: ``api_timeout`` (``TransportSettings.timeout``) bounds a whole call, from the
  first byte sent to the last byte read, microversion negotiation, retries and back-off
  sleeps included; :meth:`Transport.deadline` bounds every call a thread makes in a block;
* credentials stay with their origin: a redirect to another scheme, host or port is
  never followed (not by service calls, not by the token request nor discovery); it
  raises :class:`~normalizer.exceptions.RedirectRefused`;
* bodies nested deeper than :data:`~normalizer.error_mapping.MAX_JSON_DEPTH` are refused;
* warnings keystoneauth emits during our calls go to the ``normalizer.http`` logger, not stderr;
* one DEBUG line per call on the ``normalizer.http`` logger: method, path, status,
  time and request id. Headers and bodies are never logged, so tokens, passwords and
  application-credential secrets cannot reach a log.

Errors are mapped by :mod:`normalizer.error_mapping`, nowhere else.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
import time
import warnings
from dataclasses import dataclass
from collections.abc import Iterator, Mapping
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from urllib3 import connection as urllib3_connection
from urllib3 import connectionpool as urllib3_pool
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session

from normalizer import error_mapping
from normalizer._version import __version__
from normalizer.config_translate import substitute
from normalizer.microversions import compare_microversions
from normalizer.exceptions import EndpointNotFound, NormalizerError
from normalizer.profiles import TransportSettings

__all__ = ["Transport", "Reply", "OriginBoundSession", "make_session"]

LOG = logging.getLogger("normalizer.http")

#: The API version each service's paths are written against.
API_VERSIONS: Mapping[str, str] = {"identity": "v3", "compute": "v2.1", "network": "v2.0", "image": "v2",
                                   "block-storage": "v3"}
# Services whose catalog endpoint may end in the project id after the version (.../v3/<project>).
_PROJECT_TAILED = frozenset({"compute", "block-storage"})
#: The highest Nova microversion whose response shapes normalizer understands.
MAX_COMPUTE_MICROVERSION = "2.96"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 305, 307, 308})
#: Same-origin redirects followed per request before giving up.
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024

_VERSION_TAIL = re.compile(r"/v\d+(?:\.\d+)?(?:/[^/]+)?$")
_VERSION_SEGMENT = re.compile(r"/v\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Reply:
    """A successful HTTP answer: status, headers, parsed JSON body (or None), request id."""

    status_code: int
    headers: Mapping[str, str]
    body: Any
    request_id: str | None
    url: str


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
    :param settings: the effective profile's :class:`~normalizer.profiles.TransportSettings`,
        with the connection's ``api_timeout`` and ``interface`` already put over them
        (:meth:`~normalizer.profiles.TransportSettings.for_connection`).
    :param region_name: the region whose catalog endpoints are used (None: any).
    :param clock: monotonic clock, injectable for tests.
    :param sleep: sleeper, injectable so tests never wait.

    >>> settings = load_profile("generic").transport.for_connection(timeout=30)      # doctest: +SKIP
    >>> transport = Transport(session, settings, region_name="RegionOne")           # doctest: +SKIP
    >>> transport.request("compute", "GET", "/flavors/detail").body["flavors"]     # doctest: +SKIP
    """

    def __init__(self, session: ksa_session.Session, settings: TransportSettings, *,
                 region_name: str | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = session
        self.settings = settings
        self.region_name = region_name
        self._clock, self._sleep = clock, sleep
        self._endpoints: dict[str, str | None] = {}
        self._lock = threading.RLock()
        self._microversion: str | None | bool = False  # False: not negotiated yet
        self._project: dict[str, Any] | None = None
        self._limiters = {name: _RateLimiter(rate, clock, sleep)
                          for name, rate in self.settings.rate_limit.items() if rate and rate > 0}
        self._local = threading.local()  # per thread: the deadline block and the current call's budget

    def __repr__(self) -> str:
        return f"<Transport region={self.region_name!r} interface={self.settings.interface!r}>"

    # --- deadlines --------------------------------------------------------------------

    def clock(self) -> float:
        """The transport's clock: ``time.monotonic`` unless the caller injected another.

        >>> transport.clock() <= transport.clock()  # doctest: +SKIP
        True
        """
        return self._clock()

    @contextlib.contextmanager
    def deadline(self, *, at: float | None) -> Iterator[None]:
        """Bound every request this thread makes inside the block by the clock value ``at``.

        Each request gets ``min(api_timeout, at - now)`` for the whole exchange (connect,
        every read, retries and their sleeps). A request made once ``at`` has passed raises
        :class:`~normalizer.exceptions.RequestTimeout` without being sent; a retry whose
        sleep would reach ``at`` is not made (the last answer's error is raised instead).
        Blocks nest (the earliest deadline wins); other threads are not affected. ``at``
        is a value of :meth:`clock`, so tests with an injected clock work unchanged;
        ``at=None`` adds no bound (callers with an optional timeout need no branch).

        >>> with transport.deadline(at=transport.clock() + 30):  # doctest: +SKIP
        ...     transport.request("compute", "GET", "/servers/detail")
        """
        previous = getattr(self._local, "deadline", None)
        if at is not None:
            self._local.deadline = at if previous is None else min(previous, at)
        try:
            yield
        finally:
            self._local.deadline = previous

    @contextlib.contextmanager
    def _call_budget(self) -> Iterator[None]:
        """Start ``api_timeout`` for the outermost call of this thread; nested calls share it.

        Negotiating the microversion or fetching the token inside a call spends that
        call's time, so a slow cloud cannot stretch one call to several timeouts.
        """
        if getattr(self._local, "budget", None) is not None:
            yield
            return
        self._local.budget = self._clock() + self.settings.timeout
        try:
            yield
        finally:
            self._local.budget = None

    def _time_left(self) -> float:
        """Seconds until the nearer of this call's budget and the thread's deadline block."""
        ends = [end for end in (getattr(self._local, "deadline", None), getattr(self._local, "budget", None))
                if end is not None]
        return min(ends) - self._clock() if ends else float(self.settings.timeout)

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
        if service in self.settings.disabled_services:
            return False
        return self._endpoint(service) is not None

    def root_url(self, service: str) -> str:
        """The service's endpoint without its version segment (e.g. ``.../image``)."""
        base = self.base_url(service)
        return _VERSION_TAIL.sub("", base) if service in _PROJECT_TAILED else _VERSION_SEGMENT.sub("", base)

    def base_url(self, service: str) -> str:
        """The versioned root that service paths are relative to (e.g. ``.../v2.0``)."""
        endpoint = self._endpoint(service) if service not in self.settings.disabled_services else None
        if endpoint is None:
            raise EndpointNotFound(
                f"the service catalog has no {service} endpoint for region "
                f"{self.region_name!r} and interface {self.settings.interface!r}",
                hint="check region_name and interface, or set transport.endpoint_overrides in the profile",
                service=service)
        endpoint = endpoint.rstrip("/")
        if _VERSION_SEGMENT.search(endpoint) or (service in _PROJECT_TAILED and _VERSION_TAIL.search(endpoint)):
            return endpoint
        return f"{endpoint}/{API_VERSIONS[service]}"

    def _endpoint(self, service: str) -> str | None:
        with self._lock:
            if service not in self._endpoints:
                self._endpoints[service] = self._discover_endpoint(service)
            return self._endpoints[service]

    def _discover_endpoint(self, service: str) -> str | None:
        override = self.settings.endpoint_overrides.get(service)
        if override:
            # The project id costs a token: only asked for when the template names it.
            values = {"region_name": self.region_name or "",
                      "project_id": (self.project.get("id") or "") if "{project_id}" in override else ""}
            # The profile schema allowed only these two names; the one expander fills them.
            return substitute(override, values, cloud="profile", key=f"transport.endpoint_overrides.{service}")
        def lookup():
            return self.session.get_endpoint(service_type=service, interface=self.settings.interface,
                                             region_name=self.region_name)
        try:
            return self._call_auth(lookup)
        except EndpointNotFound:
            return None

    def _call_auth(self, call: Callable[[], Any]) -> Any:
        """Run a keystoneauth call that may authenticate, within the deadline, mapping its failures."""
        auth_url = getattr(getattr(self.session, "auth", None), "auth_url", None) or "(auth_url)"
        token_url = f"{auth_url.rstrip('/')}/auth/tokens"
        with self._call_budget():
            left = self._time_left()
            if left <= 0:
                raise error_mapping.deadline_passed("identity", "POST", token_url, sent=False)
            try:
                return _bounded(call, min(left, self.settings.timeout))
            except _Overrun:
                raise error_mapping.deadline_passed("identity", "POST", token_url, sent=True) from None
            except ksa_exc.EndpointNotFound:
                raise EndpointNotFound("endpoint not in catalog") from None
            except (ksa_exc.ClientException, requests.exceptions.RequestException, RecursionError) as error:
                raise error_mapping.error_from_exception(error, "identity", "POST", token_url) from None

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
        cap = self.settings.microversions.get("compute") or MAX_COMPUTE_MICROVERSION
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
        :raises APIError: for any status >= 400 (after retries where they are safe), a
            redirect to another origin (RedirectRefused) or a body nested too deeply.
        :raises TransportError: when no answer came; RequestTimeout when no complete answer
            came within ``api_timeout`` or the thread's :meth:`deadline`.
        """
        method = method.upper()
        with self._call_budget():
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
        attempt, connect_failures, hops = 0, 0, 0
        while True:
            limiter = self._limiters.get(service) or self._limiters.get("all")
            if limiter:
                limiter.wait()
            left = self._time_left()
            if left <= 0:
                raise error_mapping.deadline_passed(service, method, url, sent=False)
            started = self._clock()
            try:
                response = self._exchange(method, url, params, json, headers, min(left, self.settings.timeout))
            except _Overrun:
                self._log(service, method, url, None, started, None)
                raise error_mapping.deadline_passed(service, method, url, sent=True) from None
            except (ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout, ksa_exc.UnknownConnectionError) as error:
                self._log(service, method, url, None, started, None)
                failure = error_mapping.error_from_exception(error, service, method, url)
                retry = method in IDEMPOTENT_METHODS and connect_failures < self.settings.connect_retries
                self._pause(self._backoff(connect_failures) if retry else None, failure)
                connect_failures += 1
                continue
            except (ksa_exc.ClientException, requests.exceptions.RequestException, RecursionError) as error:
                raise error_mapping.error_from_exception(error, service, method, url) from None
            request_id = error_mapping.request_id_of(response.headers)
            self._log(service, method, url, response.status_code, started, request_id)
            if response.status_code in REDIRECT_STATUSES and response.headers.get("Location"):
                method, url, params, json = self._redirect(service, method, url, params, json, response, hops)
                hops += 1
                continue
            if response.status_code < 400:
                return Reply(response.status_code, response.headers,
                             _json_body(response, service, method, url, request_id), request_id, response.url or url)
            delay = self._retry_delay(service, response, attempt)
            self._pause(delay, error_mapping.error_from_response(
                service, method, url, response.status_code, response.headers, _without_token(response)))
            attempt += 1

    def _exchange(self, method, url, params, json, headers, seconds: float):
        """One HTTP exchange, body read in full, in at most ``seconds``; else raise _Overrun.

        requests' timeout bounds each socket read, so an endpoint that drips a byte now
        and then would hold the call for ever: the exchange runs in a worker thread and
        the caller waits no longer than ``seconds``. Redirects are never followed here:
        :meth:`_redirect` decides.
        """
        ends = time.monotonic() + seconds
        box: dict[str, Any] = {}

        def exchange():
            _INFLIGHT.box = box  # lets a tracked connection publish its socket before any answer
            response = self.session.request(
                url, method, params=params, json=json, headers=headers, raise_exc=False, log=False,
                connect_retries=0, redirect=False, timeout=seconds, stream=True)
            box["response"] = response
            _read_body(response, ends)
            return response

        try:
            return _bounded(exchange, seconds)
        except _Overrun:
            _abort(box)
            raise

    def _redirect(self, service, method, url, params, json, response, hops):
        """Where a 3xx leads: same origin only, at most MAX_REDIRECTS times; else raise."""
        target = urljoin(response.url or url, response.headers["Location"])
        response.close()
        if error_mapping.origin_of(target) != error_mapping.origin_of(url):
            raise error_mapping.redirect_refused(service, method, url, response.status_code, target)
        if hops >= MAX_REDIRECTS:
            raise error_mapping.error_from_response(service, method, url, response.status_code, response.headers,
                                                    f"more than {MAX_REDIRECTS} redirects")
        if response.status_code == 303:  # "see other": fetch the result, do not repeat the write
            return "GET", target, None, None
        # the Location carries its own query; our params must not be appended twice
        return method, target, None, json

    def _pause(self, delay: float | None, failure: NormalizerError) -> None:
        """Sleep before a retry, or raise ``failure`` when there is none or it would pass the deadline."""
        if delay is None or delay >= self._time_left():
            raise failure from None  # the library exception behind it is already in its message
        self._sleep(delay)

    def _retry_delay(self, service: str, response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when the answer is final."""
        status = response.status_code
        if attempt >= self.settings.status_retries:
            return None
        retry_after = _retry_after(response.headers)
        # Nova's 413 with Retry-After is its rate limit; a 413 about quota never clears by waiting.
        over_limit = (status == 413 and service == "compute" and retry_after is not None
                      and "quota" not in (response.text or "").lower())
        if status not in self.settings.retry_statuses and not over_limit:
            return None
        wanted = retry_after if retry_after is not None else self._backoff(attempt)
        return min(wanted, self.settings.max_retry_delay)

    def _backoff(self, attempt: int) -> float:
        return min(0.5 * (2 ** attempt), self.settings.max_retry_delay)

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


def _json_body(response, service: str, method: str, url: str, request_id: str | None) -> Any:
    """The parsed JSON of a 2xx answer (None when it is not JSON); too deep a body raises.

    The JSON parser recurses, and so does everything that reads a body later (munchify,
    the normalizers): a body nested beyond MAX_JSON_DEPTH is refused before any of it.
    """
    if not response.content:
        return None
    try:
        body = response.json()  # requests knows the encodings and BOMs clouds send
    except RecursionError:
        raise error_mapping.answer_too_deep(service, method, url, response.status_code, request_id) from None
    except ValueError:
        return None
    if error_mapping.nested_deeper_than(body, error_mapping.MAX_JSON_DEPTH):
        raise error_mapping.answer_too_deep(service, method, url, response.status_code, request_id)
    return body


class _Overrun(Exception):
    """An exchange did not finish in its time (mapped to RequestTimeout by the caller)."""


def _bounded(call: Callable[[], Any], seconds: float) -> Any:
    """Run ``call`` in a daemon thread; return its result, re-raise its error, or raise _Overrun.

    The worker may outlive an overrun (the caller shuts its socket down); it is a daemon
    so it never holds the interpreter at exit. Everything run here is keystoneauth at
    work for us, so its warnings are routed to ``normalizer.http``.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            with _routed_warnings():
                box["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread as is
            box["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="normalizer-http", daemon=True).start()
    if not done.wait(max(seconds, 0.0)):
        raise _Overrun()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _read_body(response, ends: float) -> None:
    """Read a streamed body in chunks, giving up once the real-time deadline ``ends`` passed."""
    chunks = []
    for chunk in response.iter_content(_CHUNK):
        chunks.append(chunk)
        if time.monotonic() > ends:
            response.close()
            raise _Overrun()
    # requests keeps a read body here; .content, .text and .json() then use it
    response._content = b"".join(chunks)  # noqa: SLF001


def _abort(box: Mapping[str, Any]) -> None:
    """Wake a worker still blocked on its exchange after an overrun: shut its socket down.

    The socket comes from the tracked connection (our own sessions: even while the
    status line and headers are still dripping in) or from the response (any session).
    """
    response = box.get("response")
    sock = box.get("sock")
    if sock is None and response is not None:
        raw = getattr(response, "raw", None)
        sock = getattr(getattr(raw, "_connection", None), "sock", None)
    with contextlib.suppress(Exception):
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(Exception):
        if response is not None:
            response.close()


_INFLIGHT = threading.local()  # the worker's box, where the connection in use is published


class _Tracked:
    """Publishes the connection's socket once a request is on the wire, so an overrun can shut it down."""

    sock: Any

    def request(self, *args: Any, **kwargs: Any) -> None:
        super().request(*args, **kwargs)  # type: ignore[misc]
        box = getattr(_INFLIGHT, "box", None)
        if box is not None:
            box["sock"] = self.sock


class _TrackedHTTPConnection(_Tracked, urllib3_connection.HTTPConnection):
    """urllib3's HTTP connection, tracked."""


class _TrackedHTTPSConnection(_Tracked, urllib3_connection.HTTPSConnection):
    """urllib3's HTTPS connection, tracked."""


class _TrackedHTTPPool(urllib3_pool.HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSPool(urllib3_pool.HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


# --- keystoneauth's warnings and log records -> the normalizer.http logger --------------

_ROUTE = threading.local()
_ROUTE_LOCK = threading.Lock()


@contextlib.contextmanager
def _routed_warnings() -> Iterator[None]:
    """Route ``warnings.warn`` calls made in this thread inside the block to ``normalizer.http``.

    keystoneauth warns (and logs at WARNING, which Python prints to stderr when the
    application configured no logging) when discovery fails; a library must not write
    to stderr. The hook is per thread, so other threads' warnings are untouched.
    """
    _install_warning_route()
    previous = getattr(_ROUTE, "active", False)
    _ROUTE.active = True
    try:
        yield
    finally:
        _ROUTE.active = previous


def _install_warning_route() -> None:
    # Re-checked on every call: test runners and applications replace showwarning too.
    if getattr(warnings.showwarning, "_normalizer_route", False):
        return
    with _ROUTE_LOCK:
        wrapped = warnings.showwarning
        if getattr(wrapped, "_normalizer_route", False):
            return

        def route(message, category, filename, lineno, file=None, line=None):
            if getattr(_ROUTE, "active", False):
                LOG.warning("keystoneauth warned: %s: %s", category.__name__, message)
            else:
                wrapped(message, category, filename, lineno, file, line)

        route._normalizer_route = True  # type: ignore[attr-defined]
        warnings.showwarning = route


class _KeystoneauthRecords(logging.Handler):
    """Re-log keystoneauth's WARNING records made during our calls on ``normalizer.http``.

    Being a handler on the ``keystoneauth`` logger, it also keeps Python's last-resort
    handler from printing them to stderr when the application configured no logging.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(_ROUTE, "active", False) and record.levelno >= logging.WARNING:
            LOG.warning("keystoneauth: %s", record.getMessage())


if not any(isinstance(h, _KeystoneauthRecords) for h in logging.getLogger("keystoneauth").handlers):
    logging.getLogger("keystoneauth").addHandler(_KeystoneauthRecords())


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


class OriginBoundSession(ksa_session.Session):
    """A keystoneauth Session that never follows a redirect to another scheme, host or port.

    Every request it sends goes through here: the identity discovery GETs and the token
    POST of its auth plugin as much as service calls. keystoneauth would follow a 3xx
    anywhere with the same headers and body, i.e. hand the token, or the password, to
    whoever the Location names. Same-origin redirects are still followed (bounded by the
    ``redirect`` limit); a cross-origin one raises RedirectRefused and sends nothing.

    >>> OriginBoundSession(auth=plugin).get("http://127.0.0.1:5000/identity")  # doctest: +SKIP
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # tracked connections let an overrun shut a socket down even before any answer arrived
        for adapter in self.session.adapters.values():
            manager = getattr(adapter, "poolmanager", None)
            if manager is not None:
                manager.pool_classes_by_scheme = {"http": _TrackedHTTPPool, "https": _TrackedHTTPSPool}

    def _send_request(self, url, method, redirect, *args, **kwargs):
        # keystoneauth never follows for us; its own retries re-enter here with redirect=False
        response = super()._send_request(url, method, False, *args, **kwargs)
        location = response.headers.get("location") if response.status_code in REDIRECT_STATUSES else None
        budget = MAX_REDIRECTS if redirect is True else int(redirect or 0)
        if not location or budget <= 0:
            return response
        target = urljoin(response.url or url, location)
        if error_mapping.origin_of(target) != error_mapping.origin_of(url):
            response.close()
            raise error_mapping.redirect_refused("identity", method, url, response.status_code, target)
        if "params" in kwargs:
            kwargs["params"] = {}  # the Location carries the query
        followed = self._send_request(target, method, budget - 1, *args, **kwargs)
        followed.history = [response, *list(followed.history or [])]
        return followed


def make_session(auth_plugin, *, verify: bool | str = True, cert=None, timeout: float | None = None):
    """Build the keystoneauth1 Session normalizer uses when the caller gives none.

    It is an :class:`OriginBoundSession`: no redirect takes credentials to another origin.

    >>> make_session(plugin, verify=True)  # doctest: +SKIP
    <normalizer.transport.OriginBoundSession ...>
    """
    return OriginBoundSession(auth=_guard_token_reentry(auth_plugin), verify=verify, cert=cert, timeout=timeout,
                              app_name="normalizer", app_version=__version__, redirect=MAX_REDIRECTS)
