"""Provisioning: plan (pure) first, then apply.

``plan_server`` decides everything ``create_server`` will need, with no side effects;
:class:`Provisioner` applies a plan step by step and removes what it created when a
step fails.
"""

from normalizer.provision.plan import ServerPlan, ServerRequest, plan_server, temporary_key_name
from normalizer.provision.server_lifecycle import CreateOptions, Provisioner
from normalizer.provision.waiting import Backoff, Waiter, port_answers

__all__ = ["Backoff", "CreateOptions", "Provisioner", "ServerPlan", "ServerRequest", "Waiter", "plan_server",
           "port_answers", "temporary_key_name"]
