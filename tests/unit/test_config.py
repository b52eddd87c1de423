"""normalizer.config: clouds.yaml / secure.yaml / OS_* / kwargs -> CloudConfig, as openstacksdk reads them."""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import pickle
import shutil
from pathlib import Path

import pytest
import yaml
from keystoneauth1 import session as ksa_session

from normalizer import config
from normalizer.config import CloudConfig, build_auth_plugin, load_all_configs, load_config
from normalizer.exceptions import ConfigError, UnknownCloudError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "clouds"
AUTH = {
    "auth_url": "https://keystone.kw.test/v3",
    "username": "kw-user",
    "password": "kw-password",
    "project_name": "kw-project",
}


@pytest.fixture(autouse=True)
def site_dir(tmp_path, monkeypatch):
    """An empty site directory in place of /etc/openstack."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(config, "SITE_CONFIG_DIRS", (str(site),))
    # TLS files must exist when loading: the CA bundle the ENV cloud names is made here
    (tmp_path / "home" / "env-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    return site


@pytest.fixture
def user_dir(tmp_path):
    return tmp_path / "home" / ".config" / "openstack"


def put(directory: Path, data, name: str = "clouds.yaml") -> Path:
    """Write ``data`` (a fixture file name, a dict or YAML text) as ``directory/name``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    if isinstance(data, str) and (FIXTURES / data).is_file():
        shutil.copy(FIXTURES / data, path)
    elif isinstance(data, str):
        path.write_text(data)
    else:
        path.write_text(yaml.safe_dump(data))
    return path


def one_cloud(name: str = "c", **entry) -> dict:
    entry.setdefault("auth", {"auth_url": "https://k.test/v3", "username": "u", "password": "p"})
    return {"clouds": {name: entry}}


@pytest.fixture
def fixture_clouds():
    """The realistic clouds.yaml and secure.yaml in the working directory."""
    put(Path.cwd(), "clouds.yaml")
    put(Path.cwd(), "secure.yaml", "secure.yaml")


# --- file discovery and precedence ---------------------------------------------------------


def test_clouds_yaml_in_working_directory_is_read(fixture_clouds):
    cfg = load_config("devstack")
    assert cfg.name == "devstack"
    assert cfg.auth["auth_url"] == "https://keystone.devstack.test:5000/v3"
    assert cfg.region_name == "RegionOne"
    assert cfg.source == f"{Path.cwd() / 'clouds.yaml'} + {Path.cwd() / 'secure.yaml'}"


def test_file_precedence_env_file_then_cwd_then_user_dir_then_site(tmp_path, user_dir, site_dir, monkeypatch):
    override = put(tmp_path / "elsewhere", one_cloud("from-override"), "my-clouds.yaml")
    put(Path.cwd(), one_cloud("from-cwd"))
    put(user_dir, one_cloud("from-user"))
    put(site_dir, one_cloud("from-site"))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(override))
    assert load_config().name == "from-override"
    monkeypatch.delenv("OS_CLIENT_CONFIG_FILE")
    assert load_config().name == "from-cwd"
    (Path.cwd() / "clouds.yaml").unlink()
    assert load_config().name == "from-user"
    (user_dir / "clouds.yaml").unlink()
    assert load_config().name == "from-site"
    assert load_config().source == str(site_dir / "clouds.yaml")


def test_missing_override_file_falls_back_to_search_path(tmp_path):
    put(Path.cwd(), one_cloud("from-cwd"))
    cfg = load_config(environ={"OS_CLIENT_CONFIG_FILE": str(tmp_path / "nope.yaml")})
    assert cfg.name == "from-cwd"


def test_suffix_order_yaml_then_yml_then_json():
    put(Path.cwd(), '{"clouds": {"from-json": {"auth": {"auth_url": "u", "username": "u", "password": "p"}}}}',
        "clouds.json")
    assert load_config().name == "from-json"
    put(Path.cwd(), one_cloud("from-yml"), "clouds.yml")
    assert load_config().name == "from-yml"
    put(Path.cwd(), one_cloud("from-yaml"), "clouds.yaml")
    assert load_config().name == "from-yaml"


def test_xdg_config_home_then_home_config(tmp_path, monkeypatch):
    put(tmp_path / "home" / ".config" / "openstack", one_cloud("from-home"))
    put(tmp_path / "xdg" / "openstack", one_cloud("from-xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert load_config().name == "from-xdg"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert load_config().name == "from-home"


def test_search_path_is_computed_at_call_time(tmp_path, monkeypatch):
    other = tmp_path / "other"
    put(other, one_cloud("moved"))
    with pytest.raises(ConfigError):
        load_config()
    monkeypatch.chdir(other)
    assert load_config().name == "moved"


def test_secure_yaml_values_win_and_merge_deeply(fixture_clouds):
    cfg = load_config("multiregion")
    assert cfg.auth["password"] == "secure-password"  # secure.yaml wins
    assert cfg.auth["username"] == "multi"  # clouds.yaml keeps the rest of auth:
    assert load_config("devstack").auth["password"] == "devstack-secret-password"


def test_secure_file_from_env_and_from_another_directory(tmp_path, user_dir, monkeypatch):
    put(Path.cwd(), one_cloud("c"))
    put(user_dir, {"clouds": {"c": {"auth": {"password": "from-user-dir"}}}}, "secure.yaml")
    assert load_config().auth["password"] == "from-user-dir"
    override = put(tmp_path / "s", {"clouds": {"c": {"auth": {"password": "from-env"}}}}, "s.yaml")
    monkeypatch.setenv("OS_CLIENT_SECURE_FILE", str(override))
    cfg = load_config()
    assert cfg.auth["password"] == "from-env"
    assert cfg.source.endswith(" + " + str(override))


# --- choosing the cloud ----------------------------------------------------------------------


def test_os_cloud_selects_and_explicit_name_beats_it(fixture_clouds, monkeypatch):
    monkeypatch.setenv("OS_CLOUD", "appcred")
    assert load_config().name == "appcred"
    assert load_config("devstack").name == "devstack"


def test_single_cloud_is_the_default():
    put(Path.cwd(), "single.yaml")
    cfg = load_config()
    assert cfg.name == "only"
    assert cfg.auth["user_domain_name"] == "Default"  # domain_name is spread to user and project
    assert cfg.auth["project_domain_name"] == "Default"


def test_several_clouds_and_no_choice_is_an_error(fixture_clouds):
    with pytest.raises(ConfigError, match="several clouds .*'devstack'.*none was chosen; pass a cloud name"):
        load_config()


def test_unknown_cloud_lists_known_clouds_and_the_file(fixture_clouds):
    with pytest.raises(UnknownCloudError) as caught:
        load_config("nosuch")
    message = str(caught.value)
    assert message.startswith(f"cloud 'nosuch' is not defined in {Path.cwd() / 'clouds.yaml'} + ")
    assert str(Path.cwd() / "clouds.yaml") in message
    assert "'devstack'" in message and "'netcloud'" in message
    assert isinstance(caught.value, LookupError)
    assert "devstack" in caught.value.known


def test_unknown_cloud_without_any_file_says_so():
    with pytest.raises(UnknownCloudError, match="not defined in any clouds.yaml \\(none was found\\)"):
        load_config(environ={"OS_CLOUD": "ghost"})


def test_nothing_configured_says_how_to_configure():
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert type(caught.value) is ConfigError
    text = str(caught.value)
    assert "no cloud is configured" in text
    assert "clouds.yaml" in text and "OS_AUTH_URL" in text and "auth_url=" in text


def test_keyword_arguments_alone_make_a_defaults_cloud():
    cfg = load_config(**AUTH, region_name="RegionX")
    assert (cfg.name, cfg.region_name, cfg.source) == ("defaults", "RegionX", "keyword arguments")
    assert cfg.auth["username"] == "kw-user"


def test_keyword_arguments_override_the_file(fixture_clouds):
    cfg = load_config("multiregion", username="kw-user", auth={"password": "kw-pass"}, os_api_timeout=5)
    assert cfg.auth["username"] == "kw-user"  # beats auth.username of the file
    assert cfg.auth["password"] == "kw-pass"  # beats secure.yaml
    assert cfg.api_timeout == 5.0
    assert cfg.auth["project_id"] == "5f1ecd8b2d4f4b3c9b5a3f0e3b1d2c4a"


def test_none_keyword_arguments_do_not_erase_file_values(fixture_clouds):
    assert load_config("devstack", username=None).auth["username"] == "demo"


# --- OS_* variables --------------------------------------------------------------------------


ENV = {
    "OS_AUTH_URL": "https://keystone.env.test/v3",
    "OS_USERNAME": "env-user",
    "OS_PASSWORD": "env-password",
    "OS_PROJECT_NAME": "env-project",
    "OS_USER_DOMAIN_NAME": "Default",
    "OS_PROJECT_DOMAIN_ID": "default",
    "OS_REGION_NAME": "EnvRegion",
    "OS_INTERFACE": "internal",
    "OS_CACERT": "~/env-ca.pem",
}


def test_environment_builds_the_envvars_cloud():
    cfg = load_config(environ=ENV)
    assert (cfg.name, cfg.source, cfg.region_name, cfg.interface) == ("envvars", "environment", "EnvRegion", "internal")
    assert cfg.auth == {
        "auth_url": "https://keystone.env.test/v3", "username": "env-user", "password": "env-password",
        "project_name": "env-project", "user_domain_name": "Default", "project_domain_id": "default",
    }
    assert cfg.verify == os.path.expanduser("~/env-ca.pem")


def test_environment_cloud_beats_a_single_file_cloud_but_os_cloud_beats_it():
    put(Path.cwd(), one_cloud("filecloud"))
    assert load_config(environ=ENV).name == "envvars"
    assert load_config(environ={**ENV, "OS_CLOUD": "filecloud"}).name == "filecloud"
    assert load_config(environ={**ENV, "OS_CLOUD_NAME": "mine"}).name == "mine"


def test_selector_variables_alone_make_no_cloud():
    with pytest.raises(ConfigError, match="no cloud is configured"):
        load_config(environ={"OS_REGION_NAME": "R", "OS_TEST_TIMEOUT": "5"})


def test_env_cloud_name_clash_is_an_error():
    put(Path.cwd(), one_cloud("envvars"))
    with pytest.raises(ConfigError, match="OS_CLOUD_NAME"):
        load_config(environ=ENV)


def test_environ_defaults_to_os_environ(monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("OS_INSECURE", "true")
    cfg = load_config()
    assert cfg.name == "envvars" and cfg.verify is False


def test_env_application_credential_and_token_variables():
    cfg = load_config(environ={
        "OS_AUTH_TYPE": "v3applicationcredential", "OS_AUTH_URL": "https://k.test/v3",
        "OS_APPLICATION_CREDENTIAL_ID": "id1", "OS_APPLICATION_CREDENTIAL_SECRET": "sec1",
    })
    assert cfg.auth_type == "v3applicationcredential"
    assert cfg.auth["application_credential_secret"] == "sec1"
    token = load_config(environ={"OS_AUTH_URL": "https://k.test/v3", "OS_TOKEN": "tok", "OS_PROJECT_ID": "p1"})
    assert token.auth_type == "token"  # a token and no password means token auth
    assert token.auth["token"] == "tok"


# --- auth ------------------------------------------------------------------------------------


def test_application_credential_cloud(fixture_clouds):
    cfg = load_config("appcred")
    assert cfg.auth_type == "v3applicationcredential"
    plugin = build_auth_plugin(cfg)
    assert type(plugin).__name__ == "ApplicationCredential"
    assert plugin.auth_url == "https://keystone.appcred.test/v3"


def test_build_auth_plugin_password_uses_the_merged_values(fixture_clouds):
    plugin = build_auth_plugin(load_config("devstack"))
    assert type(plugin).__name__ == "Password"
    # the generic plugin keeps what it was given until it discovers the identity version
    assert (plugin._username, plugin._password, plugin._project_name) == ("demo", "devstack-secret-password", "demo")
    assert plugin._user_domain_name == "Default"


def test_top_level_options_and_legacy_spellings_move_into_auth():
    put(Path.cwd(), "legacy.yaml")
    old = load_config("oldstyle")
    assert old.auth_type == "v2password"
    assert old.auth == {"auth_url": "https://keystone.old.test/v2.0", "tenant_name": "oldtenant",
                        "username": "olduser", "password": "old-password"}
    assert old.interface == "internal"
    assert old.api_timeout == 45.0
    assert old.profile_name == "ovh"  # the old cloud: key names the profile
    token = load_config("tokenonly")
    assert token.auth_type == "token" and token.auth["token"] == "gAAAAABtoken"
    assert token.region_name == "RegionOne"  # comma-separated region_name is a region list


def test_numbers_in_auth_become_text():
    put(Path.cwd(), one_cloud(auth={"auth_url": "https://k/v3", "username": "u", "password": 1234, "project_id": 42}))
    cfg = load_config()
    assert cfg.auth["password"] == "1234" and cfg.auth["project_id"] == "42"


def test_auth_url_may_refer_to_the_region():
    put(Path.cwd(), one_cloud(auth={"auth_url": "https://{region_name}.k.test/v3", "username": "u",
                                    "password": "p"}, regions=["r1", "r2"]))
    assert load_config(region_name="r2").auth["auth_url"] == "https://r2.k.test/v3"


def test_placeholders_never_touch_secrets():
    cfg = load_config(auth_type="token", auth_url="https://k/v3", token="t", password="p{w}")
    assert "p{w}" not in repr(cfg)


def test_unknown_placeholder_is_a_config_error():
    put(Path.cwd(), one_cloud(auth={"auth_url": "https://{nowhere}/v3", "username": "u", "password": "p"}))
    with pytest.raises(ConfigError, match=r"auth_url refers to \{nowhere\}, which is not a setting"):
        load_config()


def test_missing_auth_url_message_and_hint():
    put(Path.cwd(), {"clouds": {"mycloud": {"auth": {"username": "u", "password": "p"}}}})
    with pytest.raises(ConfigError) as caught:
        load_config("mycloud")
    assert str(caught.value) == (
        "cloud 'mycloud': auth field 'auth_url' is missing; "
        "set auth.auth_url in clouds.yaml, OS_AUTH_URL, or auth_url=..."
    )
    assert caught.value.hint == "set auth.auth_url in clouds.yaml, OS_AUTH_URL, or auth_url=..."
    assert caught.value.field == "auth_url"


@pytest.mark.parametrize("auth_type, auth, field", [
    ("password", {"auth_url": "u", "password": "p"}, "username"),
    ("v3password", {"auth_url": "u", "user_id": "id"}, "password"),
    ("v3applicationcredential", {"auth_url": "u", "application_credential_id": "i"}, "application_credential_secret"),
    ("v3applicationcredential", {"auth_url": "u", "application_credential_secret": "s"}, "application_credential_id"),
    ("v3applicationcredential", {"auth_url": "u", "application_credential_name": "n",
                                 "application_credential_secret": "s"}, "username"),
    ("token", {"auth_url": "u"}, "token"),
    ("v3token", {"auth_url": "u", "token": ""}, "token"),
    ("v3oidcpassword", {"auth_url": "u", "username": "x", "password": "y", "protocol": "openid"},
     "identity_provider"),
])
def test_missing_required_auth_fields(auth_type, auth, field):
    with pytest.raises(ConfigError, match=f"auth field '{field}' is missing"):
        load_config(auth_type=auth_type, auth=auth)


def test_user_id_satisfies_the_user_requirement():
    cfg = load_config(auth={"auth_url": "https://k/v3", "user_id": "abc", "password": "p"})
    assert cfg.auth["user_id"] == "abc"


def test_unknown_auth_type_lists_valid_plugins():
    with pytest.raises(ConfigError) as caught:
        load_config(auth_type="v9magic", **AUTH)
    assert "unknown auth_type 'v9magic'" in str(caught.value)
    assert "'v3applicationcredential'" in str(caught.value) and "'password'" in str(caught.value)


def test_named_profile_may_supply_the_identity_endpoint(fixture_clouds):
    cfg = load_config("vendor")
    assert cfg.profile_name == "vexxhost" and "auth_url" not in cfg.auth
    with pytest.raises(ConfigError, match="auth field 'auth_url' is missing"):
        build_auth_plugin(cfg)
    plugin = build_auth_plugin(cfg, defaults={"auth_url": "https://auth.vendor.test/v3"})
    assert plugin.auth_url == "https://auth.vendor.test/v3"


def test_a_session_makes_auth_optional():
    session = ksa_session.Session(auth="the-plugin")
    cfg = load_config(session=session, profile="generic", region_name="RegionOne")
    assert (cfg.name, cfg.session, cfg.auth) == ("defaults", session, {})
    assert build_auth_plugin(cfg) == "the-plugin"


def test_build_auth_plugin_maps_keystoneauth_errors():
    bad = CloudConfig(name="x", auth_type="v3multifactor", auth={"auth_url": "https://k/v3", "auth_methods": "bogus"})
    with pytest.raises(ConfigError, match="cloud 'x': cannot build the v3multifactor auth plugin"):
        build_auth_plugin(bad)
    with pytest.raises(ConfigError, match="unknown auth_type 'nope'"):
        build_auth_plugin(CloudConfig(name="x", auth_type="nope"))


def test_none_auth_type_is_the_passthrough_plugin():
    cfg = load_config(auth_type="None", endpoint="http://127.0.0.1:6385")
    assert cfg.auth_type == "none" and cfg.auth == {"endpoint": "http://127.0.0.1:6385"}


# --- regions ---------------------------------------------------------------------------------


def test_regions_default_to_the_first_and_region_values_override(fixture_clouds):
    first = load_config("multiregion")
    assert first.region_name == "RegionOne" and first.api_timeout == 60.0
    two = load_config("multiregion", region_name="RegionTwo")
    assert two.api_timeout == 90.0
    assert two.auth["auth_url"] == "https://keystone.two.multi.test/v3"
    assert two.auth["username"] == "multi"  # auth: values merge, not replace
    assert two.profile_layers[0][0] == "clouds.yaml cloud 'multiregion' networks:"
    assert load_config("multiregion", region_name="RegionThree").region_name == "RegionThree"


def test_region_name_key_is_the_default_among_listed_regions():
    put(Path.cwd(), one_cloud(regions=["a", "b"], region_name="b"))
    assert load_config().region_name == "b"


def test_unknown_region_lists_the_regions(fixture_clouds):
    with pytest.raises(ConfigError) as caught:
        load_config("vendor", region_name="nowhere")
    assert "region 'nowhere' is not one of its regions ('ca-ymq-1', 'sjc1')" in str(caught.value)


def test_region_name_without_a_region_list_is_free(fixture_clouds):
    assert load_config("devstack", region_name="Other").region_name == "Other"
    assert load_config("appcred").region_name == "RegionOne"


@pytest.mark.parametrize("regions", [5, [{"values": {}}], [{"name": "r", "extra": 1}], [["r"]], [{"name": "r", "values": 3}]])
def test_invalid_regions_are_config_errors(regions):
    put(Path.cwd(), one_cloud(regions=regions))
    with pytest.raises(ConfigError):
        load_config()


# --- profile ---------------------------------------------------------------------------------


def test_profile_name_sources(fixture_clouds):
    assert load_config("devstack").profile_name == "generic"
    assert load_config("vendor").profile_name == "vexxhost"
    assert load_config("vendor", profile="citycloud").profile_name == "citycloud"


def test_profile_that_is_not_text_is_an_error():
    put(Path.cwd(), one_cloud(profile=["a"]))
    with pytest.raises(ConfigError, match="profile must be a profile name"):
        load_config()


# --- profile layers --------------------------------------------------------------------------


def layers_of(cfg: CloudConfig) -> dict:
    return dict(cfg.profile_layers)


def test_networks_by_name_and_by_id_become_a_network_layer(fixture_clouds):
    layers = layers_of(load_config("netcloud"))
    networks = layers["clouds.yaml cloud 'netcloud' networks:"]["network"]["networks"]
    assert networks[0] == {"name": "provider-public", "routes_externally": True, "routes_ipv4_externally": True,
                           "routes_ipv6_externally": True, "nat_source": False, "nat_destination": False,
                           "default_interface": True}
    assert networks[1]["name"] == "6e5b3a43-1b0f-4d24-8d5b-2b7e5b0f9a11"
    assert networks[1]["nat_destination"] is True and networks[1]["routes_externally"] is False
    assert networks[2]["routes_ipv4_externally"] is False and networks[2]["routes_ipv6_externally"] is True


def test_fact_keys_become_profile_layers_in_order(fixture_clouds):
    cfg = load_config("netcloud", api_timeout=12, profile_overrides={"transport": {"timeout": 1}})
    prefix = "clouds.yaml cloud 'netcloud'"
    assert [label for label, _ in cfg.profile_layers] == [
        f"{prefix} networks:", f"{prefix} force_ipv4:", f"{prefix} floating_ip_source:",
        f"{prefix} compute_endpoint_override:", f"{prefix} image_endpoint:", f"{prefix} compute_api_version:",
        f"{prefix} rate_limit:", f"{prefix} normalizer:", "keyword argument api_timeout=", "profile_overrides=",
    ]
    layers = layers_of(cfg)
    assert layers[f"{prefix} force_ipv4:"] == {"network": {"prefer_ipv6": False}}
    assert layers[f"{prefix} floating_ip_source:"] == {"network": {"floating_ip_api": "none"}}
    assert layers[f"{prefix} compute_endpoint_override:"] == {
        "transport": {"endpoint_overrides": {"compute": "https://nova.net.test/v2.1"}}}
    assert layers[f"{prefix} image_endpoint:"]["transport"]["endpoint_overrides"] == {"image": "https://glance.net.test"}
    assert layers[f"{prefix} compute_api_version:"] == {"transport": {"microversions": {"compute": "2.53"}}}
    assert layers[f"{prefix} rate_limit:"] == {"transport": {"rate_limit": {"compute": 5, "network": 10}}}
    assert layers[f"{prefix} normalizer:"] == {"network": {"public_access": "direct"}}
    assert layers["keyword argument api_timeout="] == {"transport": {"timeout": 12}}
    assert cfg.api_timeout == 12.0


@pytest.mark.parametrize("entry, label, layer", [
    ({"private": True}, "private", {"network": {"private_cloud": True}}),
    ({"requires_floating_ip": True}, "requires_floating_ip", {"network": {"public_access": "floating_ip"}}),
    ({"floating_ip_source": None}, "floating_ip_source", {"network": {"floating_ip_api": "none"}}),
    ({"floating_ip_source": "nova"}, "floating_ip_source", {"network": {"floating_ip_api": "nova"}}),
    ({"api_timeout": 30}, "api_timeout", {"transport": {"timeout": 30}}),
    ({"rate_limit": 3}, "rate_limit", {"transport": {"rate_limit": {"all": 3}}}),
    ({"has_network": False}, "has_network", {"transport": {"disabled_services": ["network"]}}),
    ({"identity_endpoint_override": "https://k"}, "identity_endpoint_override",
     {"transport": {"endpoint_overrides": {"identity": "https://k"}}}),
    ({"compute_api_version": 2.79}, "compute_api_version", {"transport": {"microversions": {"compute": "2.79"}}}),
    ({"block_storage_endpoint_override": "https://c/v3/p"}, "block_storage_endpoint_override",
     {"transport": {"endpoint_overrides": {"block-storage": "https://c/v3/p"}}}),
])
def test_single_fact_key_translation(entry, label, layer):
    put(Path.cwd(), one_cloud(**entry))
    assert layers_of(load_config()) == {f"clouds.yaml cloud 'c' {label}:": layer}


@pytest.mark.parametrize("entry", [
    {"compute_api_version": "2"}, {"compute_api_version": "2.0"}, {"force_ipv4": False}, {"private": False},
    {"has_network": True}, {"image_format": "raw", "secgroup_source": "neutron", "object_store_endpoint": "x"},
])
def test_keys_that_say_nothing_new_make_no_layer(entry):
    put(Path.cwd(), one_cloud(**entry))
    assert load_config().profile_layers == ()


def test_legacy_external_and_internal_network_keys():
    put(Path.cwd(), "legacy.yaml")
    (label, layer), timeout = load_config("oldstyle").profile_layers
    assert label == "clouds.yaml cloud 'oldstyle' external_network/internal_network:"
    assert timeout == ("clouds.yaml cloud 'oldstyle' api_timeout:", {"transport": {"timeout": 45}})
    ext, internal = layer["network"]["networks"]
    assert (ext["name"], ext["routes_externally"], ext["default_interface"], ext["nat_destination"]) == (
        "ext-net", True, True, False)
    assert (internal["name"], internal["routes_externally"], internal["nat_destination"]) == ("int-net", False, True)


@pytest.mark.parametrize("entry, message", [
    ({"networks": [{"routes_externally": True}]}, "networks: entry has no name"),
    ({"networks": ["plain-string"]}, "each networks: entry must be a mapping"),
    ({"networks": {"name": "x"}}, "networks: must be a list"),
    ({"networks": [{"name": "a", "nat_destination": True}, {"name": "b", "nat_destination": True}]},
     "networks 'a' and 'b' are both marked nat_destination"),
    ({"networks": [{"name": "a"}], "external_network": "x"}, "both external_network and networks: are set"),
    ({"normalizer": "text"}, "normalizer: must be a mapping"),
])
def test_malformed_network_keys_are_config_errors(entry, message):
    put(Path.cwd(), one_cloud(**entry))
    with pytest.raises(ConfigError, match=message):
        load_config()


def test_global_client_section_forces_ipv4():
    put(Path.cwd(), {**one_cloud(), "client": {"force_ipv4": True}})
    assert layers_of(load_config()) == {"clouds.yaml client:": {"network": {"prefer_ipv6": False}}}


def test_profile_overrides_must_be_a_mapping(fixture_clouds):
    with pytest.raises(ConfigError, match="profile_overrides= must be a mapping"):
        load_config("devstack", profile_overrides=["x"])


def test_layers_pass_the_profile_schema(fixture_clouds):
    from normalizer.profiles import schema

    cfg = load_config("netcloud", rate_limit=2, has_image=False)
    for label, layer in cfg.profile_layers:
        schema.validate(layer, label, partial=True)
    assert len(cfg.profile_layers) == 10


# --- cache, TLS, interface, timeout ------------------------------------------------------------


def test_cache_section_is_copied_and_cache_argument_replaces_it(fixture_clouds):
    cfg = load_config("devstack")
    assert cfg.cache == {"class": "dogpile.cache.memory", "expiration_time": 300,
                         "expiration": {"server": 5, "image": 3600}, "arguments": {"cache_size": 1000}}
    assert load_config("devstack", cache={"class": "dogpile.cache.null"}).cache == {"class": "dogpile.cache.null"}
    with pytest.raises(ConfigError, match="cache must be a mapping"):
        load_config("devstack", cache="memory")


def test_tls_settings():
    for name in ("c.pem", "k.pem", os.path.expanduser("~/ca.pem")):
        Path(name).write_text("pem")
    assert load_config(**AUTH).verify is True
    assert load_config(**AUTH, insecure=True, cacert="/no/such/ca.pem").verify is False  # unused: not checked
    assert load_config(**AUTH, cacert="~/ca.pem").verify == os.path.expanduser("~/ca.pem")
    assert load_config(**AUTH, cert="c.pem").cert == "c.pem"
    assert load_config(**AUTH, cert="c.pem", key="k.pem").cert == ("c.pem", "k.pem")
    assert load_config(**AUTH, verify="false").verify is False
    with pytest.raises(ConfigError, match="insecure must be true or false"):
        load_config(**AUTH, insecure=[1])


def test_interface_and_timeout_validation():
    assert load_config(**AUTH).interface is None  # unset: the profile's identity.interface decides
    assert load_config(**AUTH, endpoint_type="admin").interface == "admin"
    with pytest.raises(ConfigError, match="interface must be text"):
        load_config(**AUTH, interface=5)
    with pytest.raises(ConfigError, match="api_timeout must be a positive number"):
        load_config(**AUTH, api_timeout="soon")


# --- malformed files ---------------------------------------------------------------------------


def test_malformed_yaml_names_the_file_and_line():
    path = put(Path.cwd(), "malformed.yaml")
    with pytest.raises(ConfigError) as caught:
        load_config()
    # the flow list opened on line 5 is found broken on line 6
    assert str(caught.value).startswith(f"{path} line 6: ")
    assert caught.value.line == 6


def test_malformed_json_names_the_file_and_line():
    path = put(Path.cwd(), '{"clouds": {\n  "a": ,\n}}', "clouds.json")
    with pytest.raises(ConfigError, match=f"{path} line 2"):
        load_config()


@pytest.mark.parametrize("text, message", [
    ("clouds: [1, 2]\n", "'clouds' must map cloud names to settings"),
    ("- a\n- b\n", "is not a mapping"),
    ("clouds:\n  c: [1, 2]\n", "cloud 'c' in .*: its settings must be a mapping, not a list"),
    ("clouds:\n  c:\n    auth: just-a-string\n", "auth must be a mapping of option names to values, not a str"),
    ("clouds:\n  c:\n    auth: {auth_url: u, username: u, password: p}\n    created: 2020-13-45\n",
     "unreadable value"),
])
def test_malformed_content_is_a_config_error(text, message):
    put(Path.cwd(), text)
    with pytest.raises(ConfigError, match=message):
        load_config("c")


def test_empty_clouds_file_is_no_cloud():
    put(Path.cwd(), "")
    with pytest.raises(ConfigError, match="no cloud is configured"):
        load_config()


def test_null_cloud_entry_asks_for_auth():
    put(Path.cwd(), "clouds:\n  bare:\n")
    with pytest.raises(ConfigError, match="cloud 'bare': auth field 'auth_url' is missing"):
        load_config()


def test_cloud_name_must_be_text():
    with pytest.raises(ConfigError, match="cloud name must be text"):
        load_config(5)


# --- secrets ---------------------------------------------------------------------------------


def test_repr_and_str_redact_secrets():
    cfg = CloudConfig(name="c", auth={
        "username": "visible-user", "password": "pw-1", "token": "tok-2", "application_credential_secret": "sec-3",
        "client_secret": "sec-4", "admin_password_hash": "pw-5", "passcode": "123999",
    }, cache={"arguments": {"redis_password": "pw-6"}}, session=object())
    for text in (repr(cfg), str(cfg)):
        assert "visible-user" in text
        for secret in ("pw-1", "tok-2", "sec-3", "sec-4", "pw-5", "123999", "pw-6"):
            assert secret not in text
        assert "'password': '***'" in text


def test_loaded_config_repr_hides_secure_yaml_passwords(fixture_clouds):
    assert "devstack-secret-password" not in repr(load_config("devstack"))
    assert "app-secret-value" not in str(load_config("appcred"))


# --- load_all_configs ----------------------------------------------------------------------------


def test_load_all_configs_expands_regions(fixture_clouds):
    pairs = [(c.name, c.region_name) for c in load_all_configs()]
    assert pairs == [
        ("devstack", "RegionOne"), ("appcred", "RegionOne"), ("vendor", "ca-ymq-1"), ("vendor", "sjc1"),
        ("multiregion", "RegionOne"), ("multiregion", "RegionTwo"), ("multiregion", "RegionThree"),
        ("netcloud", None),
    ]
    two = [c for c in load_all_configs() if c.region_name == "RegionTwo"][0]
    assert two.api_timeout == 90.0


def test_load_all_configs_skips_incomplete_clouds_with_a_warning(caplog):
    put(Path.cwd(), {"clouds": {"good": one_cloud()["clouds"]["c"], "half": {"auth": {"username": "u"}}}})
    with caplog.at_level(logging.WARNING, logger="normalizer.config"):
        configs = load_all_configs()
    assert [c.name for c in configs] == ["good"]
    assert "half" in caplog.text and "auth_url" in caplog.text


def test_load_all_configs_includes_the_environment_cloud_and_raises_structural_errors():
    put(Path.cwd(), one_cloud())
    assert [c.name for c in load_all_configs(environ=ENV)] == ["c", "envvars"]
    assert load_all_configs(environ={}) != []
    put(Path.cwd(), one_cloud(regions=[{"nope": 1}]))
    with pytest.raises(ConfigError, match="invalid region entry"):
        load_all_configs()


def test_load_all_configs_with_nothing_configured_is_empty():
    assert load_all_configs() == []


# --- the CloudConfig value ------------------------------------------------------------------------


def test_cloud_config_is_frozen_and_read_only(fixture_clouds):
    cfg = load_config("devstack")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.name = "other"
    with pytest.raises(TypeError):
        cfg.auth["username"] = "x"
    assert hash(cfg) == hash(load_config("devstack"))


def test_cloud_config_copies_pickles_and_ignores_session_in_equality(fixture_clouds):
    cfg = load_config("devstack")
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert copy.deepcopy(cfg) == cfg
    assert dataclasses.replace(cfg, session=object()) == cfg
    assert dataclasses.replace(cfg, region_name="x") != cfg
