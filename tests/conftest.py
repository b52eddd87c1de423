"""Test isolation shared by every tier.

No test may read the developer's clouds.yaml, secure.yaml, profile directory or ``OS_*``
variables, and no test may reach anything but 127.0.0.1: the autouse fixtures below give
each test an empty HOME, an empty working directory and an environment without ``OS_*``,
and refuse (and fail the test for) any connection or name lookup beyond the loopback.

``make check`` also loads this module as a plugin (``-p tests.conftest``) for the doctests
in ``normalizer/``, so the examples there run under the same rules. That is a separate
pytest run: with paths under ``tests/`` in the same run pytest would register this module
twice and refuse ("Plugin already registered").
"""

import ipaddress
import os
import socket

import pytest

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip("[]").split("%", 1)[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("OS_") or key.startswith("NORMALIZER_"):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(work)
    # /etc/openstack is the site config dir: never read the machine's real one in tests.
    import normalizer.config

    monkeypatch.setattr(normalizer.config, "SITE_CONFIG_DIRS", (str(tmp_path / "etc-openstack"),))
    yield tmp_path


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Connections and name lookups beyond 127.0.0.1/::1 are refused, and fail the test.

    The refusal is an ordinary ``OSError`` so the code under test takes its usual error
    path; the test still fails at teardown even if that code swallowed the error.
    """
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def allowed(sock, address) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True  # AF_UNIX and friends never leave the machine
        return isinstance(address, tuple) and _is_loopback(address[0])

    def connect(sock, address):
        if not allowed(sock, address):
            attempts.append(f"connect to {address!r}")
            raise ConnectionRefusedError(f"tests may only connect to 127.0.0.1, not {address!r}")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if not allowed(sock, address):
            attempts.append(f"connect to {address!r}")
            raise ConnectionRefusedError(f"tests may only connect to 127.0.0.1, not {address!r}")
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(host):
            try:
                ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host)
            except ValueError:  # a name: resolving it would ask a DNS server
                attempts.append(f"name lookup of {host!r}")
                raise socket.gaierror(socket.EAI_NONAME, f"tests may not resolve {host!r}") from None
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield
    assert not attempts, "this test tried to reach beyond 127.0.0.1: " + "; ".join(attempts)
