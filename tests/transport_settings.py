"""Transport settings for tests: the real defaults of ``_defaults.yaml``, with overrides.

Tests never write their own defaults for the transport: they start from the generic
profile (as every cloud does) and change only what the test is about.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from normalizer.profiles import TransportSettings, load_profile


@functools.lru_cache(maxsize=1)
def _generic() -> TransportSettings:
    return load_profile("generic").transport


def transport_settings(**overrides: Any) -> TransportSettings:
    """The generic profile's transport settings with ``overrides`` put over them.

    >>> transport_settings(timeout=2.0).timeout
    2.0
    """
    return dataclasses.replace(_generic(), **overrides)
