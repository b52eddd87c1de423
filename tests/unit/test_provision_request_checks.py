"""ServerRequest and check_create_options: pure argument checks that run before any request."""

from __future__ import annotations

import math

import pytest

from normalizer.exceptions import ConfigError
from normalizer.provision.plan import ServerRequest, check_create_options

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPsj1d9EdlhnvHLOWHcu0xgUdNlpwN6ph1TFO9wHMU me@example"


def request(**kwargs) -> ServerRequest:
    return ServerRequest(**{"name": "web1", "image": "ubuntu-24.04", "flavor": "m1.small", **kwargs})


def test_valid_request_is_normalised():
    built = request(security_groups={"web", "default"}, metadata={"role": "web"}, flavor=3, root_keys=[KEY],
                    image={"id": "img-1", "name": "ubuntu"}, network={"id": "net-1"}, userdata=b"#!/bin/sh\n")
    assert built.security_groups == ("default", "web")  # a set has no order: sorted, so plans are stable
    assert built.flavor == "3" and built.metadata == {"role": "web"}
    assert request().security_groups == () and request().metadata == {}


def test_metadata_is_copied_so_later_changes_do_not_leak_in():
    given = {"role": "web"}
    built = request(metadata=given)
    given["role"] = "db"
    assert built.metadata == {"role": "web"}


@pytest.mark.parametrize("kwargs, words", [
    ({"metadata": {"k": 1.5}}, "metadata['k'] must be text, not a float"),
    ({"security_groups": b"web"}, "security_groups must be a list of group names, not a bytes"),
    ({"name": None}, "name must be a non-empty string, not None"),
    ({"auto_ip": 1}, "auto_ip must be True or False, not an int"),
    ({"flavor": True}, "flavor must be a name, an id or a normalized flavor, not a bool"),
])
def test_wrong_kinds_name_the_argument(kwargs, words):
    with pytest.raises(ConfigError, match=words.replace("[", r"\[").replace("]", r"\]")):
        request(**kwargs)


@pytest.mark.parametrize("kwargs, words", [
    ({"timeout": "10m"}, "timeout must be a positive number of seconds, not a str"),
    ({"timeout": 0}, "not 0"),
    ({"timeout": -5}, "not -5"),
    ({"timeout": math.inf}, "not inf"),
    ({"timeout": math.nan}, "not nan"),
    ({"timeout": True}, "not a bool"),
    ({"wait": "no"}, "wait must be True or False, not a str"),
    ({"reuse_ips": 5}, "reuse_ips must be True or False, not an int"),
    ({"keep_on_failure": None}, "keep_on_failure must be True or False, not None"),
    ({"ip_version": 5}, "ip_version must be 4, 6 or None, not an int"),
    ({"ip_version": True}, "ip_version must be 4, 6 or None, not a bool"),
])
def test_create_options_are_checked(kwargs, words):
    with pytest.raises(ConfigError, match=words) as info:
        check_create_options(**kwargs)
    assert info.value.hint


def test_good_create_options_pass():
    check_create_options(ip_version=6, wait=False, timeout=0.5, keep_on_failure=True, reuse_ips=False,
                         wait_for_ssh=True)
