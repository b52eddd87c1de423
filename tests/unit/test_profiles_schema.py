"""Every error path of the strict profile schema."""

import copy

import pytest

from normalizer.exceptions import ProfileError
from normalizer.profiles import validate

SRC = "vendor_profiles/x.yaml"
FULL = {"name": "x", "display_name": "X", "status": "active"}


def _fails(data, *, partial=True, source=SRC):
    with pytest.raises(ProfileError) as info:
        validate(data, source, partial=partial)
    text = str(info.value)
    separator = " " if source.endswith(":") else ": "
    assert "\n" not in text and text.startswith(source + separator)
    return info.value


def test_minimal_full_profile_and_empty_layer_are_valid():
    validate(FULL, SRC)
    validate({}, SRC, partial=True)


def test_unknown_key_names_file_path_and_known_keys():
    data = {"network": {"networks": [{"name": "n", "nat_sorce": True}]}}
    err = _fails(data)
    assert str(err).startswith(
        "vendor_profiles/x.yaml: network.networks[0].nat_sorce: unknown key (known: name, id, name_pattern, ")
    assert err.hint == "did you mean 'nat_source'?"
    assert err.source == SRC and err.pointer == "network.networks[0].nat_sorce"


@pytest.mark.parametrize("data, path", [
    ({"nmae": "x"}, "nmae"),
    ({"transport": {"timeuot": 3}}, "transport.timeuot"),
    ({"regions": {"R1": {"name": "y"}}}, "regions.R1.name"),
    ({"regions": {"R1": {"regions": {}}}}, "regions.R1.regions"),
    ({"login": {"rules": [{"match": {"os": "x"}, "user": "u"}]}}, "login.rules[0].match.os"),
    ({"flavors": {"aliases": {"small": {"min_cpu": 1}}}}, "flavors.aliases.small.min_cpu"),
    ({"instance_types": {"t3.small": {"cpus": 1}}}, "instance_types['t3.small'].cpus"),
    ({"transport": {"rate_limit": {"dns": 1}}}, "transport.rate_limit.dns"),
    ({"transport": {"endpoint_overrides": {"volume": "https://x"}}}, "transport.endpoint_overrides.volume"),
    ({"vendor_hook": "pkg.module:load"}, "vendor_hook"),
    ({"profile": "https://example.com"}, "profile"),
])
def test_unknown_keys_are_errors_at_every_level(data, path):
    err = _fails(data)
    assert f": {path}: unknown key (known: " in str(err)


@pytest.mark.parametrize("data, path", [
    ({"network": {"networks": [{"name_pattern": "ext-("}]}}, "network.networks[0].name_pattern"),
    ({"images": {"name_rules": [{"pattern": "[a-", "distro": "d"}]}}, "images.name_rules[0].pattern"),
    ({"images": {"hidden_patterns": ["ok", "*bad"]}}, "images.hidden_patterns[1]"),
    ({"login": {"rules": [{"match": {"version_pattern": "9("}, "user": "u"}]}},
     "login.rules[0].match.version_pattern"),
    ({"login": {"rules": [{"match": {"name_pattern": "(?P<x"}, "user": "u"}]}},
     "login.rules[0].match.name_pattern"),
    ({"flavors": {"exclude_patterns": ["+gpu"]}}, "flavors.exclude_patterns[0]"),
    ({"flavors": {"exclude_extra_specs": [{"key": "k", "pattern": "("}]}}, "flavors.exclude_extra_specs[0].pattern"),
])
def test_bad_regex_names_path_and_regex_error(data, path):
    err = _fails(data)
    assert f": {path}: bad regular expression " in str(err)
    assert "position" in str(err) or "missing" in str(err) or "nothing to repeat" in str(err)


def test_image_rule_named_groups_are_limited_to_version_and_arch():
    validate({"images": {"name_rules": [{"pattern": "u-(?P<version>.+)-(?P<arch>.+)", "distro": "u"}]}}, SRC,
             partial=True)
    err = _fails({"images": {"name_rules": [{"pattern": "(?P<distro>.+)", "distro": "u"}]}})
    assert "named group(s) distro not allowed (allowed: arch, version)" in str(err)


def test_image_rule_cannot_set_both_group_and_fixed_version():
    err = _fails({"images": {"name_rules": [{"pattern": "u-(?P<version>.+)", "distro": "u", "version": "1"}]}})
    assert "images.name_rules[0].version:" in str(err)


@pytest.mark.parametrize("data, path, words", [
    ({"transport": {"timeout": "60"}}, "transport.timeout", "must be a finite number"),
    ({"transport": {"timeout": float("inf")}}, "transport.timeout", "must be a finite number"),
    ({"transport": {"timeout": True}}, "transport.timeout", "must be a finite number"),
    ({"transport": {"connect_retries": 1.5}}, "transport.connect_retries", "must be an integer"),
    ({"transport": {"status_retries": False}}, "transport.status_retries", "must be an integer"),
    ({"transport": {"retry_statuses": 429}}, "transport.retry_statuses", "must be a list"),
    ({"network": {"prefer_ipv6": "yes"}}, "network.prefer_ipv6", "must be true or false"),
    ({"network": {"networks": {"name": "n"}}}, "network.networks", "must be a list"),
    ({"network": {"networks": [None]}}, "network.networks[0]", "must not be null"),
    ({"network": []}, "network", "must be a mapping"),
    ({"sources": "one"}, "sources", "must be a list"),
    ({"display_name": ""}, "display_name", "must not be empty"),
    ({"login": {"distro_users": {"ubuntu": 7}}}, "login.distro_users.ubuntu", "must be a string"),
    ({"instance_types": {"t3.small": {"vcpus": 0, "ram": 1}}}, "instance_types['t3.small'].vcpus", "must be >= 1"),
])
def test_wrong_types_and_ranges(data, path, words):
    err = _fails(data)
    assert f": {path}: {words}" in str(err)


def test_unquoted_microversion_is_caught_with_a_hint():
    err = _fails({"transport": {"microversions": {"compute": 2.79}}})
    assert "transport.microversions.compute: must be a string" in str(err)
    assert err.hint == "quote the value in YAML"
    err = _fails({"transport": {"microversions": {"compute": "latest"}}})
    assert "does not match" in str(err)


def test_non_string_keys_are_errors():
    err = _fails({"login": {"distro_users": {1: "x"}}})
    assert "keys must be strings" in str(err) and err.hint == "quote the key in YAML"


@pytest.mark.parametrize("data, path, words", [
    ({"status": "retired"}, "status", "must be one of active, deprecated, shutdown"),
    ({"network": {"public_access": "floating"}}, "network.public_access", "must be one of direct, floating_ip, none"),
    ({"network": {"floating_ip_api": "None"}}, "network.floating_ip_api", "must be one of neutron, nova, none"),
    ({"identity": {"interface": "external"}}, "identity.interface", "must be one of"),
    ({"transport": {"disabled_services": ["volume"]}}, "transport.disabled_services[0]", "must be one of"),
    ({"transport": {"retry_statuses": [200]}}, "transport.retry_statuses[0]", "must be between 400 and 599"),
    ({"transport": {"timeout": 0}}, "transport.timeout", "must be > 0"),
    ({"transport": {"max_retry_delay": -1}}, "transport.max_retry_delay", "must be >= 0"),
    ({"transport": {"connect_retries": -1}}, "transport.connect_retries", "must be >= 0"),
    ({"transport": {"rate_limit": {"all": 0}}}, "transport.rate_limit.all", "must be > 0"),
])
def test_bad_enums_and_bounds(data, path, words):
    assert f": {path}: {words}" in str(_fails(data))


def test_duplicates_in_sets_are_errors():
    assert "has duplicate entries" in str(_fails({"transport": {"retry_statuses": [429, 429]}}))


@pytest.mark.parametrize("role", ["nat_destination", "default_interface"])
def test_at_most_one_network_rule_per_unique_role(role):
    rules = [{"name": "a", role: True}, {"id": "b", role: False}, {"name_pattern": "c.*", role: True}]
    err = _fails({"network": {"networks": rules}})
    assert f"network.networks: at most one rule may set {role}: true (rules 0, 2 do)" in str(err)
    validate({"network": {"networks": rules[:2]}}, SRC, partial=True)


def test_several_nat_source_rules_are_allowed():
    validate({"network": {"networks": [{"name": "a", "nat_source": True}, {"name": "b", "nat_source": True}]}},
             SRC, partial=True)


@pytest.mark.parametrize("rule, found", [
    ({"name": "a", "id": "b"}, "name, id"),
    ({"routes_externally": True}, "none"),
    ({"name": None, "nat_source": True}, "none"),
])
def test_network_rule_needs_exactly_one_identifier(rule, found):
    err = _fails({"network": {"networks": [rule]}})
    assert f"network.networks[0]: set exactly one of name, id, name_pattern (found {found})" in str(err)


@pytest.mark.parametrize("data, path", [
    ({"identity": {"auth_url": "https://{project_id}.example.com/v3"}}, "identity.auth_url"),
    ({"identity": {"auth_url": "https://{region}.example.com"}}, "identity.auth_url"),
    ({"identity": {"auth_url": "https://{region_name!r}.example.com"}}, "identity.auth_url"),
    ({"identity": {"auth_url": "https://{}.example.com"}}, "identity.auth_url"),
    ({"transport": {"endpoint_overrides": {"compute": "https://c/v2.1/{tenant_id}"}}},
     "transport.endpoint_overrides.compute"),
    ({"transport": {"endpoint_overrides": {"image": "https://i/{region_name:>10}"}}},
     "transport.endpoint_overrides.image"),
])
def test_template_placeholders_are_limited(data, path):
    err = _fails(data)
    assert f": {path}: placeholder " in str(err) and "is not allowed" in str(err)
    assert err.hint.startswith("placeholders allowed: {region_name}")


def test_template_syntax_and_scheme_errors():
    assert "bad template" in str(_fails({"identity": {"auth_url": "https://{region_name.x"}}))
    assert "is not an http:// or https:// URL" in str(_fails({"identity": {"auth_url": "iam.example.com/v3"}}))
    validate({"transport": {"endpoint_overrides": {"compute": "https://{region_name}.c/v2.1/{project_id}"}}},
             SRC, partial=True)


@pytest.mark.parametrize("missing", ["name", "display_name", "status"])
def test_full_profile_requires_identity_keys_but_layers_do_not(missing):
    data = {k: v for k, v in FULL.items() if k != missing}
    err = _fails(data, partial=False)
    assert f": {missing}: required key is missing" in str(err)
    validate(data, SRC, partial=True)


@pytest.mark.parametrize("status", ["deprecated", "shutdown"])
def test_inactive_profile_needs_a_message(status):
    err = _fails(dict(FULL, status=status), partial=False)
    assert f": message: required when status is {status}" in str(err)
    validate(dict(FULL, status=status, message="use y"), SRC)


def test_profile_name_must_be_a_plain_word():
    assert "does not match" in str(_fails(dict(FULL, name="my cloud"), partial=False))
    assert "does not match" in str(_fails({"name": "../etc"}))


@pytest.mark.parametrize("data, path", [
    ({"transport": {"timeout": None}}, "transport.timeout"),
    ({"network": None}, "network"),
    ({"name": None}, "name"),
    ({"regions": {"R1": {"login": None}}}, "regions.R1.login"),
])
def test_nulls_are_refused_where_a_value_is_needed(data, path):
    assert f": {path}: must not be null" in str(_fails(data))


def test_nulls_are_accepted_where_they_unset_something():
    validate({"message": None, "network": {"public_access": None, "networks": None},
              "login": {"distro_users": {"ubuntu": None}}, "regions": {"R1": None},
              "transport": {"rate_limit": {"compute": None}}}, SRC, partial=True)


def test_region_blocks_are_partial_even_in_a_full_profile():
    validate(dict(FULL, regions={"R1": {"transport": {"timeout": 3}}, "R2": {}}), SRC)
    err = _fails(dict(FULL, regions={"R1": {"network": {"public_access": "nope"}}}), partial=False)
    assert ": regions.R1.network.public_access: must be one of" in str(err)


def test_region_names_with_dots_are_shown_quoted():
    err = _fails({"regions": {"region-a.geo-1": {"network": {"prefer_ipv6": 1}}}})
    assert ": regions['region-a.geo-1'].network.prefer_ipv6: must be true or false" in str(err)


def test_instance_types_and_aliases_are_complete_only_in_a_full_profile():
    validate({"instance_types": {"t3.small": {"ram": 4096}}, "flavors": {"aliases": {"s": {}}}}, SRC, partial=True)
    assert "required key is missing" in str(_fails(dict(FULL, instance_types={"t3.small": {"ram": 1}}),
                                                   partial=False))
    err = _fails(dict(FULL, flavors={"aliases": {"s": {}}}), partial=False)
    assert "flavors.aliases.s: set at least one of min_vcpus, min_ram, min_disk" in str(err)


def test_login_rules_need_match_and_user():
    validate({"login": {"rules": [{"match": {"distro": "centos", "version_pattern": "9|10"}, "user": None}]}},
             SRC, partial=True)
    assert "login.rules[0].user: required key is missing" in str(_fails({"login": {"rules": [{"match": {"distro": "x"}}]}}))
    assert "login.rules[0].match: set at least one of" in str(_fails({"login": {"rules": [{"match": {}, "user": "u"}]}}))
    assert "login.rules[0].match: must not be null" in str(_fails({"login": {"rules": [{"match": None, "user": "u"}]}}))


def test_extra_spec_rules_need_key_and_pattern():
    assert "flavors.exclude_extra_specs[0].pattern: required key is missing" in str(
        _fails({"flavors": {"exclude_extra_specs": [{"key": "k"}]}}))


def test_floating_ip_access_needs_a_floating_ip_api():
    err = _fails({"network": {"public_access": "floating_ip", "floating_ip_api": "none"}})
    assert "network.floating_ip_api: is none but public_access is floating_ip" in str(err)


def test_validate_does_not_mutate_its_input():
    data = dict(FULL, network={"networks": [{"name": "a", "nat_destination": True}]})
    before = copy.deepcopy(data)
    validate(data, SRC)
    assert data == before


def test_errors_name_layer_labels_as_their_source():
    label = "clouds.yaml cloud 'x' networks:"
    err = _fails({"network": {"networks": [{"name": "a", "routes_externaly": True}]}}, source=label)
    assert str(err).startswith("clouds.yaml cloud 'x' networks: network.networks[0].routes_externaly: unknown key")
