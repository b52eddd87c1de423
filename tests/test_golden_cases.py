"""Golden cases: recorded API payloads + a profile -> the answers normalizer must give.

Each file in ``tests/cases/<profile>/<name>.yaml`` is one case::

    description: what real situation this is, and the source
    profile: ovh                 # default: the directory name
    region: GRA11                # optional
    config: {networks: [...]}    # optional clouds.yaml keys (given to normalizer.connect)
    project_id: p1               # the token's project
    given: {networks, subnets, routers, router_ports, servers, images, flavors, volumes}
    expect:
      error: ProfileShutdownError          # or the answers below
      roles: {public: name, private: name, external: name}   # null, or "ambiguous"
      networks: {name: {field: value}}
      servers: {name: {field: value}}
      images: {name: {distro, version, arch, login_user}}
      pick_flavor: [{request: t3.small | {min_vcpus: 2}, expect: name | {error: NoMatch}}]
      pick_image: [{request: ubuntu-22.04 | {distro: ..}, expect: name | {error: NoMatch}}]

Every case runs through the same composition users get: a :class:`~normalizer.testing.FakeCloud`
answers the listings with the case's raw records, verbatim (``inject``), and a real
``normalizer.connect(...)`` Cloud reads them: ``get_public_network()``, ``list_networks()``,
``list_servers()``, ``list_images()``, ``pick_flavor()``, ``pick_image()``. The token's
project is the FakeCloud's, so the case's ``project_id`` is replaced by it wherever a
record carries it. A case with ``given.volumes`` runs on a catalog with block storage,
whose volume listing answers them (servers booted from volumes take their image from it).

Rerun one case with ``NORMALIZER_CASE=ovh/direct-public pytest tests/test_golden_cases.py``.
"""

import os
import pathlib
import warnings

import pytest
import yaml

import normalizer
from normalizer.testing import FakeCloud

CASES_DIR = pathlib.Path(__file__).parent / "cases"
CASES = sorted(CASES_DIR.glob("*/*.yaml"))
ONLY = os.environ.get("NORMALIZER_CASE")

#: Listing paths FakeCloud answers with a case's records: path regex -> (``given`` key, JSON envelope key).
LISTINGS = {
    r"^/network/v2\.0/networks$": ("networks", "networks"),
    r"^/network/v2\.0/subnets$": ("subnets", "subnets"),
    r"^/network/v2\.0/routers$": ("routers", "routers"),
    r"^/network/v2\.0/ports$": ("router_ports", "ports"),
    r"^/network/v2\.0/floatingips$": ("floating_ips", "floatingips"),
    r"^/compute/v2\.1/servers/detail$": ("servers", "servers"),
    r"^/compute/v2\.1/flavors/detail$": ("flavors", "flavors"),
    r"^/image/v2/images$": ("images", "images"),
    r"^/volume/v3/[^/]+/volumes/detail$": ("volumes", "volumes"),
}
#: ``given`` keys Cloud never fetches.
NOT_FETCHED: set = set()

#: Expectations a Cloud cannot produce today, by case and check, with why. The test fails if
#: any other check fails, and also once one of these passes (then remove it from here).
KNOWN_GAPS: dict = {}


def case_id(path):
    return f"{path.parent.name}/{path.stem}"


def _replace_value(data, old, new):
    """``data`` with every string equal to ``old`` replaced by ``new`` (keys too)."""
    if isinstance(data, dict):
        return {_replace_value(k, old, new): _replace_value(v, old, new) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_value(v, old, new) for v in data]
    return new if data == old else data


def _dotted(item, field):
    for part in field.split("."):
        item = item.get(part) if isinstance(item, dict) else None
    return item


def by_name(items):
    return {item.get("name"): item for item in items}


class Checks:
    """Collects every expectation's outcome, so one run reports all mismatches of a case."""

    def __init__(self):
        self.failed: dict[str, str] = {}

    def equal(self, check, got, expected, why=""):
        if got != expected:
            self.failed[check] = f"expected {expected!r}, got {got!r}" + (f" ({why})" if why else "")

    def fields(self, kind, name, actual, expected):
        if actual is None:
            self.failed[f"{kind} {name}"] = f"no {kind} named {name!r}"
            return
        for field, value in expected.items():
            self.equal(f"{kind} {name} {field}", _dotted(actual, field), value)


def fake_for(case, path):
    """A FakeCloud whose listings answer the case's records, and the connect() arguments for it."""
    given = case.get("given") or {}
    unknown = set(given) - {key for key, _ in LISTINGS.values()} - NOT_FETCHED
    assert not unknown, f"given has keys no listing serves: {sorted(unknown)}"
    fake = FakeCloud("empty", region_name=case.get("region") or "RegionOne",
                     features={"block_storage": "volumes" in given})  # the catalog lists Cinder only then
    if case.get("project_id"):
        given = _replace_value(given, case["project_id"], fake.project_id)
    for regex, (key, envelope) in LISTINGS.items():
        fake.inject("GET", regex, status=200, json={envelope: given.get(key) or []}, times=10**6)
    kwargs = {**fake.connect_kwargs(), **(case.get("config") or {}),
              "profile": case.get("profile", path.parent.name)}
    return fake, kwargs


def run_role(cloud, role):
    try:
        network = getattr(cloud, f"get_{role}_network")()
    except normalizer.AmbiguousMatch:
        return "ambiguous"
    return network.name if network is not None else None


def run_picks(checks, kind, picks, choose):
    for pick in picks or ():
        request, expected = pick["request"], pick["expect"]
        check = f"{kind} {request!r}"
        if isinstance(expected, dict) and "error" in expected:
            try:
                chosen = choose(request)
            except getattr(normalizer, expected["error"]):
                continue
            checks.failed[check] = f"expected {expected['error']}, got {chosen.name!r}"
            continue
        try:
            checks.equal(check, choose(request).name, expected)
        except normalizer.NormalizerError as error:
            checks.failed[check] = f"expected {expected!r}, got {type(error).__name__}: {error}"


def run_case(case, path):
    expect = case["expect"]
    checks = Checks()
    fake, kwargs = fake_for(case, path)
    with fake, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated profiles warn; that is not what a case pins
        cloud = normalizer.connect(**kwargs)
        for role, expected in (expect.get("roles") or {}).items():
            checks.equal(f"role {role}", run_role(cloud, role), expected)
        if expect.get("networks"):
            networks = by_name(cloud.list_networks())
            for name, fields in expect["networks"].items():
                checks.fields("network", name, networks.get(name), fields)
        if expect.get("servers"):
            servers = by_name(cloud.list_servers())
            for name, fields in expect["servers"].items():
                checks.fields("server", name, servers.get(name), fields)
        if expect.get("images"):
            images = by_name(cloud.list_images())
            for name, fields in expect["images"].items():
                checks.fields("image", name, images.get(name), fields)
        run_picks(checks, "pick_flavor", expect.get("pick_flavor"), lambda r: cloud.pick_flavor(
            **(r if isinstance(r, dict) else {"spec": r})))
        run_picks(checks, "pick_image", expect.get("pick_image"), lambda r: cloud.pick_image(
            **(r if isinstance(r, dict) else {"alias": r})))
    assert fake.unexpected == [], f"Cloud asked what FakeCloud does not serve: {fake.unexpected}"
    return checks.failed


@pytest.mark.parametrize("path", [p for p in CASES if not ONLY or case_id(p) == ONLY], ids=case_id)
def test_golden_case(path):
    case = yaml.safe_load(path.read_text())
    if "error" in case["expect"]:
        fake, kwargs = fake_for(case, path)
        with fake, warnings.catch_warnings(), pytest.raises(getattr(normalizer, case["expect"]["error"])):
            warnings.simplefilter("ignore")
            normalizer.connect(**kwargs)
        return
    failed = run_case(case, path)
    gaps = KNOWN_GAPS.get(case_id(path), {})
    unexpected = {check: text for check, text in failed.items() if check not in gaps}
    assert not unexpected, "\n".join(f"{check}: {text}" for check, text in unexpected.items())
    closed = sorted(set(gaps) - set(failed))
    assert not closed, f"known gaps now pass, remove them from KNOWN_GAPS: {closed}"
    if gaps:
        pytest.xfail("; ".join(f"{check}: {why}" for check, why in gaps.items()))


def test_known_gaps_name_existing_cases():
    assert sorted(set(KNOWN_GAPS) - {case_id(p) for p in CASES}) == []


def test_every_profile_has_a_golden_case():
    profiles = {p.stem for p in (pathlib.Path(normalizer.__file__).parent.parent / "vendor_profiles").glob("*.yaml")
                if not p.stem.startswith("_")}
    covered = {p.parent.name for p in CASES}
    assert sorted(profiles - covered) == []


def test_there_are_enough_cases():
    assert len(CASES) >= 60
