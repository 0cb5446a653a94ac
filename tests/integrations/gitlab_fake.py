"""A fake GitLab server (REST API v4, the subset superspec uses) on 127.0.0.1.

No GitLab server runs in the test environment, so the real python-gitlab client talks over HTTP
to this one. It follows GitLab's REST API documentation and the requests python-gitlab sends:

- authentication: ``PRIVATE-TOKEN`` header (or ``Authorization: Bearer``, or ``private_token``
  in the query). No token or an unknown one: 401 ``{"message": "401 Unauthorized"}``. A token
  without the ``api`` scope (``read_api`` only) on a write: 403 ``insufficient_scope``; a role
  below the one an endpoint needs: 403 ``{"message": "403 Forbidden"}``;
- ids: a project or group is its number or its URL-encoded path (``acme%2Fledger``); file paths
  and branch names in the path are URL-encoded too;
- lists: offset pagination with ``page``/``per_page`` (default 20, at most 100) and the headers
  ``X-Page``, ``X-Per-Page``, ``X-Next-Page``, ``X-Prev-Page``, ``X-Total``, ``X-Total-Pages``
  and ``Link`` (rel prev, next, first, last; absolute URLs on the address the client used);
- rate limiting: ``rate_limit_next = N`` answers the next N requests 429 with ``Retry-After``
  and the body ``Retry later`` (as GitLab's Rack::Attack throttle does, before authentication).

Endpoints: ``groups/:id``, ``groups/:id/projects`` (include_subgroups, archived),
``projects/:id``, ``projects/:id/repository/files/:path`` (GET JSON with base64 content, HEAD,
``/raw``), ``repository/commits`` (POST, several actions in one commit), ``repository/branches``
(GET, POST), ``repository/branches/:branch``, ``merge_requests`` (GET with state,
source_branch, target_branch; POST; 409 when an open one exists for the branches),
``merge_requests/:iid`` (GET, PUT), ``ci/lint`` (POST: a static check of the YAML),
``resource_groups`` and ``resource_groups/:key`` (GET, PUT process_mode; 404 until a pipeline
used the group: ``run_pipeline`` creates them, as GitLab does when a job first uses one).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import shutil
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import yaml

ROLES = {"guest": 10, "reporter": 20, "developer": 30, "maintainer": 40, "owner": 50}
PROCESS_MODES = ("unordered", "oldest_first", "newest_first", "newest_ready_first")
KEYWORDS = {"default", "include", "stages", "variables", "workflow", "image", "services",
            "cache", "before_script", "after_script", "spec"}
TRUE = {"1", "on", "t", "true", "y", "yes"}
FALSE = {"0", "off", "f", "false", "n", "no"}
NOW = "2026-01-01T00:00:00.000Z"

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Token:
    scopes: frozenset[str]
    role: str = "maintainer"
    projects: frozenset[str] | None = None  # paths the user can see; None: all


@dataclass
class Branch:
    files: dict[str, bytes]
    commit: str
    protected: bool = False


@dataclass
class Project:
    id: int
    path: str  # path_with_namespace
    default_branch: str | None
    archived: bool = False
    branches: dict[str, Branch] = field(default_factory=dict)
    merge_requests: list[dict[str, Any]] = field(default_factory=list)
    resource_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    commits: list[dict[str, Any]] = field(default_factory=list)  # made through the API

    @property
    def namespace(self) -> str:
        return self.path.rsplit("/", 1)[0]

    def file(self, name: str, ref: str | None = None) -> bytes | None:
        branch = self.branches.get(ref or self.default_branch or "")
        return None if branch is None else branch.files.get(name)


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent (still URL-encoded)
    query: dict[str, list[str]]
    body: bytes
    token: str | None


class ApiError(Exception):
    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.payload, self.headers = status, payload, headers or {}


def _bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ApiError(400, {"error": f"{value} is invalid"})


class FakeGitLab:
    """State and behaviour; ``start()`` serves it on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self.tokens: dict[str, Token] = {}
        self.groups: dict[str, int] = {}
        self.projects: dict[int, Project] = {}
        self.requests: list[Request] = []
        self.rate_limit_next = 0
        self.retry_after: str | None = "1"
        self.delay = 0.0  # seconds before each answer (timeouts)
        self.hide_open_merge_requests = 0  # answer the next N MR lists empty (a race)
        self.external_url: str | None = None  # for Link headers; default: the Host header
        self.echo_token = False  # a careless server (or proxy) quoting the token in errors
        self.redirect_to: str | None = None  # answer 301 to this base URL + the same path
        self.fail_next: list[tuple[str, int]] = []  # (method, status): fail the next such
        self.lock = threading.RLock()
        self._ids = 0
        self._server: ThreadingHTTPServer | None = None
        self._scheme = "http"
        self._thread: threading.Thread | None = None

    # -- setting up ------------------------------------------------------------------------

    def add_token(self, value: str, scopes: tuple[str, ...] = ("api",), role: str = "maintainer",
                  projects: tuple[str, ...] | None = None) -> None:
        self.tokens[value] = Token(frozenset(scopes), role,
                                   None if projects is None else frozenset(projects))

    def add_group(self, path: str) -> None:
        parts = path.split("/")
        for end in range(1, len(parts) + 1):
            self.groups.setdefault("/".join(parts[:end]), self._id())

    def add_project(self, path: str, files: Mapping[str, str | bytes] | None = None,
                    default_branch: str | None = "main", archived: bool = False) -> Project:
        self.add_group(path.rsplit("/", 1)[0])
        project = Project(self._id(), path, default_branch, archived)
        if default_branch is not None:
            content = {name: data.encode() if isinstance(data, str) else data
                       for name, data in (files or {"README.md": "# readme\n"}).items()}
            project.branches[default_branch] = Branch(content, self._sha(project),
                                                      protected=True)
        self.projects[project.id] = project
        return project

    def project(self, path: str) -> Project:
        found = self._find_project(path)
        assert found is not None, path
        return found

    def run_pipeline(self, path: str, ref: str | None = None) -> list[str]:
        """What GitLab does when a pipeline's jobs first use a resource group: create it
        (process mode unordered). Returns the keys created."""
        project = self.project(path)
        text = project.file(".gitlab-ci.yml", ref)
        doc = yaml.safe_load(text or b"") or {}
        created = []
        for name, job in doc.items():
            if isinstance(job, dict) and not str(name).startswith(".") \
                    and "resource_group" in job:
                key = str(job["resource_group"])
                if key not in project.resource_groups:
                    project.resource_groups[key] = {
                        "id": self._id(), "key": key, "process_mode": "unordered",
                        "created_at": NOW, "updated_at": NOW}
                    created.append(key)
        return created

    def merge(self, path: str, iid: int) -> None:
        """A person merges the merge request."""
        project = self.project(path)
        mr = next(m for m in project.merge_requests if m["iid"] == iid)
        source = project.branches[mr["source_branch"]]
        target = project.branches[mr["target_branch"]]
        target.files = dict(source.files)
        target.commit = self._sha(project)
        mr["state"] = "merged"
        if mr.get("force_remove_source_branch"):
            del project.branches[mr["source_branch"]]

    # -- serving ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}"

    def start(self, tls: ssl.SSLContext | None = None) -> FakeGitLab:
        """Serve on a free port of 127.0.0.1 (HTTPS with ``tls``)."""
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- answering -------------------------------------------------------------------------

    def answer(self, method: str, raw: str, headers: dict[str, str], body: bytes) -> Answer:
        split = urlsplit(raw)
        query = parse_qs(split.query, keep_blank_values=True)
        token = headers.get("private-token") or _bearer(headers.get("authorization"))
        if token is None and "private_token" in query:
            token = query["private_token"][-1]
        with self.lock:
            self.requests.append(Request(method, split.path, query, body, token))
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                limited = {"Content-Type": "text/plain", "RateLimit-Limit": "600",
                           "RateLimit-Remaining": "0"}
                if self.retry_after is not None:
                    limited["Retry-After"] = self.retry_after
                return 429, limited, b"Retry later\n"
            if self.fail_next and self.fail_next[0][0] == method:
                status = self.fail_next.pop(0)[1]
                return _json(status, {"message": f"{status} {HTTPStatus(status).phrase}"})
        if self.redirect_to is not None:
            return 301, {"Location": self.redirect_to + raw}, b""
        if self.delay:
            time.sleep(self.delay)
        base = self.external_url or f"{self._scheme}://{headers.get('host', '127.0.0.1')}"
        try:
            with self.lock:
                return self._route(method, split.path, query, headers, body, token, base)
        except ApiError as exc:
            payload = exc.payload
            if self.echo_token and isinstance(payload, dict):
                payload = {**payload, "message": f"{payload.get('message')} (token {token})"}
            return _json(exc.status, payload, exc.headers)

    def _route(self, method: str, path: str, query: dict[str, list[str]],
               headers: dict[str, str], body: bytes, token: str | None, base: str) -> Answer:
        if not path.startswith("/api/v4/"):
            raise ApiError(404, {"error": "404 Not Found"})
        user = self.tokens.get(token or "")
        if user is None:
            raise ApiError(401, {"message": "401 Unauthorized"})
        read = method in ("GET", "HEAD")
        if "api" not in user.scopes and not (read and "read_api" in user.scopes):
            raise ApiError(403, {
                "error": "insufficient_scope",
                "error_description": "The request requires higher privileges than provided "
                                     "by the access token.",
                "scope": "api" if not read else "api read_api"}, {
                "WWW-Authenticate": 'Bearer realm="Protected by OAuth 2.0", '
                                    'error="insufficient_scope"'})
        params = _params(query, headers, body)
        segments = [unquote(s) for s in path[len("/api/v4/"):].split("/")]
        matched = False
        for verb, pattern, handler, role in ROUTES:
            if len(pattern) != len(segments) or any(
                    p != "*" and p != s for p, s in zip(pattern, segments, strict=True)):
                continue
            matched = True
            if verb != method:
                continue
            args: list[Any] = [s for p, s in zip(pattern, segments, strict=True) if p == "*"]
            if pattern[0] == "projects":
                args[0] = self._visible_project(args[0], user)
            self._need(user, role)
            return getattr(self, handler)(*args, params=params, base=base, path=path,
                                          user=user)
        if matched:
            raise ApiError(405, {"error": "405 Not Allowed"})
        raise ApiError(404, {"error": "404 Not Found"})

    def _need(self, user: Token, role: str) -> None:
        if ROLES[user.role] < ROLES[role]:
            raise ApiError(403, {"message": "403 Forbidden"})

    def _visible_project(self, ident: str, user: Token) -> Project:
        project = self._find_project(ident)
        if project is None or (user.projects is not None and project.path not in user.projects):
            raise ApiError(404, {"message": "404 Project Not Found"})
        return project

    def _find_project(self, ident: str) -> Project | None:
        if ident.isdigit():
            return self.projects.get(int(ident))
        return next((p for p in self.projects.values() if p.path.lower() == ident.lower()),
                    None)

    # -- groups ----------------------------------------------------------------------------

    def get_group(self, ident: str, *, params: dict[str, Any], base: str, path: str,
                  user: Token) -> Answer:
        full = self._group(ident)
        return _json(200, {"id": self.groups[full], "name": full.rsplit("/", 1)[-1],
                           "path": full.rsplit("/", 1)[-1], "full_path": full,
                           "web_url": f"{base}/groups/{full}"})

    def group_projects(self, ident: str, *, params: dict[str, Any], base: str, path: str,
                       user: Token) -> Answer:
        full = self._group(ident)
        subgroups = _bool(params.get("include_subgroups"))
        found = [p for p in self.projects.values()
                 if p.namespace == full or (subgroups and p.namespace.startswith(full + "/"))]
        if params.get("archived") is not None:
            wanted = _bool(params.get("archived"))
            found = [p for p in found if p.archived == wanted]
        if user.projects is not None:
            found = [p for p in found if p.path in user.projects]
        order = params.get("order_by", "created_at")
        key = {"id": lambda p: p.id, "path": lambda p: p.path, "name": lambda p: p.path,
               "created_at": lambda p: p.id}.get(order)
        if key is None:
            raise ApiError(400, {"error": "order_by does not have a valid value"})
        found.sort(key=key, reverse=params.get("sort", "desc") == "desc")
        return self._page([self._project_json(p, base) for p in found], params, base, path)

    def _group(self, ident: str) -> str:
        if ident.isdigit():
            full = next((g for g, i in self.groups.items() if i == int(ident)), None)
        else:
            full = next((g for g in self.groups if g.lower() == ident.lower()), None)
        if full is None:
            raise ApiError(404, {"message": "404 Group Not Found"})
        return full

    # -- projects and files ----------------------------------------------------------------

    def get_project(self, project: Project, *, base: str, **_: Any) -> Answer:
        return _json(200, self._project_json(project, base))

    def _project_json(self, project: Project, base: str) -> dict[str, Any]:
        namespace = project.namespace
        name = project.path.rsplit("/", 1)[-1]
        return {"id": project.id, "description": None, "name": name,
                "name_with_namespace": " / ".join(project.path.split("/")), "path": name,
                "path_with_namespace": project.path, "created_at": NOW,
                "default_branch": project.default_branch, "archived": project.archived,
                "visibility": "private", "empty_repo": project.default_branch is None,
                "web_url": f"{base}/{project.path}",
                "namespace": {"id": self.groups.get(namespace), "kind": "group",
                              "name": namespace.rsplit("/", 1)[-1],
                              "path": namespace.rsplit("/", 1)[-1], "full_path": namespace}}

    def _branch(self, project: Project, ref: str) -> Branch:
        branch = project.branches.get(ref) or next(
            (b for b in project.branches.values() if b.commit == ref), None)
        if branch is None:
            raise ApiError(404, {"message": "404 Commit Not Found"})
        return branch

    def _file(self, project: Project, name: str, ref: str | None) -> tuple[Branch, bytes]:
        if ref is None:
            raise ApiError(400, {"error": "ref is missing"})
        branch = self._branch(project, ref)
        if name not in branch.files:
            raise ApiError(404, {"message": "404 File Not Found"})
        return branch, branch.files[name]

    def get_file(self, project: Project, name: str, *, params: dict[str, Any],
                 **_: Any) -> Answer:
        ref = params.get("ref")
        branch, data = self._file(project, name, ref)
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        return _json(200, {
            "file_name": name.rsplit("/", 1)[-1], "file_path": name, "size": len(data),
            "encoding": "base64", "content": base64.b64encode(data).decode(),
            "content_sha256": hashlib.sha256(data).hexdigest(), "ref": ref,
            "blob_id": blob, "commit_id": branch.commit, "last_commit_id": branch.commit,
            "execute_filemode": False})

    def head_file(self, project: Project, name: str, *, params: dict[str, Any],
                  **_: Any) -> Answer:
        branch, data = self._file(project, name, params.get("ref"))
        return 200, {"X-Gitlab-File-Path": name, "X-Gitlab-Size": str(len(data)),
                     "X-Gitlab-Commit-Id": branch.commit,
                     "X-Gitlab-Content-Sha256": hashlib.sha256(data).hexdigest()}, b""

    def raw_file(self, project: Project, name: str, *, params: dict[str, Any],
                 **_: Any) -> Answer:
        ref = params.get("ref") or project.default_branch
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, self._file(project, name,
                                                                                ref)[1]

    # -- branches and commits --------------------------------------------------------------

    def _branch_json(self, project: Project, name: str, base: str) -> dict[str, Any]:
        branch = project.branches[name]
        return {"name": name, "merged": False, "protected": branch.protected,
                "default": name == project.default_branch, "developers_can_push": False,
                "developers_can_merge": False, "can_push": True,
                "web_url": f"{base}/{project.path}/-/tree/{name}",
                "commit": {"id": branch.commit, "short_id": branch.commit[:8]}}

    def list_branches(self, project: Project, *, params: dict[str, Any], base: str,
                      path: str, **_: Any) -> Answer:
        found = [self._branch_json(project, n, base) for n in sorted(project.branches)]
        return self._page(found, params, base, path)

    def get_branch(self, project: Project, name: str, *, base: str, **_: Any) -> Answer:
        if name not in project.branches:
            raise ApiError(404, {"message": "404 Branch Not Found"})
        return _json(200, self._branch_json(project, name, base))

    def create_branch(self, project: Project, *, params: dict[str, Any], base: str,
                      **_: Any) -> Answer:
        _require(params, "branch", "ref")
        name, ref = str(params["branch"]), str(params["ref"])
        if name in project.branches:
            raise ApiError(400, {"message": "Branch already exists"})
        try:
            source = self._branch(project, ref)
        except ApiError:
            raise ApiError(400, {"message": f"Invalid reference name: {ref}"}) from None
        project.branches[name] = Branch(dict(source.files), source.commit)
        return _json(201, self._branch_json(project, name, base))

    def create_commit(self, project: Project, *, params: dict[str, Any], base: str,
                      user: Token, **_: Any) -> Answer:
        _require(params, "branch", "commit_message", "actions")
        name, actions = str(params["branch"]), params["actions"]
        if not isinstance(actions, list) or not actions:
            raise ApiError(400, {"error": "actions is empty"})
        start = params.get("start_branch")
        if name in project.branches:
            if start is not None and start != name and not _bool(params.get("force")):
                raise ApiError(400, {"message": f"A branch called '{name}' already exists. "
                                                f"Switch to that branch in order to make "
                                                f"changes"})
            files = dict(project.branches[name].files)
        elif start is not None:
            files = dict(self._branch(project, str(start)).files)
        else:
            raise ApiError(400, {"message": "You can only create or edit files when you are "
                                            "on a branch"})
        branch = project.branches.get(name)
        if branch is not None and branch.protected and ROLES[user.role] < ROLES["maintainer"]:
            raise ApiError(403, {"message": "403 Forbidden - You are not allowed to push into "
                                            "this branch"})
        for index, action in enumerate(actions):
            _apply(files, action, index)
        sha = self._sha(project)
        if branch is None:
            project.branches[name] = Branch(files, sha)
        else:
            branch.files, branch.commit = files, sha
        message = str(params["commit_message"])
        commit = {"id": sha, "short_id": sha[:8], "title": message.split("\n", 1)[0],
                  "message": message, "author_name": "superspec", "created_at": NOW,
                  "parent_ids": [], "web_url": f"{base}/{project.path}/-/commit/{sha}",
                  "branch": name, "actions": actions}
        project.commits.append(commit)
        return _json(201, {k: v for k, v in commit.items() if k not in ("branch", "actions")})

    # -- merge requests --------------------------------------------------------------------

    def list_merge_requests(self, project: Project, *, params: dict[str, Any], base: str,
                            path: str, **_: Any) -> Answer:
        state = params.get("state", "all")
        found = [m for m in project.merge_requests
                 if (state == "all" or m["state"] == state)
                 and params.get("source_branch") in (None, m["source_branch"])
                 and params.get("target_branch") in (None, m["target_branch"])]
        if self.hide_open_merge_requests > 0:
            self.hide_open_merge_requests -= 1
            found = []
        found = sorted(found, key=lambda m: m["iid"], reverse=True)
        return self._page(found, params, base, path)

    def create_merge_request(self, project: Project, *, params: dict[str, Any], base: str,
                             **_: Any) -> Answer:
        _require(params, "source_branch", "target_branch", "title")
        source, target = str(params["source_branch"]), str(params["target_branch"])
        problems = [f'{which} branch "{name}" does not exist'
                    for which, name in (("Source", source), ("Target", target))
                    if name not in project.branches]
        if source == target:
            problems.append("You can't use same project/branch for source and target")
        existing = [m for m in project.merge_requests if m["state"] in ("opened", "locked")
                    and m["source_branch"] == source and m["target_branch"] == target]
        if existing:
            problems.append(f"Another open merge request already exists for this source "
                            f"branch: !{existing[0]['iid']}")
        if problems:
            raise ApiError(409, {"message": problems})
        iid = max((m["iid"] for m in project.merge_requests), default=0) + 1
        mr = {"id": self._id(), "iid": iid, "project_id": project.id,
              "title": str(params["title"]), "description": str(params.get("description") or ""),
              "state": "opened", "source_branch": source, "target_branch": target,
              "created_at": NOW, "updated_at": NOW, "merge_status": "can_be_merged",
              "force_remove_source_branch": _bool(params.get("remove_source_branch")),
              "sha": project.branches[source].commit,
              "web_url": f"{base}/{project.path}/-/merge_requests/{iid}"}
        project.merge_requests.append(mr)
        return _json(201, mr)

    def _merge_request(self, project: Project, iid: str) -> dict[str, Any]:
        found = next((m for m in project.merge_requests if str(m["iid"]) == iid), None)
        if found is None:
            raise ApiError(404, {"message": "404 Not found"})
        return found

    def get_merge_request(self, project: Project, iid: str, **_: Any) -> Answer:
        return _json(200, self._merge_request(project, iid))

    def update_merge_request(self, project: Project, iid: str, *, params: dict[str, Any],
                             **_: Any) -> Answer:
        mr = self._merge_request(project, iid)
        for key in ("title", "description", "target_branch"):
            if key in params:
                mr[key] = str(params[key])
        if "remove_source_branch" in params:
            mr["force_remove_source_branch"] = _bool(params["remove_source_branch"])
        event = params.get("state_event")
        if event == "close":
            mr["state"] = "closed"
        elif event == "reopen":
            mr["state"] = "opened"
        return _json(200, mr)

    # -- CI lint and resource groups -------------------------------------------------------

    def lint(self, project: Project, *, params: dict[str, Any], **_: Any) -> Answer:
        _require(params, "content")
        content = str(params["content"])
        errors, merged = lint_errors(content)
        return _json(200, {"valid": not errors, "errors": errors, "warnings": [],
                           "merged_yaml": merged, "includes": []})

    def list_resource_groups(self, project: Project, *, params: dict[str, Any], base: str,
                             path: str, **_: Any) -> Answer:
        found = sorted(project.resource_groups.values(), key=lambda g: g["id"])
        return self._page(found, params, base, path)

    def get_resource_group(self, project: Project, key: str, **_: Any) -> Answer:
        if key not in project.resource_groups:
            raise ApiError(404, {"message": "404 Not found"})
        return _json(200, project.resource_groups[key])

    def update_resource_group(self, project: Project, key: str, *, params: dict[str, Any],
                              **_: Any) -> Answer:
        mode = params.get("process_mode")
        if mode is not None and mode not in PROCESS_MODES:
            raise ApiError(400, {"error": "process_mode does not have a valid value"})
        if key not in project.resource_groups:
            raise ApiError(404, {"message": "404 Not found"})
        group = project.resource_groups[key]
        if mode is not None:
            group["process_mode"] = mode
        return _json(200, group)

    # -- helpers ---------------------------------------------------------------------------

    def _page(self, items: list[Any], params: dict[str, Any], base: str, path: str) -> Answer:
        try:
            per_page = min(100, max(1, int(params.get("per_page", 20))))
        except ValueError:
            per_page = 20
        try:
            page = max(1, int(params.get("page", 1)))
        except ValueError:
            page = 1
        total = len(items)
        pages = max(1, math.ceil(total / per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        keep = {k: v for k, v in params.items()
                if k not in ("page", "per_page", "private_token") and not isinstance(v, list)
                and not isinstance(v, dict)}

        def link(number: int) -> str:
            query = urlencode({**keep, "page": number, "per_page": per_page})
            return f"{base}{path}?{query}"
        rels = []
        if page > 1:
            rels.append((link(page - 1), "prev"))
        if page < pages:
            rels.append((link(page + 1), "next"))
        rels += [(link(1), "first"), (link(pages), "last")]
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(total),
                   "X-Total-Pages": str(pages),
                   "X-Next-Page": str(page + 1) if page < pages else "",
                   "X-Prev-Page": str(page - 1) if page > 1 else "",
                   "Link": ", ".join(f'<{url}>; rel="{rel}"' for url, rel in rels)}
        return _json(200, chunk, headers)

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def _sha(self, project: Project) -> str:
        return hashlib.sha1(f"{project.id}:{self._id()}".encode()).hexdigest()


# (method, path pattern, handler, least role); "*" is one URL-encoded segment
ROUTES: list[tuple[str, tuple[str, ...], str, str]] = [
    ("GET", ("groups", "*"), "get_group", "guest"),
    ("GET", ("groups", "*", "projects"), "group_projects", "guest"),
    ("GET", ("projects", "*"), "get_project", "guest"),
    ("GET", ("projects", "*", "repository", "files", "*"), "get_file", "reporter"),
    ("HEAD", ("projects", "*", "repository", "files", "*"), "head_file", "reporter"),
    ("GET", ("projects", "*", "repository", "files", "*", "raw"), "raw_file", "reporter"),
    ("POST", ("projects", "*", "repository", "commits"), "create_commit", "developer"),
    ("GET", ("projects", "*", "repository", "branches"), "list_branches", "reporter"),
    ("POST", ("projects", "*", "repository", "branches"), "create_branch", "developer"),
    ("GET", ("projects", "*", "repository", "branches", "*"), "get_branch", "reporter"),
    ("GET", ("projects", "*", "merge_requests"), "list_merge_requests", "reporter"),
    ("POST", ("projects", "*", "merge_requests"), "create_merge_request", "developer"),
    ("GET", ("projects", "*", "merge_requests", "*"), "get_merge_request", "reporter"),
    ("PUT", ("projects", "*", "merge_requests", "*"), "update_merge_request", "developer"),
    ("POST", ("projects", "*", "ci", "lint"), "lint", "developer"),
    ("GET", ("projects", "*", "resource_groups"), "list_resource_groups", "developer"),
    ("GET", ("projects", "*", "resource_groups", "*"), "get_resource_group", "developer"),
    ("PUT", ("projects", "*", "resource_groups", "*"), "update_resource_group", "developer"),
]


def lint_errors(content: str) -> tuple[list[str], str]:
    """GitLab's static check of a .gitlab-ci.yml (the subset superspec's files can break)."""
    if not content.strip():
        return ["Please provide content of .gitlab-ci.yml"], ""
    try:
        doc = yaml.safe_load(content)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        words = " ".join(w for w in (exc.problem, exc.context) if w)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        return [f"(<unknown>): {words}{where}"], ""
    if not isinstance(doc, dict):
        return ["Invalid configuration format"], ""
    errors: list[str] = []
    stages = doc.get("stages", ["build", "test", "deploy"])
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        return ["stages config should be an array of strings"], ""
    every = [".pre", *stages, ".post"]
    jobs = {str(k): v for k, v in doc.items() if k not in KEYWORDS}
    visible = [name for name in jobs if not name.startswith(".")]
    if not visible:
        errors.append("jobs config should contain at least one visible job")
    for name in visible:
        if not isinstance(jobs[name], dict):
            errors.append(f"jobs:{name} config should be a hash")
            continue
        job, problem = _extended(name, jobs, 0)
        if problem:
            errors.append(problem)
            continue
        if not any(key in job for key in ("script", "run", "trigger")):
            errors.append(f"jobs:{name} config should implement the script:, run:, or "
                          f"trigger: keyword")
        stage = job.get("stage", "test")
        if stage not in every:
            errors.append(f"{name} job: chosen stage {stage} does not exist; available stages "
                          f"are {', '.join(every)}")
        for need in job.get("needs") or []:
            needed = need if isinstance(need, str) else (need or {}).get("job")
            optional = isinstance(need, dict) and need.get("optional")
            if needed not in visible and not optional:
                errors.append(f"{name} job: undefined need: {needed}")
    return errors, ("" if errors else yaml.safe_dump(doc, sort_keys=False))


def _extended(name: str, jobs: dict[str, Any], depth: int) -> tuple[dict[str, Any], str | None]:
    job = jobs[name]
    parents = job.get("extends") or []
    parents = [parents] if isinstance(parents, str) else parents
    if depth > 10:
        return {}, f"{name}: nesting too deep in `extends`"
    merged: dict[str, Any] = {}
    for parent in parents:
        if parent not in jobs or not isinstance(jobs[parent], dict):
            return {}, f"{name}: unknown keys in `extends` ({parent})"
        found, problem = _extended(parent, jobs, depth + 1)
        if problem:
            return {}, problem
        merged = _deep_merge(merged, found)
    own = {k: v for k, v in job.items() if k != "extends"}
    return _deep_merge(merged, own), None


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _apply(files: dict[str, bytes], action: Any, index: int) -> None:
    if not isinstance(action, dict) or action.get("action") not in (
            "create", "update", "delete", "move", "chmod"):
        raise ApiError(400, {"error": f"actions[{index}][action] does not have a valid value"})
    path = action.get("file_path")
    if not path:
        raise ApiError(400, {"error": f"actions[{index}][file_path] is missing"})
    content = str(action.get("content") or "").encode()
    if action.get("encoding") == "base64":
        content = base64.b64decode(content)
    kind = action["action"]
    if kind == "create":
        if path in files:
            raise ApiError(400, {"message": "A file with this name already exists"})
        files[path] = content
    elif kind in ("update", "delete", "chmod"):
        if path not in files:
            raise ApiError(400, {"message": "A file with this name doesn't exist"})
        if kind == "update":
            files[path] = content
        elif kind == "delete":
            del files[path]
    else:
        previous = action.get("previous_path")
        if previous not in files:
            raise ApiError(400, {"message": "A file with this name doesn't exist"})
        files[path] = content or files[previous]
        del files[previous]


def _require(params: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if params.get(n) in (None, "")]
    if missing:
        raise ApiError(400, {"error": ", ".join(f"{n} is missing" for n in missing)})


def _params(query: dict[str, list[str]], headers: dict[str, str],
            body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in query.items()}
    kind = headers.get("content-type", "")
    if body and "json" in kind:
        try:
            data = json.loads(body)
        except ValueError:
            raise ApiError(400, {"error": "The provided content-type 'application/json' is "
                                          "not supported."}) from None
        if isinstance(data, dict):
            params.update(data)
    elif body and "x-www-form-urlencoded" in kind:
        params.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
    return params


def _bearer(value: str | None) -> str | None:
    if value and value.lower().startswith("bearer "):
        return value[7:].strip()
    return None


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Answer:
    return status, {"Content-Type": "application/json", **(headers or {})}, \
        json.dumps(payload).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeGitLab

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, extra, payload = self.server_fake.answer(self.command, self.path, headers, body)
        try:
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve


def encoded(path: str) -> str:
    """A project path as GitLab's API takes it in a URL."""
    return quote(path, safe="")


# -- the example fleet -------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOKEN = "glpat-Fake0Token0For0Tests0x9"
HAND_EDIT = "# edited by hand\n"


@dataclass
class ExampleFleet:
    """The repository's examples (a company, a department, three projects) copied to a
    temporary directory, generated there with ``superspec generate``, and a fake GitLab group
    ``acme`` holding: ledger up to date, payments-api with a hand-edited .gitlab-ci.yml,
    storefront without CI files, two projects without a spec (one in a subgroup) and an
    archived one."""

    fake: FakeGitLab
    root: Path  # the copy of examples/

    @property
    def layers(self) -> Path:
        return self.root / "layers"

    def spec_dir(self, name: str) -> Path:
        return self.root / "projects" / name

    def generated(self, name: str) -> dict[str, bytes]:
        """The files ``superspec generate`` wrote beside the project's spec."""
        return {file: (self.spec_dir(name) / file).read_bytes()
                for file in ("Jenkinsfile", ".gitlab-ci.yml")}

    def argv(self, command: str, *extra: str) -> list[str]:
        return ["gitlab", command, *(str(self.spec_dir(n)) for n in FLEET),
                "--layers", str(self.layers), "--group", "acme", "--per-page", "2", *extra]

    def regenerate(self) -> None:
        _generate(self.root)


FLEET = ("ledger", "payments-api", "storefront")


def _generate(root: Path) -> None:
    from superspec.render.generate import Options, generate

    results = generate([root / "projects" / name for name in FLEET],
                       Options(layer_dirs=(root / "layers",)))
    assert all(r.error is None for r in results), [str(r.error) for r in results]


def example_fleet(tmp_path: Path, fake: FakeGitLab) -> ExampleFleet:
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    _generate(root)
    fleet = ExampleFleet(fake, root)
    fake.add_token(TOKEN)
    fake.add_project("acme/ledger", fleet.generated("ledger"))
    payments = fleet.generated("payments-api")
    header, rest = payments[".gitlab-ci.yml"].split(b"\n\n", 1)
    payments[".gitlab-ci.yml"] = header + b"\n\n" + HAND_EDIT.encode() + rest
    fake.add_project("acme/payments-api", {**payments, "pom.xml": "<project/>\n"})
    fake.add_project("acme/storefront", {"README.md": "# storefront\n"})
    fake.add_project("acme/legacy-billing")
    fake.add_project("acme/platform/runner-images")
    fake.add_project("acme/attic", archived=True)
    fake.add_project("other/elsewhere")
    return fleet
