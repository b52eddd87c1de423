"""The one place where HTTP answers and transport exceptions become normalizer errors.

keystoneauth1's own ``from_response`` understands only the ``{"error": {...}}`` and
API-SIG ``{"errors": [...]}`` bodies; Nova and Cinder answer ``{"itemNotFound": {"message", "code"}}``,
Neutron ``{"NeutronError": {"type", "message", "detail"}}`` and Glance often answers an
HTML page. So every body is parsed here, and the transport calls keystoneauth with
``raise_exc=False``: nothing else in normalizer maps errors.

Every function here is total: whatever the body or exception, it returns an error
object and never raises.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from keystoneauth1 import exceptions as ksa_exc
import requests

from normalizer import exceptions as exc

__all__ = ["error_from_response", "error_from_exception", "error_from_unexpected", "remote_message", "request_id_of",
           "redirect_refused", "deadline_passed", "answer_too_deep", "nested_deeper_than", "origin_of",
           "MAX_JSON_DEPTH"]

_MAX_MESSAGE = 300
_MAX_REQUEST_ID = 128
_MAX_PATH = 200
#: The deepest JSON nesting accepted in any answer. Real OpenStack bodies stay far below
#: (a Nova server is ~6 levels, a Keystone token with its catalog ~6); everything that reads
#: a body later (munchify, the normalizers) recurses, so a deeper body is refused up front.
MAX_JSON_DEPTH = 64
#: ANSI/VT escape sequences (CSI, OSC, and the two-byte forms): a cloud's text must not
#: recolour, retitle or rewrite the user's terminal when an error is printed.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?|\x9b[0-?]*[ -/]*[@-~]")
#: C0/C1 controls except the whitespace that split() folds, DEL, and the bidi overrides
#: that can make a message read differently from what it says.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: The readable cause deep inside urllib3's "Max retries exceeded ... (Caused by ...)" chain.
_ERRNO_CAUSE = re.compile(r"\[Errno -?\d+\] ([^'\"()\[\]]+)")
_KNOWN_CAUSES = re.compile(r"(Connection refused|Connection reset by peer|Name or service not known|"
                           r"Temporary failure in name resolution|No route to host|Network is unreachable|"
                           r"CERTIFICATE_VERIFY_FAILED[^'\")]*|timed out|Remote end closed connection without response)")
_QUOTA_WORDS = re.compile(r"quota|over ?limit|exceed", re.IGNORECASE)
_CINDER_LIMIT = re.compile(r"^\w+(LimitExceeded|ExceedsLimit|ExceedsAvailableQuota):")
_TAGS = re.compile(r"<[^>]+>")
_REQUEST_ID_HEADERS = ("x-openstack-request-id", "x-compute-request-id", "x-request-id")

_HINTS = {
    exc.AuthError: "check the credentials, the project and your roles on it",
    exc.QuotaExceeded: "free some resources or ask the cloud operator for more quota",
    exc.RateLimited: "the cloud limits the request rate; lower transport.rate_limit in the profile",
    exc.ServerError: "the cloud failed; retry later or give the request id to its operator",
}


def request_id_of(headers: Mapping[str, str] | None) -> str | None:
    """Return the OpenStack request id from response headers, if any.

    >>> request_id_of({"X-OpenStack-Request-ID": "req-1"})
    'req-1'
    """
    if not headers:
        return None
    lowered = {str(k).lower(): v for k, v in headers.items()}
    for name in _REQUEST_ID_HEADERS:
        if lowered.get(name):
            # the id is cloud-supplied text shown in str(err): printable and short only
            return _clip(lowered[name], _MAX_REQUEST_ID) or None
    return None


def remote_message(body: Any) -> tuple[str, str | None]:
    """Return ``(message, error_type)`` from any OpenStack error body, never raising.

    >>> remote_message('{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}')
    ('Instance x could not be found.', 'itemNotFound')
    >>> remote_message('{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded", "detail": ""}}')
    ('Quota exceeded', 'OverQuota')
    """
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            parsed = json.loads(body)
        except ValueError:
            return _from_text(body), None
        except RecursionError:
            return "the error body is nested too deeply to be read", None
    else:
        parsed = body
    if nested_deeper_than(parsed, MAX_JSON_DEPTH):
        return "the error body is nested too deeply to be read", None
    return _from_json(parsed)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def nested_deeper_than(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when lists/dicts in ``value`` nest deeper than ``limit``; iterative, so it never overflows.

    >>> nested_deeper_than({"a": [{"b": 1}]}, 2), nested_deeper_than({"a": [{"b": 1}]}, 3)
    (True, False)
    """
    # Level by level: a listing body holds ~100k leaves, so each leaf costs one type lookup.
    level, depth = [value], 0
    while level:
        depth += 1
        children: list = []
        for item in level:
            if type(item) in _SCALARS:
                continue
            if isinstance(item, Mapping):
                children.extend(item.values())
            elif isinstance(item, (list, tuple)):
                children.extend(item)
            else:
                continue
            if depth > limit:
                return True
        level = children
    return False


def _from_json(parsed: Any) -> tuple[str, str | None]:
    if isinstance(parsed, Mapping):
        neutron = parsed.get("NeutronError")
        if isinstance(neutron, Mapping):
            return _clip(neutron.get("message") or neutron.get("detail")), _str_or_none(neutron.get("type"))
        if neutron is not None:
            return _clip(neutron), None
        errors = parsed.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            first = errors[0]
            return _clip(first.get("detail") or first.get("title") or first.get("message")), _str_or_none(first.get("code"))
        for key in ("message", "detail", "title", "faultstring"):
            if isinstance(parsed.get(key), (str, int, float)):
                return _clip(parsed[key]), None
        # Nova / Keystone: a single fault name wrapping {"message", "code"}.
        for key, value in parsed.items():
            if isinstance(value, Mapping) and ("message" in value or "title" in value):
                kind = value.get("title") if key == "error" else key
                return _clip(value.get("message") or value.get("title")), _str_or_none(kind)
    if parsed is None:
        return "", None
    return _clip(json.dumps(parsed, default=str)), None


def _from_text(text: str) -> str:
    # HTML error pages (Glance, proxies): keep the readable words only.
    text = _TAGS.sub(" ", text)
    return _clip(html.unescape(text))


def _clean(value: Any) -> str:
    """Cloud-supplied text made printable: escape sequences and control characters removed."""
    text = str(value if value is not None else "")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def _clip(value: Any, limit: int = _MAX_MESSAGE) -> str:
    text = " ".join(_clean(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _error_class(status: int, message: str, error_type: str | None) -> type[exc.APIError]:
    quota = bool(_QUOTA_WORDS.search(message)) or error_type in ("OverQuota", "overLimit")
    if status == 400:
        return exc.BadRequest
    if status == 401:
        return exc.AuthError
    if status == 403:
        return exc.QuotaExceeded if quota else exc.AuthError
    if status == 404:
        return exc.NotFound
    if status == 409:
        return exc.QuotaExceeded if quota else exc.Conflict
    if status == 412:  # a conditional write (If-Match) lost the race: someone changed it first
        return exc.Conflict
    if status == 413:
        # Nova's rate limiter and Cinder's quotas share 413 overLimit; Cinder names the limit
        # it hit ("VolumeLimitExceeded: ...", "VolumeSizeExceedsLimit: ..."), a rate limit does not.
        limited = "quota" in message.lower() or bool(_CINDER_LIMIT.search(message))
        return exc.QuotaExceeded if limited else exc.RateLimited
    if status == 429:
        return exc.RateLimited
    if status >= 500:
        return exc.ServerError
    return exc.APIError


def _path_of(url: str) -> str:
    # Only the path is shown: the query may hold markers or filters, never needed to read the error.
    try:
        path = urlsplit(str(url)).path or str(url).split("?", 1)[0]
    except ValueError:
        path = str(url).split("?", 1)[0]
    return _clip(path, _MAX_PATH).replace(" ", "%20")


def origin_of(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a URL, with the scheme's default port filled in.

    >>> origin_of("HTTPS://Example.org/x"), origin_of("http://127.0.0.1:8080/y")
    (('https', 'example.org', 443), ('http', '127.0.0.1', 8080))
    """
    parts = urlsplit(str(url))
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # an unparsable port never equals ours
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _host_of(url: str) -> str:
    scheme, host, port = origin_of(url)
    return _clip(f"{scheme}://{host}:{port}" if scheme else (host or "(none)"), 120)


def error_from_response(service: str, method: str, url: str, status: int,
                        headers: Mapping[str, str] | None, body: Any) -> exc.APIError:
    """Build the typed error for an HTTP error answer.

    >>> err = error_from_response("compute", "GET", "http://h/compute/v2.1/servers/x", 404,
    ...     {"x-openstack-request-id": "req-9"},
    ...     '{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}')
    >>> type(err).__name__, str(err)
    ('NotFound', 'compute GET /compute/v2.1/servers/x: Instance x could not be found. (HTTP 404, request-id req-9)')
    """
    message, error_type = remote_message(body)
    cls = _error_class(int(status), message, error_type)
    request_id = request_id_of(headers)
    path = _path_of(url)
    shown = message or "no error message in the response"
    text = f"{service} {method} {path}: {shown} (HTTP {status}, request-id {request_id or 'none'})"
    return cls(text, hint=_HINTS.get(cls), service=service, method=method, url=url,
               status_code=int(status), request_id=request_id, remote_message=message,
               error_type=error_type)


def error_from_exception(error: BaseException, service: str, method: str, url: str) -> exc.NormalizerError:
    """Translate a keystoneauth1 / requests exception into a normalizer error.

    >>> from keystoneauth1 import exceptions as ksa
    >>> type(error_from_exception(ksa.ConnectTimeout("slow"), "compute", "GET", "http://h/x")).__name__
    'RequestTimeout'
    """
    if isinstance(error, exc.NormalizerError):
        return error
    where = f"{service} {method} {_path_of(url)}"
    fields = {"service": service, "method": method, "url": url}
    if isinstance(error, RecursionError):
        return answer_too_deep(service, method, url, None, None)
    error = _connect_cause(error)
    detail = _readable_detail(error)
    if isinstance(error, (ksa_exc.ConnectTimeout, requests.exceptions.Timeout)):
        return exc.RequestTimeout(f"{where}: no answer in time ({detail})",
                                  hint="raise transport.timeout or check the endpoint", **fields)
    if isinstance(error, (ksa_exc.ConnectFailure, ksa_exc.SSLError, requests.exceptions.ConnectionError)):
        hint = ("check auth_url and that Keystone is reachable from here (URL, DNS, TLS, proxy, firewall)"
                if service == "identity" else "check the endpoint URL, DNS, TLS settings and network access")
        return exc.ConnectionFailed(f"{where}: could not connect to {_host_of(url)} ({detail})", hint=hint,
                                    **fields)
    if isinstance(error, (ksa_exc.EndpointNotFound, ksa_exc.EmptyCatalog)):
        return exc.EndpointNotFound(f"the service catalog has no {service} endpoint ({detail})",
                                    hint="check region_name and interface, or set an endpoint override", **fields)
    if isinstance(error, ksa_exc.HttpError):
        status = getattr(error, "http_status", None) or 500
        response = getattr(error, "response", None)
        body = getattr(response, "text", None) if response is not None else None
        headers = getattr(response, "headers", None) if response is not None else None
        # keystoneauth knows which request failed (e.g. the versioned token URL it discovered)
        url = getattr(error, "url", None) or getattr(response, "url", None) or url
        method = getattr(error, "method", None) or method
        return error_from_response(service, method, url, status, headers, body or getattr(error, "message", detail))
    if isinstance(error, ksa_exc.auth_plugins.MissingRequiredOptions):
        return exc.ConfigError(f"authentication options are missing: {detail}",
                               hint="complete the auth section of clouds.yaml")
    if isinstance(error, (ksa_exc.AuthorizationFailure, ksa_exc.MissingAuthPlugin)):
        return exc.AuthError(f"{where}: authentication failed ({detail})",
                             hint="check the credentials and auth_url", **fields)
    return exc.TransportError(f"{where}: {detail}", **fields)


def _connect_cause(error: BaseException) -> BaseException:
    """The connection failure behind keystoneauth's DiscoveryFailure, if that is what it hides.

    keystoneauth raises "Could not find versioned identity endpoints" *while handling* the
    connection error, so the real cause is in the exception chain.
    """
    if not isinstance(error, ksa_exc.DiscoveryFailure):
        return error
    seen, current = set(), error.__cause__ or error.__context__
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (ksa_exc.ConnectionError, requests.exceptions.ConnectionError,
                                requests.exceptions.Timeout)):
            return current
        current = current.__cause__ or current.__context__
    return error


def _readable_detail(error: BaseException) -> str:
    """The cause a person can act on ("Connection refused"), never cut in the middle.

    urllib3 and keystoneauth bury it at the end of a long repr; the rest is kept only
    while it fits.
    """
    text = str(error)
    match = _ERRNO_CAUSE.search(text) or _KNOWN_CAUSES.search(text)
    if match:
        return _clip(match.group(1) if match.re is _ERRNO_CAUSE else match.group(0), 120)
    return _clip(text) or type(error).__name__


def redirect_refused(service: str, method: str, url: str, status: int, location: str) -> exc.RedirectRefused:
    """The error for a redirect to another scheme, host or port, which is never followed.

    Only the target's origin is named: its path and query may carry secrets.

    >>> str(redirect_refused("compute", "GET", "http://a:1/compute/v2.1/servers", 302, "http://b:2/x?token=t")).split(";")[0]
    'compute GET /compute/v2.1/servers: refused to follow HTTP 302 to another origin (http://b:2)'
    """
    target = _host_of(location)
    return exc.RedirectRefused(
        f"{service} {method} {_path_of(url)}: refused to follow HTTP {status} to another origin ({target})",
        hint="credentials are only sent where they were configured; fix the endpoint URL (catalog, "
             "endpoint override or auth_url) to point where the service really is",
        service=service, method=method, url=url.split("?", 1)[0], status_code=int(status),
        location_host=target)


def deadline_passed(service: str, method: str, url: str, *, sent: bool) -> exc.RequestTimeout:
    """The error for a request whose time ran out (``sent``: it was on the wire when it did).

    >>> str(deadline_passed("image", "GET", "http://h/image/v2/images", sent=False)).split(";")[0]
    'image GET /image/v2/images: the deadline passed before the request was sent'
    """
    what = "no complete answer before the deadline" if sent else "the deadline passed before the request was sent"
    return exc.RequestTimeout(f"{service} {method} {_path_of(url)}: {what}",
                              hint="raise api_timeout (transport.timeout) or the call's timeout, or check the endpoint",
                              service=service, method=method, url=url.split("?", 1)[0])


def answer_too_deep(service: str, method: str, url: str, status: int | None,
                    request_id: str | None) -> exc.AnswerTooDeep:
    """The error for an answer whose JSON nests deeper than :data:`MAX_JSON_DEPTH`.

    >>> str(answer_too_deep("compute", "GET", "http://h/compute/v2.1/servers", 200, None)).split(";")[0]
    'compute GET /compute/v2.1/servers: the answer is nested too deeply (HTTP 200, request-id none)'
    """
    shown = f"HTTP {status}" if status is not None else "no status"
    return exc.AnswerTooDeep(
        f"{service} {method} {_path_of(url)}: the answer is nested too deeply ({shown}, request-id {request_id or 'none'})",
        hint="the endpoint may not be the OpenStack API it claims to be", service=service, method=method,
        url=url.split("?", 1)[0], status_code=status, request_id=request_id)


def error_from_unexpected(error: BaseException, where: str) -> exc.APIError:
    """Wrap a KeyError/TypeError/... raised while reading an answer of an unexpected shape.

    The public API promises that only normalizer errors escape; an answer whose shape
    does not match the API reference must not surface as a bare KeyError.

    >>> str(error_from_unexpected(KeyError("servers"), "mycloud: list_servers")).split(";")[0]
    "mycloud: list_servers: the cloud's answer had an unexpected shape (KeyError: 'servers')"
    """
    detail = _clip(f"{type(error).__name__}: {error}")
    return exc.APIError(f"{where}: the cloud's answer had an unexpected shape ({detail})",
                        hint="report it with the debug log of normalizer.http")
