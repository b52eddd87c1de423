"""What the functional tests share: constants, a Cloud on fake time, snapshots of a FakeCloud.

Test modules import these from here (``from tests.functional.conftest import ...``) and
never from one another; the autouse fixture below applies to every functional test.
"""

from __future__ import annotations

import contextlib
import copy
import pathlib
import re
from typing import Any, Iterator, Mapping

import pytest
import yaml

from normalizer import config as config_module
from normalizer.cloud import Cloud
from normalizer.testing import FakeClock, FakeCloud, layouts

#: A well-formed public key for create_server calls.
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPsj1d9EdlhnvHLOWHcu0xgUdNlpwN6ph1TFO9wHMU me@example"
#: An image and a flavor (AWS-style) every FakeCloud layout with flavors and images resolves.
IMAGE, FLAVOR = "ubuntu-24.04", "t3.small"
#: A FakeCloud id (regex text, for paths and injected faults).
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


# --- layouts --------------------------------------------------------------------------------

_PARSED: dict[str, dict] = {}


@pytest.fixture(autouse=True)
def layouts_parsed_once(monkeypatch):
    """Parse each FakeCloud layout file once per session (FakeCloud re-parses it per instance).

    ``layouts.load`` changes what ``_read`` returns, so every caller gets a deep copy.
    """
    read = layouts._read

    def cached(name: str) -> dict:
        if name not in _PARSED:
            _PARSED[name] = read(name)
        return copy.deepcopy(_PARSED[name])
    monkeypatch.setattr(layouts, "_read", cached)


# --- time and cloud -------------------------------------------------------------------------


class FakeTime(FakeClock):
    """A :class:`~normalizer.testing.FakeClock` whose waiter polls sleep on their own channel.

    Transport retries sleep on ``sleep`` (recorded in ``sleeps``); the waiter's polls on
    ``wait_sleep`` (recorded in ``waits``), and only those run the ``on_wait`` hooks, once,
    at the first poll: a fault armed there lands after the topology reads, not at a retry.

    >>> t = FakeTime(); t.sleep(2.5); t.clock(), t.sleeps
    (1002.5, [2.5])
    """

    def __init__(self) -> None:
        super().__init__()
        self._polls = self.channel()

    def clock(self) -> float:
        """The fake ``time.monotonic``."""
        return self.monotonic()

    @property
    def waits(self) -> list[float]:
        return self._polls.sleeps

    @property
    def on_wait(self) -> list:
        return self._polls.on_sleep

    def wait_sleep(self, seconds: float) -> None:
        """Waiter polls sleep here; the first one runs (and drops) the ``on_wait`` hooks."""
        self._polls.sleep(seconds)


def connect(fake: FakeCloud, time: FakeTime | None = None, **options: Any) -> Cloud:
    """A Cloud on ``fake`` whose retries and waits run on fake time. Usage: ``connect(fake, FakeTime())``

    ``options`` are more ``normalizer.connect`` keyword arguments (``cache=``...).
    """
    time = time or FakeTime()
    port_check = options.pop("port_check", None)
    return Cloud.from_config(config_module.load_config(None, **fake.connect_kwargs(), **options),
                             clock=time.clock, sleep=time.sleep, wait_sleep=time.wait_sleep, wall_clock=time.time,
                             port_check=port_check)


# --- state ----------------------------------------------------------------------------------


def snapshot(fake: FakeCloud) -> dict[str, dict[str, dict]]:
    """Deep copies of every server, floating IP, keypair, port, volume, security group and port forwarding, by id."""
    return {"server": {s["id"]: copy.deepcopy(s) for s in fake.servers},
            "floating IP": {f["id"]: copy.deepcopy(f) for f in fake.floating_ips},
            "keypair": {k["name"]: copy.deepcopy(k) for k in fake.keypairs},
            "port": {p["id"]: copy.deepcopy(p) for p in fake.ports},
            "volume": {v["id"]: copy.deepcopy(v) for v in fake.volumes},
            "security group": {g["id"]: copy.deepcopy(g) for g in fake.security_groups},
            "port forwarding": {f["id"]: copy.deepcopy(f) for f in fake.port_forwardings}}


def new_resources(before: Mapping, after: Mapping) -> set[str]:
    """Labels (``"server <id>"``...) of what appeared: servers, floating IPs, keypairs, volumes, groups, forwardings."""
    return {f"{kind} {key}" for kind in ("server", "floating IP", "keypair", "volume", "security group",
                                         "port forwarding")
            for key in after[kind] if key not in before[kind]}


def assert_untouched(before: Mapping, after: Mapping, *, except_ids: set[str] = frozenset()) -> None:
    """Every pre-existing record is still there, unchanged (the ids in ``except_ids`` aside)."""
    for kind, records in before.items():
        for key, record in records.items():
            if key in except_ids or record.get("device_id") in except_ids:
                continue
            assert after[kind].get(key) == record, f"pre-existing {kind} {key} changed or vanished"


def assert_as_before(fake: FakeCloud, before: Mapping) -> None:
    """Nothing was added since ``before`` and every record of then is still there, unchanged."""
    after = snapshot(fake)
    assert new_resources(before, after) == set()
    assert_untouched(before, after)


def label_ids(labels: list[str]) -> set[str]:
    """``["server s1 (HTTP 500 ...)"]`` -> ``{"server s1"}``: the resource part of error labels."""
    out = set()
    for label in labels:
        match = re.match(r"(floating IP attachment|floating IP|server|keypair|volume|security group|port forwarding) "
                         r"(\S+)", label)
        assert match, f"unreadable label {label!r}"
        out.add(f"{match.group(1)} {match.group(2)}")
    return out


@contextlib.contextmanager
def served_clouds(layouts: Mapping[str, str], clouds_yaml: pathlib.Path, **options: Any) -> Iterator[dict]:
    """Serve one FakeCloud per ``{cloud name: layout}`` on 127.0.0.1 and write a clouds.yaml naming them.

    ``options`` go to every FakeCloud (e.g. ``build_polls=0``); yields ``{name: fake}``.
    """
    fakes = {name: FakeCloud(layout, **options) for name, layout in layouts.items()}
    with contextlib.ExitStack() as stack:
        for fake in fakes.values():
            stack.enter_context(fake.serve())
        document: dict = {"clouds": {}}
        for name, fake in fakes.items():
            document["clouds"].update(fake.clouds_yaml(name)["clouds"])
        clouds_yaml.write_text(yaml.safe_dump(document))
        yield fakes


# --- the command line -----------------------------------------------------------------------


@contextlib.contextmanager
def cli_clouds(layouts: Mapping[str, str], tmp_path: pathlib.Path, monkeypatch: Any, default: str,
               **options: Any) -> Iterator[dict]:
    """``served_clouds`` named in ``tmp_path/clouds.yaml``, found through OS_CLIENT_CONFIG_FILE; OS_CLOUD=``default``."""
    path = tmp_path / "clouds.yaml"
    with served_clouds(layouts, path, **options) as fakes:
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
        monkeypatch.setenv("OS_CLOUD", default)
        yield fakes


@pytest.fixture
def key_file(tmp_path):
    """A public key file holding :data:`KEY`, for ``--key-file``."""
    path = tmp_path / "id_test.pub"
    path.write_text(KEY + "\n")
    return str(path)


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """Run ``openstack-normalizer ARGV`` in process: (exit status, stdout, stderr)."""
    from normalizer.cli import main
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def token_headers(fake: FakeCloud) -> dict[str, str]:
    """``X-Auth-Token`` of a project-scoped password token from ``fake`` (for plain ``requests`` calls)."""
    import requests
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": fake.username, "domain": {"id": "default"}, "password": fake.password}}},
        "scope": {"project": {"id": fake.project_id}}}}
    reply = requests.post(f"{fake.auth_url}/v3/auth/tokens", json=body)
    return {"X-Auth-Token": reply.headers["X-Subject-Token"]}
