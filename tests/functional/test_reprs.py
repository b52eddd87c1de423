"""What a person sees of a Cloud's results in IPython and notebooks, against FakeCloud (DESIGN §8)."""

from __future__ import annotations

import json
import pickle

import pytest
from munch import Munch

import normalizer
from normalizer.normalize.records import RecordList, Server
from normalizer.testing import FakeCloud

LISTS = ("list_servers", "list_networks", "list_flavors", "list_images", "list_floating_ips", "list_keypairs",
         "list_orphans")


class Printer:
    def __init__(self) -> None:
        self.out = ""

    def text(self, text: str) -> None:
        self.out += text


@pytest.fixture
def fip():
    with FakeCloud("fip") as fake:
        yield fake


def test_every_list_is_a_record_list_that_round_trips(fip):
    cloud = normalizer.connect(**fip.connect_kwargs())
    for method in LISTS:
        items = getattr(cloud, method)()
        assert type(items) is RecordList and isinstance(items, list), method
        assert json.loads(json.dumps(items)) == items
        again = pickle.loads(pickle.dumps(items))
        assert type(again) is RecordList and again.kind == items.kind and again == items
        printer = Printer()
        items._repr_pretty_(printer, False)
        assert printer.out == str(items)
        assert all(len(line) <= 120 for line in repr(items).splitlines()), method


def test_fifty_two_servers_print_as_a_short_table(fip):
    for index in range(50):
        fip.add_server(f"app{index:02d}", image="debian-12", flavor="m1.small", networks=["private"],
                       floating_ip=index % 2 == 0)
    cloud = normalizer.connect(**fip.connect_kwargs())
    servers = cloud.list_servers()
    assert len(servers) == 52
    before = repr([Munch(s) for s in servers])  # what a plain Munch list printed
    assert len(before) > 40_000 and len(repr(servers)) < len(before) / 10
    assert len(repr(servers).splitlines()) == 52
    lines = str(servers).splitlines()
    assert len(lines) == 53 and lines[0].split() == ["name", "state", "interface_ip", "login_user", "image.distro",
                                                     "flavor.name"]
    web1 = next(line for line in lines if line.startswith("web1 "))
    assert web1.split() == ["web1", "running", cloud.get_server("web1").interface_ip, "ubuntu", "ubuntu", "m1.small"]
    starts = {line.index(cloud.get_server("web1").state) for line in lines[1:] if "running" in line}
    assert len(starts) == 1  # aligned
    assert len(str(servers)) < len(before) / 10


def test_get_returns_the_one_line_record(fip):
    cloud = normalizer.connect(**fip.connect_kwargs())
    web1 = cloud.get_server("web1")
    assert type(web1) is Server
    assert repr(web1) == f"<server web1 running {web1.interface_ip} ubuntu m1.small>"
    assert repr(cloud.get_flavor("m1.small")) == "<flavor m1.small 1 vCPU 2048 MiB 20 GiB>"
    assert repr(cloud.get_private_network()) == "<network private private,nat-dest 10.0.0.0/24>"
    assert repr(cloud.pick_image("debian-12")) == "<image debian-12 debian 12 x86_64 active>"


def test_notebook_html_escapes_a_hostile_server_name(fip):
    fip.add_server("<script>alert(1)</script>", image="debian-12", flavor="m1.small", networks=["private"])
    cloud = normalizer.connect(**fip.connect_kwargs())
    page = cloud.list_servers()._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_explain_prints_the_decision_as_docs_decisions_shows(fip):
    cloud = normalizer.connect(**fip.connect_kwargs())
    web1 = cloud.get_server("web1")
    explained = cloud.explain(web1, "public_v4")
    assert isinstance(explained, Munch) and set(explained) == {"subject", "value", "rule", "reason", "ambiguous",
                                                               "considered"}
    lines = str(explained).splitlines()
    assert lines[:2] == [f"public_v4 of server 'web1': '{web1.public_v4}'", "  rule:   floating IP"]
    assert lines[2].startswith("  reason: a floating IP") and lines[3] == "  considered:"
    assert lines[4].startswith(f"  - {web1.private_v4}: fixed on 'private'")
    printer = Printer()
    explained._repr_pretty_(printer, False)
    assert printer.out == str(explained)


def test_conformance_prints_a_table_of_the_eight_steps(fip):
    cloud = normalizer.connect(**fip.connect_kwargs())
    report = cloud.conformance()
    assert isinstance(report, Munch) and set(report) == {"cloud", "region_name", "profile", "probed", "steps"}
    lines = repr(report).splitlines()
    assert lines[0] == f"conformance of cloud {cloud.name!r} region RegionOne (profile generic, from profile and facts)"
    assert [line.split()[0] for line in lines[1:]] == ["number", "1", "2", "3", "4", "5", "6", "7", "8"]
    assert "bridged  floating IP from ext-net attached to the port on private" in lines[6]
    assert report._repr_html_().count("<tr>") == 9


def test_dir_of_a_cloud_shows_the_public_api_only(fip):
    cloud = normalizer.connect(**fip.connect_kwargs())
    names = dir(cloud)
    assert {"list_servers", "create_server", "explain", "conformance", "name", "region_name", "profile"} <= set(names)
    assert not [name for name in names if name.startswith("_")]
    assert names == sorted(names)


def test_ipython_shows_tables_and_one_liners_when_installed(fip):
    from IPython.core.formatters import DisplayFormatter
    from IPython.lib.pretty import pretty

    formatter = DisplayFormatter()
    cloud = normalizer.connect(**fip.connect_kwargs())
    servers = cloud.list_servers()
    assert pretty(servers) == str(servers) and pretty(servers[0]) == repr(servers[0])
    assert pretty(cloud.explain("external_network")) == str(cloud.explain("external_network"))
    data, _ = formatter.format(cloud.conformance())
    assert data["text/plain"] == repr(cloud.conformance()) and data["text/html"].startswith("<table>")
