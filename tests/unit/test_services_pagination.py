"""paginate(): Nova/Neutron ``<key>_links``, Glance ``next``, loop guards, page_size."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizer import exceptions as exc
from normalizer.services import pagination
from normalizer.services.pagination import paginate
from tests.unit.test_services_fakes import BASES, ROOTS, FakeTransport

STYLES = {
    # style: (service, relative path, key)
    "nova": ("compute", "/servers/detail", "servers"),
    "neutron": ("network", "/networks", "networks"),
    "glance": ("image", "/images", "images"),
}


def _link(style: str, path: str, key: str, query: str) -> dict:
    service = STYLES[style][0]
    if style == "glance":
        return {"next": f"/v2{path}?{query}"}
    return {f"{key}_links": [{"rel": "previous", "href": "http://127.0.0.1/ignored"},
                             {"rel": "next", "href": f"{BASES[service]}{path}?{query}"}]}


def script_pages(transport: FakeTransport, style: str, pages: list[list[dict]]) -> None:
    """Serve ``pages`` in order; page i+1 is reached through the marker of page i."""
    service, path, key = STYLES[style]

    def responder(call):
        marker = (call.params or {}).get("marker")
        index = 0 if marker is None else int(marker) + 1
        body = {key: pages[index]}
        if index + 1 < len(pages):
            body.update(_link(style, path, key, f"limit=2&marker={index}"))
        return body

    transport.add(service, "GET", path, responder)
    next_path = f"{ROOTS['image']}/v2{path}" if style == "glance" else f"{BASES[service]}{path}"
    transport.add(service, "GET", next_path, responder)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_follows_next_links_of_each_style(style):
    service, path, key = STYLES[style]
    transport = FakeTransport()
    pages = [[{"id": "a"}, {"id": "b"}], [{"id": "c"}, {"id": "d"}], [{"id": "e"}]]
    script_pages(transport, style, pages)
    assert [i["id"] for i in paginate(transport, service, path, key=key)] == list("abcde")
    assert len(transport.calls) == 3
    # later pages are absolute URLs under the endpoint, with the query moved into params
    assert transport.calls[1].path.startswith(ROOTS[service])
    assert transport.calls[2].params == {"limit": "2", "marker": "1"}


def test_glance_next_is_joined_with_a_root_that_has_a_path_prefix():
    transport = FakeTransport(bases={"image": "http://127.0.0.1/image/v2"},
                              roots={"image": "http://127.0.0.1/image"})
    transport.add("image", "GET", "/images", {"images": [{"id": "a"}], "next": "/v2/images?marker=a"})
    transport.add("image", "GET", "http://127.0.0.1/image/v2/images", {"images": [{"id": "b"}]})
    assert [i["id"] for i in paginate(transport, "image", "/images", key="images")] == ["a", "b"]
    assert transport.calls[1].params == {"marker": "a"}


def test_page_size_sends_limit_and_link_params_replace_originals():
    transport = FakeTransport()
    href = f"{BASES['network']}/networks?limit=2&marker=n2&name=web"
    transport.add("network", "GET", "/networks",
                  {"networks": [{"id": "n1"}, {"id": "n2"}],
                   "networks_links": [{"rel": "next", "href": href}]})
    transport.add("network", "GET", f"{BASES['network']}/networks", {"networks": []})
    paginate(transport, "network", "/networks", key="networks", params={"name": "web"}, page_size=2)
    assert transport.calls[0].params == {"name": "web", "limit": 2}
    # one value per name: the link's limit and marker, the original filter kept once
    assert transport.calls[1].params == {"name": "web", "limit": "2", "marker": "n2"}


def test_filter_the_server_forgot_to_echo_is_still_sent():
    transport = FakeTransport()
    transport.add("network", "GET", "/ports",
                  {"ports": [{"id": "p1"}],
                   "ports_links": [{"rel": "next", "href": f"{BASES['network']}/ports?marker=p1"}]})
    transport.add("network", "GET", f"{BASES['network']}/ports", {"ports": [{"id": "p2"}]})
    paginate(transport, "network", "/ports", key="ports", params={"device_id": "s1"})
    assert transport.calls[1].params == {"device_id": "s1", "marker": "p1"}


def test_multi_valued_link_params_stay_lists():
    transport = FakeTransport()
    transport.add("image", "GET", "/images",
                  {"images": [{"id": "a"}], "next": "/v2/images?tag=x&tag=y&marker=a"})
    transport.add("image", "GET", f"{ROOTS['image']}/v2/images", {"images": [{"id": "b"}]})
    paginate(transport, "image", "/images", key="images", params={"tag": ["x", "y"]})
    assert transport.calls[1].params == {"tag": ["x", "y"], "marker": "a"}


def test_link_on_a_foreign_host_is_rebased_onto_the_original_path():
    # Nova behind a proxy often advertises its internal URL in links.
    foreign = "http://10.0.0.5:8774/v2.1/servers/detail?marker=s1"
    first = {"servers": [{"id": "s1"}], "servers_links": [{"rel": "next", "href": foreign}]}
    second = {"servers": [{"id": "s2"}]}
    transport = FakeTransport()
    transport.add("compute", "GET", "/servers/detail",
                  lambda call: second if (call.params or {}).get("marker") else first)
    result = paginate(transport, "compute", "/servers/detail", key="servers")
    assert [s["id"] for s in result] == ["s1", "s2"]
    assert transport.calls[1].path == "/servers/detail"
    assert transport.calls[1].params == {"marker": "s1"}


def test_self_link_ends_the_walk_without_duplicates():
    again = f"{BASES['network']}/networks?marker=a"
    transport = FakeTransport()
    transport.add("network", "GET", "/networks",
                  {"networks": [{"id": "a"}], "networks_links": [{"rel": "next", "href": again}]})
    transport.add("network", "GET", f"{BASES['network']}/networks",
                  {"networks": [{"id": "b"}], "networks_links": [{"rel": "next", "href": again}]})
    result = paginate(transport, "network", "/networks", key="networks")
    assert [n["id"] for n in result] == ["a", "b"]
    assert len(transport.calls) == 2


def test_link_back_to_the_first_page_ends_the_walk():
    transport = FakeTransport()
    transport.add("image", "GET", "/images", {"images": [{"id": "a"}], "next": "/v2/images?marker=a"})
    transport.add("image", "GET", f"{ROOTS['image']}/v2/images",
                  {"images": [{"id": "b"}], "next": "/v2/images"})
    result = paginate(transport, "image", "/images", key="images")
    assert [i["id"] for i in result] == ["a", "b"]
    assert len(transport.calls) == 2


def test_hard_page_cap(monkeypatch):
    monkeypatch.setattr(pagination, "MAX_PAGES", 5)
    transport = FakeTransport()
    counter = iter(range(10**6))

    def endless(call):
        n = next(counter)
        return {"images": [{"id": n}], "next": f"/v2/images?marker={n}"}

    transport.add("image", "GET", "/images", endless)
    transport.add("image", "GET", f"{ROOTS['image']}/v2/images", endless)
    result = paginate(transport, "image", "/images", key="images")
    assert len(result) == 5 and len(transport.calls) == 5


def test_empty_page_stops_even_with_a_next_link():
    transport = FakeTransport()
    transport.add("compute", "GET", "/flavors/detail",
                  {"flavors": [], "flavors_links": [{"rel": "next", "href": f"{BASES['compute']}/flavors/detail?marker=x"}]})
    assert paginate(transport, "compute", "/flavors/detail", key="flavors") == []
    assert len(transport.calls) == 1


def test_no_params_sends_none():
    transport = FakeTransport()
    transport.add("identity", "GET", "/auth/projects", {"projects": [{"id": "p"}], "links": {"next": None}})
    assert paginate(transport, "identity", "/auth/projects", key="projects") == [{"id": "p"}]
    assert transport.only_call().params is None


@pytest.mark.parametrize("body", [None, "<html>", {"other": []}, {"servers": {"id": "x"}}])
def test_body_without_the_list_raises_api_error(body):
    transport = FakeTransport()
    transport.add("compute", "GET", "/servers/detail", body)
    with pytest.raises(exc.APIError) as info:
        paginate(transport, "compute", "/servers/detail", key="servers")
    assert "servers" in str(info.value) and info.value.service == "compute"


@settings(max_examples=60, deadline=None)
@given(style=st.sampled_from(sorted(STYLES)),
       sizes=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=8))
def test_random_page_splits_return_every_item_in_order(style, sizes):
    service, path, key = STYLES[style]
    items = [{"id": f"i{n}"} for n in range(sum(sizes))]
    pages, start = [], 0
    for size in sizes:
        pages.append(items[start:start + size])
        start += size
    transport = FakeTransport()
    script_pages(transport, style, pages)
    assert paginate(transport, service, path, key=key) == items
    assert len(transport.calls) == len(pages)
