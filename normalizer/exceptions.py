"""The whole normalizer error tree.

Every error the public API raises is a :class:`NormalizerError`. Foreign exceptions
(keystoneauth1, requests, PyYAML) are translated at exactly one place per boundary:
``config`` for configuration files, ``profiles`` for profile files and
``error_mapping`` for everything that crosses HTTP.

::

    NormalizerError
    ├── ConfigError                  clouds.yaml / secure.yaml / OS_* / keyword arguments
    │   └── UnknownCloudError        (also LookupError)
    ├── ProfileError                 a vendor profile is malformed or unusable
    │   ├── UnknownProfileError      (also LookupError)
    │   └── ProfileShutdownError     the vendor's cloud no longer exists
    ├── TransportError               the request never got an HTTP answer
    │   ├── ConnectionFailed         (also ConnectionError)
    │   ├── RequestTimeout           (also TimeoutError)
    │   └── EndpointNotFound         the catalog has no such service
    ├── APIError                     the cloud answered with an error status
    │   ├── BadRequest               400
    │   ├── AuthError                401 / 403
    │   ├── NotFound                 404 (also LookupError)
    │   ├── Conflict                 409
    │   ├── QuotaExceeded            403 / 409 / 413 that says a quota is exhausted
    │   ├── RateLimited              429, or 413 over-limit, still refused after retries
    │   ├── ServerError              5xx
    │   ├── RedirectRefused          a 3xx to another scheme, host or port (credentials stay home)
    │   └── AnswerTooDeep            a body nested too deeply to be read safely
    ├── SelectionError               a choice could not be made
    │   ├── NoMatch                  nothing satisfies the request (also LookupError)
    │   └── AmbiguousMatch           several candidates and nothing to tell them apart
    ├── UnsupportedOnCloud           this cloud does not offer the feature
    └── ProvisionError               a provisioning step failed (names the step and cleanup)
        └── WaitTimeout              (also TimeoutError)

``str(err)`` is always one readable line that says what happened and, where known,
what to do. Every error carries its structured fields, offers :meth:`to_dict` for
Ansible's ``fail_json`` and survives pickling.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "NormalizerError",
    "ConfigError",
    "UnknownCloudError",
    "ProfileError",
    "UnknownProfileError",
    "ProfileShutdownError",
    "TransportError",
    "ConnectionFailed",
    "RequestTimeout",
    "EndpointNotFound",
    "APIError",
    "BadRequest",
    "AuthError",
    "NotFound",
    "Conflict",
    "QuotaExceeded",
    "RateLimited",
    "ServerError",
    "RedirectRefused",
    "AnswerTooDeep",
    "SelectionError",
    "NoMatch",
    "AmbiguousMatch",
    "UnsupportedOnCloud",
    "ProvisionError",
    "WaitTimeout",
]


def _one_line(text: Any) -> str:
    """Collapse whitespace so a message is always a single line."""
    return " ".join(str(text).split())


class NormalizerError(Exception):
    """Root of every error raised by normalizer.

    :param message: what went wrong, in one line.
    :param hint: (optional) what the user can do about it.
    :param fields: structured context, kept as attributes and in :meth:`to_dict`.

    >>> err = NormalizerError("cloud 'x' is not configured", hint="add it to clouds.yaml")
    >>> str(err)
    "cloud 'x' is not configured; add it to clouds.yaml"
    """

    def __init__(self, message: str, *, hint: str | None = None, **fields: Any) -> None:
        self.message = _one_line(message)
        self.hint = _one_line(hint) if hint else None
        self.fields = dict(fields)
        for key, value in fields.items():
            setattr(self, key, value)
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self):
        return (_rebuild, (type(self), self.message, self.hint, self.fields))

    def to_dict(self) -> dict[str, Any]:
        """Return the error as JSON-friendly data (for Ansible's ``fail_json``).

        >>> NotFound("no server 'web'", service="compute").to_dict()["error"]
        'NotFound'
        """
        data: dict[str, Any] = {"error": type(self).__name__, "msg": str(self)}
        for key, value in self.fields.items():
            data[key] = value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else str(value)
        return data


def _rebuild(cls, message, hint, fields):
    return cls(message, hint=hint, **fields)


# --- configuration and profiles -------------------------------------------------------


class ConfigError(NormalizerError):
    """clouds.yaml, secure.yaml, ``OS_*`` variables or keyword arguments are unusable."""


class UnknownCloudError(ConfigError, LookupError):
    """The named cloud is not in any clouds.yaml that was read."""


class ProfileError(NormalizerError):
    """A vendor profile is malformed (``source`` names the file, ``pointer`` the key)."""


class UnknownProfileError(ProfileError, LookupError):
    """No profile has that name; the message lists the known ones."""


class ProfileShutdownError(ProfileError):
    """The profile's cloud has shut down; connecting to it makes no sense."""


# --- transport and API ----------------------------------------------------------------


class TransportError(NormalizerError):
    """The request did not get an HTTP answer (``service``, ``method``, ``url``)."""


class ConnectionFailed(TransportError, ConnectionError):
    """The endpoint could not be reached (refused, reset, DNS, TLS)."""


class RequestTimeout(TransportError, TimeoutError):
    """The endpoint did not answer within the timeout."""


class EndpointNotFound(TransportError):
    """The service catalog has no endpoint for the service in this region/interface."""


class APIError(NormalizerError):
    """The cloud answered with an error status.

    Attributes: ``service``, ``method``, ``url``, ``status_code``, ``request_id`` and
    ``remote_message`` (the server's own words).
    """

    service: str | None = None
    method: str | None = None
    url: str | None = None
    status_code: int | None = None
    request_id: str | None = None
    remote_message: str | None = None


class BadRequest(APIError):
    """400: the cloud rejected the request as malformed."""


class AuthError(APIError):
    """401 or 403: credentials are wrong, expired, or lack a role."""


class NotFound(APIError, LookupError):
    """404: the resource or API does not exist."""


class Conflict(APIError):
    """409: the resource is in a state that does not allow the request."""


class QuotaExceeded(APIError):
    """A quota of the project is exhausted (Nova 403/413, Neutron 409 OverQuota)."""


class RateLimited(APIError):
    """429 (or Nova 413 over-limit) still refused after the bounded retries."""


class ServerError(APIError):
    """5xx: the cloud failed; retried where safe, then raised."""


class RedirectRefused(APIError):
    """A 3xx pointed to another scheme, host or port; it was not followed.

    Following it would send the token (or the password, for the token request) to a
    place the user never configured. ``location_host`` names where it pointed.
    """


class AnswerTooDeep(APIError):
    """The answer's JSON is nested deeper than any OpenStack API nests (or than Python can parse)."""


# --- decisions and provisioning --------------------------------------------------------


class SelectionError(NormalizerError):
    """A network, flavor, image or address could not be chosen."""


class NoMatch(SelectionError, LookupError):
    """Nothing satisfies the request; ``candidates`` lists the nearest ones."""


class AmbiguousMatch(SelectionError):
    """Several candidates remain; ``candidates`` lists them and the hint says what resolves it."""


class UnsupportedOnCloud(NormalizerError):
    """The cloud (or its profile) says this feature does not exist here."""


class ProvisionError(NormalizerError):
    """A provisioning step failed; ``step``, ``removed`` and ``not_removed`` say what happened."""


class WaitTimeout(ProvisionError, TimeoutError):
    """A wait exceeded its timeout."""


def format_candidates(names: Iterable[Any], limit: int = 10) -> str:
    """Render candidate names for a one-line message.

    >>> format_candidates(["a", "b"])
    "'a', 'b'"
    """
    items = [repr(str(n)) for n in names]
    if len(items) > limit:
        items = items[:limit] + [f"... ({len(items) - limit} more)"]
    return ", ".join(items) if items else "(none)"
