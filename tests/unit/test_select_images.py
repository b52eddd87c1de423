"""Image identity (properties -> profile name rules -> generic name rules), aliases and pick_image."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from normalizer.exceptions import NoMatch, SelectionError
from normalizer.normalize import Context, normalize_image
from normalizer.profiles import load_profile
from normalizer.profiles.loader import check_profile_file
from normalizer.select.images import (
    image_identity,
    parse_image_alias,
    pick_image,
    version_matches,
)

SHIPPED = Path(__file__).resolve().parents[2] / "vendor_profiles"
GENERIC = load_profile("generic")
VENDOR_RULE = load_profile("generic", layers=[("test layer", {"images": {
    "name_rules": [{"pattern": r"Standard_(?P<version>\d{2}\.\d{2})_Mini_latest", "distro": "ubuntu",
                    "arch": "x86_64"},
                   {"pattern": r"Ubuntu (?P<version>\d{2}\.\d{2}) Special", "distro": "ubuntu-special"}],
    "hidden_patterns": [r".*_BMS_.*"]}})])


def img(name, created="2024-01-01T00:00:00Z", status="active", image_id=None, **props):
    return {"id": image_id or f"id-{name}-{created}", "name": name, "status": status, "created_at": created,
            "visibility": "public", **props}


# --- identity ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("Ubuntu 22.04 LTS (Jammy Jellyfish)", ("ubuntu", "22.04", None)),
    ("ubuntu-22.04-x86_64", ("ubuntu", "22.04", "x86_64")),
    ("Standard_Ubuntu_22.04_latest", ("ubuntu", "22.04", None)),
    ("Ubuntu 16.04.1 LTS [2017-03-03]", ("ubuntu", "16.04", None)),
    ("CentOS 7 (PVHVM)", ("centos", "7", None)),
    ("Fedora-Cloud-Base-38", ("fedora", "38", None)),
    ("fedora-coreos-39", ("fedora-coreos", "39", None)),
    ("debian-12-genericcloud-amd64", ("debian", "12", "x86_64")),
    ("Rocky 9", ("rocky", "9", None)),
    ("Windows Server 2022", ("windows", "2022", None)),
    ("Ubuntu 24.04 Noble Numbat x86_64", ("ubuntu", "24.04", "x86_64")),
    ("Debian 12 bookworm", ("debian", "12", None)),
    ("AlmaLinux 9.3", ("almalinux", "9.3", None)),
    ("openSUSE Leap 15.5", ("opensuse", "15.5", None)),
    ("cirros-0.6.2-x86_64-disk", ("cirros", "0.6.2", "x86_64")),
    # more real names (login-users.md, part D)
    ("Rocky-9-GenericCloud-Base-9.3-20231113.0.x86_64", ("rocky", "9", "x86_64")),
    ("fedora-coreos-39.20231101.3.0-openstack.x86_64", ("fedora-coreos", "39", "x86_64")),
    ("CentOS 7 x86_64 (2014-09-29) - Partner Image", ("centos", "7", "x86_64")),
    ("Ubuntu 24.04 LTS x64", ("ubuntu", "24.04", "x86_64")),
    ("Ubuntu Server 14.04.1 LTS (amd64 20150706) - Partner Image", ("ubuntu", "14.04", "x86_64")),
    ("jammy-server-cloudimg-arm64", ("ubuntu", "22.04", "aarch64")),
    ("Fedora-x86_64-20-20140407-sda", ("fedora", "20", "x86_64")),
    ("Windows Server 2012 R2", ("windows", "2012 R2", None)),
    ("Red Hat Enterprise Linux 6.3", ("rhel", "6.3", None)),
    ("Flatcar Container Linux", ("flatcar", None, None)),
    ("Talos Linux", ("talos", None, None)),
    ("FreeBSD 14.0", ("freebsd", "14.0", None)),
    ("Test Monty Ubuntu", ("ubuntu", None, None)),
    ("Ubuntu Oneiric 11.10 Server 64-bit 20111212", ("ubuntu", "11.10", None)),
    ("Debian Squeeze 6.0.3 Server 64-bit 20120123", ("debian", "6", None)),
])
def test_generic_name_rules_read_real_image_names(name, expected):
    decision = image_identity({"id": "x", "name": name}, GENERIC)
    assert (decision.value["distro"], decision.value["version"], decision.value["arch"]) == expected
    assert decision.rule == "generic name rule"
    assert "images.generic_name_rules[" in decision.reason


@pytest.mark.parametrize("name", ["hypernode", "my-golden-image", "", "amphora-x64-haproxy"])
def test_unrecognised_names_are_unknown(name):
    decision = image_identity({"id": "x", "name": name}, GENERIC)
    assert decision.value == {"distro": None, "version": None, "arch": None}
    assert decision.rule == "unknown"
    assert "no os_distro property and no name rule matches" in decision.reason
    assert [(c.candidate, c.verdict.split(" ")[0]) for c in decision.considered] == [
        ("os_distro", "not"), ("images.name_rules", "none"), ("images.generic_name_rules", "no" if name else "the")]


def test_properties_come_first_and_are_canonicalised():
    decision = image_identity(img("my-golden-image", os_distro="com.ubuntu", os_version="22.04",
                                  architecture="amd64"), GENERIC)
    assert decision.value == {"distro": "ubuntu", "version": "22.04", "arch": "x86_64"}
    assert decision.rule == "image properties"
    assert "os_distro 'com.ubuntu'" in decision.reason and decision.considered == ()


@pytest.mark.parametrize("spelling, distro", [
    ("Ubuntu", "ubuntu"), ("com.ubuntu", "ubuntu"), ("org.centos", "centos"), ("CentOS", "centos"),
    ("rhel", "rhel"), ("com.redhat", "rhel"), ("redhat", "rhel"), ("fedora-coreos", "fedora-coreos"),
    ("opensuse", "opensuse"), ("org.opensuse", "opensuse"), ("archlinux", "arch"), ("org.debian", "debian"),
    ("com.microsoft.server", "windows"), ("Rocky Linux", "rocky"), ("talos", "talos"),
])
def test_distro_spellings(spelling, distro):
    assert GENERIC.images.canonical_distro(spelling) == distro
    assert image_identity({"os_distro": spelling}, GENERIC).value["distro"] == distro


@pytest.mark.parametrize("spelling, arch", [
    ("x86_64", "x86_64"), ("amd64", "x86_64"), ("AMD64", "x86_64"), ("x64", "x86_64"),
    ("aarch64", "aarch64"), ("arm64", "aarch64"), ("i386", "i686"), ("ppc64el", "ppc64le"), ("s390x", "s390x"),
])
def test_arch_spellings(spelling, arch):
    assert GENERIC.images.canonical_arch(spelling) == arch


def test_a_name_rule_fills_what_properties_leave_out_when_it_agrees():
    decision = image_identity(img("ubuntu-22.04-aarch64", os_distro="ubuntu"), GENERIC)
    assert decision.value == {"distro": "ubuntu", "version": "22.04", "arch": "aarch64"}
    assert decision.rule == "image properties" and "the rest from the name" in decision.reason


def test_os_distro_wins_over_a_disagreeing_name():
    # OSISM tags AlmaLinux images os_distro centos: the property decides the identity.
    decision = image_identity(img("AlmaLinux 9", os_distro="centos", os_version="9"), GENERIC)
    assert decision.value == {"distro": "centos", "version": "9", "arch": None}
    assert any("os_distro wins" in c.verdict for c in decision.considered)


def test_properties_without_os_distro_still_count():
    decision = image_identity(img("Debian 12", os_version="12.5", architecture="arm64"), GENERIC)
    assert decision.value == {"distro": "debian", "version": "12.5", "arch": "aarch64"}
    assert decision.rule == "generic name rule"


def test_nested_and_namespaced_properties_are_read():
    nested = image_identity({"name": "x", "properties": {"os_distro": "Debian", "os_version": 12}}, GENERIC)
    assert nested.value == {"distro": "debian", "version": "12", "arch": None}
    namespaced = image_identity({"name": "x", "org.openstack__1__os_distro": "com.ubuntu",
                                 "org.openstack__1__architecture": "x64"}, GENERIC)
    assert namespaced.value == {"distro": "ubuntu", "version": None, "arch": "x86_64"}


def test_profile_name_rules_come_before_generic_ones():
    vendor = image_identity(img("Standard_22.04_Mini_latest"), VENDOR_RULE)
    assert vendor.value == {"distro": "ubuntu", "version": "22.04", "arch": "x86_64"}
    assert vendor.rule == "profile name rule" and "images.name_rules[0]" in vendor.reason
    assert [c.candidate for c in vendor.considered] == ["os_distro"]
    # The generic rule would read this name as plain ubuntu; the vendor's rule wins.
    special = image_identity(img("Ubuntu 22.04 Special"), VENDOR_RULE)
    assert special.value["distro"] == "ubuntu-special" and special.rule == "profile name rule"
    assert image_identity(img("Ubuntu 22.04 Special"), GENERIC).value["distro"] == "ubuntu"
    # The generic rules still apply after a vendor list (lists replace on merge).
    debian = image_identity(img("Debian 12"), VENDOR_RULE)
    assert debian.rule == "generic name rule"
    assert debian.considered[1].candidate == "images.name_rules"
    assert debian.considered[1].verdict == "no rule matches 'Debian 12'"


def test_identity_reads_a_rule_from_a_layer_and_tolerates_a_non_mapping_image():
    layered = load_profile("generic", layers=[("test", {"images": {"generic_name_rules": [
        {"pattern": "deb-(?P<version>[0-9]+)", "distro": "Debian"}]}})])
    assert image_identity({"name": "deb-12"}, layered).value["distro"] == "debian"
    assert image_identity({"name": "deb-12"}, GENERIC).rule == "unknown"
    assert image_identity(None, GENERIC).rule == "unknown"


# --- aliases -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("alias, expected", [
    ("ubuntu-22.04", ("ubuntu", "22.04")), ("Ubuntu-22.04", ("ubuntu", "22.04")),
    ("ubuntu 24.04", ("ubuntu", "24.04")), ("debian12", ("debian", "12")), ("debian-12", ("debian", "12")),
    ("rocky", ("rocky", None)), ("CentOS", ("centos", None)), ("centos-stream-9", ("centos", "9")),
    ("rhel9", ("rhel", "9")), ("fedora-coreos-39", ("fedora-coreos", "39")), ("almalinux-9.3", ("almalinux", "9.3")),
    ("opensuse-leap-15.5", ("opensuse", "15.5")), ("windows-2022", ("windows", "2022")), (" cirros ", ("cirros", None)),
])
def test_parse_image_alias(alias, expected):
    assert parse_image_alias(alias, GENERIC) == expected


@pytest.mark.parametrize("junk", ["", "   ", "22.04", "ubuntu-", "-ubuntu", "ubuntu-22.04-x86_64", "ubuntu/22.04",
                                  "u", None, 22])
def test_junk_aliases_raise_a_selection_error_with_a_hint(junk):
    with pytest.raises(SelectionError) as caught:
        parse_image_alias(junk, GENERIC)
    assert "cannot read the image alias" in str(caught.value) and "ubuntu-22.04" in caught.value.hint


@pytest.mark.parametrize("wanted, actual, expected", [
    ("22.04", "22.04", True), ("22.04", "22.04.3", True), ("22.04", "22.10", False), ("9", "9.3", True),
    ("9", "90", False), ("9.3", "9", False), ("12", "12", True), ("22.4", "22.04", True), ("7", None, False),
])
def test_version_prefix_matching(wanted, actual, expected):
    assert version_matches(wanted, actual) is expected


# --- pick_image ----------------------------------------------------------------------------------------

CLOUD = [
    img("Ubuntu 22.04 LTS (Jammy Jellyfish)", "2023-05-01T10:00:00Z"),
    img("Ubuntu 22.04 LTS (Jammy Jellyfish)", "2024-02-01T10:00:00Z", image_id="jammy-new"),
    img("Ubuntu 22.04.4 LTS", "2024-01-15T00:00:00Z"),
    img("Ubuntu 22.04 LTS (Jammy Jellyfish) (queued)", "2024-09-01T00:00:00Z", status="queued"),
    img("Ubuntu 22.04 LTS hidden build", "2024-10-01T00:00:00Z", os_hidden=True),
    img("Ubuntu 22.10", "2024-11-01T00:00:00Z"),
    img("Ubuntu 20.04 LTS", "2024-12-01T00:00:00Z"),
    img("Debian 12", "2024-03-01T00:00:00Z"),
    img("my-golden-image", "2025-01-01T00:00:00Z"),
]


def test_newest_active_visible_image_wins():
    decision = pick_image(CLOUD, GENERIC, alias="ubuntu-22.04")
    assert decision.value == "jammy-new"
    assert decision.rule == "newest matching image" and decision.subject == "image for ubuntu 22.04"
    assert "newest of 3 active, visible ubuntu 22.04 image(s)" in decision.reason
    verdicts = {c.candidate: c.verdict for c in decision.considered}
    assert verdicts["'Ubuntu 22.04.4 LTS' (id-Ubuntu 22.04.4 LTS-2024-01-15T00:00:00Z)"].startswith("older")
    assert any(v == "status queued" for v in verdicts.values())
    assert any(v == "hidden (os_hidden)" for v in verdicts.values())
    assert any(v == "version 22.10" for v in verdicts.values())
    assert any(v == "version 20.04" for v in verdicts.values())
    assert verdicts["2 other image(s)"] == "not ubuntu (or distro unknown)"


def test_keywords_and_alias_give_the_same_pick():
    by_alias = pick_image(CLOUD, GENERIC, alias="Ubuntu-22.04").value
    assert pick_image(CLOUD, GENERIC, distro="ubuntu", version="22.04").value == by_alias
    # explicit keywords win over the alias
    assert pick_image(CLOUD, GENERIC, alias="ubuntu-22.04", version="20.04").value == "id-Ubuntu 20.04 LTS-2024-12-01T00:00:00Z"


def test_distro_only_takes_the_newest_of_any_version():
    assert pick_image(CLOUD, GENERIC, distro="Ubuntu").value == "id-Ubuntu 20.04 LTS-2024-12-01T00:00:00Z"


def test_include_hidden_offers_hidden_images():
    assert pick_image(CLOUD, GENERIC, alias="ubuntu-22.04", include_hidden=True).value == \
        "id-Ubuntu 22.04 LTS hidden build-2024-10-01T00:00:00Z"


def test_hidden_patterns_from_vendor_and_generic_lists():
    images = [img("Standard_Ubuntu_22.04_BMS_latest", "2024-06-01T00:00:00Z"),
              img("Standard_Ubuntu_22.04_latest", "2024-01-01T00:00:00Z", image_id="vm")]
    decision = pick_image(images, VENDOR_RULE, alias="ubuntu-22.04")
    assert decision.value == "vm"
    assert any(c.verdict == "hidden by pattern '.*_BMS_.*'" for c in decision.considered)
    # without the vendor pattern the newer BMS image would win
    assert pick_image(images, GENERIC, alias="ubuntu-22.04").value != "vm"
    amphora = [img("amphora-x64-haproxy", os_distro="ubuntu", os_version="22.04"), images[1]]
    assert pick_image(amphora, VENDOR_RULE, alias="ubuntu-22.04").value == "vm"


def test_hpcloud_kernel_parts_are_hidden_and_amphora_still_is():
    # hpcloud is shut down, so load_profile refuses it; the loader's file check still builds it.
    hpcloud = check_profile_file(SHIPPED / "hpcloud.yaml")[0]
    images = [img("Ubuntu Oneiric 11.10 Server 64-bit 20111212 (Kernel)", "2012-01-02T00:00:00Z"),
              img("Ubuntu Oneiric 11.10 Server 64-bit 20111212", "2012-01-01T00:00:00Z", image_id="machine"),
              img("amphora-x64-haproxy", "2012-01-03T00:00:00Z", os_distro="ubuntu", os_version="11.10")]
    decision = pick_image(images, hpcloud, distro="ubuntu", version="11.10")
    assert decision.value == "machine"
    hidden = sorted(c.verdict for c in decision.considered if c.verdict.startswith("hidden"))
    assert hidden == ["hidden by pattern '(?i)amphora-.*'", "hidden by pattern '.* \\\\(Kernel\\\\)'"]


def test_arch_filter_and_the_x86_64_assumption():
    images = [img("ubuntu-22.04-aarch64", "2024-05-01T00:00:00Z", image_id="arm"),
              img("Ubuntu 22.04", "2024-01-01T00:00:00Z", image_id="plain"),
              img("Ubuntu 22.04 x", "2024-02-01T00:00:00Z", image_id="prop", architecture="amd64")]
    assert pick_image(images, GENERIC, alias="ubuntu-22.04").value == "arm"
    assert pick_image(images, GENERIC, alias="ubuntu-22.04", arch="arm64").value == "arm"
    decision = pick_image(images, GENERIC, alias="ubuntu-22.04", arch="amd64")
    assert decision.value == "prop" and decision.subject == "image for ubuntu 22.04 (x86_64)"
    verdicts = {c.candidate: c.verdict for c in decision.considered}
    assert verdicts["'Ubuntu 22.04' (plain)"].startswith("older")
    assert verdicts["'ubuntu-22.04-aarch64' (arm)"] == "arch aarch64"
    with pytest.raises(NoMatch) as caught:
        pick_image(images[1:], GENERIC, alias="ubuntu-22.04", arch="aarch64")
    assert "(arch x86_64 (assumed: no architecture property))" in str(caught.value)


def test_properties_and_name_rules_both_feed_the_choice():
    images = [img("golden", "2024-01-01T00:00:00Z", image_id="tagged", os_distro="Debian", os_version="12"),
              img("debian-12-genericcloud-amd64", "2023-01-01T00:00:00Z", image_id="named")]
    decision = pick_image(images, GENERIC, alias="debian-12")
    assert decision.value == "tagged" and "image properties" in decision.reason


@pytest.mark.parametrize("seed", range(8))
def test_duplicates_resolve_the_same_way_whatever_the_input_order(seed):
    same_time = "2024-04-01T00:00:00Z"
    images = [img("Debian 12", same_time, image_id="b2"), img("Debian 12", same_time, image_id="a1"),
              img("Debian 12 (copy)", same_time, image_id="0"), img("Debian 12", "2024-04-01T00:00:00+00:00",
                                                                    image_id="c3"),
              img("Debian 12", "2024-03-31T23:59:59.999999Z", image_id="older")]
    shuffled = images[:]
    random.Random(seed).shuffle(shuffled)
    decision = pick_image(shuffled, GENERIC, alias="debian-12")
    assert decision.value == "a1"
    assert decision == pick_image(images, GENERIC, alias="debian-12")
    verdicts = [c.verdict for c in decision.considered]
    assert verdicts[:3] == ["same created_at and name; the pick's id sorts first"] * 2 + \
        ["same created_at; 'Debian 12' sorts first by name"]
    assert verdicts[3].startswith("older")


def test_missing_or_odd_created_at_sorts_last():
    images = [img("Debian 12", None, image_id="none"), img("Debian 12", "not a date", image_id="junk"),
              img("Debian 12", "2016-03-08T20:19:41", image_id="naive")]
    decision = pick_image(images, GENERIC, alias="debian-12")
    assert decision.value == "naive"
    assert [c.verdict for c in decision.considered] == ["older (no created_at)"] * 2


def test_no_match_lists_the_three_nearest_same_distro_first():
    with pytest.raises(NoMatch) as caught:
        pick_image(CLOUD, GENERIC, alias="ubuntu-18.04")
    err = caught.value
    assert isinstance(err, LookupError)
    assert err.candidates == ["Ubuntu 20.04 LTS", "Ubuntu 22.10", "Ubuntu 22.04 LTS (Jammy Jellyfish)"]
    assert str(err).startswith("no image matches ubuntu 18.04: the nearest are 'Ubuntu 20.04 LTS'")
    assert "(version 20.04)" in str(err) and "include_hidden=True" in str(err)
    assert "\n" not in str(err)


def test_no_match_falls_back_to_other_distros_and_to_an_empty_cloud():
    with pytest.raises(NoMatch) as caught:
        pick_image(CLOUD, GENERIC, alias="rocky-9")
    assert caught.value.candidates[0] == "my-golden-image"
    assert "(distro unknown)" in str(caught.value)
    with pytest.raises(NoMatch, match="the cloud lists no images"):
        pick_image([], GENERIC, alias="rocky-9")


def test_queued_and_hidden_only_images_do_not_match():
    images = [img("Rocky 9", status="queued"), img("Rocky 9.3", os_hidden="True")]
    with pytest.raises(NoMatch) as caught:
        pick_image(images, GENERIC, alias="rocky-9")
    assert "(status queued)" in str(caught.value) and "(hidden (os_hidden))" in str(caught.value)


def test_pick_image_needs_a_distro():
    with pytest.raises(SelectionError, match="needs an image alias or a distro"):
        pick_image(CLOUD, GENERIC)
    with pytest.raises(SelectionError, match="cannot read the image alias"):
        pick_image(CLOUD, GENERIC, alias="22.04")


def test_junk_entries_are_skipped_and_input_is_not_mutated():
    images = [None, "x", 3, {"name": None, "status": 1}, img("Debian 12", image_id="d")]
    before = repr(images)
    assert pick_image(images, GENERIC, alias="debian-12").value == "d"
    assert repr(images) == before


# --- profile data split ---------------------------------------------------------------------------------


def test_vendor_lists_keep_the_generic_lists():
    otc = load_profile("otc")
    assert otc.get("flavors.exclude_patterns") == ("physical\\..*",)
    assert "(?i).*gpu.*" in otc.get("flavors.generic_exclude_patterns")
    assert otc.get("images.hidden_patterns") == (".*_BMS_.*",)
    assert otc.get("images.generic_hidden_patterns") == ("(?i)amphora-.*",)
    assert len(otc.get("images.generic_name_rules")) > 20
    assert len(load_profile("catalyst").get("login.generic_rules")) == 2


# --- normalize_image takes the decided values ---------------------------------------------------------------


def test_normalize_image_uses_decided_identity_and_login_user():
    ctx = Context(cloud="c", region_name="r")
    raw = img("Ubuntu 22.04 LTS", os_admin_user="root")
    identity = image_identity(raw, GENERIC)
    normalized = normalize_image(raw, ctx, identity=identity.value, login_user="ubuntu")
    assert (normalized.distro, normalized.version, normalized.arch, normalized.login_user) == (
        "ubuntu", "22.04", None, "ubuntu")
    decided_none = normalize_image(raw, ctx, identity=identity, login_user=None)
    assert decided_none.login_user is None and decided_none.distro == "ubuntu"
    as_before = normalize_image(raw, ctx)
    assert (as_before.distro, as_before.login_user) == (None, "root")


def test_server_snapshots_are_skipped_unless_asked():
    from normalizer.select.images import pick_image as pick

    images = [
        {"id": "snap", "name": "web-snapshot", "status": "active", "visibility": "private", "image_type": "snapshot",
         "os_distro": "ubuntu", "os_version": "24.04", "created_at": "2024-06-10T00:00:00Z"},
        {"id": "official", "name": "ubuntu-24.04", "status": "active", "visibility": "public",
         "os_distro": "ubuntu", "os_version": "24.04", "created_at": "2024-05-01T00:00:00Z"},
    ]
    decision = pick(images, GENERIC, alias="ubuntu-24.04")
    assert decision.value == "official"
    assert any("server snapshot" in c.verdict for c in decision.considered)
    assert pick(images, GENERIC, alias="ubuntu-24.04", include_snapshots=True).value == "snap"


def test_kernel_and_ramdisk_parts_are_never_picked():
    # devstack's cirros UEC upload: a kernel (aki), a ramdisk (ari) and the machine image,
    # all named cirros; the parts are newer here, and still lose.
    images = [
        img("cirros-0.6.2-x86_64-kernel", "2024-01-02T00:00:00Z", image_id="k", disk_format="aki",
            container_format="aki"),
        img("cirros-0.6.2-x86_64-ramdisk", "2024-01-02T00:00:00Z", image_id="r", disk_format="ari",
            container_format="ari"),
        img("cirros-0.6.2-x86_64-uec", "2024-01-01T00:00:00Z", image_id="m", disk_format="ami",
            container_format="ami"),
    ]
    decision = pick_image(images, GENERIC, alias="cirros")
    assert decision.value == "m"
    verdicts = {c.candidate: c.verdict for c in decision.considered}
    assert verdicts["'cirros-0.6.2-x86_64-kernel' (k)"] == "not bootable (disk_format aki)"
    assert verdicts["'cirros-0.6.2-x86_64-ramdisk' (r)"] == "not bootable (disk_format ari)"
    with pytest.raises(NoMatch, match="not bootable"):
        pick_image(images[:2], GENERIC, alias="cirros")


def test_the_non_bootable_formats_are_profile_data():
    images = [img("cirros-0.6.2-x86_64-disk", image_id="v", disk_format="vhd")]
    assert pick_image(images, GENERIC, alias="cirros").value == "v"
    strict = load_profile("generic", layers=[("test", {"images": {"non_bootable_formats": ["aki", "ari", "vhd"]}})])
    with pytest.raises(NoMatch):
        pick_image(images, strict, alias="cirros")


def test_the_assumed_arch_is_profile_data():
    images = [img("Debian 12", image_id="d")]
    assert pick_image(images, GENERIC, alias="debian-12", arch="amd64").value == "d"
    arm = load_profile("generic", layers=[("test", {"images": {"assumed_arch": "aarch64"}})])
    assert pick_image(images, arm, alias="debian-12", arch="arm64").value == "d"
    with pytest.raises(NoMatch, match="arch aarch64 \\(assumed"):
        pick_image(images, arm, alias="debian-12", arch="x86_64")


def test_the_probe_image_is_the_profiles_alias_else_the_newest_bootable_whatever_the_order():
    from normalizer.select.images import pick_probe_image
    generic = load_profile("generic")
    others = [{"id": "b", "name": "Fedora 40", "status": "active", "created_at": "2024-05-01"},
              {"id": "c", "name": "Fedora 40 copy", "status": "active", "created_at": "2024-05-01"},
              {"id": "k", "name": "vmlinuz", "status": "active", "disk_format": "aki", "created_at": "2025-01-01"},
              {"id": "q", "name": "queued", "status": "queued", "created_at": "2025-02-01"}]
    assert pick_probe_image(others, generic) == "c"
    assert pick_probe_image(list(reversed(others)), generic) == "c"
    ubuntu = {"id": "u", "name": "Ubuntu 24.04", "os_distro": "ubuntu", "os_version": "24.04", "status": "active",
              "created_at": "2020-01-01"}
    assert pick_probe_image(others + [ubuntu], generic) == "u"
    assert pick_probe_image(others[2:], generic) is None
