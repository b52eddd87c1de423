"""Examples of the merge rules (the properties are in test_profile_properties.py)."""

from types import MappingProxyType

from normalizer.profiles import merge


def test_nested_mappings_merge_key_by_key():
    base = {"transport": {"timeout": 60, "connect_retries": 2}}
    assert merge(base, {"transport": {"timeout": 5}}) == {"transport": {"timeout": 5, "connect_retries": 2}}


def test_lists_replace_wholesale():
    base = {"transport": {"retry_statuses": [429, 503]}}
    assert merge(base, {"transport": {"retry_statuses": [500]}})["transport"]["retry_statuses"] == [500]


def test_explicit_null_wins_and_keeps_the_key():
    result = merge({"network": {"public_access": "direct"}}, {"network": {"public_access": None}})
    assert result == {"network": {"public_access": None}}


def test_mapping_replaces_scalar_and_scalar_replaces_mapping():
    assert merge({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}
    assert merge({"a": {"b": 2}}, {"a": 1}) == {"a": 1}


def test_result_is_plain_and_does_not_alias_inputs():
    inner = {"x": [1, 2]}
    base = MappingProxyType({"a": MappingProxyType(inner), "t": (1, 2)})
    result = merge(base, {})
    assert type(result["a"]) is dict and result["t"] == [1, 2]
    result["a"]["x"].append(3)
    assert inner == {"x": [1, 2]}


def test_inputs_are_not_mutated():
    base = {"a": {"b": 1}}
    override = {"a": {"c": [1]}}
    merge(base, override)
    assert base == {"a": {"b": 1}} and override == {"a": {"c": [1]}}
