"""Arguments are checked where they enter Cloud; only the cloud's answers are "unexpected shapes".

A wrong argument to any public method is a ConfigError naming it, raised before any
request, and never blamed on the cloud. An answer of a shape the API reference does not
describe is still an APIError naming the call, never a bare KeyError or TypeError.
"""

from __future__ import annotations

import pytest

import normalizer
from normalizer.testing import FakeCloud

from tests.assertions import one_line


@pytest.fixture
def fake():
    with FakeCloud("fip") as cloud:
        yield cloud


@pytest.fixture
def cloud(fake):
    connected = normalizer.connect(**fake.connect_kwargs())
    fake.reset_requests()
    return connected


BAD_CALLS = [
    ("get_server", (["web1"],), {}, ("name_or_id", "a list")),
    ("get_server", ({"flavor": "x"},), {}, ("name_or_id", "without an 'id'")),
    ("get_network", (None,), {}, ("name_or_id", "None")),
    ("get_flavor", ("",), {}, ("name_or_id", "empty string")),
    ("get_flavor", ("m1.small",), {"get_extra_specs": "no"}, ("get_extra_specs", "True or False")),
    ("list_flavors", (), {"get_extra_specs": 1}, ("get_extra_specs", "an int")),
    ("get_image", (3.5,), {}, ("name_or_id", "a float")),
    ("pick_image", ("ubuntu",), {"include_hidden": "yes"}, ("include_hidden", "True or False")),
    ("pick_image", (), {"distro": ["ubuntu"]}, ("distro", "a list")),
    ("pick_flavor", ("t3.small",), {"include_private": None}, ("include_private", "None")),
    ("login_user", (object(),), {}, ("image_or_server", "an object")),
    ("delete_server", (["web1"],), {}, ("name_or_id", "a list")),
    ("delete_server", ("web1",), {"wait": "yes"}, ("wait", "True or False")),
    ("add_public_ip", ({},), {}, ("server", "without an 'id'")),
    ("conformance", (), {"probe": "yes"}, ("probe", "True or False")),
    ("cleanup_orphans", (), {"dry_run": "no"}, ("dry_run", "True or False")),
    ("list_orphans", (), {"now": "yesterday"}, ("now",)),
    ("explain", (), {"flavor": {"min_rma": 2048}}, ("flavor", "unknown keys", "min_rma")),
    ("explain", (), {"image": {"distr": "ubuntu"}}, ("image", "unknown keys", "distr")),
    ("explain", ("public_network", 5), {}, ("field", "an int")),
]


@pytest.mark.parametrize("method, args, kwargs, words", BAD_CALLS,
                         ids=[f"{m}-{i}" for i, (m, *_rest) in enumerate(BAD_CALLS)])
def test_bad_argument_is_a_config_error_before_any_request(fake, cloud, method, args, kwargs, words):
    with pytest.raises(normalizer.ConfigError) as info:
        getattr(cloud, method)(*args, **kwargs)
    text = one_line(info.value, *words)
    assert "unexpected shape" not in text
    assert fake.requests == [], [(r.method, r.path) for r in fake.requests]


def test_integer_id_is_accepted_as_its_text(fake, cloud):
    assert cloud.get_flavor(59662) is None  # no such flavor; the id was looked up as "59662"


def test_answer_of_an_unknown_shape_is_an_api_error_naming_the_call(fake, cloud):
    fake.inject("GET", r"/servers/detail", status=200, json={"servers": [5, "x"]})
    with pytest.raises(normalizer.APIError) as info:
        cloud.list_servers()
    one_line(info.value, "list_servers", "unexpected shape")
