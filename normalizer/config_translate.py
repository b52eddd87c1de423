"""An openstacksdk cloud entry's settings -> what normalizer uses: profile layers, TLS, timeout.

clouds.yaml already says things about a cloud that a vendor profile says too: which
network routes externally (``networks:``), that IPv6 is broken (``force_ipv4``), that
floating IPs come from Nova (``floating_ip_source``), a timeout, an endpoint override...
This module turns those keys into plain profile-schema dicts, one layer per key, each
with a label that names where it came from. It does not validate the values: the profile
loader does, and reports the label. Pure: no I/O.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from typing import Any

from normalizer.exceptions import ConfigError

__all__ = ["api_timeout", "profile_layers", "substitute", "tls_files", "tls_settings", "translate"]

Layer = tuple[str, dict[str, Any]]

_SERVICES = ("identity", "compute", "network", "image", "block-storage")
_NETWORK_FLAGS = ("routes_externally", "nat_source", "nat_destination", "default_interface")
# Only one network may carry each of these, as openstacksdk enforces.
_UNIQUE_FLAGS = ("nat_destination", "default_interface")


def _flag(value: Any) -> Any:
    """openstacksdk's get_boolean; a value it would choke on is kept for the schema to reject."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value


def _network(item: Any, cloud: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise ConfigError(
            f"cloud '{cloud}': each networks: entry must be a mapping with a name, not {item!r}",
            hint="write entries such as '- name: my-net' with routes_externally: true",
            cloud=cloud,
        )
    entry = {str(k).replace("-", "_"): v for k, v in item.items()}
    name = entry.get("name")
    if name is None or name == "":
        raise ConfigError(
            f"cloud '{cloud}': a networks: entry has no name",
            hint="give each entry name: (the network's name or its id)",
            cloud=cloud,
        )
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        name = str(name)
    network: dict[str, Any] = {"name": name}
    for flag in ("nat_source", "nat_destination", "default_interface"):
        network[flag] = _flag(entry.get(flag))
    # openstacksdk reads an absent routes_* flag as false because it cannot see subnet
    # ranges; normalizer can, so only what the user wrote is a rule (a network listed
    # just to mark it nat_destination keeps its routing decided by the API). Family
    # flags inherit the stated overall answer, as in openstacksdk.
    for family in ("routes_externally", "routes_ipv4_externally", "routes_ipv6_externally"):
        if family in entry:
            network[family] = _flag(entry[family])
        elif "routes_externally" in entry:
            network[family] = _flag(entry["routes_externally"])
    return network


def _legacy_network(name: Any, external: bool) -> dict[str, Any]:
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        name = str(name)
    return {
        "name": name,
        "routes_externally": external,
        "routes_ipv4_externally": external,
        "routes_ipv6_externally": external,
        "nat_source": False,
        "nat_destination": not external,
        "default_interface": external,
    }


def _networks(layer: Mapping[str, Any], cloud: str) -> list[Layer]:
    legacy = [k for k in ("external_network", "internal_network") if k in layer]
    if "networks" in layer and legacy:
        raise ConfigError(
            f"cloud '{cloud}': both {legacy[0]} and networks: are set",
            hint=f"remove {legacy[0]} and describe that network in the networks: list",
            cloud=cloud,
        )
    if "networks" not in layer and not legacy:
        return []
    listed = layer.get("networks") or []
    if not isinstance(listed, list):
        raise ConfigError(
            f"cloud '{cloud}': networks: must be a list, not a {type(listed).__name__}",
            hint="write one '- name: ...' entry per network",
            cloud=cloud,
        )
    networks = [_network(item, cloud) for item in listed]
    networks += [_legacy_network(layer[k], k.startswith("external")) for k in legacy]
    for flag in _UNIQUE_FLAGS:
        flagged = [str(n["name"]) for n in networks if n[flag] is True]
        if len(flagged) > 1:
            raise ConfigError(
                f"cloud '{cloud}': networks '{flagged[0]}' and '{flagged[1]}' are both marked {flag}",
                hint=f"only one network can be {flag}",
                cloud=cloud,
            )
    label = "networks" if "networks" in layer else "/".join(legacy)
    return [(label, {"network": {"networks": networks}})]


def _network_settings(layer: Mapping[str, Any]) -> list[Layer]:
    layers: list[Layer] = []
    if _flag(layer.get("force_ipv4")) is True:
        layers.append(("force_ipv4", {"network": {"prefer_ipv6": False}}))
    if "prefer_ipv6" in layer and _flag(layer["prefer_ipv6"]) is False:
        layers.append(("prefer_ipv6", {"network": {"prefer_ipv6": False}}))
    if _flag(layer.get("private")) is True:
        layers.append(("private", {"network": {"private_cloud": True}}))
    if _flag(layer.get("requires_floating_ip")) is True:
        layers.append(("requires_floating_ip", {"network": {"public_access": "floating_ip"}}))
    if "floating_ip_source" in layer:
        source = layer["floating_ip_source"]
        api = "none" if source is None else (source.strip().lower() if isinstance(source, str) else source)
        layers.append(("floating_ip_source", {"network": {"floating_ip_api": api}}))
    return layers


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _microversion(value: Any) -> str | None:
    text = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    # "2" or "2.0" is a major version, not a microversion (Neutron's "2.0" is history).
    if isinstance(text, str) and "." in text and text.split(".", 1)[1] not in ("", "0"):
        return text
    return None


def _transport_settings(layer: Mapping[str, Any]) -> list[Layer]:
    layers: list[Layer] = []
    if layer.get("api_timeout") is not None:
        layers.append(("api_timeout", {"transport": {"timeout": _number(layer["api_timeout"])}}))
    for service in _SERVICES:
        word = service.replace("-", "_")  # clouds.yaml spells block-storage as block_storage
        for key in (f"{word}_endpoint_override", f"{word}_endpoint"):
            if layer.get(key) is not None:
                layers.append((key, {"transport": {"endpoint_overrides": {service: layer[key]}}}))
                break
    microversion = _microversion(layer.get("compute_api_version"))
    if microversion:
        layers.append(("compute_api_version", {"transport": {"microversions": {"compute": microversion}}}))
    limit = layer.get("rate_limit")
    if limit is not None:
        limits = {str(k): _number(v) for k, v in limit.items()} if isinstance(limit, Mapping) else {"all": _number(limit)}
        layers.append(("rate_limit", {"transport": {"rate_limit": limits}}))
    for service in _SERVICES:
        key = f"has_{service.replace('-', '_')}"
        if key in layer and _flag(layer[key]) is False:
            layers.append((key, {"transport": {"disabled_services": [service]}}))
    return layers


def translate(layer: Mapping[str, Any], cloud: str) -> list[Layer]:
    """Turn one configuration layer's openstacksdk keys into (key, profile dict) pairs.

    ``layer`` uses underscores in its keys (openstacksdk's spelling). Unknown keys are
    ignored, never an error.

    >>> translate({"api_timeout": 30, "private": True, "image_format": "raw"}, "c")
    [('private', {'network': {'private_cloud': True}}), ('api_timeout', {'transport': {'timeout': 30}})]
    """
    return _networks(layer, cloud) + _network_settings(layer) + _transport_settings(layer)


def _verbatim(value: Any, what: str, cloud: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"cloud '{cloud}': {what} must be a mapping of profile settings, not {value!r}",
            hint="write profile settings (network:, transport:, ...) as a mapping",
            cloud=cloud,
        )
    return copy.deepcopy(dict(value))


def _client_layers(top: Mapping[str, Any], env: Mapping[str, str]) -> list[Layer]:
    """The global ``client:`` section and OS_FORCE_IPV4/OS_PREFER_IPV6 (every cloud)."""
    client = top.get("client")
    client = client if isinstance(client, Mapping) else {}
    prefer = env.get("OS_PREFER_IPV6", client.get("prefer_ipv6", client.get("prefer-ipv6", True)))
    force = env.get("OS_FORCE_IPV4", client.get("force_ipv4", client.get("broken-ipv6", False)))
    if _flag(force) is not True and _flag(prefer) is not False:
        return []
    from_env = "OS_FORCE_IPV4" in env or "OS_PREFER_IPV6" in env
    label = "environment OS_FORCE_IPV4/OS_PREFER_IPV6" if from_env else "clouds.yaml client:"
    return [(label, {"network": {"prefer_ipv6": False}})]


def profile_layers(
    cloud: str,
    *,
    top: Mapping[str, Any],
    env: Mapping[str, str],
    prefix: str | None,
    entry: Mapping[str, Any],
    kwargs: Mapping[str, Any],
    overrides: Any = None,
) -> tuple[Layer, ...]:
    """All profile layers of one cloud, lowest precedence first.

    Order: the global ``client:`` section, the cloud entry's translated keys, its
    ``normalizer:`` mapping, the keyword arguments' translated keys (and ``normalizer=``),
    then ``profile_overrides=``.

    >>> profile_layers("c", top={}, env={}, prefix="clouds.yaml cloud 'c'",
    ...                entry={"force_ipv4": True}, kwargs={}, overrides={"x": 1})
    (("clouds.yaml cloud 'c' force_ipv4:", {'network': {'prefer_ipv6': False}}), ('profile_overrides=', {'x': 1}))
    """
    layers = _client_layers(top, env)
    if prefix:
        layers += [(f"{prefix} {key}:", data) for key, data in translate(entry, cloud)]
        own = _verbatim(entry.get("normalizer"), "normalizer:", cloud)
        if own is not None:
            layers.append((f"{prefix} normalizer:", own))
    layers += [(f"keyword argument {key}=", data) for key, data in translate(kwargs, cloud)]
    given = _verbatim(kwargs.get("normalizer"), "normalizer=", cloud)
    if given is not None:
        layers.append(("keyword argument normalizer=", given))
    extra = _verbatim(overrides, "profile_overrides=", cloud)
    if extra is not None:
        layers.append(("profile_overrides=", extra))
    return tuple(layers)


# --- {name} templates -----------------------------------------------------------------------

# "{{" and "}}" are literal braces (as in str.format); "{...}" is a field; a lone brace is an error.
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _template_error(cloud: str, key: str, field: str, values: Mapping[str, Any]) -> ConfigError:
    shown = field if len(field) <= 40 else field[:37] + "..."
    names = ", ".join("{" + n + "}" for n in sorted(values)[:12])
    if field in ("{", "}"):
        problem, hint = f"has a lone '{field}'", "write {{ and }} for literal braces"
    elif _PLAIN_NAME.fullmatch(field[1:-1]):
        problem = f"refers to {shown}, which is not a setting of this cloud"
        hint = (f"use one of {names}, " if names else "") + f"set {field[1:-1]}, or write {{{{ and }}}} for braces"
    else:
        problem = f"has {shown!r}, which is not a placeholder"
        hint = (f"write a bare name such as {names or '{region_name}'}: format specs, conversions, "
                "attributes and indexes are not allowed")
    return ConfigError(f"cloud '{cloud}': {key} {problem}", hint=hint, cloud=cloud, key=key)


def substitute(template: str, values: Mapping[str, Any], *, cloud: str, key: str) -> str:
    """Fill each ``{name}`` of ``template`` from ``values``; ``{{`` and ``}}`` are literal braces.

    Only a plain name that ``values`` holds is a placeholder: a format spec, a conversion,
    attribute or index access (``{region_name.__class__}``, ``{region_name:>99}``,
    ``{0}``) or an unknown name is a :class:`ConfigError` naming ``key``. Unlike
    ``str.format``, nothing in the template is ever evaluated.

    >>> substitute("https://{region_name}.example/{{v3}}", {"region_name": "de1"}, cloud="c", key="auth_url")
    'https://de1.example/{v3}'
    >>> substitute("{region_name.__class__}", {"region_name": "de1"}, cloud="c", key="auth_url")
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: cloud 'c': auth_url has '{region_name.__class__}', which is not a placeholder; write a bare name such as {region_name}: format specs, conversions, attributes and indexes are not allowed
    """

    values = {name: value for name, value in values.items() if name != key}  # a setting never names itself

    def fill(match: re.Match) -> str:
        text, name = match.group(0), match.group(1)
        if text in ("{{", "}}"):
            return text[0]
        if name is None or not _PLAIN_NAME.fullmatch(name) or name not in values:
            raise _template_error(cloud, key, text, values)
        return str(values[name])

    return _FIELD.sub(fill, template)


# --- connection settings -----------------------------------------------------------------


# The words YAML 1.1, shells and openstacksdk users write for on and off, in any case.
_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _word(value: Any) -> bool | None:
    """True/False for a recognised on/off value (bool, 0/1, yes/no/true/false/on/off), else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            return word in _TRUE_WORDS
    return None


def _boolean(value: Any, key: str, name: str) -> bool:
    flag = False if value is None else _word(value)
    if flag is None:
        raise ConfigError(f"cloud '{name}': {key} must be true or false, not {_shown(value)}",
                          hint=f"set {key}: true or false (yes/no, on/off and 1/0 work too)", cloud=name)
    return flag


def _path(value: Any, key: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"cloud '{name}': {key} must be a file path, not {_shown(value)}",
                          hint=f"set {key} to the path of a PEM file", cloud=name)
    return os.path.expanduser(value)


def _verify(value: Any, name: str) -> bool | str:
    if value is None:
        return True
    flag = _word(value)
    if flag is not None:
        return flag
    if isinstance(value, str) and value.strip():
        return os.path.expanduser(value)  # a CA bundle, as requests takes it
    raise ConfigError(f"cloud '{name}': verify must be true, false or the path of a CA bundle, not {_shown(value)}",
                      hint="set verify: true or false, or cacert: /path/to/ca.pem", cloud=name)


def tls_settings(settings: Mapping[str, Any], name: str) -> tuple[bool | str, str | tuple[str, str] | None]:
    """verify and cert for requests, from insecure/verify/cacert/cert/key as openstacksdk does.

    ``verify`` and ``insecure`` take true/false, yes/no, on/off or 1/0 in any case;
    another text in ``verify`` is the path of a CA bundle. Paths are not checked here
    (no I/O): see :func:`tls_files`.

    >>> tls_settings({"insecure": "true", "cacert": "/ca.pem"}, "c"), tls_settings({"cacert": "/ca.pem"}, "c")
    ((False, None), ('/ca.pem', None))
    >>> tls_settings({"verify": "OFF"}, "c"), tls_settings({"verify": "/ca.pem"}, "c")
    ((False, None), ('/ca.pem', None))
    """
    verify = _verify(settings.get("verify"), name)
    if _boolean(settings.get("insecure"), "insecure", name):
        verify = False  # the most aggressive setting wins
    cacert = settings.get("cacert")
    if verify and cacert:
        verify = _path(cacert, "cacert", name)
    cert = settings.get("cert")
    if not cert:
        return verify, None
    cert = _path(cert, "cert", name)
    key = settings.get("key")
    return verify, ((cert, _path(key, "key", name)) if key else cert)


def tls_files(settings: Mapping[str, Any], verify: bool | str,
              cert: str | tuple[str, str] | None) -> list[tuple[str, str, bool]]:
    """The files :func:`tls_settings` chose, as (setting, path, may be a directory) triples.

    >>> tls_files({"cacert": "/ca.pem"}, "/ca.pem", ("/c.pem", "/k.pem"))
    [('cacert', '/ca.pem', True), ('cert', '/c.pem', False), ('key', '/k.pem', False)]
    """
    files = []
    if isinstance(verify, str):
        # requests also takes a directory of hashed CA certificates (c_rehash) here
        files.append(("cacert" if settings.get("cacert") else "verify", verify, True))
    if isinstance(cert, tuple):
        files += [("cert", cert[0], False), ("key", cert[1], False)]
    elif cert:
        files.append(("cert", cert, False))
    return files


def api_timeout(settings: Mapping[str, Any], name: str) -> float | None:
    """The ``api_timeout`` setting in seconds, or None.

    >>> api_timeout({"api_timeout": "30"}, "c")
    30.0
    """
    value = settings.get("api_timeout")
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigError(f"cloud '{name}': api_timeout must be a positive number of seconds, not {value!r}",
                          hint="set api_timeout: 60", cloud=name)
    return seconds
