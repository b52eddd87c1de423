"""normalizer.testing.FakeClock, and the cache judging freshness by an injected clock (no real sleeps)."""

import threading

import pytest

from normalizer.cache import ResourceCache
from normalizer.testing import FakeClock

MEMORY = {"class": "dogpile.cache.memory", "expiration_time": 60}


def test_sleep_moves_both_clocks_and_records_only_its_own_channel():
    clock = FakeClock(start=5.0, wall_start=100.0)
    poll = clock.channel()
    clock.sleep(2)
    poll(3)
    poll.sleep(0)
    assert clock.monotonic() == 10.0 and clock.time() == 105.0 and clock.elapsed == 5.0
    assert clock.sleeps == [2] and poll.sleeps == [3, 0]


def test_hooks_run_once_at_the_next_sleep_of_their_channel_after_time_moved():
    clock = FakeClock()
    poll = clock.channel()
    seen = []
    poll.on_sleep.append(lambda: seen.append(("poll", clock.now)))
    clock.on_sleep.append(lambda: seen.append(("sleep", clock.now)))
    clock.advance(1)  # advancing is not sleeping
    assert seen == []
    clock.sleep(1)
    assert seen == [("sleep", 1002.0)]
    poll(4)
    poll(4)
    assert seen == [("sleep", 1002.0), ("poll", 1006.0)]
    assert clock.on_sleep == [] and poll.on_sleep == []


def test_a_hook_may_add_a_hook_for_the_following_sleep():
    clock = FakeClock()
    seen = []
    clock.on_sleep.append(lambda: clock.on_sleep.append(lambda: seen.append(clock.now)))
    clock.sleep(1)
    assert seen == []
    clock.sleep(1)
    assert seen == [1002.0]


def test_negative_sleeps_are_refused_like_time_sleep():
    clock = FakeClock()
    with pytest.raises(ValueError):
        clock.sleep(-0.1)
    with pytest.raises(ValueError):
        clock.channel()(-1)
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert clock.elapsed == 0 and clock.sleeps == []


def test_sleeping_from_many_threads_loses_no_time():
    clock = FakeClock(start=0.0)
    poll = clock.channel()

    def work(sleep):
        for _ in range(500):
            sleep(0.5)

    threads = [threading.Thread(target=work, args=(s,)) for s in (clock.sleep, poll, clock.sleep, poll)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.monotonic() == 1000.0 and len(clock.sleeps) == len(poll.sleeps) == 1000


def test_cache_entries_expire_by_the_injected_clock():
    clock = FakeClock()
    cache = ResourceCache({**MEMORY, "expiration": {"servers": 5}}, lambda: ("c", "r", "p"), clock=clock.time)
    calls = []

    def fetch(kind):
        return cache.fetch(kind, "list", {}, lambda: calls.append(kind) or len(calls))

    assert fetch("servers") == 1 and fetch("flavors") == 2
    clock.sleep(4.9)
    assert fetch("servers") == 1
    clock.sleep(0.1)
    assert fetch("servers") == 3 and fetch("flavors") == 2  # servers: 5 s; everything else: 60 s
    clock.sleep(55)
    assert fetch("flavors") == 4 and fetch("servers") == 5


def test_invalidation_still_wins_over_freshness():
    clock = FakeClock()
    cache = ResourceCache(MEMORY, lambda: ("c", "r", "p"), clock=clock.time)
    values = iter(["old", "new"])
    assert cache.fetch("servers", "list", {}, lambda: next(values)) == "old"
    cache.invalidate("servers")
    assert cache.fetch("servers", "list", {}, lambda: next(values)) == "new"


def test_a_stamp_from_the_future_is_not_trusted():
    # Another process whose clock runs ahead wrote it: refetch rather than keep it forever.
    clock = FakeClock()
    # One dict behind both: the same backend, as two processes on one memcached would share.
    shared = {"class": "dogpile.cache.memory_pickle", "arguments": {"cache_dict": {}}, "expiration_time": 60}
    ahead = ResourceCache(shared, lambda: ("c", "r", "p"), clock=lambda: clock.time() + 3600)
    here = ResourceCache(shared, lambda: ("c", "r", "p"), clock=clock.time)
    assert ahead.fetch("servers", "list", {}, lambda: "from the future") == "from the future"
    twin = ResourceCache(shared, lambda: ("c", "r", "p"), clock=lambda: clock.time() + 3600)
    assert twin.fetch("servers", "list", {}, lambda: "unshared") == "from the future"  # it is shared
    assert here.fetch("servers", "list", {}, lambda: "fresh") == "fresh"


def test_concurrent_misses_produce_once():
    clock = FakeClock()
    cache = ResourceCache(MEMORY, lambda: ("c", "r", "p"), clock=clock.time)
    started, release, calls = threading.Event(), threading.Event(), []

    def producer():
        calls.append(1)
        started.set()
        release.wait(5)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.fetch("servers", "list", {}, producer)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait(5)
    release.set()
    for thread in threads:
        thread.join()
    assert results == ["value"] * 4 and len(calls) == 1
