"""Bad input gets one clear, typed error through the public API, and nothing else.

Each test feeds one kind of bad input (a broken clouds.yaml, a missing auth value, an
unknown or retired profile, a broken profile layer, a catalog without a service, an HTML
answer, a wrong password, an ambiguous name) and checks the exact error class, that the
message is one line, and that it names the problem and what to do about it.
"""

from __future__ import annotations

import pathlib
import threading
import warnings

import pytest
import requests
import yaml

import normalizer
from normalizer.profiles import ProfileDeprecationWarning
from normalizer.testing import FakeCloud

AUTH = {"auth_url": "http://127.0.0.1:8799/identity", "username": "demo", "password": "s3cret-pw",
        "project_name": "demo", "user_domain_name": "Default", "project_domain_name": "Default"}
HTML_502 = "<html><body><h1>502 Bad Gateway</h1></body></html>"
LOGIN_PAGE = "<html><head><title>Sign in</title></head><body><form action='/login'>User</form></body></html>"


def write_clouds(data, path: str | pathlib.Path = "clouds.yaml") -> pathlib.Path:
    """Write a clouds.yaml (a mapping is dumped, a string written as is); return its absolute path."""
    target = pathlib.Path(path).resolve()
    target.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return target


def one_cloud(**entry) -> dict:
    """A clouds.yaml document with one cloud ``mycloud`` made of AUTH plus ``entry``."""
    return {"clouds": {"mycloud": {"auth": dict(AUTH), "region_name": "RegionOne", **entry}}}


def expect(cls, call, *words: str):
    """Run ``call``; assert it raises exactly ``cls`` with a one-line message containing ``words``."""
    with pytest.raises(normalizer.NormalizerError) as info:
        call()
    err = info.value
    assert type(err) is cls, f"expected {cls.__name__}, got {type(err).__name__}: {err}"
    text = str(err)
    assert "\n" not in text and "\r" not in text, f"message is not one line: {text!r}"
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    return err


# --- clouds.yaml -------------------------------------------------------------------------


@pytest.mark.parametrize("text, words", [
    pytest.param("clouds:\n  mycloud:\n    auth: {auth_url: [unclosed\n", ("line", "YAML"), id="bad-yaml"),
    pytest.param("clouds:\n  - mycloud\n  - other\n", ("'clouds'", "list", "name:"), id="clouds-is-a-list"),
    pytest.param("clouds:\n  mycloud: just-a-string\n", ("'mycloud'", "mapping", "str"), id="entry-is-a-string"),
])
def test_malformed_clouds_yaml_is_a_config_error_naming_the_file(text, words):
    path = write_clouds(text)
    err = expect(normalizer.ConfigError, lambda: normalizer.connect("mycloud"), str(path), *words)
    assert err.hint, "the error must say how to fix the file"


def test_malformed_file_named_by_os_client_config_file(tmp_path, monkeypatch):
    path = write_clouds("clouds: [\n", tmp_path / "elsewhere.yaml")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    expect(normalizer.ConfigError, lambda: normalizer.connect("mycloud"), str(path))


def test_auth_section_that_is_not_a_mapping_is_a_config_error():
    path = write_clouds({"clouds": {"mycloud": {"auth": "user:pass@host"}}})
    err = expect(normalizer.ConfigError, lambda: normalizer.connect("mycloud"),
                 "'mycloud'", str(path), "auth", "mapping")
    # the value may hold a credential: it is described by its type, never echoed
    assert "user:pass@host" not in str(err)


@pytest.mark.parametrize("field, env", [("auth_url", "OS_AUTH_URL"), ("password", "OS_PASSWORD")])
def test_missing_auth_field_names_the_field_and_how_to_set_it(field, env):
    doc = one_cloud()
    del doc["clouds"]["mycloud"]["auth"][field]
    write_clouds(doc)
    expect(normalizer.ConfigError, lambda: normalizer.connect("mycloud"),
           "'mycloud'", f"'{field}'", "missing", f"auth.{field}", "clouds.yaml", env, f"{field}=")


def test_missing_password_in_keyword_arguments():
    kwargs = {k: v for k, v in AUTH.items() if k != "password"}
    expect(normalizer.ConfigError, lambda: normalizer.connect(**kwargs), "'password'", "password=")


def test_unknown_cloud_lists_the_known_clouds():
    path = write_clouds({"clouds": {"alpha": one_cloud()["clouds"]["mycloud"],
                                    "beta": one_cloud()["clouds"]["mycloud"]}})
    err = expect(normalizer.UnknownCloudError, lambda: normalizer.connect("gamma"),
                 "'gamma'", "'alpha'", "'beta'", str(path))
    assert isinstance(err, LookupError)


# --- profiles ------------------------------------------------------------------------------


def test_unknown_profile_lists_the_known_ones():
    write_clouds(one_cloud(profile="vexhost"))
    err = expect(normalizer.UnknownProfileError, lambda: normalizer.connect("mycloud"),
                 "'vexhost'", "vexxhost", "generic")
    assert isinstance(err, LookupError)
    for known in normalizer.list_profiles():
        assert known in str(err)


def test_shut_down_profile_is_refused():
    write_clouds(one_cloud(profile="hpcloud"))
    expect(normalizer.ProfileShutdownError, lambda: normalizer.connect("mycloud"),
           "'hpcloud'", "shut down", "choose another profile")


def test_deprecated_profile_warns_and_still_connects():
    with FakeCloud("fip") as fake:
        kwargs = dict(fake.connect_kwargs(), profile="dreamhost")
        with pytest.warns(ProfileDeprecationWarning, match="dreamcompute"):
            cloud = normalizer.connect(**kwargs)
        assert cloud.profile.name == "dreamhost"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProfileDeprecationWarning)
            assert [f.name for f in cloud.list_flavors()][:1] == ["m1.tiny"]


def test_profile_layer_with_unknown_key_names_layer_and_key_path():
    write_clouds(one_cloud(normalizer={"network": {"public_acces": "direct"}}))
    err = expect(normalizer.ProfileError, lambda: normalizer.connect("mycloud"),
                 "clouds.yaml cloud 'mycloud'", "normalizer", "network.public_acces", "unknown key",
                 "known:", "public_access")
    assert err.pointer == "network.public_acces"


def test_profile_layer_with_bad_regex_names_layer_and_key_path():
    write_clouds(one_cloud(normalizer={"images": {"name_rules": [{"pattern": "([", "distro": "x"}]}}))
    err = expect(normalizer.ProfileError, lambda: normalizer.connect("mycloud"),
                 "clouds.yaml cloud 'mycloud'", "normalizer", "images.name_rules[0].pattern",
                 "regular expression", "'(['")
    assert err.pointer == "images.name_rules[0].pattern"
    assert err.hint, f"the message must say what to do, e.g. how to fix the pattern: {err}"


def test_user_profile_file_with_unknown_key_names_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    folder.mkdir()
    bad = folder / "mine.yaml"
    bad.write_text("name: mine\ndisplay_name: Mine\nstatus: active\nnetwrok: {}\n")
    monkeypatch.setenv("NORMALIZER_PROFILE_PATH", str(folder))
    write_clouds(one_cloud(profile="mine"))
    err = expect(normalizer.ProfileError, lambda: normalizer.connect("mycloud"),
                 str(bad), "netwrok", "unknown key", "known:", "network")
    assert err.source == str(bad)


# --- catalog and endpoints -----------------------------------------------------------------


def token_without(fake: FakeCloud, service: str) -> tuple[dict, str]:
    """A real token of the fake whose catalog lacks ``service``: (body, token id)."""
    auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": fake.username, "domain": {"name": fake.user_domain_name}, "password": fake.password}}},
        "scope": {"project": {"id": fake.project_id}}}}
    reply = requests.post(f"{fake.auth_url}/v3/auth/tokens", json=auth)
    assert reply.status_code == 201
    body = reply.json()
    body["token"]["catalog"] = [s for s in body["token"]["catalog"] if s["type"] != service]
    return body, reply.headers["X-Subject-Token"]


def test_catalog_without_compute_raises_endpoint_not_found():
    with FakeCloud("fip") as fake:
        body, token = token_without(fake, "compute")
        fake.inject("POST", r"^/identity/v3/auth/tokens$", status=201, json=body,
                    headers={"X-Subject-Token": token})
        cloud = normalizer.connect(**fake.connect_kwargs())
        for call in (cloud.list_servers, cloud.list_flavors, cloud.list_keypairs, lambda: cloud.get_server("web1")):
            err = expect(normalizer.EndpointNotFound, call, "compute", "region_name", "endpoint_overrides")
            assert err.service == "compute"
        # the services that are in the catalog keep working
        assert sorted(n.name for n in cloud.list_networks()) == ["ext-net", "private"]
        assert not fake.calls(path="/compute")


def test_compute_disabled_by_profile_raises_endpoint_not_found():
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs(),
                                   profile_overrides={"transport": {"disabled_services": ["compute"]}})
        expect(normalizer.EndpointNotFound, cloud.list_servers, "compute", "endpoint_overrides")
        assert not fake.calls(path="/compute")


# --- answers that are not the API ----------------------------------------------------------


def test_html_error_page_becomes_server_error_without_markup():
    with FakeCloud("fip") as fake:
        fake.inject("GET", r"/compute/v2.1/flavors/detail", status=502, text=HTML_502, times=10)
        cloud = normalizer.connect(**fake.connect_kwargs())
        err = expect(normalizer.ServerError, cloud.list_flavors, "502 Bad Gateway", "HTTP 502", "retry later")
        assert "<" not in str(err) and ">" not in str(err)
        assert err.status_code == 502 and err.service == "compute"
        assert err.remote_message == "502 Bad Gateway"
        assert err.request_id and err.request_id in str(err)


@pytest.mark.parametrize("method, route, key", [
    ("list_flavors", r"^/compute/v2\.1/flavors/detail$", "flavors"),
    ("list_servers", r"^/compute/v2\.1/servers/detail$", "servers"),
    ("list_keypairs", r"^/compute/v2\.1/os-keypairs$", "keypairs"),
    ("list_images", r"^/image/v2/images$", "images"),
    ("list_networks", r"^/network/v2\.0/networks$", "networks"),
    ("list_floating_ips", r"^/network/v2\.0/floatingips$", "floatingips"),
])
def test_html_login_page_with_status_200_is_a_typed_api_error(method, route, key):
    with FakeCloud("fip") as fake:
        fake.inject("GET", route, status=200, text=LOGIN_PAGE)
        cloud = normalizer.connect(**fake.connect_kwargs())
        err = expect(normalizer.APIError, getattr(cloud, method), f"'{key}'", "check the catalog")
        assert err.status_code == 200
        assert "<" not in str(err)


# --- authentication -------------------------------------------------------------------------


def test_wrong_password_is_auth_error_naming_identity_without_the_password():
    wrong = "Wr0ng-Passw0rd-xyz"
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**dict(fake.connect_kwargs(), password=wrong))
        err = expect(normalizer.AuthError, cloud.list_servers, "identity", "/identity", "HTTP 401",
                     "check the credentials")
        assert err.status_code == 401
        for text in (str(err), repr(err), repr(err.to_dict())):
            assert wrong not in text and fake.password not in text
        posted = [r.path for r in fake.calls("POST", "/identity")]
        assert posted == ["/identity/v3/auth/tokens"]
        # the URL in the error is the one that was called, so a user can retry it by hand
        assert err.url == fake.base_url + posted[0], err.url
        assert posted[0] in str(err)


def outcome_within(seconds: float, call) -> tuple[str, object]:
    """Run ``call`` in a daemon thread: ("returned", value), ("raised", error) or ("hung", None)."""
    box: dict = {}

    def run():
        try:
            box["returned"] = call()
        except BaseException as error:  # noqa: BLE001 - reported to the test, whatever it is
            box["raised"] = error

    worker = threading.Thread(target=run, name="outcome-within", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        return "hung", None
    return next(iter(box.items()))


def test_identity_document_that_asks_for_a_token_fails_fast():
    """GET on the unversioned auth_url answering 401 must give AuthError, not wait forever.

    keystoneauth retries that discovery request *with* a token, asks the plugin for one,
    and the plugin is already holding its own lock to fetch that very token.
    """
    with FakeCloud("fip") as fake:
        fake.inject("GET", r"^/identity/?$", status=401, times=5,
                    json={"error": {"code": 401, "title": "Unauthorized",
                                    "message": "The request you have made requires authentication."}})
        cloud = normalizer.connect(**fake.connect_kwargs())
        kind, value = outcome_within(3.0, cloud.list_keypairs)
        fake.reset_requests()
    assert kind == "raised", f"list_keypairs {kind} (a keystoneauth self-deadlock if 'hung')"
    assert type(value) is normalizer.AuthError, repr(value)
    assert "\n" not in str(value) and "identity" in str(value)


def test_wrong_application_credential_secret_is_auth_error():
    wrong = "not-the-secret-0123"
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(auth_type="v3applicationcredential", auth_url=fake.auth_url,
                                   application_credential_id=fake.application_credential_id,
                                   application_credential_secret=wrong, region_name=fake.region_name)
        err = expect(normalizer.AuthError, cloud.list_flavors, "identity", "HTTP 401")
        assert wrong not in str(err) and wrong not in repr(err.to_dict())


# --- names ------------------------------------------------------------------------------------


@pytest.fixture
def duplicated():
    with FakeCloud("fip") as fake:
        ids = {
            "server": [fake.add_server("twin", image="ubuntu-24.04", flavor="m1.small", networks=["private"])["id"]
                       for _ in range(2)],
            "flavor": [fake.add_flavor("twin", 1, 512, 1)["id"] for _ in range(2)],
            "image": [fake.add_image("twin")["id"] for _ in range(2)],
            "network": [fake.add_network("twin", cidr=f"10.{n}.0.0/24")["id"] for n in (7, 8)],
        }
        yield fake, ids


@pytest.mark.parametrize("kind", ["server", "flavor", "image", "network"])
def test_get_by_duplicated_name_is_ambiguous_and_lists_the_ids(duplicated, kind):
    fake, ids = duplicated
    cloud = normalizer.connect(**fake.connect_kwargs())
    err = expect(normalizer.AmbiguousMatch, lambda: getattr(cloud, f"get_{kind}")("twin"),
                 "'twin'", *ids[kind], f"pass the {kind}'s id")
    assert sorted(err.candidates) == sorted(ids[kind])
    assert getattr(cloud, f"get_{kind}")(ids[kind][1]).id == ids[kind][1]


@pytest.mark.parametrize("kind", ["server", "flavor", "image", "network"])
def test_get_by_missing_name_is_none(kind):
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs())
        assert getattr(cloud, f"get_{kind}")("no-such-thing") is None
