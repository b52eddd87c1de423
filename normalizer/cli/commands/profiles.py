"""``profile list|show|validate``: the vendor profiles, one effective profile, a profile file's check.

>>> register(commands)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import yaml

from normalizer.cli.output import Listing, Record, plain
from normalizer.cli.runtime import Runtime
from normalizer.profiles import list_profiles
from normalizer.profiles.loader import check_profile_file, resolve_profile

__all__ = ["register"]


def _list(runtime: Runtime) -> Listing:
    """Every bundled and user profile with its status (shut-down ones too, without raising)."""
    rows = []
    for name in list_profiles():
        profile = resolve_profile(name)
        rows.append({"name": name, "status": profile.status, "display_name": profile.display_name,
                     "message": profile.message})
    return Listing(rows, ("name", "status", "display_name"))


def _show(runtime: Runtime) -> Record:
    """One effective profile (defaults, vendor file, region), every setting by dotted name."""
    profile = resolve_profile(runtime.args.name, region_name=runtime.args.region)
    # Nested sections and rule lists read best as YAML, the profile files' own format.
    return Record(profile.as_dict(), table=lambda data: yaml.safe_dump(plain(data), sort_keys=False).rstrip())


def _validate(runtime: Runtime) -> Listing:
    """Check a profile file as the loader would, for every region it names; a ProfileError when it is wrong."""
    path = runtime.args.file
    profiles = check_profile_file(path)
    rows = [{"file": path, "name": p.name, "region": p.region_name, "status": p.status, "valid": True}
            for p in profiles] or [{"file": path, "name": None, "region": None, "status": None, "valid": True}]
    return Listing(rows, ("file", "name", "region", "status", "valid"))


def register(commands: Any) -> None:
    """Add the ``profile`` commands to the parser.

    >>> register(commands)  # doctest: +SKIP
    """
    commands.add("profile list", _list, "list the vendor profiles and their status")
    show = commands.add("profile show", _show, "show one effective profile")
    show.add_argument("name", metavar="NAME", help="the profile's name (see profile list)")
    show.add_argument("--region", metavar="REGION", help="apply this region's section of the profile")
    validate = commands.add("profile validate", _validate,
                            "check a profile file as the loader would (exit status 2 when it is wrong)")
    validate.add_argument("file", metavar="FILE", help="a profile file, named after its profile: NAME.yaml")
