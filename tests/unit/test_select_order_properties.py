"""Hypothesis: image and flavor choices never depend on the order the API lists things in.

The inputs are built to tie often (few names, few timestamps, few sizes, repeated ids),
because ties are where an order dependence hides. Kernel and ramdisk images (aki, ari)
are mixed in: they carry their distro's name but must never be picked.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer.exceptions import NoMatch
from normalizer.profiles import load_profile
from normalizer.select.flavors import pick_flavor
from normalizer.select.images import pick_image

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GENERIC = load_profile("generic")

IMAGE = st.fixed_dictionaries({
    "id": st.sampled_from(["a", "b", "c", "d", "e"]),
    "name": st.sampled_from(["cirros-0.6.2-x86_64-disk", "cirros-0.6.2-x86_64-kernel", "Ubuntu 22.04",
                             "ubuntu-22.04-x86_64", "Debian 12", ""]),
    "status": st.sampled_from(["active", "active", "queued"]),
    "created_at": st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-01T00:00:00+00:00", "2024-06-01T00:00:00Z",
                                   "", "not a date"]),
}, optional={
    "disk_format": st.sampled_from(["qcow2", "raw", "aki", "ari", "ami", "AKI"]),
    "container_format": st.sampled_from(["bare", "aki", "ari", "ami"]),
    "os_distro": st.sampled_from(["ubuntu", "cirros", "debian"]),
    "architecture": st.sampled_from(["x86_64", "amd64", "aarch64"]),
    "os_hidden": st.booleans(),
})
IMAGE_REQUESTS = st.sampled_from([{"alias": "cirros"}, {"alias": "ubuntu-22.04"}, {"alias": "debian-12"},
                                  {"distro": "ubuntu", "arch": "amd64"}, {"alias": "ubuntu"}])

FLAVOR = st.fixed_dictionaries({
    "id": st.sampled_from(["1", "2", "3", "4", "5"]),
    "name": st.sampled_from(["m1.small", "m1.medium", "s3.medium", "c3ne.medium", "g1.gpu", ""]),
    "vcpus": st.sampled_from([1, 2, 2, 4]),
    "ram": st.sampled_from([2048, 4096, 4096, 8192]),
    "disk": st.sampled_from([0, 20, 40]),
}, optional={
    "os-flavor-access:is_public": st.booleans(),
    "OS-FLV-DISABLED:disabled": st.booleans(),
    "extra_specs": st.sampled_from([{}, {"resources:VCPU": "0"}, {"pci_passthrough:alias": "a100:1"}]),
})
FLAVOR_REQUESTS = st.sampled_from([{"spec": "t3.small"}, {"spec": "t3.medium"}, {"min_ram": 4096},
                                   {"min_vcpus": 2, "min_disk": 20}, {"spec": "t3.small", "include_private": True}])


def _in_two_orders(pick, items, seed):
    """The pick from ``items`` and from a shuffled copy, checked to agree on value and rule."""
    shuffled = items[:]
    seed.shuffle(shuffled)
    decision, again = _outcome(lambda: pick(items)), _outcome(lambda: pick(shuffled))
    if decision is NoMatch:
        assert again is NoMatch
    else:
        assert again is not NoMatch and again.value == decision.value and again.rule == decision.rule
    return decision, again


def _outcome(call):
    try:
        return call()
    except NoMatch:
        return NoMatch


@FAST
@given(images=st.lists(IMAGE, max_size=8), request=IMAGE_REQUESTS, seed=st.randoms(use_true_random=False))
def test_pick_image_is_the_same_for_every_order_of_the_list(images, request, seed):
    decision, again = _in_two_orders(lambda listed: pick_image(listed, GENERIC, **request), images, seed)
    if decision is not NoMatch and len({i["id"] for i in images}) == len(images):
        assert again == decision  # distinct records: the whole explanation too


@FAST
@given(images=st.lists(IMAGE, max_size=8), request=IMAGE_REQUESTS)
def test_kernel_and_ramdisk_images_are_never_picked(images, request):
    decision = _outcome(lambda: pick_image(images, GENERIC, **request))
    if decision is NoMatch:
        return
    bootable = [i for i in images if i["id"] == decision.value
                and str(i.get("disk_format", "")).lower() not in ("aki", "ari")
                and str(i.get("container_format", "")).lower() not in ("aki", "ari")]
    assert bootable, "the pick must be a bootable image"


@FAST
@given(flavors=st.lists(FLAVOR, max_size=8), request=FLAVOR_REQUESTS, seed=st.randoms(use_true_random=False))
def test_pick_flavor_is_the_same_for_every_order_of_the_list(flavors, request, seed):
    decision, again = _in_two_orders(lambda listed: pick_flavor(listed, GENERIC, **request), flavors, seed)
    if decision is not NoMatch and len({f["id"] for f in flavors}) == len(flavors):
        assert again.reason == decision.reason
