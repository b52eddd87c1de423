"""The read path through the public API, on FakeCloud over requests-mock.

Asserts the contract's field names, location/properties, JSON and pickle safety, the
exact requests each read costs, caching, and nova-network style clouds.
"""

import json
import keyword
import pickle

import pytest
import yaml
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3
from munch import Munch

import normalizer
from normalizer.testing import LAYOUTS, FakeCloud

CONTRACT = {
    "server": {"id", "name", "status", "state", "public_v4", "public_v6", "private_v4", "private_v6",
               "interface_ip", "login_user", "image", "flavor", "key_name", "addresses", "security_groups",
               "metadata", "created_at", "updated_at", "zone", "has_config_drive", "floating_ips", "ssh_port"},
    "network": {"id", "name", "status", "is_shared", "is_external", "is_public", "is_default", "nat_source",
                "nat_destination", "routes_externally", "ip_versions", "cidrs", "subnet_ids", "reason"},
    "flavor": {"id", "name", "vcpus", "ram", "disk", "ephemeral", "swap", "is_public", "is_disabled", "extra_specs"},
    "image": {"id", "name", "status", "distro", "version", "arch", "login_user", "min_ram", "min_disk",
              "visibility", "is_public", "is_hidden", "disk_format", "size", "created_at", "tags"},
    "floating_ip": {"id", "floating_ip_address", "fixed_ip_address", "network", "port", "router", "attached",
                    "status", "created_by_normalizer"},
    "keypair": {"name", "fingerprint", "public_key", "type"},
}
READS = {"server": "list_servers", "network": "list_networks", "flavor": "list_flavors", "image": "list_images",
         "floating_ip": "list_floating_ips", "keypair": "list_keypairs"}


TOPOLOGY = [("GET", "/network/v2.0/networks"), ("GET", "/network/v2.0/subnets"),
            ("GET", "/network/v2.0/routers"), ("GET", "/network/v2.0/ports")]


def api_calls(fake):
    """Requests other than authentication and version discovery."""
    return [(r.method, r.path) for r in fake.requests
            if not r.path.startswith("/identity") and r.path != "/compute/v2.1"]


@pytest.fixture
def fip():
    with FakeCloud("fip") as fake:
        yield fake


@pytest.mark.parametrize("layout", [name for name in LAYOUTS if name != "empty"])
def test_every_read_returns_contract_munches_that_survive_json_and_pickle(layout):
    with FakeCloud(layout) as fake:
        cloud = normalizer.connect(**fake.connect_kwargs())
        for kind, method in READS.items():
            items = getattr(cloud, method)()
            assert isinstance(items, list)
            for item in items:
                assert isinstance(item, Munch) and type(pickle.loads(pickle.dumps(item))) is type(item)
                assert set(item) == CONTRACT[kind] | {"location", "properties"}, (kind, set(item) ^ CONTRACT[kind])
                assert item.location.cloud == cloud.name and item.location.region_name == "RegionOne"
                assert all(k.isidentifier() and not keyword.iskeyword(k) and not hasattr(dict, k) for k in item)
                assert json.loads(json.dumps(item)) == item
                assert pickle.loads(pickle.dumps(item)) == item
        assert cloud.list_servers(), f"layout {layout} should have servers"


def test_fip_layout_addresses_and_location(fip):
    cloud = normalizer.connect(**fip.connect_kwargs())
    servers = {s.name: s for s in cloud.list_servers()}
    web, db = servers["web1"], servers["db1"]
    assert web.public_v4 and web.public_v4.startswith("203.0.113.") and web.private_v4.startswith("10.0.0.")
    assert web.interface_ip == web.public_v4 and web.floating_ips == [web.public_v4]
    assert {a.type for a in web.addresses} == {"fixed", "floating"}
    assert db.public_v4 is None and db.private_v4.startswith("10.0.0.") and db.interface_ip is None
    assert web.state == "running" and web.flavor.name == "m1.small" and web.key_name == "default-key"
    assert web.location.project.id == fip.project_id and web.location.project.name == fip.project_name
    fips = cloud.list_floating_ips()
    assert [f.floating_ip_address for f in fips] == [web.public_v4] and fips[0].attached


def test_list_servers_costs_one_call_whatever_the_count(fip):
    for index in range(40):
        fip.add_server(f"extra{index}", image="debian-12", flavor="m1.small", networks=["private"],
                       floating_ip=index % 2 == 0)
    cloud = normalizer.connect(**fip.connect_kwargs())
    fip.reset_requests()
    servers = cloud.list_servers()
    assert len(servers) == 42
    # the listing, one image listing (login users), networks and subnets (network roles)
    # and one floating-IP listing (addresses Nova does not label): nothing per server.
    # Every server sits on one network, so no router is needed to order networks.
    assert api_calls(fip) == [("GET", "/compute/v2.1/servers/detail"), ("GET", "/image/v2/images")] \
        + TOPOLOGY[:2] + [("GET", "/network/v2.0/floatingips")]
    assert sum(1 for s in servers if s.public_v4) == 21
    assert len(fip.requests) == 8  # + identity discovery, token and compute version document


def test_a_server_on_two_networks_makes_the_listing_read_routers(fip):
    fip.add_network("apps", cidr="10.9.0.0/24")  # before "private" by name
    fip.add_server("twice", image="debian-12", flavor="m1.small", networks=["apps", "private"])
    cloud = normalizer.connect(**fip.connect_kwargs())
    fip.reset_requests()
    twice = next(s for s in cloud.list_servers() if s.name == "twice")
    assert api_calls(fip) == [("GET", "/compute/v2.1/servers/detail"), ("GET", "/image/v2/images")] + TOPOLOGY \
        + [("GET", "/network/v2.0/floatingips")]
    ports = next(r for r in fip.requests if r.path == "/network/v2.0/ports")
    assert set(ports.query["device_owner"]) >= {"network:router_interface"}
    assert twice.private_v4.startswith("10.0.0.")  # the router's (NAT destination) network comes first


def test_skipping_routers_changes_no_server(fip, monkeypatch):
    def listed():
        return json.dumps(normalizer.connect(**fip.connect_kwargs()).list_servers(), sort_keys=True)

    skipped = listed()
    monkeypatch.setattr(normalizer.facts, "single_homed", lambda servers: False)
    fip.reset_requests()
    assert listed() == skipped
    assert any(r.path == "/network/v2.0/routers" for r in fip.requests)


def test_get_server_by_id_is_one_get_and_by_name_one_filtered_list(fip):
    cloud = normalizer.connect(**fip.connect_kwargs())
    web_id = next(s["id"] for s in fip.servers if s["name"] == "web1")
    fip.reset_requests()
    assert cloud.get_server(web_id).name == "web1"
    assert api_calls(fip) == [("GET", f"/compute/v2.1/servers/{web_id}"), ("GET", "/image/v2/images")] \
        + TOPOLOGY[:2] + [("GET", "/network/v2.0/floatingips")]
    assert len(fip.requests) == 8  # openstacksdk's get_server(id) makes 8 too (benchmarks/README.md)
    fip.reset_requests()
    assert cloud.get_server("web1").id == web_id
    calls = [r for r in fip.requests if r.path == "/compute/v2.1/servers/detail"]
    assert len(calls) == 1 and calls[0].query.get("name") == ["^web1$"]
    assert not [r for r in fip.requests if r.path == "/compute/v2.1/servers/web1"]  # no 404 probe by name
    assert cloud.get_server("no-such-server") is None


def test_get_by_name_or_id_and_ambiguity(fip):
    fip.add_image("twin", os_distro="ubuntu")
    fip.add_image("twin", os_distro="ubuntu")
    cloud = normalizer.connect(**fip.connect_kwargs())
    with pytest.raises(normalizer.AmbiguousMatch, match="2 images are named 'twin'") as info:
        cloud.get_image("twin")
    assert len(info.value.candidates) == 2
    assert cloud.get_image(info.value.candidates[0]).id == info.value.candidates[0]
    assert cloud.get_flavor("m1.small").ram > 0 and cloud.get_flavor("nope") is None
    assert cloud.get_network("private").cidrs == ["10.0.0.0/24"]


def test_repeated_list_flavors_within_expiration_makes_no_request(fip):
    cloud = normalizer.connect(**fip.connect_kwargs(), cache={"class": "dogpile.cache.memory", "expiration_time": 60})
    first = cloud.list_flavors()
    fip.reset_requests()
    assert cloud.list_flavors() == first
    assert fip.requests == []


def test_default_is_no_cache(fip):
    cloud = normalizer.connect(**fip.connect_kwargs())
    cloud.list_flavors()
    fip.reset_requests()
    cloud.list_flavors()
    assert api_calls(fip) == [("GET", "/compute/v2.1/flavors/detail")]


def test_extra_specs_come_with_the_listing_from_microversion_2_61(fip):
    fip.add_flavor("gpu.large", 8, 32768, 80, extra_specs={"resources:VGPU": "1"})
    cloud = normalizer.connect(**fip.connect_kwargs(), profile_overrides={"transport": {"microversions": {"compute": "2.61"}}})
    flavors = {f.name: f for f in cloud.list_flavors(get_extra_specs=True)}
    assert flavors["gpu.large"].extra_specs == {"resources:VGPU": "1"}
    assert not [c for c in api_calls(fip) if "os-extra_specs" in c[1]]


def test_extra_specs_fetched_per_flavor_only_when_asked_before_2_61(fip):
    fip.add_flavor("gpu.large", 8, 32768, 80, extra_specs={"resources:VGPU": "1"})
    cloud = normalizer.connect(**fip.connect_kwargs(), profile_overrides={"transport": {"microversions": {"compute": "2.53"}}})
    assert all(f.extra_specs == {} for f in cloud.list_flavors())
    assert not [c for c in api_calls(fip) if "os-extra_specs" in c[1]]
    flavors = {f.name: f for f in cloud.list_flavors(get_extra_specs=True)}
    assert flavors["gpu.large"].extra_specs == {"resources:VGPU": "1"}


@pytest.mark.parametrize("layout", ["nova-network", "neutron-404"])
def test_clouds_without_usable_neutron_use_nova_address_data(layout):
    with FakeCloud(layout) as fake:
        cloud = normalizer.connect(**fake.connect_kwargs())
        networks = cloud.list_networks()
        labels = {label for s in fake.servers for label in s["addresses"]}
        assert {n.name for n in networks} == labels
        servers = cloud.list_servers()
        assert all(s.public_v4 and s.private_v4 and s.public_v4 != s.private_v4 for s in servers)
        cloud.list_networks()
        cloud.list_floating_ips()
        neutron_calls = [c for c in api_calls(fake) if c[1].startswith("/network")]
        # learned from the first answer: never asked again, and never asked at all without a catalog entry
        assert len(neutron_calls) == (1 if layout == "neutron-404" else 0)


def test_nova_network_floating_ips_use_the_proxy_api_at_2_35():
    with FakeCloud("nova-network") as fake:
        cloud = normalizer.connect(**fake.connect_kwargs())
        fips = cloud.list_floating_ips()
        call = next(r for r in fake.requests if r.path == "/compute/v2.1/os-floating-ips")
        assert call.headers.get("OpenStack-API-Version") == "compute 2.35"
        assert len(fips) == len([f for f in fake.floating_ips])


def test_connect_with_a_ready_keystoneauth_session(fip):
    auth = v3.Password(auth_url=fip.auth_url + "/v3", username=fip.username, password=fip.password,
                       project_name=fip.project_name, user_domain_name=fip.user_domain_name,
                       project_domain_name=fip.project_domain_name)
    cloud = normalizer.connect(session=ksa_session.Session(auth=auth), profile="generic", region_name="RegionOne")
    assert {s.name for s in cloud.list_servers()} == {"web1", "db1"}


def test_clouds_yaml_entry_and_regions_expand_in_connect_all(fip, tmp_path, monkeypatch):
    document = fip.clouds_yaml("fake")
    entry = document["clouds"]["fake"]
    entry.pop("region_name", None)
    entry["regions"] = ["RegionOne", "RegionTwo"]
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump(document))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    cloud = normalizer.connect("fake")
    assert cloud.region_name == "RegionOne" and cloud.list_flavors()
    clouds = normalizer.connect_all()
    assert [(c.name, c.region_name) for c in clouds] == [("fake", "RegionOne"), ("fake", "RegionTwo")]


def test_connect_does_no_io_until_the_first_call(fip):
    cloud = normalizer.connect(**fip.connect_kwargs())
    assert fip.requests == []
    assert repr(cloud) == "<Cloud 'defaults' region='RegionOne' profile='generic'>"


@pytest.mark.parametrize("layout", ["nova-network", "neutron-404"])
def test_servers_are_listed_once_even_when_networks_come_from_their_addresses(layout):
    with FakeCloud(layout) as fake:
        cloud = normalizer.connect(**fake.connect_kwargs())
        cloud.list_servers()
        assert len([r for r in fake.requests if r.path == "/compute/v2.1/servers/detail"]) == 1
