"""The typed profile sections: lists joined once, patterns compiled once, spellings as data."""

from __future__ import annotations

import re

import pytest

from normalizer.exceptions import ProfileError
from normalizer.profiles import (
    ConformanceSettings,
    FlavorSettings,
    IdentitySettings,
    ImageSettings,
    LoginSettings,
    Profile,
    load_profile,
)
from normalizer.profiles.sections import FlavorSize, spelling_key

GENERIC = load_profile("generic")
MINIMAL = {"name": "x", "display_name": "X", "status": "active",
           "transport": {"timeout": 5, "connect_retries": 0, "status_retries": 0, "max_retry_delay": 1}}


def layered(**sections):
    return load_profile("generic", layers=[("test layer", sections)])


def test_every_section_is_typed_and_frozen():
    assert isinstance(GENERIC.images, ImageSettings) and isinstance(GENERIC.login, LoginSettings)
    assert isinstance(GENERIC.flavors, FlavorSettings) and isinstance(GENERIC.identity, IdentitySettings)
    assert isinstance(GENERIC.conformance, ConformanceSettings)
    with pytest.raises(AttributeError):
        GENERIC.images.assumed_arch = "aarch64"
    with pytest.raises(TypeError):
        GENERIC.login.distro_users["ubuntu"] = "root"
    assert hash(GENERIC) == hash(load_profile("generic")) and GENERIC == load_profile("generic")


def test_name_rules_are_vendor_first_then_generic_and_compiled():
    profile = layered(images={"name_rules": [{"pattern": "Mine (?P<version>[0-9]+)", "distro": "Red Hat"}]})
    first, second = profile.images.name_rules[:2]
    assert (first.source, first.index, first.kind, first.where) == (
        "images.name_rules", 0, "profile name rule", "images.name_rules[0]")
    assert first.distro == "rhel"  # the spelling is resolved at load
    assert isinstance(first.pattern, re.Pattern) and first.pattern.fullmatch("Mine 9")
    assert second.source == "images.generic_name_rules" and second.kind == "generic name rule"
    assert len(profile.images.rules_from("images.name_rules")) == 1
    assert len(profile.images.name_rules) == 1 + len(GENERIC.images.name_rules)


def test_a_fixed_rule_arch_is_canonical():
    profile = layered(images={"name_rules": [{"pattern": "Mine", "distro": "ubuntu", "arch": "arm64"}]})
    assert profile.images.name_rules[0].arch == "aarch64"


def test_hidden_patterns_are_vendor_first_then_generic():
    profile = layered(images={"hidden_patterns": [".*_BMS_.*"]})
    assert [p.pattern for p in profile.images.hidden_patterns] == [".*_BMS_.*", "(?i)amphora-.*"]


def test_spellings_assumed_arch_and_formats_come_from_defaults():
    images = GENERIC.images
    assert images.canonical_distro("com.ubuntu") == "ubuntu" and images.canonical_distro("Red Hat") == "rhel"
    assert images.canonical_distro("plan9") == "plan9" and images.canonical_distro("") is None
    assert images.canonical_arch("x86_64") == "x86_64" and images.canonical_arch("AMD64") == "x86_64"
    assert images.canonical_arch(None) is None
    assert images.assumed_arch == "x86_64"
    assert images.non_bootable_formats == frozenset({"aki", "ari"})


def test_a_layer_adds_spellings_and_changes_the_assumed_arch():
    profile = layered(images={"distro_spellings": {"Ubuntu_Pro": "ubuntu"}, "arch_spellings": {"arm": "aarch64"},
                              "assumed_arch": "arm64"})
    assert profile.images.canonical_distro("ubuntu pro") == "ubuntu"
    assert profile.images.canonical_distro("com.ubuntu") == "ubuntu"  # mappings merge
    assert profile.images.canonical_arch("arm") == "aarch64"
    assert profile.images.assumed_arch == "aarch64"


def test_login_rules_are_joined_and_compiled():
    profile = layered(login={"rules": [{"match": {"distro": "CentOS", "version_pattern": "9|10"},
                                        "user": "cloud-user"}]})
    first = profile.login.rules[0]
    assert (first.where, first.kind, first.user) == ("login.rules[0]", "profile login rule", "cloud-user")
    assert first.match.distro == "centos" and first.match.version_pattern.fullmatch("10")
    assert first.match.summary == "distro 'CentOS', version_pattern '9|10'"
    assert [r.source for r in profile.login.rules[1:]] == ["login.generic_rules"] * 2


def test_windows_has_no_login_user_as_profile_data_and_a_layer_can_unset_it():
    assert "windows" in GENERIC.login.no_login_distros
    assert "no standard login user" in GENERIC.login.no_login_distros["windows"]
    assert "windows" not in layered(login={"no_login_distros": {"windows": None}}).login.no_login_distros


def test_flavor_exclusions_are_generic_first_deduplicated_and_compiled():
    profile = layered(flavors={"exclude_patterns": ["(?i).*gpu.*", "m1\\.huge"],
                               "exclude_extra_specs": [{"key": "quota:x", "pattern": "1"}]})
    assert [(p.pattern.pattern, p.source) for p in profile.flavors.exclude_patterns] == [
        ("(?i).*gpu.*", "flavors.generic_exclude_patterns"),
        ("(?i).*bare[-_ .]?metal.*", "flavors.generic_exclude_patterns"),
        ("m1\\.huge", "flavors.exclude_patterns")]
    assert profile.flavors.exclude_extra_specs[-1].key == "quota:x"
    assert profile.flavors.exclude_extra_specs[-1].source == "flavors.exclude_extra_specs"


def test_instance_types_and_aliases_are_sizes():
    profile = layered(flavors={"aliases": {"small": {"min_vcpus": 1, "min_ram": 1024}}})
    assert profile.flavors.instance_types["t3.small"] == FlavorSize(min_vcpus=2, min_ram=2048)
    assert profile.flavors.aliases["small"] == FlavorSize(1, 1024, 0)


def test_identity_and_conformance():
    assert GENERIC.conformance.probe_image == "ubuntu"
    assert layered(conformance={"probe_image": "debian-12"}).conformance.probe_image == "debian-12"
    profile = Profile.from_data(dict(MINIMAL, identity={"auth_url": "https://k.example/{region_name}/v3",
                                                        "interface": "public"}))
    assert profile.identity == IdentitySettings("https://k.example/{region_name}/v3", None, "public")


def test_a_profile_without_these_sections_has_empty_ones():
    profile = Profile.from_data(MINIMAL)
    assert profile.images == ImageSettings() and profile.login == LoginSettings()
    assert profile.flavors == FlavorSettings() and profile.conformance.probe_image is None
    assert profile.images.canonical_distro("com.ubuntu") == "com.ubuntu"


@pytest.mark.parametrize("layer, pointer", [
    ({"conformance": {"probe_image": "22.04"}}, "conformance.probe_image"),
    ({"conformance": {"probe_imag": "ubuntu"}}, "conformance.probe_imag"),
    ({"images": {"assumed_arch": "X86 64"}}, "images.assumed_arch"),
    ({"images": {"arch_spellings": {"arm": 64}}}, "images.arch_spellings.arm"),
    ({"images": {"non_bootable_formats": ["aki", "aki"]}}, "images.non_bootable_formats"),
    ({"login": {"no_login_distros": {"windows": 1}}}, "login.no_login_distros.windows"),
])
def test_new_keys_are_validated_strictly(layer, pointer):
    with pytest.raises(ProfileError) as caught:
        load_profile("generic", layers=[("test layer", layer)])
    assert caught.value.pointer == pointer


def test_a_broken_pattern_in_hand_made_data_fails_when_frozen():
    with pytest.raises(ProfileError, match=r"images.hidden_patterns\[0\]: '\(x' is not a valid regular"):
        Profile.from_data(dict(MINIMAL, images={"hidden_patterns": ["(x"]}))


def test_spelling_key():
    assert spelling_key("Fedora  CoreOS") == "fedora-coreos" and spelling_key(7) == "7"
    assert spelling_key("  ") is None and spelling_key(None) is None


def test_empty_sections_are_hashable_like_full_ones():
    assert len({ImageSettings(), LoginSettings(), FlavorSettings(), IdentitySettings(), ConformanceSettings()}) == 5
    assert hash(Profile.from_data(MINIMAL)) == hash(Profile.from_data(MINIMAL))
