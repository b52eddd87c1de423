# Copyright: openstack-normalizer developers
# Apache License 2.0 (see LICENSE)
"""normalizer.cloud.clouds: every server of every configured OpenStack cloud, with the right address and user."""

from __future__ import annotations

DOCUMENTATION = r"""
name: clouds
short_description: Every server of every configured OpenStack cloud and region, with ansible_host and ansible_user right
version_added: 0.1.0
author: openstack-normalizer developers (@openstack-normalizer)
description:
  - Lists every server of every cloud and region in C(clouds.yaml) (or of the clouds
    named in O(clouds)), fetched in parallel, normalized by openstack-normalizer.
  - C(ansible_host) is the server's C(interface_ip), the address normalizer decided with
    the cloud's network roles (a floating IP, a directly public address, or IPv6 where
    that is all there is); C(ansible_user) is its C(login_user), the account the image's
    cloud-init creates; C(ansible_port) is its C(ssh_port) when SSH reaches it through a
    forwarded port of a shared floating IP; C(normalizer_server) holds the whole normalized server.
  - Groups by cloud (C(cloud_NAME)), region (C(region_NAME)), zone (C(zone_NAME)), state
    (C(state_running)), image distro (C(distro_ubuntu)), flavor (C(flavor_NAME)) and the
    comma-separated Nova metadata key C(groups).
  - A server with no address to reach it stays in the inventory, in the group
    C(unreachable), with the reason in C(normalizer_unreachable_reason); with
    O(use_private_address) it gets its private address instead (for jump-host setups).
  - Host names are server names; when two servers share a name, each becomes
    C(NAME-ID8) (the first eight characters of its id).
  - The inventory file's name must contain C(normalizer) and end with C(.yml) or C(.yaml)
    (C(normalizer.clouds.yml), C(openstack.normalizer.yml)).
  - Needs the openstack-normalizer Python package on the controller.
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [normalizer.cloud.clouds]
    type: str
  clouds:
    description:
      - The clouds.yaml entries to list; every configured cloud and region when empty.
    type: list
    elements: str
    default: []
  use_private_address:
    description:
      - Use the private address as C(ansible_host) for servers without a public one.
    type: bool
    default: false
  fail_on_errors:
    description:
      - Fail the whole inventory source when one cloud cannot be listed; otherwise the
        others are listed and the error is shown as a warning.
      - Ansible itself only warns about a failed source unless
        C(inventory_any_unparsed_is_failed) (E(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED)) is set.
    type: bool
    default: false
"""

EXAMPLES = r"""
# inventory/openstack.normalizer.yml
plugin: normalizer.cloud.clouds
clouds: [mycloud, othercloud]
keyed_groups:
  - key: normalizer_server.image.distro
    prefix: os
compose:
  ansible_python_interpreter: "'/usr/bin/python3'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/normalizer-inventory
"""

import json
import os
from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

try:
    import normalizer
    HAS_NORMALIZER = True
except ImportError:
    HAS_NORMALIZER = False


def _plain(value):
    """Records are Munch subclasses; the inventory keeps plain JSON data."""
    return json.loads(json.dumps(value, default=str))


def _fetch(cloud):
    """(cloud name, region, servers or None, error or None) for one cloud."""
    try:
        return cloud.name, cloud.region_name, _plain(cloud.list_servers()), None
    except normalizer.NormalizerError as error:
        return cloud.name, cloud.region_name, None, str(error)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """The normalizer.cloud.clouds inventory."""

    NAME = "normalizer.cloud.clouds"

    def verify_file(self, path):
        """Only YAML files whose name contains ``normalizer``."""
        name = os.path.basename(path)
        return super().verify_file(path) and "normalizer" in name and name.endswith((".yml", ".yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        if not HAS_NORMALIZER:
            raise AnsibleParserError("the Python package openstack-normalizer is required: pip install openstack-normalizer")
        self._read_config_data(path)
        key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        listing = None
        if use_cache:
            try:
                listing = self._cache[key]
            except KeyError:
                listing = None
        if listing is None:
            listing = self._listing()
            if self.get_option("cache"):
                self._cache[key] = listing
        self._populate(listing)

    def _clouds(self):
        names = self.get_option("clouds")
        try:
            if not names:
                return normalizer.connect_all()
            return [normalizer.connect(name) for name in names]
        except normalizer.NormalizerError as error:
            raise AnsibleParserError(f"normalizer.cloud.clouds: {error}") from None

    def _listing(self):
        clouds = self._clouds()
        with ThreadPoolExecutor(max_workers=min(8, len(clouds) or 1)) as pool:
            results = list(pool.map(_fetch, clouds))
        listing = []
        for name, region, servers, error in results:
            if error is not None:
                if self.get_option("fail_on_errors"):
                    raise AnsibleParserError(f"normalizer.cloud.clouds: cloud {name} region {region}: {error}")
                self.display.warning(f"normalizer.cloud.clouds: cloud {name} region {region} not listed: {error}")
                continue
            listing.append({"cloud": name, "region": region, "servers": servers})
        return listing

    def _populate(self, listing):
        counts = {}
        for entry in listing:
            for server in entry["servers"]:
                counts[server.get("name")] = counts.get(server.get("name"), 0) + 1
        for entry in listing:
            for server in entry["servers"]:
                name = server.get("name") or server.get("id")
                if counts.get(server.get("name"), 0) > 1:
                    name = f"{name}-{(server.get('id') or '')[:8]}"
                self._add_host(name, server, entry["cloud"], entry["region"])

    def _add_host(self, host, server, cloud, region):
        host = self.inventory.add_host(host)
        variables = {"normalizer_server": server, "normalizer_cloud": cloud, "normalizer_region": region}
        address = server.get("interface_ip")
        if address is None and self.get_option("use_private_address"):
            address = server.get("private_v4") or server.get("private_v6")
        if address is not None:
            variables["ansible_host"] = address
            if server.get("ssh_port") and address == server.get("interface_ip"):
                variables["ansible_port"] = server["ssh_port"]
        else:
            variables["normalizer_unreachable_reason"] = (
                "no public address (no floating IP and no directly public network address); "
                "set use_private_address: true to use the private one through a jump host")
            self._group(host, "unreachable")
        if server.get("login_user"):
            variables["ansible_user"] = server["login_user"]
        for key, value in variables.items():
            self.inventory.set_variable(host, key, value)
        self._standard_groups(host, server, cloud, region)
        strict = self.get_option("strict")
        self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)

    def _standard_groups(self, host, server, cloud, region):
        location = server.get("location") or {}
        image = server.get("image") or {}
        flavor = server.get("flavor") or {}
        for prefix, value in (("cloud", cloud), ("region", region), ("zone", location.get("zone")),
                              ("state", server.get("state")), ("distro", image.get("distro")),
                              ("flavor", flavor.get("name"))):
            if value:
                self._group(host, f"{prefix}_{value}")
        metadata = server.get("metadata") or {}
        for group in str(metadata.get("groups") or "").split(","):
            if group.strip():
                self._group(host, group.strip())

    def _group(self, host, name):
        group = self.inventory.add_group(self._sanitize_group_name(name))
        self.inventory.add_child(group, host)
