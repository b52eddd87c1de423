"""The frozen Profile, its typed sections and NetworkRule matching."""

import dataclasses
import json
import pickle
from collections.abc import Mapping
from dataclasses import MISSING

import pytest

from normalizer.exceptions import ProfileError
from normalizer.profiles import NetworkRule, Profile, TransportSettings

BASE = {
    "name": "x", "display_name": "X", "status": "active", "sources": ["a"],
    "transport": {"timeout": 5, "connect_retries": 1, "status_retries": 2, "max_retry_delay": 3,
                  "retry_statuses": [429], "rate_limit": {"all": 2, "compute": None},
                  "microversions": {"compute": "2.79"}, "disabled_services": ["image"]},
    "identity": {"interface": "internal"},
    "network": {"public_access": "direct", "networks": [{"name": "lan", "nat_destination": True}]},
    "regions": {"region-a.geo-1": {"network": {"prefer_ipv6": True}}},
}


def test_typed_sections_are_built_from_data():
    profile = Profile.from_data(BASE, region_name="R")
    assert profile.region_name == "R" and profile.sources == ("a",)
    assert profile.transport == TransportSettings(
        timeout=5.0, connect_retries=1, status_retries=2, retry_statuses=(429,), max_retry_delay=3.0,
        rate_limit={"all": 2}, microversions={"compute": "2.79"}, endpoint_overrides={},
        disabled_services=("image",), interface="internal")
    assert profile.network.public_access == "direct" and profile.network.floating_ip_api is None
    assert profile.network.prefer_ipv6 is False and profile.network.private_cloud is False
    assert profile.network.networks == (NetworkRule(name="lan", nat_destination=True),)


def test_transport_settings_have_no_defaults_in_code():
    # _defaults.yaml is the only place a transport default is written
    assert all(f.default is MISSING and f.default_factory is MISSING for f in dataclasses.fields(TransportSettings))


def test_a_connection_puts_its_timeout_and_interface_over_the_profile():
    settings = Profile.from_data(BASE).transport
    mine = settings.for_connection(timeout=30, interface="public")
    assert (mine.timeout, mine.interface) == (30.0, "public")
    assert dataclasses.replace(mine, timeout=5.0, interface="internal") == settings
    assert settings.for_connection(timeout=None, interface=None) == settings


def test_missing_required_transport_value_is_a_profile_error():
    data = dict(BASE, transport=dict(BASE["transport"], timeout=None))
    with pytest.raises(ProfileError, match="transport.timeout: missing or null"):
        Profile.from_data(data)


def test_data_is_deeply_read_only_and_hashable():
    profile = Profile.from_data(BASE)
    with pytest.raises(TypeError):
        profile.data["name"] = "y"
    with pytest.raises(TypeError):
        profile.data["transport"]["timeout"] = 1
    assert isinstance(profile.data["transport"], Mapping)
    assert isinstance(profile.data["network"]["networks"], tuple)
    with pytest.raises(AttributeError):
        profile.name = "y"
    assert hash(profile) == hash(Profile.from_data(BASE))
    assert profile == Profile.from_data(BASE) and profile != Profile.from_data(BASE, region_name="R")


def test_get_reads_dotted_paths_tuples_and_indexes():
    profile = Profile.from_data(BASE)
    assert profile.get("transport.timeout") == 5
    assert profile.get("network.networks.0.name") == "lan"
    assert profile.get("network.networks.7.name", "none") == "none"
    assert profile.get(("regions", "region-a.geo-1", "network", "prefer_ipv6")) is True
    assert profile.get("login.distro_users") is None
    assert profile.get("transport.timeout.deeper", 0) == 0


def test_as_dict_is_a_plain_json_safe_copy():
    profile = Profile.from_data(BASE)
    plain = profile.as_dict()
    assert plain == BASE
    json.dumps(plain)
    plain["transport"]["timeout"] = 99
    assert profile.get("transport.timeout") == 5


def test_profile_pickles():
    profile = Profile.from_data(BASE)
    assert pickle.loads(pickle.dumps(profile)) == profile


@pytest.mark.parametrize("rule, network_id, network_name, expected", [
    (NetworkRule(name="lan"), "id-1", "lan", True),
    (NetworkRule(name="id-1"), "id-1", "other", True),       # name also matches the id
    (NetworkRule(name="lan"), "id-1", "lan2", False),
    (NetworkRule(name="lan"), None, None, False),
    (NetworkRule(id="id-1"), "id-1", "x", True),
    (NetworkRule(id="id-1"), "id-2", "id-1", False),          # id never matches a name
    (NetworkRule(name_pattern="lan-[0-9]+"), "i", "lan-12", True),
    (NetworkRule(name_pattern="lan-[0-9]+"), "i", "my-lan-12", False),  # whole name only
    (NetworkRule(name_pattern="lan-[0-9]+"), "lan-12", None, False),
    (NetworkRule(), "i", "n", False),
])
def test_network_rule_matches(rule, network_id, network_name, expected):
    assert rule.matches(network_id, network_name) is expected


def test_the_catalog_interface_comes_from_the_profile_unless_clouds_yaml_sets_one():
    from normalizer.profiles import load_profile

    assert load_profile("generic").transport.interface == "public"  # _defaults.yaml
    internal = load_profile("generic", layers=[("test", {"identity": {"interface": "internal"}})])
    assert internal.transport.for_connection(interface=None).interface == "internal"
    assert internal.transport.for_connection(interface="admin").interface == "admin"
