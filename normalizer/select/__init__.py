"""Pure decisions: network roles, addresses, login users, flavor and image choice.

Nothing here does I/O or reads a clock: every function takes raw API data (or a facts
snapshot) plus the effective profile and returns a :class:`Decision` that says why.
"""

from normalizer.select.decision import Considered, Decision

__all__ = ["Considered", "Decision"]
