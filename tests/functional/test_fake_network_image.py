"""FakeCloud's Neutron and Glance through plain requests, and the layouts as data."""

from __future__ import annotations

import ipaddress
import pathlib
import re

import pytest
import requests

from normalizer.testing import LAYOUTS, FakeCloud

from tests.functional.conftest import token_headers

BASE = "http://127.0.0.1:8799"
NET = f"{BASE}/network/v2.0"
IMG = f"{BASE}/image/v2"


class Client:
    """requests with a token for one FakeCloud."""

    def __init__(self, fake: FakeCloud) -> None:
        self.headers = token_headers(fake)

    def __getattr__(self, method: str):
        return lambda url, **kw: requests.request(method.upper(), url, headers=self.headers, **kw)


@pytest.fixture
def fip():
    with FakeCloud("fip") as fake:
        yield fake, Client(fake)


def by_name(records, name):
    return next(r for r in records if r["name"] == name)


# --- neutron ---------------------------------------------------------------------------


def test_network_routes_and_filters(fip):
    fake, http = fip
    names = [n["name"] for n in http.get(f"{NET}/networks").json()["networks"]]
    assert names == ["private", "ext-net"]
    external = http.get(f"{NET}/networks?router:external=True").json()["networks"]
    assert [n["name"] for n in external] == ["ext-net"] and external[0]["router:external"] is True
    private = by_name(fake.networks, "private")
    assert http.get(f"{NET}/networks/{private['id']}").json()["network"]["subnets"] == private["subnets"]
    subnet = http.get(f"{NET}/subnets?network_id={private['id']}").json()["subnets"][0]
    assert (subnet["cidr"], subnet["gateway_ip"], subnet["ip_version"]) == ("10.0.0.0/24", "10.0.0.1", 4)
    assert http.get(f"{NET}/networks?name=ext-net&fields=id").json()["networks"] == \
        [{"id": by_name(fake.networks, "ext-net")["id"]}]
    missing = http.get(f"{NET}/networks/nope")
    assert missing.status_code == 404
    assert missing.json() == {"NeutronError": {"type": "NetworkNotFound",
                                               "message": "Network nope could not be found.", "detail": ""}}
    assert http.get(f"{NET}/networks?colour=blue").json()["NeutronError"]["type"] == "HTTPBadRequest"
    assert fake.unexpected == []


def test_ports_routers_security_groups_and_extensions(fip):
    fake, http = fip
    web1 = by_name(fake.servers, "web1")
    ports = http.get(f"{NET}/ports?device_id={web1['id']}").json()["ports"]
    assert [p["fixed_ips"][0]["ip_address"] for p in ports] == ["10.0.0.2"]
    assert http.get(f"{NET}/ports?fixed_ips=ip_address=10.0.0.2").json()["ports"][0]["id"] == ports[0]["id"]
    router = http.get(f"{NET}/routers").json()["routers"][0]
    gateway = router["external_gateway_info"]
    assert gateway["network_id"] == by_name(fake.networks, "ext-net")["id"]
    assert gateway["external_fixed_ips"][0]["ip_address"] == "203.0.113.2"
    assert [g["name"] for g in http.get(f"{NET}/security-groups").json()["security_groups"]] == ["default"]
    rules = http.get(f"{NET}/security-group-rules").json()["security_group_rules"]
    assert {r["ethertype"] for r in rules} == {"IPv4", "IPv6"}
    aliases = {e["alias"] for e in http.get(f"{NET}/extensions").json()["extensions"]}
    assert "standard-attr-tag" in aliases


def test_router_interface_over_the_api(fip):
    fake, http = fip
    net = http.post(f"{NET}/networks", json={"network": {"name": "extra"}}).json()["network"]
    subnet = http.post(f"{NET}/subnets", json={"subnet": {"network_id": net["id"], "cidr": "10.7.0.0/24",
                                                          "ip_version": 4}}).json()["subnet"]
    router = by_name(fake.routers, "router1")
    reply = http.put(f"{NET}/routers/{router['id']}/add_router_interface", json={"subnet_id": subnet["id"]})
    assert reply.status_code == 200 and reply.json()["subnet_id"] == subnet["id"]
    port = http.get(f"{NET}/ports/{reply.json()['port_id']}").json()["port"]
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.7.0.1"}]


def test_network_pagination(fip):
    fake, http = fip
    for index in range(3):
        fake.add_network(f"more-{index}")
    names, url, pages = [], f"{NET}/networks?limit=2", 0
    while url:
        body = http.get(url).json()
        names += [n["name"] for n in body["networks"]]
        url = next((link["href"] for link in body.get("networks_links", []) if link["rel"] == "next"), None)
        pages += 1
    assert names == ["private", "ext-net", "more-0", "more-1", "more-2"] and pages == 3


def test_floating_ip_attach_shows_in_server_addresses(fip):
    fake, http = fip
    db1 = by_name(fake.servers, "db1")
    port = http.get(f"{NET}/ports?device_id={db1['id']}").json()["ports"][0]
    ext = by_name(fake.networks, "ext-net")["id"]
    created = http.post(f"{NET}/floatingips", json={"floatingip": {
        "floating_network_id": ext, "port_id": port["id"], "description": "made by a test"}})
    assert created.status_code == 201
    fip_record = created.json()["floatingip"]
    assert (fip_record["floating_ip_address"], fip_record["fixed_ip_address"]) == ("203.0.113.4", "10.0.0.3")
    assert fip_record["router_id"] == by_name(fake.routers, "router1")["id"]
    floating = [a for a in by_name(fake.servers, "db1")["addresses"]["private"] if a["OS-EXT-IPS:type"] == "floating"]
    assert [a["addr"] for a in floating] == ["203.0.113.4"]
    detached = http.put(f"{NET}/floatingips/{fip_record['id']}", json={"floatingip": {"port_id": None}})
    assert detached.json()["floatingip"]["port_id"] is None
    assert len(by_name(fake.servers, "db1")["addresses"]["private"]) == 1
    assert http.put(f"{NET}/floatingips/{fip_record['id']}", json={"floatingip": {"port_id": port["id"]}}).ok
    assert http.delete(f"{NET}/floatingips/{fip_record['id']}").status_code == 204
    assert len(by_name(fake.servers, "db1")["addresses"]["private"]) == 1
    assert http.get(f"{NET}/floatingips?port_id={port['id']}").json()["floatingips"] == []


def test_floating_ip_tags_and_filters(fip):
    fake, http = fip
    existing = fake.floating_ips[0]
    reply = http.put(f"{NET}/floatingips/{existing['id']}/tags", json={"tags": ["normalizer", "server-x"]})
    assert reply.status_code == 200 and reply.json() == {"tags": ["normalizer", "server-x"]}
    ext = by_name(fake.networks, "ext-net")["id"]
    http.post(f"{NET}/floatingips", json={"floatingip": {"floating_network_id": ext}})
    tagged = http.get(f"{NET}/floatingips?tags=normalizer").json()["floatingips"]
    assert [f["id"] for f in tagged] == [existing["id"]]
    assert len(http.get(f"{NET}/floatingips?floating_network_id={ext}").json()["floatingips"]) == 2
    assert http.put(f"{NET}/floatingips/{existing['id']}/tags/extra").status_code == 201
    assert http.delete(f"{NET}/floatingips/{existing['id']}/tags/server-x").status_code == 204
    assert http.get(f"{NET}/floatingips/{existing['id']}/tags").json() == {"tags": ["extra", "normalizer"]}
    assert http.get(f"{NET}/floatingips/{existing['id']}/tags/gone").status_code == 404


def test_unreachable_external_network_refuses_attachment():
    with FakeCloud("multi-external") as fake:
        http = Client(fake)
        port = http.get(f"{NET}/ports?device_id={by_name(fake.servers, 'db1')['id']}").json()["ports"][0]
        unusable = by_name(fake.networks, "ext-unusable")["id"]
        reply = http.post(f"{NET}/floatingips", json={"floatingip": {
            "floating_network_id": unusable, "port_id": port["id"]}})
        assert reply.status_code == 404
        assert reply.json()["NeutronError"]["type"] == "ExternalGatewayForFloatingIPNotFound"
        assert http.get(f"{NET}/floatingips").json()["floatingips"][0]["floating_ip_address"] == "203.0.113.3"
        loose = http.post(f"{NET}/floatingips", json={"floatingip": {"floating_network_id": unusable}})
        assert loose.status_code == 201 and loose.json()["floatingip"]["floating_ip_address"] == "198.51.100.2"


def test_neutron_404_layout_answers_404_to_every_network_call():
    with FakeCloud("neutron-404") as fake:
        http = Client(fake)
        catalog = requests.post(f"{fake.auth_url}/v3/auth/tokens", json={"auth": {"identity": {
            "methods": ["token"], "token": {"id": http.headers["X-Auth-Token"]}},
            "scope": {"project": {"id": fake.project_id}}}}).json()["token"]["catalog"]
        assert "network" in {s["type"] for s in catalog}
        for url in (f"{BASE}/network", f"{NET}/networks", f"{NET}/floatingips"):
            reply = http.get(url)
            assert reply.status_code == 404 and not reply.headers["Content-Type"].startswith("application/json")
        web1 = requests.get(f"{BASE}/compute/v2.1/servers/detail", headers=http.headers).json()["servers"][-1]
        assert web1["accessIPv6"] == next(a["addr"] for a in web1["addresses"]["public"] if a["version"] == 6)
        assert fake.unexpected == []


# --- glance ------------------------------------------------------------------------------


def test_image_list_defaults_and_filters(fip):
    fake, http = fip
    listing = http.get(f"{IMG}/images").json()
    names = [i["name"] for i in listing["images"]]
    assert names[:2] == ["web-snapshot", "ubuntu-24.04-upload"]  # newest first
    assert "ubuntu-22.04-20230101" not in names  # hidden
    assert (listing["first"], listing["schema"]) == ("/v2/images", "/v2/schemas/images") and "next" not in listing
    hidden = http.get(f"{IMG}/images?os_hidden=true").json()["images"]
    assert [i["name"] for i in hidden] == ["ubuntu-22.04-20230101"]
    assert [i["name"] for i in http.get(f"{IMG}/images?visibility=private").json()["images"]] == ["web-snapshot"]
    assert [i["name"] for i in http.get(f"{IMG}/images?status=queued").json()["images"]] == ["ubuntu-24.04-upload"]
    ubuntu = http.get(f"{IMG}/images?os_distro=ubuntu&status=active&visibility=public").json()["images"]
    assert [i["name"] for i in ubuntu] == ["ubuntu-24.04"]
    record = ubuntu[0]
    assert (record["os_version"], record["os_admin_user"], record["architecture"]) == ("24.04", "ubuntu", "x86_64")
    assert record["self"] == f"/v2/images/{record['id']}" and record["file"].endswith("/file")
    for key in ("min_disk", "min_ram", "protected", "disk_format", "container_format", "size", "checksum",
                "tags", "created_at", "updated_at", "owner", "schema", "os_hidden", "visibility"):
        assert key in record
    named = by_name(listing["images"], "Ubuntu 22.04 LTS (Jammy Jellyfish)")
    assert "os_distro" not in named


def test_image_pagination_and_links(fip):
    fake, http = fip
    names, url = [], f"{IMG}/images?limit=3&visibility=all"
    while url:
        body = http.get(url).json()
        names += [i["name"] for i in body["images"]]
        url = f"{BASE}/image{body['next']}" if "next" in body else None
        assert body["first"] == "/v2/images?limit=3&visibility=all"
    assert len(names) == len(set(names)) == 8


def test_image_get_404_is_html_and_create_delete(fip):
    fake, http = fip
    missing = http.get(f"{IMG}/images/nope")
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("text/html")
    assert "No image found with ID nope" in missing.text
    created = http.post(f"{IMG}/images", json={"name": "mine", "disk_format": "raw", "container_format": "bare",
                                               "os_distro": "debian"})
    assert created.status_code == 201
    record = created.json()
    assert (record["status"], record["os_distro"], record["owner"]) == ("queued", "debian", fake.project_id)
    assert http.post(f"{IMG}/images", json={"name": "x", "status": "active"}).status_code == 403
    assert http.delete(f"{IMG}/images/{record['id']}").status_code == 204
    assert http.get(f"{IMG}/images/{record['id']}").status_code == 404
    public = by_name(fake.images, "debian-12")
    assert http.delete(f"{IMG}/images/{public['id']}").status_code == 403


# --- layouts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_boots_and_serves(layout):
    with FakeCloud(layout) as fake:
        assert fake.description and fake.profile
        http = Client(fake)
        servers = requests.get(f"{BASE}/compute/v2.1/servers/detail", headers=http.headers).json()["servers"]
        assert len(servers) == (0 if layout == "empty" else 2)
        assert len(fake.flavors) >= 1 and len(fake.images) >= 1


def globally_routable(cidr: str) -> bool:
    return ipaddress.ip_network(cidr).is_global


def test_layout_network_facts():
    facts = {name: FakeCloud(name) for name in ("direct", "private-is-public", "split-stack", "ipv6-only",
                                                "multi-external", "empty")}
    public = by_name(facts["direct"].networks, "public")
    assert public["shared"] and not public["router:external"]
    assert all(globally_routable(s["cidr"]) for s in facts["direct"].subnets)
    assert {s["ip_version"] for s in facts["direct"].subnets} == {4, 6}
    private = by_name(facts["private-is-public"].networks, "private")
    assert [globally_routable(s["cidr"]) for s in facts["private-is-public"].subnets] == [True]
    assert not private["router:external"]
    split = {s["ip_version"]: globally_routable(s["cidr"]) for s in facts["split-stack"].subnets
             if s["network_id"] == by_name(facts["split-stack"].networks, "tenant-net")["id"]}
    assert split == {4: False, 6: True}
    assert {s["ip_version"] for s in facts["ipv6-only"].subnets} == {6}
    externals = [n["name"] for n in facts["multi-external"].networks if n["router:external"]]
    assert sorted(externals) == ["ext-net", "ext-unusable"]
    assert [r["external_gateway_info"]["network_id"] for r in facts["multi-external"].routers] == \
        [by_name(facts["multi-external"].networks, "ext-net")["id"]]
    assert facts["empty"].networks == [] and len(facts["empty"].flavors) == len(facts["empty"].images) == 1


# --- package boundaries ------------------------------------------------------------------------

ROOT = pathlib.Path(__file__).resolve().parents[2] / "normalizer"


def test_library_never_imports_testing_and_testing_imports_only_exceptions():
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        inside = "testing" in path.relative_to(ROOT).parts
        if not inside:
            # Only the CLI demo may import FakeCloud, lazily inside a function.
            assert not re.search(r"^(from|import) normalizer\.testing", text, re.M), path
            continue
        imported = set(re.findall(r"^\s*(?:from|import) (normalizer(?:\.\w+)*)", text, re.M))
        assert all(m == "normalizer.exceptions" or m.startswith("normalizer.testing") for m in imported), path


def test_testing_python_has_no_network_or_vendor_literals():
    forbidden = re.compile(r"[\"'][^\"'\n]*\b(ext-net|public|private|ovh|vexxhost|rackspace|citycloud)\b[^\"'\n]*[\"']")
    for path in (ROOT / "testing").rglob("*.py"):
        assert not forbidden.search(path.read_text(encoding="utf-8")), path
