"""Internal: provisioning, plan (pure) first, then apply. No stability promise.

Use :meth:`normalizer.Cloud.create_server`, ``plan_server`` and ``delete_server``; this
package may change in any release and re-exports nothing. ``Cloud.delete_server``'s
answer can be named in annotations from its module:
:class:`normalizer.provision.server_lifecycle.DeleteResult` (a Munch, like every other
value ``Cloud`` returns).

:func:`~normalizer.provision.plan.plan_server` decides everything ``create_server`` will
need, with no side effects; :class:`~normalizer.provision.server_lifecycle.Provisioner`
applies a plan step by step and removes what it created when a step fails;
:func:`~normalizer.provision.orphans.find_orphans` decides (pure) what a crashed create
left behind.
"""

__all__: list[str] = []
