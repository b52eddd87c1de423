"""One gathered picture of a cloud: what the decisions need, fetched with as few calls as possible.

The decisions in :mod:`normalizer.select` and :mod:`normalizer.interpret` are pure;
something has to fetch what they decide from. This is that one place. It learns the
cloud's capabilities from the answers it already needs instead of probing:

* whether a network API exists at all: some clouds list Neutron in the catalog but
  answer 404 to every call (Rackspace did), which the first listing tells;
* whether Neutron has the router (L3) extension: without it ``/routers`` and
  ``/floatingips`` answer 404, so there are no routers to read and no floating IPs;
* the extensions provisioning needs (tags, descriptions, conditional writes, port
  forwarding), read once per cloud when a write first asks;
* whether the catalog has block storage (Cinder), which boot-from-volume servers need.

Servers booted from volumes have no image in Nova's answer: one volume listing, made
only when a listed server boots from a volume, gives each its image. Servers reached
by port forwarding get their address and port from the forwardings of the project's
shared floating IPs: one listing per shared floating IP, however many servers.

Every listing goes through the services' cache, so a long IPython session sees new
networks once the cache expires.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any, Callable, TypeVar

from normalizer.exceptions import APIError, NotFound
from normalizer.interpret import (Topology, boots_from_volume, networks_from_addresses, single_homed,
                                  subnets_from_addresses)
from normalizer.provision.access import PORT_FORWARDING_EXTENSION
from normalizer.provision.port_forwarding import is_shared_floating_ip
from normalizer.provision.public_ip import owner_marks
from normalizer.provision.ssh_group import group_allows_ssh
from normalizer.select.network_roles import ROUTER_INTERFACE_OWNERS, routers_decide_nothing

__all__ = ["CloudFacts", "NetworkCapabilities"]

_LOG = logging.getLogger("normalizer.facts")

T = TypeVar("T")


@dataclass(frozen=True)
class NetworkCapabilities:
    """What this cloud's network API offers, as far as its answers have shown.

    ``neutron``: a usable network API (None until the first network call answered);
    ``l3``: Neutron's router extension, hence routers and floating IPs.

    >>> NetworkCapabilities(neutron=True, l3=False).floating_ips
    False
    """

    neutron: bool | None
    l3: bool

    @property
    def floating_ips(self) -> bool:
        """Whether Neutron floating IPs exist on this cloud."""
        return bool(self.neutron) and self.l3


class CloudFacts:
    """Fetches what decisions need from one cloud region, and remembers what its answers showed.

    >>> facts = CloudFacts(transport, compute, network); topology = facts.topology()  # doctest: +SKIP
    """

    def __init__(self, transport: Any, compute: Any, network: Any, volumes: Any = None) -> None:
        self._transport, self._compute, self._network, self._volumes = transport, compute, network, volumes
        self._neutron: bool | None = None
        self._l3 = True

    @property
    def capabilities(self) -> NetworkCapabilities:
        """What the answers so far showed (see :class:`NetworkCapabilities`)."""
        return NetworkCapabilities(self._neutron, self._l3)

    def neutron_call(self, call: Callable[[], T]) -> T | None:
        """Run a Neutron call, or return None on clouds without a usable network API.

        The first 404 of a cloud whose network API was never seen working means there
        is none; after one call worked, a 404 is a real answer and is raised.
        """
        if self._neutron is False or not self._transport.has_service("network"):
            return None
        try:
            result = call()
        except NotFound:
            if self._neutron:
                raise
            self._neutron = False
            return None
        self._neutron = True
        return result

    def _l3_call(self, call: Callable[[], list]) -> list:
        """A listing that exists only with the router extension: [] once a 404 showed it is absent."""
        if not self._l3:
            return []
        try:
            return call()
        except NotFound:
            # The networks listing just worked, so this 404 is the missing extension.
            self._l3 = False
            return []

    def topology(self, servers: Sequence[Any] | None = None, settings: Any = None, *,
                 for_addresses: bool = False) -> Topology:
        """One snapshot of the network facts roles are decided from.

        Four listings on a Neutron cloud (networks, subnets, routers, router-interface
        ports), two without the router extension or when ``settings`` (the profile's
        network settings, clouds.yaml ``networks:`` included) already name the pool and
        the NAT destination. Without a network API the networks are the labels of the
        servers' addresses; ``servers`` already fetched are used.

        ``for_addresses``: only the addresses of ``servers`` will be decided from it.
        Routers then matter only to order the networks of a server on several; when
        every server sits on one network at most, they are not read.
        """
        project_id = self._transport.project.get("id")
        networks = self.neutron_call(self._network.list_networks)
        if networks is None:
            servers = self._compute.list_servers() if servers is None else servers
            return Topology(networks=networks_from_addresses(servers), subnets=subnets_from_addresses(servers),
                            project_id=project_id, l3=False)
        subnets = self._network.list_subnets()
        if routers_decide_nothing(networks, settings) or (for_addresses and single_homed(servers or ())):
            return Topology(networks=networks, subnets=subnets, project_id=project_id, l3=self._l3)
        routers = self._l3_call(self._network.list_routers)
        router_ports = self._network.list_ports(filters={"device_owner": list(ROUTER_INTERFACE_OWNERS)}) \
            if self._l3 else []
        return Topology(networks=networks, subnets=subnets, routers=routers, router_ports=router_ports,
                        project_id=project_id, l3=self._l3)

    def floating_ips(self, *, fresh: bool = False) -> list | None:
        """The project's Neutron floating IPs; [] without the router extension, None without Neutron."""
        if self._neutron is False or not self._transport.has_service("network"):
            return None
        if not self._l3:
            return []
        try:
            listing = self._network.list_floating_ips(fresh=fresh)
        except NotFound:
            # No floating IPs: either no network API at all or no router extension. Only
            # when that is not known yet does telling them apart cost a networks listing.
            # Only the routers listing settles the extension for good (a stray 404 here
            # must not hide floating IPs from every later call).
            if self._neutron is None:
                self.neutron_call(self._network.list_networks)
            return [] if self._neutron else None
        self._neutron = True
        return listing

    def project_floating_ips(self, *, nova_proxy: bool) -> list:
        """The project's raw floating IPs: Neutron's, else (``nova_proxy``) Nova's proxy listing, else [].

        One listing, cached like the rest; what server addresses are checked against.
        """
        listing = self.floating_ips()
        if listing is not None:
            return listing
        if not nova_proxy:
            return []
        try:
            return self._compute.list_nova_floating_ips()
        except NotFound:
            return []  # Nova without the nova-network proxy APIs

    @property
    def block_storage(self) -> bool:
        """Whether the catalog has a block-storage (Cinder) endpoint this profile does not disable."""
        return self._volumes is not None and self._volumes.available()

    def boot_volumes(self, servers: Sequence[Any]) -> list:
        """The project's volumes when a server boots from one (their image metadata names its image), else []."""
        if not self.block_storage or not any(isinstance(s, dict) and boots_from_volume(s) for s in servers):
            return []
        try:
            return self._volumes.list_volumes()
        except APIError as error:
            # A listing of servers must not fail because Cinder does: those servers' images stay unknown.
            _LOG.warning("block storage answered the volume listing with %s; the images of servers booted "
                         "from volumes stay unknown", error.message)
            return []

    def forwards(self, fips: Sequence[Any] | None) -> dict[str, tuple[str, int]]:
        """Server id -> (address, port) of the shared floating IPs' forwardings to SSH."""
        head = owner_marks("")[0]
        found: dict[str, tuple[str, int]] = {}
        for fip in fips or ():
            if not isinstance(fip, dict) or not is_shared_floating_ip(fip):
                continue
            try:
                listed = self._network.list_port_forwardings(str(fip.get("id")))
            except NotFound:
                continue  # released since the floating IPs were listed
            for forwarding in listed:
                description = str(forwarding.get("description") or "")
                if description.startswith(head) and forwarding.get("external_port"):
                    found[description[len(head):]] = (str(fip.get("floating_ip_address")),
                                                      int(forwarding["external_port"]))
        return found

    def conformance_traits(self, flavors: Sequence[Any], default_group: str | None) -> dict[str, Any]:
        """What ``conformance()`` reads beyond the roles: flavors, block storage, SSH in the default group, forwarding."""
        neutron = self.capabilities.neutron is True
        ssh_open = None
        if neutron and default_group:
            try:
                groups = self._network.list_security_groups(filters={"name": default_group})
            except NotFound:  # Neutron without the security-group extension
                groups = []
            ssh_open = any(group_allows_ssh(g) for g in groups) if groups else None
        forwarding = self._network.has_extension(PORT_FORWARDING_EXTENSION) if neutron and self._l3 else None
        return {"flavors": list(flavors), "block_storage": self.block_storage, "ssh_open": ssh_open,
                "port_forwarding": forwarding}
