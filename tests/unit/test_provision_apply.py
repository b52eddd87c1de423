"""Provisioning building blocks: waiting, the ledger, floating-IP ownership, lost answers."""

import contextlib

import pytest
from hypothesis import given, strategies as st

from normalizer.exceptions import NotFound, RequestTimeout, ServerError, WaitTimeout
from normalizer.profiles import load_profile
from normalizer.provision.ledger import Ledger
from normalizer.provision.plan import ServerPlan
from normalizer.provision.public_ip import owned_floating_ips, owner_marks
from normalizer.provision.server_lifecycle import CLIENT_TOKEN_KEY, CreateOptions, Provisioner, ServerSurroundings
from normalizer.provision.waiting import Backoff, Waiter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds > 0
        self.now += seconds


@given(st.floats(min_value=0.5, max_value=900))
def test_a_wait_never_outlives_its_timeout(timeout):
    clock = Clock()
    with pytest.raises(WaitTimeout, match="gave up waiting for the thing"):
        Waiter(clock=clock, sleep=clock.sleep).until(lambda: None, timeout=timeout, what="the thing")
    assert clock.now == pytest.approx(timeout)


def test_backoff_grows_and_is_capped():
    assert Backoff(first=2, factor=2, maximum=5).delays(5) == [2, 4, 5, 5, 5]


def test_a_probe_that_raises_stops_the_wait():
    clock = Clock()
    with pytest.raises(ServerError):
        Waiter(clock=clock, sleep=clock.sleep).until(lambda: (_ for _ in ()).throw(ServerError("boom")),
                                                    timeout=10, what="x")
    assert clock.now == 0


def test_the_ledger_undoes_newest_first_and_reports_what_it_could_not():
    done = []
    ledger = Ledger()
    ledger.add("keypair", "k", lambda: done.append("k"))
    ledger.add("server", "s", lambda: (_ for _ in ()).throw(ServerError("nova is down")))
    ledger.add("floating IP", "f", lambda: done.append("f"))
    ledger.forget("nothing", "x")
    removed, not_removed = ledger.undo_all()
    assert done == ["f", "k"] and removed == ["floating IP f", "keypair k"]
    assert not_removed == ["server s (nova is down)"] and ledger.labels == []


def test_ownership_needs_a_mark_naming_this_server_or_an_anonymous_mark_on_its_address():
    server = {"id": "s1", "addresses": {"private": [
        {"addr": "203.0.113.5", "OS-EXT-IPS:type": "floating"}, {"addr": "10.0.0.5", "OS-EXT-IPS:type": "fixed"}]}}
    description, tag = owner_marks("s1")
    fips = [
        {"id": "by-description", "description": description},
        {"id": "by-tag", "description": "", "tags": [tag]},
        {"id": "anonymous-attached", "description": "created by normalizer", "floating_ip_address": "203.0.113.5"},
        {"id": "anonymous-elsewhere", "description": "created by normalizer", "floating_ip_address": "203.0.113.6"},
        {"id": "other-server", "description": owner_marks("s2")[0], "floating_ip_address": "203.0.113.5"},
        {"id": "not-ours-attached", "description": "", "floating_ip_address": "203.0.113.5"},
    ]
    assert [f["id"] for f in owned_floating_ips(fips, server)] == ["by-description", "by-tag", "anonymous-attached"]


class LostAnswerCompute:
    """A Nova whose POST /servers creates the server but the answer never arrives."""

    class transport:
        compute_microversion = "2.96"

        @staticmethod
        def clock():
            return 0.0

        @staticmethod
        def deadline(at):
            return contextlib.nullcontext()

    def __init__(self):
        self.servers = {}
        self.deleted = []

    def create_server(self, body):
        self.servers["lost-1"] = {"id": "lost-1", "name": body["name"], "metadata": body["metadata"]}
        self.servers["other"] = {"id": "other", "name": body["name"], "metadata": {CLIENT_TOKEN_KEY: "someone else"}}
        raise RequestTimeout("compute POST /servers: timed out")

    def list_servers(self, filters=None, fresh=False):
        assert fresh and filters == {"name": "^web\\.1$"}
        return list(self.servers.values())

    def delete_server(self, server_id):
        self.deleted.append(server_id)
        return self.servers.pop(server_id, None) is not None


def plan(**changes):
    values = dict(name="web.1", image_id="i", flavor_id="f", network_id="n", key_name=None, temporary_key=False,
                  floating_ip_pool=None, login_user=None, userdata=None, security_groups=(), metadata={}, steps=())
    values.update(changes)
    return ServerPlan(**values)


def test_a_server_whose_create_answer_was_lost_is_found_by_its_token_and_removed():
    compute = LostAnswerCompute()
    provisioner = Provisioner(cloud_name="c", compute=compute, network=None, profile=load_profile("generic"))
    with pytest.raises(Exception) as info:
        provisioner.create(plan(), CreateOptions(), ServerSurroundings(view=None, neutron=True))
    assert info.value.step == "boot" and info.value.removed == ["server lost-1"]
    assert compute.deleted == ["lost-1"] and "other" in compute.servers


def test_a_server_that_vanishes_while_building_fails_the_wait_step():
    class Vanishing(LostAnswerCompute):
        def create_server(self, body):
            return {"id": "s"}

        def get_server(self, server_id, fresh=False):
            return None

    compute = Vanishing()
    provisioner = Provisioner(cloud_name="c", compute=compute, network=None, profile=load_profile("generic"))
    with pytest.raises(Exception) as info:
        provisioner.create(plan(), CreateOptions(), ServerSurroundings(view=None, neutron=True))
    assert info.value.step == "wait for ACTIVE" and info.value.cause == NotFound.__name__
