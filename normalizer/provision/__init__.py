"""Provisioning: plan (pure) first, then apply.

``plan_server`` decides everything ``create_server`` will need, with no side effects;
:class:`Provisioner` applies a plan step by step and removes what it created when a
step fails. ``find_orphans`` decides (pure) what a crashed create left behind.
"""

from normalizer.provision.plan import ServerPlan, ServerRequest, plan_server, temporary_key_name
from normalizer.provision.orphans import find_orphans
from normalizer.provision.server_lifecycle import CreateOptions, DeleteResult, Provisioner, ServerSurroundings
from normalizer.provision.waiting import Backoff, Waiter, port_answers, ssh_banner_answers

__all__ = ["Backoff", "CreateOptions", "DeleteResult", "Provisioner", "ServerSurroundings", "ServerPlan", "ServerRequest", "Waiter", "find_orphans",
           "plan_server", "port_answers", "ssh_banner_answers", "temporary_key_name"]
