import pytest

from normalizer.cache import ResourceCache
from normalizer.exceptions import ConfigError

MEMORY = {"class": "dogpile.cache.memory", "expiration_time": 60}


def counting():
    calls = []

    def producer():
        calls.append(1)
        return [{"id": str(len(calls))}]
    return calls, producer


def test_null_backend_by_default_never_caches():
    cache = ResourceCache({}, lambda: pytest.fail("namespace must not be needed without caching"))
    calls, producer = counting()
    cache.fetch("flavors", "list", {}, producer)
    cache.fetch("flavors", "list", {}, producer)
    assert len(calls) == 2 and not cache.enabled


def test_memory_backend_caches_until_invalidated():
    cache = ResourceCache(MEMORY, lambda: ("c", "r", "p"))
    calls, producer = counting()
    assert cache.fetch("flavors", "list", {"a": 1}, producer) == [{"id": "1"}]
    assert cache.fetch("flavors", "list", {"a": 1}, producer) == [{"id": "1"}]
    cache.fetch("flavors", "list", {"a": 2}, producer)
    assert len(calls) == 2
    cache.invalidate("servers")
    cache.fetch("flavors", "list", {"a": 1}, producer)
    assert len(calls) == 2
    cache.invalidate("flavors")
    assert cache.fetch("flavors", "list", {"a": 1}, producer) == [{"id": "3"}]


def test_two_clouds_sharing_a_backend_never_share_entries():
    shared = {"class": "dogpile.cache.memory_pickle", "expiration_time": 60}
    one = ResourceCache(shared, lambda: ("one", "RegionOne", "p1"))
    two = ResourceCache(shared, lambda: ("two", "RegionOne", "p1"))
    one._region = two._region = one._region  # one backend, as memcached would be
    assert one.fetch("flavors", "list", {}, lambda: ["from one"]) == ["from one"]
    assert two.fetch("flavors", "list", {}, lambda: ["from two"]) == ["from two"]
    other_project = ResourceCache(shared, lambda: ("one", "RegionOne", "p2"))
    other_project._region = one._region
    assert other_project.fetch("flavors", "list", {}, lambda: ["p2"]) == ["p2"]


def test_invalidation_is_seen_by_another_process_sharing_the_backend():
    first = ResourceCache(MEMORY, lambda: ("c", "r", "p"))
    second = ResourceCache(MEMORY, lambda: ("c", "r", "p"))
    second._region = first._region
    first.fetch("servers", "list", {}, lambda: ["old"])
    assert second.fetch("servers", "list", {}, lambda: ["new"]) == ["old"]
    second.invalidate("servers")
    assert first.fetch("servers", "list", {}, lambda: ["fresh"]) == ["fresh"]


@pytest.mark.parametrize("spelling", ["server", "servers", "compute.servers"])
def test_openstacksdk_expiration_spellings(spelling):
    cache = ResourceCache({**MEMORY, "expiration": {spelling: 0, "flavor": 3600}}, lambda: ("c", "r", "p"))
    assert cache.expiration("servers") == 0 and cache.expiration("flavors") == 3600
    assert cache.expiration("images") == 60
    calls, producer = counting()
    cache.fetch("servers", "list", {}, producer)
    cache.fetch("servers", "list", {}, producer)
    assert len(calls) == 2


@pytest.mark.parametrize("section", [
    {"class": "dogpile.cache.no_such_backend"},
    {"class": "dogpile.cache.memory", "expiration_time": "soon"},
    {"class": "dogpile.cache.memory", "expiration": ["server"]},
])
def test_bad_cache_sections_are_config_errors(section):
    with pytest.raises(ConfigError):
        ResourceCache(section, lambda: ("c", "r", "p"))
