"""Whatever a cloud answers, a public read returns normally or raises a NormalizerError.

For each public read, hypothesis replaces the answer of the route that read calls with a
random status (200-599) and a random body: any JSON, any text, the right envelope with
records full of junk, a real FakeCloud answer with parts broken or removed, an error body
in some service's shape, or a transport exception. The read must return its documented
type (a list of Munch, a Munch, or None) or raise a ``normalizer.NormalizerError`` whose
message is one line and whose ``to_dict()`` is JSON. The token endpoint and the identity
version documents get the same treatment.

One FakeCloud (and one Cloud) per test; every example injects a ``times=1`` answer on a
route the read is sure to call first, so no injection outlives its example.

The last test covers every public call, create_server and delete_server included, with
a fresh FakeCloud per example, any status (redirects too), bodies nested up to 100 000
deep, truncated JSON, HTML and empty bodies, on one or two routes the call uses; its
retries and waits run on a fake clock.
"""

from __future__ import annotations

import json
import pickle
from typing import Any, Callable

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from munch import Munch

import normalizer
from normalizer.testing import FakeCloud
from tests.functional.conftest import KEY, UUID
from tests.strategies import (glance_images, junk, neutron_floating_ips, neutron_networks, neutron_subnets,
                              nova_flavors, nova_keypairs, nova_servers)

FUZZ = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: retries answer the next (real) request at once instead of sleeping
NO_SLEEP = {"transport": {"max_retry_delay": 0}}

class Read:
    """One public read: how to call it, the route it calls first, and the body it expects there.

    ``route`` is a path regex; ``{server}`` and ``{image}`` stand for the ids of web1 and ubuntu-24.04.
    """

    def __init__(self, name: str, call: Callable[[Any, dict], Any], route: str, key: str | None,
                 records: st.SearchStrategy, returns: str) -> None:
        self.name, self.call, self.route, self.key = name, call, route, key
        self.records, self.returns = records, returns

    def __repr__(self) -> str:
        return self.name


READS = [
    Read("list_servers", lambda c, ids: c.list_servers(), r"^/compute/v2\.1/servers/detail$", "servers",
         nova_servers(), "list"),
    Read("list_networks", lambda c, ids: c.list_networks(), r"^/network/v2\.0/networks$", "networks",
         neutron_networks(), "list"),
    Read("list_networks/subnets", lambda c, ids: c.list_networks(), r"^/network/v2\.0/subnets$", "subnets",
         neutron_subnets(), "list"),
    Read("list_flavors", lambda c, ids: c.list_flavors(), r"^/compute/v2\.1/flavors/detail$", "flavors",
         nova_flavors(), "list"),
    Read("list_images", lambda c, ids: c.list_images(), r"^/image/v2/images$", "images",
         glance_images(), "list"),
    Read("list_floating_ips", lambda c, ids: c.list_floating_ips(), r"^/network/v2\.0/floatingips$", "floatingips",
         neutron_floating_ips(), "list"),
    Read("list_keypairs", lambda c, ids: c.list_keypairs(), r"^/compute/v2\.1/os-keypairs$", "keypairs",
         nova_keypairs(), "list"),
    # by name: Nova answers 404 for /servers/web1 itself, then the name search is fuzzed
    Read("get_server", lambda c, ids: c.get_server("web1"), r"^/compute/v2\.1/servers/detail$", "servers",
         nova_servers(), "one"),
    Read("get_server/by-id", lambda c, ids: c.get_server(ids["server"]), r"^/compute/v2\.1/servers/{server}$", "server",
         nova_servers(), "one"),
    Read("get_image", lambda c, ids: c.get_image("ubuntu-24.04"), r"^/image/v2/images$", "images",
         glance_images(), "one"),
    Read("get_image/by-id", lambda c, ids: c.get_image(ids["image"]), r"^/image/v2/images/{image}$", None,
         glance_images(), "one"),
    Read("get_flavor", lambda c, ids: c.get_flavor("m1.small"), r"^/compute/v2\.1/flavors/detail$", "flavors",
         nova_flavors(), "one"),
    Read("get_network", lambda c, ids: c.get_network("private"), r"^/network/v2\.0/networks$", "networks",
         neutron_networks(), "one"),
]

# --- what a broken cloud can answer ---------------------------------------------------------

STATUSES = st.integers(200, 599)
SUCCESS = st.sampled_from([200, 200, 200, 201, 203, 204, 206, 300, 302])
ERROR_STATUSES = st.sampled_from([400, 401, 403, 404, 405, 409, 413, 429, 500, 502, 503, 504]) | st.integers(400, 599)
FAULT_NAMES = ["itemNotFound", "badRequest", "computeFault", "overLimit", "forbidden", "NeutronError", "error",
               "errors", "message", "conflictingRequest", "title"]
TRANSPORT_FAILURES = [requests.exceptions.ConnectionError, requests.exceptions.ConnectTimeout,
                      requests.exceptions.ReadTimeout, requests.exceptions.SSLError,
                      requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
                      requests.exceptions.TooManyRedirects, requests.exceptions.InvalidURL]
_HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=24)
HEADERS = st.fixed_dictionaries({}, optional={
    "Retry-After": st.sampled_from(["0", "1", "-5", "abc", "1e400", "nan", "Wed, 21 Oct 2015 07:28:00 GMT", ""]),
    "x-openstack-request-id": _HEADER_TEXT,
    "Content-Type": st.sampled_from(["application/json", "text/html", "text/plain", "application/octet-stream"]),
})
TEXTS = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "null", "{", "[]", "<html><body><h1>502 Bad Gateway</h1></body></html>",
                     "<html><form action='/login'>Sign in</form></html>", "\ufeff{}", "NaN", "1e999"]),
)


def json_answer(status: int, value: Any, headers: dict | None = None) -> dict:
    """Keyword arguments for ``FakeCloud.inject`` that answer ``value`` as JSON (``null`` included)."""
    return {"status": status, "text": json.dumps(value),
            "headers": {"Content-Type": "application/json", **(headers or {})}}


@st.composite
def broken(draw, value: Any, depth: int = 0) -> Any:
    """``value`` with some parts replaced by junk or removed (records trimmed to two)."""
    roll = draw(st.integers(0, 19))
    if roll == 0:
        return draw(junk)
    if roll > 12 or depth >= 5 or not isinstance(value, (dict, list)):
        return value
    if isinstance(value, list):
        return [draw(broken(item, depth + 1)) for item in value[:2]]
    return {key: draw(broken(item, depth + 1)) for key, item in value.items() if draw(st.integers(0, 9))}


def retyped(read: Read, real_body: Any) -> st.SearchStrategy:
    """Real records with a few of their own fields given values of any type ("right key, wrong type")."""
    records = real_body.get(read.key) if read.key and isinstance(real_body, dict) else real_body
    first = (records[0] if records else {}) if isinstance(records, list) else records
    wrapper = None
    if isinstance(first, dict) and len(first) == 1 and isinstance(next(iter(first.values())), dict):
        (wrapper, first), = first.items()  # Nova keypairs: [{"keypair": {...}}]
    first = first if isinstance(first, dict) and first else {"id": "x", "name": "x"}
    record = st.builds(lambda changes: {**first, **changes},
                       st.dictionaries(st.sampled_from(sorted(first)), junk, min_size=1, max_size=3))
    if wrapper:
        record = record.map(lambda inner: {wrapper: inner})
    if isinstance(records, list):
        return st.lists(record, min_size=1, max_size=3).map(lambda items: {read.key: items})
    return record.map(lambda item: item if read.key is None else {read.key: item})


def answers(read: Read, real_body: Any) -> st.SearchStrategy:
    """Every kind of answer for the route ``read`` calls: keyword arguments for ``FakeCloud.inject``."""
    def envelope(content):
        return content if read.key is None else {read.key: content}

    shaped = [
        retyped(read, real_body), retyped(read, real_body),
        st.lists(read.records, min_size=1, max_size=3).map(envelope),  # the right envelope, records with junk
        st.lists(read.records, max_size=3).map(envelope),
        read.records.map(envelope),                         # one record where a list belongs (or vice versa)
        junk.map(envelope),                                 # anything inside the right envelope
        broken(real_body),                                  # a real answer, partly broken
    ]
    if read.key is not None:  # a collection: next links of any shape
        shaped.append(st.builds(lambda items, links: {read.key: items, **links}, st.lists(read.records, max_size=2),
                                st.fixed_dictionaries({}, optional={f"{read.key}_links": junk, "next": junk})))
    error_body = st.dictionaries(st.sampled_from(FAULT_NAMES), junk, min_size=1, max_size=2)
    plausible = st.builds(json_answer, SUCCESS, st.one_of(shaped), HEADERS)
    return st.one_of(
        plausible, plausible, plausible,  # half the examples get past the envelope into normalization
        st.builds(json_answer, STATUSES, junk),
        st.builds(json_answer, ERROR_STATUSES, error_body),
        st.builds(lambda status, text, headers: {"status": status, "text": text, "headers": headers},
                  STATUSES, TEXTS, HEADERS),
        st.builds(lambda failure: {"status": 0, "exception": failure}, st.sampled_from(TRANSPORT_FAILURES)),
    )


# --- the property -----------------------------------------------------------------------------


def assert_typed(call: Callable[[], Any], returns: str) -> Any:
    """Run ``call``: it returns the documented type or raises a well-formed NormalizerError."""
    try:
        result = call()
    except normalizer.NormalizerError as err:
        text = str(err)
        assert text and "\n" not in text and "\r" not in text, f"not one line: {text!r}"
        json.dumps(err.to_dict())
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is type(err) and str(again) == text
        return err
    except BaseException as err:  # noqa: BLE001 - the point is to name whatever escaped
        raise AssertionError(f"{type(err).__module__}.{type(err).__name__} escaped the public API: {err!r}") from err
    if returns == "list":
        assert isinstance(result, list) and all(isinstance(item, Munch) for item in result), result
    else:
        assert result is None or isinstance(result, Munch), result
    return result


def real_body(fake: FakeCloud, token: str, path: str) -> Any:
    """What the fake really answers on ``path`` (at the newest microversion): the seed for ``broken``."""
    reply = requests.get(fake.base_url + path, headers={"X-Auth-Token": token,
                                                       "OpenStack-API-Version": "compute 2.96"})
    return reply.json()


@pytest.mark.parametrize("read", READS, ids=repr)
def test_public_read_survives_any_answer(read):
    with FakeCloud("fip") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs(), profile_overrides=NO_SLEEP)
        ids = {"server": cloud.get_server("web1").id, "image": cloud.get_image("ubuntu-24.04").id}
        assert_typed(lambda: read.call(cloud, ids), read.returns)  # warm: token, microversion, Neutron usable
        route = read.route.format(**ids)
        sample_path = route.strip("^$").replace("\\", "")
        sample = real_body(fake, fake.requests[-1].headers["X-Auth-Token"], sample_path)
        outcomes: set[str] = set()

        @FUZZ
        @given(batch=st.lists(answers(read, sample), min_size=1, max_size=4))
        def run(batch):
            for answer in batch:  # several calls per example: more shapes for the same budget
                fake.reset_requests()
                fake.inject("GET", route, **answer)
                outcome = assert_typed(lambda: read.call(cloud, ids), read.returns)
                assert any(r.path == sample_path for r in fake.requests), "the fuzzed route was never called"
                outcomes.add(type(outcome).__name__)

        run()
        fake.reset_requests()  # random next links may have asked for routes the fake does not know
        assert len(outcomes) > 1, outcomes


# --- identity -----------------------------------------------------------------------------------


def token_answers(real: dict, token: str) -> st.SearchStrategy:
    """Answers for POST /v3/auth/tokens, seeded with a real token body and id."""
    subject = st.fixed_dictionaries({}, optional={"X-Subject-Token": st.one_of(st.just(token), _HEADER_TEXT)})
    body = st.one_of(junk, broken(real), st.builds(lambda t: {"token": t}, junk),
                     st.builds(lambda c: {"token": {**real["token"], "catalog": c}}, junk))
    return st.one_of(
        st.builds(json_answer, st.sampled_from([200, 201, 201, 203]) | STATUSES, body, subject),
        st.builds(lambda status, text, h: {"status": status, "text": text, "headers": h}, STATUSES, TEXTS, subject),
        st.builds(lambda failure: {"status": 0, "exception": failure}, st.sampled_from(TRANSPORT_FAILURES)),
    )


def real_token(fake: FakeCloud) -> tuple[dict, str]:
    """A real token of the fake: (body, token id)."""
    auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": fake.username, "domain": {"name": fake.user_domain_name}, "password": fake.password}}},
        "scope": {"project": {"id": fake.project_id}}}}
    reply = requests.post(f"{fake.auth_url}/v3/auth/tokens", json=auth)
    return reply.json(), reply.headers["X-Subject-Token"]


def test_token_endpoint_answers_never_escape_untyped():
    with FakeCloud("fip") as fake:
        body, token = real_token(fake)
        kwargs = dict(fake.connect_kwargs(), profile_overrides=NO_SLEEP)
        outcomes: set[str] = set()

        @FUZZ
        @given(answer=token_answers(body, token))
        def run(answer):
            fake.reset_requests()
            cloud = normalizer.connect(**kwargs)
            fake.inject("POST", r"^/identity/v3/auth/tokens$", **answer)
            outcomes.add(type(assert_typed(cloud.list_keypairs, "list")).__name__)
            assert fake.calls("POST", "/identity/v3/auth/tokens")

        run()
        fake.reset_requests()
        assert len(outcomes) > 1, outcomes


def test_identity_version_document_answers_never_escape_untyped():
    with FakeCloud("fip") as fake:
        kwargs = dict(fake.connect_kwargs(), profile_overrides=NO_SLEEP)
        documents = junk | st.builds(lambda v: {"versions": {"values": v}}, junk) | st.builds(
            lambda v: {"versions": {"values": [{**v, "status": "stable"}]}},
            st.dictionaries(st.sampled_from(["id", "links", "media-types", "updated"]), junk))
        outcomes: set[str] = set()

        # 401 here makes keystoneauth wait forever on its own lock; test_cloud_bad_input covers it
        statuses = (st.sampled_from([200, 300]) | STATUSES).filter(lambda status: status != 401)

        @FUZZ
        @given(answer=st.one_of(st.builds(json_answer, statuses, documents),
                                st.builds(lambda s, t: {"status": s, "text": t}, statuses, TEXTS)))
        def run(answer):
            fake.reset_requests()
            cloud = normalizer.connect(**kwargs)
            fake.inject("GET", r"^/identity/?$", **answer)
            outcomes.add(type(assert_typed(cloud.list_keypairs, "list")).__name__)
            assert fake.calls("GET", "/identity")

        run()
        fake.reset_requests()
        assert len(outcomes) > 1, outcomes


# --- every public call, any answer on any route it uses (issue 9) ---------------------------------
#
# A fresh FakeCloud and Cloud per example; one or two routes answer anything: any status
# (redirects included), bodies nested up to 100 000 deep, truncated JSON, HTML, empty
# bodies, junk JSON, or a transport failure. Retries and waits run on a fake clock, so
# create_server and delete_server never sleep. Only NormalizerError may come out.

ROUTES = {
    "first": r".",  # whatever the call asks first: on a fresh Cloud, identity discovery
    "token": r"^/identity/v3/auth/tokens$",
    "compute-version": r"^/compute/v2\.1/?$",
    "servers": r"^/compute/v2\.1/servers/detail$",
    "server": rf"^/compute/v2\.1/servers/{UUID}",
    "server-post": r"^/compute/v2\.1/servers$",
    "flavors": r"^/compute/v2\.1/flavors",
    "keypairs": r"^/compute/v2\.1/os-keypairs",
    "networks": r"^/network/v2\.0/networks",
    "subnets": r"^/network/v2\.0/subnets",
    "routers": r"^/network/v2\.0/routers",
    "ports": r"^/network/v2\.0/ports",
    "floatingips": r"^/network/v2\.0/floatingips",
    "images": r"^/image/v2/images",
}
CALLS = {
    "list_servers": (lambda c: c.list_servers(), ["servers"]),
    "get_server": (lambda c: c.get_server("web1"), ["servers", "server"]),
    "list_networks": (lambda c: c.list_networks(), ["networks", "subnets", "routers", "ports"]),
    "get_public_network": (lambda c: c.get_public_network(), ["networks", "subnets", "routers", "ports"]),
    "get_private_network": (lambda c: c.get_private_network(), ["networks", "subnets", "routers"]),
    "get_external_network": (lambda c: c.get_external_network(), ["networks", "routers", "ports"]),
    "list_flavors": (lambda c: c.list_flavors(), ["flavors", "compute-version"]),
    "pick_flavor": (lambda c: c.pick_flavor("t3.small"), ["flavors"]),
    "list_images": (lambda c: c.list_images(), ["images"]),
    "pick_image": (lambda c: c.pick_image("ubuntu-24.04"), ["images"]),
    "list_floating_ips": (lambda c: c.list_floating_ips(), ["floatingips", "networks"]),
    "list_keypairs": (lambda c: c.list_keypairs(), ["keypairs"]),
    "explain": (lambda c: c.explain("external_network"), ["networks", "routers", "ports", "subnets"]),
    "explain/flavor": (lambda c: c.explain(flavor="t3.small"), ["flavors"]),
    "conformance": (lambda c: c.conformance(), ["networks", "images", "flavors", "routers", "servers"]),
    "login_user": (lambda c: c.login_user("ubuntu-24.04"), ["images"]),
    "create_server": (lambda c: c.create_server("fz1", "ubuntu-24.04", "t3.small", public_key=KEY, timeout=120),
                      ["server-post", "server", "ports", "floatingips", "keypairs", "images", "flavors", "networks"]),
    "delete_server": (lambda c: c.delete_server("web1", timeout=120),
                      ["servers", "server", "floatingips", "ports"]),
}


def nested(depth: int, kind: str) -> str:
    """JSON text nested ``depth`` deep, bare or inside a plausible envelope."""
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "null" + "}" * depth
    return '{"servers": [' + '{"x":' * depth + "1" + "}" * depth + "]}"


DEEP = st.builds(nested, st.sampled_from([65, 300, 5000, 100_000]), st.sampled_from(["list", "object", "envelope"]))
TRUNCATED = st.builds(lambda value, cut: json.dumps(value)[:cut], junk, st.integers(0, 60))
BODIES = st.one_of(DEEP, TRUNCATED, TEXTS, st.builds(json.dumps, junk), st.just(""))
ANY_STATUS = st.integers(200, 599) | st.sampled_from([200, 201, 202, 204, 301, 302, 303, 307, 308])
ANY_HEADERS = st.fixed_dictionaries({}, optional={
    "Location": st.sampled_from(["/compute/v2.1/servers/detail", "http://127.0.0.1:9/steal", "https://127.0.0.1:8799/",
                                 "", "::", "/" * 3]),
    "Retry-After": st.sampled_from(["0", "3", "-1", "1e400", "nan", "soon"]),
    "Content-Type": st.sampled_from(["application/json", "text/html"]),
    "x-openstack-request-id": _HEADER_TEXT,
})
ANY_ANSWER = st.one_of(
    st.builds(lambda status, text, headers: {"status": status, "text": text, "headers": headers},
              ANY_STATUS, BODIES, ANY_HEADERS),
    st.builds(lambda failure: {"status": 0, "exception": failure}, st.sampled_from(TRANSPORT_FAILURES)),
)
#: bounded time per example without wall-clock asserts: a hypothesis deadline, generous for slow CI
EVERY_CALL = settings(max_examples=12, deadline=20_000, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class FuzzTime:
    """A clock that moves only when something sleeps (transport retries and waiter polls)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def fuzz_cloud(fake: FakeCloud) -> normalizer.Cloud:
    from normalizer import config as config_module  # noqa: PLC0415 - only these tests build Clouds by hand

    time = FuzzTime()
    return normalizer.Cloud.from_config(config_module.load_config(None, **fake.connect_kwargs()),
                                        clock=time.clock, sleep=time.sleep)


def only_typed(call: Callable[[], Any]) -> Any:
    """Run ``call``: it returns, or raises a NormalizerError whose message is one printable line."""
    try:
        return call()
    except normalizer.NormalizerError as err:
        text = str(err)
        assert text and "\n" not in text and "\x1b" not in text, f"not one clean line: {text!r}"
        json.dumps(err.to_dict())
        return err
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # noqa: BLE001 - the point is to name whatever escaped
        raise AssertionError(f"{type(err).__module__}.{type(err).__name__} escaped the public API: {err!r}") from err


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_public_call_survives_any_answer_on_any_route(name):
    call, routes = CALLS[name]
    outcomes: set[str] = set()

    @EVERY_CALL
    @given(faults=st.lists(st.tuples(st.sampled_from(["first", "token", *routes]), ANY_ANSWER), min_size=1, max_size=2))
    def run(faults):
        fake = FakeCloud("fip", build_polls=1)
        with fake:
            cloud = fuzz_cloud(fake)
            for route, answer in faults:
                fake.inject("*", ROUTES[route], **answer)
            outcomes.add(type(only_typed(lambda: call(cloud))).__name__)
            fake.reset_requests()  # random Locations and next links may ask for what the fake does not know

    run()
    assert outcomes, name
