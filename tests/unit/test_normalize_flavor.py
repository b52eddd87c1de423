"""normalize_flavor on Nova API-reference samples."""

from __future__ import annotations

from munch import Munch

from normalizer.normalize import Context, normalize_flavor

CTX = Context(cloud="mycloud", region_name="RegionOne", project_id="p1")

# nova doc/api_samples/flavors/v2.75/flavor-get-resp.json, unwrapped.
FLAVOR_V275 = {
    "OS-FLV-DISABLED:disabled": False, "disk": 20, "OS-FLV-EXT-DATA:ephemeral": 0,
    "os-flavor-access:is_public": True, "id": "7",
    "links": [{"href": "http://openstack.example.com/v2/flavors/7", "rel": "self"}],
    "name": "m1.small.description", "ram": 2048, "swap": 0, "vcpus": 1, "rxtx_factor": 1.0,
    "description": "test description", "extra_specs": {"key1": "value1", "key2": "value2"},
}


def test_api_sample():
    f = normalize_flavor(FLAVOR_V275, CTX)
    assert (f.id, f.name, f.vcpus, f.ram, f.disk, f.ephemeral, f.swap) == (
        "7", "m1.small.description", 1, 2048, 20, 0, 0)
    assert (f.is_public, f.is_disabled) == (True, False)
    assert f.extra_specs == {"key1": "value1", "key2": "value2"} and isinstance(f.extra_specs, Munch)
    assert set(f.properties) == {"links", "rxtx_factor", "description"}
    assert f.location.project.id == "p1"


def test_old_microversion_defaults():
    # Before 2.61 there are no extra_specs; old releases send swap "".
    raw = {"id": "1", "name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1, "swap": ""}
    f = normalize_flavor(raw, CTX)
    assert (f.swap, f.ephemeral, f.is_public, f.is_disabled, f.extra_specs) == (0, 0, True, False, {})


def test_disabled_private_flavor():
    raw = dict(FLAVOR_V275, **{"OS-FLV-DISABLED:disabled": True, "os-flavor-access:is_public": False})
    f = normalize_flavor(raw, CTX)
    assert f.is_disabled is True and f.is_public is False


def test_junk_sizes_are_none_not_errors():
    f = normalize_flavor({"id": 7, "ram": "lots", "vcpus": None, "disk": [1], "swap": "x",
                          "extra_specs": "none"}, CTX)
    assert (f.id, f.ram, f.vcpus, f.disk, f.swap, f.extra_specs) == ("7", None, None, None, 0, {})
