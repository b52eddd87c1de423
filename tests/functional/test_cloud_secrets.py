"""Passwords, tokens and application-credential secrets never show, wherever we look.

Every test logs everything at DEBUG (root, ``keystoneauth``, ``normalizer``, ``urllib3``),
connects, runs every public read, provokes a 401 and a 5xx, and then searches for each
secret in: every log record (message, arguments, formatted text and traceback), ``repr``
and ``str`` of the Cloud, its config, profile and transport, and ``str``, ``repr``,
``to_dict()``, the printed traceback and the pickle of every error raised. The secrets
are the password, the application-credential secret, the wrong ones we tried, and every
token the client sent (FakeCloud records the ``X-Auth-Token`` header of each request).
"""

from __future__ import annotations

import contextlib
import json
import logging
import pickle
import traceback
from typing import Any, Iterator

import pytest

import normalizer
from normalizer.testing import FakeCloud, RecordedRequest

LOGGERS = ("", "keystoneauth", "normalizer", "urllib3")
WRONG_PASSWORD = "Wr0ng-Passw0rd-for-the-test"
WRONG_SECRET = "wr0ng-app-cred-secret-for-the-test"
READS = ("list_servers", "list_networks", "list_flavors", "list_images", "list_floating_ips", "list_keypairs")


@pytest.fixture
def debug_logs(caplog):
    """Capture every record at DEBUG on the root logger and the libraries' own loggers."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@contextlib.contextmanager
def running(fake: FakeCloud, mode: str) -> Iterator[FakeCloud]:
    """Answer through requests-mock, or over real HTTP on 127.0.0.1 (so urllib3 logs too)."""
    if mode == "mock":
        with fake:
            yield fake
    else:
        with fake.serve():
            yield fake
        fake.assert_no_unexpected()


def password_kwargs(fake: FakeCloud, password: str | None = None) -> dict:
    return dict(fake.connect_kwargs(), password=password or fake.password)


def appcred_kwargs(fake: FakeCloud, secret: str | None = None) -> dict:
    return {"auth_type": "v3applicationcredential", "auth_url": fake.auth_url,
            "application_credential_id": fake.application_credential_id,
            "application_credential_secret": secret or fake.application_credential_secret,
            "region_name": fake.region_name, "profile": fake.profile}


def exercise(cloud: normalizer.Cloud, fake: FakeCloud, *, gets: bool = True) -> list[normalizer.NormalizerError]:
    """Every public read (``gets=False``: the lists only), then a 5xx; returns the errors raised."""
    errors: list[normalizer.NormalizerError] = []
    for name in READS:
        assert isinstance(getattr(cloud, name)(), list)
    if gets:
        web1 = cloud.get_server("web1")
        assert cloud.get_server(web1.id).name == "web1"
        assert cloud.get_image("ubuntu-24.04") is not None
        assert cloud.get_flavor("m1.small") is not None
        assert cloud.get_network("private") is not None
    fake.inject("GET", r"^/compute/v2\.1/flavors/detail$", status=500,
                json={"computeFault": {"code": 500, "message": "Unexpected API Error."}})
    with pytest.raises(normalizer.ServerError) as info:
        cloud.list_flavors()
    errors.append(info.value)
    return errors


def failing_login(kwargs: dict) -> normalizer.NormalizerError:
    cloud = normalizer.connect(**kwargs)
    with pytest.raises(normalizer.AuthError) as info:
        cloud.list_servers()
    return info.value


def sent_tokens(fake: FakeCloud) -> set[str]:
    return {r.headers["X-Auth-Token"] for r in fake.requests if r.headers.get("X-Auth-Token")}


def texts_of_logs(caplog) -> list[str]:
    found = [caplog.text]
    formatter = logging.Formatter()
    for record in caplog.records:
        found += [str(record.msg), repr(record.args), record.getMessage()]
        if record.exc_info:
            found.append(formatter.formatException(record.exc_info))
    return found


def texts_of_objects(cloud: normalizer.Cloud) -> list[str]:
    found = []
    for thing in (cloud, cloud._config, cloud.profile, cloud._transport):
        found += [repr(thing), str(thing)]
    return found


def texts_of_error(err: BaseException) -> list[Any]:
    found: list[Any] = [str(err), repr(err), "".join(traceback.format_exception(err)), pickle.dumps(err)]
    if isinstance(err, normalizer.NormalizerError):
        found.append(json.dumps(err.to_dict(), default=str))
    return found


def assert_hidden(secrets: set[str], places: list[Any]) -> None:
    for secret in secrets:
        assert secret and len(secret) >= 8, secret
        for place in places:
            blob = place if isinstance(place, bytes) else str(place).encode("utf-8", "replace")
            assert secret.encode() not in blob, f"a secret ({secret[:4]}...) shows in: {str(place)[:300]}"


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["mock", "serve"])
def test_password_and_tokens_never_show(debug_logs, mode):
    fake = FakeCloud("fip")
    with running(fake, mode):
        cloud = normalizer.connect(**password_kwargs(fake))
        # over real HTTP each request costs a few ms more: the lists reach every route the gets use
        errors = exercise(cloud, fake, gets=mode == "mock")
        errors.append(failing_login(password_kwargs(fake, WRONG_PASSWORD)))
        tokens = sent_tokens(fake)
    assert tokens, "no token was sent: the test would prove nothing"
    assert any(r.name.startswith("normalizer") for r in debug_logs.records), "normalizer logged nothing"
    places = texts_of_logs(debug_logs) + texts_of_objects(cloud)
    for err in errors:
        places += texts_of_error(err)
    assert_hidden({fake.password, WRONG_PASSWORD, *tokens}, places)


def test_application_credential_secret_and_tokens_never_show(debug_logs):
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**appcred_kwargs(fake))
        errors = exercise(cloud, fake)
        errors.append(failing_login(appcred_kwargs(fake, WRONG_SECRET)))
        tokens = sent_tokens(fake)
        auth_bodies = [r.json for r in fake.calls("POST", "/identity/v3/auth/tokens")]
    assert tokens
    assert any("application_credential" in json.dumps(body) for body in auth_bodies), "not an app-cred login"
    places = texts_of_logs(debug_logs) + texts_of_objects(cloud)
    for err in errors:
        places += texts_of_error(err)
    assert_hidden({fake.application_credential_secret, WRONG_SECRET, *tokens}, places)


def test_token_auth_never_shows_the_token(debug_logs):
    with FakeCloud("fip") as fake:
        normalizer.connect(**password_kwargs(fake)).list_keypairs()
        token = sent_tokens(fake).pop()
        cloud = normalizer.connect(auth_type="v3token", auth_url=fake.auth_url, token=token,
                                   project_id=fake.project_id, region_name=fake.region_name)
        errors = exercise(cloud, fake)
        errors.append(failing_login(dict(auth_type="v3token", auth_url=fake.auth_url,
                                         token="gAAAAA-not-a-valid-token-0123", project_id=fake.project_id)))
        tokens = sent_tokens(fake)
    places = texts_of_logs(debug_logs) + texts_of_objects(cloud)
    for err in errors:
        places += texts_of_error(err)
    assert_hidden({*tokens, "gAAAAA-not-a-valid-token-0123"}, places)


def test_error_page_that_echoes_the_token_does_not_leak_it(debug_logs):
    """Some proxies' error pages print the request headers back; the error must not repeat them."""
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**password_kwargs(fake))
        cloud.list_keypairs()
        token = sent_tokens(fake).pop()
        page = (f"<html><body><h1>500 Internal Server Error</h1><pre>GET /compute/v2.1/flavors/detail\n"
                f"X-Auth-Token: {token}\nAccept: application/json</pre></body></html>")
        fake.inject("GET", r"^/compute/v2\.1/flavors/detail$", status=500, text=page)
        with pytest.raises(normalizer.ServerError) as info:
            cloud.list_flavors()
    assert "500 Internal Server Error" in str(info.value)
    assert_hidden({token}, texts_of_error(info.value) + texts_of_logs(debug_logs))


def test_recorded_request_repr_hides_token_and_credentials():
    with FakeCloud("fip") as fake:
        normalizer.connect(**password_kwargs(fake)).list_keypairs()
        normalizer.connect(**appcred_kwargs(fake)).list_keypairs()
        tokens = sent_tokens(fake)
        recorded = fake.requests
    assert tokens and all(isinstance(r, RecordedRequest) for r in recorded)
    assert any(r.method == "POST" for r in recorded)
    assert_hidden({fake.password, fake.application_credential_secret, *tokens},
                  [repr(r) for r in recorded] + [repr(recorded)])
    assert any("'***'" in repr(r) for r in recorded if r.headers.get("X-Auth-Token"))
