"""paginate() is bounded in time and returns a repeated record once.

The time bound is checked with the scripted FakeTransport (given a clock and a deadline
recorder) and with a real Transport on a fake clock whose pages each "take" 200 s.
"""

from __future__ import annotations

import contextlib
import logging

import pytest
import requests_mock
from keystoneauth1 import session as ksa_session

from normalizer import exceptions as exc
from normalizer.services import pagination
from normalizer.services.pagination import paginate
from normalizer.transport import Transport
from tests.transport_settings import transport_settings
from tests.unit.test_services_fakes import BASES, FakeTransport

NETWORKS = f"{BASES['network']}/networks"


def linked(items: list, marker: str | None) -> dict:
    body = {"networks": items}
    if marker is not None:
        body["networks_links"] = [{"rel": "next", "href": f"{NETWORKS}?marker={marker}"}]
    return body


def script(transport: FakeTransport, pages: list[list]) -> None:
    """Neutron-style pages; page i+1 is reached through marker ``i``."""
    def responder(call):
        marker = (call.params or {}).get("marker")
        index = 0 if marker is None else int(marker) + 1
        return linked(pages[index], str(index) if index + 1 < len(pages) else None)
    transport.add("network", "GET", "/networks", responder)
    transport.add("network", "GET", NETWORKS, responder)


def test_a_record_repeated_on_a_later_page_is_returned_once(caplog):
    transport = FakeTransport()
    script(transport, [[{"id": "a"}, {"id": "b"}], [{"id": "b"}, {"id": "c"}], [{"id": "a"}, {"id": "d"}]])
    with caplog.at_level(logging.WARNING, logger="normalizer.services.pagination"):
        items = paginate(transport, "network", "/networks", key="networks")
    assert [i["id"] for i in items] == ["a", "b", "c", "d"]
    warnings = [r for r in caplog.records if "repeated a record" in r.getMessage()]
    assert len(warnings) == 1, "one warning per walk, not one per repeat"


def test_keypairs_are_told_apart_by_name():
    transport = FakeTransport()
    first = {"keypairs": [{"keypair": {"name": "k1"}}, {"keypair": {"name": "k2"}}],
             "keypairs_links": [{"rel": "next", "href": f"{BASES['compute']}/os-keypairs?marker=k2"}]}
    transport.add("compute", "GET", "/os-keypairs", first)
    transport.add("compute", "GET", f"{BASES['compute']}/os-keypairs",
                  {"keypairs": [{"keypair": {"name": "k2"}}, {"keypair": {"name": "k3"}}]})
    items = paginate(transport, "compute", "/os-keypairs", key="keypairs")
    assert [i["keypair"]["name"] for i in items] == ["k1", "k2", "k3"]


def test_records_without_a_usable_identity_are_all_kept():
    transport = FakeTransport()
    script(transport, [[{"x": 1}, {"id": ["odd"]}, "junk"], [{"x": 1}, {"id": ["odd"]}, "junk"]])
    assert len(paginate(transport, "network", "/networks", key="networks")) == 6


class TimedTransport(FakeTransport):
    """FakeTransport with a clock (each request costs ``cost`` seconds) and a recorded deadline."""

    def __init__(self, cost: float) -> None:
        super().__init__()
        self.now, self.cost, self.deadlines = 0.0, cost, []

    def clock(self) -> float:
        return self.now

    @contextlib.contextmanager
    def deadline(self, *, at):
        self.deadlines.append(at)
        yield

    def request(self, *args, **kwargs):
        self.now += self.cost
        return super().request(*args, **kwargs)


def test_a_walk_longer_than_its_budget_raises_instead_of_returning_part():
    transport = TimedTransport(cost=pagination.MAX_WALK_SECONDS / 3)
    script(transport, [[{"id": str(i)}] for i in range(10)])
    with pytest.raises(exc.RequestTimeout) as info:
        paginate(transport, "network", "/networks", key="networks")
    assert len(transport.calls) == 3
    assert "3 records read" in str(info.value)
    assert transport.deadlines == [pagination.MAX_WALK_SECONDS]  # page requests ran inside the walk's deadline


def test_a_walk_within_its_budget_is_complete():
    transport = TimedTransport(cost=1.0)
    script(transport, [[{"id": str(i)}] for i in range(10)])
    assert len(paginate(transport, "network", "/networks", key="networks")) == 10


def test_a_real_transport_gives_each_page_only_what_is_left_of_the_walk():
    now = [1000.0]
    with requests_mock.Mocker() as mock:
        def page(request, context):
            now[0] += 200.0  # every page "takes" 200 s
            marker = int(request.qs.get("marker", ["-1"])[0]) + 1
            return linked([{"id": str(marker)}], str(marker))
        route = mock.get(NETWORKS, json=page)
        transport = Transport(ksa_session.Session(), transport_settings(
            timeout=500, endpoint_overrides={"network": BASES["network"]}), clock=lambda: now[0], sleep=lambda s: None)
        with pytest.raises(exc.RequestTimeout):
            paginate(transport, "network", "/networks", key="networks")
    timeouts = [r.timeout for r in route.request_history]
    # the walk has 600 s: 500 (api_timeout) for the first page, then what is left of 600
    assert timeouts == [500, 400, 200]
