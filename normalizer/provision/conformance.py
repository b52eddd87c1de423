"""How this cloud does the eight provisioning steps: ``native``, ``bridged`` (and how) or ``unsupported`` (why).

:func:`conformance_report` is pure: it reads the profile, the network roles and the
images already fetched, and creates nothing. :func:`probe_report` walks the steps for
real through a cloud's ``create_server``/``delete_server`` and overwrites each step with
what happened.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable

from munch import Munch

from normalizer.exceptions import NormalizerError, ProvisionError, SelectionError
from normalizer.normalize.records import table_html
from normalizer.select.network_roles import NetworkRoles
from normalizer.tables import render_table

if TYPE_CHECKING:
    from normalizer.profiles import Profile

__all__ = ["STEPS", "ConformanceReport", "conformance_report", "probe_report", "probe_public_key"]

#: The eight steps of DESIGN §1, in order.
STEPS = (
    "add a node-specific SSH key",
    "read networks, flavors, images",
    "pick the right network, flavor, image",
    "request the node",
    "get the node's public address",
    "log in with the key",
    "add root access, turn password login off",
    "remove the node-specific key",
)

#: The columns a conformance report prints.
_REPORT_COLUMNS = ("number", "step", "status", "how")


class ConformanceReport(Munch):
    """What ``cloud.conformance()`` returns: ``cloud``, ``region_name``, ``profile``, ``probed``, ``steps``.

    A Munch like any result; ``repr()``, ``print()``, IPython and notebooks show a title
    line and the table of the eight steps.

    >>> ConformanceReport(cloud="c", region_name="R", profile="generic", probed=False,
    ...                   steps=[Munch(number=1, step=STEPS[0], status="native", how="Nova imports it")])
    conformance of cloud 'c' region R (profile generic, from profile and facts)
    number  step                         status  how
    1       add a node-specific SSH key  native  Nova imports it
    """

    def title(self) -> str:
        """The report's first line: which cloud, region and profile, and whether it was probed.

        >>> ConformanceReport(cloud="c", probed=True).title()
        "conformance of cloud 'c' region - (profile -, probed: a server was booted and removed)"
        """
        how = "probed: a server was booted and removed" if self.get("probed") else "from profile and facts"
        return (f"conformance of cloud {self.get('cloud')!r} region {self.get('region_name') or '-'} "
                f"(profile {self.get('profile') or '-'}, {how})")

    def __repr__(self) -> str:
        return self.title() + "\n" + render_table(self.get("steps") or (), _REPORT_COLUMNS)

    __str__ = __repr__

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython shows the title and the table.

        >>> class P: text = print
        >>> ConformanceReport(cloud="c", steps=[])._repr_pretty_(P(), False)
        conformance of cloud 'c' region - (profile -, from profile and facts)
        number  step  status  how
        """
        p.text(repr(self))

    def _repr_html_(self) -> str:
        """The steps as an HTML table (every cell escaped) captioned with the title.

        >>> "&lt;c&gt;" in ConformanceReport(cloud="<c>", steps=[])._repr_html_()
        True
        """
        return table_html(self.get("steps") or (), _REPORT_COLUMNS, caption=self.title())


#: Which conformance step a failed provisioning step belongs to.
_STEP_OF = {"temporary key": 1, "boot": 4, "wait for ACTIVE": 4, "public address": 5, "key removal": 8,
            "ssh": 6, "ssh security group": 6}


def _step(number: int, status: str, how: str) -> Munch:
    return Munch(number=number, step=STEPS[number - 1], status=status, how=how)


def _boot_step(roles: NetworkRoles, networks: Sequence[Mapping[str, Any]], neutron: bool) -> Munch:
    if not neutron:
        return _step(4, "native", "no network API: Nova places the server on the project's networks itself")
    for decision in (roles.private, roles.public):
        if decision.ambiguous:
            return _step(4, "unsupported", f"the boot network is ambiguous: {decision.reason}; "
                                           f"pass network= or {roles.hints.get('private', 'set networks: in clouds.yaml')}")
        if decision.value is not None:
            bootable = [n for n in networks if not n.get("is_external")]
            name = next((n.get("name") for n in networks if n.get("id") == decision.value), decision.value)
            if len(bootable) == 1:
                return _step(4, "native", f"{name} is the only network: Nova picks it itself")
            return _step(4, "bridged", f"{name} is passed to Nova explicitly ({decision.reason}); "
                                       f"{len(bootable)} networks are visible, so Nova alone would answer "
                                       f"'Multiple possible networks found'")
    return _step(4, "unsupported", "this project has no network to boot a server on; create a tenant network")


def _address_step(roles: NetworkRoles, networks: Sequence[Mapping[str, Any]], profile: Profile,
                  neutron: bool) -> Munch:
    settings = profile.network
    access = settings.public_access
    names = {n.get("id"): n.get("name") for n in networks}
    boot = roles.private.value or roles.public.value
    role = roles.get(boot) if boot else None
    where = names.get(boot) or "the boot network"
    if (role is not None and role.routes_ipv4_externally) or access == "direct":
        return _step(5, "native", f"servers on {where} get a public IPv4 address directly")
    if not neutron:
        public = names.get(roles.public.value) if roles.public.value is not None else None
        if public is not None:
            # Without a network API Nova places servers itself; theirs show they land on it.
            return _step(5, "native", f"servers get a public address on {public} directly (their own addresses "
                                      f"show it; Nova places them without a network API)")
        if settings.floating_ip_api == "none":
            return _step(5, "unsupported", "no network API and the profile says there are no floating IPs")
        return _step(5, "bridged", "a floating IP from Nova's pool is added when the server has no public address")
    external = roles.external
    if external.ambiguous:
        return _step(5, "unsupported", f"the floating-IP pool is ambiguous: {external.reason}; "
                                       f"{roles.hints.get('external', '')}".rstrip("; "))
    if external.value is not None:
        target = names.get(roles.private.value) or "the server's network"
        return _step(5, "bridged", f"floating IP from {names.get(external.value) or external.value} "
                                   f"attached to the port on {target}")
    if role is not None and role.routes_ipv6_externally:
        return _step(5, "native", f"servers on {where} get a public IPv6 address directly; no public IPv4 "
                                  f"(no usable floating-IP pool)")
    return _step(5, "unsupported", f"no public network and no usable floating-IP pool: {external.reason}")


def _forwarding(step: Munch, port_forwarding: bool | None) -> Munch:
    if port_forwarding and step.status == "bridged" and step.how.startswith("floating IP"):
        step.how += ("; public_access='port_forward' (or a used-up floating-IP quota) forwards a port of one "
                     "shared floating IP to each server's SSH instead")
    return step


def _login_step(login_users: Sequence[str | None], ssh_open: bool | None) -> Munch:
    known = sum(1 for user in login_users if user)
    total = len(login_users)
    if total and not known:
        return _step(6, "unsupported", f"the login user is unknown for all {total} active images; "
                                       "set os_admin_user on them or login.overrides in clouds.yaml")
    how = (f"the login user comes from os_admin_user, image_original_user, the profile's rules or the distro "
           f"table (known for {known} of {total} active images)")
    if ssh_open is False:
        how += ("; the default security group lets no SSH in: pass allow_ssh= (a security group of the server's "
                "own opens TCP 22)")
    return _step(6, "bridged", how)


def _diskless(flavors: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    usable = [f for f in flavors if isinstance(f, Mapping) and not f.get("OS-FLV-DISABLED:disabled")]
    return sum(1 for f in usable if not f.get("disk")), len(usable)


def _pick_step(flavors: Sequence[Mapping[str, Any]], block_storage: bool | None) -> Munch:
    how = ("normalizer picks: flavors by instance type or SCS name (pick_flavor), images by os_distro and name "
           "rules (pick_image), the boot network by network roles")
    diskless, total = _diskless(flavors)
    if diskless and block_storage:
        how += f"; {diskless} of {total} flavors have no root disk: those boot from a volume made from the image"
    elif diskless:
        how += (f"; {diskless} of {total} flavors have no root disk and this cloud has no block storage: "
                "only flavors with a disk can boot")
    return _step(3, "bridged", how)


def _request_step(step: Munch, flavors: Sequence[Mapping[str, Any]], block_storage: bool | None) -> Munch:
    diskless, total = _diskless(flavors)
    if step.status == "unsupported" or not diskless:
        return step
    if not block_storage and diskless == total:
        return _step(4, "unsupported", "every flavor lacks a root disk and the catalog has no block storage "
                                       "(Cinder) to boot from a volume")
    if diskless == total:
        return _step(4, "bridged", f"{step.how}; every flavor lacks a root disk: Nova boots from a volume made "
                                   "from the image (block device mapping, deleted with the server)")
    return step


def conformance_report(*, roles: NetworkRoles, networks: Sequence[Mapping[str, Any]], profile: Profile,
                       neutron: bool, login_users: Sequence[str | None], flavors: Sequence[Mapping[str, Any]] = (),
                       block_storage: bool | None = None, ssh_open: bool | None = None,
                       port_forwarding: bool | None = None) -> list[Munch]:
    """The eight steps on this cloud, from profile and live facts, creating nothing.

    ``networks`` are normalized networks; ``login_users`` the decided login user of
    each active image; ``flavors`` the raw flavors (those without a root disk need
    ``block_storage``); ``ssh_open`` whether the default security group lets SSH in;
    ``port_forwarding`` whether Neutron forwards ports of floating IPs.

    >>> from normalizer.interpret import Topology, network_roles
    >>> from normalizer.profiles import load_profile
    >>> generic = load_profile("generic")
    >>> steps = conformance_report(roles=network_roles(Topology(), generic), networks=[], profile=generic,
    ...                            neutron=True, login_users=["ubuntu"])
    >>> [(s.number, s.status) for s in steps][3:5]
    [(4, 'unsupported'), (5, 'unsupported')]
    """
    return [
        _step(1, "native", "Nova imports the public key as a keypair; cloud-init installs it"),
        _step(2, "native" if neutron else "bridged",
              "the APIs list them" if neutron else "no network API: networks are read from server addresses"),
        _pick_step(flavors, block_storage),
        _request_step(_boot_step(roles, networks, neutron), flavors, block_storage),
        _forwarding(_address_step(roles, networks, profile, neutron), port_forwarding),
        _login_step(login_users, ssh_open),
        _step(7, "bridged", "cloud-init user-data from root_keys (multipart when you pass user-data too)"),
        _step(8, "native", "the keypair is deleted once the server is ACTIVE; the key stays on the server"),
    ]


def probe_public_key() -> str:
    """A throwaway ed25519 public key in OpenSSH format (nobody holds its private half).

    >>> probe_public_key().startswith("ssh-ed25519 ")
    True
    """
    def field(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data
    blob = field(b"ssh-ed25519") + field(os.urandom(32))
    return "ssh-ed25519 " + base64.b64encode(blob).decode() + " normalizer-probe"


def probe_report(steps: list[Munch], create: Callable[[], Munch], delete: Callable[[str], Any]) -> list[Munch]:
    """Boot one server through ``create``, delete it, and mark each step with what happened.

    A failed step becomes ``unsupported`` with the error; ``delete`` runs whenever a
    server exists (create cleans up after its own failures).

    >>> probe_report(report, lambda: cloud.create_server(...), cloud.delete_server)  # doctest: +SKIP
    """
    by_number = {s.number: Munch(s) for s in steps}
    try:
        server = create()
    except NormalizerError as error:
        # Plan errors come before anything exists: a choice that failed is step 3, a
        # cloud that cannot boot at all is step 4.
        number = _STEP_OF.get(getattr(error, "step", ""), 4) if isinstance(error, ProvisionError) else \
            3 if isinstance(error, SelectionError) else 4
        by_number[number].update(status="unsupported", how=f"probe failed: {error.message}")
        return [by_number[n] for n in sorted(by_number)]
    try:
        for number in (1, 4, 8):
            by_number[number].how += "; probe: done"
        if server.public_v4 or server.public_v6:
            by_number[5].how += f"; probe: reachable address {server.interface_ip}"
        else:
            by_number[5].update(status="unsupported", how="probe: the server got no public address")
        if server.login_user:
            by_number[6].how += f"; probe: {server.login_user}"
        else:
            by_number[6].update(status="unsupported", how="probe: the login user of the probe image is unknown")
    finally:
        try:
            delete(server.id)
        except NormalizerError as error:
            by_number[8].how += f"; the probe server {server.id} could not be deleted: {error.message}"
    return [by_number[n] for n in sorted(by_number)]
