"""Readiness checks of the loopback cloud through its APIs, each polled with a deadline.

Run with the OpenStack venv's python. Exit 0 when every named check passes; otherwise
name the check and the service that did not come up, print the tail of its log, exit 1.

Usage: ``health.py [--timeout SECONDS] [CHECK ...]``  (default: every check)
Checks: identity image network placement compute-api compute-services hypervisor
resource-provider.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

AUTH_URL = "http://127.0.0.1:5000/v3"
COMPUTE_HOST = "loopback-compute"
NOVA_SERVICES = ("nova-conductor", "nova-scheduler", "nova-compute")


class NotReady(Exception):
    """A check that has not passed yet; the message says what is missing.

    Usage: ``raise NotReady("nova services not up: nova-compute")``
    """


def _session() -> ks_session.Session:
    auth = v3.Password(auth_url=AUTH_URL, username="admin",
                       password=os.environ.get("LOOPBACK_SERVICE_PASSWORD", "loopback"),
                       project_name="admin", user_domain_id="default", project_domain_id="default")
    return ks_session.Session(auth=auth, timeout=10)


def _get(sess: ks_session.Session, service: str, path: str, **kwargs) -> dict:
    reply = sess.get(path, endpoint_filter={"service_type": service, "interface": "public"},
                     raise_exc=False, **kwargs)
    if reply.status_code >= 400:
        raise NotReady(f"GET {service} {path} answered {reply.status_code}: {reply.text[:200]}")
    return reply.json()


def _check_identity(sess):
    sess.get_token()


def _check_image(sess):
    _get(sess, "image", "/v2/images", params={"limit": 1})


def _check_network(sess):
    _get(sess, "network", "/v2.0/networks", params={"limit": 1})


def _check_placement(sess):
    _get(sess, "placement", "/resource_providers")


def _check_compute_api(sess):
    _get(sess, "compute", "/flavors")


def _check_compute_services(sess):
    services = _get(sess, "compute", "/os-services")["services"]
    up = {s["binary"] for s in services if s.get("state") == "up" and s.get("status") == "enabled"}
    missing = [b for b in NOVA_SERVICES if b not in up]
    if missing:
        raise NotReady(f"nova services not up: {', '.join(missing)}")


def _check_hypervisor(sess):
    hypervisors = _get(sess, "compute", "/os-hypervisors")["hypervisors"]
    if not any(h.get("hypervisor_hostname") == COMPUTE_HOST for h in hypervisors):
        raise NotReady(f"no hypervisor {COMPUTE_HOST} yet (cell host mapping or compute node missing)")


def _check_volume(sess):
    services = _get(sess, "block-storage", "/os-services")["services"]
    if not any(s["binary"] == "cinder-volume" and s["state"] == "up" for s in services):
        raise NotReady(f"cinder-volume is not up yet: {[(s['binary'], s['state']) for s in services]}")


def _check_resource_provider(sess):
    providers = _get(sess, "placement", "/resource_providers", params={"name": COMPUTE_HOST})
    providers = providers["resource_providers"]
    if not providers:
        raise NotReady(f"no placement resource provider {COMPUTE_HOST} yet")
    inventory = _get(sess, "placement", f"/resource_providers/{providers[0]['uuid']}/inventories")
    if "VCPU" not in inventory.get("inventories", {}):
        raise NotReady(f"resource provider {COMPUTE_HOST} has no VCPU inventory yet")


# check -> (function, the log to show when it fails)
CHECKS: dict[str, tuple[Callable, str]] = {
    "identity": (_check_identity, "keystone"),
    "image": (_check_image, "glance-api"),
    "network": (_check_network, "neutron-server"),
    "placement": (_check_placement, "placement"),
    "compute-api": (_check_compute_api, "nova-api"),
    "compute-services": (_check_compute_services, "nova-compute"),
    "volume": (_check_volume, "cinder-volume"),
    "hypervisor": (_check_hypervisor, "nova-compute"),
    "resource-provider": (_check_resource_provider, "nova-compute"),
}


def _tail(name: str, lines: int = 30) -> str:
    logs = os.environ.get("LOGS", "")
    path = os.path.join(logs, f"{name}.log")
    if not os.path.exists(path):
        return f"(no log at {path})"
    with open(path, errors="replace") as handle:
        text = handle.readlines()[-lines:]
    return f"----- last {lines} lines of {path} -----\n" + "".join(text) + "-----"


def wait_for(names: list[str], timeout: float) -> int:
    """Poll each check in order until it passes; 0 when all pass, 1 at the first deadline missed.

    >>> wait_for(["identity"], 5.0)  # doctest: +SKIP
    0
    """
    deadline = time.monotonic() + timeout
    sess = None
    for name in names:
        check, log_name = CHECKS[name]
        while True:
            try:
                sess = sess or _session()
                check(sess)
                break
            except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
                last = f"{type(exc).__name__}: {exc}"
                if not isinstance(exc, NotReady):
                    sess = None
            if time.monotonic() >= deadline:
                print(f"health: {name} not ready after {timeout:.0f} s (service {log_name}): {last}",
                      file=sys.stderr)
                print(_tail(log_name), file=sys.stderr)
                return 1
            time.sleep(1)
    return 0


def main() -> int:
    """Parse arguments and run the checks.

    Usage: ``python health.py --timeout 60 compute-services hypervisor``
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("checks", nargs="*", metavar="CHECK")
    args = parser.parse_args()
    unknown = [name for name in args.checks if name not in CHECKS]
    if unknown:
        parser.error(f"unknown check {', '.join(unknown)}; known: {' '.join(CHECKS)}")
    return wait_for(args.checks or list(CHECKS), args.timeout)


if __name__ == "__main__":
    sys.exit(main())
