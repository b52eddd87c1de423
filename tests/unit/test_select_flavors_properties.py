"""Hypothesis properties of pick_flavor: smallest satisfying flavor or NoMatch, total, pure."""

from __future__ import annotations

import copy
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer.exceptions import NoMatch, SelectionError
from normalizer.profiles import load_profile
from normalizer.select.decision import Decision
from normalizer.select.flavors import pick_flavor
from tests import strategies as raw

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JUNK = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Names whose exclusion under the generic profile is known: (name, excluded by its name).
NAMES = (("m1.small", False), ("m1.large", False), ("4C-8GB-50GB", False), ("s3.large.2", False),
         ("c3ne.large.2", False), ("g1.gpu", True), ("baremetal.x", True), ("GPU-a100", True), ("a", False))
# Extra specs whose exclusion is known: (extra_specs or None for "absent", excluded).
SPECS = ((None, False), ({}, False), ({"resources:VGPU": "1"}, True), ({"resources:VGPU": "0"}, False),
         ({"pci_passthrough:alias": "a100:1"}, True), ({"resources:VCPU": "0"}, True),
         ({"hw:cpu_policy": "dedicated"}, False))


@lru_cache(maxsize=None)
def generic():
    return load_profile("generic")


@st.composite
def clean_flavor(draw):
    """A well-formed flavor with known exclusion facts, kept beside the raw record."""
    name, by_name = draw(st.sampled_from(NAMES))
    specs, by_spec = draw(st.sampled_from(SPECS))
    record = {"id": draw(st.sampled_from(["1", "2", "3", "a-1", "b-2"])), "name": name,
              "vcpus": draw(st.integers(1, 16)), "ram": draw(st.sampled_from([512, 1024, 2048, 4096, 8192])),
              "disk": draw(st.sampled_from([0, 1, 20, 40])),
              "os-flavor-access:is_public": draw(st.booleans()), "OS-FLV-DISABLED:disabled": draw(st.booleans())}
    if specs is not None:
        record["extra_specs"] = specs
    return record, {"excluded": by_name or by_spec, "private": not record["os-flavor-access:is_public"],
                    "disabled": record["OS-FLV-DISABLED:disabled"]}


minimum = st.one_of(st.none(), st.integers(0, 16))
ram_minimum = st.one_of(st.none(), st.sampled_from([0, 512, 1000, 2048, 4096, 8192, 9000]))
disk_minimum = st.one_of(st.none(), st.sampled_from([0, 1, 20, 41]))
flags = st.fixed_dictionaries({"include_disabled": st.booleans(), "include_private": st.booleans(),
                               "include_excluded": st.booleans()})


def oracle(entries, request, chosen_flags):
    """The expected winner, computed independently of the module under test."""
    allowed = {"disabled": chosen_flags["include_disabled"], "private": chosen_flags["include_private"],
               "excluded": chosen_flags["include_excluded"]}
    fitting = [rec for rec, facts in entries
               if all(allowed[kind] or not facts[kind] for kind in allowed)
               and rec["vcpus"] >= (request["min_vcpus"] or 0) and rec["ram"] >= (request["min_ram"] or 0)
               and rec["disk"] >= (request["min_disk"] or 0)]
    return min(fitting, key=lambda r: (r["vcpus"], r["ram"], r["disk"], r["name"], r["id"]), default=None)


@FAST
@given(entries=st.lists(clean_flavor(), max_size=12), min_vcpus=minimum, min_ram=ram_minimum,
       min_disk=disk_minimum, chosen=flags, seed=st.randoms(use_true_random=False))
def test_picks_the_smallest_eligible_satisfying_flavor_or_raises(entries, min_vcpus, min_ram, min_disk, chosen, seed):
    flavors = [rec for rec, _ in entries]
    request = {"min_vcpus": min_vcpus, "min_ram": min_ram, "min_disk": min_disk}
    expected = oracle(entries, request, chosen)
    try:
        decision = pick_flavor(flavors, generic(), **request, **chosen)
    except NoMatch as err:
        assert expected is None
        assert len(err.candidates) == min(3, len(flavors)) and "\n" not in str(err)
        return
    assert expected is not None and decision.value == expected["id"]
    assert f"picked {expected['name']}: {expected['vcpus']} vCPU" in decision.reason
    assert f", {expected['ram']} MiB RAM" in decision.reason and f", {expected['disk']} GiB disk" in decision.reason
    # the listing order never changes the answer
    shuffled = flavors[:]
    seed.shuffle(shuffled)
    assert pick_flavor(shuffled, generic(), **request, **chosen).value == decision.value


@JUNK
@given(flavors=st.lists(st.one_of(raw.nova_flavors(), clean_flavor().map(lambda entry: entry[0]), raw.junk),
                        max_size=6),
       min_vcpus=minimum, min_ram=ram_minimum, min_disk=disk_minimum,
       spec=st.one_of(st.none(), st.sampled_from(["t3.small", "m5.large", "t2.nano"])), chosen=st.one_of(
           st.just({"include_disabled": True, "include_private": True, "include_excluded": True}), flags))
def test_junk_flavors_give_a_decision_or_no_match_and_are_not_mutated(flavors, min_vcpus, min_ram, min_disk,
                                                                     spec, chosen):
    before = copy.deepcopy(flavors)
    try:
        decision = pick_flavor(flavors, generic(), spec, min_vcpus=min_vcpus, min_ram=min_ram, min_disk=min_disk,
                               **chosen)
    except NoMatch as err:
        assert "\n" not in str(err) and err.hint and len(err.candidates) <= 3
    else:
        assert isinstance(decision, Decision) and isinstance(decision.value, str)
        assert any(isinstance(f, dict) and str(f.get("id")) == decision.value for f in flavors)
        assert decision.to_munch().reason.startswith("asked ")
    assert flavors == before


@JUNK
@given(min_vcpus=st.one_of(minimum, raw.junk), min_ram=st.one_of(ram_minimum, raw.junk),
       min_disk=st.one_of(disk_minimum, raw.junk), spec=st.one_of(st.none(), st.text(max_size=12), raw.junk))
def test_junk_requests_raise_only_selection_errors(min_vcpus, min_ram, min_disk, spec):
    flavors = [{"id": "3", "name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40}]
    try:
        decision = pick_flavor(flavors, generic(), spec, min_vcpus=min_vcpus, min_ram=min_ram, min_disk=min_disk)
    except SelectionError as err:
        assert "\n" not in str(err) and err.hint
    else:
        assert decision.value == "3"
