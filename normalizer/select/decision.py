"""The shape of every answer normalizer decides: the value, the rule, and why.

Each pure decision in :mod:`normalizer.select` returns a :class:`Decision`: the value it
chose, the rule that decided (``"profile network rule"``, ``"router:external"``, ...), a
sentence a person can read, and the alternatives it considered with the verdict on each.
``cloud.explain(...)``, the CLI and Ansible modules all show these same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from munch import Munch

__all__ = ["Decision", "Considered"]


@dataclass(frozen=True)
class Considered:
    """One alternative a decision looked at, and what it thought of it."""

    candidate: str
    verdict: str


@dataclass(frozen=True)
class Decision:
    """A decided value with the rule that decided it and the alternatives considered.

    >>> d = Decision("login user of image 'debian-12'", "debian", "distro table",
    ...              "os_distro is 'debian'; the distro table maps debian to 'debian'")
    >>> d.value, d.rule
    ('debian', 'distro table')
    """

    subject: str
    value: Any
    rule: str
    reason: str
    considered: tuple[Considered, ...] = field(default=())
    #: several candidates remained and nothing told them apart: ``value`` is None and
    #: ``considered`` lists them; callers that need a value raise AmbiguousMatch
    ambiguous: bool = False

    @classmethod
    def undecided(cls, subject: str, reason: str, considered: tuple[Considered, ...]) -> "Decision":
        """The decision that several candidates remain (rule ``"ambiguous"``, no value).

        >>> d = Decision.undecided("external network", "2 candidates remain: a, b", ())
        >>> d.ambiguous, d.value, d.rule
        (True, None, 'ambiguous')
        """
        return cls(subject, None, "ambiguous", reason, considered, ambiguous=True)

    def to_munch(self) -> Munch:
        """The decision as plain JSON-friendly data (what ``cloud.explain`` returns).

        >>> Decision("x", 1, "r", "why").to_munch().reason
        'why'
        """
        return Munch(subject=self.subject, value=self.value, rule=self.rule, reason=self.reason,
                     ambiguous=self.ambiguous, considered=[Munch(candidate=c.candidate, verdict=c.verdict) for c in self.considered])

    def __str__(self) -> str:
        lines = [f"{self.subject}: {self.value!r}", f"  rule: {self.rule}", f"  why:  {self.reason}"]
        lines += [f"  - {c.candidate}: {c.verdict}" for c in self.considered]
        return "\n".join(lines)
