"""Context, location and the shape rules every normalised resource follows."""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import keyword

import pytest
from munch import Munch

from normalizer.normalize import (
    Context,
    location,
    normalize_flavor,
    normalize_floating_ip,
    normalize_image,
    normalize_keypair,
    normalize_network,
    normalize_server,
)

CTX = Context(cloud="mycloud", region_name="RegionOne", project_id="p1", project_name="demo",
              project_domain_id="default")
NORMALIZERS = [normalize_server, normalize_network, normalize_flavor, normalize_image,
               normalize_floating_ip, normalize_keypair]
MODULES = ["__init__", "addresses", "context", "fields", "flavor", "floating_ip", "image", "keypair",
           "network", "server"]


def test_context_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CTX.cloud = "other"  # type: ignore[misc]


def test_location_of_own_and_unknown_owner():
    expected = {"cloud": "mycloud", "region_name": "RegionOne", "zone": "az1",
                "project": {"id": "p1", "name": "demo", "domain_id": "default"}}
    assert location(CTX, zone="az1") == expected
    assert location(CTX, zone="az1", project_id="p1") == expected
    assert isinstance(location(CTX).project, Munch)


def test_location_of_a_resource_owned_by_another_project():
    loc = location(CTX, project_id="p2")
    assert loc.project == {"id": "p2", "name": None, "domain_id": None} and loc.zone is None


@pytest.mark.parametrize("normalize", NORMALIZERS)
def test_field_names_are_identifiers_and_never_dict_methods(normalize):
    result = normalize({}, CTX)
    names = set(result)
    for value in result.values():
        if isinstance(value, dict) and value is not result.properties:
            names |= set(value)
    for name in names:
        assert name.isidentifier() and not keyword.iskeyword(name), name
        assert not hasattr(Munch(), name), f"{name} shadows a Munch/dict attribute"


def test_server_address_entry_names_are_identifiers():
    s = normalize_server({"addresses": {"n": [{"addr": "10.0.0.1"}]}}, CTX)
    assert all(k.isidentifier() and not hasattr(Munch(), k) for k in s.addresses[0])


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module):
    name = "normalizer.normalize" if module == "__init__" else f"normalizer.normalize.{module}"
    failures, attempted = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failures == 0
