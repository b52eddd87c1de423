"""FakeCloud: a stateful, REST-level double of Keystone v3, Nova, Neutron and Glance.

One object holds the whole cloud. It answers through requests-mock (``with fake:`` or
``fake.install(mocker)``) or over real HTTP on 127.0.0.1 (``with fake.serve() as url:``),
records every request, fails the test on calls it does not know, and lets a test
inject faults. See ``docs/testing.md``.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import http
import json as jsonlib
import re
import threading
import time
import uuid
from dataclasses import dataclass
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from normalizer.exceptions import ConfigError
from normalizer.testing import layouts
from normalizer.testing.cinder import CinderAPI, CinderFault, CinderState, image_needs_gib
from normalizer.testing.glance import GlanceAPI, GlanceFault, GlanceState
from normalizer.testing.keystone import KeystoneAPI, keystone_error
from normalizer.testing.neutron import NeutronAPI, NeutronFault, NeutronState
from normalizer.testing.nova import NovaAPI, NovaFault, NovaState, parse_version

__all__ = ["FakeCloud", "RecordedRequest"]

DEFAULT_PORT = 8799
_EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
_SECRET_HEADERS = {"x-auth-token", "x-subject-token"}
_SECRET_KEYS = {"password", "secret", "adminPass", "private_key"}
#: version documents each service serves without a token
_PUBLIC = {"compute": {("GET", ""), ("GET", "/v2.1")}, "network": {("GET", "")}, "volumev3": {("GET", "")},
           "image": {("GET", ""), ("GET", "/versions")}, "identity": KeystoneAPI.PUBLIC}


@dataclass(frozen=True, repr=False)
class RecordedRequest:
    """One request FakeCloud received; ``path`` has no base URL, ``query`` maps to lists.

    >>> RecordedRequest("GET", "/image/v2/images", {}, None, {"X-Auth-Token": "t"})
    RecordedRequest(GET /image/v2/images, headers={'X-Auth-Token': '***'})
    """

    method: str
    path: str
    query: dict[str, list[str]]
    json: Any
    headers: dict[str, str]

    def __repr__(self) -> str:
        headers = {k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in self.headers.items()}
        parts = [f"{self.method} {self.path}"]
        if self.query:
            parts.append(f"query={self.query!r}")
        if self.json is not None:
            parts.append(f"json={_redact(self.json)!r}")
        parts.append(f"headers={headers!r}")
        return f"RecordedRequest({', '.join(parts)})"


def _redact(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        # {"token": {"id": ...}} in a token-method auth body is a credential too.
        return {k: "***" if (k in _SECRET_KEYS and not isinstance(v, dict)) or (key == "token" and k == "id")
                else _redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, key) for v in value]
    return value


@dataclass(frozen=True)
class Call:
    """What a service handler sees: ``path`` is relative to the service prefix."""

    method: str
    path: str
    query: dict[str, list[str]]
    json: Any
    headers: dict[str, str]  # lower-case names


@dataclass(frozen=True)
class Identity:
    """The fake user, project and application credential."""

    username: str
    password: str
    user_id: str
    project_id: str
    project_name: str
    domain_id: str
    domain_name: str
    roles: tuple[str, ...]
    application_credential_id: str
    application_credential_name: str
    application_credential_secret: str


class Sequence:
    """Deterministic ids, MACs, timestamps and tokens derived from ``seed``.

    >>> Sequence(0).uuid() == Sequence(0).uuid()
    True
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._counters = {"id": 0, "mac": 0, "clock": 0, "token": 0}

    def _next(self, counter: str) -> int:
        self._counters[counter] += 1
        return self._counters[counter]

    def stable(self, label: str) -> str:
        """A 32-hex id for ``label`` that does not depend on what was created before."""
        return hashlib.sha256(f"{self.seed}:{label}".encode()).hexdigest()[:32]

    def uuid(self) -> str:
        """The next resource UUID (version 4 layout)."""
        digest = hashlib.sha256(f"{self.seed}:id:{self._next('id')}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))

    def mac(self) -> str:
        """The next port MAC in OpenStack's ``fa:16:3e`` range."""
        n = self._next("mac")
        return f"fa:16:3e:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}"

    def now(self) -> str:
        """The next timestamp: one second after the previous one, from 2024-01-01."""
        moment = _EPOCH + datetime.timedelta(seconds=self._next("clock"))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def token(self) -> str:
        """The next token id."""
        return "gAAAAAB" + hashlib.sha256(f"{self.seed}:token:{self._next('token')}".encode()).hexdigest()


@dataclass
class _Injection:
    method: str
    pattern: re.Pattern
    status: int
    json: Any
    text: str | None
    headers: dict
    times: int
    exception: type[BaseException] | None
    after_state: bool = False


class FakeCloud:
    """A fake OpenStack cloud laid out like a real vendor's (see ``LAYOUTS``).

    ``features`` switches the layout's features (``layouts.FEATURES``) for this instance,
    e.g. ``features={"block_storage": True}`` lists Cinder in the catalog.

    >>> fake = FakeCloud("fip")
    >>> fake.auth_url
    'http://127.0.0.1:8799/identity'
    """

    def __init__(self, layout: str = "fip", *, region_name: str = "RegionOne", base_url: str | None = None,
                 build_polls: int = 1, max_microversion: str = "2.96", seed: int = 0,
                 delete_polls: int = 0, volume_build_polls: int = 0, volume_quota: int | None = None,
                 features: Mapping[str, bool] | None = None) -> None:
        data = layouts.load(layout, features=features)
        vocab = layouts.vocabulary()
        self.layout, self.description = layout, " ".join(str(data.get("description", "")).split())
        self.profile: str = data.get("profile", "generic")
        self.config: dict = dict(data.get("config") or {})
        self.features: dict[str, bool] = data["features"]
        self.region_name = region_name
        self._vocab, self._lock, self._seq = vocab, threading.RLock(), Sequence(seed)
        self._set_base(base_url or f"http://127.0.0.1:{DEFAULT_PORT}")
        try:
            self._max_version = parse_version(max_microversion, (2, 999))
        except NovaFault as fault:
            raise ConfigError(f"max_microversion {max_microversion!r} is invalid",
                              hint="use MAJOR.MINOR, e.g. '2.96'") from fault
        who, seq = vocab["identity"], self._seq
        self.ids = Identity(
            username=who["username"], password=who["password"], user_id=seq.stable("user"),
            project_id=seq.stable("project"), project_name=who["project_name"], domain_id=who["domain_id"],
            domain_name=who["domain_name"], roles=tuple(who["roles"]), application_credential_id=seq.stable("appcred"),
            application_credential_name=who["application_credential_name"],
            application_credential_secret=who["application_credential_secret"])
        cloud_project = seq.stable("cloud-project")
        self._neutron = NeutronState(seq, self.ids.project_id, cloud_project, vocab,
                                     need_router=self.features["floating_ips_need_router"])
        self._glance = GlanceState(seq, self.ids.project_id, cloud_project, vocab)
        quotas = dict(data.get("quotas") or {})
        self._neutron.floating_ip_quota = quotas.get("floatingip")
        self._cinder = CinderState(seq, self.ids.project_id, self._glance, build_polls=volume_build_polls,
                                   quota=quotas.get("volumes") if volume_quota is None else volume_quota)
        self._nova = NovaState(seq, self.ids, self._neutron, self._glance, self.features, build_polls,
                               cinder=self._cinder)
        self._nova.delete_polls = delete_polls
        self._apis = {
            "identity": KeystoneAPI(seq, self.ids, self._catalog, lambda: self._endpoint("identity"),
                                    region_name, vocab["interfaces"]),
            "compute": NovaAPI(self._nova, lambda: self._root("compute"), self._max_version),
            "network": NeutronAPI(self._neutron, lambda: self._root("network"), l3=self.features["l3"],
                                  port_forwarding=self.features["port_forwarding"]),
            "image": GlanceAPI(self._glance, lambda: self._root("image")),
            "volumev3": CinderAPI(self._cinder, lambda: self._root("volumev3")),
        }
        self._requests: list[RecordedRequest] = []
        self._unexpected: list[RecordedRequest] = []
        self._injections: list[_Injection] = []
        self._mocker: Any = None
        layouts.apply(self, data)

    def __repr__(self) -> str:
        return f"FakeCloud({self.layout!r}, base_url={self.base_url!r})"

    # --- identity facts --------------------------------------------------------------

    username = property(lambda self: self.ids.username, doc="The fake user's name.")
    password = property(lambda self: self.ids.password, doc="The fake user's password.")
    user_id = property(lambda self: self.ids.user_id, doc="The fake user's id.")
    project_id = property(lambda self: self.ids.project_id, doc="The fake project's id.")
    project_name = property(lambda self: self.ids.project_name, doc="The fake project's name.")
    user_domain_name = property(lambda self: self.ids.domain_name, doc="The user's domain name.")
    project_domain_name = property(lambda self: self.ids.domain_name, doc="The project's domain name.")
    application_credential_id = property(lambda self: self.ids.application_credential_id,
                                         doc="Id of the one application credential.")
    application_credential_secret = property(lambda self: self.ids.application_credential_secret,
                                             doc="Secret of the one application credential.")

    @property
    def auth_url(self) -> str:
        """The unversioned identity endpoint, as devstack publishes it (discovery needed).

        >>> FakeCloud("empty").auth_url
        'http://127.0.0.1:8799/identity'
        """
        return self._endpoint("identity")

    def _set_base(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._base_path = urlsplit(self.base_url).path

    def _service(self, service_type: str) -> dict:
        return next(s for s in self._vocab["catalog"] if s["type"] == service_type)

    def _root(self, service_type: str) -> str:
        return self.base_url + self._service(service_type)["prefix"]

    def _endpoint(self, service_type: str) -> str:
        return self.base_url + self._service(service_type)["endpoint"].format(project_id=self.ids.project_id)

    def _listed(self, service_type: str) -> bool:
        """Whether this layout's catalog lists the service (a layout feature may leave it out)."""
        feature = {"network": "network_endpoint", "volumev3": "block_storage"}.get(service_type)
        return feature is None or self.features[feature]

    def _catalog(self) -> list[tuple[str, str, str]]:
        return [(s["type"], s["name"], self._endpoint(s["type"])) for s in self._vocab["catalog"]
                if self._listed(s["type"])]

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``normalizer.connect(**fake.connect_kwargs())``.

        >>> sorted(FakeCloud("empty").connect_kwargs())[:3]
        ['auth_url', 'password', 'profile']
        """
        kwargs: dict[str, Any] = {
            "auth_url": self.auth_url, "username": self.username, "password": self.password,
            "project_name": self.project_name, "user_domain_name": self.user_domain_name,
            "project_domain_name": self.project_domain_name, "region_name": self.region_name,
            "profile": self.profile}
        # layout hints are clouds.yaml (openstacksdk) keys such as networks:, which
        # connect() accepts as keyword arguments too
        kwargs.update(jsonlib.loads(jsonlib.dumps(self.config or {})))
        return kwargs

    def clouds_yaml(self, name: str = "fake") -> dict[str, Any]:
        """A ``clouds.yaml`` document for this cloud (dump it with ``yaml.safe_dump``).

        >>> FakeCloud("empty").clouds_yaml()["clouds"]["fake"]["auth_type"]
        'password'
        """
        kwargs = self.connect_kwargs()
        entry: dict[str, Any] = {
            "auth_type": "password", "identity_api_version": 3, "region_name": kwargs.pop("region_name"),
            "profile": kwargs.pop("profile")}
        for key in list(self.config or {}):
            entry[key] = kwargs.pop(key)
        entry["auth"] = kwargs
        return {"clouds": {name: entry}}

    # --- modes -----------------------------------------------------------------------

    def install(self, mocker: Any) -> FakeCloud:
        """Answer every URL under ``base_url`` through a requests-mock ``Mocker``/fixture.

        >>> # def test_x(requests_mock): fake = FakeCloud().install(requests_mock)
        """
        import requests_mock  # noqa: PLC0415 - only mock mode needs it

        base = re.escape(self.base_url)
        mocker.register_uri(requests_mock.ANY, re.compile(f"^{base}(?=[/?#]|$)"), content=self._mock_answer)
        for service in self._vocab["catalog"]:
            pattern = re.compile(f"^{base}{re.escape(service['prefix'])}(?=[/?#]|$)")
            mocker.register_uri(requests_mock.ANY, pattern, content=self._mock_answer)
        return self

    def __enter__(self) -> FakeCloud:
        import requests_mock  # noqa: PLC0415 - only mock mode needs it

        self._mocker = requests_mock.Mocker(real_http=False)
        self._mocker.start()
        return self.install(self._mocker)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._mocker.stop()
        self._mocker = None
        if exc_type is None:
            self.assert_no_unexpected()

    def serve(self, latency: float = 0.0) -> contextlib.AbstractContextManager[str]:
        """Serve over HTTP on 127.0.0.1 (ephemeral port); yields the base URL.

        ``latency``: seconds every answer waits before it is sent, like a round trip to a
        distant cloud (each connection is served by its own thread, so waits overlap).

        >>> # with FakeCloud().serve(latency=0.02) as base: requests.get(base + "/identity")
        """
        from normalizer.testing.http_server import running  # noqa: PLC0415 - serve mode only

        if not isinstance(latency, (int, float)) or isinstance(latency, bool) or not 0 <= latency <= 60:
            raise ConfigError(f"latency must be a number of seconds from 0 to 60, not {latency!r}")

        def answer(method: str, target: str, headers: dict, body: Any) -> tuple[int, dict, bytes]:
            if latency:
                time.sleep(latency)
            return self._answer(method, target, headers, body)

        @contextlib.contextmanager
        def serving() -> Iterator[str]:
            with running(answer) as port:
                previous = self.base_url
                self._set_base(f"http://127.0.0.1:{port}")
                try:
                    yield self.base_url
                finally:
                    self._set_base(previous)
        return serving()

    def _mock_answer(self, request: Any, context: Any) -> bytes:
        parts = urlsplit(request.url)
        target = parts.path[len(self._base_path):] + (f"?{parts.query}" if parts.query else "")
        status, headers, payload = self._answer(request.method, target, dict(request.headers), request.body)
        context.status_code = status
        context.reason = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else ""
        context.headers.update(headers)
        return payload

    # --- answering -------------------------------------------------------------------

    def _answer(self, method: str, target: str, headers: dict, body: Any) -> tuple[int, dict, bytes]:
        """Record and answer one request; ``target`` is path and query without the base URL."""
        parts = urlsplit(target)
        if isinstance(body, str):
            body = body.encode()
        try:
            parsed = jsonlib.loads(body) if body else None
        except ValueError:
            parsed = None
        record = RecordedRequest(method.upper(), parts.path, parse_qs(parts.query, keep_blank_values=True),
                                 parsed, dict(headers))
        with self._lock:
            self._requests.append(record)
            injection = self._take_injection(record)
            if injection is None or injection.after_state:
                # Encode under the lock: replies hold live records other threads may change.
                reply = self._encode(*self._route(record))
                if injection is None:
                    return reply
        if injection.exception is not None:
            error = injection.exception(f"FakeCloud injected {injection.exception.__name__} for "
                                        f"{record.method} {record.path}")
            with contextlib.suppress(AttributeError):
                error.fakecloud_injected = True  # serve mode drops the connection for these
            raise error
        body = injection.json if injection.json is not None else injection.text
        return self._encode(injection.status, body, dict(injection.headers))

    def _encode(self, status: int, body: Any, headers: dict) -> tuple[int, dict, bytes]:
        headers = {"x-openstack-request-id": f"req-{uuid.uuid4()}", **headers}
        if body is None:
            return status, headers, b""
        if isinstance(body, str):
            headers.setdefault("Content-Type", "text/plain; charset=UTF-8")
            return status, headers, body.encode()
        headers.setdefault("Content-Type", "application/json")
        return status, headers, jsonlib.dumps(body).encode()

    def _take_injection(self, record: RecordedRequest) -> _Injection | None:
        for injection in self._injections:
            if injection.method in ("*", record.method) and injection.pattern.search(record.path):
                injection.times -= 1
                if injection.times <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    def _route(self, record: RecordedRequest) -> tuple[int, Any, dict]:
        path = record.path
        service = next((s for s in self._vocab["catalog"]
                        if path == s["prefix"] or path.startswith(s["prefix"] + "/")), None)
        kind = service["type"] if service else None
        if kind is None or not self._listed(kind):
            # No such endpoint in this cloud's catalog: the code under test made the URL up.
            self._unexpected.append(record)
            return 404, "404 Not Found\n\nThe resource could not be found.\n", {}
        headers = {k.lower(): v for k, v in record.headers.items()}
        call = Call(record.method, path[len(service["prefix"]):], record.query, record.json, headers)
        if kind == "network" and not self.features["network_api"]:
            # A broken network endpoint is the layout, not a mistake of the code under test.
            return 404, "404 Not Found\n\nThe resource could not be found.\n", {}
        if (call.method, call.path.rstrip("/")) not in _PUBLIC[kind] and \
                not self._apis["identity"].valid(headers.get("x-auth-token")):
            status, body, _ = keystone_error(401, "Unauthorized", "The request you have made requires authentication.")
            return status, body, {"WWW-Authenticate": f'Keystone uri="{self._endpoint("identity")}"'}
        reply = self._apis[kind].handle(call)
        if reply is None:
            self._unexpected.append(record)
            reply = _not_found(kind)
        if kind == "compute":
            reply[2].setdefault("x-compute-request-id", f"req-{uuid.uuid4()}")
        return reply

    # --- inspection ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy).

        >>> FakeCloud("empty").requests
        []
        """
        with self._lock:
            return list(self._requests)

    @property
    def unexpected(self) -> list[RecordedRequest]:
        """Requests no handler knew; leaving ``with fake:`` fails when this is not empty.

        >>> FakeCloud("empty").unexpected
        []
        """
        with self._lock:
            return list(self._unexpected)

    def calls(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Recorded requests filtered by method and path prefix.

        >>> FakeCloud("empty").calls("GET", "/compute")
        []
        """
        return [r for r in self.requests
                if (method is None or r.method == method.upper()) and (path is None or r.path.startswith(path))]

    def reset_requests(self) -> None:
        """Forget recorded and unexpected requests (state is kept).

        >>> fake = FakeCloud("empty"); fake.reset_requests(); fake.requests
        []
        """
        with self._lock:
            self._requests.clear()
            self._unexpected.clear()

    def assert_no_unexpected(self) -> None:
        """Raise ``AssertionError`` listing the requests no handler knew, if any.

        >>> FakeCloud("empty").assert_no_unexpected()  # nothing unknown was asked
        """
        calls = self.unexpected
        if calls:
            listed = "; ".join(f"{r.method} {r.path}" for r in calls)
            raise AssertionError(f"FakeCloud got {len(calls)} unexpected request(s): {listed}")

    def inject(self, method: str, path_regex: str, *, status: int, json: Any = None, text: str | None = None,
               headers: dict | None = None, times: int = 1, exception: type[BaseException] | None = None,
               after_state: bool = False) -> None:
        """Answer the next ``times`` matching requests with this instead (``method="*"`` for any).

        ``after_state=True`` lets the cloud act on the request first and only then replaces
        its answer (or raises ``exception``): the answer a proxy, a timeout or Ctrl-C lost
        after the resource was created.

        >>> FakeCloud("empty").inject("GET", r"^/compute/v2\\.1/servers", status=503, text="busy")
        >>> FakeCloud("fip").inject("POST", r"/servers$", status=504, text="<html>Gateway Timeout</html>",
        ...                         after_state=True)
        """
        with self._lock:
            self._injections.append(_Injection(method.upper(), re.compile(path_regex), status, json, text,
                                               dict(headers or {}), times, exception, after_state))

    def fail_builds(self, message: str = "No valid host was found. There are not enough hosts available.",
                    times: int = 1) -> None:
        """Make the next ``times`` server builds end in ERROR with this fault message.

        >>> FakeCloud("fip").fail_builds("Exceeded maximum number of retries.")
        """
        with self._lock:
            self._nova.build_faults.extend([message] * times)

    # --- builders --------------------------------------------------------------------

    @contextlib.contextmanager
    def _building(self) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except (NeutronFault, NovaFault, GlanceFault, CinderFault) as fault:
                raise ConfigError(f"FakeCloud cannot build that: {fault.message.rstrip('.')}",
                                  hint="check the names and arguments given to the builder") from None

    def add_network(self, name: str, *, external: bool = False, shared: bool = False, project_owned: bool = True,
                    cidr: str | None = None, ipv6_cidr: str | None = None, gateway: bool = True, **extra: Any) -> dict:
        """Add a network (subnets from ``cidr``/``ipv6_cidr``); ``external`` sets router:external.

        >>> FakeCloud("empty").add_network("net1", cidr="10.9.0.0/24")["subnets"] != []
        True
        """
        with self._building():
            return self._neutron.add_network(name, external=external, shared=shared, project_owned=project_owned,
                                             cidr=cidr, ipv6_cidr=ipv6_cidr, gateway=gateway, **extra)

    def add_subnet(self, network: Any, cidr: str, *, ip_version: int | None = None, gateway_ip: Any = ...,
                   name: str | None = None) -> dict:
        """Add a subnet to a network given by name or id (``gateway_ip=None``: no gateway).

        >>> fake = FakeCloud("empty"); _ = fake.add_network("tenant", cidr="10.9.0.0/24")
        >>> fake.add_subnet("tenant", "10.9.1.0/24", gateway_ip=None)["cidr"]
        '10.9.1.0/24'
        """
        with self._building():
            return self._neutron.add_subnet(network, cidr, ip_version=ip_version, gateway_ip=gateway_ip, name=name)

    def add_router(self, name: str, *, external_network: Any = None, interfaces: Any = ()) -> dict:
        """Add a router with a gateway on ``external_network`` and interfaces on networks/subnets.

        >>> fake = FakeCloud("empty"); _ = fake.add_network("tenant", cidr="10.9.0.0/24")
        >>> _ = fake.add_network("pool", external=True, project_owned=False, cidr="198.51.100.0/24")
        >>> fake.add_router("r1", external_network="pool", interfaces=["tenant"])["name"]
        'r1'
        """
        with self._building():
            return self._neutron.add_router(name, external_network=external_network, interfaces=interfaces)

    def add_flavor(self, name: str, vcpus: int, ram: int, disk: int, *, is_public: bool = True,
                   disabled: bool = False, ephemeral: int = 0, swap: int = 0, extra_specs: dict | None = None,
                   id: str | None = None) -> dict:
        """Add a flavor (``ram`` in MiB, ``disk`` in GiB); ``is_public=False`` ones belong to the fake project.

        >>> FakeCloud("empty").add_flavor("big", 8, 16384, 80, extra_specs={"hw:cpu_policy": "dedicated"})["vcpus"]
        8
        """
        with self._building():
            return self._nova.add_flavor(name, vcpus, ram, disk, is_public=is_public, disabled=disabled,
                                         ephemeral=ephemeral, swap=swap, extra_specs=extra_specs, id=id)

    def add_image(self, name: str, *, visibility: str = layouts.vocabulary()["image_visibility"]["default"],
                  status: str = "active", hidden: bool = False, created_at: str | None = None,
                  **properties: Any) -> dict:
        """Add an image; ``properties`` (``os_distro="ubuntu"``, ``min_disk=3``...) are stored flat.

        >>> FakeCloud("empty").add_image("ubuntu-24.04", os_distro="ubuntu", os_version="24.04")["os_distro"]
        'ubuntu'
        """
        with self._building():
            return self._glance.add_image(name, visibility=visibility, status=status, hidden=hidden,
                                          created_at=created_at, **properties)

    def add_keypair(self, name: str, public_key: str | None = None) -> dict:
        """Add a keypair; without ``public_key`` one is generated (``private_key`` is returned).

        >>> "private_key" in FakeCloud("empty").add_keypair("mykey")
        True
        """
        with self._building():
            return self._nova.add_keypair(name, public_key)

    def add_server(self, name: str, *, image: Any = None, flavor: Any = None, networks: Any = (),
                   floating_ip: bool | str = False, status: str = "ACTIVE", key_name: str | None = None,
                   metadata: dict | None = None, access_ipv4: str = "", access_ipv6: str = "",
                   boot_from_volume: bool = False) -> dict:
        """Add a server with a port per network; ``image=None`` boots from volume.

        ``boot_from_volume=True`` boots it from a volume made from ``image`` (Cinder's,
        with the image's metadata, when the layout has block storage).

        ``floating_ip=True`` attaches one from the external network a router reaches (a
        string names the pool); ``access_ipv4="auto"`` copies the first fixed IPv4.

        >>> fake = FakeCloud("empty"); _ = fake.add_network("tenant", cidr="10.9.0.0/24")
        >>> fake.add_server("web9", networks=["tenant"])["status"]
        'ACTIVE'
        """
        with self._building():
            nova, neutron = self._nova, self._neutron
            if flavor is None:
                flavor = next((f for f in nova.flavors.values() if not f["OS-FLV-DISABLED:disabled"]), None)
                if flavor is None:
                    raise ConfigError("FakeCloud has no enabled flavor for add_server", hint="add_flavor() first")
            found = self._glance.find(image) if image is not None else None
            volumes = nova.boot_volumes([{"boot_index": 0, "source_type": "image", "destination_type": "volume",
                                          "uuid": found["id"], "volume_size": image_needs_gib(found),
                                          "delete_on_termination": True}], found["id"], builder=True) \
                if boot_from_volume and found else []
            record = nova.create_server(
                name, image=None if boot_from_volume else found, volumes=volumes,
                flavor=nova.flavor(flavor["id"] if isinstance(flavor, dict) else flavor, by_name=True),
                networks=[{"uuid": neutron.find("networks", n)["id"]} for n in networks] or None,
                key_name=key_name, metadata=metadata, access=(access_ipv4, access_ipv6), status=status)
            nova.attach_volumes(record)
            if floating_ip:
                try:
                    self._attach_new_fip(record, floating_ip)
                except NeutronFault:
                    nova.delete_server(record["id"])
                    raise
            return nova.render(record, self._max_version, self._root("compute"))

    def _attach_new_fip(self, server: dict, pool: bool | str) -> dict:
        neutron = self._neutron
        ports = neutron.device_ports(server["id"])
        if not ports:
            raise NeutronFault(400, "BadRequest", f"server {server['name']} has no port for a floating IP")
        if pool is True:
            subnets = [ip["subnet_id"] for ip in ports[0]["fixed_ips"]]
            externals = [n for n in neutron.records["networks"].values() if n["router:external"]]
            reachable = [n for n in externals if any(neutron.router_between(n["id"], s) for s in subnets)]
            if not (reachable or externals):
                raise NeutronFault(400, "BadRequest", "no external network to allocate a floating IP from")
            pool = (reachable or externals)[0]["id"]
        return neutron.add_floating_ip(pool, port=ports[0]["id"])

    def add_volume(self, name: str, size: int, *, image: Any = None, volume_type: str | None = None,
                   metadata: dict | None = None) -> dict:
        """Add an available volume (made from ``image``, a name or id, when given).

        >>> FakeCloud("empty").add_volume("data", 10)["status"]
        'available'
        """
        with self._building():
            image_id = self._glance.find(image)["id"] if image is not None else None
            return self._cinder.create_volume(size, name=name, image_ref=image_id, volume_type=volume_type,
                                              metadata=metadata, enforce_quota=False)

    def add_floating_ip(self, network: Any, *, port: Any = None, description: str = "") -> dict:
        """Allocate a floating IP on an external network; ``port`` is a port id or a server.

        >>> fake = FakeCloud("empty")
        >>> _ = fake.add_network("pool", external=True, project_owned=False, cidr="198.51.100.0/24")
        >>> fake.add_floating_ip("pool", description="spare")["port_id"] is None
        True
        """
        with self._building():
            if port is not None and port not in self._neutron.records["ports"]:
                server = self._nova.server(port["id"] if isinstance(port, dict) else port, by_name=True)
                ports = self._neutron.device_ports(server["id"])
                port = ports[0]["id"] if ports else None
            return self._neutron.add_floating_ip(network, port=port, description=description)

    # --- state queries ---------------------------------------------------------------

    @property
    def servers(self) -> list[dict]:
        """Servers as ``GET /servers/{id}`` shows them at the maximum microversion.

        >>> sorted(server["name"] for server in FakeCloud("fip").servers)
        ['db1', 'web1']
        """
        with self._lock:
            root = self._root("compute")
            return [self._nova.render(s, self._max_version, root) for s in self._nova.servers.values()]

    def _records(self, store: dict) -> list[dict]:
        with self._lock:
            return list(store.values())

    networks = property(lambda self: self._records(self._neutron.records["networks"]),
                        doc="Network records (all projects).")
    subnets = property(lambda self: self._records(self._neutron.records["subnets"]), doc="Subnet records.")
    ports = property(lambda self: self._records(self._neutron.records["ports"]), doc="Port records.")
    routers = property(lambda self: self._records(self._neutron.records["routers"]), doc="Router records.")
    floating_ips = property(lambda self: self._records(self._neutron.records["floatingips"]),
                            doc="Floating IP records.")
    flavors = property(lambda self: self._records(self._nova.flavors), doc="Flavor records (2.75 shape).")
    images = property(lambda self: self._records(self._glance.images), doc="Image records, as Glance shows them.")
    keypairs = property(lambda self: self._records(self._nova.keypairs), doc="Keypair records.")
    volumes = property(lambda self: self._records(self._cinder.volumes), doc="Volume records (Cinder).")
    security_groups = property(lambda self: self._records(self._neutron.records["security-groups"]),
                               doc="Security group records, with their rules.")
    port_forwardings = property(lambda self: self._records(self._neutron.forwardings),
                                doc="Port forwarding records, each with its floatingip_id.")


def _not_found(kind: str) -> tuple[int, Any, dict]:
    message = "The resource could not be found."
    if kind == "compute":
        return NovaFault(404, message).reply()
    if kind == "network":
        return NeutronFault(404, "HTTPNotFound", message).reply()
    if kind == "image":
        return GlanceFault(404, message).reply()
    if kind == "volumev3":
        return CinderFault(404, message).reply()
    return keystone_error(404, "Not Found", message)
