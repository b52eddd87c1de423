"""Flavor choice on realistic flavor lists (devstack m1.*, City Cloud, OTC, GPU, bare metal).

Regression anchors: mantl#182 (a ram request silently ignored: the pick must say how it
differs from the request) and ansible-otc#21 (a dedicated flavor picked instead of a
shared one of the same size: the tie must be visible and a profile must be able to
exclude the family).
"""

from __future__ import annotations

import copy
import random
import re
from functools import lru_cache

import pytest

from normalizer.exceptions import NoMatch, ProfileError, SelectionError
from normalizer.profiles import Profile, load_profile
from normalizer.select.flavors import flavor_exclusion, pick_flavor, resolve_request


@lru_cache(maxsize=None)
def profile(name="generic"):
    # Loaded lazily, inside a test, so the isolation fixture has already cleaned the environment.
    return load_profile(name)


def with_flavors(name="generic", **flavors):
    return load_profile(name, layers=[("test layer", {"flavors": flavors})])


def flavor(fid, name, vcpus, ram, disk, *, public=True, disabled=False, extra_specs=None):
    """A flavor as GET /flavors/detail returns it at microversion 2.61+."""
    raw = {"id": fid, "name": name, "vcpus": vcpus, "ram": ram, "disk": disk,
           "OS-FLV-EXT-DATA:ephemeral": 0, "swap": 0, "rxtx_factor": 1.0,
           "os-flavor-access:is_public": public, "OS-FLV-DISABLED:disabled": disabled,
           "links": [{"href": f"http://127.0.0.1/v2.1/flavors/{fid}", "rel": "self"}]}
    if extra_specs is not None:
        raw["extra_specs"] = extra_specs
    return raw


DEVSTACK = [
    flavor("1", "m1.tiny", 1, 512, 1),
    flavor("2", "m1.small", 1, 2048, 20),
    flavor("3", "m1.medium", 2, 4096, 40),
    flavor("4", "m1.large", 4, 8192, 80),
    flavor("5", "m1.xlarge", 8, 16384, 160),
    flavor("42", "m1.nano", 1, 128, 1),
    flavor("84", "m1.micro", 1, 192, 1),
]
CITYCLOUD = [
    flavor("c1", "1C-1GB-20GB", 1, 1024, 20),
    flavor("c2", "2C-2GB-20GB", 2, 2048, 20),
    flavor("c3", "2C-4GB-50GB", 2, 4096, 50),
    flavor("c4", "4C-8GB-50GB", 4, 8192, 50),
    flavor("c5", "8C-16GB-100GB", 8, 16384, 100),
]
# OTC ECS flavors boot from volume (disk 0); s3 is shared general purpose, c3ne dedicated.
OTC = [
    flavor("c3ne.large.2", "c3ne.large.2", 2, 4096, 0),
    flavor("s3.large.2", "s3.large.2", 2, 4096, 0),
    flavor("s3.medium.2", "s3.medium.2", 1, 2048, 0),
    flavor("s3.xlarge.2", "s3.xlarge.2", 4, 8192, 0),
    flavor("physical.s4.large", "physical.s4.large", 2, 4096, 0),
]
SPECIAL = [
    flavor("g1", "g1.xlarge", 2, 2048, 40, extra_specs={"pci_passthrough:alias": "nvidia-t4:1"}),
    flavor("g2", "g1.vgpu.small", 2, 2048, 40, extra_specs={"resources:VGPU": "1"}),
    flavor("bm", "baremetal.general", 2, 2048, 40,
           extra_specs={"resources:VCPU": "0", "resources:CUSTOM_BAREMETAL_GENERAL": "1"}),
    flavor("old", "m1.legacy", 2, 2048, 20, disabled=True),
    flavor("priv", "m1.private", 2, 2048, 20, public=False),
]


# --- resolve_request -----------------------------------------------------------------------

AWS_SIZES = {
    ("t2", "t3", "t3a"): ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"),
    ("m5", "m6i", "c5", "c6i", "r5", "r6i"): ("large", "xlarge", "2xlarge", "4xlarge"),
}


def test_the_table_has_every_family_size():
    table = profile().get("instance_types")
    expected = {f"{family}.{size}" for families, sizes in AWS_SIZES.items() for family in families for size in sizes}
    assert expected <= set(table)


def test_every_instance_type_resolves_to_its_table_values():
    table = profile().get("instance_types")
    assert len(table) >= 45
    for name, entry in table.items():
        request = resolve_request(name, profile())
        assert (request["min_vcpus"], request["min_ram"], request["min_disk"]) == (entry["vcpus"], entry["ram"], 0)
        assert request["label"] == f"{name} (>= {entry['vcpus']} vCPU{'s' if entry['vcpus'] > 1 else ''}, " \
                                   f">= {entry['ram']} MiB RAM)"


def test_every_instance_type_picks_its_exact_size_over_bigger_ones():
    table = profile().get("instance_types")
    sizes = sorted({(e["vcpus"], e["ram"]) for e in table.values()})
    flavors = [flavor(f"id-{v}-{r}", f"x{v}-{r}", v, r, 20) for v, r in sizes]
    for name, entry in table.items():
        decision = pick_flavor(flavors, profile(), name)
        assert decision.value == f"id-{entry['vcpus']}-{entry['ram']}", name
        assert decision.reason.endswith("exactly the size asked")


def test_known_aws_sizes():
    assert {k: resolve_request(k, profile())["min_ram"] for k in ("t3.micro", "m5.large", "c5.xlarge", "r5.large")} \
        == {"t3.micro": 1024, "m5.large": 8192, "c5.xlarge": 8192, "r5.large": 16384}


def test_keyword_minimums_override_the_spec():
    request = resolve_request("t3.small", profile(), min_ram=4096, min_disk=30)
    assert (request["min_vcpus"], request["min_ram"], request["min_disk"]) == (2, 4096, 30)
    assert request["label"] == "t3.small with min_ram=4096, min_disk=30 (>= 2 vCPUs, >= 4096 MiB RAM, >= 30 GiB disk)"
    # an explicit 0 is an override too, unlike None
    assert resolve_request("m5.large", profile(), min_vcpus=0)["min_vcpus"] == 0


def test_minimums_alone_and_nothing():
    assert resolve_request(None, profile(), min_vcpus=4, min_ram="8192") == {
        "min_vcpus": 4, "min_ram": 8192, "min_disk": 0, "label": ">= 4 vCPUs, >= 8192 MiB RAM"}
    assert resolve_request(None, profile()) == {"min_vcpus": 0, "min_ram": 0, "min_disk": 0, "label": "any size"}


def test_spec_ignores_case_and_spaces():
    assert resolve_request(" T3.Small ", profile())["min_ram"] == 2048


def test_profile_alias_and_instance_types_win_over_aliases():
    p = with_flavors(aliases={"gp-small": {"min_vcpus": 2, "min_ram": 4096, "min_disk": 40},
                              "t3.small": {"min_vcpus": 8}})
    request = resolve_request("gp-small", p)
    assert request == {"min_vcpus": 2, "min_ram": 4096, "min_disk": 40,
                       "label": "alias 'gp-small' (>= 2 vCPUs, >= 4096 MiB RAM, >= 40 GiB disk)"}
    assert resolve_request("t3.small", p)["min_vcpus"] == 2
    assert pick_flavor(DEVSTACK, p, "gp-small").value == "3"


def test_unknown_spec_lists_close_names():
    with pytest.raises(NoMatch) as caught:
        resolve_request("t3.smal", profile())
    err = caught.value
    assert "t3.small" in err.candidates and len(err.candidates) <= 5
    assert "\n" not in str(err) and "'t3.smal'" in str(err)
    assert err.hint == "use an AWS instance type such as t3.small, an SCS flavor name such as SCS-2V-4, or min_vcpus=/min_ram="
    with pytest.raises(NoMatch) as caught:
        pick_flavor(DEVSTACK, profile(), "huge")
    assert caught.value.candidates == []


@pytest.mark.parametrize("kwargs", [{"min_ram": "lots"}, {"min_vcpus": -1}, {"min_disk": True},
                                    {"min_ram": 1.5}, {"min_ram": [4096]}])
def test_malformed_minimums_raise_a_selection_error(kwargs):
    with pytest.raises(SelectionError) as caught:
        pick_flavor(DEVSTACK, profile(), **kwargs)
    assert not isinstance(caught.value, NoMatch)
    key = next(iter(kwargs))
    assert str(caught.value).startswith(f"{key} must be a whole number >= 0") and f"{key}=" in caught.value.hint


def test_a_spec_that_is_not_text_is_refused():
    with pytest.raises(SelectionError, match="a flavor size must be a name"):
        resolve_request(2048, profile())


# --- pick_flavor ---------------------------------------------------------------------------


def test_reports_what_was_asked_and_how_the_pick_differs():
    decision = pick_flavor(DEVSTACK, profile(), "t3.small")
    assert decision.value == "3"
    assert decision.reason == ("asked t3.small (>= 2 vCPUs, >= 2048 MiB RAM); picked m1.medium: "
                               "2 vCPUs, 4096 MiB RAM (+2048 MiB), 40 GiB disk")
    assert decision.rule == "smallest satisfying flavor"
    assert decision.subject == "flavor for t3.small (>= 2 vCPUs, >= 2048 MiB RAM)"


def test_mantl_182_a_ram_request_is_never_silently_ignored():
    # flavor_ram 4096 booted an 8 GB flavor without a word: the difference must be stated.
    decision = pick_flavor(CITYCLOUD, profile(), min_ram=4096, min_disk=60)
    assert decision.value == "c5"
    assert "picked 8C-16GB-100GB: 8 vCPUs, 16384 MiB RAM (+12288 MiB), 100 GiB disk (+40 GiB)" in decision.reason
    verdicts = {c.candidate: c.verdict for c in decision.considered}
    assert verdicts["4C-8GB-50GB"] == "too small: 50 GiB disk < 60"


def test_citycloud_exact_and_bigger_vcpus():
    exact = pick_flavor(CITYCLOUD, profile(), min_vcpus=4, min_ram=8192)
    assert exact.value == "c4" and exact.reason.endswith("; exactly the size asked")
    bigger = pick_flavor(CITYCLOUD, profile(), "m5.large")  # 2 vCPUs, 8192 MiB: only 4C has that RAM
    assert bigger.value == "c4"
    assert "picked 4C-8GB-50GB: 4 vCPUs (+2), 8192 MiB RAM, 50 GiB disk" in bigger.reason


def test_otc_tie_between_dedicated_and_shared_is_visible():
    # ansible-otc#21: same size; the name decides, and the reason says so.
    decision = pick_flavor(OTC, profile("otc"), "t3.medium")
    assert decision.value == "c3ne.large.2"
    assert "the same size as s3.large.2 (the name decided)" in decision.reason
    assert "0 GiB disk (boot from volume)" in decision.reason
    verdicts = {c.candidate: c.verdict for c in decision.considered}
    assert verdicts["s3.large.2"] == "the same size; loses on the name"


def test_otc_profile_layer_excluding_the_dedicated_family_picks_the_shared_flavor():
    p = load_profile("otc", layers=[("clouds.yaml", {"flavors": {"exclude_patterns": ["physical\\..*", "c3ne\\..*"]}})])
    decision = pick_flavor(OTC, p, "t3.medium")
    assert decision.value == "s3.large.2"
    skipped = next(c for c in decision.considered if c.candidate == "c3ne.large.2")
    assert "excluded family: name matches 'c3ne\\\\..*' (flavors.exclude_patterns)" in skipped.verdict
    assert "include_excluded=True" in skipped.verdict
    verdicts = {c.candidate: c.verdict for c in decision.considered}
    assert verdicts["physical.s4.large"].startswith("would fit (2 vCPUs, 4096 MiB RAM, 0 GiB disk (boot from volume))"
                                                   " but is skipped: excluded family: name matches 'physical\\\\..*'")


def test_boot_from_volume_flavors_satisfy_only_requests_without_disk():
    assert pick_flavor(OTC, profile("otc"), min_vcpus=4).value == "s3.xlarge.2"
    assert pick_flavor(OTC + DEVSTACK, profile("otc"), min_vcpus=4, min_disk=0).value == "s3.xlarge.2"
    assert pick_flavor(OTC + DEVSTACK, profile("otc"), min_vcpus=4, min_disk=1).value == "4"
    with pytest.raises(NoMatch) as caught:
        pick_flavor(OTC, profile("otc"), min_disk=10)
    assert "0 GiB disk < 10" in str(caught.value)


def test_gpu_bare_metal_disabled_and_private_are_skipped_by_default():
    decision = pick_flavor(SPECIAL + DEVSTACK, profile(), "t3.small")
    assert decision.value == "3"
    skipped = [(c.candidate, c.verdict) for c in decision.considered if "skipped" in c.verdict]
    assert skipped == [
        ("m1.legacy", "would fit (2 vCPUs, 2048 MiB RAM, 20 GiB disk) but is skipped: disabled "
                      "(pass include_disabled=True to allow it)"),
        ("m1.private", "would fit (2 vCPUs, 2048 MiB RAM, 20 GiB disk) but is skipped: not public "
                       "(pass include_private=True to allow it)"),
        ("baremetal.general", "would fit (2 vCPUs, 2048 MiB RAM, 40 GiB disk) but is skipped: excluded family: "
                              "name matches '(?i).*bare[-_ .]?metal.*' (flavors.generic_exclude_patterns) "
                              "(pass include_excluded=True to allow it)"),
    ]
    # the two GPU flavors would also fit, and m1.nano is too small: counted, not listed
    assert decision.considered[-1].verdict == "3 more flavors not listed"


@pytest.mark.parametrize("name, expected", [
    ("g1.xlarge", "extra spec pci_passthrough:alias='nvidia-t4:1' matches '.+'"),
    ("g1.vgpu.small", "name matches '(?i).*gpu.*'"),
    ("baremetal.general", "name matches '(?i).*bare[-_ .]?metal.*'"),
    ("m1.legacy", "disabled"),
    ("m1.private", "not public"),
])
def test_flavor_exclusion_says_why(name, expected):
    raw = next(f for f in SPECIAL if f["name"] == name)
    assert expected in flavor_exclusion(raw, profile())


def test_flavor_exclusion_reads_extra_specs_and_allows_plain_flavors():
    assert flavor_exclusion(flavor("x", "bm.x", 2, 2048, 40, extra_specs={"resources:VCPU": "0"}), profile()) \
        == "excluded family: extra spec resources:VCPU='0' matches '0' (flavors.generic_exclude_extra_specs)"
    assert flavor_exclusion(flavor("x", "v.x", 2, 2048, 40, extra_specs={"resources:VGPU": "0"}), profile()) is None
    assert flavor_exclusion(DEVSTACK[0], profile()) is None
    both = flavor("x", "both", 1, 1, 1, disabled=True, public=False)
    assert flavor_exclusion(both, profile()) == "disabled; not public"
    assert flavor_exclusion("junk", profile()) == "not a flavor record"


@pytest.mark.parametrize("flag, raw_id", [("include_disabled", "old"), ("include_private", "priv"),
                                          ("include_excluded", "bm")])
def test_include_flags_admit_each_kind(flag, raw_id):
    decision = pick_flavor(SPECIAL + DEVSTACK, profile(), "t3.small", **{flag: True})
    assert decision.value == raw_id
    assert f"({flag}=True)" in decision.reason and "included although" in decision.reason


def test_a_flag_admits_only_its_own_kind():
    both = flavor("dx", "gpu.old", 2, 2048, 20, disabled=True)
    assert pick_flavor([both] + DEVSTACK, profile(), "t3.small", include_disabled=True).value == "3"
    assert pick_flavor([both] + DEVSTACK, profile(), "t3.small", include_disabled=True,
                       include_excluded=True).value == "dx"


def test_normalized_flavor_flags_are_honoured():
    normalized = {"id": "n", "name": "n.small", "vcpus": 2, "ram": 2048, "disk": 20, "is_disabled": True,
                  "is_public": True, "extra_specs": {}}
    assert pick_flavor([normalized] + DEVSTACK, profile(), "t3.small").value == "3"
    assert pick_flavor([normalized] + DEVSTACK, profile(), "t3.small", include_disabled=True).value == "n"


def test_both_generations_of_exclusion_keys_are_read():
    # the vendor list adds to the generic one; emptying the generic list drops GPU exclusion
    vendor = with_flavors(exclude_patterns=["m1\\.medium"])
    assert pick_flavor(SPECIAL + DEVSTACK, vendor, "t3.small").value == "4"
    no_generic = with_flavors(generic_exclude_patterns=[], generic_exclude_extra_specs=[])
    assert pick_flavor(SPECIAL + DEVSTACK, no_generic, "t3.small").value == "bm"
    # the layout before the split: defaults' lists under exclude_* only
    data = profile().as_dict()
    data["flavors"] = {"exclude_patterns": ["(?i).*gpu.*"], "exclude_extra_specs": [
        {"key": "pci_passthrough:alias", "pattern": ".+"}], "aliases": {}}
    old = Profile.from_data(data)
    assert "(flavors.exclude_patterns)" in flavor_exclusion(SPECIAL[1], old)
    assert "(flavors.exclude_extra_specs)" in flavor_exclusion(SPECIAL[0], old)


def test_a_broken_pattern_in_an_unvalidated_profile_is_a_profile_error_when_frozen():
    # patterns compile once, when the Profile is built: pick_flavor never sees a broken one
    data = profile().as_dict()
    data["flavors"]["exclude_patterns"] = ["(unclosed"]
    with pytest.raises(ProfileError, match="flavors.exclude_patterns\\[0\\]: '\\(unclosed' is not a valid regular"):
        Profile.from_data(data)


def test_considered_explains_the_nearest_losers():
    decision = pick_flavor(DEVSTACK, profile(), "t3.small")
    considered = [(c.candidate, c.verdict) for c in decision.considered]
    assert considered == [
        ("m1.small", "too small: 1 vCPU < 2"),
        ("m1.tiny", "too small: 1 vCPU < 2, 512 MiB RAM < 2048"),
        ("m1.micro", "too small: 1 vCPU < 2, 192 MiB RAM < 2048"),
        ("m1.large", "bigger: 4 vCPUs, 8192 MiB RAM, 80 GiB disk"),
        ("m1.xlarge", "bigger: 8 vCPUs, 16384 MiB RAM, 160 GiB disk"),
        ("(others)", "1 more flavors not listed"),
    ]
    munch = decision.to_munch()
    assert munch.value == "3" and munch.considered[0].candidate == "m1.small"


def test_junk_records_are_skipped_with_a_reason():
    junk = [{"id": "j1", "name": "junk", "vcpus": "x"}, "garbage",
            {"name": "no-id", "vcpus": 2, "ram": 2048, "disk": 1},
            {"id": "neg", "name": "neg", "vcpus": 2, "ram": -1, "disk": 20}, None,
            {"id": "", "name": "blank-id", "vcpus": 2, "ram": 2048, "disk": 20}]
    decision = pick_flavor(junk + DEVSTACK, profile(), "t3.small")
    assert decision.value == "3"
    verdicts = {c.candidate: c.verdict for c in decision.considered}
    assert verdicts["junk"] == "skipped: unusable record: vcpus is 'x', ram is missing, disk is missing"
    assert verdicts["entry #1"] == "skipped: not a flavor record (str)"
    assert verdicts["no-id"] == "skipped: unusable record: no usable id"
    assert "(others)" in verdicts  # 'neg', None and 'blank-id' are counted beyond the first three


def test_sizes_as_text_or_integral_floats_are_read():
    odd = [{"id": "s", "name": "text-sizes", "vcpus": "2", "ram": 2048.0, "disk": "20"}]
    assert pick_flavor(odd, profile(), "t3.small").value == "s"


@pytest.mark.parametrize("flavors", [None, "m1.small", {"flavors": []}, 42])
def test_a_list_that_is_not_a_list_is_no_match(flavors):
    with pytest.raises(NoMatch, match="the cloud lists no usable flavors"):
        pick_flavor(flavors, profile(), "t3.small")


def test_no_match_names_three_nearest_with_sizes_and_a_hint():
    with pytest.raises(NoMatch) as caught:
        pick_flavor(DEVSTACK + SPECIAL, profile(), "r5.2xlarge")
    err = caught.value
    assert err.candidates == ["m1.xlarge", "m1.large", "m1.medium"]
    message = str(err)
    assert "\n" not in message
    assert message.startswith("no flavor for r5.2xlarge (>= 8 vCPUs, >= 65536 MiB RAM) among 12 flavors; nearest: "
                              "'m1.xlarge' (8 vCPUs, 16384 MiB RAM, 160 GiB disk: short: 16384 MiB RAM < 65536), ")
    assert err.hint == ("lower the request, or pass include_disabled=/include_excluded=/include_private=True "
                        "to consider skipped flavors")
    assert err.request["min_ram"] == 65536
    assert err.to_dict()["candidates"] == ["m1.xlarge", "m1.large", "m1.medium"]


def test_no_match_points_at_the_flag_that_would_help():
    gpu_only = [SPECIAL[0], DEVSTACK[0]]
    with pytest.raises(NoMatch) as caught:
        pick_flavor(gpu_only, profile(), "t3.small")
    err = caught.value
    assert err.candidates[0] == "g1.xlarge"
    assert "'g1.xlarge' (2 vCPUs, 2048 MiB RAM, 40 GiB disk: excluded family: extra spec" in str(err)
    assert err.hint == "pass include_excluded=True to allow 'g1.xlarge', or lower the request"


def test_no_flavors_at_all():
    with pytest.raises(NoMatch) as caught:
        pick_flavor([], profile())
    assert str(caught.value) == ("no flavor for any size: the cloud lists no usable flavors; "
                                 "check that this project may list flavors (openstack flavor list)")
    with pytest.raises(NoMatch, match=re.escape("(2 records, none usable)")):
        pick_flavor(["x", {"id": "1"}], profile())


def test_ties_are_deterministic_whatever_the_listing_order():
    same = [flavor("b-id", "general.b", 2, 4096, 40), flavor("a-id", "general.a", 2, 4096, 40),
            flavor("z2", "dup", 2, 4096, 40), flavor("z1", "dup", 2, 4096, 40),
            flavor("big", "big", 4, 4096, 40), flavor("more-ram", "aaa", 2, 8192, 40)]
    picks = set()
    rng = random.Random(7)
    for _ in range(30):
        shuffled = same[:]
        rng.shuffle(shuffled)
        picks.add(pick_flavor(shuffled, profile(), "t3.medium").value)
    assert picks == {"z1"}  # 'dup' sorts first by name, then id 'z1' before 'z2'
    without_dup = [f for f in same if f["name"] != "dup"]
    assert pick_flavor(without_dup[::-1], profile(), "t3.medium").value == "a-id"


def test_input_is_not_mutated():
    flavors = copy.deepcopy(SPECIAL + DEVSTACK + OTC)
    before = copy.deepcopy(flavors)
    pick_flavor(flavors, profile(), "t3.small", include_excluded=True)
    with pytest.raises(NoMatch):
        pick_flavor(flavors, profile(), "r6i.4xlarge")
    assert flavors == before
