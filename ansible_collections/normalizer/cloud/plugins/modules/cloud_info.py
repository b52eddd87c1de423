#!/usr/bin/python
# Copyright: openstack-normalizer developers
# Apache License 2.0 (see LICENSE)
"""normalizer.cloud.cloud_info: what normalizer decided about a cloud, and why."""

from __future__ import annotations

DOCUMENTATION = r"""
module: cloud_info
short_description: Network roles with reasons, the provisioning conformance report and flavor/image picks of a cloud
version_added: 0.1.0
author: openstack-normalizer developers (@openstack-normalizer)
description:
  - Says which network is public, which one servers boot on by default and which
    floating-IP pool this project can use, each with the rule and the reason, and every
    network with its roles.
  - Reports the eight provisioning steps on this cloud as C(native), C(bridged) (and how)
    or C(unsupported) (and why), from the profile and live facts, creating nothing.
  - Answers flavor and image queries (C(t3.small), C(ubuntu-24.04)) with the pick and the
    reason; a query nothing matches is reported in the result, not as a failure.
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
  flavors:
    description:
      - Flavor queries to answer, each an AWS instance type (C(t3.small)) or a profile size alias.
    type: list
    elements: str
    default: []
  images:
    description:
      - Image queries to answer, each an alias such as C(ubuntu-24.04) or C(debian).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: How this cloud provisions, and which networks play which role
  normalizer.cloud.cloud_info:
    cloud: mycloud
    flavors: [t3.small]
    images: [ubuntu-24.04]
  register: facts

- name: Show the floating-IP pool and why
  ansible.builtin.debug:
    msg: "{{ facts.network_roles.external.value }}: {{ facts.network_roles.external.reason }}"
"""

RETURN = r"""
network_roles:
  description:
    - The three cloud-wide decisions C(public), C(private) and C(external), each with
      C(value) (a network id, or null), C(rule), C(reason), C(ambiguous) and C(considered)
      (the candidates and why each was or was not chosen).
  returned: always
  type: dict
networks:
  description: Every network with its roles (C(is_public), C(is_default), C(nat_source), C(nat_destination)) and the reason.
  returned: always
  type: list
  elements: dict
conformance:
  description: The eight provisioning steps, each with C(number), C(step), C(status) and C(how) or C(why).
  returned: always
  type: list
  elements: dict
picks:
  description:
    - One entry per query of O(flavors) and O(images), with C(kind), C(query), and
      either C(name), C(id) and C(reason) of the pick, or C(error) when nothing matched.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.normalizer.cloud.plugins.module_utils.connection import (
    CONNECTION_ARGS, NormalizerError, connect, fail_with, plain)

_ROLES = ("public", "private", "external")


def pick(cloud, kind, query):
    """One query's answer: the pick and its reason, or the error that says why nothing matched."""
    try:
        chosen = cloud.pick_flavor(query) if kind == "flavor" else cloud.pick_image(query)
        why = cloud.explain(**{kind: query})
    except NormalizerError as error:
        return {"kind": kind, "query": query, "error": str(error)}
    return {"kind": kind, "query": query, "name": chosen.get("name"), "id": chosen.get("id"),
            "reason": why.get("reason")}


def main():
    """Run the module."""
    argument_spec = dict(CONNECTION_ARGS, flavors=dict(type="list", elements="str", default=[]),
                         images=dict(type="list", elements="str", default=[]))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    cloud = connect(module)
    try:
        roles = {role: plain(cloud.explain(role + "_network")) for role in _ROLES}
        networks = plain(cloud.list_networks())
        steps = plain(cloud.conformance()["steps"])
        picks = [pick(cloud, "flavor", q) for q in module.params["flavors"]]
        picks += [pick(cloud, "image", q) for q in module.params["images"]]
    except NormalizerError as error:
        fail_with(module, error)
    module.exit_json(changed=False, network_roles=roles, networks=networks, conformance=steps, picks=picks)


if __name__ == "__main__":
    main()
