"""Properties of normalizer.config over random clouds.yaml-like input.

Whatever a user writes in clouds.yaml, secure.yaml, ``OS_*`` or keyword arguments, loading
either succeeds or raises a ConfigError: never a KeyError, TypeError or a PyYAML or
keystoneauth exception. Secrets never show in a CloudConfig's repr.
"""

from __future__ import annotations

import copy
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer import config
from normalizer.config import CloudConfig, build_auth_plugin, load_all_configs, load_config
from normalizer.exceptions import ConfigError

PROPERTY_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10), st.sampled_from(["true", "false", "None", "2.53", "30", "{region_name}", "a,b", "~/x"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
AUTH_KEYS = [
    "auth_url", "username", "user_id", "password", "project_name", "project_id", "tenant_name", "user_domain_name",
    "project_domain_id", "domain_name", "domain_id", "application_credential_id", "application_credential_name",
    "application_credential_secret", "token", "auth-token", "endpoint", "auth_methods",
]
auth_values = st.one_of(
    st.dictionaries(st.sampled_from(AUTH_KEYS), st.one_of(st.text(max_size=8), values), max_size=6), values
)
auth_types = st.sampled_from(
    ["password", "v3password", "v2password", "v3applicationcredential", "token", "v3token", "none", "None",
     "token_endpoint", "admin_token", "v3oidcpassword", "v3multifactor", "http_basic", "bogus"]
) | values
network = st.fixed_dictionaries({}, optional={
    key: values | st.booleans()
    for key in ("name", "routes_externally", "routes_ipv4_externally", "routes_ipv6_externally", "nat_source",
                "nat_destination", "default_interface")
}) | values
region = st.text(max_size=5) | st.fixed_dictionaries({"name": st.text(max_size=5)}, optional={
    "values": st.dictionaries(st.sampled_from(["api_timeout", "auth", "networks", "region_name"]), values,
                              max_size=2) | values,
}) | values
ENTRY = {
    "auth": auth_values, "auth_type": auth_types, "auth_plugin": auth_types, "region_name": values,
    "regions": st.lists(region, max_size=3) | values, "profile": values, "cloud": values,
    "networks": st.lists(network, max_size=3) | values, "external_network": values, "internal_network": values,
    "force_ipv4": values, "prefer_ipv6": values, "private": values, "requires_floating_ip": values,
    "floating_ip_source": values, "api_timeout": values, "compute_timeout": values,
    "compute_endpoint_override": values, "image_endpoint": values, "compute_api_version": values,
    "rate_limit": values, "has_network": values, "normalizer": values, "insecure": values, "verify": values,
    "cacert": values, "cert": values, "key": values, "interface": values, "endpoint_type": values,
    "username": values, "password": values, "project_name": values, "tenant_name": values, "token": values,
    "auth_token": values, "domain_name": values, "image_format": values,
}
cloud_entry = st.fixed_dictionaries({}, optional=ENTRY) | values
documents = st.fixed_dictionaries({}, optional={
    "clouds": st.dictionaries(st.text(max_size=5) | st.integers(0, 9), cloud_entry, max_size=3) | values,
    "cache": values,
    "client": values,
}) | values
ENV_KEYS = [
    "OS_CLOUD", "OS_CLOUD_NAME", "OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_REGION_NAME", "OS_AUTH_TYPE",
    "OS_INSECURE", "OS_CACERT", "OS_TOKEN", "OS_FORCE_IPV4", "OS_API_TIMEOUT", "OS_APPLICATION_CREDENTIAL_ID",
]
environments = st.dictionaries(st.sampled_from(ENV_KEYS), st.text(max_size=8), max_size=4)
keyword_arguments = st.dictionaries(st.sampled_from(sorted(set(ENTRY) - {"cloud", "region_name"})), values, max_size=3)


@pytest.fixture(autouse=True)
def no_site_dirs(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "SITE_CONFIG_DIRS", (str(tmp_path / "site"),))


def exercise(name, region_name, environ, kwargs):
    """Load one cloud, build its plugin, load all clouds: only ConfigError may come out."""
    try:
        cfg = load_config(name, region_name=region_name, environ=environ, **kwargs)
    except ConfigError:
        pass
    else:
        assert isinstance(cfg, CloudConfig)
        assert isinstance(repr(cfg), str)
        try:
            build_auth_plugin(cfg)
        except ConfigError:
            pass
    try:
        assert all(isinstance(c, CloudConfig) for c in load_all_configs(environ=environ))
    except ConfigError:
        pass


@PROPERTY_SETTINGS
@given(clouds=documents, secure=documents, name=st.none() | st.text(max_size=5),
       region_name=st.none() | st.text(max_size=5), environ=environments, kwargs=keyword_arguments)
def test_any_clouds_yaml_loads_or_raises_config_error(clouds, secure, name, region_name, environ, kwargs):
    Path("clouds.yaml").write_text(yaml.safe_dump(clouds))
    Path("secure.yaml").write_text(yaml.safe_dump(secure))
    exercise(name, region_name, environ, kwargs)


@PROPERTY_SETTINGS
@given(entry=cloud_entry, region_name=st.none() | st.text(max_size=5))
def test_any_single_cloud_entry_loads_or_raises_config_error(entry, region_name):
    Path("clouds.yaml").write_text(yaml.safe_dump({"clouds": {"only": entry}}))
    exercise(None, region_name, {}, {})


@PROPERTY_SETTINGS
@given(text=st.text(max_size=80) | st.sampled_from(["clouds: [", "clouds:\n  a: *x\n", "\t- :", "{]", "!!python/x 1"]))
def test_any_file_text_loads_or_raises_config_error(text):
    Path("clouds.yaml").write_text(text)
    exercise(None, None, {}, {})


@PROPERTY_SETTINGS
@given(kwargs=keyword_arguments, overrides=st.dictionaries(st.text(max_size=4), values, max_size=3))
def test_loading_never_changes_its_arguments(kwargs, overrides):
    before = copy.deepcopy((kwargs, overrides))
    try:
        load_config(environ={}, profile_overrides=overrides, auth_url="https://k.test/v3", **kwargs)
    except ConfigError:
        pass
    assert (kwargs, overrides) == before


secrets = st.text(alphabet=string.ascii_letters + string.digits, min_size=8, max_size=16).map(lambda s: "S3cr3t" + s)


@PROPERTY_SETTINGS
@given(secret=secrets, field=st.sampled_from([
    ("password", "password"), ("v3applicationcredential", "application_credential_secret"), ("token", "token"),
    ("v3oidcpassword", "client_secret"),
]))
def test_secrets_never_appear_in_repr(secret, field):
    auth_type, key = field
    auth = {"auth_url": "https://k.test/v3", "username": "someone", "application_credential_id": "id",
            "identity_provider": "idp", "protocol": "openid", "password": "pw-" + secret, key: secret}
    cfg = load_config(environ={}, auth_type=auth_type, auth=auth, cache={"arguments": {"password": secret}})
    assert cfg.auth[key] == secret
    for text in (repr(cfg), str(cfg)):
        assert secret not in text
