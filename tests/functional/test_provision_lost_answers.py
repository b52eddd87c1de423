"""Answers lost after the cloud acted: every write step x every way an answer gets lost x three layouts.

FakeCloud's ``inject(..., after_state=True)`` lets the cloud carry out the request, then
replaces its answer: a proxy's 502/504 page, an empty or malformed 2xx, a read timeout,
a reset connection, or Ctrl-C while the request is in flight. Whatever happens, the call
either succeeds with exactly what it should have made (a retried idempotent write, a
keypair found and used), or fails with a typed error naming the step and leaves nothing
it created behind; nothing that existed before is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

import normalizer
from normalizer.testing import FakeCloud

from tests.functional.conftest import (KEY, UUID, FakeTime, assert_untouched, connect, label_ids, new_resources,
                                       snapshot)


@dataclass(frozen=True)
class Write:
    """One write of a create; ``outcome`` is what must follow a lost answer (``"either"``: retried or failed)."""

    name: str
    method: str
    regex: str
    step: str
    outcome: str


KEY_POST = Write("key-post", "POST", r"^/compute/v2\.1/os-keypairs$", "temporary key", "ok")
SERVER_POST = Write("server-post", "POST", r"^/compute/v2\.1/servers$", "boot", "fails")
FIP_POST = Write("fip-post", "POST", r"^/network/v2\.0/floatingips$", "public address", "fails")
TAGS_PUT = Write("tags-put", "PUT", r"^/network/v2\.0/floatingips/[^/]+/tags$", "public address", "either")
NOVA_FIP_POST = Write("nova-fip-post", "POST", r"^/compute/v2\.1/os-floating-ips$", "public address", "fails")
NOVA_ATTACH = Write("nova-attach", "POST", rf"^/compute/v2\.1/servers/{UUID}/action$", "public address", "either")
NOVA_MARK = Write("nova-mark", "PUT", rf"^/compute/v2\.1/servers/{UUID}/metadata/", "public address", "either")
KEY_DELETE = Write("key-delete", "DELETE", r"^/compute/v2\.1/os-keypairs/[^/]+$", "key removal", "either")
SG_POST = Write("sg-post", "POST", r"^/network/v2\.0/security-groups$", "ssh security group", "fails")
SG_RULE_POST = Write("sg-rule-post", "POST", r"^/network/v2\.0/security-group-rules$", "ssh security group", "fails")
PF_POST = Write("pf-post", "POST", r"^/network/v2\.0/floatingips/[^/]+/port_forwardings$", "public address", "fails")

WRITES = {
    "fip": [KEY_POST, SERVER_POST, FIP_POST, TAGS_PUT, KEY_DELETE],
    "direct": [KEY_POST, SERVER_POST, KEY_DELETE],
    "nova-network-nat": [KEY_POST, SERVER_POST, NOVA_FIP_POST, NOVA_ATTACH, NOVA_MARK, KEY_DELETE],
    # boot from volume with allow_ssh; a shared floating IP and a forwarding with public_access="port_forward"
    "scs": [KEY_POST, SG_POST, SG_RULE_POST, SERVER_POST, FIP_POST, TAGS_PUT, KEY_DELETE],
    "port-forward": [KEY_POST, SERVER_POST, FIP_POST, PF_POST, KEY_DELETE],
}
#: floating IPs a successful create makes on each layout
FIPS = {"fip": 1, "direct": 0, "nova-network-nat": 1, "scs": 1, "port-forward": 1}
#: create_server's options per layout, and what a successful create also makes
OPTIONS = {"scs": {"allow_ssh": True}, "port-forward": {"public_access": "port_forward"}}
ALSO_MADE = {"scs": {"security group": 1, "volume": 1}, "port-forward": {"port forwarding": 1}}


@dataclass(frozen=True)
class Loss:
    """How the answer is lost."""

    label: str
    status: int = 0
    text: str | None = None
    json: Any = None
    headers: Any = None
    exception: type[BaseException] | None = None

    def inject(self, fake: FakeCloud, write: Write) -> None:
        """Let the cloud act on the next matching request, then lose its answer this way."""
        fake.inject(write.method, write.regex, status=self.status, text=self.text, json=self.json,
                    headers=dict(self.headers or {}), exception=self.exception, after_state=True)


HTML = {"Content-Type": "text/html"}
LOSSES = [
    Loss("502-html", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", headers=HTML),
    Loss("504-html", 504, "<html><body><h1>504 Gateway Time-out</h1></body></html>", headers=HTML),
    Loss("empty-2xx", 200, ""),
    Loss("malformed-2xx", 200, '{"server": {"id": '),
    Loss("read-timeout", exception=requests.exceptions.ReadTimeout),
    Loss("reset", exception=requests.exceptions.ConnectionError),
    Loss("ctrl-c", exception=KeyboardInterrupt),
]

CASES = [pytest.param(layout, write, loss, id=f"{layout}-{write.name}-{loss.label}")
         for layout, writes in WRITES.items() for write in writes for loss in LOSSES]


def assert_made_exactly_one_server(fake: FakeCloud, before: dict, server: Any, layout: str) -> None:
    after = snapshot(fake)
    added = new_resources(before, after)
    assert f"server {server.id}" in added and server.status == "ACTIVE"
    assert not [a for a in added if a.startswith("keypair")], f"temporary keypair left: {added}"
    assert len([a for a in added if a.startswith("server")]) == 1
    assert len([a for a in added if a.startswith("floating IP")]) == FIPS[layout]
    for kind in ("security group", "volume", "port forwarding"):
        assert len([a for a in added if a.startswith(kind)]) == ALSO_MADE.get(layout, {}).get(kind, 0), (kind, added)
    assert_untouched(before, after)


def assert_nothing_left(fake: FakeCloud, before: dict, not_removed: list[str]) -> None:
    after = snapshot(fake)
    assert new_resources(before, after) == label_ids(not_removed)
    assert not not_removed, f"could not remove: {not_removed}"
    assert set(after["port"]) <= set(before["port"]), "a port of a removed server is left"
    assert_untouched(before, after)


@pytest.mark.parametrize("layout,write,loss", CASES)
def test_a_lost_answer_leaves_nothing_behind(layout: str, write: Write, loss: Loss, caplog) -> None:
    with FakeCloud(layout, build_polls=1) as fake:
        cloud = connect(fake, FakeTime())
        cloud.list_flavors()
        before = snapshot(fake)
        loss.inject(fake, write)
        try:
            server = cloud.create_server("x1", "ubuntu-24.04", "t3.small", public_key=KEY, **OPTIONS.get(layout, {}))
        except KeyboardInterrupt:
            assert loss.exception is KeyboardInterrupt
            assert_nothing_left(fake, before, [])
            return
        except normalizer.ProvisionError as err:
            assert write.outcome != "ok", f"the call should have recovered: {err}"
            assert err.step == write.step and f"step {write.step!r}" in str(err)
            assert "\n" not in str(err)
            assert_nothing_left(fake, before, err.not_removed)
            return
        assert loss.exception is not KeyboardInterrupt
        assert write.outcome != "fails", "a create whose write answer was lost must not claim success"
        assert_made_exactly_one_server(fake, before, server, layout)


def test_after_state_injection_changes_the_cloud_then_loses_the_answer() -> None:
    with FakeCloud("fip") as fake:
        cloud = connect(fake, FakeTime())
        fake.inject("POST", r"/os-keypairs$", status=504, text="<html>Gateway Time-out</html>", after_state=True)
        with pytest.raises(normalizer.ServerError):
            cloud._compute.create_keypair("made-anyway", public_key=KEY)
        assert "made-anyway" in {k["name"] for k in fake.keypairs}
        fake.inject("POST", r"/os-keypairs$", status=504, text="<html>Gateway Time-out</html>")
        with pytest.raises(normalizer.ServerError):
            cloud._compute.create_keypair("never-made", public_key=KEY)
        assert "never-made" not in {k["name"] for k in fake.keypairs}


def test_a_failed_search_after_a_lost_answer_is_reported_not_hidden() -> None:
    # The boot's answer is lost and the cloud is unreachable for the search too: the
    # error must say a server may exist, not "removed: nothing".
    with FakeCloud("direct") as fake:
        cloud = connect(fake, FakeTime())
        cloud.list_flavors()
        fake.inject("POST", SERVER_POST.regex, status=502, text="bad gateway", after_state=True)
        fake.inject("GET", r"^/compute/v2\.1/servers/detail$", status=500, json={"computeFault": {
            "code": 500, "message": "down"}}, times=10)
        with pytest.raises(normalizer.ProvisionError) as info:
            cloud.create_server("x1", "ubuntu-24.04", "t3.small", public_key=KEY)
        err = info.value
        assert err.step == "boot" and any("may exist" in label for label in err.not_removed)
        assert "NOT removed" in str(err) and "yourself" in err.hint


def test_provision_error_carries_the_api_errors_request_fields() -> None:
    with FakeCloud("direct") as fake:
        cloud = connect(fake, FakeTime())
        fake.inject("POST", SERVER_POST.regex, status=500, json={"computeFault": {"code": 500, "message": "boom"}},
                    headers={"x-openstack-request-id": "req-abc"})
        with pytest.raises(normalizer.ProvisionError) as info:
            cloud.create_server("x1", "ubuntu-24.04", "t3.small", public_key=KEY)
        err = info.value
        assert (err.request_id, err.service, err.method, err.status_code) == ("req-abc", "compute", "POST", 500)
        assert err.url.endswith("/compute/v2.1/servers")
        assert err.to_dict()["request_id"] == "req-abc"
