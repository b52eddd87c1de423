"""Internal: pure decisions (network roles, addresses, login users, flavor and image choice).

No stability promise: use :func:`normalizer.connect` and :class:`normalizer.Cloud`
(``Cloud.explain`` shows these decisions); this package re-exports nothing.

Nothing here does I/O or reads a clock: every function takes raw API data (or a facts
snapshot) plus the effective profile and returns a
:class:`~normalizer.select.decision.Decision` that says why.
"""

__all__: list[str] = []
