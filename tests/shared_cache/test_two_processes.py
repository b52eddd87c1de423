"""One dogpile cache in a real memcached shared by two processes (Ansible forks, worker pools).

A FakeCloud is served on 127.0.0.1 and two separate Python processes connect to it through
the same clouds.yaml, whose ``cache:`` section names dogpile's pymemcache backend on a
memcached this test starts on a free port. The second process's listing is answered from
the cache (it only authenticates), and a write in one process invalidates the other's
entries through the per-kind generation token stored in memcached itself.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.functional.conftest import KEY, served_clouds

WORKER = '''
import json, sys
import normalizer
cloud = normalizer.connect("shared")
if sys.argv[1] == "create":
    server = cloud.create_server(sys.argv[2], "ubuntu-24.04", "t3.small", public_key=sys.argv[3])
    print(json.dumps(server.name))
else:
    print(json.dumps(sorted(s.name for s in cloud.list_servers())))
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def memcached():
    """A memcached of this test's own on 127.0.0.1 (installed by tools/shared-cache-tier.sh)."""
    binary = shutil.which("memcached") or "/usr/bin/memcached"
    assert Path(binary).exists(), "memcached is not installed: run tools/shared-cache-tier.sh (make shared-cache)"
    port = free_port()
    # memcached refuses to run as root unless told which user to run as
    user = ["-u", "root"] if os.geteuid() == 0 else []
    process = subprocess.Popen([binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "16", *user],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "memcached did not start"
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def world(tmp_path, memcached):
    """The ``fip`` layout served on 127.0.0.1 as cloud ``shared``, cached in the memcached."""
    path = tmp_path / "clouds.yaml"
    with served_clouds({"shared": "fip"}, path, build_polls=0) as fakes:
        config = yaml.safe_load(path.read_text())
        config["cache"] = {"class": "dogpile.cache.pymemcache", "expiration_time": 300,
                           "arguments": {"url": f"127.0.0.1:{memcached}"}}
        path.write_text(yaml.safe_dump(config))
        script = tmp_path / "worker.py"
        script.write_text(WORKER)

        def run(*argv: str):
            env = {"OS_CLIENT_CONFIG_FILE": str(path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
            done = subprocess.run([sys.executable, str(script), *argv], env=env, capture_output=True, text=True,
                                  timeout=120)
            assert done.returncode == 0, done.stderr[-2000:]
            return json.loads(done.stdout.splitlines()[-1])
        yield fakes["shared"], run, memcached


def api_requests(fake) -> list[tuple[str, str]]:
    """What a process asked the cloud beyond authenticating."""
    return [(r.method, r.path) for r in fake.requests if not r.path.startswith("/identity")]


def test_the_second_process_lists_from_the_cache_and_a_write_invalidates_both(world):
    fake, run, port = world
    assert run("list") == ["db1", "web1"]
    first = api_requests(fake)
    assert ("GET", "/compute/v2.1/servers/detail") in first and len(first) >= 6
    fake.reset_requests()
    assert run("list") == ["db1", "web1"]  # another process: answered by memcached
    assert api_requests(fake) == [], api_requests(fake)
    assert any(r.path.startswith("/identity") for r in fake.requests)  # it did authenticate
    from pymemcache.client.base import Client
    assert int(Client(("127.0.0.1", port)).stats()[b"curr_items"]) > 6

    assert run("create", "web2", KEY) == "web2"  # a write: the servers kind gets a new generation
    fake.reset_requests()
    assert run("list") == ["db1", "web1", "web2"]  # the other process sees the new server at once
    refetched = api_requests(fake)
    assert ("GET", "/compute/v2.1/servers/detail") in refetched
    assert ("GET", "/compute/v2.1/flavors/detail") not in refetched  # kinds nothing wrote stay cached
