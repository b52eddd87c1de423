"""Golden cases: recorded API payloads + a profile -> the answers normalizer must give.

Each file in ``tests/cases/<profile>/<name>.yaml`` is one case::

    description: what real situation this is, and the source
    profile: ovh                 # default: the directory name
    region: GRA11                # optional
    config: {networks: [...]}    # optional clouds.yaml keys (translated as a real clouds.yaml)
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

Rerun one case with ``NORMALIZER_CASE=ovh/direct-public pytest tests/test_golden_cases.py``.
"""

import os
import pathlib
import warnings

import pytest
import yaml

import normalizer
from normalizer.config_translate import profile_layers
from normalizer.interpret import Topology, network_roles, network_views, server_viewer
from normalizer.normalize import Context, normalize_image
from normalizer.profiles import load_profile
from normalizer.select.flavors import pick_flavor
from normalizer.select.images import image_identity, pick_image
from normalizer.select.login import login_user_for_image, login_user_for_server

CASES_DIR = pathlib.Path(__file__).parent / "cases"
CASES = sorted(CASES_DIR.glob("*/*.yaml"))
ONLY = os.environ.get("NORMALIZER_CASE")


def case_id(path):
    return f"{path.parent.name}/{path.stem}"


def load_case_profile(case, vendor):
    layers = profile_layers("case", top={}, env={}, prefix="clouds.yaml cloud 'case'",
                            entry=case.get("config") or {}, kwargs={})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_profile(case.get("profile", vendor), region_name=case.get("region"), layers=layers)


def check_fields(kind, name, actual, expected):
    assert actual is not None, f"no {kind} named {name!r}"
    for field, value in expected.items():
        got = actual.get(field) if not isinstance(actual, dict) or "." not in field else _dotted(actual, field)
        assert got == value, f"{kind} {name!r} {field}: expected {value!r}, got {got!r}"


def _dotted(item, field):
    for part in field.split("."):
        item = item.get(part) if isinstance(item, dict) else None
    return item


def by_name(items):
    return {item.get("name"): item for item in items}


def run_picks(picks, choose, items, kind):
    for pick in picks or ():
        request, expected = pick["request"], pick["expect"]
        if isinstance(expected, dict) and "error" in expected:
            with pytest.raises(getattr(normalizer, expected["error"])):
                choose(request)
            continue
        chosen = choose(request)
        name = next(i.get("name") for i in items if i.get("id") == chosen.value)
        assert name == expected, f"{kind} for {request!r}: expected {expected!r}, got {name!r} ({chosen.reason})"


@pytest.mark.parametrize("path", [p for p in CASES if not ONLY or case_id(p) == ONLY], ids=case_id)
def test_golden_case(path):
    case = yaml.safe_load(path.read_text())
    expect, given = case["expect"], case.get("given") or {}
    if "error" in expect:
        with pytest.raises(getattr(normalizer, expect["error"])):
            load_case_profile(case, path.parent.name)
        return
    profile = load_case_profile(case, path.parent.name)
    ctx = Context(cloud="case", region_name=case.get("region"), project_id=case.get("project_id"))
    topology = Topology(networks=given.get("networks") or [], subnets=given.get("subnets") or [],
                        routers=given.get("routers") or [], router_ports=given.get("router_ports") or [],
                        project_id=case.get("project_id"))
    roles = network_roles(topology, profile)
    for role, expected in (expect.get("roles") or {}).items():
        decision = getattr(roles, role)
        got = "ambiguous" if decision.rule == "ambiguous" else (
            roles.get(decision.value).name if decision.value is not None else None)
        assert got == expected, f"{role} network: expected {expected!r}, got {got!r} ({decision.reason})"
    networks = by_name(network_views(topology, roles, ctx))
    for name, fields in (expect.get("networks") or {}).items():
        check_fields("network", name, networks.get(name), fields)
    images = {i.get("id"): i for i in given.get("images") or []}
    volumes = {v.get("id"): v for v in given.get("volumes") or []}

    def login(raw_server):
        image = images.get((raw_server.get("image") or {}).get("id")) if isinstance(raw_server.get("image"), dict) else None
        attached = raw_server.get("os-extended-volumes:volumes_attached") or []
        boot = volumes.get(attached[0].get("id")) if attached else None
        metadata = (boot or {}).get("volume_image_metadata")
        return login_user_for_server(raw_server, image, profile, volume_image_metadata=metadata).value

    view = server_viewer(roles, profile, ctx, login_user=login)
    servers = by_name(view(raw) for raw in given.get("servers") or [])
    for name, fields in (expect.get("servers") or {}).items():
        check_fields("server", name, servers.get(name), fields)
    for name, fields in (expect.get("images") or {}).items():
        raw = next((i for i in given.get("images") or [] if i.get("name") == name), None)
        assert raw is not None, f"no image named {name!r} in given.images"
        identity = image_identity(raw, profile)
        user = login_user_for_image(raw, profile, identity=identity).value
        check_fields("image", name, normalize_image(raw, ctx, identity=identity.value, login_user=user), fields)
    flavors = given.get("flavors") or []
    run_picks(expect.get("pick_flavor"), lambda r: pick_flavor(flavors, profile, **(
        r if isinstance(r, dict) else {"spec": r})), flavors, "flavor")
    image_list = given.get("images") or []
    run_picks(expect.get("pick_image"), lambda r: pick_image(image_list, profile, **(
        r if isinstance(r, dict) else {"alias": r})), image_list, "image")


def test_every_profile_has_a_golden_case():
    profiles = {p.stem for p in (pathlib.Path(normalizer.__file__).parent.parent / "vendor_profiles").glob("*.yaml")
                if not p.stem.startswith("_")}
    covered = {p.parent.name for p in CASES}
    assert sorted(profiles - covered) == []


def test_there_are_enough_cases():
    assert len(CASES) >= 60
