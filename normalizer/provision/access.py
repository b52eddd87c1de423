"""How a new server is reached: SSH opened the AWS way, and the path its public address takes (pure).

``allow_ssh`` opens TCP 22 through a security group of the server's own
(``normalizer-<server>``), from the ranges given: ``True`` means anywhere, over IPv4
and IPv6. ``public_access`` chooses between a floating IP per server and port
forwarding through one shared floating IP (Neutron's ``floating-ip-port-forwarding``):
``auto`` keeps the direct address or a floating IP, and turns to port forwarding when
the extension exists and the project's floating-IP quota is down to its last floating IP
(which becomes the shared one, so every later server is reachable too) or used up.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from normalizer.arguments import kind_of
from normalizer.exceptions import ConfigError, UnsupportedOnCloud
from normalizer.normalize.server import SSH_PORT
from normalizer.select.decision import Decision

__all__ = ["PUBLIC_ACCESS", "PORT_FORWARDING_EXTENSION", "SSH_PORT", "AccessRequest", "ssh_group_name",
           "ssh_access_step", "public_access_step"]

#: The values ``public_access`` takes.
PUBLIC_ACCESS = ("auto", "floating_ip", "port_forward")
#: Neutron's extension alias for floating-IP port forwarding.
PORT_FORWARDING_EXTENSION = "floating-ip-port-forwarding"
_ANYWHERE = ("0.0.0.0/0", "::/0")


def _ranges(value: Any) -> tuple[str, ...]:
    if value is None or value is False:
        return ()
    if value is True:
        return _ANYWHERE
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise ConfigError(f"allow_ssh must be True, a CIDR or a list of CIDRs, not {kind_of(value)}",
                          hint="pass e.g. allow_ssh=True (anywhere) or allow_ssh=['198.51.100.0/24']")
    ranges = []
    for item in items:
        try:
            ranges.append(str(ipaddress.ip_network(item, strict=False)) if isinstance(item, str) else None)
        except ValueError:
            ranges.append(None)
        if ranges[-1] is None:
            shown = repr(item)[:60] if isinstance(item, str) else kind_of(item)
            raise ConfigError(f"allow_ssh: {shown} is not an IPv4 or IPv6 range",
                              hint="pass CIDRs such as '198.51.100.0/24' or '2001:db8::/32', or True for anywhere")
    return tuple(dict.fromkeys(ranges))


@dataclass(frozen=True)
class AccessRequest:
    """The access arguments of ``create_server``: ``allow_ssh`` and ``public_access``, checked when built.

    >>> AccessRequest(allow_ssh=True).ssh_ranges
    ('0.0.0.0/0', '::/0')
    >>> AccessRequest(allow_ssh="198.51.100.7").ssh_ranges
    ('198.51.100.7/32',)
    >>> AccessRequest(public_access="nat")
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: public_access must be one of 'auto', 'floating_ip', 'port_forward', not 'nat'; leave it out for 'auto'
    """

    allow_ssh: Any = None
    public_access: str = "auto"
    ssh_ranges: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        if self.public_access not in PUBLIC_ACCESS:
            shown = repr(self.public_access) if isinstance(self.public_access, str) else kind_of(self.public_access)
            raise ConfigError(f"public_access must be one of {', '.join(map(repr, PUBLIC_ACCESS))}, not {shown}",
                              hint="leave it out for 'auto'")
        object.__setattr__(self, "ssh_ranges", _ranges(self.allow_ssh))


def ssh_group_name(server_name: str) -> str:
    """The name of the security group that opens SSH to one server.

    >>> ssh_group_name("web1"), ssh_group_name("db/1 (eu)")
    ('normalizer-web1', 'normalizer-db-1-eu')
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", server_name).strip("-")[:200]
    return f"normalizer-{safe}"


def ssh_access_step(request: AccessRequest, server_name: str, *, neutron: bool) -> Decision:
    """Decide the SSH security group: its name (None: none is made) and the ranges it opens.

    >>> ssh_access_step(AccessRequest(allow_ssh=True), "web1", neutron=True).reason
    'a security group normalizer-web1 opens TCP 22 from 0.0.0.0/0, ::/0; it is removed with the server'
    """
    if not request.ssh_ranges:
        return Decision("ssh access", None, "none", "allow_ssh not given: the server's security groups decide")
    if not neutron:
        raise UnsupportedOnCloud("allow_ssh needs Neutron security groups, and this cloud has no network API",
                                 hint="leave allow_ssh out and open SSH in the cloud's own way")
    name = ssh_group_name(server_name)
    return Decision("ssh access", name, "allow_ssh", f"a security group {name} opens TCP {SSH_PORT} from "
                    f"{', '.join(request.ssh_ranges)}; it is removed with the server")


def public_access_step(request: AccessRequest, *, floating_ip: Decision, port_forwarding: bool | None) -> Decision:
    """Decide how the server is reached: ``floating_ip``, ``port_forward``, or the address it has (None).

    ``floating_ip`` is the floating-IP step's decision (its value the pool, None when no
    floating IP is needed or possible); ``port_forwarding`` whether Neutron has the
    ``floating-ip-port-forwarding`` extension (None: not asked, since only
    ``public_access='port_forward'`` needs to know before the create).

    >>> fip = Decision("public address", "pool-1", "floating IP", "a new floating IP from the pool")
    >>> public_access_step(AccessRequest(), floating_ip=fip, port_forwarding=None).value
    'floating_ip'
    >>> public_access_step(AccessRequest(public_access="port_forward"), floating_ip=fip, port_forwarding=True).value
    'port_forward'
    """
    subject = "public access"
    if floating_ip.value is None:
        if request.public_access != "auto":
            raise UnsupportedOnCloud(f"public_access={request.public_access!r} needs a floating-IP pool, but "
                                     f"{floating_ip.reason}", hint="leave public_access out")
        return Decision(subject, None, floating_ip.rule, floating_ip.reason)
    if request.public_access == "port_forward":
        if not port_forwarding:
            raise UnsupportedOnCloud("public_access='port_forward' needs Neutron's floating-ip-port-forwarding "
                                     "extension, which this cloud does not have",
                                     hint="leave public_access out for a floating IP per server")
        return Decision(subject, "port_forward", "asked", "public_access='port_forward': TCP 22 is reached through a "
                        "port of one floating IP the project's servers share")
    if request.public_access == "floating_ip":
        return Decision(subject, "floating_ip", "asked", f"public_access='floating_ip': {floating_ip.reason}")
    return Decision(subject, "floating_ip", "floating IP", f"{floating_ip.reason}; once the floating-IP quota is down "
                    "to its last one, through port forwarding where Neutron has it")
