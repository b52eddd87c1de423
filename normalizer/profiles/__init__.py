"""Vendor profiles: what differs between OpenStack clouds, as validated data.

A profile is YAML, never code. It is found on a search path, merged with the bundled
defaults, its region block and the caller's layers, validated strictly and frozen.
See ``docs/profiles.md`` for every key.

>>> from normalizer.profiles import load_profile
>>> load_profile("generic").transport.timeout > 0
True
"""

from __future__ import annotations

from normalizer.profiles.loader import list_profiles, load_profile
from normalizer.profiles.merge import merge
from normalizer.profiles.model import (
    ConformanceSettings,
    FlavorSettings,
    IdentitySettings,
    ImageSettings,
    LoginSettings,
    NetworkRule,
    NetworkSettings,
    Profile,
    ProfileDeprecationWarning,
    TransportSettings,
)
from normalizer.profiles.schema import validate

__all__ = [
    "ConformanceSettings",
    "FlavorSettings",
    "IdentitySettings",
    "ImageSettings",
    "LoginSettings",
    "NetworkRule",
    "NetworkSettings",
    "Profile",
    "ProfileDeprecationWarning",
    "TransportSettings",
    "list_profiles",
    "load_profile",
    "merge",
    "validate",
]
