"""Create the service project, service users and catalog endpoints of the loopback cloud.

Run with the OpenStack venv's python after ``keystone-manage bootstrap`` (which made the
admin user, the admin project and the identity endpoint). Idempotent: an existing user,
service or endpoint is kept.

Usage: ``<prefix>/venv/bin/python catalog.py``  (reads LOOPBACK_SERVICE_PASSWORD)
"""

from __future__ import annotations

import os
import sys

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

AUTH_URL = "http://127.0.0.1:5000/v3"
REGION = "RegionOne"
# service type -> (name, endpoint URL, keystone user of the service)
SERVICES = {
    "image": ("glance", "http://127.0.0.1:9292", "glance"),
    "network": ("neutron", "http://127.0.0.1:9696", "neutron"),
    "compute": ("nova", "http://127.0.0.1:8774/v2.1", "nova"),
    "placement": ("placement", "http://127.0.0.1:8778", "placement"),
    # Cinder: one endpoint under the official type and the alias most clients look up
    "block-storage": ("cinder", "http://127.0.0.1:8776/v3/%(project_id)s", "cinder"),
    "volumev3": ("cinderv3", "http://127.0.0.1:8776/v3/%(project_id)s", "cinder"),
}


def admin_session(password: str) -> ks_session.Session:
    """A keystoneauth1 session for the bootstrap admin.

    >>> admin_session("secret")  # doctest: +SKIP
    """
    auth = v3.Password(auth_url=AUTH_URL, username="admin", password=password, project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    return ks_session.Session(auth=auth, timeout=30)


def find_or_create(sess: ks_session.Session, kind: str, match: dict, body: dict) -> dict:
    """Return the first ``kind`` (e.g. ``users``) whose fields equal ``match``; create it from ``body`` if none.

    >>> find_or_create(sess, "projects", {"name": "service"}, {"name": "service"})  # doctest: +SKIP
    """
    params = {k: v for k, v in match.items() if k in ("name", "domain_id", "type", "service_id", "interface")}
    found = sess.get(f"/{kind}", params=params, endpoint_filter={"service_type": "identity"}).json()[kind]
    for item in found:
        if all(item.get(k) == v for k, v in match.items()):
            return item
    singular = kind[:-1]
    return sess.post(f"/{kind}", json={singular: body},
                     endpoint_filter={"service_type": "identity"}).json()[singular]


def grant(sess: ks_session.Session, project_id: str, user_id: str, role_id: str) -> None:
    """Give ``user_id`` the role on the project (PUT is idempotent).

    Usage: ``grant(sess, service_project["id"], user["id"], admin_role["id"])``
    """
    sess.put(f"/projects/{project_id}/users/{user_id}/roles/{role_id}",
             endpoint_filter={"service_type": "identity"})


def main() -> int:
    """Create everything; print one line per service.

    Usage: ``python catalog.py`` (after ``keystone-manage bootstrap``)
    """
    password = os.environ.get("LOOPBACK_SERVICE_PASSWORD", "loopback")
    sess = admin_session(password)
    service_project = find_or_create(sess, "projects", {"name": "service", "domain_id": "default"},
                                     {"name": "service", "domain_id": "default",
                                      "description": "OpenStack service users"})
    admin_role = find_or_create(sess, "roles", {"name": "admin"}, {"name": "admin"})
    service_role = find_or_create(sess, "roles", {"name": "service"}, {"name": "service"})
    for service_type, (name, url, username) in SERVICES.items():
        user = find_or_create(sess, "users", {"name": username, "domain_id": "default"},
                              {"name": username, "domain_id": "default", "password": password,
                               "default_project_id": service_project["id"]})
        for role in (admin_role, service_role):
            grant(sess, service_project["id"], user["id"], role["id"])
        service = find_or_create(sess, "services", {"type": service_type, "name": name},
                                 {"type": service_type, "name": name})
        for interface in ("public", "internal"):
            find_or_create(sess, "endpoints",
                           {"service_id": service["id"], "interface": interface, "region_id": REGION},
                           {"service_id": service["id"], "interface": interface, "region_id": REGION,
                            "url": url})
        print(f"catalog: {service_type} {name} {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
