"""normalizer: one AWS-like meaning on every OpenStack cloud."""

import logging

from normalizer._version import __version__
from normalizer.exceptions import *  # noqa: F401,F403

logging.getLogger(__name__).addHandler(logging.NullHandler())
