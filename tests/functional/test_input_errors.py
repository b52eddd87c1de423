"""A typed error for every input: caller mistakes fail on the host, before any request.

``create_server`` and ``plan_server`` check their arguments when the request is built, so
a wrong type, a private key or metadata Nova would refuse is a ConfigError naming the
argument and nothing reaches the (fake) cloud. Hostile clouds.yaml files and profile
layers, missing TLS files and random keyword arguments to ``connect`` give only
NormalizerErrors, and ``connect`` itself never touches the network.
"""

from __future__ import annotations

import base64
import pathlib
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import normalizer
from normalizer.testing import FakeCloud

from tests.assertions import one_line
from tests.functional.conftest import KEY

# Not a real key: armour around base64 that must never appear in a message, not even in part.
BODY = base64.b64encode(bytes(range(256)) * 2).decode()
PRIVATE_KEYS = {
    "openssh": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{BODY[:70]}\n{BODY[70:140]}\n-----END OPENSSH PRIVATE KEY-----\n",
    "pkcs8": f"-----BEGIN PRIVATE KEY-----\n{BODY[:64]}\n-----END PRIVATE KEY-----",
    "rsa-one-line": f"-----BEGIN RSA PRIVATE KEY----- {BODY[:64]} -----END RSA PRIVATE KEY-----",
    "mangled": f"BEGIN EC PRIVATE KEY {BODY[:64]}",
}


@pytest.fixture
def fake():
    with FakeCloud("fip") as cloud:
        yield cloud


@pytest.fixture
def cloud(fake):
    fake.reset_requests()
    connected = normalizer.connect(**fake.connect_kwargs())
    assert fake.requests == [], "connect() must not contact the cloud"
    return connected


# --- create_server / plan_server arguments ------------------------------------------------------

BAD_ARGUMENTS = [
    ({"metadata": 5}, ("metadata", "mapping", "int")),
    ({"metadata": {"k": 5}}, ("metadata['k']", "must be text", "str(value)")),
    ({"metadata": {"k": None}}, ("metadata['k']", "must be text")),
    ({"metadata": {7: "v"}}, ("metadata keys", "int")),
    ({"metadata": {"k": "v" * 256}}, ("metadata['k']", "256 characters")),
    ({"metadata": {"normalizer:floating_ips": "fip-1"}}, ("normalizer:", "own records")),
    ({"security_groups": 7}, ("security_groups", "list of group names", "int")),
    ({"security_groups": ["web", 7]}, ("security_groups", "group names", "int")),
    ({"security_groups": [""]}, ("security_groups", "empty string")),
    ({"root_keys": "not a key"}, ("root_keys", "key 1 of 1")),
    ({"root_keys": [KEY, 5]}, ("root_keys", "key 2 of 2", "int")),
    ({"root_keys": {"k": KEY}}, ("root_keys", "dict")),
    ({"name": ""}, ("name must be a non-empty string", "empty")),
    ({"name": 5}, ("name must be a non-empty string", "int")),
    ({"name": "web\n1"}, ("name", "printable")),
    ({"name": "w" * 256}, ("name", "at most 255")),
    ({"image": None}, ("image must be a name, an id", "not None")),
    ({"image": 5}, ("image must be", "int")),
    ({"image": {"name": "x"}}, ("image is a mapping without an 'id'",)),
    ({"flavor": ""}, ("flavor must be", "empty string")),
    ({"flavor": [1]}, ("flavor must be", "list")),
    ({"network": 5}, ("network must be", "int", "leave it out")),
    ({"network": ["private"]}, ("network must be", "list")),
    ({"network": {}}, ("network is a mapping without an 'id'",)),
    ({"userdata": 5}, ("userdata must be text or bytes", "int")),
    ({"userdata": ["#!/bin/sh"]}, ("userdata", "list")),
    ({"auto_ip": "yes"}, ("auto_ip must be True or False", "str")),
    ({"auto_ip": None}, ("auto_ip", "None")),
    ({"key_name": 5}, ("key_name", "int")),
    ({"key_name": ""}, ("key_name", "non-empty")),
    ({"public_key": 5}, ("public_key", "int")),
    ({"public_key": "  "}, ("public_key must be one OpenSSH public key line",)),
    ({"public_key": KEY + "\n" + KEY}, ("public_key must be one OpenSSH public key line",)),
    ({"key_name": "k", "public_key": KEY}, ("key_name or public_key",)),
    ({"userdata": "#!/bin/sh\n" + "x" * 60000}, ("larger than Nova accepts",)),
]


@pytest.mark.parametrize("method", ["create_server", "plan_server"])
@pytest.mark.parametrize("kwargs, words", BAD_ARGUMENTS, ids=[str(sorted(k)) + str(i) for i, (k, _) in
                                                              enumerate(BAD_ARGUMENTS)])
def test_bad_argument_is_a_config_error_before_any_request(fake, cloud, method, kwargs, words):
    arguments = {"name": "web1", "image": "ubuntu-24.04", "flavor": "m1.small", **kwargs}
    with pytest.raises(normalizer.ConfigError) as info:
        getattr(cloud, method)(arguments.pop("name"), arguments.pop("image"), arguments.pop("flavor"), **arguments)
    text = one_line(info.value, *words)
    assert "unexpected shape" not in text
    assert fake.requests == [], [(r.method, r.path) for r in fake.requests]


@pytest.mark.parametrize("argument", ["public_key", "root_keys"])
@pytest.mark.parametrize("kind", sorted(PRIVATE_KEYS))
def test_private_key_is_refused_and_never_sent_or_echoed(fake, cloud, argument, kind):
    secret = PRIVATE_KEYS[kind]
    value = secret if argument == "public_key" else [KEY, secret]
    with pytest.raises(normalizer.ConfigError) as info:
        cloud.create_server("web1", "ubuntu-24.04", "m1.small", **{argument: value})
    one_line(info.value, argument, "private key", "not shown")
    err = info.value
    shown = " ".join([str(err), repr(err), repr(err.to_dict()), repr(err.__cause__), repr(err.__context__)])
    for start in range(0, 128, 4):  # no 8-character piece of the key material, anywhere
        assert BODY[start:start + 8] not in shown
    assert fake.requests == []


def test_single_security_group_string_means_that_group(fake, cloud):
    plan = cloud.plan_server("web1", "ubuntu-24.04", "m1.small", security_groups="web", metadata={"role": "db"})
    assert plan.security_groups == ["web"] and plan.metadata == {"role": "db"}
    assert cloud.plan_server("web1", "ubuntu-24.04", 2).flavor_id == "2"  # an old numeric flavor id


def test_create_with_valid_arguments_still_sends_them(fake, cloud):
    server = cloud.create_server("web1", "ubuntu-24.04", "m1.small", security_groups="default",
                                 metadata={"role": "web"}, wait=True)
    posted = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/servers")]
    assert len(posted) == 1 and server.metadata["role"] == "web"


# --- connect: TLS files, templates, hostile clouds.yaml ------------------------------------------


def write_clouds(text: str) -> pathlib.Path:
    path = pathlib.Path("clouds.yaml").resolve()
    path.write_text(text)
    return path


AUTH_YAML = ("clouds:\n  mine:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n      username: u\n"
             "      password: p\n      project_name: p\n")


@pytest.mark.parametrize("extra, words", [
    ("    cacert: /nonexistent/ca.pem\n", ("cacert:", "/nonexistent/ca.pem", "does not exist")),
    ("    cert: /nonexistent/c.pem\n", ("cert:", "/nonexistent/c.pem", "does not exist")),
    ("    verify: /nonexistent/bundle\n", ("verify:", "does not exist")),
    ("    verify: [1]\n", ("verify must be true, false",)),
    ("    region_name: de1\n    compute_endpoint_override: 'http://{region_name:>3000000000}/'\n",
     ("compute_endpoint_override", "not a placeholder")),
    ("    region_name: de1\n    compute_endpoint_override: 'http://{region_name.__class__}/'\n",
     ("compute_endpoint_override", "not a placeholder")),
], ids=["cacert", "cert", "verify-path", "verify-list", "format-spec", "attribute"])
def test_bad_connection_setting_in_clouds_yaml_fails_at_connect(extra, words):
    path = write_clouds(AUTH_YAML + extra)
    with pytest.raises(normalizer.ConfigError) as info:
        normalizer.connect("mine")
    text = one_line(info.value, "'mine'", *words)
    if "does not exist" in text:
        assert str(path) in text


def test_verify_off_as_text_turns_verification_off():
    write_clouds(AUTH_YAML + "    verify: 'off'\n")
    assert normalizer.connect("mine")._config.verify is False


@pytest.mark.parametrize("extra, words", [
    ("    region_name: 2024-13-45\n", ("line 8", "clouds.mine.region_name", "unreadable value", "month")),
    ("    normalizer: " + "[" * 5000 + "]" * 5000 + "\n", ("clouds.mine.normalizer", "levels deep")),
    ("    a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"    {chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(9)),
     ("expands to more than",)),
], ids=["bad-date", "deep", "alias-bomb"])
def test_hostile_clouds_yaml_is_a_config_error_naming_file_and_key(extra, words):
    path = write_clouds(AUTH_YAML + extra)
    with pytest.raises(normalizer.ConfigError) as info:
        normalizer.connect("mine")
    one_line(info.value, str(path), *words)


def test_costly_regex_in_a_clouds_yaml_layer_is_a_profile_error():
    write_clouds(AUTH_YAML + "    normalizer:\n      flavors:\n        exclude_patterns: ['(a{1000}){1000}']\n")
    with pytest.raises(normalizer.ProfileError) as info:
        normalizer.connect("mine")
    one_line(info.value, "clouds.yaml cloud 'mine' normalizer:", "flavors.exclude_patterns[0]", "at most 1000")


# --- connect over random keyword arguments -----------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=True), st.text(max_size=12),
    st.binary(max_size=4),
    st.sampled_from(["off", "0", "yes", "{region_name}", "{0}", "{region_name:>99}", "{region_name.real}",
                     "/nonexistent", "~/x", "http://127.0.0.1:9/v3", "generic", "ovh", "password", "v3token",
                     "none", "public", "1e400", "nan", "-1", "2024-13-45", "a{99999999999}", "p" * 5000]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(
    st.text(max_size=5) | st.sampled_from(["network", "transport", "timeout", "expiration_time", "class", "name"]),
    inner, max_size=3), max_leaves=6)
CONNECT_KEYS = [
    "region_name", "api_timeout", "verify", "insecure", "cacert", "cert", "key", "interface", "profile",
    "profile_overrides", "cache", "auth_type", "auth_url", "username", "password", "project_name", "project_id",
    "user_domain_name", "networks", "force_ipv4", "compute_api_version", "rate_limit", "floating_ip_source",
    "session", "auth", "token", "application_credential_secret", "endpoint_type", "compute_endpoint_override",
    "normalizer", "regions", "has_network", "private", "requires_floating_ip", "external_network", "cloud",
    "os_password", "domain_id", "auth_methods",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kwargs=st.dictionaries(st.sampled_from(CONNECT_KEYS), values, max_size=6))
def test_connect_with_any_keyword_arguments_raises_only_normalizer_errors(monkeypatch, kwargs):
    def no_network(*args, **kw):
        raise AssertionError("connect() opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    base = {"auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p", "project_name": "p"}
    try:
        cloud = normalizer.connect(**{**base, **kwargs})
    except normalizer.NormalizerError as err:
        assert "\n" not in str(err)
    else:
        assert isinstance(cloud._config.verify, (bool, str)) and isinstance(cloud.name, str)


def test_userdata_helpers_refuse_wrong_kinds():
    from normalizer.userdata import content_type, merge_user_data, root_access, user_data_size_ok

    for call in (lambda: content_type(5), lambda: user_data_size_ok(5), lambda: user_data_size_ok("x", "10"),
                 lambda: merge_user_data(5), lambda: root_access(5), lambda: root_access([b"ssh-ed25519 AAAA"])):
        with pytest.raises(normalizer.ConfigError) as info:
            call()
        assert "\n" not in str(info.value) and info.value.hint
