"""normalizer: one AWS-like meaning on every OpenStack cloud.

>>> import normalizer
>>> cloud = normalizer.connect("mycloud")        # doctest: +SKIP
>>> cloud.list_servers()[0].interface_ip         # doctest: +SKIP
'203.0.113.10'

The public surface is exactly ``__all__``; everything else is internal.

Importing the package loads only the version and the error classes: the HTTP stack
(keystoneauth1, requests), YAML, the cache and the provisioning code load on first use of
``connect``, ``Cloud``, the profiles or a submodule, so a program or an Ansible fork that
only catches normalizer's errors pays nothing for the rest.
"""

import importlib as _importlib
import logging
from typing import Any as _Any

from normalizer._version import __version__
from normalizer.exceptions import (APIError, AmbiguousMatch, AnswerTooDeep, AuthError, BadRequest, ConfigError, Conflict,
                                   ConnectionFailed, EndpointNotFound, NoMatch, NormalizerError, NotFound,
                                   ProfileError, ProfileShutdownError, ProvisionError, QuotaExceeded,
                                   RateLimited, RedirectRefused, RequestTimeout, SelectionError, ServerError, TransportError,
                                   UnknownCloudError, UnknownProfileError, UnsupportedOnCloud, WaitTimeout)

#: Public names that live in modules loaded on first use.
_LAZY = {"Cloud": "normalizer.cloud", "connect": "normalizer.cloud", "connect_all": "normalizer.cloud",
         "Profile": "normalizer.profiles", "ProfileDeprecationWarning": "normalizer.profiles",
         "list_profiles": "normalizer.profiles", "load_profile": "normalizer.profiles"}

__all__ = [
    "APIError", "AmbiguousMatch", "AnswerTooDeep", "AuthError", "BadRequest", "Cloud", "ConfigError", "Conflict",
    "ConnectionFailed", "EndpointNotFound", "NoMatch", "NormalizerError", "NotFound", "Profile", "ProfileDeprecationWarning", "ProfileError",
    "ProfileShutdownError", "ProvisionError", "QuotaExceeded", "RateLimited", "RedirectRefused", "RequestTimeout",
    "SelectionError", "ServerError", "TransportError", "UnknownCloudError", "UnknownProfileError",
    "UnsupportedOnCloud", "WaitTimeout", "__version__", "connect", "connect_all", "list_profiles",
    "load_profile",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> _Any:
    """Load a public name, or a submodule (``normalizer.userdata``), on first use (PEP 562).

    >>> import normalizer
    >>> normalizer.connect.__name__
    'connect'
    """
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if not name.startswith("__"):
        try:
            return _importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names, loaded or not (tab completion).

    >>> import normalizer
    >>> "connect" in dir(normalizer)
    True
    """
    return sorted(set(globals()) | set(_LAZY))
