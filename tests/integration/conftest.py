"""Fixtures for the integration tier: real OpenStack services on 127.0.0.1.

The services and the layouts come from ``tools/openstack-on-loopback`` (see
docs/integration.md). ``loopback_stack`` makes sure they run: it starts them when they
are installed but stopped, creates the layouts when their clouds.yaml is missing, and
fails (never skips) with the command to run when they are not installed.

Usage in a test::

    def test_x(loopback_clouds_yaml, leak_check):
        cloud = normalizer.connect("loopback-fip", profile="generic")
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from collections.abc import Callable

import pytest
import yaml
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools" / "openstack-on-loopback"
LAYOUT_CLOUDS = ("loopback-fip", "loopback-direct", "loopback-split-stack", "loopback-private-is-public")
START_TIMEOUT = 900
LEAK_GRACE = 60.0


def _prefix() -> Path:
    return Path(os.environ.get("LOOPBACK_PREFIX") or REPO / ".loopback").resolve()


def _run(what: str, argv: list, timeout: float) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["LOOPBACK_PREFIX"] = str(_prefix())
    try:
        return subprocess.run([str(a) for a in argv], env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} did not finish within {timeout:.0f} s; see {_prefix() / 'logs'}", pytrace=False)


def _fail_with(what: str, done: subprocess.CompletedProcess) -> None:
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
    pytest.fail(f"{what} failed (exit {done.returncode}):\n{tail}", pytrace=False)


@pytest.fixture(scope="session")
def loopback_stack() -> Path:
    """The prefix of a running loopback OpenStack whose layouts exist (starts it if needed).

    Usage: ``def test_x(loopback_stack): assert (loopback_stack / "clouds.yaml").exists()``
    """
    prefix = _prefix()
    venv_python = prefix / "venv" / "bin" / "python"
    if not venv_python.exists():
        pytest.fail(f"the loopback OpenStack is not installed under {prefix}: run "
                    f"{TOOLS / 'run-integration.sh'} (or install.sh, start.sh and layouts.py)", pytrace=False)
    if _run("status.sh", [TOOLS / "status.sh", "--quiet"], 120).returncode != 0:
        started = _run("start.sh", [TOOLS / "start.sh"], START_TIMEOUT)
        if started.returncode != 0:
            _fail_with(f"{TOOLS / 'start.sh'}", started)
    if not (prefix / "clouds.yaml").exists():
        layouts = _run("layouts.py", [venv_python, TOOLS / "layouts.py", "--prefix", prefix], 600)
        if layouts.returncode != 0:
            _fail_with(f"{TOOLS / 'layouts.py'}", layouts)
    return prefix


@pytest.fixture(scope="session")
def loopback_clouds(loopback_stack: Path) -> dict:
    """The ``clouds:`` mapping of the generated clouds.yaml.

    Usage: ``loopback_clouds["loopback-fip"]["auth"]["username"]``
    """
    with open(loopback_stack / "clouds.yaml", encoding="utf-8") as handle:
        clouds = yaml.safe_load(handle)["clouds"]
    missing = [name for name in (*LAYOUT_CLOUDS, "loopback-admin") if name not in clouds]
    if missing:
        pytest.fail(f"{loopback_stack / 'clouds.yaml'} lacks {missing}: re-run layouts.py", pytrace=False)
    return clouds


@pytest.fixture
def loopback_clouds_yaml(loopback_stack: Path, loopback_clouds: dict, monkeypatch) -> Path:
    """Path of the generated clouds.yaml, also set as ``OS_CLIENT_CONFIG_FILE`` for this test.

    >>> # def test_x(loopback_clouds_yaml): normalizer.connect("loopback-fip", profile="generic")
    """
    path = loopback_stack / "clouds.yaml"
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    return path


@pytest.fixture(scope="session")
def loopback_session(loopback_clouds: dict) -> Callable[[str], ks_session.Session]:
    """A factory: cloud name (e.g. ``loopback-fip``) -> keystoneauth1 Session for that user.

    >>> # sess = loopback_session("loopback-fip"); sess.get("/v2.0/networks", endpoint_filter=...)
    """
    sessions: dict[str, ks_session.Session] = {}

    def make(cloud: str) -> ks_session.Session:
        if cloud not in sessions:
            auth = dict(loopback_clouds[cloud]["auth"])
            sessions[cloud] = ks_session.Session(auth=v3.Password(**auth), timeout=60)
        return sessions[cloud]

    return make


@pytest.fixture(scope="session")
def admin(loopback_session) -> ks_session.Session:
    """A keystoneauth1 Session for ``loopback-admin`` (the cloud admin), for set-up and leak checks.

    >>> # admin.get("/servers/detail", endpoint_filter={"service_type": "compute"})
    """
    return loopback_session("loopback-admin")


def resource_snapshot(admin_session: ks_session.Session, user_ids: list[str]) -> dict[str, set[str]]:
    """Ids of every server, floating IP and port (all projects) and the keypairs of ``user_ids``.

    >>> # resource_snapshot(admin, ["<user id>"])["servers"]
    """
    servers = admin_session.get("/servers/detail", params={"all_tenants": 1, "limit": 1000},
                                endpoint_filter={"service_type": "compute", "interface": "public"})
    keypairs = set()
    for user_id in user_ids:
        reply = admin_session.get("/os-keypairs", params={"user_id": user_id},
                                  endpoint_filter={"service_type": "compute", "interface": "public"},
                                  microversion="2.10")
        keypairs |= {f"{user_id}/{item['keypair']['name']}" for item in reply.json()["keypairs"]}
    network = {"service_type": "network", "interface": "public"}
    return {
        "servers": {s["id"] for s in servers.json()["servers"]},
        "floating_ips": {f["id"] for f in admin_session.get("/v2.0/floatingips", endpoint_filter=network)
                         .json()["floatingips"]},
        "ports": {p["id"] for p in admin_session.get("/v2.0/ports", endpoint_filter=network).json()["ports"]},
        "keypairs": keypairs,
    }


class Snapshots:
    """Ids of the resources tests may leak: every server, floating IP and port, and the
    keypairs of the loopback users.

    >>> # before = snapshot.take(); ...; assert not snapshot.leaked_since(before)
    """

    def __init__(self, admin: ks_session.Session, user_ids: list[str]) -> None:
        self.admin, self.user_ids = admin, user_ids

    def take(self) -> dict[str, set[str]]:
        """The current ids, by kind (``servers``, ``floating_ips``, ``ports``, ``keypairs``).

        Usage: ``snapshot.take()["servers"]``
        """
        return resource_snapshot(self.admin, self.user_ids)

    def leaked_since(self, before: dict[str, set[str]], grace: float = LEAK_GRACE) -> dict[str, list[str]]:
        """What exists now but not in ``before``, polled for up to ``grace`` s while deletions finish.

        Usage: ``assert not snapshot.leaked_since(before)``
        """
        deadline = time.monotonic() + grace
        while True:
            after = self.take()
            leaked = {kind: sorted(after[kind] - before[kind]) for kind in after if after[kind] - before[kind]}
            if not leaked or time.monotonic() >= deadline:
                return leaked
            time.sleep(2)


@pytest.fixture(scope="session")
def snapshot(admin: ks_session.Session, loopback_clouds: dict) -> Snapshots:
    """A :class:`Snapshots` over the loopback cloud (admin view, all projects).

    Usage: ``before = snapshot.take(); ...; assert not snapshot.leaked_since(before)``
    """
    users = admin.get("/users", endpoint_filter={"service_type": "identity", "interface": "public"}).json()["users"]
    wanted = {c["auth"]["username"] for c in loopback_clouds.values()}
    return Snapshots(admin, [u["id"] for u in users if u["name"] in wanted])


@pytest.fixture
def leak_check(snapshot):
    """Fail the test if it leaves a server, floating IP, port or keypair it did not have before.

    Deletions in OpenStack finish after the API call returns, so the check waits up to
    LEAK_GRACE seconds for new resources to disappear. Yields the "before" snapshot.

    >>> # def test_x(leak_check): ... create and delete things ...
    """
    before = snapshot.take()
    yield before
    leaked = snapshot.leaked_since(before)
    assert not leaked, f"the test left these behind (ids; all projects): {leaked}"
