"""Login user: override -> os_admin_user -> profile rules -> generic rules -> distro table -> None."""

from __future__ import annotations

from pathlib import Path

import pytest

from normalizer.profiles import load_profile
from normalizer.profiles.loader import check_profile_file
from normalizer.select.images import image_identity
from normalizer.select.login import UNKNOWN_REASON, login_user_for_image, login_user_for_server

SHIPPED = Path(__file__).resolve().parents[2] / "vendor_profiles"
GENERIC = load_profile("generic")
CATALYST = load_profile("catalyst")
BETACLOUD = check_profile_file(SHIPPED / "betacloud.yaml")[0]  # shut down: built through the file check

JAMMY = {"id": "5b1c6a2e-1f1e-4f7e-9b0e-6f3c2a1d9e01", "name": "Ubuntu 22.04 LTS (Jammy Jellyfish)",
         "status": "active", "visibility": "public", "os_distro": "ubuntu", "os_version": "22.04"}


def with_layer(base: str = "generic", **login):
    return load_profile(base, layers=[("clouds.yaml cloud 'test' normalizer:", {"login": login})])


def steps(decision):
    return [c.candidate for c in decision.considered]


# --- each step ------------------------------------------------------------------------------------------


def test_override_by_id_wins_over_everything():
    profile = with_layer(overrides={JAMMY["id"]: "admin", JAMMY["name"]: "by-name"})
    decision = login_user_for_image(dict(JAMMY, os_admin_user="root"), profile)
    assert (decision.value, decision.rule) == ("admin", "override")
    assert f"image id {JAMMY['id']!r}" in decision.reason and decision.considered == ()


def test_override_by_name_and_a_null_override_is_a_decided_none():
    assert login_user_for_image(JAMMY, with_layer(overrides={JAMMY["name"]: "ops"})).value == "ops"
    decision = login_user_for_image(JAMMY, with_layer(overrides={JAMMY["name"]: None}))
    assert (decision.value, decision.rule) == (None, "override")
    assert "no login user" in decision.reason


def test_os_admin_user_comes_before_rules_and_the_table():
    decision = login_user_for_image(dict(JAMMY, os_admin_user="cloud"), GENERIC)
    assert (decision.value, decision.rule) == ("cloud", "image property")
    assert steps(decision) == ["login.overrides"]
    assert decision.considered[0].verdict == "none set"
    nested = login_user_for_image({"name": "x", "properties": {"os_admin_user": "nested"}}, GENERIC)
    assert nested.value == "nested"


def test_scs_image_original_user_is_read_and_none_means_no_user():
    assert login_user_for_image(dict(JAMMY, image_original_user="ubuntu2"), GENERIC).value == "ubuntu2"
    talos = login_user_for_image({"name": "Talos Linux", "image_original_user": "none"}, GENERIC)
    assert (talos.value, talos.rule) == (None, "image property")


def test_empty_os_admin_user_does_not_count():
    decision = login_user_for_image(dict(JAMMY, os_admin_user="  "), GENERIC)
    assert (decision.value, decision.rule) == ("ubuntu", "distro table")


def test_vendor_rules_come_before_generic_rules_and_the_table():
    windows = login_user_for_image({"name": "windows-server-2022-standard"}, CATALYST)
    assert (windows.value, windows.rule) == ("admin", "profile login rule")
    assert "login.rules[9]" in windows.reason
    debian = login_user_for_image({"name": "debian-12-x86_64", "os_distro": "debian"}, CATALYST)
    assert debian.rule == "profile login rule" and debian.value == "debian"


def test_generic_rules_still_apply_under_a_vendor_list():
    # OSISM tags AlmaLinux os_distro centos; the generic rule reads the name.
    alma = {"name": "AlmaLinux 9", "os_distro": "centos", "os_version": "9"}
    for profile in (GENERIC, CATALYST, BETACLOUD):
        decision = login_user_for_image(alma, profile)
        assert (decision.value, decision.rule) == ("almalinux", "generic login rule")
        assert steps(decision) == ["login.overrides", "os_admin_user", "login.rules"]
    assert login_user_for_image({"name": "Flatcar Container Linux", "os_distro": "fedora"},
                                BETACLOUD).value == "core"


def test_betacloud_vendor_rules():
    assert login_user_for_image({"name": "RancherOS 1.5"}, BETACLOUD).value == "rancher"
    atomic = login_user_for_image({"name": "CentOS Atomic Host 7"}, BETACLOUD)
    assert (atomic.value, atomic.rule) == ("fedora", "profile login rule")


def test_rule_with_null_user_is_a_decided_none():
    profile = with_layer(rules=[{"match": {"name_pattern": "appliance-.*"}, "user": None}])
    decision = login_user_for_image({"name": "appliance-ubuntu-22.04", "os_distro": "ubuntu"}, profile)
    assert (decision.value, decision.rule) == (None, "profile login rule")
    assert "no login user" in decision.reason


def test_rule_matching_on_distro_and_version():
    # CentOS Stream 9 is disputed (cloud-user vs centos): a layer decides it for one cloud.
    profile = with_layer(rules=[{"match": {"distro": "CentOS", "version_pattern": "9|10"}, "user": "cloud-user"}])
    stream9 = login_user_for_image({"name": "CentOS Stream 9"}, profile)
    assert (stream9.value, stream9.rule) == ("cloud-user", "profile login rule")
    assert "distro 'CentOS'" in stream9.reason
    centos7 = login_user_for_image({"name": "CentOS 7 (PVHVM)"}, profile)
    assert (centos7.value, centos7.rule) == ("centos", "distro table")
    assert centos7.considered[2].verdict == "no rule matches"


def test_distro_table_by_os_distro_or_by_name():
    by_property = login_user_for_image({"name": "golden", "os_distro": "org.debian"}, GENERIC)
    assert (by_property.value, by_property.rule) == ("debian", "distro table")
    assert "(distro from image properties)" in by_property.reason
    by_name = login_user_for_image({"name": "fedora-coreos-39"}, GENERIC)
    assert (by_name.value, by_name.rule) == ("core", "distro table")
    assert "(distro from generic name rule)" in by_name.reason
    assert steps(by_name) == ["login.overrides", "os_admin_user", "login.rules", "login.generic_rules"]


@pytest.mark.parametrize("name, user", [
    ("Ubuntu 24.04", "ubuntu"), ("Debian 12", "debian"), ("CentOS 7 (PVHVM)", "centos"), ("Rocky 9", "rocky"),
    ("Fedora-Cloud-Base-38", "fedora"), ("openSUSE Leap 15.5", "opensuse"), ("cirros-0.6.2-x86_64-disk", "cirros"),
    ("Red Hat Enterprise Linux 9.3", "cloud-user"), ("AlmaLinux 9.3", "almalinux"),
])
def test_login_user_from_real_names(name, user):
    assert login_user_for_image({"id": "x", "name": name}, GENERIC).value == user


def test_distro_table_null_is_a_decided_none():
    decision = login_user_for_image({"name": "Talos Linux"}, GENERIC)
    assert (decision.value, decision.rule) == (None, "distro table")


def test_windows_has_no_login_user_unless_a_rule_says_so():
    decision = login_user_for_image({"name": "Windows Server 2022"}, GENERIC)
    assert (decision.value, decision.rule) == (None, "windows")
    assert "login.overrides" in decision.reason and "Administrator" in decision.reason
    assert steps(decision)[-1] == "login.distro_users"


def test_distros_without_a_login_user_are_profile_data():
    # os_distro spellings resolve through images.distro_spellings before the lookup
    windows = login_user_for_image({"name": "x", "os_distro": "com.microsoft.server"}, GENERIC)
    assert (windows.value, windows.rule) == (None, "windows")
    appliance = with_layer(no_login_distros={"windows": None, "talos": "Talos is managed through its API"})
    unset = login_user_for_image({"name": "Windows Server 2022"}, appliance)
    assert (unset.value, unset.rule) == (None, "unknown")
    assert "no entry in login.distro_users" in unset.reason
    talos = login_user_for_image({"name": "Talos Linux"}, with_layer(no_login_distros={"talos": "API only"}))
    assert (talos.value, talos.rule) == (None, "distro table")  # the distro table answers first


def test_unknown_image_gives_none_with_the_reason_and_every_step():
    decision = login_user_for_image({"id": "i", "name": "hypernode"}, GENERIC)
    assert (decision.value, decision.rule, decision.reason) == (None, "unknown", UNKNOWN_REASON)
    assert steps(decision) == ["login.overrides", "os_admin_user", "login.rules", "login.generic_rules",
                               "login.distro_users"]
    assert decision.considered[-1].verdict == "the distro is unknown"
    odd = login_user_for_image({"os_distro": "plan9"}, GENERIC)
    assert odd.value is None and odd.reason == "distro 'plan9' has no entry in login.distro_users"


def test_a_given_identity_is_used():
    identity = image_identity({"name": "Debian 12"}, GENERIC)
    decision = login_user_for_image({"name": "renamed later"}, GENERIC, identity=identity)
    assert decision.value == "debian"


def test_no_image():
    decision = login_user_for_image(None, GENERIC)
    assert decision.value is None and decision.rule == "unknown" and "not known" in decision.reason


# --- servers ----------------------------------------------------------------------------------------------

SERVER = {"id": "9168b536-cd40-4630-b43f-b259807c6e87", "name": "web-1", "status": "ACTIVE",
          "image": {"id": JAMMY["id"], "links": [{"rel": "bookmark", "href": "http://x/images/" + JAMMY["id"]}]}}
BFV = dict(SERVER, image="")
VOLUME_META = {"image_id": "0f0e", "image_name": "Rocky-9-GenericCloud-Base-9.3-20231113.0.x86_64",
               "checksum": "abc", "container_format": "bare", "disk_format": "qcow2", "min_disk": "0",
               "min_ram": "0", "size": "1073741824", "os_distro": "rocky", "os_version": "9.3"}


def test_server_uses_its_image():
    decision = login_user_for_server(SERVER, JAMMY, GENERIC)
    assert decision.value == "ubuntu" and decision.subject == "login user of server 'web-1'"


def test_server_whose_image_is_gone():
    decision = login_user_for_server(SERVER, None, GENERIC)
    assert decision.value is None and f"image {JAMMY['id']} is not available" in decision.reason
    # an override by the image id still answers
    assert login_user_for_server(SERVER, None, with_layer(overrides={JAMMY["id"]: "ubuntu"})).value == "ubuntu"


def test_boot_from_volume_uses_the_volume_image_metadata():
    decision = login_user_for_server(BFV, None, GENERIC, volume_image_metadata=VOLUME_META)
    assert (decision.value, decision.rule) == ("rocky", "distro table")
    assert decision.reason.startswith("booted from volume; the volume's image metadata:")
    by_name = login_user_for_server(BFV, None, with_layer(overrides={VOLUME_META["image_name"]: "ops"}),
                                    volume_image_metadata=VOLUME_META)
    assert by_name.value == "ops"


@pytest.mark.parametrize("server", [BFV, {k: v for k, v in SERVER.items() if k != "image"}, dict(SERVER, image=None)])
def test_boot_from_volume_without_metadata(server):
    decision = login_user_for_server(server, None, GENERIC)
    assert decision.value is None
    assert decision.reason == "booted from volume and the volume's image metadata is not available"


def test_boot_from_volume_with_an_image_resolved_by_the_caller():
    assert login_user_for_server(BFV, JAMMY, GENERIC).value == "ubuntu"


def test_inputs_are_not_mutated():
    server, meta = dict(BFV), dict(VOLUME_META)
    login_user_for_server(server, None, GENERIC, volume_image_metadata=meta)
    assert server == BFV and meta == VOLUME_META and "id" not in meta


def test_profile_schema_for_the_login_keys():
    from normalizer.exceptions import ProfileError
    from normalizer.profiles import validate

    validate({"login": {"overrides": {"golden": None, "0b3f-id": "admin"},
                        "generic_rules": [{"match": {"distro": "talos"}, "user": None}]}}, "t", partial=True)
    with pytest.raises(ProfileError, match=r"login\.overrides\.golden: must be a string"):
        validate({"login": {"overrides": {"golden": 3}}}, "t", partial=True)
    with pytest.raises(ProfileError, match=r"login\.generic_rules\[0\]\.match: set at least one of"):
        validate({"login": {"generic_rules": [{"match": {}, "user": "u"}]}}, "t", partial=True)
    with pytest.raises(ProfileError, match=r"images\.generic_name_rules\[0\]\.pattern: named group"):
        validate({"images": {"generic_name_rules": [{"pattern": "(?P<distro>x)", "distro": "x"}]}}, "t", partial=True)
    with pytest.raises(ProfileError, match=r"flavors\.generic_exclude_patterns\[0\]: bad regular expression"):
        validate({"flavors": {"generic_exclude_patterns": ["("]}}, "t", partial=True)
