"""A fake Jenkins controller on 127.0.0.1 for the tests: the subset of the REST API that
`superspec jenkins` (through python-jenkins) and jenkins-job-builder call, answering the way
Jenkins does.

Written from Jenkins' REST API documentation and from the requests python-jenkins 1.8 makes:

- authentication: HTTP Basic with ``user:apiToken``; a wrong token answers 401 ("Invalid
  password/token for user: NAME"); a request without credentials is anonymous, and anonymous
  has no Overall/Read here, so it gets 403 "Authentication required";
- permissions: 403 with ``X-You-Are-Authenticated-As`` and ``X-Required-Permission`` headers and
  "NAME is missing the Job/Configure permission", as Jenkins' AccessDeniedException3 reports;
- CSRF: ``/crumbIssuer/api/json`` issues a crumb for ``Jenkins-Crumb``; a POST without it gets
  403 "No valid crumb was included in the request" (stricter than a real controller, which
  exempts API-token requests, so the client is shown to send it); the declarative linter
  (``/pipeline-model-converter/``) is exempt, as in Jenkins;
- items: ``job/<a>/job/<b>`` paths into folders, case-insensitive names (Jenkins keeps items in
  a case-insensitive map), ``api/json`` with ``tree=`` (nested ``jobs[...]``; a leaf ``jobs``
  gives objects holding only ``_class``, as Jenkins does) and ``depth``, ``config.xml`` GET and
  POST (stored as posted; a POST of another item class answers 500, as updateByXml does),
  ``createItem`` (XML with Content-Type application/xml or text/xml, or ``mode=`` form
  submissions; 400 when the name exists or holds an unsafe character; 404 when the folder does
  not), ``doDelete`` (POST only, 302 to the parent); 404 for anything missing;
- ``X-Jenkins`` on every answer, ``/me/api/json``, ``/whoAmI/api/json``;
- the declarative linter: ``validateJenkinsfile`` (JSON) and ``validate`` (text), finding
  unbalanced brackets the way Groovy 2.4 reports them ("unexpected token: } @ line 3, column
  1.", "expecting '}', found '' @ line 9, column 2.");
- test controls: ``rate_limit(n)`` (the next n requests answer 429 with Retry-After, as a proxy
  in front of Jenkins would), ``fail(...)`` (an injected status for matching requests),
  ``delay`` (seconds before every answer), ``ui_edit`` (a config change as the UI makes it),
  ``simulate_build`` (what a declarative run leaves in a job's config.xml) and ``resave`` (the
  config as Jenkins rewrites it when it saves an item: XML 1.1, ``plugin=`` attributes).

Run it by hand: ``python -m tests.integrations.jenkins_fake --port 8080`` (user ``admin``,
token ``admin-token``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
import ssl
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qs, quote, unquote, urlsplit

VERSION = "2.479.3"
HUDSON = "hudson.model.Hudson"
WORKFLOW_JOB = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
MULTIBRANCH = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
FREESTYLE = "hudson.model.FreeStyleProject"
CLASS_OF_TAG = {"flow-definition": WORKFLOW_JOB, MULTIBRANCH: MULTIBRANCH, FOLDER: FOLDER,
                "project": FREESTYLE}
TAG_OF_CLASS = {cls: tag for tag, cls in CLASS_OF_TAG.items()}
CONTAINERS = {FOLDER, MULTIBRANCH}
JOBS = {WORKFLOW_JOB, FREESTYLE}

READ = "hudson.model.Hudson.Read"
ADMINISTER = "hudson.model.Hudson.Administer"
ITEM_READ = "hudson.model.Item.Read"
EXTENDED_READ = "hudson.model.Item.ExtendedRead"
CONFIGURE = "hudson.model.Item.Configure"
CREATE = "hudson.model.Item.Create"
DELETE = "hudson.model.Item.Delete"
PERMISSION_NAMES = {READ: "Overall/Read", ADMINISTER: "Overall/Administer", ITEM_READ: "Job/Read",
                    EXTENDED_READ: "Job/ExtendedRead", CONFIGURE: "Job/Configure",
                    CREATE: "Job/Create", DELETE: "Job/Delete"}
IMPLIED_BY = {EXTENDED_READ: {CONFIGURE}}
ALL = frozenset(PERMISSION_NAMES)
READ_ONLY = frozenset({READ, ITEM_READ, EXTENDED_READ})
UNSAFE = "?*/\\%!@#$^&|<>[]:;"
CRUMB_FIELD = "Jenkins-Crumb"
HTML = "text/html;charset=utf-8"
PLUGINS = {"flow-definition": "workflow-job@1436.vfa_244484591f",
           MULTIBRANCH: "workflow-multibranch@795.ve0cb_1f45ca_9a_",
           FOLDER: "cloudbees-folder@6.951.v5f91d88d76b_b_"}


@dataclass
class User:
    name: str
    token: str
    permissions: frozenset[str] = ALL

    def may(self, permission: str) -> bool:
        return (ADMINISTER in self.permissions or permission in self.permissions
                or bool(IMPLIED_BY.get(permission, set()) & self.permissions))


@dataclass
class Item:
    name: str
    cls: str
    config: str = ""
    parent: Item | None = None
    children: dict[str, Item] = field(default_factory=dict)  # casefolded name -> item
    description: str | None = None
    disabled: bool = False

    @property
    def path(self) -> list[str]:
        return [] if self.parent is None else [*self.parent.path, self.name]

    @property
    def full_name(self) -> str:
        return "/".join(self.path)

    def set_config(self, config: str) -> None:
        self.config = config
        root = ET.fromstring(config.encode("utf-8"))
        self.description = root.findtext("description")
        self.disabled = (root.findtext("disabled") or "").strip() == "true"


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    body: str
    headers: dict[str, str]


class _Done(Exception):
    """The answer has been sent."""


class FakeJenkins:
    def __init__(self, users: list[User] | None = None, *, port: int = 0,
                 tls: tuple[str, str] | None = None) -> None:
        self.users = {u.name: u for u in users or [User("admin", "admin-token")]}
        self.root = Item("", HUDSON)
        self.lock = threading.RLock()
        self.log: list[tuple[str, str]] = []
        self.delay = 0.0
        self.retry_after = "0"
        self._rate_limited = 0
        self.limited: list[int] = []  # indexes in ``log`` of the requests answered 429
        self._faults: list[Fault] = []
        self._closing = threading.Event()
        self._port = port
        self._tls = tls  # (certificate file, key file): serve HTTPS
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.session = hashlib.sha256(str(id(self)).encode()).hexdigest()[:8]

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeJenkins:
        server = _Server(("127.0.0.1", self._port), _Handler)
        if self._tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self._tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-jenkins",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeJenkins:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}/"

    # --- test controls ---------------------------------------------------------------------------

    def rate_limit(self, requests: int, retry_after: str = "0") -> None:
        """The next ``requests`` requests answer 429 Too Many Requests."""
        with self.lock:
            self._rate_limited, self.retry_after = requests, retry_after

    def fail(self, method: str, path_pattern: str, status: int, times: int = 1,
             body: str = "", headers: dict[str, str] | None = None) -> None:
        """Answer ``status`` to the next ``times`` requests whose path matches."""
        with self.lock:
            self._faults.append(Fault(method, re.compile(path_pattern), status, times, body,
                                      headers or {}))

    def requests(self, method: str | None = None, pattern: str = "") -> list[str]:
        with self.lock:
            return [f"{m} {p}" for m, p in self.log
                    if (method is None or m == method) and re.search(pattern, p)]

    def item(self, full_name: str) -> Item | None:
        with self.lock:
            item: Item | None = self.root
            for name in full_name.split("/") if full_name else []:
                item = item.children.get(name.casefold()) if item is not None else None
            return item

    def config(self, full_name: str) -> str:
        item = self.item(full_name)
        assert item is not None, f"no item {full_name}"
        return item.config

    def names(self) -> list[str]:
        """Every item's full name, depth first."""
        with self.lock:
            out: list[str] = []
            stack = [self.root]
            while stack:
                item = stack.pop()
                if item is not self.root:
                    out.append(item.full_name)
                stack.extend(sorted(item.children.values(), key=lambda c: c.name.casefold(),
                                    reverse=True))
            return out

    def ui_create(self, full_name: str, config: str, user: str = "admin") -> None:
        """Create an item the way a person or another tool would: POST createItem."""
        folder, _, name = full_name.rpartition("/")
        prefix = "".join(f"job/{quote(p)}/" for p in folder.split("/") if p)
        self.http("POST", f"{prefix}createItem?name={quote(name)}", config.encode(), user,
                  "application/xml")

    def ui_edit(self, full_name: str, config: str, user: str = "admin") -> None:
        """Change a job's config as the UI (or any client) does: POST config.xml."""
        prefix = "".join(f"job/{quote(p)}/" for p in full_name.split("/"))
        self.http("POST", f"{prefix}config.xml", config.encode(), user, "application/xml")

    def http(self, method: str, path: str, body: bytes = b"", user: str = "admin",
             content_type: str | None = None) -> tuple[int, str]:
        """One request to the fake, with the user's token and, for a POST, a fresh crumb."""
        token = base64.b64encode(f"{user}:{self.users[user].token}".encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
        if method == "POST":
            headers[CRUMB_FIELD] = self._crumb(user)
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.url + path, data=body if method == "POST" else None,
                                         headers=headers, method=method)
        context = ssl._create_unverified_context() if self._tls else None
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read().decode()}") from None

    def simulate_build(self, full_name: str) -> None:
        """What a declarative pipeline run leaves in its job's config.xml: the options it set as
        job properties (here buildDiscarder), tracked in DeclarativeJobPropertyTrackerAction,
        then the item saved by Jenkins."""
        item = self.item(full_name)
        assert item is not None and item.cls == WORKFLOW_JOB
        root = ET.fromstring(item.config.encode())
        actions = root.find("actions")
        if actions is None:
            actions = ET.Element("actions")
            root.insert(0, actions)
        ET.SubElement(actions, "org.jenkinsci.plugins.pipeline.modeldefinition.actions."
                               "DeclarativeJobAction")
        tracker = ET.SubElement(actions, "org.jenkinsci.plugins.pipeline.modeldefinition."
                                         "actions.DeclarativeJobPropertyTrackerAction")
        ET.SubElement(ET.SubElement(tracker, "jobProperties"), "string").text = \
            "jenkins.model.BuildDiscarderProperty"
        for section in ("triggers", "parameters", "options"):
            ET.SubElement(tracker, section)
        properties = root.find("properties")
        assert properties is not None
        discarder = ET.SubElement(properties, "jenkins.model.BuildDiscarderProperty")
        strategy = ET.SubElement(discarder, "strategy", {"class": "hudson.tasks.LogRotator"})
        for tag, value in (("daysToKeep", "-1"), ("numToKeep", "30"),
                           ("artifactDaysToKeep", "-1"), ("artifactNumToKeep", "-1")):
            ET.SubElement(strategy, tag).text = value
        with self.lock:
            item.set_config(_xstream(root))

    def resave(self, full_name: str) -> None:
        """The item saved again by Jenkins (XStream): XML 1.1 declaration, plugin attributes,
        two-space indentation."""
        item = self.item(full_name)
        assert item is not None
        with self.lock:
            item.set_config(_xstream(ET.fromstring(item.config.encode())))

    def add_branch(self, multibranch: str, branch: str) -> None:
        """A branch job, as branch indexing creates it inside a multibranch project."""
        parent = self.item(multibranch)
        assert parent is not None and parent.cls == MULTIBRANCH
        job = Item(branch, WORKFLOW_JOB, parent=parent)
        job.set_config("<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition><actions/>"
                       "<description/><properties/><definition class=\"org.jenkinsci.plugins."
                       "workflow.multibranch.SCMBinder\"><scriptPath>Jenkinsfile</scriptPath>"
                       "</definition><triggers/><disabled>false</disabled></flow-definition>")
        with self.lock:
            parent.children[branch.casefold()] = job

    def _crumb(self, user: str) -> str:
        return hashlib.sha256(f"{self.session}:{user}".encode()).hexdigest()

    # --- the HTTP side ---------------------------------------------------------------------------

    def handle(self, request: _Handler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self.lock:
            self.log.append((method, parts.path + (f"?{parts.query}" if parts.query else "")))
        if self.delay:
            self._closing.wait(self.delay)
        try:
            with self.lock:
                self._front(request, method, parts.path)
                user = self._authenticate(request)
                if method == "POST" and not parts.path.startswith("/pipeline-model-converter/"):
                    self._check_crumb(request, user)
                self._route(request, method, parts.path, query, body, user)
        except _Done:
            pass

    def _front(self, request: _Handler, method: str, path: str) -> None:
        """What sits in front of Jenkins: injected faults, a rate limiter."""
        for fault in self._faults:
            if fault.remaining > 0 and fault.method == method and fault.pattern.search(path):
                fault.remaining -= 1
                _send(request, fault.status, fault.body or f"HTTP ERROR {fault.status}",
                      headers=fault.headers)
        if self._rate_limited > 0:
            self._rate_limited -= 1
            self.limited.append(len(self.log) - 1)
            _send(request, 429, "Too Many Requests", headers={"Retry-After": self.retry_after})

    def _authenticate(self, request: _Handler) -> User | None:
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, value = header.partition(" ")
        try:
            name, _, token = base64.b64decode(value).decode().partition(":")
        except ValueError:
            name, token = "", ""
        user = self.users.get(name)
        if scheme != "Basic" or user is None or not hmac.compare_digest(token, user.token):
            _send(request, 401, _page(f"Invalid password/token for user: {name}"),
                  HTML, {"WWW-Authenticate": 'Basic realm="Jenkins"'})
        return user

    def _check_crumb(self, request: _Handler, user: User | None) -> None:
        sent = request.headers.get(CRUMB_FIELD, "")
        if user is None or not hmac.compare_digest(sent, self._crumb(user.name)):
            _send(request, 403, _page("No valid crumb was included in the request"),
                  HTML)

    def _require(self, request: _Handler, user: User | None, permission: str) -> User:
        if user is None:
            _send(request, 403, _page("Authentication required"), HTML,
                  {"X-You-Are-Authenticated-As": "anonymous",
                   "X-Required-Permission": permission})
        elif not user.may(permission):
            _send(request, 403, _page(f"{user.name} is missing the "
                                      f"{PERMISSION_NAMES[permission]} permission"),
                  HTML,
                  {"X-You-Are-Authenticated-As": user.name, "X-Required-Permission": permission})
        assert user is not None
        return user

    def _route(self, request: _Handler, method: str, path: str, query: dict[str, str],
               body: bytes, user: User | None) -> None:
        self._require(request, user, READ)
        segments = [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []
        item = self.root
        while len(segments) >= 2 and segments[0] == "job":
            child = item.children.get(segments[1].casefold())
            if child is None:
                _send(request, 404, _page("Not Found"), HTML)
            item, segments = child, segments[2:]
        rest = "/".join(segments)
        if item is not self.root:
            self._require(request, user, ITEM_READ)
        routes: dict[tuple[str, str], Callable[[], None]] = {
            ("GET", ""): lambda: _send(request, 200, _page(f"{item.name or 'Dashboard'} "
                                                           f"[Jenkins]"), HTML),
            ("GET", "configure"): lambda: _send(request, 200, _page("Configure"), HTML),
            ("GET", "api/json"): lambda: self._api(request, item, query),
            ("POST", "createItem"): lambda: self._create(request, item, query, body, user),
            ("GET", "config.xml"): lambda: self._get_config(request, item, user),
            ("POST", "config.xml"): lambda: self._post_config(request, item, body, user),
            ("POST", "doDelete"): lambda: self._delete(request, item, user),
        }
        if item is self.root:
            routes.update({
                ("GET", "crumbIssuer/api/json"): lambda: _send_json(request, {
                    "_class": "hudson.security.csrf.DefaultCrumbIssuer",
                    "crumb": self._crumb(_named(user)), "crumbRequestField": CRUMB_FIELD}),
                ("GET", "me/api/json"): lambda: _send_json(request, {
                    "_class": "hudson.model.User", "absoluteUrl": f"{self.url}user/"
                    f"{quote(_named(user))}", "description": None, "fullName": _named(user),
                    "id": _named(user), "property": []}),
                ("GET", "whoAmI/api/json"): lambda: _send_json(request, {
                    "_class": "hudson.security.WhoAmI", "anonymous": False,
                    "authenticated": True, "authorities": ["authenticated"],
                    "name": _named(user)}),
                ("GET", "pluginManager/api/json"): lambda: _send_json(request, {
                    "_class": "hudson.LocalPluginManager", "plugins": []}),
                ("POST", "pipeline-model-converter/validateJenkinsfile"):
                    lambda: self._lint_json(request, body),
                ("POST", "pipeline-model-converter/validate"):
                    lambda: self._lint_text(request, body),
            })
        route = routes.get((method, rest))
        if route is None:
            if any(key[1] == rest for key in routes):  # @RequirePOST and friends
                _send(request, 405, _page(f"HTTP method {method} is not supported by this URL"),
                      HTML)
            _send(request, 404, _page("Not Found"), HTML)
        route()

    # --- items -----------------------------------------------------------------------------------

    def _url(self, item: Item) -> str:
        return self.url + "".join(f"job/{quote(n)}/" for n in item.path)

    def _props(self, item: Item) -> dict[str, Any]:
        if item is self.root:
            return {"_class": HUDSON, "assignedLabels": [{"name": "built-in"}], "mode": "NORMAL",
                    "nodeDescription": "the Jenkins controller's built-in node", "nodeName": "",
                    "numExecutors": 2, "description": None, "jobs": self._children(item),
                    "quietingDown": False, "url": self.url, "useCrumbs": True,
                    "useSecurity": True,
                    "views": [{"_class": "hudson.model.AllView", "name": "all",
                               "url": self.url}]}
        props: dict[str, Any] = {
            "_class": item.cls, "description": item.description, "displayName": item.name,
            "fullDisplayName": " » ".join(item.path), "fullName": item.full_name,
            "name": item.name, "url": self._url(item)}
        if item.cls in JOBS:
            props.update(buildable=not item.disabled, builds=[],
                         color="disabled" if item.disabled else "notbuilt",
                         disabled=item.disabled, firstBuild=None, inQueue=False,
                         keepDependencies=False, lastBuild=None, nextBuildNumber=1, property=[],
                         queueItem=None, concurrentBuild=True, resumeBlocked=False)
        else:
            props.update(healthReport=[], jobs=self._children(item), primaryView=None, views=[])
        return props

    def _children(self, item: Item) -> list[Item]:
        return sorted(item.children.values(), key=lambda c: c.name.casefold())

    def _render(self, item: Item, tree: dict[str, Any] | None) -> dict[str, Any]:
        props = self._props(item)
        if tree is None:  # depth 0: nested items show their summary
            return {k: ([self._summary(c) for c in v] if k == "jobs" else v)
                    for k, v in props.items()}
        out: dict[str, Any] = {"_class": props["_class"]}
        for key, sub in tree.items():
            if key not in props or key == "_class":
                continue
            if key == "jobs":
                out[key] = [self._render(c, sub) if sub else {"_class": c.cls}
                            for c in props[key]]
            else:
                out[key] = props[key]
        return out

    def _summary(self, item: Item) -> dict[str, Any]:
        summary = {"_class": item.cls, "name": item.name, "url": self._url(item)}
        if item.cls in JOBS:
            summary["color"] = "disabled" if item.disabled else "notbuilt"
        return summary

    def _api(self, request: _Handler, item: Item, query: dict[str, str]) -> None:
        tree = _parse_tree(query["tree"]) if "tree" in query else None
        _send_json(request, self._render(item, tree))

    def _get_config(self, request: _Handler, item: Item, user: User | None) -> None:
        if item is self.root:
            _send(request, 404, _page("Not Found"), HTML)
        self._require(request, user, EXTENDED_READ)
        _send(request, 200, item.config, "application/xml")

    def _post_config(self, request: _Handler, item: Item, body: bytes, user: User | None) -> None:
        if item is self.root:
            _send(request, 404, _page("Not Found"), HTML)
        self._require(request, user, CONFIGURE)
        config = self._readable(request, body)
        cls = CLASS_OF_TAG.get(ET.fromstring(body).tag)
        if cls != item.cls:
            _send(request, 500, _page(f"java.io.IOException: Expecting class {item.cls} but got "
                                      f"class {cls} instead"), HTML)
        item.set_config(config)
        _send(request, 200, "")

    def _readable(self, request: _Handler, body: bytes) -> str:
        try:
            root = ET.fromstring(body)
            text = body.decode("utf-8")
        except (ET.ParseError, UnicodeDecodeError):
            _send(request, 500, _page("java.io.IOException: Failed to persist config.xml"),
                  HTML)
        if root.tag not in CLASS_OF_TAG:
            _send(request, 500, _page(f"com.thoughtworks.xstream.mapper."
                                      f"CannotResolveClassException: {root.tag}"),
                  HTML)
        return text

    def _create(self, request: _Handler, parent: Item, query: dict[str, str], body: bytes,
                user: User | None) -> None:
        if parent is not self.root and parent.cls != FOLDER:
            _send(request, 404, _page("Not Found"), HTML)
        self._require(request, user, CREATE)
        content_type = request.headers.get("Content-Type") or ""
        form: dict[str, str] = {}
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        name = query.get("name") or form.get("name") or ""
        if not name:
            _send(request, 400, _page("Query parameter 'name' is required"), HTML)
        bad = next((c for c in name if c in UNSAFE), None)
        if bad is not None or name in (".", ".."):
            _send(request, 400, _page(f"‘{bad or name}’ is an unsafe character"), HTML)
        if name.casefold() in parent.children:
            _send(request, 400, _page(f"A job already exists with the name ‘{name}’"),
                  HTML)
        mode = query.get("mode") or form.get("mode")
        item = Item(name, "", parent=parent)
        if mode:
            tag = TAG_OF_CLASS.get(mode)
            if tag is None:
                _send(request, 400, _page(f"No item type ‘{mode}’ is known"), HTML)
            item.cls = mode
            item.set_config(f"<?xml version='1.1' encoding='UTF-8'?>\n<{tag}><actions/>"
                            f"<description></description><properties/></{tag}>")
            parent.children[name.casefold()] = item
            _send(request, 302, "", headers={"Location": self._url(item) + "configure"})
        if not content_type:
            _send(request, 400, _page("No Content-Type header set"), HTML)
        if not content_type.startswith(("application/xml", "text/xml")):
            _send(request, 400, _page("No mode given"), HTML)
        config = self._readable(request, body)
        item.cls = CLASS_OF_TAG[ET.fromstring(body).tag]
        item.set_config(config)
        parent.children[name.casefold()] = item
        _send(request, 200, "")

    def _delete(self, request: _Handler, item: Item, user: User | None) -> None:
        if item is self.root or item.parent is None:
            _send(request, 404, _page("Not Found"), HTML)
        self._require(request, user, DELETE)
        del item.parent.children[item.name.casefold()]
        _send(request, 302, "", headers={"Location": self._url(item.parent)})

    # --- the declarative linter ------------------------------------------------------------------

    def _lint_json(self, request: _Handler, body: bytes) -> None:
        text = _form(body).get("jenkinsfile", "")
        if not text:
            errors: list[str] = ["No content found for 'jenkinsfile' parameter"]
        else:
            errors = [f"{m} @ line {line}, column {col}." for m, line, col in lint_groovy(text)]
            if not errors and not re.search(r"^\s*pipeline\s*\{", text, re.MULTILINE):
                errors = [f"Jenkinsfile content '{text}' did not contain the 'pipeline' step"]
        data: dict[str, Any] = {"result": "success"}
        if errors:  # net.sf.json accumulate: one message is a string, several a list
            data = {"result": "failure",
                    "errors": [{"error": errors[0] if len(errors) == 1 else errors}]}
        _send_json(request, {"status": "ok", "data": data})

    def _lint_text(self, request: _Handler, body: bytes) -> None:
        text = _form(body).get("jenkinsfile")
        if text is None:
            _send(request, 200, "No Jenkinsfile specified", "text/plain;charset=utf-8")
        problems = lint_groovy(text or "")
        if not problems:
            _send(request, 200, "Jenkinsfile successfully validated.", "text/plain;charset=utf-8")
        lines = (text or "").splitlines()
        out = ["Errors encountered validating Jenkinsfile:"]
        for message, line, col in problems:
            source = lines[line - 1] if 0 < line <= len(lines) else ""
            out.append(f"WorkflowScript: {line}: {message} @ line {line}, column {col}.\n"
                       f"   {source}\n   {' ' * (col - 1)}^\n")
        _send(request, 200, "\n".join(out), "text/plain;charset=utf-8")


_TOKENS = re.compile(r"""//[^\n]*|/\*.*?(?:\*/|\Z)|'''.*?(?:'''|\Z)|\"\"\".*?(?:\"\"\"|\Z)"""
                     r"""|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|[{}()\[\]]""", re.DOTALL)


def lint_groovy(text: str) -> list[tuple[str, int, int]]:
    """Unbalanced (), [] and {} outside strings and comments, as Groovy 2.4's parser reports
    them: (message, line, column)."""
    pairs = {"}": "{", ")": "(", "]": "["}
    closing = {"{": "}", "(": ")", "[": "]"}
    stack: list[tuple[str, int]] = []

    def at(pos: int) -> tuple[int, int]:
        line = text.count("\n", 0, pos) + 1
        return line, pos - (text.rfind("\n", 0, pos) + 1) + 1

    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in closing:
            stack.append((char, token.start()))
        elif char in pairs:
            if not stack or stack[-1][0] != pairs[char]:
                return [(f"unexpected token: {char}", *at(token.start()))]
            stack.pop()
    if stack:
        return [(f"expecting '{closing[stack[-1][0]]}', found ''", *at(len(text)))]
    return []


def _parse_tree(spec: str) -> dict[str, Any]:
    """``jobs[name,url,jobs[name]]`` -> {"jobs": {"name": {}, "url": {}, "jobs": {...}}}."""
    pos = 0

    def parse() -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while pos < len(spec) and spec[pos] != "]":
            match = re.compile(r"[^,\[\]{}]*").match(spec, pos)
            assert match is not None
            name = match.group().strip()
            pos = match.end()
            sub: dict[str, Any] = {}
            if pos < len(spec) and spec[pos] == "[":
                pos += 1
                sub = parse()
                pos += 1  # ]
            if pos < len(spec) and spec[pos] == "{":  # a range: jobs[name]{0,10}
                pos = spec.index("}", pos) + 1
            if name:
                out[name] = sub
            if pos < len(spec) and spec[pos] == ",":
                pos += 1
        return out

    return parse()


def _xstream(root: ET.Element) -> str:
    for element in root.iter():
        tag = element.tag if element is root else element.get("class", "")
        if element is root and tag in PLUGINS:
            element.set("plugin", PLUGINS[tag])
        elif element is not root and ".git." in tag:
            element.set("plugin", "git@5.6.0")
        elif element is not root and tag.startswith("org.jenkinsci.plugins.workflow.cps."):
            element.set("plugin", "workflow-cps@4009.v0089238351a_9")
    for element in root.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        element.tail = None
    ET.indent(root, "  ")
    return "<?xml version='1.1' encoding='UTF-8'?>\n" + ET.tostring(root, encoding="unicode")


def _form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


def _named(user: User | None) -> str:
    return user.name if user is not None else "anonymous"


def _page(message: str) -> str:
    from html import escape

    return (f"<html><head><title>Error [Jenkins]</title></head><body><h1>{escape(message)}"
            f"</h1></body></html>")


def _send(request: _Handler, status: int, body: str, content_type: str = "text/plain",
          headers: dict[str, str] | None = None) -> NoReturn:
    data = body.encode("utf-8")
    request.send_response(status)
    request.send_header("X-Jenkins", VERSION)
    fake: FakeJenkins = request.server.fake  # type: ignore[attr-defined]
    request.send_header("X-Jenkins-Session", fake.session)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        request.send_header(key, value)
    request.end_headers()
    request.wfile.write(data)
    raise _Done


def _send_json(request: _Handler, data: Any) -> NoReturn:
    _send(request, 200, json.dumps(data), "application/json;charset=utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (a timeout, a refused TLS handshake) is not news


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Jenkins' Jetty
    disable_nagle_algorithm = True  # headers and body leave at once (no delayed-ACK stalls)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.fake.handle(self, "GET")  # type: ignore[attr-defined]

    def do_POST(self) -> None:  # noqa: N802
        self.server.fake.handle(self, "POST")  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base signature
        pass


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Serve a fake Jenkins on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--token", default="admin-token")
    args = parser.parse_args()
    fake = FakeJenkins([User(args.user, args.token)], port=args.port).start()
    print(fake.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()


# --- helpers for the tests that use the fake -----------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROJECTS = ("ledger", "payments-api", "storefront")


def example_fleet(root: Path) -> list[Path]:
    """The examples (company acme, department payments, three projects) copied under ``root``;
    returns the project directories."""
    shutil.copytree(EXAMPLES / "layers", root / "layers")
    shutil.copytree(EXAMPLES / "projects", root / "projects")
    return [root / "projects" / name for name in PROJECTS]


def add_yaml(spec: Path, text: str) -> None:
    """Append top-level YAML to a spec (its keys must not be there yet)."""
    spec.write_text(spec.read_text() + "\n" + text.strip("\n") + "\n")
