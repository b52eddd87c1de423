"""How results show themselves in a REPL, IPython and notebooks (DESIGN §8), without changing what they hold."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
import yaml
from munch import Munch

from normalizer.normalize import (Context, normalize_flavor, normalize_floating_ip, normalize_image,
                                  normalize_keypair, normalize_network, normalize_server)
from normalizer.normalize.network_role import NetworkRole
from normalizer.normalize.records import MAX_LINE, Flavor, FloatingIP, Image, Keypair, Network, RecordList, Server
from normalizer.provision.conformance import STEPS, ConformanceReport
from normalizer.select.decision import Considered, Decision, Explanation

CTX = Context(cloud="mycloud", region_name="RegionOne", project_id="p1", project_name="demo")


class Printer:
    """The part of IPython's pretty printer that ``_repr_pretty_`` uses."""

    def __init__(self) -> None:
        self.out = ""

    def text(self, text: str) -> None:
        self.out += text


def pretty(obj, cycle=False) -> str:
    printer = Printer()
    obj._repr_pretty_(printer, cycle)
    return printer.out


def server():
    raw = {"id": "s1", "name": "web1", "status": "ACTIVE", "key_name": "deploy",
           "image": {"id": "i1", "name": "ubuntu-24.04", "os_distro": "ubuntu", "os_version": "24.04"},
           "flavor": {"original_name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20},
           "addresses": {"private": [
               {"addr": "10.0.0.5", "version": 4, "OS-EXT-IPS:type": "fixed"},
               {"addr": "203.0.113.3", "version": 4, "OS-EXT-IPS:type": "floating"}]},
           "adminPass": "s3cret-password"}
    return normalize_server(raw, CTX, login_user="ubuntu")


def network():
    role = NetworkRole(id="n1", name="tenant", default_interface=True, nat_destination=True)
    return normalize_network({"id": "n1", "name": "tenant", "status": "ACTIVE", "subnets": ["sn1"]}, CTX,
                             subnets=[{"id": "sn1", "network_id": "n1", "cidr": "10.0.0.0/24", "ip_version": 4}],
                             role=role)


def flavor():
    return normalize_flavor({"id": "2", "name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20}, CTX)


def image():
    return normalize_image({"id": "i1", "name": "Ubuntu 24.04", "status": "active", "os_distro": "ubuntu",
                            "os_version": "24.04", "architecture": "x86_64"}, CTX)


def floating_ip():
    return normalize_floating_ip({"id": "f1", "floating_ip_address": "203.0.113.7", "fixed_ip_address": "10.0.0.5",
                                  "port_id": "p1", "status": "ACTIVE"}, CTX)


def keypair():
    return normalize_keypair({"name": "deploy", "fingerprint": "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8",
                              "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPsj1d9Edlhnv me@example",
                              "private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n"}, CTX)


RECORDS = {
    "server": (server, Server, "<server web1 running 203.0.113.3 ubuntu m1.small>"),
    "network": (network, Network, "<network tenant private,nat-dest 10.0.0.0/24>"),
    "flavor": (flavor, Flavor, "<flavor m1.small 1 vCPU 2048 MiB 20 GiB>"),
    "image": (image, Image, "<image Ubuntu 24.04 ubuntu 24.04 x86_64 active>"),
    "floating_ip": (floating_ip, FloatingIP, "<floating_ip 203.0.113.7 -> 10.0.0.5>"),
    "keypair": (keypair, Keypair, "<keypair deploy SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8>"),
}


@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_every_record_has_a_one_line_repr_and_stays_a_munch(kind):
    build, cls, line = RECORDS[kind]
    record = build()
    assert repr(record) == line and pretty(record) == line
    assert type(record) is cls and isinstance(record, Munch)
    assert all(type(value) is Munch for value in record.values() if isinstance(value, dict))


@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_json_and_pickle_see_the_same_keys_and_values(kind):
    record = RECORDS[kind][0]()
    plain = Munch(record)
    assert json.dumps(record, sort_keys=True) == json.dumps(plain, sort_keys=True)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(record, protocol))
        assert again == record and type(again) is type(record) and repr(again) == repr(record)
    for duplicate in (copy.copy(record), copy.deepcopy(record), record.copy(), type(record).fromDict(record)):
        assert duplicate == record and type(duplicate) is type(record)
        assert all(type(v) is Munch for v in duplicate.values() if isinstance(v, dict))


def test_reprs_show_no_secret_and_no_key_material():
    texts = [repr(server()), repr(keypair()), repr(RecordList("keypair", [keypair()])),
             str(RecordList("keypair", [keypair()])), RecordList("keypair", [keypair()])._repr_html_()]
    for text in texts:
        assert "s3cret" not in text and "PRIVATE KEY" not in text and "AAAAC3" not in text


def test_a_long_or_hostile_name_stays_one_short_line():
    long = Server(name="x" * 500, state="running")
    assert len(repr(long)) == MAX_LINE and repr(long).endswith("…>")
    hostile = repr(Server(name="web\x1b[2J\nevil", state="running"))
    assert "\x1b" not in hostile and "\n" not in hostile and hostile.startswith("<server web\\x1b[2J evil ")


def test_missing_values_show_as_dashes_and_units_stay_readable():
    assert repr(Server()) == "<server - - - - ->"
    assert repr(Flavor(name="big", vcpus=None, ram=None, disk=0, is_disabled=True, is_public=False)) == \
        "<flavor big ? vCPUs - MiB 0 GiB disabled private>"
    assert repr(FloatingIP(floating_ip_address="203.0.113.9", attached=False)) == "<floating_ip 203.0.113.9 unattached>"
    assert repr(Network(name="ext", is_external=True, nat_source=True, cidrs=[])) == "<network ext external,nat-source ->"


def test_a_record_list_is_a_list_that_prints_as_a_table():
    servers = RecordList("server", [server(), Server(name="db1", state="stopped", image={"distro": "debian"},
                                                     flavor={"name": "m1.medium"}, login_user="debian")])
    assert isinstance(servers, list) and servers == list(servers)
    assert repr(servers) == ("[<server web1 running 203.0.113.3 ubuntu m1.small>,\n"
                             " <server db1 stopped - debian m1.medium>]")
    table = ("name  state    interface_ip  login_user  image.distro  flavor.name\n"
             "web1  running  203.0.113.3   ubuntu      ubuntu        m1.small\n"
             "db1   stopped  -             debian      debian        m1.medium")
    assert str(servers) == table and pretty(servers) == table
    assert pretty(servers, cycle=True) == "[servers...]"
    assert str(RecordList("image")) == "(no images)" and repr(RecordList("image")) == "[]"


def test_record_list_json_and_pickle_round_trips():
    servers = RecordList("server", [server(), server()])
    assert json.dumps(servers) == json.dumps([Munch(s) for s in servers])
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(servers, protocol))
        assert type(again) is RecordList and again.kind == "server" and again == servers
        assert [type(s) for s in again] == [Server, Server]


def test_record_list_yaml_dumps_as_the_plain_list():
    servers = RecordList("server", [server()])
    plain = [Munch(s) for s in servers]
    assert yaml.safe_dump(servers) == yaml.safe_dump(plain) and yaml.dump(servers) == yaml.dump(plain)
    assert yaml.safe_dump(servers[0]) == yaml.safe_dump(plain[0])


def test_html_escapes_every_cell():
    servers = RecordList("server", [Server(name="<script>alert(1)</script>", state="running",
                                           image={"distro": "a&b"}, flavor={"name": '"m1"'})])
    page = servers._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a&amp;b" in page and "&quot;m1&quot;" in page
    assert page.startswith("<table><caption>1 server</caption><thead><tr><th>name</th>")


def test_network_table_shows_roles():
    text = str(RecordList("network", [network()]))
    assert text.splitlines() == ["name    roles             cidrs        is_shared  status",
                                 "tenant  private,nat-dest  10.0.0.0/24  False      ACTIVE"]


def test_explanation_prints_subject_value_rule_reason_and_alternatives():
    decision = Decision("public_v4 of server 'web1'", "203.0.113.3", "floating IP", "a floating IP: public",
                        (Considered("10.0.0.5", "fixed on 'private': private"),))
    explained = decision.to_munch()
    assert type(explained) is Explanation and isinstance(explained, Munch)
    assert dict(explained) == {"subject": "public_v4 of server 'web1'", "value": "203.0.113.3",
                               "rule": "floating IP", "reason": "a floating IP: public", "ambiguous": False,
                               "considered": [{"candidate": "10.0.0.5", "verdict": "fixed on 'private': private"}]}
    text = ("public_v4 of server 'web1': '203.0.113.3'\n"
            "  rule:   floating IP\n"
            "  reason: a floating IP: public\n"
            "  considered:\n"
            "  - 10.0.0.5: fixed on 'private': private")
    assert str(explained) == text == str(decision) and pretty(explained) == text
    assert repr(explained) == "<explanation public_v4 of server 'web1': '203.0.113.3' (rule: floating IP)>"
    again = pickle.loads(pickle.dumps(explained))
    assert type(again) is Explanation and again == explained
    assert json.loads(json.dumps(explained)) == explained


def test_an_ambiguous_explanation_says_undecided():
    explained = Decision.undecided("external network", "2 candidates remain: a, b", ()).to_munch()
    assert str(explained).splitlines()[0] == "external network: undecided (ambiguous)"


def test_conformance_report_prints_the_eight_steps():
    steps = [Munch(number=n, step=step, status="native", how=f"how {n}") for n, step in enumerate(STEPS, 1)]
    report = ConformanceReport(cloud="mycloud", region_name="RegionOne", profile="generic", probed=False, steps=steps)
    lines = repr(report).splitlines()
    assert lines[0] == "conformance of cloud 'mycloud' region RegionOne (profile generic, from profile and facts)"
    assert lines[1].split() == ["number", "step", "status", "how"] and len(lines) == 10
    assert lines[2] == "1       add a node-specific SSH key               native  how 1"
    assert str(report) == repr(report) == pretty(report)
    page = report._repr_html_()
    assert page.count("<tr>") == 9 and "<caption>conformance of cloud &#x27;mycloud&#x27;" in page
    again = pickle.loads(pickle.dumps(report))
    assert type(again) is ConformanceReport and again == report
    assert json.loads(json.dumps(report)) == report
