"""clouds.yaml / secure.yaml / ``OS_*`` variables / keyword arguments -> one frozen CloudConfig.

Configuration is read the way openstacksdk's ``openstack.config.loader`` reads it, so a
user's existing clouds.yaml works unchanged: the same files in the same places, the same
``OS_*`` variables, the same legacy spellings. The openstacksdk keys that carry facts about
a cloud (``networks:``, ``force_ipv4``, ``api_timeout``, ...) become profile layers that
the profile loader validates and merges (see :mod:`normalizer.config_translate`); auth
handling lives in :mod:`normalizer.auth_options`. Nothing here touches the network: there
is no ``.well-known`` profile fetch.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from dataclasses import dataclass, field
from types import MappingProxyType
from collections.abc import Mapping
from typing import Any

import yaml
from keystoneauth1 import session as ksa_session

from normalizer import auth_options
from normalizer.config_translate import api_timeout, profile_layers, substitute, tls_files, tls_settings
from normalizer.exceptions import ConfigError, UnknownCloudError, format_candidates
from normalizer.profiles import safe_yaml

__all__ = ["SITE_CONFIG_DIRS", "CloudConfig", "build_auth_plugin", "load_all_configs", "load_config"]

LOG = logging.getLogger(__name__)

#: Site-wide directories searched after the current directory and the user's one.
SITE_CONFIG_DIRS: tuple[str, ...] = ("/etc/openstack",)

_SUFFIXES = (".yaml", ".yml", ".json")
# Variables that only choose a cloud or a file: on their own they make no cloud.
_ENV_SELECTORS = frozenset(
    {"OS_CLOUD", "OS_REGION_NAME", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE", "OS_CLOUD_NAME"}
)
# Test-runner variables that openstacksdk also ignores.
_ENV_IGNORED = ("OS_TEST", "OS_STD", "OS_LOG")
_ENV_NOT_SETTINGS = ("cloud", "cloud_name", "client_config_file", "client_secure_file")
_KWARGS_SOURCE = "keyword arguments"
_ENV_SOURCE = "environment"


@dataclass(frozen=True, repr=False, kw_only=True)
class CloudConfig:
    """Everything needed to talk to one region of one cloud; immutable.

    ``auth`` and ``cache`` are read-only mappings; ``repr``/``str`` hide every secret.

    >>> CloudConfig(name="c", auth={"username": "u", "password": "p"}).auth["password"]
    'p'
    >>> "'p'" in repr(CloudConfig(name="c", auth={"username": "u", "password": "p"}))
    False
    """

    name: str
    region_name: str | None = None
    auth_type: str = "password"
    auth: Mapping[str, Any] = field(default_factory=dict, hash=False)
    profile_name: str = "generic"
    profile_layers: tuple[tuple[str, Mapping[str, Any]], ...] = field(default=(), hash=False)
    interface: str | None = None  # None: the profile's identity.interface
    verify: bool | str = True
    cert: str | tuple[str, str] | None = None
    api_timeout: float | None = None
    cache: Mapping[str, Any] = field(default_factory=dict, hash=False)
    session: Any | None = field(default=None, compare=False, hash=False)
    source: str = _KWARGS_SOURCE

    def __post_init__(self) -> None:
        for name in ("auth", "cache"):
            if not isinstance(getattr(self, name), Mapping):
                raise ConfigError(f"CloudConfig {name} must be a mapping, not {type(getattr(self, name)).__name__}",
                                  hint="build configurations with load_config(), or pass a dict")
        if not isinstance(self.profile_layers, (list, tuple)) or not all(
                isinstance(layer, (list, tuple)) and len(layer) == 2 for layer in self.profile_layers):
            raise ConfigError("CloudConfig profile_layers must be (label, mapping) pairs",
                              hint="build configurations with load_config(), or pass [('label', {...})]")
        object.__setattr__(self, "auth", MappingProxyType(dict(self.auth)))
        object.__setattr__(self, "cache", MappingProxyType(dict(self.cache)))
        object.__setattr__(self, "profile_layers", tuple((str(l), d) for l, d in self.profile_layers))
        if isinstance(self.cert, list):
            object.__setattr__(self, "cert", tuple(self.cert))

    def __repr__(self) -> str:
        labels = [label for label, _ in self.profile_layers]
        return (
            f"CloudConfig(name={self.name!r}, region_name={self.region_name!r}, "
            f"auth_type={self.auth_type!r}, auth={auth_options.redact(dict(self.auth))!r}, "
            f"profile_name={self.profile_name!r}, profile_layers={labels!r}, "
            f"interface={self.interface!r}, verify={self.verify!r}, cert={self.cert!r}, "
            f"api_timeout={self.api_timeout!r}, cache={auth_options.redact(dict(self.cache))!r}, "
            f"session={'<session>' if self.session is not None else None}, source={self.source!r})"
        )

    __str__ = __repr__

    def __reduce__(self):
        # mappingproxy cannot be pickled or deep-copied; rebuild from plain dicts instead.
        state = {f: getattr(self, f) for f in self.__dataclass_fields__}
        state["auth"], state["cache"] = dict(self.auth), dict(self.cache)
        return (_rebuild_config, (state,))


def _rebuild_config(state: dict[str, Any]) -> CloudConfig:
    return CloudConfig(**state)


@dataclass
class _Found:
    """What the files and the environment define, before any cloud is chosen."""

    clouds: dict[str, Any]
    origins: dict[str, str]  # cloud name -> "file" | "env"
    top: dict[str, Any]  # the merged file document (cache:, client:, ...)
    source: str | None  # "clouds.yaml path + secure.yaml path" that were read
    searched: tuple[str, ...]


# --- files and environment -------------------------------------------------------------


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    if environ is None:
        return os.environ
    if not isinstance(environ, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                   for k, v in environ.items()):
        raise ConfigError("environ must map variable names to text", hint="pass a dict such as os.environ, or None")
    return environ


def _user_dirs(env: Mapping[str, str]) -> list[str]:
    # openstacksdk looks in the XDG user config dir and in ~/.config/openstack (the real
    # home under snap), which are one directory unless XDG_CONFIG_HOME moves it.
    home = env.get("SNAP_REAL_HOME") or env.get("HOME") or os.path.expanduser("~")
    xdg = env.get("XDG_CONFIG_HOME")
    dirs = [os.path.join(xdg, "openstack")] if xdg else []
    return dirs + [os.path.join(home, ".config", "openstack")]


def _search_dirs(env: Mapping[str, str]) -> list[str]:
    """cwd, the user's config dir, then the site dirs; computed now so tests can move HOME."""
    dirs = []
    try:
        dirs.append(os.getcwd())
    except OSError:  # the working directory was deleted
        pass
    dirs += _user_dirs(env) + list(SITE_CONFIG_DIRS)
    return list(dict.fromkeys(dirs))


def _parse(path: str, text: str) -> dict[str, Any]:
    try:
        safe_yaml.check_size(text)
        data = json.loads(text) if path.endswith(".json") else safe_yaml.load(text)
        deep = safe_yaml.check_nesting(data)
        if deep is not None:
            raise safe_yaml.UnsafeDocument(f"nested more than {safe_yaml.MAX_DEPTH} levels deep", pointer=deep,
                                           hint="flatten the document")
    except safe_yaml.UnsafeDocument as err:
        raise ConfigError(f"{path}: {err}", hint=err.hint, path=path, line=err.line, pointer=err.pointer) from None
    except json.JSONDecodeError as err:
        raise ConfigError(
            f"{path} line {err.lineno}: {err.msg}", hint="fix the JSON syntax", path=path, line=err.lineno
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(f"{path} line {line}: {problem}", hint="fix the YAML syntax", path=path, line=line) from None
    except (ValueError, OverflowError, RecursionError) as err:
        # JSON only (YAML values are checked in safe_yaml): a 5000-digit number, or nesting past the stack
        raise ConfigError(f"{path}: unreadable value: {err}", hint="quote the value", path=path) from None
    if data is None:
        return {"clouds": {}}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path} is not a mapping (it holds a {type(data).__name__})",
            hint="start the file with 'clouds:' and one entry per cloud under it",
            path=path,
        )
    clouds = data.get("clouds")
    if clouds is None:
        data["clouds"] = {}
    elif not isinstance(clouds, dict):
        raise ConfigError(
            f"{path}: 'clouds' must map cloud names to settings, not a {type(clouds).__name__}",
            hint="write each cloud as 'name:' followed by its indented settings",
            path=path,
        )
    return data


def _first_file(stem: str, override: str | None, env: Mapping[str, str]) -> tuple[str | None, dict, list[str]]:
    candidates = [override] if override else []
    candidates += [os.path.join(d, stem + s) for d in _search_dirs(env) for s in _SUFFIXES]
    for path in candidates:
        if not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except PermissionError:
            LOG.warning("skipping %s: permission denied", path)
            continue
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"cannot read {path}: {err}", hint="fix the file or its permissions", path=path) from None
        return path, _parse(path, text), candidates
    return None, {}, candidates


def _merge(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``new`` over ``old`` (secure.yaml over clouds.yaml)."""
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _env_cloud(env: Mapping[str, str]) -> dict[str, Any] | None:
    keys = [k for k in env if k.startswith("OS_") and not k.startswith(_ENV_IGNORED)]
    if not set(keys) - _ENV_SELECTORS:
        return None
    entry = {k[3:].lower(): env[k] for k in keys}
    for key in _ENV_NOT_SETTINGS:
        entry.pop(key, None)
    return entry


def _discover(env: Mapping[str, str]) -> _Found:
    clouds_path, clouds_doc, searched = _first_file("clouds", env.get("OS_CLIENT_CONFIG_FILE"), env)
    secure_path, secure_doc, _ = _first_file("secure", env.get("OS_CLIENT_SECURE_FILE"), env)
    top = _merge(clouds_doc, secure_doc)
    clouds = {str(name): entry for name, entry in (top.get("clouds") or {}).items()}
    origins = dict.fromkeys(clouds, "file")
    source = " + ".join(p for p in (clouds_path, secure_path) if p) or None
    env_cloud = _env_cloud(env)
    if env_cloud is not None:
        env_name = env.get("OS_CLOUD_NAME") or "envvars"
        if env_name in clouds:
            raise ConfigError(
                f"{source} defines a cloud named '{env_name}', which is also the name of the OS_* variables' cloud",
                hint="rename that cloud, or set OS_CLOUD_NAME to another name",
            )
        clouds[env_name] = env_cloud
        origins[env_name] = "env"
    return _Found(clouds, origins, top, source, tuple(searched))


# --- choosing a cloud -------------------------------------------------------------------


def _unknown_cloud(name: str, found: _Found) -> UnknownCloudError:
    where = found.source or "any clouds.yaml (none was found)"
    known = list(found.clouds)
    return UnknownCloudError(
        f"cloud '{name}' is not defined in {where}",
        hint=(f"use one of the known clouds ({format_candidates(known)}) or add '{name}' under clouds: in clouds.yaml"
              if known else f"add '{name}' under clouds: in clouds.yaml"),
        cloud=name,
        known=known,
        source=where,
    )


def _select(cloud: Any, found: _Found, env: Mapping[str, str], has_args: bool) -> tuple[str, Any, str]:
    """Return (name, raw entry, origin) as openstacksdk picks them."""
    if cloud is not None and not isinstance(cloud, str):
        raise ConfigError(f"the cloud name must be text, not {type(cloud).__name__}", hint="pass the clouds.yaml name")
    name = cloud or env.get("OS_CLOUD") or None
    if not name:
        env_names = [n for n, origin in found.origins.items() if origin == "env"]
        name = env_names[0] if env_names else None
    if not name and len(found.clouds) == 1:
        name = next(iter(found.clouds))
    if name:
        if name not in found.clouds:
            raise _unknown_cloud(name, found)
        return name, found.clouds[name], found.origins[name]
    if has_args:
        return "defaults", {}, "kwargs"
    if found.clouds:
        raise ConfigError(
            f"several clouds are configured ({format_candidates(found.clouds)}) and none was chosen",
            hint="pass a cloud name, or set OS_CLOUD",
        )
    raise ConfigError(
        "no cloud is configured",
        hint=(
            f"create {os.path.join(_user_dirs(env)[0], 'clouds.yaml')} (or set OS_CLIENT_CONFIG_FILE) and name a cloud, "
            "set OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME, "
            "or pass auth_url=..., username=..., password=..., project_name=..."
        ),
        searched=list(found.searched),
    )


# --- one cloud entry ----------------------------------------------------------------------


def _key(key: Any) -> str:
    return str(key).replace("-", "_")


def _entry(name: str, raw: Any, where: str, what: str = "settings") -> dict[str, Any]:
    """A cloud entry (or region values) with openstacksdk's key spelling and a dict ``auth``."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"cloud '{name}' in {where}: its {what} must be a mapping, not a {type(raw).__name__}",
            hint="write the cloud's settings as 'key: value' lines under its name",
            cloud=name,
        )
    entry = {_key(k): v for k, v in raw.items()}
    auth = entry.get("auth")
    if auth is None:
        entry.pop("auth", None)
    elif not isinstance(auth, Mapping):
        raise ConfigError(
            f"cloud '{name}' in {where}: auth must be a mapping of option names to values, "
            f"not a {type(auth).__name__}",
            hint="write auth: as indented 'auth_url: ...', 'username: ...' lines",
            cloud=name,
        )
    else:
        entry["auth"] = {_key(k): v for k, v in auth.items()}
    return entry


def _kwargs_entry(kwargs: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Keyword arguments as a layer: ``os_`` prefixes dropped, None means "not given"."""
    plain, prefixed = {}, {}
    for key, value in kwargs.items():
        key = _key(key)
        target = prefixed if key.startswith("os_") else plain
        target[key[3:] if key.startswith("os_") else key] = value
    plain.update(prefixed)
    entry = _entry(name, {k: v for k, v in plain.items() if v is not None}, _KWARGS_SOURCE)
    if "auth" in entry:
        entry["auth"] = {k: v for k, v in entry["auth"].items() if v is not None}
    return entry


def _overlay(base: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Like dict.update, except that ``auth`` mappings are merged (openstacksdk's rule)."""
    merged = dict(base)
    for key, value in values.items():
        if key == "auth":
            merged["auth"] = {**merged.get("auth", {}), **value}
        else:
            merged[key] = value
    return merged


def _known_regions(name: str, entry: Mapping[str, Any], where: str) -> list[tuple[str, Any]]:
    """The (region name, values) pairs a cloud lists, from ``regions:`` or a list ``region_name``."""
    if "regions" in entry:
        listed = entry["regions"] or []
    elif isinstance(entry.get("region_name"), list):
        listed = entry["region_name"]
    elif isinstance(entry.get("region_name"), str) and "," in entry["region_name"]:
        listed = [r.strip() for r in entry["region_name"].split(",") if r.strip()]
    else:
        return []
    if not isinstance(listed, list):
        raise ConfigError(
            f"cloud '{name}' in {where}: regions must be a list, not a {type(listed).__name__}",
            hint="list region names, or {name: ..., values: {...}} mappings, under regions:",
            cloud=name,
        )
    regions = []
    for item in listed:
        if isinstance(item, Mapping):
            if "name" not in item or not set(item) <= {"name", "values"}:
                raise ConfigError(
                    f"cloud '{name}' in {where}: invalid region entry {auth_options.redact(dict(item))!r}",
                    hint="a region entry is a name, or a mapping with only 'name' and 'values'",
                    cloud=name,
                )
            regions.append((str(item["name"]), item.get("values")))
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            regions.append((str(item), None))
        else:
            raise ConfigError(
                f"cloud '{name}' in {where}: invalid region entry {item!r}",
                hint="a region entry is a name, or a mapping with only 'name' and 'values'",
                cloud=name,
            )
    return regions


def _pick_region(name: str, entry: dict[str, Any], requested: Any, where: str) -> tuple[str | None, Any]:
    regions = _known_regions(name, entry, where)
    default = entry.get("region_name")
    if default is not None and not isinstance(default, (str, list)):
        default = str(default)
    if requested is not None and not isinstance(requested, str):
        raise ConfigError(f"region_name must be text, not {type(requested).__name__}", hint="pass the region's name")
    if not regions:
        return (requested or default or None), None
    wanted = requested or (default if "regions" in entry and isinstance(default, str) and default else None)
    if not wanted:
        return regions[0]
    for region in regions:
        if region[0] == wanted:
            return region
    raise ConfigError(
        f"cloud '{name}': region '{wanted}' is not one of its regions ({format_candidates(r for r, _ in regions)})",
        hint="pick one of those with region_name=, or add it under regions: in clouds.yaml (names are case-sensitive)",
        cloud=name,
        region_name=wanted,
    )


# --- building the CloudConfig ---------------------------------------------------------------


def _expand(value: Any, context: Mapping[str, Any], name: str, key: str) -> Any:
    """openstacksdk lets string settings refer to others, e.g. ``https://{region_name}.example``."""
    if not isinstance(value, str) or ("{" not in value and "}" not in value):
        return value
    return substitute(value, context, cloud=name, key=key)


def _legacy_spellings(layer: dict[str, Any]) -> None:
    """openstacksdk's renames: ``*endpoint_type`` -> ``*interface``, ``<svc>_timeout`` -> api_timeout."""
    for key in [k for k in layer if k.endswith("endpoint_type")]:
        layer.setdefault(key.replace("endpoint_type", "interface"), layer.pop(key))
    for key in [k for k in layer if k.endswith("timeout") and k not in ("timeout", "api_timeout")]:
        layer["api_timeout"] = layer.pop(key)


@dataclass
class _Request:
    region_name: Any = None
    session: Any = None
    profile: Any = None
    profile_overrides: Any = None
    cache: Any = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def _build(name: str, raw: Any, origin: str, found: _Found, env: Mapping[str, str], req: _Request) -> CloudConfig:
    where = {"file": found.source, "env": _ENV_SOURCE}.get(origin) or _KWARGS_SOURCE
    entry = _entry(name, raw, where)
    kw = _kwargs_entry(req.kwargs, name)
    region, values = _pick_region(name, entry, req.region_name, where)
    if values is not None:
        entry = _overlay(entry, _entry(name, values, where, what=f"region '{region}' values"))
    entry.pop("regions", None)
    entry["region_name"] = region
    profile_name = _profile_name(name, req.profile, entry)
    for layer in (entry, kw):
        _legacy_spellings(layer)
    auth_type = auth_options.choose_auth_type([entry, kw], name)
    options = [] if req.session is not None else auth_options.plugin_options(auth_type, name)
    auth = auth_options.gather_auth(entry, auth_type, options)
    auth.update(auth_options.gather_auth(kw, auth_type, options))
    auth_options.scope_domains(auth)
    settings = {**entry, **kw}
    # a secret is never a placeholder: it would end up in a URL, and in error messages
    context = {k: v for k, v in settings.items()
               if isinstance(v, (str, int, float)) and not auth_options.is_secret_key(k)}
    for layer in (entry, kw):
        for key in [k for k in layer if not auth_options.is_secret_key(k)]:  # never rewrite nor echo a secret
            layer[key] = _expand(layer[key], context, name, key)
    settings = {**entry, **kw}
    if "auth_url" in auth:
        auth["auth_url"] = _expand(auth["auth_url"], context, name, "auth_url")
    if req.session is None:
        auth_options.check_auth_values(name, auth, options)
        auth_options.require_auth(name, auth, options, auth_url_optional=profile_name != "generic")
    verify, cert = tls_settings(settings, name)
    _check_tls_files(name, tls_files(settings, verify, cert), kw, origin, where)
    interface = settings.get("interface") or None
    if interface is not None and not isinstance(interface, str):
        raise ConfigError(f"cloud '{name}': interface must be text such as 'internal', not {interface!r}",
                          hint="set interface to public, internal or admin", cloud=name)
    prefix = {"file": f"clouds.yaml cloud '{name}'", "env": f"environment cloud '{name}'"}.get(origin)
    return CloudConfig(
        name=name,
        region_name=region,
        auth_type=auth_type,
        auth=auth,
        profile_name=profile_name,
        profile_layers=profile_layers(
            name, top=found.top, env=env, prefix=prefix, entry=entry, kwargs=kw, overrides=req.profile_overrides
        ),
        interface=interface,
        verify=verify,
        cert=cert,
        api_timeout=api_timeout(settings, name),
        cache=_cache(found.top, req.cache),
        session=req.session,
        source=where,
    )


def _check_tls_files(name: str, files: list[tuple[str, str, bool]], kw: Mapping[str, Any], origin: str,
                     where: str) -> None:
    """Refuse a CA bundle, certificate or key that cannot be read now, not at the first request."""
    for setting, path, directory_ok in files:
        if os.path.isfile(path) or (directory_ok and os.path.isdir(path)):
            if os.access(path, os.R_OK):
                continue
            problem = "cannot be read"
        else:
            problem = "does not exist"
        if setting in kw:
            given = f"keyword argument {setting}="
        else:
            given = f"OS_{setting.upper()}" if origin == "env" else f"{setting}: in {where}"
        what = {"cert": "client certificate", "key": "client key"}.get(setting, "CA bundle")
        raise ConfigError(
            f"cloud '{name}': {setting}: the {what} {path!r} {problem} (set by {given})",
            hint=("set verify to true or false, or to an existing, readable CA bundle" if setting == "verify"
                  else f"point {setting} at an existing, readable PEM file, or remove the setting"),
            cloud=name, setting=setting, path=path,
        )


def _profile_name(name: str, profile: Any, entry: dict[str, Any]) -> str:
    chosen = entry.pop("profile", None)
    legacy = entry.pop("cloud", None)  # the old openstacksdk spelling of profile:
    chosen = profile if profile is not None else (chosen if chosen is not None else legacy)
    if chosen is None or chosen == "":
        return "generic"
    if not isinstance(chosen, str):
        raise ConfigError(f"cloud '{name}': profile must be a profile name, not {chosen!r}",
                          hint="set profile: to a name from normalizer.list_profiles()", cloud=name)
    return chosen


def _cache(top: Mapping[str, Any], override: Any) -> dict[str, Any]:
    value = top.get("cache") if override is None else override
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"cache must be a mapping (class, expiration_time, expiration, arguments), not {value!r}",
            hint="write cache: with indented settings, or pass cache={...}",
        )
    return copy.deepcopy(dict(value))


def _check_arguments(session: Any, arguments: Mapping[str, Any]) -> None:
    """Refuse keyword arguments that no later step could walk safely, or a session that is not one."""
    if session is not None and not isinstance(session, ksa_session.Session):
        raise ConfigError(f"session must be a keystoneauth1 Session, not a {type(session).__name__}",
                          hint="pass keystoneauth1.session.Session(auth=...), or leave session= out")
    for key, value in arguments.items():
        where = safe_yaml.check_nesting(value)
        if where is not None:
            shown = where if len(where) <= 60 else where[:50] + "..."
            raise ConfigError(
                f"keyword argument {key}= is nested more than {safe_yaml.MAX_DEPTH} levels deep, holds more than "
                f"{safe_yaml.MAX_NODES} values or contains itself (at {shown})",
                hint="pass plain settings: mappings and lists a few levels deep", argument=key,
            )


# --- public API -------------------------------------------------------------------------------


def load_config(
    cloud: str | None = None,
    *,
    region_name: str | None = None,
    session: Any = None,
    profile: str | None = None,
    profile_overrides: Mapping[str, Any] | None = None,
    cache: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> CloudConfig:
    """Load one cloud region's configuration, exactly as openstacksdk would find it.

    The cloud is ``cloud``, else ``OS_CLOUD``, else the ``OS_*`` variables' cloud, else
    the only cloud in clouds.yaml; keyword arguments (``auth_url=``, ``username=``, ...)
    override everything. Raises :class:`ConfigError` (:class:`UnknownCloudError` for a
    name that is not configured).

    >>> load_config("mycloud", region_name="RegionTwo")  # doctest: +SKIP
    >>> load_config(auth_url="https://keystone:5000/v3", username="u", password="p",  # doctest: +SKIP
    ...             project_name="p")
    """
    _check_arguments(session, {**kwargs, "profile_overrides": profile_overrides, "cache": cache})
    env = _environ(environ)
    found = _discover(env)
    has_args = bool(kwargs) or session is not None
    name, raw, origin = _select(cloud, found, env, has_args)
    request = _Request(region_name, session, profile, profile_overrides, cache, kwargs)
    return _build(name, raw, origin, found, env, request)


def load_all_configs(*, environ: Mapping[str, str] | None = None, **unexpected: Any) -> list[CloudConfig]:
    """Load every configured cloud in every region it lists (one CloudConfig per region).

    A cloud whose auth is incomplete is skipped with a warning, as openstacksdk does;
    any other configuration error is raised.

    >>> [(c.name, c.region_name) for c in load_all_configs()]  # doctest: +SKIP
    """
    if unexpected:
        # connect_all(**kwargs) lands here: a TypeError would escape the public API
        raise ConfigError(f"connect_all/load_all_configs take no {', '.join(sorted(unexpected))}= argument",
                          hint="every cloud and region comes from clouds.yaml and OS_*; use connect() for one")
    env = _environ(environ)
    found = _discover(env)
    configs = []
    for name, raw in found.clouds.items():
        origin = found.origins[name]
        where = found.source if origin == "file" else _ENV_SOURCE
        regions = [r for r, _ in _known_regions(name, _entry(name, raw, where or _KWARGS_SOURCE), where)]
        for region in regions or [None]:
            try:
                configs.append(_build(name, raw, origin, found, env, _Request(region_name=region)))
            except ConfigError as err:
                if getattr(err, "field", None) is None:
                    raise
                LOG.warning("skipping cloud %r region %r: %s", name, region, err)
    return configs


def build_auth_plugin(config: CloudConfig, *, defaults: Mapping[str, Any] | None = None) -> Any:
    """Build the keystoneauth1 auth plugin for ``config`` (no network I/O happens here).

    ``defaults`` fills auth values the configuration lacks (the profile's ``auth_url``,
    for instance). With a ready ``session`` its own auth plugin is returned. Raises
    :class:`ConfigError` when the plugin cannot be built (for example no ``auth_url``).

    >>> plugin = build_auth_plugin(CloudConfig(name="c", auth_type="v3token",
    ...     auth={"auth_url": "https://keystone.example/v3", "token": "t"}))
    >>> plugin.auth_url
    'https://keystone.example/v3'
    """
    if not isinstance(config, CloudConfig):
        raise ConfigError(f"build_auth_plugin needs a CloudConfig, not {type(config).__name__}",
                          hint="pass what load_config() returned")
    if defaults is not None and not isinstance(defaults, Mapping):
        raise ConfigError(f"defaults must be a mapping, not {type(defaults).__name__}", hint="pass a dict or None")
    if config.session is not None:
        return getattr(config.session, "auth", None)
    auth = {k: v for k, v in (defaults or {}).items() if v is not None and v != ""}
    auth.update({k: v for k, v in config.auth.items() if v is not None and v != ""})
    options = auth_options.plugin_options(config.auth_type, config.name)
    auth_options.require_auth(config.name, auth, options)
    return auth_options.load_plugin(config.name, config.auth_type, auth)
