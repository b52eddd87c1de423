"""Apply a :class:`~normalizer.provision.plan.ServerPlan`: create, give a public IP, delete.

The one place where provisioning writes happen. Each step records what it created in a
:class:`~normalizer.provision.ledger.Ledger` the moment the cloud confirms it; when a
step fails (an API error, a timeout, a server in ERROR, Ctrl-C) the ledger removes
exactly those resources, newest first, and the error names the step, what was removed
and what could not be.
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any, Callable

from munch import Munch

from normalizer.exceptions import (AmbiguousMatch, Conflict, NormalizerError, NotFound, ProvisionError,
                                   QuotaExceeded, RequestTimeout, UnsupportedOnCloud, WaitTimeout, format_candidates)
from normalizer.profiles import Profile
from normalizer.provision.access import PORT_FORWARDING_EXTENSION, ssh_group_name
from normalizer.provision.boot_volume import block_device_mapping
from normalizer.provision.ledger import Ledger
from normalizer.provision.plan import ServerPlan
from normalizer.provision.port_forwarding import PortForwarder
from normalizer.provision.ssh_group import SshGroups
from normalizer.provision.recovery import answered_with, guarded_write
from normalizer.provision.public_ip import (FloatingIPs, fip_kept_because, needs_ports, nova_fip_kept_because,
                                            owned_floating_ips)
from normalizer.provision.waiting import Waiter, port_answers
from normalizer.microversions import microversion_at_least
from normalizer.services.compute import exact_name_filter

__all__ = ["CLIENT_TOKEN_KEY", "CreateOptions", "DeleteResult", "Provisioner", "ServerSurroundings"]

_LOG = logging.getLogger("normalizer.provision")

#: Server metadata item carrying the create call's token, so a server whose POST answer
#: was lost (timeout, reset) is still found and removed (AWS's ClientToken, by metadata).
CLIENT_TOKEN_KEY = "normalizer:client_token"
_AUTO_NETWORK = "2.37"  # from here Nova requires "networks"; "auto" keeps its old meaning
_VOLUME_TYPE = "2.67"  # block_device_mapping_v2 takes volume_type from here


@dataclass(frozen=True)
class CreateOptions:
    """How to apply a plan (the keyword arguments of ``create_server`` beyond the plan)."""

    public_key: str | None = None
    auto_ip: bool = True
    ip_version: int | None = None
    wait: bool = True
    timeout: float = 600
    keep_on_failure: bool = False
    reuse_ips: bool = False
    wait_for_ssh: bool = False
    public_access: str = "auto"


class DeleteResult(Munch):
    """What ``delete_server`` did: true when the server was deleted, false when there was none.

    Fields: ``deleted``, ``id``, ``name``, ``released_floating_ips`` (ids),
    ``kept_floating_ips`` (``id``, ``floating_ip_address``, ``reason``): floating IPs
    normalizer made for this server that now serve another one, left alone; and
    ``removed``: everything else removed with it (port forwardings, the SSH security
    group, a boot volume Nova left behind), one label each.

    >>> bool(DeleteResult.nothing_yet(None, "web1")), bool(DeleteResult(deleted=True, id="s1"))
    (False, True)
    """

    @classmethod
    def nothing_yet(cls, server_id: str | None, name: str | None) -> "DeleteResult":
        """The result before anything was deleted (and of deleting a server that does not exist)."""
        return cls(deleted=False, id=server_id, name=name, released_floating_ips=[], kept_floating_ips=[], removed=[])

    def __bool__(self) -> bool:
        return bool(self.get("deleted"))


def _with_image(raw: Mapping[str, Any], plan: ServerPlan) -> Mapping[str, Any]:
    """The server with the image it was made from: Nova names none for a server booted from a volume."""
    return raw if raw.get("image") or not plan.image_id else {**raw, "image": {"id": plan.image_id}}


def _boot_volumes(raw: Mapping[str, Any]) -> list[str]:
    """The volumes Nova deletes with the server (``delete_on_termination``), which it may leave behind."""
    attached = raw.get("os-extended-volumes:volumes_attached") or ()
    return [str(v.get("id")) for v in attached if isinstance(v, Mapping) and v.get("delete_on_termination")]


def _address_of(fip: Mapping[str, Any]) -> str | None:
    return fip.get("floating_ip_address") or fip.get("ip")


class _Progress:
    """The step being run, for the error message; and the deadline shared by every wait."""

    def __init__(self, waiter: Waiter, timeout: float) -> None:
        self.step = "start"
        self.waiter = waiter
        self.deadline = waiter.clock() + timeout

    def remaining(self) -> float:
        return max(0.0, self.deadline - self.waiter.clock())

    def wait(self, probe: Callable[[], Any], what: str) -> Any:
        return self.waiter.until(probe, timeout=self.remaining(), what=what)


@dataclass(frozen=True)
class ServerSurroundings:
    """What creating a server needs to know of the cloud, gathered before the call.

    ``view(raw_server, floating_ips)`` normalizes a raw server with the cloud's roles;
    ``neutron`` says whether floating IPs come from Neutron (else Nova's proxy API);
    ``has_extension(alias)`` whether Neutron has an extension, asked only when a step needs it.

    >>> ServerSurroundings(view=lambda raw, fips: raw, neutron=True).neutron
    True
    """

    view: Callable[..., Munch]
    neutron: bool
    has_extension: Callable[[str], bool] = lambda alias: False


class Provisioner:
    """Create, delete and give public addresses to servers, leaving nothing behind on failure.

    >>> Provisioner(cloud_name="c", compute=compute, network=network, profile=profile).create(  # doctest: +SKIP
    ...     plan, CreateOptions(public_key=key), ServerSurroundings(view, neutron=True))
    """

    def __init__(self, *, cloud_name: str, compute: Any, network: Any, profile: Profile,
                 waiter: Waiter | None = None, port_check: Callable[[str, int], bool] = port_answers,
                 volumes: Any = None) -> None:
        self.cloud_name = cloud_name
        self.compute = compute
        self.volumes = volumes
        self.profile = profile
        self.waiter = waiter or Waiter()
        self.port_check = port_check
        self.fips = FloatingIPs(compute, network)
        self.ssh_groups = SshGroups(network, self.waiter)
        self.forwarder = PortForwarder(network, ports=profile.network.forwarded_ports or (0, -1))

    # --- create ------------------------------------------------------------------

    def create(self, plan: ServerPlan, options: CreateOptions, around: ServerSurroundings) -> Munch:
        """Run steps 1, 4, 5 and 8 of the plan; on any failure remove what this call created."""
        ledger, progress = Ledger(), _Progress(self.waiter, options.timeout)
        try:
            # The timeout bounds every request too, the last one included; the cleanup
            # after a failure gets its own requests' time, or nothing would be removed.
            with self._deadline(options.timeout):
                return self._create_steps(plan, options, around, ledger, progress)
        except BaseException as error:  # Ctrl-C included: nothing may be left behind
            raise self._failed(f"creating server {plan.name!r}", error, progress, ledger,
                               keep=options.keep_on_failure) from error

    def _deadline(self, timeout: float) -> Any:
        transport = self.compute.transport
        return transport.deadline(at=transport.clock() + timeout)

    def _enter(self, progress: _Progress, name: str, step: str) -> None:
        progress.step = step
        _LOG.info("%s: server %r: %s", self.cloud_name, name, step)

    def _create_steps(self, plan: ServerPlan, options: CreateOptions, around: ServerSurroundings, ledger: Ledger,
                      progress: _Progress) -> Munch:
        # A name of its own per call: concurrent creates with the same server name and key
        # never share (and so never delete) each other's temporary keypair.
        key_name = f"{plan.key_name}-{uuid.uuid4().hex[:8]}" if plan.temporary_key else plan.key_name
        token = uuid.uuid4().hex  # the call's own mark: on the server, its SSH group, found after lost answers
        if plan.temporary_key:
            self._enter(progress, plan.name, "temporary key")
            self._add_temporary_key(key_name, options.public_key, ledger)
        groups = list(plan.security_groups)
        if plan.ssh_group:
            self._enter(progress, plan.name, "ssh security group")
            groups.append(self.ssh_groups.create(plan.ssh_group, plan.ssh_ranges, token, ledger))
        self._enter(progress, plan.name, "boot")
        raw = self._boot(plan, key_name, groups, token, ledger)
        if plan.temporary_key and not options.wait:
            # Nova copied the public key into the instance when it accepted the request.
            self._enter(progress, plan.name, "key removal")
            self._remove_temporary_key(key_name, ledger)
        if options.wait:
            self._enter(progress, plan.name, "wait for ACTIVE")
            raw = progress.wait(lambda: self._active(raw.get("id")), f"server {plan.name!r} to become ACTIVE")
        self._enter(progress, plan.name, "public address")
        fips, forwarded = self._reach(raw, plan, options, around, ledger, progress)
        server = around.view(_with_image(raw, plan), fips, forwarded)
        if plan.temporary_key and options.wait:
            self._enter(progress, plan.name, "key removal")
            self._remove_temporary_key(key_name, ledger)
        if options.wait_for_ssh:
            self._enter(progress, plan.name, "ssh")
            self._wait_for_ssh(server, progress)
        return server

    def _add_temporary_key(self, name: str, public_key: str | None, ledger: Ledger) -> None:
        def search() -> list:
            return [(name, lambda: self.compute.delete_keypair(name))] if self._same_key(name, public_key) else []
        try:
            guarded_write(lambda: self.compute.create_keypair(name, public_key=public_key), search=search,
                          kind="keypair", ledger=ledger, what=f"creating keypair {name}")
        except Conflict:
            # The name carries this call's nonce: only an earlier attempt of this same
            # POST (retried after a 503) can have made it, so it is ours.
            if not search():
                raise
            ledger.add("keypair", name, lambda: self.compute.delete_keypair(name))
        except Exception:
            if not ledger.owns("keypair", name):
                raise
            _LOG.info("keypair %s was created although its answer was lost; using it", name)
        else:
            ledger.add("keypair", name, lambda: self.compute.delete_keypair(name))

    def _same_key(self, name: str, public_key: str | None) -> bool:
        existing = self.compute.get_keypair(name)
        return bool(existing) and str(existing.get("public_key", "")).split()[:2] == str(public_key).split()[:2]

    def _remove_temporary_key(self, name: str, ledger: Ledger) -> None:
        if ledger.owns("keypair", name):
            self.compute.delete_keypair(name)
            ledger.forget("keypair", name)

    def _boot(self, plan: ServerPlan, key_name: str | None, groups: list[str], token: str,
              ledger: Ledger) -> dict:
        body = self._server_body(plan, key_name, groups, token)

        def search() -> list:
            return [(orphan, lambda i=orphan: self.compute.delete_server(i))
                    for orphan in self._servers_with_token(plan.name, token)]
        what = f"booting server {plan.name!r}"
        created = guarded_write(lambda: answered_with(self.compute.create_server(body), "id", what=what),
                                search=search, kind="server", ledger=ledger, what=what)
        server_id = str(created["id"])
        ledger.add("server", server_id, lambda: self.compute.delete_server(server_id))
        return {"id": server_id, "name": plan.name, "status": "BUILD", "metadata": body["metadata"],
                "image": "", "flavor": {"id": plan.flavor_id}}

    def _server_body(self, plan: ServerPlan, key_name: str | None, groups: list[str], token: str) -> dict[str, Any]:
        body: dict[str, Any] = {"name": plan.name, "flavorRef": plan.flavor_id,
                                "metadata": {**plan.metadata, CLIENT_TOKEN_KEY: token}}
        if plan.boot_volume:
            if plan.boot_volume.volume_type and not microversion_at_least(
                    self.compute.transport.compute_microversion, _VOLUME_TYPE):
                raise UnsupportedOnCloud(f"volume_type needs compute microversion {_VOLUME_TYPE}, which this cloud's "
                                         "Nova does not offer", hint="leave volume_type out for the default type")
            body["block_device_mapping_v2"] = block_device_mapping(plan.image_id, plan.boot_volume)
        else:
            body["imageRef"] = plan.image_id
        if plan.network_id:
            body["networks"] = [{"uuid": plan.network_id}]
        elif microversion_at_least(self.compute.transport.compute_microversion, _AUTO_NETWORK):
            body["networks"] = "auto"
        if key_name:
            body["key_name"] = key_name
        if plan.userdata:
            body["user_data"] = base64.b64encode(plan.userdata.encode()).decode()
        if groups:
            body["security_groups"] = [{"name": name} for name in groups]
        return body

    def _servers_with_token(self, name: str, token: str) -> list[str]:
        servers = self.compute.list_servers(filters={"name": exact_name_filter(name)}, fresh=True)
        return [s.get("id") for s in servers if (s.get("metadata") or {}).get(CLIENT_TOKEN_KEY) == token]

    def _active(self, server_id: str) -> dict | None:
        raw = self.compute.get_server(server_id, fresh=True)
        if raw is None:
            raise NotFound(f"server {server_id} disappeared while it was building",
                           hint="another client may have deleted it")
        status = str(raw.get("status") or "").upper()
        if status == "ACTIVE":
            return raw
        if status == "ERROR":
            fault = (raw.get("fault") or {}).get("message") or "no fault message from Nova"
            raise ProvisionError(f"Nova put the server in ERROR: {fault}",
                               hint="try another flavor, image or availability zone, or ask the cloud's support")
        return None

    def _wait_for_ssh(self, server: Munch, progress: _Progress) -> None:
        address = server.interface_ip
        if not address:
            raise UnsupportedOnCloud("the server has no interface_ip to check SSH on",
                                     hint="pass auto_ip=True, or wait_for_ssh=False")
        port = int(server.get("ssh_port") or 22)  # a forwarded port of the shared floating IP, else 22
        progress.wait(lambda: True if self.port_check(address, port) else None,
                      f"the SSH banner on port {port} of {address}")

    # --- step 5: the public address ----------------------------------------------------

    def _reach(self, raw: Mapping[str, Any], plan: ServerPlan, options: CreateOptions, around: ServerSurroundings,
               ledger: Ledger, progress: _Progress) -> tuple[list, tuple[str, int] | None]:
        """Step 5: the floating IPs attached (empty when none was needed), or the forwarded ``(address, port)``."""
        reachable = options.auto_ip and options.ip_version != 6
        if plan.public_access == "port_forward" and reachable:
            return [], self._forward(raw, plan, around, ledger, progress)
        if self._share_the_last(plan, options, around) and reachable:
            return [], self._forward(raw, plan, around, ledger, progress)
        try:
            return self._public_address(raw, plan.floating_ip_pool, plan.network_id, options, around, ledger,
                                        progress), None
        except QuotaExceeded:
            # The pattern a floating IP per server runs into: with port forwarding, one shared address serves all.
            if options.public_access != "auto" or not around.has_extension(PORT_FORWARDING_EXTENSION):
                raise
            _LOG.info("%s: server %r: the floating-IP quota is used up; forwarding a port instead",
                      self.cloud_name, plan.name)
            return [], self._forward(raw, plan, around, ledger, progress)

    def _share_the_last(self, plan: ServerPlan, options: CreateOptions, around: ServerSurroundings) -> bool:
        """``auto`` with at most one floating IP left: it becomes the shared one, so later servers are reachable too."""
        if options.public_access != "auto" or plan.public_access != "floating_ip" or not around.neutron \
                or not around.has_extension(PORT_FORWARDING_EXTENSION):
            return False
        left = self.fips.network.floating_ip_quota_left(str(self.compute.transport.project.get("id")))
        return left is not None and left <= 1

    def _forward(self, raw: Mapping[str, Any], plan: ServerPlan, around: ServerSurroundings, ledger: Ledger,
                 progress: _Progress) -> tuple[str, int] | None:
        if around.view(raw, []).public_v4 or plan.floating_ip_pool is None:
            return None
        server_id = str(raw.get("id"))
        port = progress.wait(lambda: self.fips.server_port(server_id, plan.network_id),
                             f"the port of server {server_id} on network {plan.network_id}")
        shared, forwarding = self.forwarder.forward(plan.floating_ip_pool, port, server_id, ledger)
        return str(shared.get("floating_ip_address")), int(forwarding.get("external_port"))

    def _public_address(self, raw: Mapping[str, Any], pool: str | None, network_id: str | None,
                        options: CreateOptions, around: ServerSurroundings, ledger: Ledger,
                        progress: _Progress) -> list:
        """Floating IPs attached by this step (empty when none was needed)."""
        if not options.auto_ip or options.ip_version == 6 or around.view(raw, []).public_v4:
            return []
        if not around.neutron:
            return self._nova_network_ip(raw, ledger)
        if pool is None:
            return []
        server_id = raw.get("id")
        port = progress.wait(lambda: self.fips.server_port(server_id, network_id),
                             f"the port of server {server_id} on network {network_id}")
        fip = (self.fips.claim(pool, port, ledger) if options.reuse_ips else None) \
            or self.fips.allocate(pool, port, server_id, ledger)
        return [fip]

    def _nova_network_ip(self, raw: Mapping[str, Any], ledger: Ledger) -> list:
        settings = self.profile.network
        if settings.floating_ip_api == "none" or settings.public_access == "direct":
            return []
        fip = self.fips.allocate_nova(self._nova_pool(), raw, ledger)
        return [dict(fip, instance_id=raw.get("id"))]

    def _nova_pool(self) -> str:
        named = [rule.name for rule in self.profile.network.networks if rule.nat_source and rule.name]
        pools = [p.get("name") for p in self.compute.list_nova_floating_ip_pools()]
        chosen = [p for p in pools if p in named] or pools
        if len(chosen) == 1:
            return chosen[0]
        if not chosen:
            raise UnsupportedOnCloud("this cloud has no floating-IP pool", hint="pass auto_ip=False")
        raise AmbiguousMatch(f"several floating-IP pools: {format_candidates(chosen)}",
                             hint="mark one with nat_source: true under networks: in clouds.yaml",
                             candidates=chosen)

    def add_public_ip(self, raw: Mapping[str, Any], around: ServerSurroundings, *, pool: str | None,
                      network_id: str | None, reuse: bool, timeout: float) -> Munch:
        """Step 5 alone, for an existing server; a failure releases what this call created."""
        ledger, progress = Ledger(), _Progress(self.waiter, timeout)
        progress.step = "public address"
        options = CreateOptions(reuse_ips=reuse, timeout=timeout)
        try:
            if pool is None and around.neutron and not around.view(raw, []).public_v4:
                raise UnsupportedOnCloud("no floating-IP pool this project can use",
                                         hint="mark one with nat_source: true under networks: in clouds.yaml")
            with self._deadline(timeout):
                fips = self._public_address(raw, pool, network_id, options, around, ledger, progress)
            return around.view(raw, fips)
        except BaseException as error:
            raise self._failed(f"adding a public IP to server {raw.get('name')!r}", error, progress,
                               ledger, keep=False) from error

    # --- delete ------------------------------------------------------------------------

    def delete(self, raw: Mapping[str, Any], *, wait: bool, timeout: float,
               list_fips: Callable[[], list | None] | None) -> "DeleteResult":
        """Delete the server and the floating IPs normalizer created for it; wait until it is gone.

        ``list_fips`` lists the project's Neutron floating IPs (None on clouds without
        Neutron, where the server's metadata names ours); None skips floating IPs. A
        floating IP made for this server that now serves another one is kept, and the
        result says so.
        """
        progress, server_id = _Progress(self.waiter, timeout), raw.get("id")
        result = DeleteResult.nothing_yet(server_id, raw.get("name"))
        removed: list[str] = []
        try:
            with self._deadline(timeout):
                return self._delete_steps(raw, wait, list_fips, progress, result, removed)
        except NormalizerError as error:
            raise self._error(f"deleting server {raw.get('name')!r}", error, progress, removed, []) from error

    def _delete_steps(self, raw: Mapping[str, Any], wait: bool, list_fips: Callable[[], list | None] | None,
                      progress: _Progress, result: "DeleteResult", removed: list[str]) -> "DeleteResult":
        server_id, name = str(raw.get("id")), raw.get("name")
        self._enter(progress, name, "find floating IPs")
        fips = list_fips() if list_fips is not None else []
        owned, neutron = self._owned_ips(raw, fips) if list_fips is not None else ([], True)
        # Floating IPs first: a server delete that fails then leaves the server with
        # nothing orphaned, and a retry finds everything again by the server.
        self._enter(progress, name, "release floating IPs")
        self._release_owned(owned, neutron, raw, result, removed)
        if fips:
            self._enter(progress, name, "remove port forwardings")
            done = self.forwarder.remove_for_server(server_id, fips, lambda: self._port_ids(server_id))
            removed.extend(done)
            result.removed.extend(done)
        self._enter(progress, name, "delete server")
        volumes = _boot_volumes(raw)
        self.compute.delete_server(server_id)  # False: already gone (a retried DELETE)
        removed.append(f"server {server_id}")
        result.deleted = True
        if wait:
            self._enter(progress, name, "wait for deletion")
            progress.wait(lambda: True if self._gone(server_id) else None, f"server {server_id} to be deleted")
            self._enter(progress, name, "remove what was made with it")
            self._remove_leftovers(raw, volumes, result, removed)
        return result

    def _port_ids(self, server_id: str) -> list[str]:
        return [str(p.get("id")) for p in self.fips.network.list_ports(filters={"device_id": server_id}, fresh=True)]

    def _remove_leftovers(self, raw: Mapping[str, Any], volumes: list[str], result: "DeleteResult",
                          removed: list[str]) -> None:
        """The SSH security group of the server's create call, and boot volumes Nova did not delete."""
        token = (raw.get("metadata") or {}).get(CLIENT_TOKEN_KEY)
        if token and any(str(g.get("name")) == ssh_group_name(str(raw.get("name")))
                         for g in raw.get("security_groups") or () if isinstance(g, Mapping)):
            for group in self.ssh_groups.find(ssh_group_name(str(raw.get("name"))), str(token)):
                if self.ssh_groups.remove(str(group.get("id"))):
                    removed.append(f"security group {group.get('id')}")
                    result.removed.append(f"security group {group.get('id')}")
        for volume_id in volumes if self.volumes is not None else ():
            volume = self.volumes.get_volume(volume_id)
            if volume is not None and str(volume.get("status")) in ("available", "error"):
                self.volumes.delete_volume(volume_id)
                removed.append(f"volume {volume_id}")
                result.removed.append(f"volume {volume_id}")

    def _release_owned(self, owned: list, neutron: bool, raw: Mapping[str, Any], result: "DeleteResult",
                       removed: list[str]) -> None:
        for fip, reason in owned:
            fip_id = str(fip.get("id"))
            if reason is not None:
                _LOG.warning("%s: floating IP %s was created for server %s but is kept: %s", self.cloud_name,
                             fip_id, raw.get("id"), reason)
                result.kept_floating_ips.append(Munch(id=fip_id, reason=reason, floating_ip_address=_address_of(fip)))
                continue
            self._release(fip_id, neutron)
            removed.append(f"floating IP {fip_id}")
            result.released_floating_ips.append(fip_id)

    def _owned_ips(self, raw: Mapping[str, Any],
                   fips: list | None) -> tuple[list[tuple[Mapping, str | None]], bool]:
        """The floating IPs marked for this server, each with None (release it) or why it is kept."""
        if fips is None:
            owned = self.fips.owned_nova(raw)
            listed = {str(f.get("id")): f for f in self.compute.list_nova_floating_ips()} if owned else {}
            return [(listed.get(i, {"id": i}), nova_fip_kept_because(listed.get(i), raw)) for i in owned], False
        marked = owned_floating_ips(fips, raw)
        port_ids = None
        if any(needs_ports(fip, raw) for fip in marked):
            port_ids = {p.get("id") for p in self.fips.network.list_ports(filters={"device_id": raw.get("id")},
                                                                          fresh=True)}
        return [(fip, fip_kept_because(fip, raw, port_ids)) for fip in marked], True

    def _release(self, fip_id: str, neutron: bool) -> None:
        if neutron:
            self.fips.release(fip_id)
        else:
            self.compute.delete_nova_floating_ip(fip_id)

    def _gone(self, server_id: str) -> bool:
        # Real Nova shows DELETED for a few seconds while it still lists the server (and
        # its ports may linger); only a 404 means gone. SOFT_DELETED waits for the
        # reclaim interval, which can be hours: the delete itself is done.
        raw = self.compute.get_server(server_id, fresh=True)
        return raw is None or str(raw.get("status") or "").upper() == "SOFT_DELETED"

    # --- errors ------------------------------------------------------------------------

    def _failed(self, action: str, error: BaseException, progress: _Progress, ledger: Ledger, *,
                keep: bool) -> BaseException:
        """Undo (unless ``keep``) and build the error to raise; Ctrl-C stays Ctrl-C."""
        if keep:
            removed, not_removed = [], ledger.keep_all()
        else:
            removed, not_removed = ledger.undo_all()
        if not isinstance(error, Exception):
            _LOG.warning("%s: %s interrupted at step %r; removed: %s; not removed: %s", self.cloud_name, action,
                         progress.step, ", ".join(removed) or "nothing", ", ".join(not_removed) or "nothing")
            return error
        return self._error(action, error, progress, removed, not_removed)

    def _error(self, action: str, error: BaseException, progress: _Progress, removed: list[str],
               not_removed: list[str]) -> ProvisionError:
        step = progress.step
        # A request cut short by the call's own deadline is the call's timeout running out.
        ran_out = isinstance(error, RequestTimeout) and progress.remaining() <= 0
        cls = WaitTimeout if isinstance(error, WaitTimeout) or ran_out else ProvisionError
        cause = error.message if isinstance(error, NormalizerError) else f"{type(error).__name__}: {error}"
        summary = f"removed: {', '.join(removed) or 'nothing'}"
        if not_removed:
            summary += f"; NOT removed: {', '.join(not_removed)}"
        hint = ("remove what is listed as NOT removed yourself" if not_removed
                else getattr(error, "hint", None))
        # The API error's own fields, so a caller (or Ansible) can hand the request id to the operator.
        api = {name: getattr(error, name, None) for name in ("status_code", "request_id", "service", "method", "url")}
        return cls(f"{self.cloud_name}: {action} failed at step {step!r}: {cause}; {summary}", hint=hint,
                   step=step, cloud=self.cloud_name, removed=removed, not_removed=not_removed,
                   cause=type(error).__name__, **api)
