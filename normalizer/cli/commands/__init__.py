"""The command groups of ``openstack-normalizer``; each module adds its commands to the parser.

Every handler takes a :class:`~normalizer.cli.runtime.Runtime` and returns what to print
(a :class:`~normalizer.cli.output.Listing` or :class:`~normalizer.cli.output.Record`) or None.

>>> [module.__name__.rsplit(".", 1)[1] for module in MODULES]
['clouds', 'servers', 'resources', 'reports', 'profiles']
"""

from normalizer.cli.commands import clouds, profiles, reports, resources, servers

__all__ = ["MODULES"]

#: In the order their commands appear in ``--help`` and docs/cli.md.
MODULES = (clouds, servers, resources, reports, profiles)
