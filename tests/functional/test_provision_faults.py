"""create_server / delete_server under injected faults: a typed error naming the step, and nothing left.

Each scenario injects one fault at one request (``fip`` and ``direct`` layouts) and checks
(a) the ProvisionError: ``step``, message, ``removed``, ``not_removed``; (b) nothing the call
created is left (but what ``not_removed`` names) and every pre-existing record is unchanged;
(c) a failed delete leaves the server gone with its floating IPs, or there with none of
them orphaned. Transient faults must not fail the call nor duplicate anything.
Retries and waits run on a fake clock.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Mapping

import pytest
import requests

import normalizer
from normalizer.cloud import Cloud
from normalizer.provision.public_ip import owner_marks
from normalizer.testing import FakeCloud

from tests.functional.conftest import (FLAVOR, IMAGE, KEY, UUID, FakeTime, assert_untouched, connect, label_ids,
                                       new_resources, snapshot)

NAME = "x1"
#: attempts the transport makes with the generic profile (status_retries 4, connect_retries 2)
STATUS_ATTEMPTS, CONNECT_ATTEMPTS = 5, 3


# --- errors ---------------------------------------------------------------------------------


def kinds(labels: list[str]) -> list[str]:
    """The kinds of the labelled resources, sorted: ``["keypair", "server"]``."""
    return sorted(label.rsplit(" ", 1)[0] for label in label_ids(labels))


def assert_error_names(err: normalizer.ProvisionError, cloud: Cloud, step: str, cause: str | None) -> None:
    """(a): the step, the cloud and every removed / not removed resource are in the one-line message."""
    text = str(err)
    assert isinstance(err, normalizer.ProvisionError) and isinstance(err, normalizer.NormalizerError)
    assert err.step == step and f"step {step!r}" in text, text
    assert err.cloud == cloud.name and text.startswith(f"{cloud.name}: "), text
    assert "\n" not in text and "removed: " in text
    for label in label_ids(err.removed) | label_ids(err.not_removed):
        assert label.rsplit(" ", 1)[1] in text, f"{label} not named in {text!r}"
    if err.not_removed:
        assert "NOT removed" in text and "yourself" in (err.hint or "")
    if cause is not None:
        assert err.cause == cause, (err.cause, text)


# --- faults ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One request of a create or delete; ``arm="wait"`` injects at the first poll (after the topology reads)."""

    name: str
    method: str
    regex: str
    arm: str = "start"


KEY_POST = Target("key-post", "POST", r"^/compute/v2\.1/os-keypairs$")
SERVER_POST = Target("server-post", "POST", r"^/compute/v2\.1/servers$")
SERVER_GET = Target("server-get", "GET", rf"^/compute/v2\.1/servers/{UUID}$")
# GET /ports is also the topology read before any step: inject only once the server is building.
PORTS_GET = Target("ports-get", "GET", r"^/network/v2\.0/ports$", arm="wait")
FIP_POST = Target("fip-post", "POST", r"^/network/v2\.0/floatingips$")
TAGS_PUT = Target("tags-put", "PUT", r"^/network/v2\.0/floatingips/[^/]+/tags$")
KEY_DELETE = Target("key-delete", "DELETE", r"^/compute/v2\.1/os-keypairs/[^/]+$")
LOOKUP = Target("lookup", "GET", r"^/compute/v2\.1/servers/detail$")
FIP_LIST = Target("fip-list", "GET", r"^/network/v2\.0/floatingips$")
SERVER_DELETE = Target("server-delete", "DELETE", rf"^/compute/v2\.1/servers/{UUID}$")
FIP_DELETE = Target("fip-delete", "DELETE", r"^/network/v2\.0/floatingips/[^/]+$")
SG_POST = Target("sg-post", "POST", r"^/network/v2\.0/security-groups$")
SG_RULE_POST = Target("sg-rule-post", "POST", r"^/network/v2\.0/security-group-rules$")
PF_POST = Target("pf-post", "POST", r"^/network/v2\.0/floatingips/[^/]+/port_forwardings$")


@dataclass(frozen=True)
class Answer:
    """What the injected request gets instead of the cloud's answer."""

    label: str
    status: int = 0
    json: Any = None
    headers: Mapping[str, str] | None = None
    exception: type[BaseException] | None = None

    def attempts(self, method: str) -> int:
        """How many times the transport sends the request before giving up (a persisting fault)."""
        if self.exception is not None:
            return 1 if method == "POST" else CONNECT_ATTEMPTS
        retried = self.status in (429, 503) or (self.status == 413 and "Retry-After" in (self.headers or {}))
        return STATUS_ATTEMPTS if retried else 1

    def body(self, target: Target) -> Any:
        """The JSON body, in the shape of the service the target belongs to."""
        if self.json is not None or self.exception is not None:
            return self.json
        if "/network/" in target.regex:
            return {"NeutronError": {"type": "HTTPInternalServerError", "message": f"injected {self.label}",
                                     "detail": ""}}
        return {"computeFault": {"code": self.status, "message": f"injected {self.label}"}}


E500 = Answer("500", 500)
E503 = Answer("503", 503, headers={"Retry-After": "1"})
E429 = Answer("429", 429, headers={"Retry-After": "2"})
RESET = Answer("reset", exception=requests.exceptions.ConnectionError)
TIMEOUT = Answer("timeout", exception=requests.exceptions.ReadTimeout)
NOVA_QUOTA = Answer("quota403", 403, json={"forbidden": {
    "code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"}})
KEY_QUOTA = Answer("quota403", 403, json={"forbidden": {"code": 403, "message": "Quota exceeded, too many key pairs."}})
NOVA_OVERLIMIT = Answer("quota413", 413, json={"overLimit": {
    "code": 413, "message": "Quota exceeded for cores: Requested 2, but already used 20 of 20 cores"}})
QUOTA_413_RETRY_AFTER = Answer("quota413-retry-after", 413, NOVA_OVERLIMIT.json, {"Retry-After": "0"})
RATE_413 = Answer("ratelimit413", 413, headers={"Retry-After": "3"},
                  json={"overLimit": {"code": 413, "message": "This request was rate-limited.", "retryAfter": "3"}})
NEUTRON_QUOTA = Answer("quota409", 409, json={"NeutronError": {
    "type": "OverQuota", "message": "Quota exceeded for resources: ['floatingip'].", "detail": ""}})
FIP_ASSOCIATED = Answer("associated409", 409, json={"NeutronError": {
    "type": "FloatingIPPortAlreadyAssociated", "detail": "",
    "message": "Cannot associate floating IP 203.0.113.9 with port p1 using fixed IP 10.0.0.5, as that fixed IP "
               "already has a floating IP on external network e1."}})
NO_GATEWAY = Answer("nogateway404", 404, json={"NeutronError": {
    "type": "ExternalGatewayForFloatingIPNotFound", "detail": "",
    "message": "External network e1 is not reachable from subnet s1. Therefore, cannot associate Port p1 "
               "with a Floating IP."}})
NO_PORTS = Answer("noports", 200, json={"ports": []})


@dataclass(frozen=True)
class Case:
    """One fault scenario; ``step=None`` means the call must succeed despite it."""

    layout: str
    target: Target
    answer: Answer
    step: str | None
    cause: str | None = None
    times: int | None = None  # None: every attempt, i.e. the fault persists after the retries
    removed: tuple[str, ...] | None = None  # kinds; None: derived from the step

    @property
    def id(self) -> str:
        outcome = "ok" if self.step is None else "fails"
        return f"{self.layout}-{self.target.name}-{self.answer.label}-x{self.count}-{outcome}"

    @property
    def count(self) -> int:
        return self.times if self.times is not None else self.answer.attempts(self.target.method)


def inject(fake: FakeCloud, time: FakeTime, target: Target, answer: Answer, times: int) -> None:
    """Install the fault now, or at the first poll sleep when the target is also read before the steps."""
    def install() -> None:
        fake.inject(target.method, target.regex, status=answer.status, json=answer.body(target),
                    headers=dict(answer.headers or {}), times=times, exception=answer.exception)
    if target.arm == "wait":
        time.on_wait.append(install)
    else:
        install()


# --- create ---------------------------------------------------------------------------------

_CREATE_REMOVED = {"temporary key": (), "boot": ("keypair",), "wait for ACTIVE": ("keypair", "server"),
                   "public address": ("keypair", "server"), "key removal": ("keypair", "server")}
_WITH_FIP = ("floating IP", "keypair", "server")

CREATE_CASES = [
    Case("fip", KEY_POST, E500, "temporary key", "ServerError"),
    Case("fip", KEY_POST, E429, "temporary key", "RateLimited"),
    Case("fip", KEY_POST, E429, None, times=2),
    Case("fip", KEY_POST, RESET, "temporary key", "ConnectionFailed"),
    Case("fip", KEY_POST, TIMEOUT, "temporary key", "RequestTimeout"),
    Case("fip", KEY_POST, KEY_QUOTA, "temporary key", "QuotaExceeded"),
    Case("fip", SERVER_POST, E500, "boot", "ServerError"),
    Case("fip", SERVER_POST, E503, None, times=1),
    Case("fip", SERVER_POST, E429, "boot", "RateLimited"),
    Case("fip", SERVER_POST, E429, None, times=3),
    Case("fip", SERVER_POST, RESET, "boot", "ConnectionFailed"),
    Case("fip", SERVER_POST, TIMEOUT, "boot", "RequestTimeout"),
    Case("fip", SERVER_POST, NOVA_QUOTA, "boot", "QuotaExceeded"),
    Case("fip", SERVER_POST, NOVA_OVERLIMIT, "boot", "QuotaExceeded"),
    Case("fip", SERVER_POST, RATE_413, None, times=2),
    Case("fip", SERVER_POST, QUOTA_413_RETRY_AFTER, "boot", "QuotaExceeded"),
    Case("fip", SERVER_GET, E500, "wait for ACTIVE", "ServerError"),
    Case("fip", SERVER_GET, E429, "wait for ACTIVE", "RateLimited"),
    Case("fip", SERVER_GET, E429, None, times=3),
    Case("fip", SERVER_GET, RESET, "wait for ACTIVE", "ConnectionFailed"),
    Case("fip", SERVER_GET, RESET, None, times=2),
    Case("fip", SERVER_GET, TIMEOUT, "wait for ACTIVE", "RequestTimeout"),
    Case("fip", SERVER_GET, TIMEOUT, None, times=1),
    Case("fip", PORTS_GET, E500, "public address", "ServerError"),
    Case("fip", PORTS_GET, E429, "public address", "RateLimited"),
    Case("fip", PORTS_GET, E429, None, times=2),
    Case("fip", PORTS_GET, RESET, "public address", "ConnectionFailed"),
    Case("fip", PORTS_GET, RESET, None, times=2),
    Case("fip", PORTS_GET, TIMEOUT, "public address", "RequestTimeout"),
    Case("fip", PORTS_GET, NO_PORTS, "public address", "WaitTimeout", times=10_000),
    Case("fip", FIP_POST, E500, "public address", "ServerError"),
    Case("fip", FIP_POST, E429, "public address", "RateLimited"),
    Case("fip", FIP_POST, E429, None, times=4),
    Case("fip", FIP_POST, RESET, "public address", "ConnectionFailed"),
    Case("fip", FIP_POST, TIMEOUT, "public address", "RequestTimeout"),
    Case("fip", FIP_POST, NEUTRON_QUOTA, "public address", "QuotaExceeded"),
    Case("fip", FIP_POST, FIP_ASSOCIATED, "public address", "Conflict"),
    Case("fip", FIP_POST, NO_GATEWAY, "public address", "NotFound"),
    Case("fip", TAGS_PUT, E500, "public address", "ServerError", removed=_WITH_FIP),
    Case("fip", TAGS_PUT, E429, "public address", "RateLimited", removed=_WITH_FIP),
    Case("fip", TAGS_PUT, E429, None, times=2),
    Case("fip", TAGS_PUT, RESET, "public address", "ConnectionFailed", removed=_WITH_FIP),
    Case("fip", TAGS_PUT, RESET, None, times=2),
    Case("fip", TAGS_PUT, TIMEOUT, "public address", "RequestTimeout", removed=_WITH_FIP),
    Case("fip", KEY_DELETE, E500, "key removal", "ServerError", removed=_WITH_FIP),
    Case("fip", KEY_DELETE, E429, "key removal", "RateLimited", removed=_WITH_FIP),
    Case("fip", KEY_DELETE, E429, None, times=2),
    Case("fip", KEY_DELETE, RESET, "key removal", "ConnectionFailed", removed=_WITH_FIP),
    Case("fip", KEY_DELETE, TIMEOUT, None, times=1),
    Case("direct", KEY_POST, E500, "temporary key", "ServerError"),
    Case("direct", KEY_POST, RESET, "temporary key", "ConnectionFailed"),
    Case("direct", SERVER_POST, NOVA_QUOTA, "boot", "QuotaExceeded"),
    Case("direct", SERVER_POST, RESET, "boot", "ConnectionFailed"),
    Case("direct", SERVER_POST, E429, None, times=2),
    Case("direct", SERVER_POST, NOVA_OVERLIMIT, "boot", "QuotaExceeded"),
    Case("direct", SERVER_GET, E500, "wait for ACTIVE", "ServerError"),
    Case("direct", SERVER_GET, TIMEOUT, "wait for ACTIVE", "RequestTimeout"),
    Case("direct", SERVER_GET, RESET, None, times=2),
    Case("direct", KEY_DELETE, E500, "key removal", "ServerError"),
    Case("direct", KEY_DELETE, E429, None, times=1),
    # scs: allow_ssh makes a security group before the boot; the server boots from a volume
    Case("scs", SG_POST, E500, "ssh security group", "ServerError", removed=("keypair",)),
    Case("scs", SG_POST, RESET, "ssh security group", "ConnectionFailed", removed=("keypair",)),
    Case("scs", SG_POST, E429, None, times=2),
    Case("scs", SG_RULE_POST, E500, "ssh security group", "ServerError", removed=("keypair", "security group")),
    Case("scs", SERVER_POST, E500, "boot", "ServerError", removed=("keypair", "security group")),
    Case("scs", SERVER_POST, RESET, "boot", "ConnectionFailed", removed=("keypair", "security group")),
    Case("scs", SERVER_GET, E500, "wait for ACTIVE", "ServerError", removed=("keypair", "security group", "server")),
    Case("scs", FIP_POST, E500, "public address", "ServerError", removed=("keypair", "security group", "server")),
    Case("scs", FIP_POST, NEUTRON_QUOTA, "public address", "QuotaExceeded",
         removed=("keypair", "security group", "server")),
    # port-forward: public_access="port_forward" makes the shared floating IP, then the forwarding
    Case("port-forward", FIP_POST, E500, "public address", "ServerError"),
    Case("port-forward", FIP_POST, NEUTRON_QUOTA, "public address", "QuotaExceeded"),
    Case("port-forward", PF_POST, E500, "public address", "ServerError", removed=_WITH_FIP),
    Case("port-forward", PF_POST, RESET, "public address", "ConnectionFailed", removed=_WITH_FIP),
    Case("port-forward", PF_POST, E429, None, times=2),
]
#: create_server's options per layout: what each layout is there to exercise
_OPTIONS = {"scs": {"allow_ssh": True}, "port-forward": {"public_access": "port_forward"}}
#: what a successful create makes besides the server and its floating IP
_ALSO_MADE = {"scs": ("security group", "volume"), "port-forward": ("port forwarding",)}


def create(cloud: Cloud, **kwargs: Any):
    """The create every scenario runs: a temporary key, and a floating IP where the layout needs one."""
    return cloud.create_server(NAME, IMAGE, FLAVOR, public_key=KEY, **kwargs)


def assert_created_once(fake: FakeCloud, before: Mapping, server, layout: str) -> None:
    """A successful create left one server, its one marked floating IP (fip layout), no keypair."""
    after = snapshot(fake)
    added = new_resources(before, after)
    fips = [after["floating IP"][label.split()[-1]] for label in added if label.startswith("floating IP")]
    assert {label for label in added if not label.startswith(("floating IP",) + _ALSO_MADE.get(layout, ()))} \
        == {f"server {server.id}"}
    assert sorted({label.rsplit(" ", 1)[0] for label in added} - {"floating IP", "server"}) \
        == sorted(_ALSO_MADE.get(layout, ()))
    assert server.status == "ACTIVE" and after["server"][server.id]["name"] == NAME
    assert len(fips) == (0 if layout == "direct" else 1)
    for fip in fips if layout != "port-forward" else ():
        description, tag = owner_marks(server.id)
        assert fip["description"] == description and fip["tags"] == [tag]
        assert after["port"][fip["port_id"]]["device_id"] == server.id
        assert server.public_v4 == fip["floating_ip_address"]
    assert_untouched(before, after)


def assert_nothing_left(fake: FakeCloud, before: Mapping, err: normalizer.ProvisionError) -> None:
    """(b): what the call created is gone, except what the error says it did not remove."""
    after = snapshot(fake)
    left = new_resources(before, after)
    assert left == label_ids(err.not_removed), f"left behind: {sorted(left)}; error says {err.not_removed}"
    kept = {label.split()[-1] for label in left}
    assert {p["id"] for p in after["port"].values() if p["device_id"] not in kept} <= set(before["port"])
    assert_untouched(before, after)


@pytest.mark.parametrize("case", CREATE_CASES, ids=lambda c: c.id)
def test_create_under_fault(case: Case) -> None:
    with FakeCloud(case.layout) as fake:
        time = FakeTime()
        cloud = connect(fake, time)
        before = snapshot(fake)
        inject(fake, time, case.target, case.answer, case.count)
        if case.step is None:
            assert_created_once(fake, before, create(cloud, **_OPTIONS.get(case.layout, {})), case.layout)
            retry_after = (case.answer.headers or {}).get("Retry-After")
            if retry_after:  # the transport waited as long as the cloud asked, each time
                assert time.sleeps.count(float(retry_after)) == case.count
            return
        with pytest.raises(normalizer.ProvisionError) as info:
            create(cloud, timeout=60, **_OPTIONS.get(case.layout, {}))
        err = info.value
        assert_error_names(err, cloud, case.step, case.cause)
        assert isinstance(err, normalizer.WaitTimeout) == (case.cause == "WaitTimeout")
        assert err.not_removed == []
        assert kinds(err.removed) == sorted(case.removed if case.removed is not None else _CREATE_REMOVED[case.step])
        assert_nothing_left(fake, before, err)


@pytest.mark.parametrize("layout", ["fip", "direct"])
def test_create_server_that_goes_error_is_removed(layout: str) -> None:
    with FakeCloud(layout) as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        fake.fail_builds("No valid host was found. There are not enough hosts available.")
        with pytest.raises(normalizer.ProvisionError) as info:
            create(cloud)
        err = info.value
        assert_error_names(err, cloud, "wait for ACTIVE", "ProvisionError")
        assert "No valid host was found" in str(err) and kinds(err.removed) == ["keypair", "server"]
        assert_nothing_left(fake, before, err)


@pytest.mark.parametrize("layout", ["fip", "direct"])
def test_create_server_stuck_in_build_times_out_and_is_removed(layout: str) -> None:
    with FakeCloud(layout, build_polls=10**6) as fake:
        time = FakeTime()
        cloud = connect(fake, time)
        before = snapshot(fake)
        with pytest.raises(normalizer.WaitTimeout) as info:
            create(cloud, timeout=90)
        err = info.value
        assert_error_names(err, cloud, "wait for ACTIVE", "WaitTimeout")
        assert "90 s" in str(err) and kinds(err.removed) == ["keypair", "server"]
        assert 90 <= time.now - 1000.0 <= 90 + 10 and max(time.waits) <= 10  # bounded back-off, no overshoot
        assert_nothing_left(fake, before, err)


@pytest.mark.parametrize("target,removed", [
    (SERVER_POST, []), (SERVER_GET, ["server"]), (FIP_POST, ["server"]), (TAGS_PUT, ["floating IP", "server"]),
], ids=["server-post", "server-get", "fip-post", "tags-put"])
def test_ctrl_c_at_a_step_cleans_up_and_stays_ctrl_c(target: Target, removed: list, caplog) -> None:
    with FakeCloud("fip") as fake:
        time = FakeTime()
        cloud = connect(fake, time)
        before = snapshot(fake)
        inject(fake, time, target, Answer("ctrl-c", exception=KeyboardInterrupt), 1)
        with caplog.at_level(logging.WARNING, logger="normalizer.provision"), pytest.raises(KeyboardInterrupt):
            create(cloud)
        after = snapshot(fake)
        assert new_resources(before, after) == set()
        assert_untouched(before, after)
        undone = [r for r in fake.calls("DELETE") if "/servers/" in r.path or "/floatingips/" in r.path]
        assert len(undone) == len(removed)
        assert any("interrupted at step" in r.getMessage() for r in caplog.records)


def test_keep_on_failure_keeps_everything_and_says_so() -> None:
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        fake.inject("POST", FIP_POST.regex, status=500, json=E500.body(FIP_POST))
        with pytest.raises(normalizer.ProvisionError) as info:
            create(cloud, keep_on_failure=True)
        err = info.value
        assert_error_names(err, cloud, "public address", "ServerError")
        assert err.removed == [] and kinds(err.not_removed) == ["keypair", "server"]
        assert all("keep_on_failure=True" in label for label in err.not_removed)
        assert "kept: keep_on_failure=True" in str(err)
        assert_nothing_left(fake, before, err)  # i.e. exactly the server and the keypair are still there
        assert not any(r.method == "DELETE" for r in fake.requests)


def test_cleanup_that_fails_names_what_is_left() -> None:
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        fake.inject("POST", FIP_POST.regex, status=500, json=E500.body(FIP_POST))
        fake.inject("DELETE", SERVER_DELETE.regex, status=500, json=E500.body(SERVER_DELETE), times=1000)
        with pytest.raises(normalizer.ProvisionError) as info:
            create(cloud)
        err = info.value
        assert_error_names(err, cloud, "public address", "ServerError")
        server_id = next(iter(new_resources(before, snapshot(fake)))).split()[-1]
        assert [label.split(" (")[0] for label in err.not_removed] == [f"server {server_id}"]
        assert "HTTP 500" in err.not_removed[0] and kinds(err.removed) == ["keypair"]
        assert_nothing_left(fake, before, err)


# --- answers lost after the cloud acted ---------------------------------------------------


def lose_answer(fake: FakeCloud, target: Target, exception: type[BaseException]) -> None:
    """The next matching request takes effect, then its answer is lost to ``exception``."""
    fake.inject(target.method, target.regex, status=0, exception=exception, after_state=True)


@pytest.mark.parametrize("exception", [requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout])
def test_a_keypair_whose_answer_is_lost_is_found_used_and_removed(exception: type) -> None:
    # The keypair exists (the cloud acted); it carries this call's key, so the create
    # goes on and removes it after use like any temporary keypair.
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        lose_answer(fake, KEY_POST, exception)
        assert_created_once(fake, before, create(cloud), "fip")


@pytest.mark.parametrize("target,step,removed", [
    (SERVER_POST, "boot", ["keypair", "server"]),
    (FIP_POST, "public address", ["floating IP", "keypair", "server"]),
], ids=["server-post", "fip-post"])
@pytest.mark.parametrize("exception", [requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout])
def test_create_post_whose_answer_is_lost_leaves_nothing(target: Target, step: str, removed: list,
                                                          exception: type) -> None:
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        lose_answer(fake, target, exception)
        with pytest.raises(normalizer.ProvisionError) as info:
            create(cloud)
        err = info.value
        assert_error_names(err, cloud, step, "RequestTimeout" if "Timeout" in exception.__name__ else
                           "ConnectionFailed")
        assert kinds(err.removed) == removed
        assert_nothing_left(fake, before, err)


@pytest.mark.parametrize("target", [TAGS_PUT, KEY_DELETE, SERVER_GET], ids=lambda t: t.name)
def test_idempotent_request_whose_answer_is_lost_is_retried(target: Target) -> None:
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        before = snapshot(fake)
        lose_answer(fake, target, requests.exceptions.ConnectionError)
        assert_created_once(fake, before, create(cloud), "fip")
        # sent twice (the lost one, then the retry); the first GET already made the server ACTIVE
        assert len([r for r in fake.calls(target.method) if re.search(target.regex, r.path)]) == 2


# --- delete ---------------------------------------------------------------------------------

DELETE_CASES = [
    Case("fip", LOOKUP, E500, "lookup", "ServerError"),
    Case("fip", LOOKUP, E429, None, times=2),
    Case("fip", LOOKUP, RESET, None, times=2),
    Case("fip", LOOKUP, RESET, "lookup", "ConnectionFailed"),
    Case("fip", FIP_LIST, E500, "find floating IPs", "ServerError"),
    Case("fip", FIP_LIST, E429, "find floating IPs", "RateLimited"),
    Case("fip", FIP_LIST, TIMEOUT, None, times=1),
    Case("fip", FIP_LIST, RESET, "find floating IPs", "ConnectionFailed"),
    Case("fip", SERVER_DELETE, E500, "delete server", "ServerError"),
    Case("fip", SERVER_DELETE, E429, None, times=2),
    Case("fip", SERVER_DELETE, E429, "delete server", "RateLimited"),
    Case("fip", SERVER_DELETE, RESET, "delete server", "ConnectionFailed"),
    Case("fip", SERVER_DELETE, TIMEOUT, None, times=2),
    Case("fip", FIP_DELETE, E500, "release floating IPs", "ServerError"),
    Case("fip", FIP_DELETE, E429, None, times=2),
    Case("fip", FIP_DELETE, RESET, "release floating IPs", "ConnectionFailed"),
    Case("fip", FIP_DELETE, TIMEOUT, None, times=1),
    Case("fip", SERVER_GET, E500, "wait for deletion", "ServerError"),
    Case("fip", SERVER_GET, E429, None, times=2),
    Case("fip", SERVER_GET, RESET, "wait for deletion", "ConnectionFailed"),
    Case("direct", LOOKUP, E500, "lookup", "ServerError"),
    Case("direct", SERVER_DELETE, E500, "delete server", "ServerError"),
    Case("direct", SERVER_DELETE, NOVA_QUOTA, "delete server", "QuotaExceeded"),
    Case("direct", SERVER_DELETE, RESET, None, times=2),
    Case("direct", SERVER_GET, TIMEOUT, "wait for deletion", "RequestTimeout"),
    Case("direct", SERVER_GET, E429, None, times=1),
]


def created_server(fake: FakeCloud, cloud: Cloud) -> tuple[str, list[str]]:
    """Create the server a delete scenario deletes; its id and the ids of its marked floating IPs."""
    server = create(cloud)
    description = owner_marks(server.id)[0]
    return server.id, [f["id"] for f in fake.floating_ips if f["description"] == description]


def assert_delete_consistent(fake: FakeCloud, before: Mapping, server_id: str, owned: list[str]) -> bool:
    """(c): gone with its floating IPs, or still there with no floating IP of it orphaned; the rest untouched.

    Returns whether the server is gone.
    """
    after = snapshot(fake)
    assert_untouched(before, after, except_ids={server_id, *owned})
    assert set(after["floating IP"]) <= set(before["floating IP"]) and set(after["keypair"]) == set(before["keypair"])
    gone = server_id not in after["server"]
    for fip_id in owned:
        if fip_id in after["floating IP"]:
            assert not gone, f"floating IP {fip_id} orphaned: its server {server_id} is deleted"
            assert after["floating IP"][fip_id]["port_id"] == before["floating IP"][fip_id]["port_id"]
    if not gone:  # its addresses may have changed (a released floating IP), nothing else
        assert after["server"][server_id]["status"] == before["server"][server_id]["status"]
    return gone


@pytest.mark.parametrize("case", DELETE_CASES, ids=lambda c: c.id)
def test_delete_under_fault(case: Case) -> None:
    with FakeCloud(case.layout) as fake:
        time = FakeTime()
        cloud = connect(fake, time)
        server_id, owned = created_server(fake, cloud)
        assert len(owned) == (1 if case.layout == "fip" else 0)
        before = snapshot(fake)
        inject(fake, time, case.target, case.answer, case.count)
        if case.step is None:
            assert cloud.delete_server(NAME).deleted is True
            assert assert_delete_consistent(fake, before, server_id, owned)
            return
        with pytest.raises(normalizer.NormalizerError) as info:
            cloud.delete_server(NAME, timeout=60)
        err = info.value
        gone = assert_delete_consistent(fake, before, server_id, owned)
        if case.step == "lookup":  # nothing was attempted: the typed API error itself
            assert type(err).__name__ == case.cause and not gone
            return
        assert_error_names(err, cloud, case.step, case.cause)
        assert (f"server {server_id}" in err.removed) == gone


def test_delete_that_never_finishes_times_out() -> None:
    with FakeCloud("direct") as fake:
        time = FakeTime()
        cloud = connect(fake, time)
        server_id, _ = created_server(fake, cloud)
        still = next(s for s in fake.servers if s["id"] == server_id)
        fake.inject("GET", SERVER_GET.regex, status=200, json={"server": dict(still, status="ACTIVE")}, times=10_000)
        with pytest.raises(normalizer.WaitTimeout) as info:
            cloud.delete_server(NAME, timeout=45)
        assert_error_names(info.value, cloud, "wait for deletion", "WaitTimeout")
        assert info.value.removed == [f"server {server_id}"] and 45 <= time.now - 1000.0 <= 55


def test_ctrl_c_during_delete_leaves_nothing_orphaned() -> None:
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        server_id, owned = created_server(fake, cloud)
        before = snapshot(fake)
        fake.inject("DELETE", SERVER_DELETE.regex, status=0, exception=KeyboardInterrupt)
        with pytest.raises(KeyboardInterrupt):
            cloud.delete_server(NAME)
        assert assert_delete_consistent(fake, before, server_id, owned) is False
        assert cloud.delete_server(NAME).deleted is True  # running it again finishes the job
        assert assert_delete_consistent(fake, before, server_id, owned) is True


def test_delete_keeps_floating_ips_normalizer_did_not_create() -> None:
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        web1 = next(s for s in fake.servers if s["name"] == "web1")
        ports = {p["id"] for p in fake.ports if p["device_id"] == web1["id"]}
        theirs = [f for f in fake.floating_ips if f["port_id"] in ports]
        assert len(theirs) == 1
        before = snapshot(fake)
        assert cloud.delete_server("web1").deleted is True
        after = snapshot(fake)
        assert web1["id"] not in after["server"] and theirs[0]["id"] in after["floating IP"]
        assert_untouched(before, after, except_ids={web1["id"], theirs[0]["id"]})
        assert not fake.calls("DELETE", "/network/v2.0/floatingips")


@pytest.mark.parametrize("port_details", [True, False], ids=["port-details", "ports-listed"])
def test_delete_keeps_a_floating_ip_the_user_moved_to_another_server(port_details: bool, caplog) -> None:
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        a = create(cloud)
        b = cloud.create_server("b1", IMAGE, FLAVOR, public_key=KEY, auto_ip=False)
        fip = next(f for f in fake.floating_ips if f["floating_ip_address"] == a.public_v4)
        port_b = next(p for p in fake.ports if p["device_id"] == b.id)
        cloud._network.update_floating_ip(fip["id"], {"port_id": None})
        cloud._network.update_floating_ip(fip["id"], {"port_id": port_b["id"]})  # the user moves it to b1
        if not port_details:
            fake.inject("GET", FIP_LIST.regex, status=200, json={"floatingips": [
                {k: v for k, v in f.items() if k != "port_details"} for f in fake.floating_ips]})
        with caplog.at_level(logging.WARNING, logger="normalizer.provision"):
            result = cloud.delete_server(a.id)
        assert result.deleted is True and result.released_floating_ips == []
        assert [(k.id, k.floating_ip_address) for k in result.kept_floating_ips] == [(fip["id"], a.public_v4)]
        assert b.id in result.kept_floating_ips[0].reason or port_b["id"] in result.kept_floating_ips[0].reason
        assert fip["id"] in {f["id"] for f in fake.floating_ips} and not fake.calls("DELETE", "/network/v2.0/floatingips")
        assert any("is kept" in r.getMessage() for r in caplog.records)
        assert cloud.get_server("b1").public_v4 == a.public_v4


def test_delete_whose_server_delete_answer_is_lost_still_reports_it_deleted() -> None:
    with FakeCloud("fip") as fake:
        cloud = connect(fake)
        server_id, owned = created_server(fake, cloud)
        before = snapshot(fake)
        lose_answer(fake, SERVER_DELETE, requests.exceptions.ConnectionError)
        # The retried DELETE finds nothing (404): the server was deleted by the first one.
        assert cloud.delete_server(NAME).deleted is True
        assert assert_delete_consistent(fake, before, server_id, owned)


# --- the call's timeout is a deadline for all of it -------------------------------------


SLOW = Answer("slow429", 429, headers={"Retry-After": "25"})


@pytest.mark.parametrize("target,step", [(SERVER_GET, "wait for ACTIVE"), (FIP_POST, "public address")],
                         ids=["server-get", "fip-post"])
def test_create_timeout_bounds_the_whole_call_including_its_requests(target: Target, step: str) -> None:
    # Each 429 asks for 25 s; the transport alone would retry for 4 x 25 s per request.
    with FakeCloud("fip", build_polls=3) as fake:
        time = FakeTime()
        cloud = connect(fake, time)
        cloud.list_flavors()
        before, start = snapshot(fake), time.now
        inject(fake, time, target, SLOW, 10_000)
        with pytest.raises(normalizer.ProvisionError) as info:
            create(cloud, timeout=30)  # shorter than api_timeout (60 s): the call's own deadline must bind
        assert time.now - start <= 30, f"the call ran {time.now - start:g} s of a 30 s timeout"
        err = info.value
        # the retry that would have slept past the deadline is not made: the 429 is the cause
        assert_error_names(err, cloud, step, "RateLimited")
        assert_nothing_left(fake, before, err)


def test_delete_timeout_bounds_the_whole_call_including_its_requests() -> None:
    with FakeCloud("fip") as fake:
        time = FakeTime()
        cloud = connect(fake, time)
        server_id, owned = created_server(fake, cloud)
        start = time.now
        fake.inject("DELETE", SERVER_DELETE.regex, status=429, headers={"Retry-After": "25"},
                    json=E429.body(SERVER_DELETE), times=10_000)
        with pytest.raises(normalizer.ProvisionError) as info:
            cloud.delete_server(NAME, timeout=40)
        assert time.now - start <= 40 and info.value.step == "delete server"
        assert server_id in {s["id"] for s in fake.servers}  # still there, its floating IPs released first
        assert not {f["id"] for f in fake.floating_ips} & set(owned)
