"""The benchmark's harness: isolation, the fake clouds, both libraries, measuring, checks.

Importing this module isolates the process first (temporary HOME and working
directory, no ``OS_*``/``NORMALIZER_*``/``XDG_*`` variables, ``time.sleep`` stubbed,
sockets to anything but 127.0.0.1 refused) and only then imports openstacksdk and
normalizer, so no real clouds.yaml is read, nothing leaves the machine, and
normalizer's transport binds the sleep stub as its default.

>>> import harness; fake = harness.fip_cloud(10)   # doctest: +SKIP
"""
from __future__ import annotations

import atexit
import gc
import os
import re
import shutil
import socket
import tempfile
import time
import tracemalloc
import warnings
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version as dist_version
from typing import Any, Callable

SLEEPS: list[float] = []
SOCKETS: list[str] = []


def _isolate() -> str:
    home = tempfile.mkdtemp(prefix="normalizer-bench-")
    for key in list(os.environ):
        if key.startswith(("OS_", "NORMALIZER_", "XDG_")):
            del os.environ[key]
    os.environ["HOME"] = home
    os.chdir(home)
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    return home


def _fake_sleep(seconds: float) -> None:
    SLEEPS.append(float(seconds))


_CONNECT, _CONNECT_EX, _CREATE_CONNECTION = socket.socket.connect, socket.socket.connect_ex, socket.create_connection
_LOOPBACK = ("127.0.0.1", "localhost")


def _is_loopback(address: Any) -> bool:
    return isinstance(address, tuple) and bool(address) and address[0] in _LOOPBACK


def _refuse(self: Any, address: Any, *args: Any, **kwargs: Any) -> Any:
    # FakeClouds served over HTTP (serve.py) listen on 127.0.0.1; any other connect can
    # only be a library probing something on its own (openstacksdk probes port 22 of
    # server addresses), and it never leaves the machine.
    if _is_loopback(address):
        return _CONNECT(self, address, *args, **kwargs)
    SOCKETS.append(repr(address))
    raise ConnectionRefusedError(111, "benchmark: sockets to other addresses than 127.0.0.1 are disabled")


def _refuse_ex(self: Any, address: Any, *args: Any, **kwargs: Any) -> Any:
    if _is_loopback(address):
        return _CONNECT_EX(self, address, *args, **kwargs)
    return _refuse(self, address)


def _refuse_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
    if _is_loopback(address):
        return _CREATE_CONNECTION(address, *args, **kwargs)
    return _refuse(None, address)


HOME = _isolate()
time.sleep = _fake_sleep
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse_ex
socket.create_connection = _refuse_connection
warnings.simplefilter("ignore")  # openstacksdk warns ~6 times per listed server

import openstack  # noqa: E402
import requests_mock  # noqa: E402

import normalizer  # noqa: E402
from normalizer.testing import FakeCloud  # noqa: E402

CACHE = {"class": "dogpile.cache.memory", "expiration_time": 60}
MIN_RAM = 2048


# --- the fake clouds (built in clouds.py, which serve.py shares) --------------------------

from clouds import IMAGE, direct_cloud, fip_cloud, flavor_cloud  # noqa: E402,F401  (re-exported)


def expected_public_v4(fake: FakeCloud, direct: bool) -> dict[str, str]:
    """Each server's public IPv4 from the fake's own state: its FIP, or its direct address."""
    wanted = {}
    for server in fake.servers:
        addrs = [a for net in server["addresses"].values() for a in net if a.get("version") == 4]
        floating = [a["addr"] for a in addrs if a.get("OS-EXT-IPS:type") == "floating"]
        fixed = [a["addr"] for a in addrs if a.get("OS-EXT-IPS:type") != "floating"]
        wanted[server["id"]] = floating[0] if floating else (fixed[0] if direct else "")
    return wanted


def expected_flavor(fake: FakeCloud) -> dict:
    """The flavor with the least RAM >= MIN_RAM (unique by construction)."""
    fits = [f for f in fake.flavors if f["ram"] >= MIN_RAM]
    least = min(f["ram"] for f in fits)
    (only,) = [f for f in fits if f["ram"] == least]
    return only


# --- the two libraries ------------------------------------------------------------------


class SDK:
    """openstacksdk's cloud layer with its defaults (``openstack.connect``)."""

    name = "openstacksdk"

    def connect(self, fake: FakeCloud, cache: bool = False) -> Any:
        return openstack.connect(
            auth_url=fake.auth_url, username=fake.username, password=fake.password,
            project_name=fake.project_name, user_domain_name=fake.user_domain_name,
            project_domain_name=fake.project_domain_name, region_name=fake.region_name)

    list_servers = staticmethod(lambda conn: conn.list_servers())
    get_server = staticmethod(lambda conn, key: conn.get_server(key))
    pick_flavor = staticmethod(lambda conn: conn.get_flavor_by_ram(MIN_RAM))

    def label(self, cache: bool = False) -> str:
        return f"openstacksdk {dist_version('openstacksdk')}"


class Normalizer:
    """``normalizer.connect`` with keyword arguments, optionally with a memory cache."""

    name = "normalizer"

    def connect(self, fake: FakeCloud, cache: bool = False) -> Any:
        return normalizer.connect(**fake.connect_kwargs(), **({"cache": dict(CACHE)} if cache else {}))

    list_servers = staticmethod(lambda cloud: cloud.list_servers())
    get_server = staticmethod(lambda cloud, key: cloud.get_server(key))
    pick_flavor = staticmethod(lambda cloud: cloud.pick_flavor(min_ram=MIN_RAM))

    def label(self, cache: bool = False) -> str:
        return f"normalizer {normalizer.__version__}" + (" (cache 60 s)" if cache else "")


class Floor:
    """What any client pays to fetch the servers: keystoneauth1 auth, every page, JSON decode.

    No addresses are computed, so it has no ``public_v4`` to check; it shows how much of
    a library's time and memory is the fetch itself (and FakeCloud's rendering).
    """

    name = "floor"

    def connect(self, fake: FakeCloud, cache: bool = False) -> Any:
        from keystoneauth1 import session  # noqa: PLC0415 - both libraries import it anyway
        from keystoneauth1.identity import v3  # noqa: PLC0415

        auth = v3.Password(auth_url=fake.auth_url + "/v3", username=fake.username, password=fake.password,
                           project_name=fake.project_name, user_domain_name=fake.user_domain_name,
                           project_domain_name=fake.project_domain_name)
        return session.Session(auth=auth), fake.region_name

    @staticmethod
    def list_servers(conn: Any) -> list[dict]:
        sess, region = conn
        where = {"service_type": "compute", "interface": "public", "region_name": region}
        servers, url = [], "/servers/detail"
        while url:
            page = sess.get(url, endpoint_filter=where).json()
            servers.extend(page["servers"])
            url = next((link["href"] for link in page.get("servers_links", []) if link.get("rel") == "next"), None)
            url = url if page["servers"] else None
        return servers

    def label(self, cache: bool = False) -> str:
        return "floor: keystoneauth1 + GET pages + json"


class Served:
    """What the libraries' ``connect`` methods read from a FakeCloud, for a cloud ``serve.py`` serves."""

    def __init__(self, kwargs: dict) -> None:
        self.kwargs = dict(kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def connect_kwargs(self) -> dict:
        return dict(self.kwargs)


LIBRARIES = (SDK(), Normalizer())
FLOOR = Floor()


# --- measuring --------------------------------------------------------------------------


class TimedMocker:
    """Stands in for a requests-mock Mocker in ``fake.install``: times FakeCloud's answers."""

    def __init__(self, mocker: Any) -> None:
        self._mocker = mocker
        self.seconds = 0.0
        self.client_errors = 0

    def register_uri(self, method: Any, url: Any, content: Callable, **kwargs: Any) -> Any:
        def timed(request: Any, context: Any) -> bytes:
            start = time.perf_counter()
            try:
                return content(request, context)
            finally:
                self.seconds += time.perf_counter() - start
                self.client_errors += 400 <= context.status_code < 500
        return self._mocker.register_uri(method, url, content=timed, **kwargs)


@dataclass
class Sample:
    """One run of one operation."""

    requests: int
    client_errors: int
    op_ms: float
    fake_ms: float
    connect_ms: float
    unexpected: list[str]
    sleeps: int
    sockets: int
    valid: str
    peak_kib: float | None = None
    mix: dict[str, int] = field(default_factory=dict)


_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|(?<=/flavors/)\d+(?=/)")
_NAME = re.compile(r"srv-\d{5}")


def request_mix(fake: FakeCloud) -> dict[str, int]:
    """Requests grouped by method, path (ids shown as {id}, server names as {name}) and query keys."""
    mix: Counter = Counter()
    for r in fake.requests:
        query = "&".join(f"{k}=" for k in sorted(r.query))
        path = _NAME.sub("{name}", _ID.sub("{id}", r.path))
        mix[f"{r.method} {path}" + (f"?{query}" if query else "")] += 1
    return dict(mix.most_common())


class Bench:
    """One fake cloud served through its own requests-mock Mocker."""

    def __init__(self, fake: FakeCloud) -> None:
        self.fake = fake
        self._mocker = requests_mock.Mocker(real_http=False)
        self.timer = TimedMocker(self._mocker)

    def __enter__(self) -> Bench:
        self._mocker.start()
        self.fake.install(self.timer)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._mocker.stop()

    def start(self) -> None:
        """Forget recorded requests and counters; the next request counts from here."""
        self.fake.reset_requests()
        self.timer.seconds, self.timer.client_errors = 0.0, 0
        SLEEPS.clear()
        SOCKETS.clear()

    def connect(self, lib: Any, cache: bool = False) -> tuple[Any, float]:
        """A new connection (neither library does I/O here) and its wall time in ms."""
        self.start()
        start = time.perf_counter()
        conn = lib.connect(self.fake, cache=cache)
        return conn, (time.perf_counter() - start) * 1000

    def measure(self, op: Callable[[], Any], check: Callable[[Any], str], connect_ms: float,
                traced: bool = False, fresh: bool = True) -> Sample:
        """Run ``op`` once; ``fresh=False`` keeps counting from the connect (lazy auth)."""
        if fresh:
            self.start()
        gc.collect()
        before_fake = self.timer.seconds
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        result = op()
        elapsed = (time.perf_counter() - start) * 1000
        peak = None
        if traced:
            peak = tracemalloc.get_traced_memory()[1] / 1024
            tracemalloc.stop()
        fake_ms = (self.timer.seconds - before_fake) * 1000
        unexpected = [f"{r.method} {r.path}" for r in self.fake.unexpected]
        return Sample(len(self.fake.requests), self.timer.client_errors, elapsed, fake_ms, connect_ms,
                      unexpected, len(SLEEPS), len(SOCKETS), check(result), peak, request_mix(self.fake))


# --- validity checks --------------------------------------------------------------------


def _field(obj: Any, name: str) -> Any:
    try:
        return obj[name]
    except (KeyError, TypeError):
        return getattr(obj, name, None)


def server_check(wanted: dict[str, str]) -> Callable[[Any], str]:
    """Every server listed once, each with the public IPv4 the fake's state implies."""
    def check(servers: Any) -> str:
        got = {_field(s, "id"): _field(s, "public_v4") or "" for s in servers}
        wrong = sum(got.get(sid) != v4 for sid, v4 in wanted.items() if sid in got)
        ok = len(servers) == len(wanted) == len(got) and set(got) == set(wanted) and not wrong
        detail = f"{len(got)} of {len(wanted)} servers" + (f", {wrong} wrong public_v4" if wrong else "")
        return ("yes" if ok else "NO") + f" ({detail})"
    return check


def one_server_check(server_id: str, v4: str) -> Callable[[Any], str]:
    """The one server asked for, with the right public IPv4."""
    def check(server: Any) -> str:
        if server is None:
            return "NO (not found)"
        if _field(server, "id") != server_id:
            return "NO (wrong server)"
        got = _field(server, "public_v4") or ""
        return "yes (found, public_v4 right)" if got == v4 else f"NO (public_v4 {got!r}, expected {v4!r})"
    return check


def count_check(wanted: int) -> Callable[[Any], str]:
    """The right number of records (for the floor, which computes nothing)."""
    def check(items: Any) -> str:
        return ("yes" if len(items) == wanted else "NO") + f" ({len(items)} of {wanted} raw servers)"
    return check


def flavor_check(wanted: dict) -> Callable[[Any], str]:
    """The flavor picked is the expected one."""
    def check(flavor: Any) -> str:
        ok = _field(flavor, "id") == wanted["id"]
        return ("yes" if ok else "NO") + f" ({_field(flavor, 'name')}, {_field(flavor, 'ram')} MiB)"
    return check
