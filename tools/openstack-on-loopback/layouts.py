"""Create the loopback cloud layouts through the admin API and write <prefix>/clouds.yaml.

One project and one member user per layout, each seeing only its own networks (Neutron
RBAC targets that one project instead of making a network globally shared or external):

* ``fip``: tenant ``private`` 10.1.0.0/24 + ``router1`` with its gateway on ``ext-net``
  (203.0.113.0/24); ``ext-net-2`` (198.51.100.0/24) is external too, but no router of
  the project reaches it.
* ``direct``: the provider network ``public`` shared with the project, with 192.0.2.0/25
  and 2001:db8:b::/64 (documentation ranges: clouds.yaml marks it ``routes_externally``).
* ``split-stack``: ``tenant-net`` with 10.3.0.0/24 and the global-looking 3ffe:3::/64,
  routed to its own ``ext-net`` (192.0.2.128/25) for IPv4 floating IPs.
* ``private-is-public``: a shared network literally named ``private`` whose subnet
  5.9.0.0/24 is a globally routable range; no router.

Plus public images with and without ``os_distro``/``os_admin_user``, flavors of several
sizes, a private flavor (fip project only) and a disabled one, and Nova quotas raised so
10 parallel boots fit. Every address here is a database record: nothing routes to it and
nothing sends packets to it. Idempotent: a second run changes nothing.

Usage: ``<prefix>/venv/bin/python layouts.py [--prefix PREFIX]``
"""

from __future__ import annotations

import argparse
import os
import sys

import yaml

import layout_steps as steps

PASSWORD = os.environ.get("LOOPBACK_SERVICE_PASSWORD", "loopback")
QUOTA = {"instances": 50, "cores": 100, "ram": 102400}
IMAGE_BYTES = b"\0" * 1024

# layout -> networks: (tag name, owner "project" or "admin", network body, subnets, RBAC action)
LAYOUTS: dict[str, dict] = {
    "fip": {
        "networks": [
            ("ext-net", "admin", {"provider:network_type": "flat", "provider:physical_network": "fip-ext"},
             [{"name": "ext-subnet", "cidr": "203.0.113.0/24", "ip_version": 4, "enable_dhcp": False}],
             "access_as_external"),
            ("ext-net-2", "admin", {"provider:network_type": "flat", "provider:physical_network": "fip-ext2"},
             [{"name": "ext-subnet-2", "cidr": "198.51.100.0/24", "ip_version": 4, "enable_dhcp": False}],
             "access_as_external"),
            ("private", "project", {},
             [{"name": "private-subnet", "cidr": "10.1.0.0/24", "ip_version": 4}], None),
        ],
        "router": ("router1", "ext-net", ["private"]),
        "expect": {"private": (False, False), "ext-net": (True, False), "ext-net-2": (True, False)},
    },
    "direct": {
        "networks": [
            ("public", "admin", {"provider:network_type": "flat", "provider:physical_network": "direct-public"},
             [{"name": "public-v4", "cidr": "192.0.2.0/25", "ip_version": 4},
              {"name": "public-v6", "cidr": "2001:db8:b::/64", "ip_version": 6, "ipv6_address_mode": "slaac"}],
             "access_as_shared"),
        ],
        "router": None,
        "expect": {"public": (False, True)},
        "clouds_yaml": {"networks": [{"name": "public", "routes_externally": True}]},
    },
    "split-stack": {
        "networks": [
            ("ext-net", "admin", {"provider:network_type": "flat", "provider:physical_network": "split-ext"},
             [{"name": "ext-subnet", "cidr": "192.0.2.128/25", "ip_version": 4, "enable_dhcp": False}],
             "access_as_external"),
            ("tenant-net", "project", {},
             [{"name": "tenant-v4", "cidr": "10.3.0.0/24", "ip_version": 4},
              {"name": "tenant-v6", "cidr": "3ffe:3::/64", "ip_version": 6, "ipv6_address_mode": "slaac",
               "ipv6_ra_mode": "slaac"}], None),
        ],
        "router": ("router1", "ext-net", ["tenant-net"]),
        "expect": {"tenant-net": (False, False), "ext-net": (True, False)},
    },
    "private-is-public": {
        "networks": [
            ("private", "admin", {"provider:network_type": "flat", "provider:physical_network": "pip-public"},
             [{"name": "private-subnet", "cidr": "5.9.0.0/24", "ip_version": 4}], "access_as_shared"),
        ],
        "router": None,
        "expect": {"private": (False, True)},
    },
}

IMAGES = [
    ("Ubuntu 22.04 LTS (Jammy Jellyfish)", {"os_distro": "ubuntu", "os_version": "22.04", "os_admin_user": "ubuntu"}),
    ("Ubuntu 20.04 LTS (Focal Fossa)", {"os_distro": "ubuntu", "os_version": "20.04", "os_admin_user": "ubuntu"}),
    ("Debian 12 (bookworm)", {"os_distro": "debian", "os_version": "12"}),
    ("CentOS Stream 9", {"os_distro": "centos", "os_version": "9"}),
    ("cirros-0.6.2-x86_64-disk", {}),
    ("my-custom-image", {}),
]

FLAVORS = [
    {"name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1},
    # an SCS mandatory flavor without a root disk: servers on it boot from a Cinder volume
    {"name": "SCS-1V-2", "vcpus": 1, "ram": 2048, "disk": 0},
    {"name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20},
    {"name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40},
    {"name": "m1.large", "vcpus": 4, "ram": 8192, "disk": 80},
    {"name": "m1.xlarge", "vcpus": 8, "ram": 16384, "disk": 160},
    # Both fit t3.small (2 vCPUs, 2 GiB) better than m1.medium, and both must be skipped.
    {"name": "p1.small", "vcpus": 2, "ram": 2048, "disk": 20, "is_public": False, "access": ["fip"]},
    {"name": "m2.small", "vcpus": 2, "ram": 2048, "disk": 10, "disabled": True},
]


def project_name(layout: str) -> str:
    """The layout's project (and cloud suffix).

    >>> project_name("fip")
    'loopback-fip'
    """
    return f"loopback-{layout}"


def build_layout(api: steps.AdminApi, layout: str, spec: dict, project: dict) -> list[str]:
    """Create one layout's networks, RBAC policies and router; return summary lines.

    Usage: ``build_layout(api, "fip", LAYOUTS["fip"], project)``
    """
    networks, lines = {}, []
    for name, owner, extra, subnets, action in spec["networks"]:
        body = {"name": name, **extra}
        if owner == "project":
            body["project_id"] = project["id"]
        network = steps.ensure_network(api, f"loopback:{layout}:{name}", body)
        subnet_objs = [steps.ensure_subnet(api, network, subnet) for subnet in subnets]
        if action:
            steps.ensure_rbac(api, network, action, project["id"])
        networks[name] = (network, subnet_objs)
        lines.append(f"  network {name}: {', '.join(s['cidr'] for s in subnet_objs)}"
                     + (f" ({action})" if action else ""))
    if spec["router"]:
        router_name, gateway, joined = spec["router"]
        body = {"name": router_name, "project_id": project["id"],
                "external_gateway_info": {"network_id": networks[gateway][0]["id"]}}
        interfaces = [subnet for name in joined for subnet in networks[name][1]]
        steps.ensure_router(api, f"loopback:{layout}:{router_name}", body, interfaces)
        lines.append(f"  router {router_name}: gateway {gateway}, interfaces on {', '.join(joined)}")
    return lines


def verify_isolation(layout: str, spec: dict) -> list[str]:
    """Check, as the layout's member user, that it sees exactly its own networks; return problems.

    Usage: ``verify_isolation("fip", LAYOUTS["fip"]) == []``
    """
    member = steps.AdminApi.connect(PASSWORD, username=f"{project_name(layout)}-member",
                                    project=project_name(layout))
    seen = steps.visible_networks(member.session)
    if seen != spec["expect"]:
        return [f"{layout}: member sees networks {seen} (name: (router:external, shared)), "
                f"expected {spec['expect']}"]
    return []


def build_catalog(api: steps.AdminApi, mysql: list[str], projects: dict[str, dict]) -> list[str]:
    """Images, flavors (with access and the disabled one) and quotas; return summary lines.

    Usage: ``build_catalog(api, ["mysql", "-S", sock, "-u", "root"], {"fip": project})``
    """
    lines = []
    for name, properties in IMAGES:
        image = steps.ensure_image(api, name, properties, IMAGE_BYTES)
        lines.append(f"  image {name!r}: {image['status']} {properties or '(no properties)'}")
    for spec in FLAVORS:
        flavor = steps.ensure_flavor(api, spec)
        for layout in spec.get("access", []):
            steps.ensure_flavor_access(api, flavor, projects[layout]["id"])
        if spec.get("disabled"):
            steps.disable_flavor(mysql, flavor)
        notes = [n for n, on in (("private", not spec.get("is_public", True)),
                                 ("disabled", spec.get("disabled"))) if on]
        lines.append(f"  flavor {spec['name']}: {spec['vcpus']} vCPU {spec['ram']} MiB {spec['disk']} GiB"
                     + (f" ({', '.join(notes)})" if notes else ""))
    for project in projects.values():
        steps.raise_compute_quota(api, project["id"], QUOTA)
    lines.append(f"  nova quota per layout project: {QUOTA}")
    return lines


def clouds_yaml(path: str) -> None:
    """Write clouds.yaml: one member cloud per layout plus ``loopback-admin``.

    Usage: ``clouds_yaml("/work/main/.loopback/clouds.yaml")``
    """
    def entry(user: str, project: str, extra: dict | None = None) -> dict:
        auth = {"auth_url": steps.AUTH_URL, "username": user, "password": PASSWORD, "project_name": project,
                "user_domain_name": "Default", "project_domain_name": "Default"}
        return {"auth": auth, "region_name": steps.REGION, "identity_api_version": 3, **(extra or {})}

    clouds = {f"loopback-{layout}": entry(f"{project_name(layout)}-member", project_name(layout),
                                          spec.get("clouds_yaml"))
              for layout, spec in LAYOUTS.items()}
    clouds["loopback-admin"] = entry("admin", "admin")
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write("# Written by tools/openstack-on-loopback/layouts.py: the loopback test clouds.\n")
        yaml.safe_dump({"clouds": clouds}, handle, default_flow_style=False, sort_keys=False)
    os.replace(tmp, path)


def main() -> int:
    """Build every layout, verify isolation, write clouds.yaml, print a summary.

    Usage: ``python layouts.py --prefix .loopback`` (exit 1 when a member sees the wrong networks)
    """
    default_prefix = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".loopback")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=os.environ.get("LOOPBACK_PREFIX", default_prefix))
    prefix = os.path.abspath(parser.parse_args().prefix)
    mysql = ["mysql", "--protocol=socket", "-S", os.path.join(prefix, "run", "mysqld.sock"), "-u", "root"]
    api = steps.AdminApi.connect(PASSWORD)
    projects, summary = {}, []
    for layout, spec in LAYOUTS.items():
        project = steps.ensure_project(api, project_name(layout), f"loopback layout {layout}")
        steps.ensure_member_user(api, f"{project_name(layout)}-member", PASSWORD, project)
        projects[layout] = project
        summary.append(f"layout {layout} (project {project['name']}, cloud loopback-{layout}):")
        summary.extend(build_layout(api, layout, spec, project))
    summary.append("catalog:")
    summary.extend(build_catalog(api, mysql, projects))
    problems = [p for layout, spec in LAYOUTS.items() for p in verify_isolation(layout, spec)]
    clouds_yaml(os.path.join(prefix, "clouds.yaml"))
    print("\n".join(summary))
    print(f"clouds.yaml: {os.path.join(prefix, 'clouds.yaml')}")
    for problem in problems:
        print(f"ISOLATION PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
