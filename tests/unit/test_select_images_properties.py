"""Hypothesis properties of image identity, login users and pick_image."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer.exceptions import NoMatch
from normalizer.profiles import Profile, load_profile
from normalizer.select.decision import Decision
from normalizer.select.images import (
    hidden_reason,
    image_identity,
    pick_image,
    version_matches,
)
from normalizer.select.login import login_user_for_image, login_user_for_server
from tests import strategies as raw

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GENERIC = load_profile("generic")
LAYERED = load_profile("generic", layers=[("test", {
    "images": {"name_rules": [{"pattern": "(?i)img-(?P<version>[0-9.]+)", "distro": "ubuntu"}],
               "hidden_patterns": [".*old.*"]},
    "login": {"overrides": {"a": "x", "b": None},
              "rules": [{"match": {"distro": "ubuntu", "version_pattern": "2.*"}, "user": None}]}})])

KEYS = st.sampled_from(["id", "name", "status", "os_distro", "os_version", "architecture", "os_admin_user",
                        "os_hidden", "visibility", "created_at", "properties", "image_original_user",
                        "org.openstack__1__os_distro", "image", "image_id", "image_name"])
NAMES = st.sampled_from(["Ubuntu 22.04 LTS", "ubuntu-22.04-x86_64", "Debian 12", "Rocky 9.3", "Windows Server 2022",
                         "Talos Linux", "hypernode", "img-22.04", "old Ubuntu 22.04", "a", "b", ""])
ANY_IMAGE = st.one_of(
    raw.glance_images(),
    st.dictionaries(st.one_of(KEYS, st.text(max_size=6)), st.one_of(raw.junk, NAMES), max_size=8),
    raw.junk,
)
# A profile built from data without images/login sections has empty typed sections: the
# functions must work on it as on a full one.
BARE = Profile.from_data({"name": "bare", "display_name": "Bare", "status": "active", "transport": {
    "timeout": 5, "connect_retries": 0, "status_retries": 0, "max_retry_delay": 1}})
PROFILES = st.sampled_from([GENERIC, LAYERED, BARE])


@FAST
@given(image=ANY_IMAGE, profile=PROFILES)
def test_identity_never_raises_and_never_mutates(image, profile):
    before = copy.deepcopy(image)
    decision = image_identity(image, profile)
    assert image == before
    assert isinstance(decision, Decision) and set(decision.value) == {"distro", "version", "arch"}
    assert decision.rule in ("image properties", "profile name rule", "generic name rule", "unknown")
    assert all(v is None or isinstance(v, str) for v in decision.value.values())
    assert (decision.value["distro"] is None) == (decision.rule == "unknown")


@FAST
@given(image=ANY_IMAGE, profile=PROFILES)
def test_login_never_raises_and_never_mutates(image, profile):
    before = copy.deepcopy(image)
    decision = login_user_for_image(image, profile)
    assert image == before
    assert decision.value is None or (isinstance(decision.value, str) and decision.value)
    assert decision.reason and "\n" not in decision.reason


@FAST
@given(server=st.one_of(raw.nova_servers(), raw.junk), image=ANY_IMAGE, meta=st.one_of(st.none(), ANY_IMAGE),
       profile=PROFILES)
def test_server_login_never_raises_and_never_mutates(server, image, meta, profile):
    before = copy.deepcopy((server, image, meta))
    decision = login_user_for_server(server, image, profile, volume_image_metadata=meta)
    assert (server, image, meta) == before
    assert decision.subject.startswith("login user of server")


REALISTIC = st.fixed_dictionaries({
    "id": st.sampled_from([f"id-{n}" for n in range(6)]),   # Glance ids are unique; names are not
    "name": NAMES,
    "status": st.sampled_from(["active", "active", "queued", "ACTIVE", "deactivated"]),
    "created_at": st.sampled_from(["2024-01-01T00:00:00Z", "2024-06-01T12:00:00Z", "2023-12-31T23:59:59",
                                   "2024-06-01T12:00:00+00:00", "bad"]),
}, optional={
    "os_distro": st.sampled_from(["ubuntu", "Ubuntu", "debian", "rocky"]),
    "os_version": st.sampled_from(["22.04", "22.10", "12", "9", "9.3"]),
    "architecture": st.sampled_from(["x86_64", "amd64", "aarch64"]),
    "os_hidden": st.sampled_from([True, False, "true"]),
})
REQUESTS = st.sampled_from([("ubuntu", "22.04", None), ("ubuntu", None, None), ("debian", "12", None),
                            ("rocky", "9", None), ("ubuntu", "22.04", "aarch64"), ("ubuntu", "22.04", "x86_64"),
                            ("windows", None, None)])


def _qualifies(image, profile, distro, version, arch):
    identity = image_identity(image, profile).value
    return (str(image["status"]).lower() == "active" and hidden_reason(image, profile) is None
            and identity["distro"] == distro
            and (version is None or version_matches(version, identity["version"]))
            and (arch is None or (identity["arch"] or "x86_64") == arch))


def _moment(image):
    try:
        moment = datetime.fromisoformat(image["created_at"].replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


@FAST
@given(images=st.lists(REALISTIC, max_size=6, unique_by=lambda i: i["id"]), request=REQUESTS, profile=st.sampled_from([GENERIC, LAYERED]),
       seed=st.randoms(use_true_random=False))
def test_pick_image_is_newest_qualifying_and_order_independent(images, request, profile, seed):
    distro, version, arch = request
    before = copy.deepcopy(images)
    qualifying = [i for i in images if _qualifies(i, profile, distro, version, arch)]
    try:
        decision = pick_image(images, profile, distro=distro, version=version, arch=arch)
    except NoMatch as err:
        assert not qualifying
        assert len(err.candidates) == min(3, len(images))
        return
    assert images == before
    chosen = [i for i in qualifying if i["id"] == decision.value]
    assert chosen, "the pick must be active, not hidden and match the request"
    newest = _moment(chosen[0])
    assert all(_moment(i) is None or (newest is not None and _moment(i) <= newest) for i in qualifying)
    shuffled = images[:]
    seed.shuffle(shuffled)
    assert pick_image(shuffled, profile, distro=distro, version=version, arch=arch) == decision
