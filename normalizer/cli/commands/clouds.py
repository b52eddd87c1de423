"""``clouds``: the clouds and regions clouds.yaml (and ``OS_*``) configure, without contacting them.

>>> register(commands)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from normalizer import config as config_module
from normalizer.cli.output import Listing
from normalizer.cli.runtime import Runtime

__all__ = ["register"]


def _clouds(runtime: Runtime) -> Listing:
    """Every configured cloud and region: name, region, profile, auth type and URL, where it came from."""
    rows = [{"cloud": c.name, "region": c.region_name, "profile": c.profile_name, "auth_type": c.auth_type,
             "auth_url": c.auth.get("auth_url"), "source": c.source}
            for c in config_module.load_all_configs()]
    return Listing(rows, ("cloud", "region", "profile", "auth_type", "auth_url", "source"))


def register(commands: Any) -> None:
    """Add the ``clouds`` command to the parser.

    >>> register(commands)  # doctest: +SKIP
    """
    commands.add("clouds", _clouds, "list the configured clouds and regions (clouds.yaml, OS_*), contacting none")
