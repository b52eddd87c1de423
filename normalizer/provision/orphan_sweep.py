"""Find and remove orphans on one cloud: the listings :func:`~normalizer.provision.orphans.find_orphans` decides from.

The deciding is pure (:mod:`normalizer.provision.orphans`); this is the I/O around it:
the listings, fresh (a cached one could miss what was made a moment ago), servers
last, and the removers of each kind.
"""

from __future__ import annotations

from typing import Any, Callable

from munch import Munch

from normalizer.normalize.records import RecordList
from normalizer.provision.orphans import fill_ages, find_orphans, remove_orphans, select_for_cleanup

__all__ = ["OrphanSweep"]


class OrphanSweep:
    """The orphans of one cloud region, and their removal.

    >>> OrphanSweep(compute, network, facts, cache, project_id=lambda: "p1").find(now=1.7e9)  # doctest: +SKIP
    []
    """

    def __init__(self, compute: Any, network: Any, facts: Any, cache: Any, *,
                 project_id: Callable[[], str | None]) -> None:
        self.compute, self.network, self.facts, self.cache = compute, network, facts, cache
        self.project_id = project_id

    def find(self, *, now: float) -> list:
        """Every orphan, listed fresh; three to four listings however many resources."""
        self.cache.invalidate("keypairs")  # a cached listing could miss a keypair made since
        listings = {"floating_ip": self.facts.floating_ips(fresh=True),
                    "keypair": self.compute.list_keypairs(),
                    "security_group": self.facts.neutron_call(
                        lambda: self.network.list_security_groups(fresh=True))}
        # Servers last: a resource listed above was made for a server that existed before
        # it, so a live owner is in this listing.
        servers = self.compute.list_servers(fresh=True)
        return RecordList("orphan", find_orphans(listings, servers, now=now, project_id=self.project_id()))

    def cleanup(self, *, dry_run: bool, older_than: float | None, now: float) -> Munch:
        """Remove the orphans at least ``older_than`` seconds old (None: all); ``dry_run`` only reports."""
        orphans = self.find(now=now)
        if older_than is not None:
            orphans = fill_ages(orphans, {"keypair": self.compute.get_keypair}, now)
        chosen, skipped = select_for_cleanup(orphans, older_than)
        if dry_run:
            return Munch(dry_run=True, removed=[Munch(o, outcome="would remove") for o in chosen],
                         not_removed=[], skipped=skipped)
        removed, not_removed = remove_orphans(chosen, {"floating_ip": self.network.delete_floating_ip,
                                                       "keypair": self.compute.delete_keypair,
                                                       "security_group": self.network.delete_security_group})
        return Munch(dry_run=False, removed=removed, not_removed=not_removed, skipped=skipped)
