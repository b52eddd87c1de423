"""Provisioning: plan (pure) first, then apply.

Only the plan exists so far: ``plan_server`` decides everything ``create_server`` will
need, with no side effects.
"""

from normalizer.provision.plan import ServerPlan, ServerRequest, plan_server, temporary_key_name

__all__ = ["ServerPlan", "ServerRequest", "plan_server", "temporary_key_name"]
