"""Keystone (identity v3) for FakeCloud: version documents, tokens and the project.

Token bodies follow the keystone api-ref samples (user, project, roles, expiry, and a
catalog with one endpoint per interface), so keystoneauth1 reads them as from a real cloud.
"""

from __future__ import annotations

import datetime
from typing import Any

__all__ = ["KeystoneAPI", "keystone_error"]

_UNAUTHORIZED = "The request you have made requires authentication."
_VERSION = {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
            "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token_body(*, ids: Any, method: str, audit_id: str, issued: datetime.datetime,
               expires: datetime.datetime) -> dict:
    """An unscoped Keystone v3 token body in the api-ref shape (``POST /v3/auth/tokens``).

    >>> from types import SimpleNamespace as NS
    >>> now = datetime.datetime(2024, 1, 1)
    >>> ids = NS(user_id="u", username="demo", domain_id="d", domain_name="Default")
    >>> token_body(ids=ids, method="password", audit_id="a", issued=now, expires=now)["token"]["methods"]
    ['password']
    """
    domain = {"id": ids.domain_id, "name": ids.domain_name}
    return {"token": {
        "methods": [method], "audit_ids": [audit_id], "issued_at": _stamp(issued), "expires_at": _stamp(expires),
        "user": {"id": ids.user_id, "name": ids.username, "domain": domain, "password_expires_at": None}}}


def keystone_error(status: int, title: str, message: str) -> tuple[int, Any, dict]:
    """Keystone's (and keystonemiddleware's) error reply.

    >>> keystone_error(401, "Unauthorized", "no")[1]["error"]["code"]
    401
    """
    return status, {"error": {"code": status, "title": title, "message": message}}, {}


class KeystoneAPI:
    """REST handlers for ``<base>/identity`` plus the token store every service checks.

    ``ids`` carries the fake user and project, ``catalog()`` the current services
    as ``(type, name, url)`` and ``root_url()`` the identity endpoint.
    """

    #: (method, path) that need no token
    PUBLIC = {("GET", ""), ("GET", "/v3"), ("POST", "/v3/auth/tokens")}

    def __init__(self, seq: Any, ids: Any, catalog: Any, root_url: Any, region_name: str, interfaces: list) -> None:
        self.seq, self.ids, self.catalog, self.root_url = seq, ids, catalog, root_url
        self.region_name, self.interfaces = region_name, interfaces
        self.tokens: dict[str, dict] = {}

    def valid(self, token: str | None) -> bool:
        """Whether ``token`` was issued here and not revoked."""
        return bool(token) and token in self.tokens

    def handle(self, call: Any) -> tuple[int, Any, dict] | None:
        """Answer ``call`` (path relative to ``/identity``), None if unknown."""
        path, method = call.path.rstrip("/"), call.method
        version = dict(_VERSION, links=[{"rel": "self", "href": f"{self.root_url()}/v3/"}])
        if path == "" and method == "GET":
            return 300, {"versions": {"values": [version]}}, {}
        if path == "/v3" and method == "GET":
            return 200, {"version": version}, {}
        if path == "/v3/auth/tokens":
            return self._tokens(call)
        if path == "/v3/auth/projects" and method == "GET":
            return 200, {"projects": [self._project()], "links": self._links(path)}, {}
        if path == f"/v3/users/{self.ids.user_id}/projects" and method == "GET":
            return 200, {"projects": [self._project()], "links": self._links(path)}, {}
        if path.startswith("/v3/projects/") and path.count("/") == 3 and method == "GET":
            if path.rsplit("/", 1)[1] != self.ids.project_id:
                return keystone_error(403, "Forbidden", "You are not authorized to perform the requested action: "
                                                        "identity:get_project.")
            return 200, {"project": self._project()}, {}
        return None

    def _links(self, path: str) -> dict:
        return {"self": f"{self.root_url()}{path}", "previous": None, "next": None}

    def _project(self) -> dict:
        ids = self.ids
        return {"id": ids.project_id, "name": ids.project_name, "domain_id": ids.domain_id, "description": "",
                "enabled": True, "is_domain": False, "parent_id": ids.domain_id, "tags": [], "options": {},
                "links": {"self": f"{self.root_url()}/v3/projects/{ids.project_id}"}}

    def _tokens(self, call: Any) -> tuple[int, Any, dict] | None:
        if call.method == "POST":
            return self._authenticate(call.json)
        if not self.valid(call.headers.get("x-auth-token")):
            return keystone_error(401, "Unauthorized", _UNAUTHORIZED)
        subject = call.headers.get("x-subject-token", "")
        if subject not in self.tokens:
            return keystone_error(404, "Not Found", f"Could not find token: {subject}.")
        if call.method == "GET":
            return 200, self.tokens[subject], {"X-Subject-Token": subject}
        if call.method == "DELETE":
            del self.tokens[subject]
            return 204, None, {}
        return None

    def _authenticate(self, body: Any) -> tuple[int, Any, dict]:
        auth = body.get("auth") if isinstance(body, dict) else None
        identity = (auth or {}).get("identity") or {}
        methods = identity.get("methods") or []
        if not isinstance(auth, dict) or not methods:
            return keystone_error(400, "Bad Request", "Expecting to find identity in auth.")
        method = methods[0]
        ok = {"password": self._password_ok, "token": self._token_ok,
              "application_credential": self._app_credential_ok}.get(method, lambda _: False)(identity.get(method))
        if ok is None:
            return keystone_error(400, "Bad Request", "Expecting to find domain in user.")
        if not ok:
            return keystone_error(401, "Unauthorized", _UNAUTHORIZED)
        scope = auth.get("scope")
        scoped = method == "application_credential"
        if scope and not scoped:
            project = scope.get("project") if isinstance(scope, dict) else None
            if not isinstance(project, dict) or not self._project_ok(project):
                return keystone_error(401, "Unauthorized", _UNAUTHORIZED)
            scoped = True
        token_id, token = self._issue(method, scoped)
        return 201, token, {"X-Subject-Token": token_id}

    def _domain_ok(self, domain: Any) -> bool | None:
        if not isinstance(domain, dict) or not domain:
            return None
        return domain.get("id", self.ids.domain_id) == self.ids.domain_id and \
            domain.get("name", self.ids.domain_name) == self.ids.domain_name

    def _password_ok(self, spec: Any) -> bool | None:
        user = (spec or {}).get("user") or {}
        if user.get("id"):
            known = user["id"] == self.ids.user_id
        else:
            domain = self._domain_ok(user.get("domain"))
            if domain is None:
                return None
            known = domain and user.get("name") == self.ids.username
        return known and user.get("password") == self.ids.password

    def _token_ok(self, spec: Any) -> bool:
        return self.valid((spec or {}).get("id"))

    def _app_credential_ok(self, spec: Any) -> bool:
        spec, ids = spec or {}, self.ids
        if spec.get("id"):
            known = spec["id"] == ids.application_credential_id
        else:
            user = spec.get("user") or {}
            known = spec.get("name") == ids.application_credential_name and \
                user.get("id", ids.user_id) == ids.user_id and user.get("name", ids.username) == ids.username
        return known and spec.get("secret") == ids.application_credential_secret

    def _project_ok(self, project: dict) -> bool:
        if project.get("id"):
            return project["id"] == self.ids.project_id
        return project.get("name") == self.ids.project_name and bool(self._domain_ok(project.get("domain")))

    def _issue(self, method: str, scoped: bool) -> tuple[str, dict]:
        ids, now = self.ids, datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        body = token_body(ids=ids, method=method, audit_id=self.seq.stable("audit"), issued=now,
                          expires=now + datetime.timedelta(hours=12))
        token = body["token"]
        if scoped:
            domain = {"id": ids.domain_id, "name": ids.domain_name}
            token["project"] = {"id": ids.project_id, "name": ids.project_name, "domain": domain}
            token["roles"] = [{"id": self.seq.stable(f"role:{role}"), "name": role} for role in ids.roles]
            token["catalog"] = [
                {"type": service_type, "name": name, "id": self.seq.stable(f"service:{service_type}"),
                 "endpoints": [{"id": self.seq.stable(f"endpoint:{service_type}:{interface}"),
                                "interface": interface, "region": self.region_name,
                                "region_id": self.region_name, "url": url} for interface in self.interfaces]}
                for service_type, name, url in self.catalog()]
        if method == "application_credential":
            token["application_credential"] = {"id": ids.application_credential_id, "restricted": True}
        token_id = self.seq.token()
        self.tokens[token_id] = body
        return token_id, self.tokens[token_id]
