"""``openstack-normalizer demo``: one meaning across four vendor behaviours, on fake clouds on 127.0.0.1.

It serves four :class:`~normalizer.testing.FakeCloud` layouts over HTTP on the loopback,
writes a temporary clouds.yaml naming them, and runs the real commands against them:
``doctor --all-clouds``, one ``server create`` on each, ``server list --all-clouds``,
``explain`` and one ``server delete`` on each. Nothing leaves the machine; the temporary
files go when it ends, and so do the fake clouds and their servers.

>>> run_demo()  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any

import yaml

from normalizer.cli.runtime import PROG, UsageError

__all__ = ["DEMO_LAYOUTS", "register", "run_demo"]

#: The layouts the demo serves and, in one line, the vendor behaviour each imitates.
DEMO_LAYOUTS = {
    "direct": "public IPv4 and IPv6 straight from one shared network; no floating IPs",
    "multi-external": "floating IPs through a router, next to a second external network this project cannot use",
    "nova-network": "nova-network era: no network API, only addresses under the labels public and private",
    "split-stack": "one tenant network: private IPv4 behind floating IPs, globally routable IPv6 on the same port",
}
_SERVER, _IMAGE, _FLAVOR = "demo1", "ubuntu-24.04", "t3.small"
_KEY_COMMENT = "openstack-normalizer-demo"


@contextlib.contextmanager
def _environment(config_file: str, secure_file: str) -> Iterator[None]:
    """Only the temporary clouds.yaml: every OS_* variable set aside, and put back afterwards."""
    saved = {key: value for key, value in os.environ.items() if key.startswith("OS_")}
    for key in saved:
        del os.environ[key]
    os.environ["OS_CLIENT_CONFIG_FILE"] = config_file
    os.environ["OS_CLIENT_SECURE_FILE"] = secure_file
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith("OS_")]:
            del os.environ[key]
        os.environ.update(saved)


def _write_files(directory: str, fakes: dict[str, Any]) -> tuple[str, str, str]:
    """clouds.yaml naming every fake cloud, an empty secure.yaml, and a throwaway public key."""
    from normalizer.provision.conformance import probe_public_key  # noqa: PLC0415

    clouds: dict[str, Any] = {}
    for name, fake in fakes.items():
        clouds.update(fake.clouds_yaml(name)["clouds"])
    paths = tuple(os.path.join(directory, name) for name in ("clouds.yaml", "secure.yaml", "demo_key.pub"))
    texts = (yaml.safe_dump({"clouds": clouds}, sort_keys=False), "clouds: {}\n",
             probe_public_key().rsplit(" ", 1)[0] + f" {_KEY_COMMENT}\n")
    for path, text in zip(paths, texts):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    return paths


def _command(argv: list[str]) -> int:
    """Print the command line, run it as the real command would, and return its exit status."""
    from normalizer.cli import main  # noqa: PLC0415 - the package imports this module

    print(f"\n$ {PROG} {' '.join(argv)}", flush=True)
    status = main(argv)
    sys.stdout.flush()
    if status == 130:
        raise KeyboardInterrupt
    return status


def _intro(fakes: dict[str, Any]) -> None:
    print(f"{PROG} demo: {len(fakes)} fake OpenStack clouds on 127.0.0.1, each laid out the way a kind of "
          "real cloud is.\nA temporary clouds.yaml names them; what follows is the real command against them.\n")
    width = max(len(name) for name in fakes)
    for name, fake in fakes.items():
        print(f"  {name:<{width}}  {fake.auth_url:<38}  {DEMO_LAYOUTS.get(name) or fake.description}")


def _commands(names: Sequence[str], key_file: str) -> list[int]:
    statuses = [_command(["doctor", "--all-clouds"])]
    created = []
    for name in names:
        status = _command(["--os-cloud", name, "server", "create", _SERVER, "--image", _IMAGE, "--flavor", _FLAVOR,
                           "--key-file", key_file, "-c", "public_v4", "-c", "public_v6", "-c", "interface_ip"])
        statuses.append(status)
        if status == 0:
            created.append(name)
    statuses.append(_command(["server", "list", "--all-clouds"]))
    explained = next((n for n in names if n == "multi-external"), names[0])
    statuses.append(_command(["--os-cloud", explained, "explain", "external_network"]))
    for name in created:
        statuses.append(_command(["--os-cloud", name, "server", "delete", _SERVER]))
    return statuses


def run_demo(layouts: Sequence[str] | None = None) -> int:
    """Serve the layouts on 127.0.0.1, run the commands against them, clean up; returns the exit status.

    >>> run_demo(["direct", "split-stack"])  # doctest: +SKIP
    """
    from normalizer.testing import LAYOUTS, FakeCloud  # noqa: PLC0415 - the demo alone uses the test double

    names = list(layouts or DEMO_LAYOUTS)
    unknown = [name for name in names if name not in LAYOUTS]
    if unknown:
        raise UsageError(f"no layout {', '.join(unknown)}; the layouts are {', '.join(sorted(LAYOUTS))}")
    started = time.monotonic()
    fakes = {name: FakeCloud(name, build_polls=0) for name in dict.fromkeys(names)}
    with tempfile.TemporaryDirectory(prefix=f"{PROG}-demo-") as directory, contextlib.ExitStack() as stack:
        for fake in fakes.values():
            stack.enter_context(fake.serve())
        config_file, secure_file, key_file = _write_files(directory, fakes)
        stack.enter_context(_environment(config_file, secure_file))
        _intro(fakes)
        statuses = _commands(list(fakes), key_file)
    requests = sum(len(fake.requests) for fake in fakes.values())
    print(f"\n{len(fakes)} clouds, {requests} HTTP requests to 127.0.0.1, {time.monotonic() - started:.1f} s; "
          f"the fake clouds are stopped and the temporary clouds.yaml and key are removed.")
    return max(statuses)


def _demo(runtime: Any) -> None:
    """The ``demo`` command."""
    status = run_demo(runtime.args.layout)
    if status:
        runtime.failures += 1


def register(commands: Any) -> None:
    """Add the ``demo`` command to the parser.

    >>> register(commands)  # doctest: +SKIP
    """
    demo = commands.add("demo", _demo, "show normalizer on four fake clouds on 127.0.0.1 (no real cloud needed)",
                        formatted=False)
    demo.add_argument("--layout", action="append", metavar="LAYOUT",
                      help="serve this FakeCloud layout instead (repeatable; default: "
                           + ", ".join(DEMO_LAYOUTS) + ")")
