"""The one place where HTTP answers and transport exceptions become normalizer errors.

keystoneauth1's own ``from_response`` understands only the ``{"error": {...}}`` and
API-SIG ``{"errors": [...]}`` bodies; Nova answers ``{"itemNotFound": {"message", "code"}}``,
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
from typing import Any, Mapping
from urllib.parse import urlsplit

from keystoneauth1 import exceptions as ksa_exc
import requests

from normalizer import exceptions as exc

__all__ = ["error_from_response", "error_from_exception", "error_from_unexpected", "remote_message", "request_id_of"]

_MAX_MESSAGE = 300
_QUOTA_WORDS = re.compile(r"quota|over ?limit|exceed", re.IGNORECASE)
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
            return str(lowered[name])
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
    else:
        parsed = body
    return _from_json(parsed)


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


def _clip(value: Any) -> str:
    text = " ".join(str(value if value is not None else "").split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


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
        return exc.QuotaExceeded if "quota" in message.lower() else exc.RateLimited
    if status == 429:
        return exc.RateLimited
    if status >= 500:
        return exc.ServerError
    return exc.APIError


def _path_of(url: str) -> str:
    try:
        return urlsplit(url).path or url
    except ValueError:
        return url


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
    detail = _clip(str(error)) or type(error).__name__
    fields = {"service": service, "method": method, "url": url}
    if isinstance(error, (ksa_exc.ConnectTimeout, requests.exceptions.Timeout)):
        return exc.RequestTimeout(f"{where}: no answer in time ({detail})",
                                  hint="raise transport.timeout or check the endpoint", **fields)
    if isinstance(error, (ksa_exc.ConnectFailure, ksa_exc.SSLError, requests.exceptions.ConnectionError)):
        return exc.ConnectionFailed(f"{where}: could not connect ({detail})",
                                    hint="check the endpoint URL, DNS, TLS settings and network access", **fields)
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


def error_from_unexpected(error: BaseException, where: str) -> exc.APIError:
    """Wrap a KeyError/TypeError/... raised while reading an answer of an unexpected shape.

    The public API promises that only normalizer errors escape; an answer whose shape
    does not match the API reference must not surface as a bare KeyError.

    >>> str(error_from_unexpected(KeyError("servers"), "mycloud: list_servers"))
    "mycloud: list_servers: the cloud's answer had an unexpected shape (KeyError: 'servers')"
    """
    detail = _clip(f"{type(error).__name__}: {error}")
    return exc.APIError(f"{where}: the cloud's answer had an unexpected shape ({detail})",
                        hint="report it with the debug log of normalizer.http")
