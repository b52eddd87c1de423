"""Find, read and assemble vendor profiles.

Search path (the first ``<name>.yaml`` found wins):

1. each directory in ``NORMALIZER_PROFILE_PATH`` (``os.pathsep``-separated, read at call time);
2. the user directory ``$XDG_CONFIG_HOME/normalizer/profiles`` (default ``~/.config/normalizer/profiles``);
3. the profiles bundled with the package.

``_defaults.yaml`` always comes from the bundle. A profile is assembled as
``_defaults`` -> vendor file -> ``regions.<region_name>`` of the vendor file -> each
caller layer (and that layer's own ``regions.<region_name>``). Every document is
validated before merging and the merged result once more.

Files are parsed like ``yaml.safe_load``, within bounds on depth and size
(:mod:`normalizer.profiles.safe_yaml`); nothing is ever fetched from a URL.
"""

from __future__ import annotations

import difflib
import json
import importlib.resources
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Callable

import yaml

from normalizer.exceptions import ProfileError, ProfileShutdownError, UnknownProfileError
from normalizer.profiles import safe_yaml
from normalizer.profiles.merge import merge
from normalizer.profiles.model import Profile, ProfileDeprecationWarning, freeze
from normalizer.profiles.schema import NAME_PATTERN, validate

__all__ = [
    "ENV_PATH",
    "check_profile_file",
    "list_profiles",
    "load_profile",
    "profile_dirs",
    "resolve_profile",
]

ENV_PATH = "NORMALIZER_PROFILE_PATH"
DEFAULT_NAME = "generic"
_DEFAULTS = "_defaults"
_SUFFIX = ".yaml"
_NAME_LIMIT = 100  # file names stay well under every file system's limit
_BUNDLE_PACKAGE = "normalizer.vendor_profiles"
_BUNDLE_LABEL = "vendor_profiles"


# --- where profiles live -------------------------------------------------------------------


def _bundled_dir() -> Any:
    """The bundled profile directory (a Path or an importlib Traversable)."""
    try:
        root = importlib.resources.files(_BUNDLE_PACKAGE)
        if root.joinpath(_DEFAULTS + _SUFFIX).is_file():
            return root
    except (ImportError, TypeError, ValueError, AttributeError, OSError):
        pass
    # A source checkout or an editable install: the package mapping may not exist.
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / _BUNDLE_LABEL, here.parent.parent / _BUNDLE_LABEL):
        if (candidate / (_DEFAULTS + _SUFFIX)).is_file():
            return candidate
    raise ProfileError("the bundled vendor profiles are missing from this installation",
                       hint="reinstall normalizer")


def _user_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "normalizer" / "profiles"


def profile_dirs() -> list[tuple[str, Any]]:
    """The search path, first match first, as ``(label, directory)`` pairs.

    The label of the bundled directory is ``vendor_profiles``; user directories are
    labelled with their path.

    >>> profile_dirs()[-1][0]
    'vendor_profiles'
    """
    dirs: list[tuple[str, Any]] = []
    for entry in os.environ.get(ENV_PATH, "").split(os.pathsep):
        if entry.strip():
            path = Path(entry).expanduser()
            dirs.append((str(path), path))
    user = _user_dir()
    dirs.append((str(user), user))
    dirs.append((_BUNDLE_LABEL, _bundled_dir()))
    return dirs


def _is_dir(directory: Any) -> bool:
    try:
        return directory.is_dir()
    except OSError:
        return False


def _is_file(entry: Any) -> bool:
    # Path.is_file lets some errors through (a name too long, a directory without permission)
    try:
        return entry.is_file()
    except OSError:
        return False


def _entries(directory: Any) -> list[Any]:
    try:
        return list(directory.iterdir())
    except OSError:  # unreadable: searched like an empty directory
        return []


def list_profiles() -> list[str]:
    """Sorted names of every profile on the search path (``_defaults`` excluded).

    >>> "generic" in list_profiles()
    True
    """
    names = set()
    for _label, directory in profile_dirs():
        if not _is_dir(directory):
            continue
        for entry in _entries(directory):
            stem, suffix = os.path.splitext(entry.name)
            if suffix == _SUFFIX and re.fullmatch(NAME_PATTERN, stem) and _is_file(entry):
                names.add(stem)
    return sorted(names)


def _locate(name: str) -> tuple[str, Any]:
    for label, directory in profile_dirs():
        if not _is_dir(directory):
            continue
        candidate = directory.joinpath(name + _SUFFIX)
        if _is_file(candidate):
            return f"{label}/{name}{_SUFFIX}" if label == _BUNDLE_LABEL else str(candidate), candidate
    known = list_profiles()
    close = difflib.get_close_matches(name, known, n=1)
    hint = (f"did you mean {close[0]!r}? " if close else "") + f"known profiles: {', '.join(known)}"
    raise UnknownProfileError(f"unknown profile {name!r}", hint=hint, name=name, known=known)


# --- reading -------------------------------------------------------------------------------


def _read_document(entry: Any, source: str) -> dict:
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError(f"{source}: cannot read the file: {err}",
                           hint="make it a readable UTF-8 text file", source=source) from None
    try:
        document = safe_yaml.load(text)
    except safe_yaml.UnsafeDocument as err:
        raise ProfileError(f"{source}: {err}", hint=err.hint, source=source, pointer=err.pointer,
                           line=err.line) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(top level)"
        problem = getattr(err, "problem", None) or str(err)
        raise ProfileError(f"{source}: {where}: invalid YAML: {problem}",
                           hint="fix the YAML syntax", source=source) from None
    if not isinstance(document, Mapping):
        got = "an empty file" if document is None else type(document).__name__
        raise ProfileError(f"{source}: (top level): must be a mapping of profile keys, got {got}",
                           hint="start the file with name:, display_name: and status: lines", source=source,
                           pointer="")
    return document


def _file_key(source: str, entry: Any) -> tuple:
    # Parsing dominates load time; a file is re-read only when it changes on disk.
    if isinstance(entry, Path):
        try:
            stat = entry.stat()
            return (source, str(entry), stat.st_mtime_ns, stat.st_size)
        except OSError:
            return (source, str(entry), None, None)
    return (source, str(entry), None, None)  # inside an installed package: never changes


_CACHE: dict[tuple, Mapping] = {}
_CACHE_LIMIT = 256


def _remembered(store: dict, key: tuple, produce: Callable[[], Any]) -> Any:
    """``store[key]``, produced on first use; a full store starts over (it only holds what files give)."""
    if key not in store:
        if len(store) >= _CACHE_LIMIT:
            store.clear()
        store[key] = produce()
    return store[key]


def _read_profile(source: str, entry: Any, stem: str) -> Mapping:
    return _remembered(_CACHE, _file_key(source, entry), lambda: freeze(_parse_profile(source, entry, stem)))


def _parse_profile(source: str, entry: Any, stem: str) -> dict:
    document = _read_document(entry, source)
    if stem == _DEFAULTS:
        validate(document, source, partial=True)
        return document
    validate(document, source)
    if document["name"] != stem:
        raise ProfileError(f"{source}: name: {document['name']!r} does not match the file name {stem!r}",
                           hint=f"set name: {stem}, or rename the file", source=source, pointer="name")
    return document


def _read_defaults() -> Mapping:
    entry = _bundled_dir().joinpath(_DEFAULTS + _SUFFIX)
    return _read_profile(f"{_BUNDLE_LABEL}/{_DEFAULTS}{_SUFFIX}", entry, _DEFAULTS)


# --- assembling ----------------------------------------------------------------------------


def _apply(base: Mapping, layer: Mapping, region_name: str | None) -> dict:
    merged = merge(base, layer)
    regions = layer.get("regions") or {}
    block = regions.get(region_name) if region_name is not None else None
    return merge(merged, block) if block else merged


def _assemble(vendor: Mapping, source: str, region_name: str | None,
              layers: Sequence[tuple[str, Mapping]]) -> Profile:
    checked = []
    for item in layers:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise ProfileError(f"profile layers must be (label, mapping) pairs, got {item!r}",
                               hint="pass layers=[('my label', {...}), ...]")
        label, layer = str(item[0]), item[1]
        if layer is None:
            continue
        if not isinstance(layer, Mapping):
            raise ProfileError(f"{label}: (top level): must be a mapping, got {type(layer).__name__}",
                               hint="write profile settings (network:, transport:, ...) as a mapping",
                               source=label, pointer="")
        validate(layer, label, partial=True)
        checked.append(layer)
    data: dict = {}
    for document in (_read_defaults(), vendor, *checked):
        data = _apply(data, document, region_name)
    where = f" region {region_name!r}," if region_name is not None else ""
    validate(data, f"profile {vendor['name']!r} (merged from {source},{where} {len(checked)} layer(s))")
    return Profile.from_data(data, region_name=region_name)


def _check_name(name: Any) -> str:
    if name is None:
        return DEFAULT_NAME
    if not isinstance(name, str) or len(name) > _NAME_LIMIT or not re.fullmatch(NAME_PATTERN, name):
        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
        raise UnknownProfileError(f"invalid profile name {shown}",
                                  hint="profile names use letters, digits, '-' and '_'; "
                                       f"known profiles: {', '.join(list_profiles())}", name=str(name))
    return name


def resolve_profile(name: str = DEFAULT_NAME, *, region_name: str | None = None,
                    layers: Sequence[tuple[str, Mapping]] = ()) -> Profile:
    """Like :func:`load_profile` but without acting on ``status`` (no error, no warning).

    Meant for tools that inspect profiles (linting, ``explain``).

    >>> resolve_profile("generic").status
    'active'
    """
    name = _check_name(name)
    if region_name is not None and not isinstance(region_name, str):
        raise ProfileError(f"region_name must be text, not {type(region_name).__name__}",
                           hint="pass the region's name, or None")
    if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence):
        raise ProfileError(f"layers must be a list of (label, mapping) pairs, not {type(layers).__name__}",
                           hint="pass layers=[('my label', {...}), ...]")
    source, entry = _locate(name)
    vendor = _read_profile(source, entry, name)
    key = _assembly_key(source, entry, region_name, layers)
    if key is None:
        return _assemble(vendor, source, region_name, layers)
    return _remembered(_ASSEMBLED, key, lambda: _assemble(vendor, source, region_name, layers))


# Merging and validating costs milliseconds per connect; a Profile is read-only, so clouds
# that share a profile, region and settings (connect_all, a worker pool) share one.
_ASSEMBLED: dict[tuple, Profile] = {}


def _assembly_key(source: str, entry: Any, region_name: str | None, layers: Any) -> tuple | None:
    """What an assembled profile depends on, or None when the layers cannot be keyed (then no reuse)."""
    try:
        text = json.dumps([[str(label), layer] for label, layer in layers], sort_keys=True)
    except (TypeError, ValueError):
        return None  # not plain data (or not label/layer pairs): _assemble says what is wrong
    return _file_key(source, entry), _file_key(_BUNDLE_LABEL, _bundled_dir().joinpath(_DEFAULTS + _SUFFIX)), \
        region_name, text


def load_profile(name: str = DEFAULT_NAME, *, region_name: str | None = None,
                 layers: Sequence[tuple[str, Mapping]] = ()) -> Profile:
    """Load, validate and merge the effective profile for one cloud region.

    ``layers`` are ``(label, mapping)`` pairs applied last, in order (clouds.yaml
    settings, then keyword arguments); the label names the layer in errors.
    Raises :class:`UnknownProfileError`, :class:`ProfileShutdownError` or
    :class:`ProfileError`; warns :class:`ProfileDeprecationWarning` for a deprecated one.

    >>> load_profile("generic", layers=[("kwargs", {"network": {"prefer_ipv6": True}})]).network.prefer_ipv6
    True
    """
    profile = resolve_profile(name, region_name=region_name, layers=layers)
    if profile.status == "shutdown":
        raise ProfileShutdownError(f"profile {profile.name!r} is shut down: {profile.message}",
                                   hint="choose another profile, or remove this cloud from clouds.yaml",
                                   name=profile.name, pointer="status")
    if profile.status == "deprecated":
        warnings.warn(f"profile {profile.name!r} is deprecated: {profile.message}",
                      ProfileDeprecationWarning, stacklevel=2)
    return profile


def check_profile_file(path: str | os.PathLike) -> list[Profile]:
    """Validate one profile file as the loader would, for every region it names.

    Returns the assembled profiles (top level first, then one per region); status is
    not acted on. ``_defaults.yaml`` is validated as a layer and returns ``[]``.

    >>> check_profile_file("~/.config/normalizer/profiles/mycloud.yaml")  # doctest: +SKIP
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ProfileError(f"a profile file path must be text, not {type(path).__name__}",
                           hint="pass the path of a <name>.yaml file")
    path = Path(path).expanduser()
    source = str(path)
    if path.suffix != _SUFFIX:
        raise ProfileError(f"{source}: profile files must be named <name>{_SUFFIX}",
                           hint=f"rename it to {path.stem}{_SUFFIX} or move it away", source=source)
    document = _read_profile(source, path, path.stem)
    if path.stem == _DEFAULTS:
        return []
    regions = [None, *(document.get("regions") or {})]
    return [_assemble(document, source, region, ()) for region in regions]
