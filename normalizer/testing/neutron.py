"""Neutron (network API v2.0) for FakeCloud: state, builders and REST handlers.

The state also backs nova-network layouts: there the same networks, ports and floating
IPs exist but are only reachable through Nova's addresses and proxy APIs.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlencode

__all__ = ["NeutronFault", "NeutronState", "NeutronAPI"]

#: url collection -> (json singular, json plural, not-found type, label in messages)
KINDS = {
    "networks": ("network", "networks", "NetworkNotFound", "Network"),
    "subnets": ("subnet", "subnets", "SubnetNotFound", "Subnet"),
    "ports": ("port", "ports", "PortNotFound", "Port"),
    "routers": ("router", "routers", "RouterNotFound", "Router"),
    "floatingips": ("floatingip", "floatingips", "FloatingIPNotFound", "Floating IP"),
    "security-groups": ("security_group", "security_groups", "SecurityGroupNotFound", "Security group"),
    "security-group-rules": ("security_group_rule", "security_group_rules",
                             "SecurityGroupRuleNotFound", "Security group rule"),
}
_CONTROL = {"limit", "marker", "fields", "page_reverse", "sort_key", "sort_dir",
            "tags", "tags-any", "not-tags", "not-tags-any"}
_IFACE_OWNER = "network:router_interface"
_GATEWAY_OWNER = "network:router_gateway"


class NeutronFault(Exception):
    """An error Neutron answers with: ``{"NeutronError": {"type", "message", "detail"}}``."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message

    def reply(self) -> tuple[int, Any, dict]:
        """Return the fault as a ``(status, body, headers)`` reply."""
        return self.status, {"NeutronError": {"type": self.kind, "message": self.message, "detail": ""}}, {}


def _check_revision(record: dict, condition: str | None) -> None:
    """Refuse a write whose ``If-Match: revision_number=N`` no longer holds (revision-if-match)."""
    if not condition:
        return
    wanted = condition.strip().partition("revision_number=")[2]
    if not wanted.isdigit():
        raise _bad(f"Invalid If-Match header {condition!r}: use revision_number=<n>")
    if int(wanted) != record["revision_number"]:
        raise NeutronFault(412, "RevisionNumberConstraintFailed",
                           f"Constrained to {wanted}, but current revision is {record['revision_number']}")


def _bad(message: str) -> NeutronFault:
    return NeutronFault(400, "HTTPBadRequest", message)


class NeutronState:
    """Networks, subnets, ports, routers, floating IPs and security groups of one cloud.

    >>> # state = NeutronState(seq, project_id, cloud_project_id, vocab, need_router=True)
    """

    def __init__(self, seq: Any, project_id: str, cloud_project_id: str, vocab: dict,
                 *, need_router: bool = True) -> None:
        self.seq, self.project_id, self.cloud_project_id = seq, project_id, cloud_project_id
        self.vocab, self.need_router = vocab, need_router
        self.records: dict[str, dict[str, dict]] = {kind: {} for kind in KINDS}
        self._used: dict[str, set[int]] = {}
        # Indexes kept by bind()/associate()/delete() so large clouds render quickly.
        self._by_device: dict[str, dict[str, dict]] = {}
        self._by_port: dict[str, dict[str, dict]] = {}
        self._cursor: dict[str, int] = {}
        self.default_sg = self.add_security_group(vocab["default_security_group"], "Default security group")
        for ethertype in ("IPv4", "IPv6"):  # members of the default group reach each other, nothing else gets in
            self.add_rule(self.default_sg["id"], direction="ingress", ethertype=ethertype,
                          remote_group_id=self.default_sg["id"])
        #: FakeCloud sets these from the layout: the project's floating-IP quota (None: unlimited).
        self.floating_ip_quota: int | None = None
        #: port forwardings by id, each with its ``floatingip_id``
        self.forwardings: dict[str, dict] = {}

    # --- lookups -------------------------------------------------------------------

    def _stamp(self, project_id: str | None = None, **fields: Any) -> dict:
        now = self.seq.now()
        project = self.project_id if project_id is None else project_id
        record = {"id": self.seq.uuid(), "project_id": project, "tenant_id": project,
                  "description": "", "tags": [], "created_at": now, "updated_at": now,
                  "revision_number": 1}
        record.update(fields)
        return record

    def find(self, kind: str, name_or_id: Any) -> dict:
        """Return the record of ``kind`` with that id, else the one with that name.

        >>> # state.find("networks", "net1")["id"]
        """
        if isinstance(name_or_id, dict):
            name_or_id = name_or_id["id"]
        store = self.records[kind]
        if name_or_id in store:
            return store[name_or_id]
        named = [r for r in store.values() if r.get("name") == name_or_id]
        if len(named) == 1:
            return named[0]
        label = KINDS[kind][3]
        if named:
            raise NeutronFault(409, "Conflict", f"Multiple {kind} named {name_or_id}; use an ID.")
        raise NeutronFault(404, KINDS[kind][2], f"{label} {name_or_id} could not be found.")

    def visible(self, kind: str, record: dict) -> bool:
        """Whether the fake project sees ``record`` (own, shared or external networks)."""
        if kind == "networks":
            return record["project_id"] == self.project_id or record["shared"] or record["router:external"]
        if kind == "subnets":
            return self.visible("networks", self.records["networks"][record["network_id"]])
        return record.get("project_id") == self.project_id

    def get(self, kind: str, ident: str) -> dict:
        """Return the visible record ``ident`` of ``kind`` or raise its 404 fault."""
        record = self.records[kind].get(ident)
        if record is None or not self.visible(kind, record):
            raise NeutronFault(404, KINDS[kind][2], f"{KINDS[kind][3]} {ident} could not be found.")
        return record

    def bootable_networks(self) -> list[dict]:
        """Networks Nova may pick when a boot request names none (own or shared)."""
        return [n for n in self.records["networks"].values()
                if n["project_id"] == self.project_id or n["shared"]]

    # --- builders ------------------------------------------------------------------

    def add_network(self, name: str, *, external: bool = False, shared: bool = False,
                    project_owned: bool = True, cidr: str | None = None, ipv6_cidr: str | None = None,
                    gateway: bool = True, **extra: Any) -> dict:
        """Create a network (and its subnets when ``cidr``/``ipv6_cidr`` are given)."""
        record = self._stamp(
            None if project_owned else self.cloud_project_id, name=name, status="ACTIVE",
            admin_state_up=True, subnets=[], shared=bool(shared), mtu=1500 if external or shared else 1450,
            port_security_enabled=True, availability_zone_hints=[],
            availability_zones=[self.vocab["availability_zone"]], ipv4_address_scope=None,
            ipv6_address_scope=None, is_default=False, l2_adjacency=True, **{"router:external": bool(external)})
        record.update(extra)
        self.records["networks"][record["id"]] = record
        for block in (cidr, ipv6_cidr):
            if block:
                self.add_subnet(record, block, gateway_ip=... if gateway else None)
        return record

    def add_subnet(self, network: Any, cidr: str, *, ip_version: int | None = None,
                   gateway_ip: Any = ..., name: str | None = None) -> dict:
        """Create a subnet; ``gateway_ip=...`` means the first host, ``None`` no gateway."""
        net = self.find("networks", network)
        try:
            block = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise _bad(f"Invalid input for cidr. Reason: '{cidr}' is not a valid IP subnet.") from None
        first, last = int(block.network_address) + 1, int(block.broadcast_address) - (block.version == 4)
        gateway = str(block.network_address + 1) if gateway_ip is ... else gateway_ip
        pools = _pools(block, first, last, gateway)
        record = self._stamp(
            net["project_id"], name=name if name is not None else f"{net['name']}-subnet-v{block.version}",
            network_id=net["id"], ip_version=ip_version or block.version, cidr=str(block),
            gateway_ip=gateway, allocation_pools=pools, enable_dhcp=True, dns_nameservers=[],
            host_routes=[], ipv6_ra_mode="slaac" if block.version == 6 else None,
            ipv6_address_mode="slaac" if block.version == 6 else None, subnetpool_id=None,
            service_types=[], revision_number=0)
        self.records["subnets"][record["id"]] = record
        net["subnets"].append(record["id"])
        self._used[record["id"]] = {int(ipaddress.ip_address(gateway))} if gateway else set()
        self._cursor[record["id"]] = first
        return record

    def _allocate(self, subnet: dict, wanted: str | None = None) -> str:
        used, block = self._used[subnet["id"]], ipaddress.ip_network(subnet["cidr"])
        if wanted is not None:
            value = int(ipaddress.ip_address(wanted))
            if ipaddress.ip_address(wanted) not in block:
                raise _bad(f"IP address {wanted} is not a valid IP for the specified subnet.")
            if value in used:
                raise NeutronFault(409, "IpAddressAlreadyAllocated",
                                   f"IP address {wanted} already allocated in subnet {subnet['id']}")
        else:
            value, end = self._cursor[subnet["id"]], int(ipaddress.ip_address(subnet["allocation_pools"][-1]["end"]))
            while value in used and value <= end:
                value += 1
            if value > end:
                raise NeutronFault(409, "IpAddressGenerationFailure",
                                   f"No more IP addresses available on network {subnet['network_id']}.")
            self._cursor[subnet["id"]] = value + 1
        used.add(value)
        return str(ipaddress.ip_address(value))

    def _release(self, fixed_ips: list[dict]) -> None:
        for ip in fixed_ips:
            value = int(ipaddress.ip_address(ip["ip_address"]))
            if value in self._used.get(ip["subnet_id"], ()):
                self._used[ip["subnet_id"]].discard(value)
                # Hand freed addresses out again first, so rolled-back allocations leave no gaps.
                self._cursor[ip["subnet_id"]] = min(self._cursor[ip["subnet_id"]], value)

    def add_port(self, network: Any, *, device_id: str = "", device_owner: str = "",
                 fixed_ips: list[dict] | None = None, project_id: str | None = None, **extra: Any) -> dict:
        """Create a port; without ``fixed_ips`` it gets one address per IP version."""
        net = self.find("networks", network)
        subnets = [self.records["subnets"][s] for s in net["subnets"]]
        allocated = []
        try:
            if fixed_ips is None:
                for version in (4, 6):
                    first = next((s for s in subnets if s["ip_version"] == version), None)
                    if first:
                        allocated.append({"subnet_id": first["id"], "ip_address": self._allocate(first)})
            for spec in fixed_ips or ():
                subnet = self._subnet_for(net, spec)
                allocated.append({"subnet_id": subnet["id"],
                                  "ip_address": self._allocate(subnet, spec.get("ip_address"))})
        except NeutronFault:
            self._release(allocated)
            raise
        record = self._stamp(
            project_id, name=extra.pop("name", ""), network_id=net["id"], mac_address=self.seq.mac(),
            fixed_ips=allocated, device_id=device_id, device_owner=device_owner,
            status="ACTIVE" if device_id else "DOWN", admin_state_up=True,
            security_groups=[] if device_owner.startswith("network:") else [self.default_sg["id"]],
            allowed_address_pairs=[], port_security_enabled=True, dns_name="",
            **{"binding:vnic_type": "normal"})
        record.update(extra)
        self.records["ports"][record["id"]] = record
        self._by_device.setdefault(device_id, {})[record["id"]] = record
        return record

    def bind(self, port: dict, device_id: str, owner: str) -> None:
        """Plug ``port`` into a device (a server or a router)."""
        self._by_device.get(port["device_id"], {}).pop(port["id"], None)
        port.update(device_id=device_id, device_owner=owner, status="ACTIVE" if device_id else "DOWN")
        self._by_device.setdefault(device_id, {})[port["id"]] = port

    def _subnet_for(self, net: dict, spec: dict) -> dict:
        if spec.get("subnet_id"):
            subnet = self.find("subnets", spec["subnet_id"])
            if subnet["network_id"] != net["id"]:
                raise _bad(f"Invalid input for fixed_ips: subnet {subnet['id']} is not on network {net['id']}.")
            return subnet
        wanted = ipaddress.ip_address(spec.get("ip_address", ""))
        for subnet_id in net["subnets"]:
            if wanted in ipaddress.ip_network(self.records["subnets"][subnet_id]["cidr"]):
                return self.records["subnets"][subnet_id]
        raise _bad(f"IP address {wanted} is not a valid IP for any subnet on network {net['id']}.")

    def add_router(self, name: str, *, external_network: Any = None, interfaces: Any = ()) -> dict:
        """Create a router, optionally with a gateway and interfaces (networks or subnets)."""
        record = self._stamp(name=name, status="ACTIVE", admin_state_up=True, external_gateway_info=None,
                             routes=[], availability_zone_hints=[],
                             availability_zones=[self.vocab["availability_zone"]], flavor_id=None)
        self.records["routers"][record["id"]] = record
        if external_network is not None:
            self.set_gateway(record, external_network)
        for target in interfaces:
            try:
                subnet_ids = [self.find("subnets", target)["id"]]
            except NeutronFault:
                subnet_ids = list(self.find("networks", target)["subnets"])
            for subnet_id in subnet_ids:
                self.add_interface(record, subnet=subnet_id)
        return record

    def set_gateway(self, router: dict, network: Any) -> None:
        """Attach ``router`` to an external network (``None`` clears the gateway)."""
        for port in self.device_ports(router["id"], _GATEWAY_OWNER):
            self.delete("ports", port["id"], force=True)
        router["external_gateway_info"] = None
        if network is None:
            return
        net = self.find("networks", network)
        if not net["router:external"]:
            raise _bad(f"Bad router request: Network {net['id']} is not an external network.")
        # The gateway port belongs to no project, so the project never lists it.
        port = self.add_port(net, device_id=router["id"], device_owner=_GATEWAY_OWNER, project_id="")
        router["external_gateway_info"] = {"network_id": net["id"], "enable_snat": True,
                                           "external_fixed_ips": [dict(ip) for ip in port["fixed_ips"]]}

    def add_interface(self, router: dict, *, subnet: str | None = None, port: str | None = None) -> dict:
        """Plug a subnet (on its gateway address) or an existing port into ``router``."""
        if port:
            record = self.get("ports", port)
            if record["device_id"]:
                raise NeutronFault(409, "PortInUse", f"Port {port} is in use by device {record['device_id']}.")
            self.bind(record, router["id"], _IFACE_OWNER)
        else:
            sub = self.get("subnets", subnet or "")
            if not sub["gateway_ip"]:
                raise _bad(f"Bad router request: Subnet {sub['id']} does not have a gateway IP.")
            for existing in self.device_ports(router["id"], _IFACE_OWNER):
                if any(ip["subnet_id"] == sub["id"] for ip in existing["fixed_ips"]):
                    raise _bad(f"Bad router request: Router already has a port on subnet {sub['id']}.")
            record = self.add_port(sub["network_id"], device_id=router["id"], device_owner=_IFACE_OWNER,
                                   fixed_ips=[])
            record["fixed_ips"] = [{"subnet_id": sub["id"], "ip_address": sub["gateway_ip"]}]
        return {"id": router["id"], "tenant_id": router["tenant_id"], "project_id": router["project_id"],
                "port_id": record["id"], "network_id": record["network_id"],
                "subnet_id": record["fixed_ips"][0]["subnet_id"] if record["fixed_ips"] else None,
                "subnet_ids": [ip["subnet_id"] for ip in record["fixed_ips"]], "tags": []}

    def add_floating_ip(self, network: Any, *, port: str | None = None, description: str = "",
                        fixed_ip: str | None = None, address: str | None = None) -> dict:
        """Allocate a floating IP from an external network, optionally attached to ``port``."""
        net = self.find("networks", network)
        if not net["router:external"]:
            raise _bad(f"Bad floatingip request: Network {net['id']} is not a valid external network.")
        subnet = next((self.records["subnets"][s] for s in net["subnets"]
                       if self.records["subnets"][s]["ip_version"] == 4), None)
        if subnet is None:
            raise _bad(f"Bad floatingip request: Network {net['id']} does not contain any IPv4 subnet")
        owned = sum(1 for f in self.records["floatingips"].values() if f["project_id"] == self.project_id)
        if self.floating_ip_quota is not None and owned >= self.floating_ip_quota:
            raise NeutronFault(409, "OverQuota", "Quota exceeded for resources: ['floatingip'].")
        ip = self._allocate(subnet, address)
        record = self._stamp(floating_ip_address=ip, floating_network_id=net["id"], router_id=None,
                             port_id=None, fixed_ip_address=None, status="DOWN", description=description,
                             port_details=None, dns_domain="", dns_name="", port_forwardings=[],
                             qos_policy_id=None)
        self.records["floatingips"][record["id"]] = record
        if port:
            try:
                self.associate(record, port, fixed_ip)
            except NeutronFault:
                self.delete("floatingips", record["id"])
                raise
        return record

    def associate(self, fip: dict, port_id: str, fixed_ip: str | None = None) -> None:
        """Attach ``fip`` to a port, checking that a router joins the two networks."""
        if fip.get("port_forwardings"):
            raise NeutronFault(409, "FipInUseByPortForwarding",
                               f"Floating IP {fip['id']} has port forwardings; it cannot be associated with a port.")
        port = self.get("ports", port_id)
        v4 = [ip for ip in port["fixed_ips"] if ipaddress.ip_address(ip["ip_address"]).version == 4]
        chosen = next((ip for ip in v4 if fixed_ip in (None, ip["ip_address"])), None)
        if chosen is None:
            raise _bad(f"Bad floatingip request: Port {port_id} does not have fixed ip {fixed_ip or '(IPv4)'}.")
        for other in self._by_port.get(port_id, {}).values():
            if other is not fip and other["fixed_ip_address"] == chosen["ip_address"]:
                raise NeutronFault(409, "FloatingIPPortAlreadyAssociated",
                                   f"Cannot associate floating IP {fip['floating_ip_address']} ({fip['id']}) with "
                                   f"port {port_id} using fixed IP {chosen['ip_address']}, as that fixed IP "
                                   f"already has a floating IP on external network {other['floating_network_id']}.")
        router = self.router_between(fip["floating_network_id"], chosen["subnet_id"])
        if router is None and self.need_router:
            raise NeutronFault(404, "ExternalGatewayForFloatingIPNotFound",
                               f"External network {fip['floating_network_id']} is not reachable from subnet "
                               f"{chosen['subnet_id']}. Therefore, cannot associate Port {port_id} with a "
                               f"Floating IP.")
        self._by_port.get(fip["port_id"] or "", {}).pop(fip["id"], None)
        self._by_port.setdefault(port_id, {})[fip["id"]] = fip
        fip.update(port_id=port_id, fixed_ip_address=chosen["ip_address"], status="ACTIVE",
                   router_id=router["id"] if router else None, updated_at=self.seq.now(),
                   revision_number=fip["revision_number"] + 1,
                   port_details={key: port[key] for key in ("name", "network_id", "mac_address", "admin_state_up",
                                                            "status", "device_id", "device_owner")})

    def disassociate(self, fip: dict) -> None:
        """Detach ``fip`` from its port; it stays allocated to the project."""
        self._by_port.get(fip["port_id"] or "", {}).pop(fip["id"], None)
        fip.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN", port_details=None,
                   updated_at=self.seq.now(), revision_number=fip["revision_number"] + 1)

    def router_between(self, external_net_id: str, subnet_id: str) -> dict | None:
        """The project router with a gateway on ``external_net_id`` and an interface on ``subnet_id``."""
        for router in self.records["routers"].values():
            gateway = router["external_gateway_info"] or {}
            if gateway.get("network_id") != external_net_id:
                continue
            for port in self.device_ports(router["id"], _IFACE_OWNER):
                if any(ip["subnet_id"] == subnet_id for ip in port["fixed_ips"]):
                    return router
        return None

    def add_security_group(self, name: str, description: str = "") -> dict:
        """Create a security group with Neutron's default egress rules."""
        record = self._stamp(name=name, description=description, security_group_rules=[], stateful=True)
        self.records["security-groups"][record["id"]] = record
        for ethertype in ("IPv4", "IPv6"):
            self.add_rule(record["id"], direction="egress", ethertype=ethertype)
        return record

    def add_rule(self, group_id: str, **fields: Any) -> dict:
        """Add a rule to security group ``group_id`` (409 for a duplicate, 400 for a range of the other family)."""
        group = self.get("security-groups", group_id)
        prefix, ethertype = fields.get("remote_ip_prefix"), fields.get("ethertype", "IPv4")
        if prefix and f"IPv{ipaddress.ip_network(prefix, strict=False).version}" != ethertype:
            raise _bad(f"Conflicting value ethertype {ethertype} for CIDR {prefix}")
        same = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix",
                "remote_group_id")
        for rule in group["security_group_rules"]:
            if all(rule.get(k) == fields.get(k, {"direction": "ingress", "ethertype": "IPv4"}.get(k)) for k in same):
                raise NeutronFault(409, "SecurityGroupRuleExists",
                                   f"Security group rule already exists. Rule id is {rule['id']}.")
        record = self._stamp(security_group_id=group["id"], direction=fields.get("direction", "ingress"),
                             ethertype=fields.get("ethertype", "IPv4"), protocol=fields.get("protocol"),
                             port_range_min=fields.get("port_range_min"), port_range_max=fields.get("port_range_max"),
                             remote_ip_prefix=fields.get("remote_ip_prefix"),
                             remote_group_id=fields.get("remote_group_id"), normalized_cidr=None,
                             remote_address_group_id=None,
                             belongs_to_default_sg=group["name"] == self.vocab["default_security_group"])
        self.records["security-group-rules"][record["id"]] = record
        group["security_group_rules"].append(record)
        return record

    def quota_details(self) -> dict:
        """``GET /quotas/{project}/details``: the floating-IP quota (-1: unlimited) and use."""
        used = sum(1 for f in self.records["floatingips"].values() if f["project_id"] == self.project_id)
        limit = -1 if self.floating_ip_quota is None else self.floating_ip_quota
        return {"floatingip": {"limit": limit, "used": used, "reserved": 0}}

    # --- port forwardings of floating IPs -------------------------------------------

    def add_forwarding(self, fip: dict, body: dict) -> dict:
        """Forward a port of ``fip`` to a fixed address of a port (409 when the port is taken)."""
        if fip["port_id"]:
            raise NeutronFault(409, "FipInUseByPort", f"Floating IP {fip['id']} is associated with port "
                                                      f"{fip['port_id']}; it cannot also forward ports.")
        protocol, external = body.get("protocol"), body.get("external_port")
        if protocol not in ("tcp", "udp") or not isinstance(external, int) or not 1 <= external <= 65535:
            raise _bad("Invalid input: protocol must be tcp or udp and external_port a port number")
        port = self.get("ports", str(body.get("internal_port_id", "")))
        if body.get("internal_ip_address") not in [ip["ip_address"] for ip in port["fixed_ips"]]:
            raise _bad(f"The requested internal IP address {body.get('internal_ip_address')} is not one of port "
                       f"{port['id']}'s fixed IPs.")
        for other in self.forwardings.values():
            if other["floatingip_id"] == fip["id"] and other["external_port"] == external \
                    and other["protocol"] == protocol:
                raise NeutronFault(409, "PortForwardingAlreadyExists",
                                   f"A duplicate port forwarding entry with same attributes already exists, "
                                   f"conflicting values are {{'floatingip_id': '{fip['id']}', "
                                   f"'external_port': {external}, 'protocol': '{protocol}'}}.")
        record = {"id": self.seq.uuid(), "floatingip_id": fip["id"], "protocol": protocol,
                  "external_port": external, "internal_port": body.get("internal_port"),
                  "internal_port_id": port["id"], "internal_ip_address": body["internal_ip_address"],
                  "description": body.get("description", "")}
        self.forwardings[record["id"]] = record
        self._show_forwardings(fip)
        return record

    def delete_forwarding(self, forwarding_id: str) -> None:
        """Delete one port forwarding."""
        record = self.forwardings.pop(forwarding_id)
        fip = self.records["floatingips"].get(record["floatingip_id"])
        if fip is not None:
            self._show_forwardings(fip)

    def _show_forwardings(self, fip: dict) -> None:
        fip["port_forwardings"] = [{k: f[k] for k in ("protocol", "internal_ip_address", "internal_port",
                                                      "external_port")}
                                   for f in self.forwardings.values() if f["floatingip_id"] == fip["id"]]
        fip.update(updated_at=self.seq.now(), revision_number=fip["revision_number"] + 1)

    # --- removal and server support --------------------------------------------------

    def device_ports(self, device_id: str, owner: str | None = None) -> list[dict]:
        """Ports whose ``device_id`` is ``device_id`` (optionally of one owner), oldest first."""
        return [p for p in self._by_device.get(device_id, {}).values() if owner is None or p["device_owner"] == owner]

    def delete(self, kind: str, ident: str, *, force: bool = False) -> None:
        """Delete a record, refusing (409) what Neutron refuses unless ``force``."""
        record = self.records[kind][ident] if force else self.get(kind, ident)
        if kind == "ports":
            if record["device_owner"] == _IFACE_OWNER and not force:
                raise NeutronFault(409, "L3PortInUse", f"Port {ident} cannot be deleted directly via the port API: "
                                                       f"has device owner {_IFACE_OWNER}.")
            for fip in list(self._by_port.get(ident, {}).values()):
                self.disassociate(fip)
            for forwarding in [f for f in self.forwardings.values() if f["internal_port_id"] == ident]:
                self.delete_forwarding(forwarding["id"])
            self._release(record["fixed_ips"])
            self._by_device.get(record["device_id"], {}).pop(ident, None)
        elif kind == "networks":
            if any(p["network_id"] == ident for p in self.records["ports"].values()):
                raise NeutronFault(409, "NetworkInUse", f"Unable to complete operation on network {ident}. "
                                                        f"There are one or more ports still in use on the network.")
            for subnet_id in list(record["subnets"]):
                self.delete("subnets", subnet_id, force=True)
        elif kind == "subnets":
            self.records["networks"][record["network_id"]]["subnets"].remove(ident)
        elif kind == "routers":
            if self.device_ports(ident, _IFACE_OWNER):
                raise NeutronFault(409, "RouterInUse", f"Router {ident} still has ports")
            self.set_gateway(record, None)
        elif kind == "floatingips":
            for forwarding in [f for f in self.forwardings.values() if f["floatingip_id"] == ident]:
                self.delete_forwarding(forwarding["id"])
            self.disassociate(record)
            self._release([{"subnet_id": s, "ip_address": record["floating_ip_address"]}
                           for s in self.records["networks"][record["floating_network_id"]]["subnets"]])
        elif kind == "security-groups":
            if any(ident in (p.get("security_groups") or ()) for p in self.records["ports"].values()):
                raise NeutronFault(409, "SecurityGroupInUse", f"Security Group {ident} in use.")
            for rule in list(record["security_group_rules"]):
                del self.records["security-group-rules"][rule["id"]]
        elif kind == "security-group-rules":
            self.records["security-groups"][record["security_group_id"]]["security_group_rules"].remove(record)
        del self.records[kind][ident]

    def delete_server_ports(self, server_id: str) -> None:
        """Delete a server's ports; their floating IPs are detached and stay allocated."""
        for port in self.device_ports(server_id):
            self.delete("ports", port["id"], force=True)

    def addresses(self, server_id: str, typed: bool) -> dict[str, list[dict]]:
        """Nova's ``addresses`` for a server: fixed then floating, keyed by network name."""
        result: dict[str, list[dict]] = {}
        for port in self.device_ports(server_id):
            entries = result.setdefault(self.records["networks"][port["network_id"]]["name"], [])
            found = [(ip["ip_address"], "fixed") for ip in port["fixed_ips"]]
            found += [(f["floating_ip_address"], "floating") for f in self._by_port.get(port["id"], {}).values()]
            for addr, kind in found:
                entry = {"addr": addr, "version": ipaddress.ip_address(addr).version}
                if typed:
                    entry.update({"OS-EXT-IPS:type": kind, "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
                entries.append(entry)
        return result


def _pools(block: Any, first: int, last: int, gateway: str | None) -> list[dict]:
    to_ip = ipaddress.ip_address
    gw = int(to_ip(gateway)) if gateway else None
    ranges = [(first, last)] if gw is None or not first <= gw <= last else [(first, gw - 1), (gw + 1, last)]
    return [{"start": str(to_ip(a)), "end": str(to_ip(b))} for a, b in ranges if a <= b]


class NeutronAPI:
    """REST handlers for ``<base>/network``: ``handle(call)`` returns a reply or None."""

    #: what exists only with Neutron's L3 (router) extension
    L3_KINDS = ("routers", "floatingips")
    L3_EXTENSIONS = ("router", "extraroute", "fip-port-details")

    def __init__(self, state: NeutronState, root_url: Any, *, l3: bool = True, port_forwarding: bool = False) -> None:
        self.state, self.root_url, self.l3, self.port_forwarding = state, root_url, l3, port_forwarding

    def handle(self, call: Any) -> tuple[int, Any, dict] | None:
        """Answer ``call`` (path relative to the service prefix), None if unknown."""
        path = call.path.rstrip("/")
        path = path[:-5] if path.endswith(".json") else path
        if path == "" and call.method == "GET":
            return 200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
                {"href": f"{self.root_url()}/v2.0/", "rel": "self"}]}]}, {}
        parts = path.split("/")[1:]
        if not parts or parts[0] != "v2.0":
            return None
        rest = parts[1:]
        try:
            return self._route(call, rest)
        except NeutronFault as fault:
            return fault.reply()

    def _route(self, call: Any, rest: list[str]) -> tuple[int, Any, dict] | None:
        method = call.method
        if not rest:
            return (200, {"resources": [{"name": KINDS[k][0], "collection": KINDS[k][1], "links": [
                {"href": f"{self.root_url()}/v2.0/{k}", "rel": "self"}]} for k in KINDS
                if self.l3 or k not in self.L3_KINDS]}, {}) \
                if method == "GET" else None
        if rest[0] == "extensions" and method == "GET":
            return self._extensions(rest[1:])
        if rest[0] == "quotas" and len(rest) == 3 and rest[2] == "details" and method == "GET":
            return 200, {"quota": self.state.quota_details()}, {}
        if rest[0] in self.L3_KINDS and not self.l3:
            # What real Neutron answers for a resource whose extension is not loaded.
            raise NeutronFault(404, "HTTPNotFound", "The resource could not be found.")
        if rest[0] not in KINDS:
            return None
        kind, singular = rest[0], KINDS[rest[0]][0]
        if len(rest) == 1:
            if method == "GET":
                return self._list(kind, call)
            if method == "POST":
                body = (call.json or {}).get(singular)
                if not isinstance(body, dict):
                    raise _bad(f"Resource body required: '{singular}' not found in request body")
                return 201, {singular: self._create(kind, body)}, {}
            return None
        record = self.state.get(kind, rest[1])
        if len(rest) == 2:
            if method == "GET":
                return 200, {singular: _project(record, call.query.get("fields"))}, {}
            if method == "PUT":
                _check_revision(record, call.headers.get("if-match"))
                return 200, {singular: self._update(kind, record, (call.json or {}).get(singular) or {})}, {}
            if method == "DELETE":
                self.state.delete(kind, record["id"])
                return 204, None, {}
            return None
        if rest[2] == "tags":
            return self._tags(call, record, rest[3:])
        if kind == "floatingips" and rest[2] == "port_forwardings" and self.port_forwarding:
            return self._forwardings(call, record, rest[3:])
        if kind == "routers" and len(rest) == 3 and method == "PUT":
            return self._router_interface(record, rest[2], call.json or {})
        return None

    def _forwardings(self, call: Any, fip: dict, rest: list[str]) -> tuple[int, Any, dict] | None:
        state = self.state
        if not rest:
            if call.method == "GET":
                return 200, {"port_forwardings": [{k: v for k, v in f.items() if k != "floatingip_id"}
                                                  for f in state.forwardings.values()
                                                  if f["floatingip_id"] == fip["id"]]}, {}
            if call.method == "POST":
                body = (call.json or {}).get("port_forwarding")
                if not isinstance(body, dict):
                    raise _bad("Resource body required: 'port_forwarding' not found in request body")
                record = state.add_forwarding(fip, body)
                return 201, {"port_forwarding": {k: v for k, v in record.items() if k != "floatingip_id"}}, {}
            return None
        record = state.forwardings.get(rest[0])
        if record is None or record["floatingip_id"] != fip["id"]:
            raise NeutronFault(404, "PortForwardingNotFound", f"Port Forwarding {rest[0]} could not be found.")
        if call.method == "GET":
            return 200, {"port_forwarding": {k: v for k, v in record.items() if k != "floatingip_id"}}, {}
        if call.method == "DELETE":
            state.delete_forwarding(record["id"])
            return 204, None, {}
        return None

    def _extensions(self, rest: list[str]) -> tuple[int, Any, dict]:
        known = dict(self.state.vocab["neutron"]["extensions"])
        if self.port_forwarding:
            known.update(self.state.vocab["neutron"]["port_forwarding_extensions"])
        items = [{"alias": alias, "name": name, "description": name, "links": [],
                  "updated": "2024-01-01T10:00:00-00:00"} for alias, name in known.items()
                 if self.l3 or alias not in self.L3_EXTENSIONS]
        if not rest:
            return 200, {"extensions": items}, {}
        found = [item for item in items if item["alias"] == rest[0]]
        if not found:
            raise NeutronFault(404, "ExtensionNotFound", f"Extension with alias {rest[0]} does not exist")
        return 200, {"extension": found[0]}, {}

    def _list(self, kind: str, call: Any) -> tuple[int, Any, dict]:
        state, query = self.state, call.query
        records = [r for r in state.records[kind].values() if state.visible(kind, r)]
        known = set(state.vocab["neutron"]["filters"][kind]).union(*map(dict.keys, state.records[kind].values()))
        for key, values in query.items():
            if key in _CONTROL:
                continue
            if key not in known:
                raise _bad(f"[{key}] is invalid attribute for filtering")
            records = [r for r in records if _matches(r.get(key), values)]
        records = _tag_filter(records, query)
        limit = _int(query, "limit")
        marker = (query.get("marker") or [None])[-1]
        start = 0
        if marker:
            ids = [r["id"] for r in records]
            if marker not in ids:
                raise NeutronFault(404, KINDS[kind][2], f"{KINDS[kind][3]} {marker} could not be found.")
            start = ids.index(marker) + 1
        page = records[start:start + limit] if limit else records[start:]
        plural = KINDS[kind][1]
        body: dict[str, Any] = {plural: [_project(r, query.get("fields")) for r in page]}
        links = []
        if limit and start + limit < len(records):
            links.append({"rel": "next", "href": self._link(kind, query, limit=limit, marker=page[-1]["id"])})
        if marker and page:
            links.append({"rel": "previous", "href": self._link(kind, query, limit=limit or len(page),
                                                                marker=page[0]["id"], page_reverse="True")})
        if links:
            body[f"{plural}_links"] = links
        return 200, body, {}

    def _link(self, kind: str, query: dict, **override: Any) -> str:
        params = [(k, v) for k, vs in query.items() if k not in ("limit", "marker", "page_reverse") for v in vs]
        params += [(k, v) for k, v in override.items()]
        return f"{self.root_url()}/v2.0/{kind}?{urlencode(params)}"

    def _create(self, kind: str, body: dict) -> dict:
        state = self.state
        if kind == "networks":
            return state.add_network(body.get("name", ""), shared=bool(body.get("shared")),
                                     description=body.get("description", ""))
        if kind == "subnets":
            state.get("networks", body.get("network_id", ""))
            return state.add_subnet(body["network_id"], body.get("cidr", ""), ip_version=body.get("ip_version"),
                                    gateway_ip=body.get("gateway_ip", ...), name=body.get("name", ""))
        if kind == "ports":
            state.get("networks", body.get("network_id", ""))
            extra = {k: body[k] for k in ("name", "description") if k in body}
            return state.add_port(body["network_id"], device_id=body.get("device_id", ""),
                                  device_owner=body.get("device_owner", ""), fixed_ips=body.get("fixed_ips"), **extra)
        if kind == "routers":
            gateway = (body.get("external_gateway_info") or {}).get("network_id")
            return state.add_router(body.get("name", ""), external_network=gateway)
        if kind == "floatingips":
            state.get("networks", body.get("floating_network_id", ""))
            return state.add_floating_ip(body["floating_network_id"], port=body.get("port_id"),
                                         description=body.get("description", ""),
                                         fixed_ip=body.get("fixed_ip_address"), address=body.get("floating_ip_address"))
        if kind == "security-groups":
            return state.add_security_group(body.get("name", ""), body.get("description", ""))
        return state.add_rule(body.get("security_group_id", ""), **body)

    def _update(self, kind: str, record: dict, body: dict) -> dict:
        if kind == "floatingips" and "port_id" in body:
            if body["port_id"]:
                self.state.associate(record, body["port_id"], body.get("fixed_ip_address"))
            else:
                self.state.disassociate(record)
        if kind == "routers" and "external_gateway_info" in body:
            self.state.set_gateway(record, (body["external_gateway_info"] or {}).get("network_id"))
        editable = {"name", "description", "admin_state_up"}
        if kind == "ports":
            editable |= {"security_groups", "allowed_address_pairs"}
            if "device_id" in body or "device_owner" in body:
                self.state.bind(record, body.get("device_id", record["device_id"]),
                                body.get("device_owner", record["device_owner"]))
        record.update({k: v for k, v in body.items() if k in editable})
        record.update(updated_at=self.state.seq.now(), revision_number=record["revision_number"] + 1)
        return record

    def _tags(self, call: Any, record: dict, rest: list[str]) -> tuple[int, Any, dict] | None:
        method, tag = call.method, (rest[0] if rest else None)
        if tag is None:
            if method == "PUT":
                wanted = (call.json or {}).get("tags")
                if not isinstance(wanted, list) or not all(isinstance(t, str) for t in wanted):
                    raise _bad("Invalid input for tags: a list of strings is required")
                record["tags"] = sorted(set(wanted))
            elif method == "DELETE":
                record["tags"] = []
                return 204, None, {}
            elif method != "GET":
                return None
            return 200, {"tags": record["tags"]}, {}
        if method == "PUT":
            record["tags"] = sorted(set(record["tags"]) | {tag})
            return 201, None, {}
        if method not in ("GET", "DELETE"):
            return None
        if tag not in record["tags"]:
            raise NeutronFault(404, "TagNotFound", f"Tag {tag} could not be found for {record['id']}.")
        if method == "DELETE":
            record["tags"].remove(tag)
        return 204, None, {}

    def _router_interface(self, router: dict, action: str, body: dict) -> tuple[int, Any, dict] | None:
        if action != "add_router_interface":
            return None
        if not body.get("subnet_id") and not body.get("port_id"):
            raise _bad("Bad router request: Either subnet_id or port_id must be specified.")
        return 200, self.state.add_interface(router, subnet=body.get("subnet_id"), port=body.get("port_id")), {}


def _int(query: dict, key: str) -> int:
    raw = (query.get(key) or ["0"])[-1]
    try:
        value = int(raw)
    except ValueError:
        raise _bad(f"Bad {key} request: {key} must be an integer, not '{raw}'") from None
    return max(value, 0)


def _matches(value: Any, wanted: list[str]) -> bool:
    if isinstance(value, bool):
        return str(value).lower() in {w.lower() for w in wanted}
    if isinstance(value, list):
        # fixed_ips=ip_address=10.0.0.3 and fixed_ips=subnet_id=<id> filter ports.
        pairs = [w.split("=", 1) for w in wanted if "=" in w]
        return any(isinstance(v, dict) and v.get(k) == x for v in value for k, x in pairs) or \
            any(w in value for w in wanted)
    return ("" if value is None else str(value)) in wanted


def _tag_filter(records: list[dict], query: dict) -> list[dict]:
    def split(key: str) -> set[str]:
        return {t for v in query.get(key, []) for t in v.split(",") if t}
    every, any_, not_every, not_any = split("tags"), split("tags-any"), split("not-tags"), split("not-tags-any")
    result = []
    for record in records:
        tags = set(record.get("tags") or ())
        if (every <= tags and (not any_ or tags & any_) and not (not_every and not_every <= tags)
                and not tags & not_any):
            result.append(record)
    return result


def _project(record: dict, fields: list[str] | None) -> dict:
    return {k: v for k, v in record.items() if k in fields} if fields else record
