#!/usr/bin/python
# Copyright: openstack-normalizer developers
# Apache License 2.0 (see LICENSE)
"""normalizer.cloud.server_info: servers with one meaning (interface_ip, login_user) on every cloud."""

from __future__ import annotations

DOCUMENTATION = r"""
module: server_info
short_description: Read OpenStack servers with the address to SSH to and the user to log in as
version_added: 0.1.0
author: openstack-normalizer developers (@openstack-normalizer)
description:
  - Returns the project's servers, normalized the same way on every cloud. C(interface_ip)
    is the address to SSH to, C(login_user) the account the image's cloud-init creates,
    and C(public_v4), C(private_v4) and the other fields mean the same thing everywhere.
  - Runs on the controller; needs the openstack-normalizer Python package there.
extends_documentation_fragment:
  - normalizer.cloud.connection
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
  platform:
    platforms: all
options:
  name:
    description:
      - A server's exact name or id; all servers when omitted.
    type: str
  filters:
    description:
      - Keep the servers whose normalized fields equal these values. A key may name a
        nested field with dots, for example C(image.distro) or C(flavor.name).
    type: dict
"""

EXAMPLES = r"""
- name: The address and login user of web1
  normalizer.cloud.server_info:
    cloud: mycloud
    name: web1
  register: found

- name: Every running Ubuntu server
  normalizer.cloud.server_info:
    cloud: mycloud
    filters:
      state: running
      image.distro: ubuntu
  register: ubuntu_servers
"""

RETURN = r"""
servers:
  description:
    - The servers found, normalized (see docs/model.md of openstack-normalizer).
  returned: always
  type: list
  elements: dict
  sample:
    - name: web1
      id: 5f0c1d2e-0000-4000-8000-000000000001
      state: running
      interface_ip: 203.0.113.3
      public_v4: 203.0.113.3
      private_v4: 10.0.0.2
      login_user: ubuntu
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.normalizer.cloud.plugins.module_utils.connection import (
    CONNECTION_ARGS, NormalizerError, connect, fail_with, plain)


def field_value(record, dotted):
    """The value of a dotted field of a plain record; None where a part is missing."""
    value = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def matches(record, filters):
    """Whether a plain record has every filtered field equal to the asked value."""
    return all(field_value(record, key) == wanted for key, wanted in (filters or {}).items())


def main():
    """Run the module."""
    argument_spec = dict(CONNECTION_ARGS, name=dict(type="str"), filters=dict(type="dict"))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    cloud = connect(module)
    try:
        if module.params["name"]:
            found = cloud.get_server(module.params["name"])
            servers = [plain(found)] if found is not None else []
        else:
            servers = plain(cloud.list_servers())
    except NormalizerError as error:
        fail_with(module, error)
    module.exit_json(changed=False, servers=[s for s in servers if matches(s, module.params["filters"])])


if __name__ == "__main__":
    main()
