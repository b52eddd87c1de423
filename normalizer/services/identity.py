"""Raw Keystone v3 calls about projects.

Paths are relative to ``transport.base_url("identity")`` (``.../v3``). Only reads: the
library never changes identity data, so the ``projects`` kind is refreshed by expiry.
"""

from __future__ import annotations

from typing import Any, Mapping

from normalizer.exceptions import AuthError, NotFound
from normalizer.services.base import ServiceBase, segment
from normalizer.services.pagination import paginate

__all__ = ["IdentityService"]


class IdentityService(ServiceBase):
    """Keystone, raw.

    Usage: ``IdentityService(transport, cache).get_project(transport.project["id"])``
    """

    service = "identity"

    def get_project(self, project_id: str) -> dict | None:
        """One project by id; None when it does not exist *or* we may not read it.

        Keystone's default policy lets only admins (or, on newer clouds, readers of that
        project's domain) show a project, so a 403 is an ordinary answer for a user.

        Usage: ``identity.get_project(pid)``
        """
        return self._get("projects", "get_project", f"/projects/{segment(project_id)}", "project",
                         args={"id": project_id}, missing=(NotFound, AuthError))

    def list_projects(self, *, filters: Mapping[str, Any] | None = None) -> list[dict]:
        """The projects the current user has a role on (``GET /auth/projects``).

        That call takes no query filters, so ``filters`` is matched here: a project is
        kept when each named field equals the given value.

        Usage: ``identity.list_projects(filters={"domain_id": "default"})``
        """
        projects = self._read("projects", "list_projects", {},
                              lambda: paginate(self.transport, self.service, "/auth/projects",
                                               key="projects"))
        wanted = dict(filters or {})
        return [p for p in projects
                if isinstance(p, dict) and all(p.get(k) == v for k, v in wanted.items())]
