"""normalizer: one AWS-like meaning on every OpenStack cloud.

>>> import normalizer
>>> cloud = normalizer.connect("mycloud")        # doctest: +SKIP
>>> cloud.list_servers()[0].interface_ip         # doctest: +SKIP
'203.0.113.10'

The public surface is exactly ``__all__``; everything else is internal.
"""

import logging

from normalizer._version import __version__
from normalizer.cloud import Cloud, connect, connect_all
from normalizer.exceptions import (APIError, AmbiguousMatch, AnswerTooDeep, AuthError, BadRequest, ConfigError, Conflict,
                                   ConnectionFailed, EndpointNotFound, NoMatch, NormalizerError, NotFound,
                                   ProfileError, ProfileShutdownError, ProvisionError, QuotaExceeded,
                                   RateLimited, RedirectRefused, RequestTimeout, SelectionError, ServerError, TransportError,
                                   UnknownCloudError, UnknownProfileError, UnsupportedOnCloud, WaitTimeout)
from normalizer.profiles import Profile, ProfileDeprecationWarning, list_profiles, load_profile
from normalizer import userdata  # noqa: F401  (normalizer.userdata.root_access is public API)

__all__ = [
    "APIError", "AmbiguousMatch", "AnswerTooDeep", "AuthError", "BadRequest", "Cloud", "ConfigError", "Conflict",
    "ConnectionFailed", "EndpointNotFound", "NoMatch", "NormalizerError", "NotFound", "Profile", "ProfileDeprecationWarning", "ProfileError",
    "ProfileShutdownError", "ProvisionError", "QuotaExceeded", "RateLimited", "RedirectRefused", "RequestTimeout",
    "SelectionError", "ServerError", "TransportError", "UnknownCloudError", "UnknownProfileError",
    "UnsupportedOnCloud", "WaitTimeout", "__version__", "connect", "connect_all", "list_profiles",
    "load_profile",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
