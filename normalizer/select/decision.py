"""The shape of every answer normalizer decides: the value, the rule, and why.

Each pure decision in :mod:`normalizer.select` returns a :class:`Decision`: the value it
chose, the rule that decided (``"profile network rule"``, ``"router:external"``, ...), a
sentence a person can read, and the alternatives it considered with the verdict on each.
``cloud.explain(...)``, the CLI and Ansible modules all show these same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping
from typing import Any

from munch import Munch

__all__ = ["Decision", "Considered", "Explanation", "decision_text"]


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
        return Explanation(subject=self.subject, value=self.value, rule=self.rule, reason=self.reason,
                           ambiguous=self.ambiguous,
                           considered=[Munch(candidate=c.candidate, verdict=c.verdict) for c in self.considered])

    def __str__(self) -> str:
        return decision_text(self.subject, self.value, self.rule, self.reason, self.considered, self.ambiguous)


def _value_text(value: Any, ambiguous: bool) -> str:
    if ambiguous:
        return "undecided (ambiguous)"
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={item!r}" for key, item in value.items())
    return repr(value)


def decision_text(subject: str, value: Any, rule: str, reason: str, considered: Iterable[Any] = (),
                  ambiguous: bool = False) -> str:
    """A decision as a person reads it: subject and value, rule, reason, then the alternatives.

    ``considered`` holds :class:`Considered` or mappings with ``candidate`` and ``verdict``.

    >>> print(decision_text("login user of image 'debian-12'", "debian", "distro table", "os_distro is 'debian'",
    ...                     [Considered("override", "none set")]))
    login user of image 'debian-12': 'debian'
      rule:   distro table
      reason: os_distro is 'debian'
      considered:
      - override: none set
    """
    lines = [f"{subject}: {_value_text(value, ambiguous)}", f"  rule:   {rule}", f"  reason: {reason}"]
    items = [(c.get("candidate"), c.get("verdict")) if isinstance(c, Mapping) else (c.candidate, c.verdict)
             for c in considered]
    if items:
        lines += ["  considered:"] + [f"  - {candidate}: {verdict}" for candidate, verdict in items]
    return "\n".join(lines)


class Explanation(Munch):
    """What ``cloud.explain`` returns: the decision's fields as a Munch that prints readably.

    The fields are ``subject``, ``value``, ``rule``, ``reason``, ``ambiguous`` and
    ``considered`` (a list of ``{candidate, verdict}``); ``print()`` and IPython show the
    text of docs/decisions.md, ``repr()`` one line.

    >>> e = Decision("external network", "ext", "router gateway", "a router of this project reaches it").to_munch()
    >>> e
    <explanation external network: 'ext' (rule: router gateway)>
    >>> print(e)
    external network: 'ext'
      rule:   router gateway
      reason: a router of this project reaches it
    """

    def __repr__(self) -> str:
        line = f"explanation {self.get('subject')}: {_value_text(self.get('value'), bool(self.get('ambiguous')))} " \
               f"(rule: {self.get('rule')})"
        return f"<{line[:116]}…>" if len(line) > 118 else f"<{line}>"

    def __str__(self) -> str:
        return decision_text(self.get("subject"), self.get("value"), self.get("rule"), self.get("reason"),
                             self.get("considered") or (), bool(self.get("ambiguous")))

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython shows the readable text.

        >>> class P: text = print
        >>> Decision("x", 1, "r", "why").to_munch()._repr_pretty_(P(), False)
        x: 1
          rule:   r
          reason: why
        """
        p.text(str(self))
