"""Auth options of a cloud entry: which plugin, which values, what is missing, redaction.

This is the keystoneauth1 side of :mod:`normalizer.config`. It resolves the auth type the
way openstacksdk does, gathers the auth values of one configuration layer (the ``auth:``
mapping, the legacy aliases such as ``tenant_name`` and the plugin's option names given at
the top level), checks that the values a plugin cannot work without are there, and builds
the plugin. No function here touches the network or the file system.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from collections.abc import Mapping, Sequence
from typing import Any

from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import loading

from normalizer.exceptions import ConfigError, format_candidates

__all__ = [
    "available_plugins",
    "check_auth_values",
    "choose_auth_type",
    "gather_auth",
    "is_secret_key",
    "load_plugin",
    "plugin_options",
    "redact",
    "require_auth",
    "resolve_auth_type",
    "scope_domains",
]

REDACTED = "***"
_PLUGIN_GROUP = "keystoneauth1.plugin"
_SECRET_MARKERS = ("password", "secret", "token", "passcode")

# openstacksdk's legacy spellings: each target key takes the value of any alias, and a
# value found at the top level of the entry beats one inside ``auth:`` (openstacksdk
# does that so command-line and environment overrides win).
_ALIASES: dict[str, tuple[str, ...]] = {
    "domain_id": ("domain_id",),
    "domain_name": ("domain_name",),
    "user_domain_id": ("user_domain_id",),
    "user_domain_name": ("user_domain_name",),
    "project_domain_id": ("project_domain_id",),
    "project_domain_name": ("project_domain_name",),
    "token": ("auth_token", "token"),
    "passcode": ("passcode",),
}
_PROJECT_ALIASES = {
    "project_id": ("tenant_id", "project_id"),
    "project_name": ("tenant_name", "project_name"),
}
# v2password speaks the old nouns, so the mapping runs the other way for it.
_TENANT_ALIASES = {
    "tenant_id": ("project_id", "tenant_id"),
    "tenant_name": ("project_name", "tenant_name"),
}


def is_secret_key(key: Any) -> bool:
    """Tell whether an option name holds a secret that must never be shown.

    >>> is_secret_key("application_credential_secret"), is_secret_key("username")
    (True, False)
    """
    lowered = str(key).lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def redact(value: Any) -> Any:
    """Return a copy of ``value`` with every secret-named entry replaced by ``***``.

    >>> redact({"username": "u", "password": "p", "nested": {"token": "t"}})
    {'username': 'u', 'password': '***', 'nested': {'token': '***'}}
    """
    if isinstance(value, Mapping):
        return {k: (REDACTED if is_secret_key(k) and v is not None else redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v) for v in value)
    return value


def resolve_auth_type(value: Any, cloud: str) -> str:
    """Turn a configured ``auth_type`` into a keystoneauth1 plugin name, as openstacksdk does.

    >>> resolve_auth_type("token_endpoint", "x"), resolve_auth_type(None, "x")
    ('admin_token', 'none')
    """
    if value is None or value in ("None", ""):
        # openstacksdk maps every spelling of "no auth" to the pass-through plugin.
        return "none"
    if not isinstance(value, str):
        raise ConfigError(
            f"cloud '{cloud}': auth_type must be a plugin name, not {type(value).__name__}",
            hint="set auth_type to a keystoneauth1 plugin name such as password or v3applicationcredential",
            cloud=cloud,
        )
    # A plugin that does not exist in keystoneauth, but that humans keep asking for.
    return "admin_token" if value == "token_endpoint" else value


def choose_auth_type(layers: Sequence[dict[str, Any]], cloud: str) -> str:
    """Pop ``auth_type`` (or the old ``auth_plugin``) from the layers; the last layer wins.

    Without one the type is ``password``, or ``token`` when a token and no password is
    given (as the ``openstack`` command does).

    >>> choose_auth_type([{"auth": {"token": "t"}}, {}], "c")
    'token'
    """
    chosen, explicit = "password", False
    for layer in layers:
        for key in ("auth_plugin", "auth_type"):  # auth_type beats the old auth_plugin
            if key in layer:
                chosen, explicit = layer.pop(key), True
    if not explicit:

        def given(key: str) -> bool:
            return any(_present(layer.get(key)) or _present((layer.get("auth") or {}).get(key)) for layer in layers)

        if (given("token") or given("auth_token")) and not given("password"):
            chosen = "token"
    return resolve_auth_type(chosen, cloud)


def available_plugins() -> list[str]:
    """Names of the installed keystoneauth1 auth plugins, without importing them.

    (keystoneauth's own listing imports every plugin and logs errors for those whose
    optional dependencies are missing.)

    >>> "v3applicationcredential" in available_plugins()
    True
    """
    return sorted({ep.name for ep in entry_points(group=_PLUGIN_GROUP)})


def plugin_options(auth_type: str, cloud: str) -> list[Any]:
    """Return the keystoneauth1 options (``Opt`` objects) of a plugin.

    >>> [o.dest for o in plugin_options("v3token", "x")][-1]
    'token'
    """
    try:
        return list(loading.get_plugin_loader(auth_type).get_options())
    except ksa_exceptions.NoMatchingPlugin:
        names = available_plugins()
        if auth_type in names:
            raise ConfigError(
                f"cloud '{cloud}': auth_type '{auth_type}' is installed but cannot be loaded",
                hint="install the optional dependencies of that keystoneauth1 plugin",
                cloud=cloud,
                auth_type=auth_type,
            ) from None
        raise ConfigError(
            f"cloud '{cloud}': unknown auth_type '{auth_type}'",
            hint=f"use one of: {format_candidates(names, limit=50)}",
            cloud=cloud,
            auth_type=auth_type,
            valid=names,
        ) from None
    except (ksa_exceptions.ClientException, TypeError, ValueError, AttributeError) as err:
        raise ConfigError(
            f"cloud '{cloud}': auth_type '{auth_type}' cannot be used: {err}",
            hint="pick another auth_type, or install the optional dependencies of that plugin",
            cloud=cloud,
        ) from None


def _present(value: Any) -> bool:
    return value is not None and value != ""


def _as_text(value: Any) -> Any:
    # YAML turns project ids such as 12345 into ints; keystoneauth wants text.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _apply_aliases(layer: dict[str, Any], auth: dict[str, Any], auth_type: str) -> None:
    mappings = dict(_ALIASES)
    mappings.update(_TENANT_ALIASES if auth_type == "v2password" else _PROJECT_ALIASES)
    for target, aliases in mappings.items():
        value = None
        for alias in aliases:
            if alias in auth:
                found = auth.pop(alias)
                value = found if _present(found) else value
            if alias in layer:
                found = layer.pop(alias)
                value = found if _present(found) else value
        if _present(value):
            auth[target] = _as_text(value)


def _option_names(opt: Any) -> list[str]:
    names = [opt.name.replace("-", "_")]
    names += [d.name.replace("-", "_") for d in getattr(opt, "deprecated", None) or ()]
    return names


def gather_auth(layer: dict[str, Any], auth_type: str, options: Sequence[Any]) -> dict[str, Any]:
    """Pull one layer's auth values out of it and return them under the plugin's names.

    ``layer`` is one configuration layer (a cloud entry, or keyword arguments) whose keys
    use underscores and whose ``auth`` is a mapping or absent; it is changed in place: the
    ``auth`` key and every top-level option name of the plugin are removed from it.

    >>> layer = {"auth": {"tenant_name": "demo"}, "username": "u", "interface": "public"}
    >>> opts = plugin_options("password", "x")
    >>> gather_auth(layer, "password", opts) == {"project_name": "demo", "username": "u"}, layer
    (True, {'interface': 'public'})
    """
    auth = dict(layer.pop("auth", None) or {})
    _apply_aliases(layer, auth, auth_type)
    for opt in options:
        names = _option_names(opt)
        value = next((auth[n] for n in names if _present(auth.get(n))), None)
        if value is None:
            value = next((layer[n] for n in names if _present(layer.get(n))), None)
        for name in names:
            auth.pop(name, None)
            layer.pop(name, None)
        if value is not None:
            auth[opt.dest] = value
    return {key: _as_text(value) for key, value in auth.items()}


def scope_domains(auth: dict[str, Any]) -> None:
    """Spread a shared ``domain_id``/``domain_name`` onto user and project, as openstacksdk does.

    Only a project-scoped login does this; without a project the value is a domain scope.

    >>> auth = {"project_name": "p", "domain_name": "d"}; scope_domains(auth); sorted(auth)
    ['project_domain_name', 'project_name', 'user_domain_name']
    """
    if not any(_present(auth.get(k)) for k in ("project_id", "project_name")):
        return
    for shared in ("domain_id", "domain_name"):
        if shared not in auth:
            continue
        value = auth.pop(shared)
        for target in (f"user_{shared}", f"project_{shared}"):
            if not _present(auth.get(target)) and _present(value):
                auth[target] = value


def _either(names: Sequence[str], template: str) -> str:
    spelled = [template.format(name=n, env=n.upper()) for n in names]
    return spelled[0] + "".join(f" (or {s})" for s in spelled[1:])


def _missing(cloud: str, field: str, alternatives: Sequence[str]) -> ConfigError:
    names = (field, *alternatives)
    hint = (
        f"set {_either(names, 'auth.{name}')} in clouds.yaml, "
        f"{_either(names, 'OS_{env}')}, or {_either(names, '{name}=...')}"
    )
    return ConfigError(
        f"cloud '{cloud}': auth field '{field}' is missing",
        hint=hint,
        cloud=cloud,
        field=field,
    )


def _required_fields(auth: Mapping[str, Any], options: Sequence[Any]) -> list[tuple[str, tuple[str, ...]]]:
    """List (field, alternatives) that must be present, most fundamental first."""
    dests = [o.dest for o in options]
    checks: list[tuple[str, tuple[str, ...]]] = []
    if "auth_url" in dests:
        checks.append(("auth_url", ()))
    users = tuple(d for d in ("username", "user_id") if d in dests)
    if "application_credential_secret" in dests:
        if _present(auth.get("application_credential_id")):
            pass
        elif _present(auth.get("application_credential_name")) and users:
            # A credential given by name is looked up among its owner's credentials.
            checks.append((users[0], users[1:]))
        else:
            checks.append(("application_credential_id", ("application_credential_name",)))
        checks.append(("application_credential_secret", ()))
    elif "password" in dests and users:
        checks.append((users[0], users[1:]))
        checks.append(("password", ()))
    if "token" in dests:
        checks.append(("token", ()))
    checks += [(o.dest, ()) for o in options if getattr(o, "required", False)]
    return checks


def require_auth(
    cloud: str,
    auth: Mapping[str, Any],
    options: Sequence[Any],
    *,
    auth_url_optional: bool = False,
) -> None:
    """Raise :class:`ConfigError` naming the first auth value the plugin cannot work without.

    ``auth_url_optional`` is set when a vendor profile will supply the identity endpoint.

    >>> require_auth("x", {"auth_url": "https://k/v3", "token": "t"}, plugin_options("token", "x"))
    """
    for field, alternatives in _required_fields(auth, options):
        if field == "auth_url" and auth_url_optional:
            continue
        if not any(_present(auth.get(name)) for name in (field, *alternatives)):
            raise _missing(cloud, field, alternatives)


def _right_type(dest: str, wanted: Any, value: Any) -> bool:
    if dest == "auth_methods" and isinstance(value, (list, tuple)):
        return all(isinstance(method, str) for method in value)  # v3multifactor takes a list too
    if wanted in (int, float):
        try:
            return not isinstance(value, bool) and wanted(value) == wanted(value)  # also refuses nan
        except (TypeError, ValueError, OverflowError):
            return False
    return isinstance(value, str)


def check_auth_values(cloud: str, auth: Mapping[str, Any], options: Sequence[Any]) -> None:
    """Raise :class:`ConfigError` naming the first auth value the plugin cannot take as it is.

    Checked when loading, so a list where a password belongs fails here and not at the
    first request. The value is never shown (it may be a secret); values that are not
    options of the plugin are never sent and are not checked.

    >>> check_auth_values("x", {"username": ["u"]}, plugin_options("password", "x"))
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: cloud 'x': auth value 'username' must be text, not a list; set username to a string (quote it in YAML)
    """
    types = {o.dest: o.type for o in options}
    for dest, value in auth.items():
        if dest not in types or value is None or _right_type(dest, types[dest], value):
            continue
        wanted = "a number" if types[dest] in (int, float) else "text"
        raise ConfigError(
            f"cloud '{cloud}': auth value '{dest}' must be {wanted}, not a {type(value).__name__}",
            hint=f"set {dest} to {'a number' if wanted == 'a number' else 'a string (quote it in YAML)'}",
            cloud=cloud, option=dest,
        )


def load_plugin(cloud: str, auth_type: str, auth: Mapping[str, Any]) -> Any:
    """Build the keystoneauth1 auth plugin; keystoneauth errors become :class:`ConfigError`.

    Creating a plugin does not contact the cloud; the first request does.

    >>> type(load_plugin("x", "v3token", {"auth_url": "https://k/v3", "token": "t"})).__name__
    'Token'
    """
    options = plugin_options(auth_type, cloud)
    # The plugin classes reject keyword arguments they do not know.
    values = {o.dest: auth[o.dest] for o in options if o.dest in auth}
    if auth_type == "v3multifactor" and isinstance(values.get("auth_methods"), str):
        values["auth_methods"] = [m.strip() for m in values["auth_methods"].split(",") if m.strip()]
    try:
        return loading.get_plugin_loader(auth_type).load_from_options(**values)
    except ksa_exceptions.MissingRequiredOptions as err:
        field = err.options[0].dest if getattr(err, "options", None) else "?"
        raise _missing(cloud, field, ()) from None
    except (ksa_exceptions.ClientException, TypeError, ValueError, AttributeError, KeyError) as err:
        raise ConfigError(
            f"cloud '{cloud}': cannot build the {auth_type} auth plugin: {err}",
            hint="check the auth: values of this cloud against the plugin's options",
            cloud=cloud,
            auth_type=auth_type,
        ) from None
