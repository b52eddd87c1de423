"""FakeCloud through plain requests and keystoneauth1: identity, Nova, modes, inspection."""

from __future__ import annotations

import re
import sys
import threading

import pytest
import requests
from keystoneauth1 import adapter, loading, session

from normalizer.exceptions import ConfigError, NoMatch
from normalizer.testing import LAYOUTS, FakeCloud, RecordedRequest

BASE = "http://127.0.0.1:8799"


def ksa_session(fake: FakeCloud, **overrides) -> session.Session:
    options = dict(auth_url=fake.auth_url + "/v3", username=fake.username, password=fake.password,
                   project_name=fake.project_name, user_domain_name=fake.user_domain_name,
                   project_domain_name=fake.project_domain_name)
    options.update(overrides)
    return session.Session(auth=loading.get_plugin_loader("v3password").load_from_options(**options))


def api(fake: FakeCloud, service_type: str, microversion: str | None = None) -> adapter.Adapter:
    return adapter.Adapter(ksa_session(fake), service_type=service_type, region_name=fake.region_name,
                           default_microversion=microversion)


def token(fake: FakeCloud) -> str:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": fake.username, "domain": {"name": "Default"}, "password": fake.password}}},
        "scope": {"project": {"id": fake.project_id}}}}
    reply = requests.post(f"{fake.auth_url}/v3/auth/tokens", json=body)
    assert reply.status_code == 201
    return reply.headers["X-Subject-Token"]


@pytest.fixture
def fip():
    with FakeCloud("fip") as fake:
        yield fake


# --- identity ----------------------------------------------------------------------


def test_token_and_catalog_through_keystoneauth(fip):
    sess = ksa_session(fip)
    access = sess.auth.get_access(sess)
    assert access.project_id == fip.project_id and access.username == fip.username
    assert sorted(access.role_names) == ["member", "reader"]
    assert access.expires is not None
    types = {s["type"]: s for s in access.service_catalog.catalog}
    assert sorted(types) == ["compute", "identity", "image", "network"]
    interfaces = {(e["interface"], e["region_id"]) for e in types["compute"]["endpoints"]}
    assert interfaces == {("public", "RegionOne"), ("internal", "RegionOne")}
    assert sess.get_endpoint(service_type="compute", interface="public") == f"{BASE}/compute/v2.1"
    assert sess.get_endpoint(service_type="network", interface="public") == f"{BASE}/network"
    assert sess.get_endpoint(service_type="image", interface="internal") == f"{BASE}/image"


def test_generic_password_plugin_discovers_identity_version(fip):
    auth = loading.get_plugin_loader("password").load_from_options(
        auth_url=fip.auth_url, username=fip.username, password=fip.password, project_name=fip.project_name,
        user_domain_name="Default", project_domain_name="Default")
    assert session.Session(auth=auth).get_token()
    listing = fip.calls("GET", "/identity")[0]
    assert listing.path == "/identity"
    assert requests.get(fip.auth_url).status_code == 300
    assert requests.get(fip.auth_url + "/v3").json()["version"]["id"].startswith("v3")


def test_wrong_password_is_401_in_keystone_shape(fip):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": fip.username, "domain": {"id": "default"}, "password": "wrong"}}}}}
    reply = requests.post(f"{fip.auth_url}/v3/auth/tokens", json=body)
    assert reply.status_code == 401
    assert reply.json()["error"]["title"] == "Unauthorized" and reply.json()["error"]["code"] == 401


def test_token_and_application_credential_methods(fip):
    first = token(fip)
    rescoped = requests.post(f"{fip.auth_url}/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": first}},
        "scope": {"project": {"name": fip.project_name, "domain": {"id": "default"}}}}})
    assert rescoped.status_code == 201 and rescoped.json()["token"]["project"]["id"] == fip.project_id
    app = requests.post(f"{fip.auth_url}/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"], "application_credential": {
            "id": fip.application_credential_id, "secret": fip.application_credential_secret}}}})
    assert app.status_code == 201
    assert app.json()["token"]["application_credential"]["id"] == fip.application_credential_id
    assert app.json()["token"]["catalog"]


def test_requests_without_valid_token_are_401(fip):
    assert requests.get(f"{BASE}/compute/v2.1/servers").status_code == 401
    reply = requests.get(f"{BASE}/network/v2.0/networks", headers={"X-Auth-Token": "forged"})
    assert reply.status_code == 401 and reply.json()["error"]["code"] == 401
    assert requests.get(f"{BASE}/compute/v2.1").status_code == 200  # version documents are public
    assert fip.unexpected == []


def test_project_lookup(fip):
    headers = {"X-Auth-Token": token(fip)}
    project = requests.get(f"{fip.auth_url}/v3/projects/{fip.project_id}", headers=headers).json()["project"]
    assert project["name"] == fip.project_name and project["domain_id"] == "default"
    assert requests.get(f"{fip.auth_url}/v3/projects/other", headers=headers).status_code == 403


# --- nova ----------------------------------------------------------------------------


def test_compute_versions_and_microversion_negotiation(fip):
    doc = requests.get(f"{BASE}/compute/v2.1").json()["version"]
    assert (doc["version"], doc["min_version"]) == ("2.96", "2.1")
    nova = api(fip, "compute", "2.60")
    reply = nova.get("/servers")
    assert reply.headers["OpenStack-API-Version"] == "compute 2.60"
    assert reply.headers["X-OpenStack-Nova-API-Version"] == "2.60"
    too_new = requests.get(f"{BASE}/compute/v2.1/servers", headers={
        "X-Auth-Token": token(fip), "OpenStack-API-Version": "compute 2.97"})
    assert too_new.status_code == 406
    assert requests.get(f"{BASE}/compute/v2.1/servers", headers={
        "X-Auth-Token": token(fip), "X-OpenStack-Nova-API-Version": "2.5"}).headers["OpenStack-API-Version"] \
        == "compute 2.5"


def test_max_microversion_is_configurable():
    with FakeCloud("empty", max_microversion="2.79") as fake:
        assert requests.get(f"{BASE}/compute/v2.1").json()["version"]["version"] == "2.79"
        assert api(fake, "compute", "2.80").get("/servers", raise_exc=False).status_code == 406


def test_server_flavor_shape_depends_on_microversion(fip):
    old = api(fip, "compute", "2.46").get("/servers/detail").json()["servers"][0]["flavor"]
    new = api(fip, "compute", "2.47").get("/servers/detail").json()["servers"][0]["flavor"]
    assert set(old) == {"id", "links"}
    assert set(new) == {"original_name", "vcpus", "ram", "disk", "ephemeral", "swap", "extra_specs"}


def test_server_record_fields(fip):
    nova = api(fip, "compute", "2.96")
    server = next(s for s in nova.get("/servers/detail").json()["servers"] if s["name"] == "web1")
    for key in ("accessIPv4", "accessIPv6", "OS-EXT-AZ:availability_zone", "OS-EXT-STS:vm_state", "created",
                "updated", "hostId", "key_name", "metadata", "security_groups", "tenant_id", "user_id",
                "config_drive", "os-extended-volumes:volumes_attached", "links", "progress"):
        assert key in server
    assert server["image"]["id"] == next(i["id"] for i in fip.images if i["name"] == "ubuntu-24.04")
    assert server["key_name"] == "default-key" and server["tenant_id"] == fip.project_id
    fixed, floating = server["addresses"]["private"]
    assert (fixed["addr"], fixed["OS-EXT-IPS:type"]) == ("10.0.0.2", "fixed")
    assert (floating["addr"], floating["OS-EXT-IPS:type"]) == ("203.0.113.3", "floating")
    assert fixed["OS-EXT-IPS-MAC:mac_addr"] == floating["OS-EXT-IPS-MAC:mac_addr"]


def test_flavors_microversions_and_filters(fip):
    flavors = api(fip, "compute", "2.60").get("/flavors/detail").json()["flavors"]
    assert "extra_specs" not in flavors[0] and flavors[0]["swap"] == ""
    nova = api(fip, "compute", "2.61")
    dedicated = next(f for f in nova.get("/flavors/detail").json()["flavors"] if f["name"] == "c1.dedicated")
    assert dedicated["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert nova.get(f"/flavors/{dedicated['id']}/os-extra_specs").json() == {"extra_specs": dedicated["extra_specs"]}
    names = {f["name"] for f in nova.get("/flavors/detail?is_public=true").json()["flavors"]}
    assert "p1.gpu" not in names and "m1.tiny" in names
    everything = nova.get("/flavors/detail?is_public=None").json()["flavors"]
    assert "p1.gpu" in {f["name"] for f in everything}
    # as real Nova answers a member: disabled flavors are not listed, yet readable by id
    assert "m1.retired" not in {f["name"] for f in everything}
    assert nova.get("/flavors/7").json()["flavor"]["OS-FLV-DISABLED:disabled"] is True
    assert nova.get("/flavors/nope", raise_exc=False).json()["itemNotFound"]["code"] == 404


def test_keypairs(fip):
    nova = api(fip, "compute", "2.10")
    listed = nova.get("/os-keypairs").json()["keypairs"]
    assert listed[0]["keypair"]["name"] == "default-key" and "type" in listed[0]["keypair"]
    created = nova.post("/os-keypairs", json={"keypair": {"name": "gen"}})
    assert created.status_code == 201 and created.json()["keypair"]["private_key"].startswith("-----BEGIN")
    again = nova.post("/os-keypairs", json={"keypair": {"name": "gen"}}, raise_exc=False)
    assert again.status_code == 409 and "already exists" in again.json()["conflictingRequest"]["message"]
    assert nova.get("/os-keypairs/gen").json()["keypair"]["fingerprint"] == created.json()["keypair"]["fingerprint"]
    assert nova.delete("/os-keypairs/gen").status_code == 204
    assert nova.get("/os-keypairs/gen", raise_exc=False).status_code == 404


def create_body(fake: FakeCloud, **server) -> dict:
    image = next(i["id"] for i in fake.images if i["name"] == "cirros-0.6.2-x86_64-disk")
    return {"server": {"name": "new", "imageRef": image, "flavorRef": "1", **server}}


def test_create_server_builds_then_becomes_active(fip):
    nova = api(fip, "compute", "2.96")
    net = next(n["id"] for n in fip.networks if n["name"] == "private")
    reply = nova.post("/servers", json=create_body(fip, networks=[{"uuid": net}]))
    assert reply.status_code == 202 and reply.json()["server"]["adminPass"]
    server_id = reply.json()["server"]["id"]
    assert nova.get(f"/servers/{server_id}").json()["server"]["status"] == "BUILD"
    active = nova.get(f"/servers/{server_id}").json()["server"]
    assert active["status"] == "ACTIVE"
    assert active["addresses"]["private"][0]["addr"] == "10.0.0.4"
    port = next(p for p in fip.ports if p["device_id"] == server_id)
    assert port["fixed_ips"][0]["ip_address"] == "10.0.0.4"


def test_build_polls_is_configurable():
    with FakeCloud("empty", build_polls=3) as fake:
        nova = api(fake, "compute", "2.1")
        server_id = nova.post("/servers", json=create_body(fake)).json()["server"]["id"]
        statuses = [nova.get(f"/servers/{server_id}").json()["server"]["status"] for _ in range(4)]
        assert statuses == ["BUILD", "BUILD", "BUILD", "ACTIVE"]


def test_create_without_networks_when_several_are_visible_is_409(fip):
    fip.add_network("second", cidr="10.5.0.0/24")
    reply = api(fip, "compute", "2.36").post("/servers", json=create_body(fip), raise_exc=False)
    assert reply.status_code == 409
    assert reply.json() == {"conflictingRequest": {
        "code": 409, "message": "Multiple possible networks found, use a Network ID to be more specific."}}
    auto = api(fip, "compute", "2.37").post("/servers", json=create_body(fip, networks="auto"), raise_exc=False)
    assert auto.status_code == 409
    missing = api(fip, "compute", "2.37").post("/servers", json=create_body(fip), raise_exc=False)
    assert missing.status_code == 400  # networks is required from 2.37


def test_create_validates_references(fip):
    nova = api(fip, "compute", "2.96")
    assert nova.post("/servers", json=create_body(fip, networks="none", flavorRef="99"),
                     raise_exc=False).json()["badRequest"]["message"] == "Invalid flavorRef provided."
    assert nova.post("/servers", json=create_body(fip, networks="none", imageRef="nope"),
                     raise_exc=False).status_code == 400
    retired = next(f["id"] for f in fip.flavors if f["name"] == "m1.retired")
    assert nova.post("/servers", json=create_body(fip, networks="none", flavorRef=retired),
                     raise_exc=False).status_code == 400
    ext = next(n["id"] for n in fip.networks if n["name"] == "ext-net")
    assert nova.post("/servers", json=create_body(fip, networks=[{"uuid": ext}]), raise_exc=False).status_code == 403
    image = next(i["id"] for i in fip.images if i["name"] == "ubuntu-24.04")
    mapping = {"boot_index": 0, "uuid": image, "source_type": "image", "destination_type": "volume",
               "volume_size": 5, "delete_on_termination": True}
    assert nova.post("/servers", json={"server": {"name": "bad", "flavorRef": "2", "networks": "none",
                                                  "block_device_mapping_v2": [{"boot_index": 0, "uuid": "v"}]}},
                     raise_exc=False).status_code == 400
    volume = nova.post("/servers", json={"server": {"name": "bfv", "flavorRef": "2", "networks": "none",
                                                    "block_device_mapping_v2": [mapping]}})
    nova.get(f"/servers/{volume.json()['server']['id']}")  # the build takes one poll
    shown = nova.get(f"/servers/{volume.json()['server']['id']}").json()["server"]
    # fip has no block storage: the server has no image and its build fails, as Nova's would
    assert shown["image"] == "" and shown["status"] == "ERROR" and "Block Device Mapping" in shown["fault"]["message"]


def test_server_pagination_and_filters(fip):
    for index in range(3):
        fip.add_server(f"extra-{index}", image="cirros-0.6.2-x86_64-disk", networks=["private"])
    nova = api(fip, "compute", "2.96")
    first = nova.get("/servers/detail?limit=2").json()
    assert [s["name"] for s in first["servers"]] == ["extra-2", "extra-1"]
    next_url = first["servers_links"][0]["href"]
    assert next_url.startswith(f"{BASE}/compute/v2.1/servers/detail?")
    second = nova.get(next_url).json()
    assert [s["name"] for s in second["servers"]] == ["extra-0", "db1"]
    assert [s["name"] for s in nova.get("/servers/detail?name=^extra-[01]$").json()["servers"]] == \
        ["extra-1", "extra-0"]
    assert nova.get("/servers?status=BUILD").json()["servers"] == []
    assert nova.get("/servers/detail?marker=bogus", raise_exc=False).status_code == 400


def test_delete_server_removes_ports_and_detaches_floating_ips(fip):
    web1 = next(s for s in fip.servers if s["name"] == "web1")
    nova = api(fip, "compute", "2.96")
    assert nova.delete(f"/servers/{web1['id']}").status_code == 204
    reply = nova.get(f"/servers/{web1['id']}", raise_exc=False)
    assert reply.json()["itemNotFound"]["message"] == f"Instance {web1['id']} could not be found."
    assert not [p for p in fip.ports if p["device_id"] == web1["id"]]
    assert [(f["floating_ip_address"], f["port_id"], f["status"]) for f in fip.floating_ips] == \
        [("203.0.113.3", None, "DOWN")]


def test_nova_network_layout():
    with FakeCloud("nova-network") as fake:
        sess = ksa_session(fake)
        access = sess.auth.get_access(sess)
        assert "network" not in {s["type"] for s in access.service_catalog.catalog}
        nova = api(fake, "compute", "2.35")
        web1 = next(s for s in nova.get("/servers/detail").json()["servers"] if s["name"] == "web1")
        assert set(web1["addresses"]) == {"public", "private"}
        assert all(set(a) == {"addr", "version"} for a in web1["addresses"]["public"])
        assert web1["accessIPv4"] == web1["addresses"]["public"][0]["addr"]
        assert nova.get("/os-floating-ip-pools").json() == {"floating_ip_pools": [{"name": "nova"}]}
        allocated = nova.post("/os-floating-ips", json={"pool": "nova"}).json()["floating_ip"]
        assert allocated["instance_id"] is None and allocated["pool"] == "nova"
        action = {"addFloatingIp": {"address": allocated["ip"]}}
        assert nova.post(f"/servers/{web1['id']}/action", json=action).status_code == 202
        addresses = nova.get(f"/servers/{web1['id']}").json()["server"]["addresses"]
        assert allocated["ip"] in [a["addr"] for a in addresses["public"]]
        assert api(fake, "compute", "2.36").get("/os-floating-ips", raise_exc=False).status_code == 404
        assert fake.unexpected == []
        made_up = requests.get(f"{BASE}/network/v2.0/networks", headers={"X-Auth-Token": token(fake)})
        assert made_up.status_code == 404 and [r.path for r in fake.unexpected] == ["/network/v2.0/networks"]
        fake.reset_requests()


def test_proxy_apis_answer_404_on_neutron_layouts_like_real_nova(fip):
    reply = api(fip, "compute", "2.1").get("/os-floating-ips", raise_exc=False)
    assert reply.status_code == 404 and "itemNotFound" in reply.json()
    # Asking is legitimate (a library probing for nova-network), so it is not "unexpected".
    assert fip.unexpected == []


# --- modes, inspection, faults --------------------------------------------------------


def test_unexpected_calls_are_recorded_and_fail_the_block():
    fake = FakeCloud("empty")
    with pytest.raises(AssertionError, match=r"GET /compute/v2.1/os-hypervisors"):
        with fake:
            reply = requests.get(f"{BASE}/compute/v2.1/os-hypervisors", headers={"X-Auth-Token": token(fake)})
            assert reply.status_code == 404 and reply.json()["itemNotFound"]["code"] == 404
    assert [r.path for r in fake.unexpected] == ["/compute/v2.1/os-hypervisors"]
    with pytest.raises(AssertionError):
        fake.assert_no_unexpected()


def test_exit_does_not_mask_a_failing_test():
    with pytest.raises(KeyError):
        with FakeCloud("empty") as fake:
            requests.get(f"{BASE}/nowhere")
            raise KeyError("the test's own failure")
    assert len(fake.unexpected) == 1


def test_inject_status_and_times(fip):
    fip.inject("GET", r"^/compute/v2\.1/servers/detail$", status=503, json={"computeFault": {"code": 503}},
               headers={"Retry-After": "1"}, times=2)
    nova = api(fip, "compute", "2.96")
    first = nova.get("/servers/detail", raise_exc=False)
    assert (first.status_code, first.headers["Retry-After"]) == (503, "1")
    assert nova.get("/servers/detail", raise_exc=False).status_code == 503
    assert nova.get("/servers/detail").status_code == 200
    assert len(fip.calls("GET", "/compute/v2.1/servers/detail")) == 3


def test_inject_exception(fip):
    fip.inject("*", r"^/network/", status=0, exception=requests.exceptions.ConnectionError)
    with pytest.raises(requests.exceptions.ConnectionError, match="FakeCloud injected"):
        requests.get(f"{BASE}/network/v2.0/networks", headers={"X-Auth-Token": token(fip)})
    assert requests.get(f"{BASE}/network/v2.0/networks", headers={"X-Auth-Token": token(fip)}).status_code == 200


def test_recorded_requests_keep_tokens_out_of_repr(fip):
    secret = token(fip)
    requests.get(f"{BASE}/image/v2/images?limit=1", headers={"X-Auth-Token": secret})
    record = fip.calls("GET", "/image")[-1]
    assert isinstance(record, RecordedRequest)
    assert record.query == {"limit": ["1"]} and record.headers["X-Auth-Token"] == secret
    assert secret not in repr(record) and fip.password not in repr(fip.calls("POST")[0])
    assert fip.calls("post", "/identity/v3/auth")[0].json["auth"]["identity"]["methods"] == ["password"]


def test_install_on_the_requests_mock_fixture(requests_mock):
    fake = FakeCloud("direct").install(requests_mock)
    requests_mock.get("https://elsewhere.test/x", text="other mock")
    nets = requests.get(f"{BASE}/network/v2.0/networks", headers={"X-Auth-Token": token(fake)}).json()["networks"]
    assert [n["name"] for n in nets] == ["public"]
    assert requests.get("https://elsewhere.test/x").text == "other mock"


def test_serve_over_http_on_loopback():
    fake = FakeCloud("fip")
    with fake.serve() as base:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base) and base != BASE
        assert fake.auth_url == f"{base}/identity"
        sess = ksa_session(fake)
        assert sess.get_endpoint(service_type="compute", interface="public") == f"{base}/compute/v2.1"
        servers = adapter.Adapter(sess, service_type="compute").get("/servers/detail").json()["servers"]
        assert {s["name"] for s in servers} == {"web1", "db1"}
        fake.inject("GET", r"^/image/", status=0, exception=ConnectionError)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{base}/image/v2/images", headers={"X-Auth-Token": sess.get_token()}, timeout=5)
    assert fake.auth_url == f"{BASE}/identity"


def test_serve_works_without_requests_mock(monkeypatch):
    monkeypatch.setitem(sys.modules, "requests_mock", None)
    with FakeCloud("empty").serve() as base:
        assert requests.get(f"{base}/image", timeout=5).status_code == 300


def test_twenty_threads_create_distinct_servers():
    fake = FakeCloud("fip")
    with fake.serve() as base:
        auth = token(fake)
        net = next(n["id"] for n in fake.networks if n["name"] == "private")
        body = create_body(fake, networks=[{"uuid": net}])
        ids: list[str] = []

        def boot() -> None:
            reply = requests.post(f"{base}/compute/v2.1/servers", json=body, headers={"X-Auth-Token": auth},
                                  timeout=10)
            ids.append(reply.json()["server"]["id"])
        threads = [threading.Thread(target=boot) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(set(ids)) == 20
    addresses = {p["fixed_ips"][0]["ip_address"] for p in fake.ports if p["device_id"] in ids}
    macs = {p["mac_address"] for p in fake.ports if p["device_id"] in ids}
    assert len(addresses) == 20 and len(macs) == 20


# --- facade ----------------------------------------------------------------------------


def test_ids_are_deterministic_per_seed():
    assert [s["id"] for s in FakeCloud("fip").servers] == [s["id"] for s in FakeCloud("fip").servers]
    assert FakeCloud("fip", seed=1).project_id != FakeCloud("fip").project_id


def test_connect_kwargs_and_clouds_yaml():
    fake = FakeCloud("split-stack", region_name="RegionTwo")
    kwargs = fake.connect_kwargs()
    assert kwargs["auth_url"] == f"{BASE}/identity" and kwargs["region_name"] == "RegionTwo"
    assert kwargs["profile"] == fake.profile == "generic"
    assert {"name": "ext-net", "nat_source": True} in kwargs["networks"]
    entry = fake.clouds_yaml("mine")["clouds"]["mine"]
    assert entry["auth"]["username"] == fake.username and entry["region_name"] == "RegionTwo"
    assert entry["networks"] == kwargs["networks"] and "networks" not in entry["auth"]
    assert "networks" not in FakeCloud("fip").connect_kwargs()


def test_custom_base_url_in_mock_mode():
    with FakeCloud("empty", base_url="https://cloud.test:5000/os") as fake:
        assert fake.auth_url == "https://cloud.test:5000/os/identity"
        assert requests.get(fake.auth_url).status_code == 300
        assert fake.calls()[0].path == "/identity"


def test_unknown_layout_and_bad_builder_arguments():
    with pytest.raises(NoMatch, match="no layout 'nope'"):
        FakeCloud("nope")
    fake = FakeCloud("empty")
    with pytest.raises(ConfigError, match="could not be found"):
        fake.add_server("x", networks=["missing"])
    assert set(LAYOUTS) >= {"fip", "direct", "nova-network", "neutron-404", "private-is-public",
                            "split-stack", "multi-external", "ipv6-only", "empty"}


def test_builders_accept_names_and_servers():
    fake = FakeCloud("fip")
    ext = fake.networks[1]["id"]
    spare = fake.add_server("spare", image="debian-12", networks=["private"], status="ERROR", access_ipv4="auto")
    assert (spare["status"], spare["accessIPv4"], spare["flavor"]["original_name"]) == ("ERROR", "10.0.0.4", "m1.tiny")
    attached = fake.add_floating_ip(ext, port="spare", description="by name")
    assert (attached["fixed_ip_address"], attached["description"]) == ("10.0.0.4", "by name")
    volume = fake.add_server("vol", networks=["private"])
    assert volume["image"] == "" and volume["os-extended-volumes:volumes_attached"][0]["delete_on_termination"]
    with pytest.raises(ConfigError, match="Multiple possible networks"):
        fake.add_network("second", cidr="10.6.0.0/24")
        fake.add_server("ambiguous", image="debian-12")


def test_layout_files_are_validated(monkeypatch):
    from normalizer.testing import layouts

    monkeypatch.setattr(layouts, "_read", lambda name: {"description": "x", "netwrks": []})
    with pytest.raises(ConfigError, match="unknown keys 'netwrks'"):
        layouts.load("anything")


def test_features_switch_a_layout_for_one_instance_and_keep_the_rest():
    fake = FakeCloud("port-forward", features={"block_storage": True})
    assert fake.features["block_storage"] and fake.features["port_forwarding"]  # the layout's own stays
    assert not FakeCloud("port-forward").features["block_storage"]
    with pytest.raises(ConfigError, match="unknown feature 'nope'"):
        FakeCloud("fip", features={"nope": True})
