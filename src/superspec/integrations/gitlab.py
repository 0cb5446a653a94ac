"""The GitLab adapter: the only module importing python-gitlab (and, through it, requests).

Every request names what it does (a ``Call``), so a failure becomes one line saying which
operation on which project failed, and which credential or permission is missing. Answers that
mean "absent" (a file, a branch, a resource group not created yet) come back as ``None``.

The token is read by the CLI from ``SUPERSPEC_GITLAB_TOKEN`` and only ever travels in the
``PRIVATE-TOKEN`` header of requests to the server named by ``--url``: redirects are refused
(requests would forward that header to another host), a pagination link to another server is
refused, and every message built here has the token removed. python-gitlab and requests
exceptions never leave this module; they become ``GitlabError`` (an ``InputError``) raised
``from None``, so neither the message nor a crash log carries anything of the request.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import gitlab
import gitlab.exceptions as glexc
import requests
import urllib3

from superspec.integrations.gitlab_model import (
    REASONS,
    TOKEN_ENV,
    Call,
    GitlabError,
    LintResult,
    MergeRequest,
    RemoteProject,
    Retry,
    Settings,
    connect_reason,
    detail,
    forbidden,
    not_found,
    tls_reason,
)

T = TypeVar("T")


class _ForeignUrl(Exception):
    """The server handed back a URL on another host (a pagination link)."""


class _Malformed(Exception):
    """An answer without a field superspec needs."""


class _Client(gitlab.Gitlab):
    """python-gitlab's client with superspec's retries and the foreign-URL guard."""

    retry: Retry
    last_headers: Mapping[str, str] = {}

    def http_request(self, verb: str, path: str, *args: Any, **kwargs: Any) -> requests.Response:
        if path.startswith(("http://", "https://")) and not path.startswith(self.url + "/"):
            raise _ForeignUrl(urlsplit(path).netloc)
        kwargs.update(obey_rate_limit=False, retry_transient_errors=False)
        attempt = 0
        while True:
            self.last_headers = {}
            failure: Exception
            try:
                return super().http_request(verb, path, *args, **kwargs)
            except glexc.GitlabHttpError as exc:
                status: int | None = exc.response_code
                failure = exc
            except requests.Timeout as exc:
                status, failure = None, exc
            wait = self.retry.wait(status, verb, attempt, self.last_headers)
            if wait is None:
                self.retry.retries = attempt
                raise failure
            attempt += 1
            self.retry.sleep(wait)

    def remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_headers = response.headers


class GitlabApi:
    """The requests superspec makes, each returning plain values (no python-gitlab objects)."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        session = requests.Session()
        session.max_redirects = 0  # a redirect would carry PRIVATE-TOKEN to its target
        verify: bool | str = settings.ca_bundle or not settings.insecure
        if settings.insecure:
            warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
        self._gl = _Client(settings.url, private_token=settings.token, ssl_verify=verify,
                           timeout=settings.timeout, session=session)
        self._gl.retry = Retry(settings.max_retries, settings.max_wait, sleep)
        session.hooks["response"].append(self._gl.remember)

    # -- reads -----------------------------------------------------------------------------

    def group_projects(self, group: str) -> list[RemoteProject]:
        """Every project of the group and its subgroups (not archived, not shared in)."""
        def fetch() -> list[RemoteProject]:
            manager = self._gl.groups.get(group, lazy=True).projects
            with warnings.catch_warnings():  # a link elsewhere is refused: see _ForeignUrl
                warnings.filterwarnings("ignore", "The base URL in the server response differs")
                pages = manager.list(iterator=True, include_subgroups=True, with_shared=False,
                                     archived=False, per_page=self.settings.per_page)
                return [_remote(item.attributes) for item in pages]
        return self._run(Call(f"list the projects of group {group}", group=group), fetch)

    def project(self, path: str) -> RemoteProject:
        return self._run(Call(f"read project {path}", project=path),
                         lambda: _remote(self._gl.projects.get(path).attributes))

    def read_file(self, project: RemoteProject, name: str, ref: str) -> bytes | None:
        def fetch() -> bytes:
            data = self._project(project).files.raw(file_path=name, ref=ref)
            return data if isinstance(data, bytes) else b""
        return self._maybe(Call(f"read {name} at {ref} in {project.path}",
                                project=project.path), fetch)

    def branch_exists(self, project: RemoteProject, branch: str) -> bool:
        found = self._maybe(Call(f"read branch {branch} of {project.path}",
                                 project=project.path),
                            lambda: self._project(project).branches.get(branch))
        return found is not None

    def open_merge_request(self, project: RemoteProject, branch: str) -> MergeRequest | None:
        def fetch() -> list[MergeRequest]:
            found = self._project(project).mergerequests.list(
                source_branch=branch, state="opened", get_all=True)
            return sorted((_merge_request(mr.attributes) for mr in found), key=lambda m: m.iid)
        found = self._run(Call(f"list the open merge requests of {project.path}",
                               project=project.path), fetch)
        return found[0] if found else None

    def resource_group_mode(self, project: RemoteProject, key: str) -> str | None:
        """The process mode, or None while the group does not exist (no job used it yet)."""
        found = self._maybe(
            Call(f"read resource group {key} of {project.path}", project=project.path,
                 role="Developer"),
            lambda: self._project(project).resource_groups.get(key))
        return None if found is None else str(found.attributes.get("process_mode"))

    # -- the CI lint API (changes nothing, but needs a pipeline creator) -------------------

    def lint(self, project: RemoteProject, content: str) -> LintResult:
        def fetch() -> LintResult:
            data = self._project(project).ci_lint.create({"content": content}).attributes
            return LintResult(bool(data.get("valid")), _strings(data.get("errors")),
                              _strings(data.get("warnings")))
        return self._run(Call(f"lint .gitlab-ci.yml with the CI lint API of {project.path}",
                              project=project.path, write=True, role="Developer"), fetch)

    # -- writes ----------------------------------------------------------------------------

    def create_branch(self, project: RemoteProject, branch: str, ref: str) -> None:
        self._run(Call(f"create branch {branch} from {ref} in {project.path}",
                       project=project.path, write=True, role="Developer"),
                  lambda: self._project(project).branches.create({"branch": branch, "ref": ref}))

    def commit(self, project: RemoteProject, branch: str, message: str,
               actions: list[tuple[str, str, str]]) -> str:
        """One commit of several files: actions are (create|update, path, content)."""
        data = {"branch": branch, "commit_message": message,
                "actions": [{"action": action, "file_path": path, "content": content}
                            for action, path, content in actions]}

        def send() -> str:
            made = self._project(project).commits.create(data).attributes
            return str(made.get("short_id") or made.get("id") or "")
        return self._run(Call(f"commit to branch {branch} of {project.path}",
                              project=project.path, write=True, role="Developer"), send)

    def create_merge_request(self, project: RemoteProject, source: str, target: str,
                             title: str, description: str) -> MergeRequest:
        data = {"source_branch": source, "target_branch": target, "title": title,
                "description": description, "remove_source_branch": True}
        return self._run(
            Call(f"open a merge request from {source} in {project.path}", project=project.path,
                 write=True, role="Developer"),
            lambda: _merge_request(self._project(project).mergerequests.create(data).attributes))

    def update_merge_request(self, project: RemoteProject, iid: int, title: str,
                             description: str) -> MergeRequest:
        def send() -> MergeRequest:
            answer = self._project(project).mergerequests.update(
                iid, {"title": title, "description": description})
            return _merge_request(answer)
        return self._run(Call(f"update merge request !{iid} of {project.path}",
                              project=project.path, write=True, role="Developer"), send)

    def set_resource_group_mode(self, project: RemoteProject, key: str,
                                mode: str) -> str | None:
        """Set the process mode; None when the group does not exist (yet)."""
        def send() -> str:
            answer = self._project(project).resource_groups.update(key, {"process_mode": mode})
            return str(answer.get("process_mode", mode))
        return self._maybe(Call(f"set the process mode of resource group {key} in "
                                f"{project.path}", project=project.path, write=True,
                                role="Developer"), send)

    # -- plumbing --------------------------------------------------------------------------

    def _project(self, project: RemoteProject) -> Any:
        return self._gl.projects.get(project.id, lazy=True)

    def _run(self, call: Call, fetch: Callable[[], T]) -> T:
        self._gl.retry.retries, self._gl.retry.asked = 0, None
        try:
            return fetch()
        except (glexc.GitlabError, requests.RequestException, _ForeignUrl) as exc:
            raise self._translate(call, exc) from None
        except _Malformed as exc:
            raise GitlabError(self.redact(f"GitLab at {self.settings.url} answered with data "
                                          f"superspec cannot read while trying to {call.what}: "
                                          f"{exc}")) from None

    def _maybe(self, call: Call, fetch: Callable[[], T]) -> T | None:
        """Like _run, with None for a 404 (something that does not exist)."""
        def attempt() -> T | None:
            try:
                return fetch()
            except glexc.GitlabError as exc:
                if exc.response_code == 404:
                    return None
                raise
        return self._run(call, attempt)

    def _translate(self, call: Call, exc: Exception) -> GitlabError:
        message, status, fatal = _explain(call, exc, self.settings, self._gl.retry)
        return GitlabError(self.redact(message), status, fatal)

    def redact(self, text: str) -> str:
        token = self.settings.token
        return text.replace(token, "[token]") if token else text


def _explain(call: Call, exc: Exception, settings: Settings,
             retry: Retry) -> tuple[str, int | None, bool]:
    """(message, HTTP status, fatal) for a failed request."""
    url, doing = settings.url, f"while trying to {call.what}"
    if isinstance(exc, _ForeignUrl):
        return (f"GitLab at {url} sent a link to another server ({exc}) {doing}; the token is "
                f"not sent there (check the server's external_url)", None, True)
    if isinstance(exc, requests.exceptions.SSLError):
        return (f"TLS verification of GitLab at {url} failed {doing}: {tls_reason(exc)} "
                f"(--ca-bundle FILE names the CA that signed the server's certificate)",
                None, True)
    if isinstance(exc, requests.TooManyRedirects):
        response = getattr(exc, "response", None)
        where = urlsplit(response.headers.get("Location", "")) if response is not None else None
        target = f" to {where.scheme}://{where.hostname}" if where and where.hostname else ""
        return (f"GitLab at {url} redirected the request{target} {doing}; give --url the "
                f"address the server answers on (redirects are not followed: they would carry "
                f"the token)", None, True)
    if isinstance(exc, requests.Timeout):
        tries = f" ({retry.retries} retries)" if retry.retries else ""
        return (f"GitLab at {url} did not answer within {settings.timeout:g} s {doing}{tries}",
                None, False)
    if isinstance(exc, requests.RequestException):
        return f"cannot connect to GitLab at {url} {doing}: {connect_reason(exc)}", None, True
    assert isinstance(exc, glexc.GitlabError)
    if isinstance(exc, glexc.GitlabParsingError):
        return (f"GitLab at {url} answered with something that is not GitLab's JSON {doing}: "
                f"is --url the GitLab server?", None, False)
    code = exc.response_code
    said = detail(exc.error_message)
    if isinstance(exc, glexc.GitlabAuthenticationError) or code == 401:
        return (f"GitLab at {url} rejected the token in {TOKEN_ENV} (401 Unauthorized) {doing}: "
                f"the token is wrong, expired or revoked", 401, True)
    if code == 403:
        return forbidden(call, said, exc.response_body), 403, False
    if code == 404:
        return not_found(call, url, said), 404, False
    if code == 429:
        tries = f"gave up after {retry.retries} retries"
        if retry.asked is not None and retry.asked > settings.max_wait:
            tries = f"it asks to wait {retry.asked:g} s, longer than superspec waits"
        return f"GitLab kept answering 429 Too Many Requests {doing} ({tries})", 429, False
    if code is None:
        return f"GitLab: cannot {call.what}: {said}", None, False
    reason = f"{code} {REASONS.get(code, 'Error')}"
    if code >= 500:
        tries = f" after {retry.retries} retries" if retry.retries else ""
        return f"GitLab answered {reason}{tries} {doing}: {said}", code, False
    return f"GitLab refused to {call.what} ({reason}: {said})", code, False


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _remote(data: Mapping[str, Any]) -> RemoteProject:
    try:
        return RemoteProject(id=int(data["id"]), path=_clean(data["path_with_namespace"]),
                             default_branch=_clean(data.get("default_branch") or "") or None,
                             web_url=_clean(data.get("web_url") or ""),
                             archived=bool(data.get("archived")))
    except (KeyError, TypeError, ValueError):
        raise _Malformed("a project without id or path_with_namespace") from None


def _merge_request(data: Mapping[str, Any]) -> MergeRequest:
    try:
        return MergeRequest(iid=int(data["iid"]), web_url=_clean(data.get("web_url") or ""),
                            title=str(data.get("title") or ""),
                            description=str(data.get("description") or ""))
    except (KeyError, TypeError, ValueError):
        raise _Malformed("a merge request without iid") from None


def _clean(value: Any) -> str:
    """A name or URL from an answer, printed as is: no control character reaches a terminal."""
    return "".join(c if c.isprintable() else "?" for c in str(value))
