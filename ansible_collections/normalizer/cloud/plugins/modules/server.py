#!/usr/bin/python
# Copyright: openstack-normalizer developers
# Apache License 2.0 (see LICENSE)
"""normalizer.cloud.server: an OpenStack server you can SSH into, idempotent by name."""

from __future__ import annotations

DOCUMENTATION = r"""
module: server
short_description: Create or delete an OpenStack server you can SSH into, with the right address and login user
version_added: 0.1.0
author: openstack-normalizer developers (@openstack-normalizer)
description:
  - Creates a server, or returns the existing server of that name (idempotent by name), or
    deletes it with the floating IPs normalizer created for it.
  - On every cloud the server gets the same AWS-like meaning; it boots on the network
    normalizer chooses (passed to Nova explicitly, so Nova never answers that several
    networks are possible), gets a floating IP only where the cloud needs one, and the result carries
    C(interface_ip), the address to SSH to, and C(login_user), the account to log in as.
  - A create that fails removes what it created (server, temporary keypair, floating IP);
    the failure lists the step that failed and what was removed.
  - Option names and aliases follow M(openstack.cloud.server) where the meaning is the
    same, so a playbook migrates by changing the module name; the options say where
    the defaults differ.
  - Runs on the controller; needs the openstack-normalizer Python package there.
extends_documentation_fragment:
  - normalizer.cloud.connection
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Check mode answers from the plan (C(cloud.plan_server)) and sends no write request.
  diff_mode:
    support: none
  platform:
    platforms: all
options:
  state:
    description:
      - V(present) returns the server of that name, creating it when there is none.
      - V(absent) deletes it and the floating IPs normalizer created for it; a missing
        server is not an error (C(changed=false)).
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The server's name; it identifies the server (two servers of that name fail the task).
    type: str
    required: true
  image:
    description:
      - An image name or id, or, added by normalizer, a distro alias such as V(ubuntu-24.04),
        V(debian-12) or V(rocky-9), which picks the newest active, visible image of that
        distro and version on this cloud.
      - An existing server booted from another image of the same distro and version (the
        cloud refreshed its images) still matches the alias.
      - Required when O(state=present).
    type: str
  flavor:
    description:
      - A flavor name or id, or, added by normalizer, an AWS instance type such as
        V(t3.small) (or a size alias of the cloud's profile), which picks the smallest
        flavor with at least that many vCPUs and that much RAM.
      - Required when O(state=present).
    type: str
  network:
    description:
      - The network to boot on, by name or id. When omitted, normalizer chooses the
        project's private network (or the public one on clouds without tenant networks).
    type: str
  key_name:
    description:
      - An existing keypair to inject. Mutually exclusive with O(public_key).
    type: str
  public_key:
    description:
      - An OpenSSH public key (one line) to inject. normalizer creates a temporary keypair
        for the server and removes it once the server is ACTIVE.
      - Added by normalizer. Mutually exclusive with O(key_name).
    type: str
  auto_ip:
    description:
      - Give the server a public IPv4 address when it has none, with a new floating IP from
        the pool this project's router reaches, attached to the server's port.
      - Works with O(wait=false) too; the floating IP is attached as soon as the port exists.
    type: bool
    default: true
    aliases: [auto_floating_ip, public_ip]
  reuse_ips:
    description:
      - Claim an unattached floating IP of the project instead of allocating a new one
        (claimed safely, so two runs never take the same one).
      - The default is V(false), unlike M(openstack.cloud.server), whose default V(true)
        can take another server's address.
    type: bool
    default: false
  delete_ips:
    description:
      - With O(state=absent), release the floating IPs normalizer created for this server.
        Floating IPs it did not create, or that now serve another server, are never touched.
      - The default is V(true), unlike M(openstack.cloud.server).
    type: bool
    default: true
    aliases: [delete_fip]
  root_keys:
    description:
      - Added by normalizer. OpenSSH public keys that may log in as root; cloud-init
        user-data adds them and turns password login off (merged with O(userdata)).
    type: list
    elements: str
  userdata:
    description:
      - cloud-init user-data (a cloud-config document or a script), used when the server
        is created.
    type: str
  security_groups:
    description:
      - Security groups by name, used when the server is created; Nova's default group
        when omitted.
    type: list
    elements: str
  metadata:
    description:
      - Server metadata (string keys and values; numbers are turned into text), used when
        the server is created. Keys starting with C(normalizer:) are reserved.
    type: dict
    aliases: [meta]
  boot_from_volume:
    description:
      - Boot from a new volume made from the image, deleted with the server.
      - When omitted, the server boots from a volume only when the flavor has no root disk
        (as most Sovereign Cloud Stack flavors) or the cloud's profile asks for it; V(false)
        never does (and fails on a flavor without a root disk).
    type: bool
  volume_size:
    description:
      - The boot volume's size in GiB. Default what the image needs (its C(min_disk) or
        virtual size), or the flavor's disk.
    type: int
  volume_type:
    description:
      - Added by normalizer. The boot volume's type; the cloud's default when omitted.
    type: str
  allow_ssh:
    description:
      - Added by normalizer. Open TCP port 22 through a security group of the server's own,
        C(normalizer-<name>), removed with the server.
      - V(true) opens it from anywhere (IPv4 and IPv6); a CIDR or a list of CIDRs from those
        ranges only. Omitted, the server's security groups decide.
    type: raw
  public_access:
    description:
      - Added by normalizer. How SSH reaches the server from outside.
      - V(auto) gives it its direct public address, else a floating IP, and forwards a port
        of one shared floating IP when the floating-IP quota is down to its last one (or
        used up) and Neutron can.
      - V(floating_ip) a floating IP of its own; V(port_forward) a port of one floating IP
        the project's servers share (the result's C(ssh_port) says which).
    type: str
    choices: [auto, floating_ip, port_forward]
    default: auto
  wait:
    description:
      - Wait until the server is ACTIVE (create) or gone (delete).
    type: bool
    default: true
  timeout:
    description:
      - Seconds the whole create or delete may take, every request and wait included.
      - The default is V(600), unlike the V(180) of M(openstack.cloud.server).
    type: int
    default: 600
  on_difference:
    description:
      - Added by normalizer. What to do when the server of that name exists with another
        image or flavor than asked for, or is in ERROR (listed in RV(differences)).
      - V(fail) fails the task and changes nothing; V(warn) returns the existing server
        with a warning. The server is never rebuilt; delete it (O(state=absent)) to
        create it again.
    type: str
    choices: [fail, warn]
    default: fail
notes:
  - Only the image and flavor of an existing server are compared (and whether it is in
    ERROR); O(network), O(key_name), O(public_key), O(userdata), O(root_keys),
    O(security_groups), O(metadata), O(boot_from_volume), O(volume_size), O(volume_type),
    O(allow_ssh) and O(public_access) apply when the server is created.
seealso:
  - module: openstack.cloud.server
"""

EXAMPLES = r"""
- name: A server to SSH into, on any OpenStack cloud
  normalizer.cloud.server:
    cloud: mycloud
    name: web1
    image: ubuntu-24.04
    flavor: t3.small
    public_key: "{{ lookup('file', '~/.ssh/id_ed25519.pub') }}"
  register: web1

- name: Wait for SSH on the address normalizer chose
  ansible.builtin.wait_for:
    host: "{{ web1.server.interface_ip }}"
    port: 22
    search_regex: OpenSSH

- name: Add it to the play as the user its image logs in with
  ansible.builtin.add_host:
    name: web1
    ansible_host: "{{ web1.server.interface_ip }}"
    ansible_user: "{{ web1.server.login_user }}"

- name: What would be created, and why (check mode creates nothing)
  normalizer.cloud.server:
    cloud: mycloud
    name: db1
    image: debian-12
    flavor: m1.small
    key_name: deploy
    auto_ip: false
  check_mode: true
  register: planned

- name: Delete it and the floating IPs normalizer made for it
  normalizer.cloud.server:
    cloud: mycloud
    name: web1
    state: absent
"""

RETURN = r"""
server:
  description:
    - The server, normalized (see docs/model.md); C(null) in check mode when it would be
      created.
    - With O(state=absent), C(null); in check mode the server that would be deleted.
  returned: always
  type: dict
  contains:
    id:
      description: The server's id.
      type: str
    name:
      description: The server's name.
      type: str
    state:
      description: One of C(pending), C(running), C(stopped), C(error), ...
      type: str
    interface_ip:
      description: The address to SSH to, chosen by the cloud's network roles (null when none).
      type: str
    ssh_port:
      description: The port SSH answers on at C(interface_ip); 22 unless a port of a shared floating IP is forwarded.
      type: int
    login_user:
      description: The account the image's cloud-init creates for the injected key (null when unknown).
      type: str
    public_v4:
      description: The public IPv4 address (a floating IP or a directly public address).
      type: str
    private_v4:
      description: The private IPv4 address.
      type: str
    addresses:
      description: Every address with its version, type (C(fixed) or C(floating)), network and whether it is public.
      type: list
      elements: dict
    image:
      description: The image's C(id), C(name), C(distro) and C(version).
      type: dict
    flavor:
      description: The flavor's C(id), C(name), C(vcpus), C(ram) (MiB) and C(disk) (GiB).
      type: dict
  sample:
    id: 5f0c1d2e-0000-4000-8000-000000000001
    name: web1
    state: running
    interface_ip: 203.0.113.10
    login_user: ubuntu
    public_v4: 203.0.113.10
    private_v4: 10.0.0.5
plan:
  description:
    - The decisions, each with its rule and reason (C(steps)), and what they chose
      (C(image_id), C(flavor_id), C(network_id), C(floating_ip_pool), C(login_user), ...).
    - C(existing) is the server of that name (null when there was none); its decision
      comes first among the steps.
  returned: when O(state=present)
  type: dict
  contains:
    steps:
      description: Each decision in provisioning order.
      type: list
      elements: dict
      contains:
        subject:
          description: What was decided (C(ssh key), C(image), C(flavor), C(boot network), ...).
          type: str
        value:
          description: The decided value.
          type: raw
        rule:
          description: The rule that decided.
          type: str
        reason:
          description: Why, in one sentence.
          type: str
    existing:
      description: The existing server of that name, or null.
      type: dict
differences:
  description: How an existing server differs from the request (image, flavor, in ERROR), one line each.
  returned: when O(state=present)
  type: list
  elements: str
  sample:
    - "server 'web1' exists with flavor 'm1.small'; asked 't3.large', which is 'm1.large' (3)"
deleted:
  description:
    - What O(state=absent) did; C(deleted) is false when there was no such server.
    - C(released_floating_ips) lists the floating IPs released; C(kept_floating_ips)
      those made for this server that now serve another one (kept, with the reason).
  returned: when O(state=absent), except in check mode
  type: dict
  sample:
    deleted: true
    id: 5f0c1d2e-0000-4000-8000-000000000001
    name: web1
    released_floating_ips: [9a8b7c6d-0000-4000-8000-000000000002]
    kept_floating_ips: []
step:
  description: On failure, the provisioning step that failed.
  returned: when a create or delete failed
  type: str
  sample: public address
removed:
  description: On failure, what the module removed again.
  returned: when a create or delete failed
  type: list
  elements: str
not_removed:
  description: On failure, what could not be removed (remove it yourself).
  returned: when a create or delete failed
  type: list
  elements: str
error:
  description: On failure, the normalizer error's class (C(ProvisionError), C(AmbiguousMatch), ...).
  returned: on failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.normalizer.cloud.plugins.module_utils.connection import (
    CONNECTION_ARGS, NormalizerError, connect, fail_with, plain)

# plan_server's keyword arguments; ensure_server also takes the _CREATE ones.
_PLAN = ("network", "key_name", "public_key", "auto_ip", "userdata", "root_keys", "security_groups", "metadata",
         "boot_from_volume", "volume_size", "volume_type", "allow_ssh", "public_access")
_CREATE = ("reuse_ips", "wait", "timeout")


def _metadata(value):
    """Numbers become text (Nova keeps metadata as strings); anything else the library checks."""
    if value is None:
        return None
    return {key: str(item) if isinstance(item, (int, float)) and not isinstance(item, bool) else item
            for key, item in value.items()}


def _request(params):
    options = {key: params[key] for key in _PLAN if params.get(key) is not None}
    if "metadata" in options:
        options["metadata"] = _metadata(options["metadata"])
    return options


def _present(module, cloud):
    params = module.params
    name, image, flavor = params["name"], params["image"], params["flavor"]
    options = _request(params)
    if module.check_mode:
        plan = cloud.plan_server(name, image, flavor, **options)
        server, changed, differences = plan.existing, plan.existing is None, list(plan.differences)
    else:
        options.update((key, params[key]) for key in _CREATE)
        result = cloud.ensure_server(name, image, flavor, **options)
        server, changed, plan, differences = result.server, result.changed, result.plan, result.differences
    outcome = {"changed": changed, "server": plain(server), "plan": plain(plan), "differences": list(differences)}
    if differences:
        if params["on_difference"] == "fail":
            module.fail_json(msg="; ".join(differences) + "; set on_difference: warn to accept the existing server, "
                                 "or delete it (state: absent) to create it again", **outcome)
        for line in differences:
            module.warn(line)
    return outcome


def _absent(module, cloud):
    params = module.params
    if module.check_mode:
        server = cloud.get_server(params["name"])
        return {"changed": server is not None, "server": plain(server)}
    result = cloud.delete_server(params["name"], wait=params["wait"], delete_ips=params["delete_ips"],
                                 timeout=params["timeout"])
    return {"changed": bool(result), "server": None, "deleted": plain(result)}


def main():
    """Run the module."""
    argument_spec = dict(
        CONNECTION_ARGS,
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        image=dict(type="str"),
        flavor=dict(type="str"),
        network=dict(type="str"),
        key_name=dict(type="str", no_log=False),
        public_key=dict(type="str", no_log=False),
        auto_ip=dict(type="bool", default=True, aliases=["auto_floating_ip", "public_ip"]),
        reuse_ips=dict(type="bool", default=False),
        delete_ips=dict(type="bool", default=True, aliases=["delete_fip"]),
        root_keys=dict(type="list", elements="str", no_log=False),
        userdata=dict(type="str"),
        security_groups=dict(type="list", elements="str"),
        metadata=dict(type="dict", aliases=["meta"]),
        boot_from_volume=dict(type="bool"),
        volume_size=dict(type="int"),
        volume_type=dict(type="str"),
        allow_ssh=dict(type="raw"),
        public_access=dict(type="str", choices=["auto", "floating_ip", "port_forward"], default="auto"),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=600),
        on_difference=dict(type="str", choices=["fail", "warn"], default="fail"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[("key_name", "public_key")],
                           required_if=[("state", "present", ("image", "flavor"))])
    cloud = connect(module)
    try:
        outcome = _present(module, cloud) if module.params["state"] == "present" else _absent(module, cloud)
    except NormalizerError as error:
        fail_with(module, error)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
