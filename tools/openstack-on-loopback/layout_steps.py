"""Idempotent REST steps that build the loopback layouts (used by layouts.py).

Each ``ensure_*`` finds the resource first and creates it only when missing, so running
the layouts twice changes nothing. Everything goes through one admin keystoneauth1
session; resources that belong to a layout's project are created with its ``project_id``.
Neutron resources are found by a tag (``loopback:<layout>:<name>``) because two layouts
may use the same network name.

Usage::

    api = AdminApi.connect("loopback")
    net = ensure_network(api, tag="loopback:fip:private", body={"name": "private", ...})
"""

from __future__ import annotations

import subprocess
from typing import Any

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

AUTH_URL = "http://127.0.0.1:5000/v3"
REGION = "RegionOne"
COMPUTE_MICROVERSION = "2.100"


class AdminApi:
    """One adapter per service for the bootstrap admin.

    >>> api = AdminApi.connect("secret")  # doctest: +SKIP
    >>> api.network.get("/v2.0/networks").json()  # doctest: +SKIP
    """

    def __init__(self, sess: ks_session.Session) -> None:
        common = {"session": sess, "region_name": REGION, "interface": "public"}
        self.session = sess
        self.identity = ks_adapter.Adapter(service_type="identity", **common)
        self.network = ks_adapter.Adapter(service_type="network", **common)
        self.image = ks_adapter.Adapter(service_type="image", **common)
        self.compute = ks_adapter.Adapter(service_type="compute", default_microversion=COMPUTE_MICROVERSION,
                                          **common)

    @classmethod
    def connect(cls, password: str, username: str = "admin", project: str = "admin") -> AdminApi:
        """Password-authenticate ``username`` on ``project`` (Default domain).

        Usage: ``AdminApi.connect("loopback", username="loopback-fip-member", project="loopback-fip")``
        """
        auth = v3.Password(auth_url=AUTH_URL, username=username, password=password, project_name=project,
                           user_domain_id="default", project_domain_id="default")
        return cls(ks_session.Session(auth=auth, timeout=60))


def first(items: list[dict], **match: Any) -> dict | None:
    """The first item whose fields equal ``match``, or None.

    >>> first([{"name": "a", "id": 1}, {"name": "b", "id": 2}], name="b")["id"]
    2
    """
    for item in items:
        if all(item.get(key) == value for key, value in match.items()):
            return item
    return None


# --- identity --------------------------------------------------------------------------------

def ensure_project(api: AdminApi, name: str, description: str) -> dict:
    """The project ``name`` in the Default domain, created if missing.

    Usage: ``ensure_project(api, "loopback-fip", "loopback layout fip")["id"]``
    """
    found = api.identity.get("/projects", params={"name": name, "domain_id": "default"}).json()["projects"]
    if found:
        return found[0]
    body = {"project": {"name": name, "domain_id": "default", "description": description}}
    return api.identity.post("/projects", json=body).json()["project"]


def ensure_member_user(api: AdminApi, name: str, password: str, project: dict) -> dict:
    """The user ``name`` with the ``member`` role on ``project``, created if missing.

    Usage: ``ensure_member_user(api, "loopback-fip-member", "secret", project)``
    """
    found = api.identity.get("/users", params={"name": name, "domain_id": "default"}).json()["users"]
    if found:
        user = found[0]
    else:
        body = {"user": {"name": name, "domain_id": "default", "password": password,
                         "default_project_id": project["id"]}}
        user = api.identity.post("/users", json=body).json()["user"]
    role = api.identity.get("/roles", params={"name": "member"}).json()["roles"][0]
    api.identity.put(f"/projects/{project['id']}/users/{user['id']}/roles/{role['id']}")
    return user


# --- network ---------------------------------------------------------------------------------

def _tagged(api: AdminApi, kind: str, tag: str) -> list[dict]:
    return api.network.get(f"/v2.0/{kind}", params={"tags": tag}).json()[kind]


def _tag(api: AdminApi, kind: str, item_id: str, tag: str) -> None:
    api.network.put(f"/v2.0/{kind}/{item_id}/tags/{tag}")


def ensure_network(api: AdminApi, tag: str, body: dict) -> dict:
    """The network carrying ``tag``; created from ``body`` (a Neutron network) and tagged if missing.

    Usage: ``ensure_network(api, "loopback:fip:private", {"name": "private", "project_id": pid})``
    """
    found = _tagged(api, "networks", tag)
    if found:
        return found[0]
    network = api.network.post("/v2.0/networks", json={"network": body}).json()["network"]
    _tag(api, "networks", network["id"], tag)
    return network


def ensure_subnet(api: AdminApi, network: dict, body: dict) -> dict:
    """The subnet of ``network`` with ``body['cidr']``, created from ``body`` if missing.

    Usage: ``ensure_subnet(api, network, {"cidr": "10.1.0.0/24", "ip_version": 4})``
    """
    found = api.network.get("/v2.0/subnets", params={"network_id": network["id"]}).json()["subnets"]
    subnet = first(found, cidr=body["cidr"])
    if subnet is None:
        full = {"network_id": network["id"], "project_id": network["project_id"], **body}
        subnet = api.network.post("/v2.0/subnets", json={"subnet": full}).json()["subnet"]
    return subnet


def ensure_rbac(api: AdminApi, network: dict, action: str, project_id: str) -> dict:
    """An RBAC policy giving ``project_id`` ``action`` (access_as_shared / access_as_external) on ``network``.

    Usage: ``ensure_rbac(api, ext_net, "access_as_external", project["id"])``
    """
    params = {"object_id": network["id"], "object_type": "network", "action": action}
    policies = api.network.get("/v2.0/rbac-policies", params=params).json()["rbac_policies"]
    policy = first(policies, target_tenant=project_id)
    if policy is None:
        body = {"rbac_policy": {**params, "target_tenant": project_id}}
        policy = api.network.post("/v2.0/rbac-policies", json=body).json()["rbac_policy"]
    return policy


def ensure_router(api: AdminApi, tag: str, body: dict, interfaces: list[dict]) -> dict:
    """The router carrying ``tag`` (created from ``body`` if missing) with an interface on each subnet.

    Usage: ``ensure_router(api, "loopback:fip:router1", {"name": "router1", ...}, [subnet])``
    """
    found = _tagged(api, "routers", tag)
    if found:
        router = found[0]
    else:
        router = api.network.post("/v2.0/routers", json={"router": body}).json()["router"]
        _tag(api, "routers", router["id"], tag)
    ports = api.network.get("/v2.0/ports", params={"device_id": router["id"]}).json()["ports"]
    attached = {ip["subnet_id"] for port in ports for ip in port.get("fixed_ips", [])}
    for subnet in interfaces:
        if subnet["id"] not in attached:
            api.network.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                            json={"subnet_id": subnet["id"]})
    return router


def visible_networks(sess: ks_session.Session) -> dict[str, tuple[bool, bool]]:
    """What a user's session sees: network name -> (router:external, shared).

    Usage: ``visible_networks(member.session) == {"public": (False, True)}``
    """
    reply = sess.get("/v2.0/networks", endpoint_filter={"service_type": "network", "interface": "public"})
    return {n["name"]: (bool(n.get("router:external")), bool(n.get("shared")))
            for n in reply.json()["networks"]}


def visible_subnets(sess: ks_session.Session) -> list[str]:
    """The CIDRs of the subnets a user's session sees, sorted.

    Usage: ``visible_subnets(member.session)`` -> ``["10.1.0.0/24", "203.0.113.0/24"]``
    """
    reply = sess.get("/v2.0/subnets", endpoint_filter={"service_type": "network", "interface": "public"})
    return sorted(s["cidr"] for s in reply.json()["subnets"])


# --- images, flavors, quotas -----------------------------------------------------------------

def ensure_image(api: AdminApi, name: str, properties: dict, data: bytes) -> dict:
    """The public raw image ``name`` with ``properties``, uploaded (``data``) if missing.

    Usage: ``ensure_image(api, "Debian 12 (bookworm)", {"os_distro": "debian"}, b"\\0" * 1024)``
    """
    found = api.image.get("/v2/images", params={"name": name}).json()["images"]
    image = found[0] if found else None
    if image is None:
        body = {"name": name, "disk_format": "raw", "container_format": "bare", "visibility": "public",
                **properties}
        image = api.image.post("/v2/images", json=body).json()
    if image["status"] == "queued":
        api.image.put(f"/v2/images/{image['id']}/file", data=data,
                      headers={"Content-Type": "application/octet-stream"})
        image = api.image.get(f"/v2/images/{image['id']}").json()
    return image


def ensure_flavor(api: AdminApi, spec: dict) -> dict:
    """The flavor named ``spec['name']`` (vcpus, ram, disk, is_public), created if missing.

    Usage: ``ensure_flavor(api, {"name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1})``
    """
    flavors = api.compute.get("/flavors/detail", params={"is_public": "None"}).json()["flavors"]
    flavor = first(flavors, name=spec["name"])
    if flavor is None:
        body = {"name": spec["name"], "vcpus": spec["vcpus"], "ram": spec["ram"], "disk": spec["disk"],
                "os-flavor-access:is_public": spec.get("is_public", True)}
        flavor = api.compute.post("/flavors", json={"flavor": body}).json()["flavor"]
    return flavor


def ensure_flavor_access(api: AdminApi, flavor: dict, project_id: str) -> None:
    """Give ``project_id`` access to the private ``flavor``.

    Usage: ``ensure_flavor_access(api, flavor, project["id"])``
    """
    access = api.compute.get(f"/flavors/{flavor['id']}/os-flavor-access").json()["flavor_access"]
    if not first(access, tenant_id=project_id):
        api.compute.post(f"/flavors/{flavor['id']}/action",
                         json={"addTenantAccess": {"tenant": project_id}})


def disable_flavor(mysql: list[str], flavor: dict) -> None:
    """Mark ``flavor`` disabled in the nova_api database.

    The API has no call for ``OS-FLV-DISABLED:disabled``; operators set it in the database,
    so this does too (``mysql`` is the client command line, socket and root user included).

    Usage: ``disable_flavor(["mysql", "-S", sock, "-u", "root"], flavor)``
    """
    flavor_id = flavor["id"].replace("'", "")
    sql = f"UPDATE flavors SET disabled = 1 WHERE flavorid = '{flavor_id}' AND disabled = 0;"
    subprocess.run([*mysql, "nova_api", "-e", sql], check=True, timeout=60)


def raise_compute_quota(api: AdminApi, project_id: str, quota: dict) -> None:
    """Set Nova quotas of ``project_id`` (only the keys given; PUT is idempotent).

    Usage: ``raise_compute_quota(api, project["id"], {"instances": 50})``
    """
    api.compute.put(f"/os-quota-sets/{project_id}", json={"quota_set": quota})
