"""The pure orphan rules: what a crashed create left behind, and nothing a user made."""

from __future__ import annotations

import datetime

import pytest

from normalizer.exceptions import ConfigError, NotFound, ServerError
from normalizer.provision.plan import temporary_key_name
from normalizer.provision.orphans import (RULES, LiveServers, epoch_seconds, fill_ages, find_orphans,
                                          floating_ip_orphans, older_than_seconds, remove_orphans,
                                          select_for_cleanup, temporary_key_server, with_created_at)
from normalizer.provision.public_ip import owner_marks

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPsj1d9EdlhnvHLOWHcu0xgUdNlpwN6ph1TFO9wHMU me@example"
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherOtherOtherOtherOtherOtherOtherOther you@example"
NOW = epoch_seconds(datetime.datetime(2024, 1, 1, 1, 0, tzinfo=datetime.timezone.utc))
LIVE = {"id": "live-1", "key_name": "deploy",
        "addresses": {"private": [{"addr": "10.0.0.5", "OS-EXT-IPS:type": "fixed"},
                                  {"addr": "203.0.113.50", "OS-EXT-IPS:type": "floating"}]}}


def fip(ident, *, description="", tags=(), port_id=None, device_id=None, address=None, project_id="p1",
        created_at="2024-01-01T00:00:00Z"):
    return {"id": ident, "floating_ip_address": address or f"203.0.113.{len(ident)}", "description": description,
            "tags": list(tags), "port_id": port_id, "project_id": project_id, "created_at": created_at,
            "port_details": {"device_id": device_id} if port_id else None}


def ids(orphans):
    return [o.id for o in orphans]


def test_a_floating_ip_marked_for_a_gone_server_is_an_orphan_with_its_mark_and_age():
    description, tag = owner_marks("gone-1")
    found = find_orphans({"floating_ip": [fip("f1", description=description, tags=[tag])]}, [LIVE], now=NOW,
                         project_id="p1")
    assert len(found) == 1
    orphan = found[0]
    assert (orphan.kind, orphan.id, orphan.server_id, orphan.age) == ("floating_ip", "f1", "gone-1", 3600.0)
    assert description in orphan.mark and tag in orphan.mark
    assert "gone-1" in orphan.reason and "not attached" in orphan.reason
    assert orphan.created_at == "2024-01-01T00:00:00Z"


@pytest.mark.parametrize("marks", [
    {"description": owner_marks("gone-1")[0]},
    {"tags": [owner_marks("gone-1")[1]]},
])
def test_either_mark_alone_is_enough(marks):
    assert ids(floating_ip_orphans([fip("f1", **marks)], LiveServers.from_raw([LIVE]))) == ["f1"]


@pytest.mark.parametrize("case, record", [
    ("look-alike description", fip("f1", description="created by normalizer-ish")),
    ("look-alike for-server with spaces", fip("f2", description="created by normalizer for server a b")),
    ("empty server id in the description", fip("f3", description=owner_marks("")[0])),
    ("empty server id in the tag", fip("f4", tags=["normalizer:server="])),
    ("another normalizer tag", fip("f5", tags=["normalizer:something"])),
    ("tag of a live server", fip("f6", tags=[owner_marks("live-1")[1]])),
    ("description of a live server", fip("f7", description=owner_marks("live-1")[0])),
    ("one mark names a live server", fip("f8", description=owner_marks("gone-1")[0], tags=[owner_marks("live-1")[1]])),
    ("unmarked and unattached", fip("f9")),
    ("marked for a gone server, now attached to another", fip("fa", description=owner_marks("gone-1")[0],
                                                               port_id="port-9", device_id="live-1")),
    ("marked for a gone server, attached, port unknown", fip("fb", description=owner_marks("gone-1")[0],
                                                              port_id="port-9")),
    ("marked for a gone server, its address on a live server", fip("fc", description=owner_marks("gone-1")[0],
                                                                    address="203.0.113.50")),
    ("bare mark, attached", fip("fd", description="created by normalizer", port_id="port-9", device_id="gone-2")),
    ("bare mark plus a normalizer tag of a live server", fip("fe", description="created by normalizer",
                                                            tags=[owner_marks("live-1")[1]])),
    ("another project's (admin token)", fip("ff", description=owner_marks("gone-1")[0], project_id="p2")),
])
def test_what_is_not_provably_ours_and_dead_is_never_an_orphan(case, record):
    assert find_orphans({"floating_ip": [record]}, [LIVE], now=NOW, project_id="p1") == [], case


def test_still_attached_to_the_port_of_the_gone_server_is_an_orphan():
    record = fip("f1", description=owner_marks("gone-1")[0], port_id="port-1", device_id="gone-1")
    [orphan] = floating_ip_orphans([record], LiveServers.from_raw([LIVE]))
    assert "still attached" in orphan.reason


def test_the_bare_mark_unattached_is_an_orphan_without_a_server_id():
    [orphan] = floating_ip_orphans([fip("f1", description="created by normalizer")], LiveServers.from_raw([LIVE]))
    assert orphan.server_id is None and orphan.mark == "created by normalizer"


def test_keypairs_count_only_when_their_name_hashes_their_own_key_and_no_server_uses_them():
    temporary = {"name": temporary_key_name("web1", KEY), "public_key": KEY, "created_at": None}
    with_nonce = {"name": temporary_key_name("web2", KEY) + "-0badcafe", "public_key": KEY}
    used = {"name": temporary_key_name("web3", KEY), "public_key": KEY}
    look_alike = {"name": "normalizer-web-12345678", "public_key": KEY}
    wrong_key = {"name": temporary_key_name("web4", OTHER_KEY), "public_key": KEY}
    no_key = {"name": temporary_key_name("web5", KEY)}
    user = {"name": "deploy", "public_key": KEY}
    servers = [LIVE, {"id": "live-2", "key_name": used["name"]}]
    found = find_orphans({"keypair": [temporary, with_nonce, used, look_alike, wrong_key, no_key, user]}, servers,
                         now=NOW)
    assert ids(found) == [temporary["name"], with_nonce["name"]]
    assert all(o.kind == "keypair" and o.age is None and o.server_id is None and o.mark == o.name for o in found)
    assert "'web1'" in found[0].reason


@pytest.mark.parametrize("server_name", ["web1", "db/1 (eu)", "normalizer-normalizer-x", "x" * 300])
def test_temporary_key_server_recognises_every_name_temporary_key_name_makes(server_name):
    name = temporary_key_name(server_name, KEY)
    assert temporary_key_server(name, KEY) is not None
    assert temporary_key_server(name, OTHER_KEY) is None
    assert temporary_key_server(name + "-deadbeef", KEY) is not None
    assert temporary_key_server(name + "-DEADBEEF", KEY) is None  # a nonce is lowercase hex


def test_a_nova_network_cloud_lists_no_floating_ips_and_unknown_kinds_are_ignored():
    record = fip("f1", description=owner_marks("gone-1")[0])
    assert find_orphans({"floating_ip": None, "keypair": []}, [], now=NOW) == []
    assert find_orphans({"volume": [record]}, [], now=NOW) == []
    assert [rule.kind for rule in RULES] == ["floating_ip", "floating_ip", "keypair", "security_group"]


def test_results_are_ordered_and_do_not_depend_on_input_order():
    records = [fip(f"f{i}", description=owner_marks(f"gone-{i}")[0], address=f"203.0.113.{20 - i}")
               for i in range(5)]
    first = find_orphans({"floating_ip": records}, [], now=NOW)
    assert first == find_orphans({"floating_ip": records[::-1]}, [], now=NOW)
    assert [o.name for o in first] == sorted(o.name for o in first)


def test_the_raw_records_are_not_changed():
    record = fip("f1", description=owner_marks("gone-1")[0])
    before = dict(record)
    find_orphans({"floating_ip": [record]}, [], now=NOW)
    assert record == before


@pytest.mark.parametrize("created_at, age", [
    ("2024-01-01T00:00:00Z", 3600.0),
    ("2024-01-01T00:30:00+00:00", 1800.0),
    ("2024-01-01T00:59:00.000000", 60.0),   # Nova: naive, UTC
    ("2024-01-01T02:00:00Z", 0.0),          # clocks disagree: never negative
    ("yesterday", None),
    (None, None),
])
def test_ages(created_at, age):
    assert with_created_at({"created_at": created_at}, None, NOW).age == age


def test_epoch_seconds_and_older_than_accept_numbers_datetimes_and_timedeltas():
    assert epoch_seconds(1704070800) == NOW == epoch_seconds(datetime.datetime(2024, 1, 1, 1, 0))
    assert older_than_seconds(datetime.timedelta(minutes=2)) == 120.0 and older_than_seconds(0) == 0.0
    for bad in (-1, "1h", True, [60]):
        with pytest.raises(ConfigError, match="older_than"):
            older_than_seconds(bad)
    with pytest.raises(ConfigError, match="now"):
        epoch_seconds("now")


def test_select_for_cleanup_skips_the_young_and_the_ageless_only_with_a_limit():
    orphans = [{"id": "old", "age": 7200.0}, {"id": "young", "age": 5.0}, {"id": "ageless", "age": None}]
    chosen, skipped = select_for_cleanup(orphans, None)
    assert ids(chosen) == ["old", "young", "ageless"] and skipped == []
    chosen, skipped = select_for_cleanup(orphans, 3600)
    assert ids(chosen) == ["old"] and ids(skipped) == ["young", "ageless"]
    assert "younger than older_than=3600 s" in skipped[0].skipped_because
    assert "no creation time" in skipped[1].skipped_because


def test_fill_ages_reads_details_only_where_the_age_is_missing_and_survives_a_failed_read():
    asked = []

    def read(ident):
        asked.append(ident)
        if ident == "broken":
            raise ServerError("compute answered 500")
        return {"created_at": "2024-01-01T00:50:00Z"} if ident == "k1" else None

    orphans = [{"kind": "keypair", "id": "k1", "age": None, "created_at": None},
               {"kind": "keypair", "id": "broken", "age": None, "created_at": None},
               {"kind": "keypair", "id": "gone", "age": None, "created_at": None},
               {"kind": "floating_ip", "id": "f1", "age": 10.0, "created_at": "x"}]
    filled = fill_ages(orphans, {"keypair": read}, NOW)
    assert asked == ["k1", "broken", "gone"]
    assert [o.age for o in filled] == [600.0, None, None, 10.0]


def test_remove_orphans_reports_failures_and_goes_on():
    calls = []

    def delete_fip(ident):
        calls.append(ident)
        if ident == "f1":
            raise ServerError("network answered 500 to DELETE /v2.0/floatingips/f1")
        return ident != "f3"  # False: it was already gone

    removed, not_removed = remove_orphans(
        [{"kind": "floating_ip", "id": "f1"}, {"kind": "floating_ip", "id": "f2"}, {"kind": "floating_ip", "id": "f3"},
         {"kind": "keypair", "id": "k1"}],
        {"floating_ip": delete_fip, "keypair": lambda ident: (_ for _ in ()).throw(NotFound("no keypair"))})
    assert calls == ["f1", "f2", "f3"]
    assert [(o.id, o.outcome) for o in removed] == [("f2", "removed"), ("f3", "already gone")]
    assert [o.id for o in not_removed] == ["f1", "k1"] and "500" in not_removed[0].error
