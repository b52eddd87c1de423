"""Orphans: normalizer-marked resources whose server no longer exists (after a crash or ``kill -9``).

Deciding is pure: :func:`find_orphans` takes the raw listings, the raw servers and
"now", and returns what is an orphan and why; ``cloud.list_orphans()`` does the
listing and ``cloud.cleanup_orphans()`` the removal through :func:`remove_orphans`.

What counts (docs/provisioning.md, "Orphans"):

- a **floating IP** whose mark (description ``created by normalizer for server <id>`` or
  tag ``normalizer:server=<id>``) names only servers that no longer exist, and that is
  unattached or still attached to a port of that gone server; a floating IP with the
  bare mark ``created by normalizer`` (no server named) only when unattached. One that
  now serves anything else was taken over and is left alone.
- a **keypair** whose name is exactly what ``temporary_key_name`` makes of its own public
  key, optionally plus one create's ``-<8 hex>`` nonce (which proves normalizer made it),
  and that no server uses.
- the **shared floating IP** of port forwarding (description ``created by normalizer for
  port forwarding``) once Neutron shows it forwards nothing.
- an **SSH security group** (``allow_ssh``) whose description names a create call's token
  that no existing server carries in its ``normalizer:client_token`` metadata.

Nothing else: a look-alike description, a tag of a live server, a keypair whose name
does not hash its key, an unmarked floating IP and nova-network floating IPs (they carry
no mark; only the metadata of their server, now gone, named them) are never orphans.

Adding a kind (security groups, volumes) is one entry in :data:`RULES` and one in the
Cloud's table of removers.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Callable

from munch import Munch

from normalizer.arguments import kind_of
from normalizer.exceptions import ConfigError, NormalizerError
from normalizer.normalize import CREATED_BY_DESCRIPTION, OWNER_TAG_PREFIX
from normalizer.provision.plan import temporary_key_name
from normalizer.provision.port_forwarding import is_shared_floating_ip
from normalizer.provision.public_ip import owner_marks
from normalizer.provision.server_lifecycle import CLIENT_TOKEN_KEY
from normalizer.provision.ssh_group import marked_token

__all__ = ["LiveServers", "RULES", "OrphanRule", "epoch_seconds", "fill_ages", "find_orphans",
           "floating_ip_orphans", "keypair_orphans", "older_than_seconds", "remove_orphans", "security_group_orphans",
           "select_for_cleanup", "shared_floating_ip_orphans",
           "temporary_key_server", "with_created_at"]

# The marks' fixed parts, from the one function that writes them.
_DESCRIPTION_HEAD, _TAG_HEAD = owner_marks("")
# temporary_key_name's shape: "normalizer-<server name, made safe>-<8 hex digits>"; a create
# may add "-<8 hex digits>" of its own so that concurrent creates never share a keypair.
_KEY_HEAD, _KEY_DIGEST = "normalizer-", 8
_NONCE = re.compile(r"-[0-9a-f]{8}$")


@dataclass(frozen=True)
class LiveServers:
    """What the project's existing servers prove alive: their ids, key names and floating addresses.

    >>> live = LiveServers.from_raw([{"id": "s1", "key_name": "k", "addresses": {}}])
    >>> "s1" in live.ids, "k" in live.key_names
    (True, True)
    """

    ids: frozenset
    key_names: frozenset
    floating_addresses: frozenset
    tokens: frozenset = frozenset()

    @classmethod
    def from_raw(cls, servers: Iterable[Mapping[str, Any]]) -> "LiveServers":
        """From raw Nova servers; every listed server counts, whatever its status (the safe side)."""
        servers = [s for s in servers if isinstance(s, Mapping)]
        addresses = set()
        for server in servers:
            for entries in (server.get("addresses") or {}).values():
                addresses.update(e.get("addr") for e in entries if isinstance(e, Mapping) and e.get("addr"))
        return cls(ids=frozenset(str(s.get("id")) for s in servers if s.get("id")),
                   key_names=frozenset(s.get("key_name") for s in servers if s.get("key_name")),
                   floating_addresses=frozenset(addresses),
                   tokens=frozenset(str((s.get("metadata") or {}).get(CLIENT_TOKEN_KEY)) for s in servers
                                    if isinstance(s.get("metadata"), Mapping) and s["metadata"].get(CLIENT_TOKEN_KEY)))


def _orphan(kind: str, raw: Mapping[str, Any], *, ident: Any, name: Any, mark: str,
            server_id: str | None, reason: str) -> Munch:
    return Munch(kind=kind, id=str(ident), name=name, mark=mark, server_id=server_id, age=None,
                 created_at=raw.get("created_at"), reason=reason)


# --- floating IPs -----------------------------------------------------------------------


def _named_servers(fip: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The server ids the floating IP's marks name, and those marks (exact shapes only)."""
    ids, marks = [], []
    description = fip.get("description")
    if isinstance(description, str) and description.startswith(_DESCRIPTION_HEAD):
        rest = description[len(_DESCRIPTION_HEAD):]
        if rest and not any(c.isspace() for c in rest):
            ids.append(rest)
            marks.append(description)
    for tag in fip.get("tags") or ():
        rest = tag[len(_TAG_HEAD):] if isinstance(tag, str) and tag.startswith(_TAG_HEAD) else ""
        if rest and not any(c.isspace() for c in rest):
            ids.append(rest)
            marks.append(tag)
    return list(dict.fromkeys(ids)), marks  # description and tag usually name the same server


def _bare_mark(fip: Mapping[str, Any]) -> bool:
    """The mark that names no server: exactly ``created by normalizer`` and no normalizer tag."""
    tags = [t for t in fip.get("tags") or () if isinstance(t, str) and t.startswith(OWNER_TAG_PREFIX)]
    return fip.get("description") == CREATED_BY_DESCRIPTION and not tags


def floating_ip_orphans(fips: Sequence[Mapping[str, Any]], live: LiveServers,
                        project_id: str | None = None) -> list[Munch]:
    """The raw Neutron floating IPs that are orphans (see the module's rules).

    >>> gone = {"id": "f1", "floating_ip_address": "203.0.113.7", "port_id": None,
    ...         "description": "created by normalizer for server s9"}
    >>> [(o.id, o.server_id) for o in floating_ip_orphans([gone], LiveServers.from_raw([]))]
    [('f1', 's9')]
    """
    found = []
    for fip in fips:
        owner_project = fip.get("project_id") or fip.get("tenant_id")
        if project_id and owner_project and owner_project != project_id:
            continue  # an admin token lists every project's floating IPs, but only our servers
        named, marks = _named_servers(fip)
        if not named and not _bare_mark(fip):
            continue
        if any(i in live.ids for i in named) or fip.get("floating_ip_address") in live.floating_addresses:
            continue
        what = f"marked for server {', '.join(named)}, which no longer exists" if named \
            else "marked as created by normalizer, for no named server"
        if fip.get("port_id"):
            device = (fip.get("port_details") or {}).get("device_id")
            if not device or device not in named:
                continue  # it serves something else now, or we cannot tell what: not provably ours
            what += "; still attached to that server's port"
        else:
            what += "; not attached"
        found.append(_orphan("floating_ip", fip, ident=fip.get("id"), name=fip.get("floating_ip_address"),
                             mark=" | ".join(marks) or CREATED_BY_DESCRIPTION,
                             server_id=named[0] if named else None, reason=what))
    return found


# --- keypairs ---------------------------------------------------------------------------


def temporary_key_server(name: Any, public_key: Any) -> str | None:
    """The (made-safe) server name inside a temporary keypair's name, or None when normalizer did not make it.

    Proof: the name is exactly ``temporary_key_name(<that server name>, public_key)``,
    optionally followed by ``-`` and the 8 hex digits of one call's nonce, so the 8 hex
    digits before that hash the keypair's own public key.

    >>> key = "ssh-ed25519 AAAA me"
    >>> temporary_key_server(temporary_key_name("web", key), key), temporary_key_server("normalizer-web-12345678", key)
    ('web', None)
    >>> temporary_key_server(temporary_key_name("web", key) + "-0badcafe", key)
    'web'
    """
    if not isinstance(name, str) or not isinstance(public_key, str) or not public_key.strip():
        return None
    bases = [name] + ([name[:-(_KEY_DIGEST + 1)]] if _NONCE.search(name) else [])
    for base in bases:
        if not base.startswith(_KEY_HEAD) or len(base) <= len(_KEY_HEAD) + _KEY_DIGEST + 1:
            continue
        embedded = base[len(_KEY_HEAD):-(_KEY_DIGEST + 1)]
        # temporary_key_name drops one leading "normalizer-" from a server name: try it back.
        for server_name in (embedded, _KEY_HEAD + embedded):
            if temporary_key_name(server_name, public_key) == base:
                return embedded
    return None


def keypair_orphans(keypairs: Sequence[Mapping[str, Any]], live: LiveServers,
                    project_id: str | None = None) -> list[Munch]:
    """The raw keypairs that are temporary keypairs of normalizer no existing server uses.

    >>> key = "ssh-ed25519 AAAA me"
    >>> kp = {"name": temporary_key_name("web", key), "public_key": key}
    >>> [o.reason for o in keypair_orphans([kp], LiveServers.from_raw([]))]
    ["temporary keypair for a server named 'web'; no server uses it"]
    """
    found = []
    for keypair in keypairs:
        name = keypair.get("name")
        server_name = temporary_key_server(name, keypair.get("public_key"))
        if server_name is None or name in live.key_names:
            continue
        found.append(_orphan("keypair", keypair, ident=name, name=name, mark=name, server_id=None,
                             reason=f"temporary keypair for a server named {server_name!r}; no server uses it"))
    return found


def shared_floating_ip_orphans(fips: Sequence[Mapping[str, Any]], live: LiveServers,
                               project_id: str | None = None) -> list[Munch]:
    """The shared floating IPs of port forwarding that forward nothing any more.

    Only when Neutron lists the floating IP's ``port_forwardings`` (and it is empty):
    without that field nothing proves the address unused.

    >>> shared = {"id": "f1", "floating_ip_address": "203.0.113.9", "port_id": None, "port_forwardings": [],
    ...           "description": "created by normalizer for port forwarding"}
    >>> [o.id for o in shared_floating_ip_orphans([shared], LiveServers.from_raw([]))]
    ['f1']
    """
    return [_orphan("floating_ip", fip, ident=fip.get("id"), name=fip.get("floating_ip_address"),
                    mark=str(fip.get("description")), server_id=None,
                    reason="shared floating IP of port forwarding; it forwards nothing")
            for fip in fips if is_shared_floating_ip(fip) and fip.get("port_forwardings") == []
            and not (project_id and fip.get("project_id") and fip.get("project_id") != project_id)]


def security_group_orphans(groups: Sequence[Mapping[str, Any]], live: LiveServers,
                           project_id: str | None = None) -> list[Munch]:
    """The SSH security groups whose create call's server no longer exists.

    >>> group = {"id": "g1", "name": "normalizer-web1", "description": "created by normalizer for server request 0f3c"}
    >>> [o.reason for o in security_group_orphans([group], LiveServers.from_raw([]))]
    ['SSH security group of a create call whose server no longer exists']
    """
    found = []
    for group in groups:
        token = marked_token(group)
        if token is None or token in live.tokens:
            continue
        if project_id and group.get("project_id") and group.get("project_id") != project_id:
            continue
        found.append(_orphan("security_group", group, ident=group.get("id"), name=group.get("name"),
                             mark=str(group.get("description")), server_id=None,
                             reason="SSH security group of a create call whose server no longer exists"))
    return found


# --- the table of kinds ---------------------------------------------------------------------


@dataclass(frozen=True)
class OrphanRule:
    """One kind of resource normalizer marks: its name and the pure rule finding its orphans."""

    kind: str
    find: Callable[[Sequence[Mapping[str, Any]], LiveServers, str | None], list[Munch]]


#: Every kind :func:`find_orphans` knows, in the order results are listed.
RULES = (OrphanRule("floating_ip", floating_ip_orphans), OrphanRule("floating_ip", shared_floating_ip_orphans),
         OrphanRule("keypair", keypair_orphans), OrphanRule("security_group", security_group_orphans))


def epoch_seconds(moment: Any) -> float:
    """Seconds since the epoch from a number or a datetime (naive means UTC).

    >>> epoch_seconds(datetime.datetime(2024, 1, 1, 0, 1))
    1704067260.0
    """
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment.timestamp()
    if isinstance(moment, (int, float)) and not isinstance(moment, bool):
        return float(moment)
    raise ConfigError(f"now must be a datetime or seconds since the epoch, not {kind_of(moment)}",
                      hint="pass now=datetime.datetime.now(datetime.timezone.utc), or leave it out")


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return epoch_seconds(datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def with_created_at(orphan: Mapping[str, Any], created_at: Any, now: float) -> Munch:
    """The orphan with its creation time (when it had none) and its age in seconds at ``now``.

    >>> with_created_at({"created_at": None}, "2024-01-01T00:00:00Z", 1704067260.0).age
    60.0
    """
    result = Munch(orphan)
    if created_at is not None and not result.get("created_at"):
        result.created_at = created_at
    stamp = _timestamp(result.get("created_at"))
    result.age = None if stamp is None else max(0.0, now - stamp)
    return result


def fill_ages(orphans: Sequence[Mapping[str, Any]], details: Mapping[str, Callable[[str], Any]],
              now: float) -> list[Munch]:
    """Ask the cloud for the creation time of orphans whose listing lacked it (a keypair's).

    ``details`` maps a kind to a function reading one resource by id; a failed read
    leaves the age unknown (so ``older_than`` skips it) rather than failing the cleanup.

    >>> fill_ages([{"kind": "keypair", "id": "k", "age": None, "created_at": None}],
    ...           {"keypair": lambda i: {"created_at": "2024-01-01T00:00:00Z"}}, 1704067260.0)[0].age
    60.0
    """
    result = []
    for orphan in orphans:
        read = details.get(orphan.get("kind"))
        if orphan.get("age") is not None or read is None:
            result.append(Munch(orphan))
            continue
        try:
            detail = read(orphan.get("id")) or {}
        except NormalizerError:
            detail = {}
        result.append(with_created_at(orphan, detail.get("created_at"), now))
    return result


def find_orphans(listings: Mapping[str, Sequence[Mapping[str, Any]] | None], servers: Iterable[Mapping[str, Any]],
                 *, now: float, project_id: str | None = None) -> list[Munch]:
    """Every orphan in ``listings`` (kind -> raw resources; None: not listable here), given the servers.

    ``servers`` must be listed after the resources: a resource made for a server that
    exists was then made before the listing, so its server is in it.

    >>> fip = {"id": "f1", "port_id": None, "description": "created by normalizer for server s9",
    ...        "created_at": "2024-01-01T00:00:00Z"}
    >>> [(o.kind, o.age) for o in find_orphans({"floating_ip": [fip]}, [], now=1704067260.0)]
    [('floating_ip', 60.0)]
    """
    live = LiveServers.from_raw(servers)
    found = []
    for rule in RULES:
        raws = [r for r in listings.get(rule.kind) or () if isinstance(r, Mapping)]
        found += sorted((with_created_at(o, None, now) for o in rule.find(raws, live, project_id)),
                        key=lambda o: (str(o.name), o.id))
    return found


def older_than_seconds(value: Any) -> float | None:
    """``older_than`` as seconds: a number, a ``datetime.timedelta`` or None (no limit).

    >>> older_than_seconds(datetime.timedelta(hours=1)), older_than_seconds(90), older_than_seconds(None)
    (3600.0, 90.0, None)
    """
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"older_than must be seconds (a number >= 0) or a timedelta, not {value!r}",
                          hint="for example older_than=3600 to leave alone what is younger than an hour")
    return float(value)


def select_for_cleanup(orphans: Sequence[Mapping[str, Any]], older_than: float | None) -> tuple[list, list]:
    """Split orphans into (to remove, skipped); skipped ones say why in ``skipped_because``.

    With a limit, an orphan of unknown age is skipped: it may be a create in progress.

    >>> keep, skip = select_for_cleanup([{"id": "a", "age": 10.0}, {"id": "b", "age": 900.0}], 600)
    >>> [o["id"] for o in keep], [o.skipped_because for o in skip]
    (['b'], ['10 s old, younger than older_than=600 s'])
    """
    chosen, skipped = [], []
    for orphan in orphans:
        age = orphan.get("age")
        if older_than is None or (age is not None and age >= older_than):
            chosen.append(Munch(orphan))
        elif age is None:
            skipped.append(Munch(orphan, skipped_because="the cloud gives no creation time to compare with "
                                                          f"older_than={older_than:g} s"))
        else:
            skipped.append(Munch(orphan, skipped_because=f"{age:.0f} s old, younger than older_than={older_than:g} s"))
    return chosen, skipped


def remove_orphans(orphans: Sequence[Mapping[str, Any]],
                   removers: Mapping[str, Callable[[str], Any]]) -> tuple[list, list]:
    """Remove each orphan with its kind's remover; returns (removed, not removed).

    A remover returning False means the resource was already gone (``outcome``); one that
    raises leaves the orphan in the second list with ``error``, and the rest are still
    removed.

    >>> done, failed = remove_orphans([{"kind": "keypair", "id": "k"}], {"keypair": lambda i: True})
    >>> [o.outcome for o in done], failed
    (['removed'], [])
    """
    removed, not_removed = [], []
    for orphan in orphans:
        try:
            gone_before = removers[orphan["kind"]](orphan["id"]) is False
        except NormalizerError as error:
            not_removed.append(Munch(orphan, error=str(error)))
            continue
        removed.append(Munch(orphan, outcome="already gone" if gone_before else "removed"))
    return removed, not_removed
