"""Lint every file shipped in vendor_profiles/, and pin the facts of _defaults.yaml."""

import re
import warnings
from pathlib import Path

import pytest
import yaml

from normalizer.exceptions import ProfileShutdownError
from normalizer.profiles import ProfileDeprecationWarning, list_profiles, load_profile
from normalizer.profiles.loader import check_profile_file, profile_dirs

SHIPPED = Path(__file__).resolve().parents[2] / "vendor_profiles"
FILES = sorted(p for p in SHIPPED.iterdir() if p.is_file())
PROFILES = [p for p in FILES if p.stem != "_defaults"]
REQUIRED = {"_defaults", "generic", "vexxhost", "citycloud", "rackspace", "ovh", "hpcloud", "dreamhost"}


def _raw(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


DEFAULTS = _raw(SHIPPED / "_defaults.yaml")


def test_the_loader_reads_this_directory():
    assert Path(str(profile_dirs()[-1][1])).resolve() == SHIPPED


def test_required_profiles_are_shipped():
    assert REQUIRED <= {p.stem for p in FILES}
    assert set(list_profiles()) == {p.stem for p in PROFILES}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_shipped_file_passes_the_loader(path):
    # Any extension is globbed on purpose: a stray .yml or .json must fail here.
    profiles = check_profile_file(path)
    regions = list((_raw(path) or {}).get("regions") or {})
    assert [p.region_name for p in profiles] == ([] if path.stem == "_defaults" else [None, *regions])


@pytest.mark.parametrize("path", PROFILES, ids=[p.name for p in PROFILES])
def test_every_profile_loads_by_name_with_its_status(path):
    status = _raw(path)["status"]
    if status == "shutdown":
        with pytest.raises(ProfileShutdownError):
            load_profile(path.stem)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        profile = load_profile(path.stem)
    assert profile.name == path.stem and profile.status == status
    deprecations = [w for w in caught if issubclass(w.category, ProfileDeprecationWarning)]
    assert len(deprecations) == (1 if status == "deprecated" else 0)


@pytest.mark.parametrize("path", [p for p in PROFILES if p.stem != "generic"],
                         ids=[p.name for p in PROFILES if p.stem != "generic"])
def test_every_vendor_file_lists_its_own_sources(path):
    sources = _raw(path).get("sources")
    assert sources and all(isinstance(s, str) and len(s) > 10 for s in sources)


@pytest.mark.parametrize("path", [p for p in PROFILES if _raw(p)["status"] == "deprecated"],
                         ids=lambda p: p.name)
def test_deprecated_profiles_name_an_active_replacement(path):
    message = _raw(path)["message"]
    replacements = [n for n in list_profiles() if n != path.stem and re.search(rf"\b{n}\b", message)]
    assert replacements
    assert all(_raw(SHIPPED / f"{n}.yaml")["status"] == "active" for n in replacements)


# --- facts in _defaults.yaml -------------------------------------------------------------------


def test_transport_defaults():
    transport = load_profile("generic").transport
    assert (transport.timeout, transport.connect_retries, transport.status_retries) == (60, 2, 4)
    assert transport.retry_statuses == (429, 503) and transport.max_retry_delay == 30
    assert transport.rate_limit == {} and transport.microversions == {"compute": "2.79"}


def _name_rule_match(name):
    assert DEFAULTS["images"]["name_rules"] == []
    for rule in DEFAULTS["images"]["generic_name_rules"]:
        found = re.fullmatch(rule["pattern"], name)
        if found:
            groups = found.groupdict()
            return rule["distro"], groups.get("version", rule.get("version")), groups.get("arch", rule.get("arch"))
    return None


@pytest.mark.parametrize("name, expected", [
    ("Ubuntu 22.04 LTS (Jammy Jellyfish)", ("ubuntu", "22.04", None)),
    ("ubuntu-22.04-x86_64", ("ubuntu", "22.04", "x86_64")),
    ("Standard_Ubuntu_22.04_latest", ("ubuntu", "22.04", None)),
    ("Ubuntu 16.04.1 LTS [2017-03-03]", ("ubuntu", "16.04", None)),
    ("Ubuntu Server 14.04.1 LTS (amd64 20150706) - Partner Image", ("ubuntu", "14.04", "amd64")),
    ("Ubuntu 24.04 Noble Numbat x86_64", ("ubuntu", "24.04", "x86_64")),
    ("jammy-server-cloudimg-amd64", ("ubuntu", "22.04", "amd64")),
    ("Test Monty Ubuntu", ("ubuntu", None, None)),
    ("Fedora-Cloud-Base-38", ("fedora", "38", None)),
    ("Fedora 21 (PVHVM)", ("fedora", "21", None)),
    ("fedora-coreos-39", ("fedora-coreos", "39", None)),
    ("Flatcar Container Linux", ("flatcar", None, None)),
    ("debian-12-genericcloud-amd64", ("debian", "12", "amd64")),
    ("debian-12-x86_64-20241217", ("debian", "12", "x86_64")),
    ("Debian 12", ("debian", "12", None)),
    ("Rocky 9", ("rocky", "9", None)),
    ("AlmaLinux 9", ("almalinux", "9", None)),
    ("CentOS 7 (PVHVM)", ("centos", "7", None)),
    ("CentOS Stream 9", ("centos", "9", None)),
    ("CentOS-7-x86_64-GenericCloud-1604", ("centos", "7", "x86_64")),
    ("Fedora-x86_64-20-20140407-sda", ("fedora", "20", "x86_64")),
    ("AlmaLinux 9.3", ("almalinux", "9.3", None)),
    ("Debian 12 bookworm", ("debian", "12", None)),
    ("openSUSE Leap 15.6", ("opensuse", "15.6", None)),
    ("Red Hat Enterprise Linux 6.3", ("rhel", "6.3", None)),
    ("cirros-0.4.0-x86_64-disk", ("cirros", "0.4.0", "x86_64")),
    ("Windows Server 2022", ("windows", "2022", None)),
    ("Windows Server 2012 (with updates)", ("windows", "2012", None)),
    ("hypernode", None),
    ("Fedora Atomic Host 29", ("fedora", None, None)),
    ("Windows 2008 SP2 x86 (B24)", ("windows", None, None)),
])
def test_generic_image_name_rules(name, expected):
    assert _name_rule_match(name) == expected


@pytest.mark.parametrize("distro, user", [
    ("ubuntu", "ubuntu"), ("debian", "debian"), ("fedora", "fedora"), ("centos", "centos"),
    ("rhel", "cloud-user"), ("rocky", "rocky"), ("almalinux", "almalinux"), ("opensuse", "opensuse"),
    ("sles", "sles"), ("cirros", "cirros"), ("coreos", "core"), ("fedora-coreos", "core"),
    ("flatcar", "core"), ("alpine", "alpine"), ("arch", "arch"), ("freebsd", "freebsd"), ("talos", None),
])
def test_login_distro_table(distro, user):
    assert load_profile("generic").get("login.distro_users")[distro] == user


def test_windows_login_is_left_unknown():
    assert "windows" not in load_profile("generic").login.distro_users


def _excluded(name, extra_specs=None):
    flavors = DEFAULTS["flavors"]
    assert flavors["exclude_patterns"] == [] and flavors["exclude_extra_specs"] == []
    if any(re.fullmatch(p, name) for p in flavors["generic_exclude_patterns"]):
        return True
    return any(re.fullmatch(r["pattern"], str((extra_specs or {}).get(r["key"], "")))
               and r["key"] in (extra_specs or {}) for r in flavors["generic_exclude_extra_specs"])


@pytest.mark.parametrize("name, specs, expected", [
    ("v2-gpu-6", {}, True),
    ("baremetal-small", {}, True),
    ("Bare Metal 64", {}, True),
    ("v2-standard-4", {}, False),
    ("4C-4GB-100GB", {}, False),
    ("bm.large", {"resources:VCPU": "0", "resources:CUSTOM_BAREMETAL_LARGE": "1"}, True),
    ("g1.large", {"resources:VGPU": "1"}, True),
    ("p1.large", {"pci_passthrough:alias": "a1:2"}, True),
    ("m1.small", {"hw:cpu_policy": "dedicated"}, False),
])
def test_flavor_exclusions(name, specs, expected):
    assert _excluded(name, specs) is expected


AWS = {
    "t3": [("nano", 2, 512), ("micro", 2, 1024), ("small", 2, 2048), ("medium", 2, 4096),
           ("large", 2, 8192), ("xlarge", 4, 16384), ("2xlarge", 8, 32768)],
    "t2": [("nano", 1, 512), ("micro", 1, 1024), ("small", 1, 2048), ("medium", 2, 4096),
           ("large", 2, 8192), ("xlarge", 4, 16384), ("2xlarge", 8, 32768)],
    "m5": [("large", 2, 8192), ("xlarge", 4, 16384), ("2xlarge", 8, 32768), ("4xlarge", 16, 65536)],
    "c5": [("large", 2, 4096), ("xlarge", 4, 8192), ("2xlarge", 8, 16384), ("4xlarge", 16, 32768)],
    "r5": [("large", 2, 16384), ("xlarge", 4, 32768), ("2xlarge", 8, 65536), ("4xlarge", 16, 131072)],
}
SAME_AS = {"t3a": "t3", "m6i": "m5", "c6i": "c5", "r6i": "r5"}


def test_instance_type_table_matches_aws():
    table = load_profile("generic").get("instance_types")
    expected = {}
    for family, sizes in AWS.items():
        for twin in [family] + [k for k, v in SAME_AS.items() if v == family]:
            for size, vcpus, ram in sizes:
                expected[f"{twin}.{size}"] = {"vcpus": vcpus, "ram": ram}
    assert {name: dict(spec) for name, spec in table.items()} == expected


def _schema_keys(node, seen=None):
    from normalizer.profiles import schema
    seen = set() if seen is None else seen
    if id(node) in seen:
        return set()
    seen.add(id(node))
    keys = set()
    if isinstance(node, schema.Record):
        for key, child in node.fields.items():
            keys.add(key)
            keys |= _schema_keys(child, seen)
    elif isinstance(node, (schema.ListOf,)):
        keys |= _schema_keys(node.item, seen)
    elif isinstance(node, schema.MapOf):
        keys |= set(node.keys or ()) | _schema_keys(node.value, seen)
    return keys


def test_every_schema_key_is_documented():
    from normalizer.profiles.schema import PROFILE
    docs = (SHIPPED.parent / "docs" / "profiles.md").read_text(encoding="utf-8")
    keys = _schema_keys(PROFILE)
    assert len(keys) > 50
    assert sorted(k for k in keys if f"`{k}`" not in docs) == []


SPLIT_LISTS = (("images", "name_rules", "generic_name_rules"), ("images", "hidden_patterns", "generic_hidden_patterns"),
               ("login", "rules", "generic_rules"), ("flavors", "exclude_patterns", "generic_exclude_patterns"),
               ("flavors", "exclude_extra_specs", "generic_exclude_extra_specs"))


@pytest.mark.parametrize("path", PROFILES, ids=[p.name for p in PROFILES])
def test_vendor_files_do_not_copy_generic_entries(path):
    # The generic lists apply under every vendor list, so a copy would only go stale.
    data = _raw(path)
    blocks = [data] + [b for b in (data.get("regions") or {}).values() if b]
    for block in blocks:
        for section, own, generic in SPLIT_LISTS:
            entries = (block.get(section) or {}).get(own) or []
            copied = [e for e in entries if e in DEFAULTS[section][generic]]
            assert not copied, f"{path.name}: {section}.{own} repeats {copied}"
            assert generic not in (block.get(section) or {}), f"{path.name} replaces {section}.{generic}"
