"""Connection settings that used to fail at the first request now fail when loading.

TLS files that do not exist, ``verify`` words, ``{...}`` templates, auth values of the wrong
type, keyword arguments nested without end and a ``session`` that is not one: each is a
ConfigError from ``load_config`` (so from ``normalizer.connect``) that names the setting.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from normalizer.config import load_config
from normalizer.config_translate import substitute, tls_settings
from normalizer.exceptions import ConfigError

from tests.assertions import one_line

AUTH = {"auth_url": "https://keystone.kw.test/v3", "username": "u", "password": "pw-secret", "project_name": "p"}


@pytest.fixture
def pem(tmp_path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


# --- verify and insecure words -------------------------------------------------------------


@pytest.mark.parametrize("word, expected", [
    ("off", False), ("OFF", False), ("0", False), ("no", False), ("False", False), (" false ", False), (0, False),
    ("on", True), ("Yes", True), ("1", True), ("TRUE", True), (1, True), (True, True), (None, True),
])
def test_verify_words_are_booleans(word, expected):
    assert load_config(**AUTH, verify=word).verify is expected


@pytest.mark.parametrize("word, expected", [("on", False), ("1", False), ("Yes", False), ("off", True), ("0", True)])
def test_insecure_words_are_booleans(word, expected):
    assert load_config(**AUTH, insecure=word).verify is expected


@pytest.mark.parametrize("value", [2, 3.5, [True], {"a": 1}, ""])
def test_verify_of_another_kind_is_a_config_error(value):
    with pytest.raises(ConfigError) as info:
        load_config(**AUTH, verify=value)
    one_line(info.value, "verify", "true, false or the path of a CA bundle")


@pytest.mark.parametrize("value", ["maybe", 2, [1], "/etc/ca.pem"])
def test_insecure_that_is_no_boolean_is_a_config_error(value):
    with pytest.raises(ConfigError) as info:
        load_config(**AUTH, insecure=value)
    one_line(info.value, "insecure must be true or false", "yes/no")


# --- files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", ["cacert", "verify"])
def test_missing_ca_bundle_is_a_config_error_naming_setting_and_path(setting, tmp_path):
    missing = str(tmp_path / "nowhere" / "ca.pem")
    with pytest.raises(ConfigError) as info:
        load_config(**AUTH, **{setting: missing})
    one_line(info.value, f"{setting}:", missing, "does not exist", f"keyword argument {setting}=")
    assert info.value.setting == setting and info.value.path == missing


def test_existing_ca_bundle_file_or_directory_is_used(pem, tmp_path):
    assert load_config(**AUTH, cacert=str(pem)).verify == str(pem)
    assert load_config(**AUTH, verify=str(pem)).verify == str(pem)
    assert load_config(**AUTH, verify=str(tmp_path)).verify == str(tmp_path)  # a c_rehash directory


def test_client_certificate_and_key_must_exist(pem, tmp_path):
    missing = str(tmp_path / "client.key")
    with pytest.raises(ConfigError) as info:
        load_config(**AUTH, cert=str(pem), key=missing)
    one_line(info.value, "key:", "client key", missing, "does not exist")
    with pytest.raises(ConfigError) as info:
        load_config(**AUTH, cert=str(tmp_path))  # a directory is no certificate
    one_line(info.value, "cert:", "client certificate", "does not exist")
    assert load_config(**AUTH, cert=str(pem), key=str(pem)).cert == (str(pem), str(pem))


def test_unreadable_ca_bundle_is_a_config_error(pem, monkeypatch):
    # chmod 0 proves nothing when the tests run as root, so the permission check is stubbed
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: path != str(pem) and real_access(path, mode))
    with pytest.raises(ConfigError) as info:
        load_config(**AUTH, cacert=str(pem))
    one_line(info.value, "cacert:", "cannot be read")


def test_missing_files_from_the_environment_name_the_variable(tmp_path):
    env = {"OS_AUTH_URL": "https://k.test/v3", "OS_USERNAME": "u", "OS_PASSWORD": "p", "OS_PROJECT_NAME": "p"}
    for variable in ("OS_CACERT", "OS_CERT"):
        with pytest.raises(ConfigError) as info:
            load_config(environ={**env, variable: str(tmp_path / "gone.pem")})
        one_line(info.value, variable, "gone.pem", "does not exist")


def test_missing_file_from_clouds_yaml_names_the_file(tmp_path):
    doc = {"clouds": {"mine": {"auth": dict(AUTH), "cacert": str(tmp_path / "gone.pem")}}}
    Path("clouds.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as info:
        load_config("mine")
    one_line(info.value, "cloud 'mine'", "cacert:", "gone.pem", str(Path("clouds.yaml").resolve()))


def test_tls_settings_stays_pure():
    # the pure translation does not look at the disk; load_config does
    assert tls_settings({"cacert": "/nowhere/ca.pem"}, "c") == ("/nowhere/ca.pem", None)


# --- templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("template", [
    "https://{region_name.__class__}/v3", "https://{region_name:>3000000000}/v3", "https://{0}/v3",
    "https://{region_name[0]}/v3", "https://{region_name!r}/v3", "https://{}/v3", "https://{/v3", "https://x}/v3",
    "https://{password}/v3", "https://{nowhere}/v3",
])
def test_only_bare_known_names_are_placeholders(template):
    with pytest.raises(ConfigError) as info:
        load_config(**{**AUTH, "auth_url": template}, region_name="de1")
    text = one_line(info.value, "auth_url")
    assert "pw-secret" not in text and info.value.key == "auth_url"


def test_bare_placeholders_and_doubled_braces_are_filled():
    cfg = load_config(**{**AUTH, "auth_url": "https://{region_name}.k.test/{{v3}}"}, region_name="de1")
    assert cfg.auth["auth_url"] == "https://de1.k.test/{v3}"


def test_substitution_never_formats_the_value():
    # a value that itself holds braces is inserted as it is, not expanded again
    assert substitute("{a}-{b}", {"a": "{b}", "b": 7}, cloud="c", key="k") == "{b}-7"


# --- keyword arguments and auth values -----------------------------------------------------------


@pytest.mark.parametrize("kwargs, words", [
    ({"region_name": 5}, ("region_name", "text")),
    ({"api_timeout": "abc"}, ("api_timeout", "positive number")),
    ({"api_timeout": -1}, ("api_timeout", "positive number")),
    ({"api_timeout": float("nan")}, ("api_timeout", "positive number")),
    ({"interface": 5}, ("interface",)),
    ({"profile": 5}, ("profile",)),
    ({"password": ["x"]}, ("auth value 'password'", "must be text", "list")),
    ({"username": {"a": 1}}, ("auth value 'username'", "dict")),
    ({"project_name": True}, ("auth value 'project_name'", "bool")),
    ({"session": "a-session"}, ("session must be a keystoneauth1 Session", "str")),
    ({"cache": 5}, ("cache must be a mapping",)),
])
def test_keyword_arguments_of_the_wrong_type_are_config_errors(kwargs, words):
    with pytest.raises(ConfigError) as info:
        load_config(**{**AUTH, **kwargs})
    text = one_line(info.value, *words)
    assert "pw-secret" not in text


def test_auth_value_of_the_wrong_type_is_never_shown():
    with pytest.raises(ConfigError) as info:
        load_config(**{**AUTH, "password": ["pw-list-secret"]})
    assert "pw-list-secret" not in str(info.value) and info.value.option == "password"


@pytest.mark.parametrize("key", ["profile_overrides", "cache", "normalizer", "networks"])
def test_endless_or_self_containing_arguments_are_config_errors(key):
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    loop: dict = {}
    loop["x"] = [loop]
    for value in (deep, loop):
        with pytest.raises(ConfigError) as info:
            load_config(**AUTH, **{key: value})
        one_line(info.value, f"keyword argument {key}=", "levels deep")
        assert info.value.argument == key


# --- other public entry points ----------------------------------------------------------------


def test_wrong_kinds_for_the_other_config_entry_points_are_config_errors():
    from normalizer.config import CloudConfig, build_auth_plugin, load_all_configs

    calls = {
        "load_all_configs(region_name=)": lambda: load_all_configs(region_name="r"),
        "environ=5": lambda: load_config(**AUTH, environ=5),
        "environ values": lambda: load_config(**AUTH, environ={"OS_CLOUD": 5}),
        "CloudConfig auth": lambda: CloudConfig(name="c", auth=5),
        "CloudConfig layers": lambda: CloudConfig(name="c", profile_layers=[5]),
        "build_auth_plugin": lambda: build_auth_plugin("mycloud"),
        "build_auth_plugin defaults": lambda: build_auth_plugin(load_config(**AUTH), defaults=5),
    }
    for label, call in calls.items():
        with pytest.raises(ConfigError) as info:
            call()
        assert "\n" not in str(info.value) and info.value.hint, label


def test_oversized_clouds_json_is_refused_before_parsing():
    from normalizer.profiles.safe_yaml import MAX_CHARS

    Path("clouds.json").write_text('{"clouds": {}, "pad": "' + "x" * MAX_CHARS + '"}')
    with pytest.raises(ConfigError) as info:
        load_config(**AUTH)
    one_line(info.value, "clouds.json", "characters long")
