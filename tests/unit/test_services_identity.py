"""IdentityService: projects, with 403 read as "not visible"."""

from __future__ import annotations

import pytest

from normalizer import exceptions as exc
from normalizer.services.identity import IdentityService




@pytest.fixture
def identity(transport, cache):
    return IdentityService(transport, cache)


def test_get_project_unwraps_and_caches(identity, transport, cache):
    transport.add("identity", "GET", "/projects/p1", {"project": {"id": "p1", "name": "demo"}})
    assert identity.get_project("p1") == {"id": "p1", "name": "demo"}
    identity.get_project("p1")
    assert len(transport.calls) == 1
    assert cache.fetches[0] == ("projects", "get_project", {"id": "p1"})


@pytest.mark.parametrize("status", [403, 404])
def test_get_project_forbidden_or_missing_is_none(identity, transport, status):
    transport.add("identity", "GET", "/projects/p1", status=status)
    assert identity.get_project("p1") is None


def test_get_project_other_errors_propagate(identity, transport):
    transport.add("identity", "GET", "/projects/p1", status=500)
    with pytest.raises(exc.ServerError):
        identity.get_project("p1")


PROJECTS = {"projects": [{"id": "p1", "name": "demo", "domain_id": "default"},
                         {"id": "p2", "name": "ops", "domain_id": "other"}],
            "links": {"self": "http://127.0.0.1:5000/v3/auth/projects", "next": None, "previous": None}}


def test_list_projects_uses_auth_projects(identity, transport):
    transport.add("identity", "GET", "/auth/projects", PROJECTS)
    assert [p["id"] for p in identity.list_projects()] == ["p1", "p2"]
    assert transport.only_call().params is None


def test_list_projects_filters_locally_from_one_cached_fetch(identity, transport, cache):
    transport.add("identity", "GET", "/auth/projects", PROJECTS)
    assert [p["id"] for p in identity.list_projects(filters={"domain_id": "other"})] == ["p2"]
    assert [p["id"] for p in identity.list_projects(filters={"name": "demo"})] == ["p1"]
    assert len(transport.calls) == 1 and cache.hits == 1
