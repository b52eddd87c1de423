"""normalizer's read path against real OpenStack services (tools/openstack-on-loopback).

Each layout is a project that sees only its own networks (docs/integration.md); the
expected values are those of DESIGN.md and docs/decisions.md, not whatever the code
does today. One test boots a server with raw REST to check the stack itself (ACTIVE,
floating IP in Nova's ``addresses``) and then reads it through normalizer.
"""

from __future__ import annotations

import time

import pytest
from keystoneauth1 import adapter as ks_adapter

import normalizer

pytestmark = pytest.mark.integration

BOOT_TIMEOUT = 60.0
FLAVOR_T3_SMALL = "m1.medium"   # 2 vCPUs 4 GiB: p1.small (private) and m2.small (disabled) fit better
IMAGE = "cirros-0.6.2-x86_64-disk"


@pytest.fixture
def connect(loopback_clouds_yaml):
    """``connect("fip")`` -> the normalizer Cloud of the ``loopback-fip`` member user."""
    def make(layout: str) -> normalizer.Cloud:
        return normalizer.connect(f"loopback-{layout}", profile="generic")
    return make


def _name(network) -> str | None:
    return network.name if network is not None else None


# --- network roles, one layout at a time -------------------------------------------------

@pytest.mark.parametrize("layout, public, private, external", [
    ("fip", None, "private", "ext-net"),
    ("direct", "public", None, None),
    ("split-stack", "tenant-net", "tenant-net", "ext-net"),
    ("private-is-public", "private", None, None),
])
def test_network_roles_of_each_layout(connect, layout, public, private, external):
    cloud = connect(layout)
    assert (_name(cloud.get_public_network()), _name(cloud.get_private_network()),
            _name(cloud.get_external_network())) == (public, private, external)


@pytest.mark.parametrize("layout, names", [
    ("fip", {"private", "ext-net", "ext-net-2"}),
    ("direct", {"public"}),
    ("split-stack", {"tenant-net", "ext-net"}),
    ("private-is-public", {"private"}),
])
def test_each_layout_sees_only_its_own_networks(connect, layout, names):
    assert {n.name for n in connect(layout).list_networks()} == names


def test_fip_layout_skips_the_external_network_no_router_reaches(connect):
    cloud = connect("fip")
    networks = {n.name: n for n in cloud.list_networks()}
    assert networks["ext-net-2"].is_external and not networks["ext-net-2"].nat_source
    assert networks["ext-net"].nat_source and networks["private"].nat_destination
    decision = cloud.explain("external_network")
    assert decision["value"] == networks["ext-net"].id
    verdicts = {c["candidate"]: c["verdict"] for c in decision["considered"]}
    assert any("ext-net-2" in candidate and "no router" in verdict for candidate, verdict in verdicts.items())


def test_routers_of_other_projects_do_not_make_a_pool_usable(connect):
    # The admin sees every project's routers, but none of them is its own (DESIGN.md 5:
    # "no router of the project reaches it"). No router of its project reaches any of the
    # three external networks, so all three remain candidates.
    cloud = connect("admin")
    with pytest.raises(normalizer.AmbiguousMatch):
        cloud.get_external_network()
    decision = cloud.explain("external_network")
    assert "ext-net-2" in decision["reason"], decision
    assert not any("a router of this project" in c["verdict"] for c in decision["considered"]), decision


def test_direct_layout_public_network_is_marked_by_clouds_yaml(connect):
    public = connect("direct").get_public_network()
    assert (public.is_shared, public.is_external, public.routes_externally) == (True, False, True)
    assert public.ip_versions == [4, 6]


def test_split_stack_routes_only_ipv6_externally(connect):
    tenant = connect("split-stack").get_network("tenant-net")
    assert tenant.is_public and tenant.routes_externally and tenant.nat_destination
    assert "3ffe:3::/64" in tenant.reason and "10.3.0.0/24" in tenant.reason


def test_network_called_private_with_a_global_subnet_is_public(connect):
    network = connect("private-is-public").get_network("private")
    assert (network.is_public, network.is_shared, network.cidrs) == (True, True, ["5.9.0.0/24"])


# --- flavors ---------------------------------------------------------------------------

def test_member_sees_private_flavor_with_access_and_never_a_disabled_one(connect):
    fip = {f.name: f for f in connect("fip").list_flavors()}
    direct = {f.name for f in connect("direct").list_flavors()}
    assert fip["p1.small"].is_public is False
    assert "m2.small" not in fip            # Nova lists disabled flavors to admins only
    assert "p1.small" not in direct         # flavor access is per project
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"} <= direct


def test_admin_sees_the_disabled_flavor_as_disabled(connect):
    flavors = {f.name: f for f in connect("admin").list_flavors()}
    assert flavors["m2.small"].is_disabled is True
    assert (flavors["m1.tiny"].vcpus, flavors["m1.tiny"].ram, flavors["m1.tiny"].disk) == (1, 512, 1)


@pytest.mark.parametrize("layout", ["fip", "direct", "admin"])
def test_pick_flavor_skips_private_and_disabled_flavors(connect, layout):
    cloud = connect(layout)
    assert cloud.pick_flavor("t3.small").name == FLAVOR_T3_SMALL
    reason = cloud.explain(flavor="t3.small")["reason"]
    assert FLAVOR_T3_SMALL in reason and "2048 MiB" in reason


def test_pick_flavor_takes_the_private_flavor_when_asked(connect):
    assert connect("fip").pick_flavor("t3.small", include_private=True).name == "p1.small"


# --- images and login users ------------------------------------------------------------

def test_images_identity_and_login_user(connect):
    cloud = connect("split-stack")
    images = {i.name: i for i in cloud.list_images()}
    found = {name: (i.distro, i.version, cloud.login_user(i)) for name, i in images.items()}
    assert found == {
        "Ubuntu 22.04 LTS (Jammy Jellyfish)": ("ubuntu", "22.04", "ubuntu"),
        "Ubuntu 20.04 LTS (Focal Fossa)": ("ubuntu", "20.04", "ubuntu"),
        "Debian 12 (bookworm)": ("debian", "12", "debian"),
        "CentOS Stream 9": ("centos", "9", "centos"),
        "cirros-0.6.2-x86_64-disk": ("cirros", "0.6.2", "cirros"),
        "my-custom-image": (None, None, None),
    }
    assert all(i.status == "active" and i.is_public and i.disk_format == "raw" for i in images.values())


def test_pick_image_by_alias_and_explain(connect):
    cloud = connect("fip")
    picked = cloud.pick_image("ubuntu-22.04")
    assert picked.name == "Ubuntu 22.04 LTS (Jammy Jellyfish)"
    decision = cloud.explain(image="ubuntu-22.04")
    assert decision["value"] == picked.id
    assert any("Focal" in c["candidate"] and "20.04" in c["verdict"] for c in decision["considered"])
    assert cloud.explain(cloud.get_image("my-custom-image"))["value"] is None


# --- one real boot, read through normalizer --------------------------------------------

def _adapters(sess):
    return (ks_adapter.Adapter(sess, service_type="compute", interface="public", default_microversion="2.79"),
            ks_adapter.Adapter(sess, service_type="network", interface="public"),
            ks_adapter.Adapter(sess, service_type="image", interface="public"))


def _wait(what: str, timeout: float, probe):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"{what} not reached within {timeout:.0f} s", pytrace=False)
        time.sleep(0.5)


def _server(nova, server_id: str) -> dict:
    return nova.get(f"/servers/{server_id}").json()["server"]


def _typed(nova, server_id: str, kind: str) -> list[str]:
    addresses = _server(nova, server_id)["addresses"]
    return [a["addr"] for entries in addresses.values() for a in entries if a.get("OS-EXT-IPS:type") == kind]


def _boot(nova, neutron, glance, name: str) -> tuple[dict, dict]:
    image = glance.get("/v2/images", params={"name": IMAGE}).json()["images"][0]
    flavor = next(f for f in nova.get("/flavors").json()["flavors"] if f["name"] == "m1.tiny")
    network = neutron.get("/v2.0/networks", params={"name": "private"}).json()["networks"][0]
    body = {"server": {"name": name, "imageRef": image["id"], "flavorRef": flavor["id"],
                       "networks": [{"uuid": network["id"]}]}}
    return nova.post("/servers", json=body).json()["server"], image


def _cleanup(nova, neutron, server_id: str, fip_id: str | None) -> None:
    nova.delete(f"/servers/{server_id}", raise_exc=False)
    _wait("server deleted (404)", BOOT_TIMEOUT,
          lambda: nova.get(f"/servers/{server_id}", raise_exc=False).status_code == 404)
    if fip_id:
        neutron.delete(f"/v2.0/floatingips/{fip_id}", raise_exc=False)
        assert neutron.get(f"/v2.0/floatingips/{fip_id}", raise_exc=False).status_code == 404


@pytest.fixture(scope="module")
def fip_server(loopback_session, snapshot):
    """One server booted with raw REST on the fip layout, with a floating IP on its port.

    Deleted afterwards; the teardown fails if it, its port or its floating IP is left.
    """
    before = snapshot.take()
    nova, neutron, glance = _adapters(loopback_session("loopback-fip"))
    name = f"it-stack-{int(time.time())}"
    started = time.monotonic()
    created, image = _boot(nova, neutron, glance, name)
    fip_id = None
    try:
        active = _wait("server ACTIVE or ERROR", BOOT_TIMEOUT,
                       lambda: _server(nova, created["id"])["status"] in ("ACTIVE", "ERROR")
                       and _server(nova, created["id"]))
        boot_seconds = time.monotonic() - started
        port = neutron.get("/v2.0/ports", params={"device_id": created["id"]}).json()["ports"][0]
        ext = neutron.get("/v2.0/networks", params={"name": "ext-net"}).json()["networks"][0]
        fip = neutron.post("/v2.0/floatingips", json={"floatingip": {
            "floating_network_id": ext["id"], "port_id": port["id"]}}).json()["floatingip"]
        fip_id = fip["id"]
        _wait("floating IP listed in Nova's addresses", 30, lambda: _typed(nova, created["id"], "floating"))
        yield {"id": created["id"], "name": name, "status": active["status"], "boot_seconds": boot_seconds,
               "fault": active.get("fault"), "image": image, "address": fip["floating_ip_address"],
               "fixed": _typed(nova, created["id"], "fixed"), "floating": _typed(nova, created["id"], "floating")}
    finally:
        _cleanup(nova, neutron, created["id"], fip_id)
    leaked = snapshot.leaked_since(before)
    assert not leaked, f"the boot test left these behind: {leaked}"


def test_boot_is_active_within_a_minute_and_nova_lists_the_floating_ip(fip_server):
    assert fip_server["status"] == "ACTIVE", fip_server["fault"]
    assert fip_server["boot_seconds"] < BOOT_TIMEOUT
    assert fip_server["floating"] == [fip_server["address"]]
    assert len(fip_server["fixed"]) == 1 and fip_server["fixed"][0].startswith("10.1.0.")


def test_normalized_server_addresses_on_the_fip_layout(connect, fip_server):
    server = connect("fip").get_server(fip_server["name"])
    address, fixed = fip_server["address"], fip_server["fixed"][0]
    assert (server.interface_ip, server.public_v4, server.private_v4) == (address, address, fixed)
    assert (server.public_v6, server.private_v6, server.floating_ips) == (None, None, [address])
    assert {(a.addr, a.type, a.network, a.is_public) for a in server.addresses} == {
        (fixed, "fixed", "private", False), (address, "floating", "private", True)}
    assert connect("fip").explain(server, "interface_ip")["value"] == address


def test_normalized_server_state_flavor_and_login_user(connect, fip_server):
    server = connect("fip").get_server(fip_server["id"])
    assert (server.status, server.state, server.login_user) == ("ACTIVE", "running", "cirros")
    assert (server.flavor.name, server.flavor.vcpus, server.flavor.ram, server.flavor.disk) == ("m1.tiny", 1, 512, 1)
    assert server.location.project.name == "loopback-fip"


def test_normalized_server_names_its_boot_image(connect, fip_server):
    # DESIGN.md: server.image is {id, name, distro, version} of the boot image. The image is
    # visible to the project (login_user resolves it), so its name is known.
    image = connect("fip").get_server(fip_server["id"]).image
    assert (image.id, image.name) == (fip_server["image"]["id"], IMAGE)


def test_list_servers_holds_the_server_once(connect, fip_server):
    listed = [s for s in connect("fip").list_servers() if s.name == fip_server["name"]]
    assert [s.id for s in listed] == [fip_server["id"]]
    assert listed[0].interface_ip == fip_server["address"]
