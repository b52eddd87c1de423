"""The security group that opens SSH to one server (``allow_ssh``): made before the boot, removed after it.

The group ``normalizer-<server>`` carries the description ``created by normalizer for
server request <token>``, where the token is the create call's own (the server's
``normalizer:client_token`` metadata item), so it is found again after a lost answer,
by ``delete_server`` and by ``list_orphans`` once its server is gone. A group still in
use by the server's ports (Neutron answers 409 while Nova deletes them) is retried
until they are gone.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from normalizer.exceptions import Conflict, NotFound
from normalizer.normalize import CREATED_BY_DESCRIPTION
from normalizer.provision.access import SSH_PORT
from normalizer.provision.ledger import Ledger
from normalizer.provision.recovery import answered_with, guarded_write

__all__ = ["SSH_GROUP_MARK", "SshGroups", "group_allows_ssh", "group_mark", "marked_token", "rule_bodies"]

#: What the description of an SSH group starts with; the create call's token follows.
SSH_GROUP_MARK = f"{CREATED_BY_DESCRIPTION} for server request "


def group_mark(token: str) -> str:
    """The description of the SSH group made by the create call with this token.

    >>> group_mark("0f3c")
    'created by normalizer for server request 0f3c'
    """
    return f"{SSH_GROUP_MARK}{token}"


def marked_token(group: Mapping[str, Any]) -> str | None:
    """The create call's token a group's description names, or None when normalizer did not make it.

    >>> marked_token({"description": group_mark("0f3c")}), marked_token({"description": "web"})
    ('0f3c', None)
    """
    description = group.get("description")
    if isinstance(description, str) and description.startswith(SSH_GROUP_MARK):
        token = description[len(SSH_GROUP_MARK):]
        return token if token and not any(c.isspace() for c in token) else None
    return None


def rule_bodies(group_id: str, ranges: Sequence[str]) -> list[dict[str, Any]]:
    """One ingress rule per range: TCP 22, IPv4 or IPv6 as the range is.

    >>> [(r["ethertype"], r["remote_ip_prefix"]) for r in rule_bodies("g1", ["0.0.0.0/0", "::/0"])]
    [('IPv4', '0.0.0.0/0'), ('IPv6', '::/0')]
    """
    return [{"security_group_id": group_id, "direction": "ingress", "protocol": "tcp",
             "ethertype": f"IPv{ipaddress.ip_network(cidr).version}", "port_range_min": SSH_PORT,
             "port_range_max": SSH_PORT, "remote_ip_prefix": cidr} for cidr in ranges]


def group_allows_ssh(group: Mapping[str, Any]) -> bool:
    """True when one of the group's ingress rules lets TCP 22 in from some address range.

    A rule whose source is a group (``remote_group_id``, as the default group's own rules)
    admits only members of that group, not a client on the internet.

    >>> group_allows_ssh({"security_group_rules": [{"direction": "ingress", "remote_group_id": "g1"}]})
    False
    >>> group_allows_ssh({"security_group_rules": [{"direction": "ingress", "protocol": "tcp", "port_range_min": 22,
    ...                                             "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"}]})
    True
    """
    for rule in group.get("security_group_rules") or ():
        if not isinstance(rule, Mapping) or rule.get("direction") != "ingress" or rule.get("remote_group_id"):
            continue
        if rule.get("protocol") not in (None, "tcp", "6", 6, "any"):
            continue
        low, high = rule.get("port_range_min"), rule.get("port_range_max")
        if (low is None or low <= SSH_PORT) and (high is None or high >= SSH_PORT):
            return True
    return False


class SshGroups:
    """Create the SSH group of one create call, and remove such groups once their server is gone.

    >>> SshGroups(network, waiter).create("normalizer-web1", ("0.0.0.0/0",), token, ledger)  # doctest: +SKIP
    """

    def __init__(self, network: Any, waiter: Any, *, cleanup_timeout: float = 120) -> None:
        self.network = network
        self.waiter = waiter
        self.cleanup_timeout = cleanup_timeout

    def create(self, name: str, ranges: Sequence[str], token: str, ledger: Ledger) -> str:
        """Create the group and its rules; returns its id (recorded in the ledger)."""
        body = {"name": name, "description": group_mark(token)}

        def search() -> list:
            return [(g.get("id"), lambda i=g.get("id"): self.remove(i)) for g in self.find(name, token)]
        what = f"creating security group {name}"
        group = guarded_write(lambda: answered_with(self.network.create_security_group(body), "id", what=what),
                              search=search, kind="security group", ledger=ledger, what=what)
        group_id = str(group["id"])
        ledger.add("security group", group_id, lambda: self.remove(group_id))
        for rule in rule_bodies(group_id, ranges):
            # A rule lives and dies with its group: a lost answer needs no search of its own.
            self.network.create_security_group_rule(rule)
        return group_id

    def find(self, name: str, token: str) -> list[Mapping[str, Any]]:
        """The groups of this name made by the create call with this token (read fresh)."""
        groups = self.network.list_security_groups(filters={"name": name}, fresh=True)
        return [g for g in groups if marked_token(g) == token]

    def remove(self, group_id: str) -> bool:
        """Delete the group, waiting while the server's ports still use it; False when it was gone already."""
        def attempt() -> bool | None:
            try:
                return bool(self.network.delete_security_group(group_id))
            except Conflict:
                return None  # in use until Nova has deleted the server's ports
        try:
            return bool(self.waiter.until(attempt, timeout=self.cleanup_timeout,
                                          what=f"security group {group_id} to be free"))
        except NotFound:
            return False
