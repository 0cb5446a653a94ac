"""The Jenkins server through python-jenkins: the only module importing it (and requests).

Every call goes through one wrapper that turns the library's and requests' exceptions into a
``JenkinsError`` (an InputError) with one line naming the job, the operation and the cause
(401/403/404/409/429, timeouts, TLS), composed here: no library message, URL or response text
reaches the user unredacted, and no exception carries the token. Requests answered 429 (or 503)
are retried with backoff, honouring Retry-After. Each worker thread has its own handle (crumb,
session); the request counter is shared.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import jenkins
import requests
import urllib3

from superspec.errors import InputError
from superspec.integrations.jenkins_auth import Credentials
from superspec.integrations.jenkins_config import folder_config

T = TypeVar("T")
RETRIED = (429, 503)
PERMISSIONS = {
    "hudson.model.Hudson.Read": "Overall/Read",
    "hudson.model.Hudson.Administer": "Overall/Administer",
    "hudson.model.Item.Read": "Job/Read",
    "hudson.model.Item.ExtendedRead": "Job/ExtendedRead",
    "hudson.model.Item.Configure": "Job/Configure",
    "hudson.model.Item.Create": "Job/Create",
    "hudson.model.Item.Delete": "Job/Delete",
}


class JenkinsError(InputError):
    """One failed call: ``status`` is the HTTP status (None: no answer); ``fatal`` when no other
    call can succeed either (bad credentials, no server, TLS)."""

    def __init__(self, message: str, *, status: int | None = None, fatal: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.fatal = fatal


@dataclass(frozen=True)
class Connection:
    url: str  # base URL ending in '/'
    credentials: Credentials
    verify: bool | str = True  # False: --insecure; a path: --ca-bundle
    timeout: float = 30.0
    attempts: int = 5  # per request, when the server answers 429 or 503
    backoff: float = 1.0  # seconds before the 2nd attempt, doubling; Retry-After wins
    max_wait: float = 60.0


class _Handle(jenkins.Jenkins):
    """python-jenkins with retries on 429/503, a request counter and the last response kept."""

    def __init__(self, connection: Connection, count: Callable[[], None]) -> None:
        creds = connection.credentials
        super().__init__(connection.url, creds.user, creds.token, timeout=connection.timeout)
        self._auths: list[Any] = self._auths[:1]  # basic auth only: no probing of others
        self._session.verify = connection.verify  # also over PYTHONHTTPSVERIFY=0
        self.connection = connection
        self.count = count
        self.last: requests.Response | None = None
        self.attempts = 0

    def _request(self, req: requests.Request, stream: Any = None) -> requests.Response:
        conn = self.connection
        for attempt in range(1, conn.attempts + 1):
            self.last, self.attempts = None, attempt
            self.count()
            response: requests.Response = super()._request(req, stream)
            self.last = response
            if response.status_code not in RETRIED or attempt == conn.attempts:
                return response
            wait = _retry_after(response)
            if wait is None:
                wait = conn.backoff * 2 ** (attempt - 1)
            response.close()
            time.sleep(min(wait, conn.max_wait))
        raise AssertionError("unreachable")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class JenkinsClient:
    """The calls superspec makes, each returning plain data or raising JenkinsError."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._local = threading.local()
        self._lock = threading.Lock()
        self.requests = 0
        if connection.verify is False:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    @property
    def server(self) -> str:
        return self.connection.url

    def _count(self) -> None:
        with self._lock:
            self.requests += 1

    def _handle(self) -> _Handle:
        handle: _Handle | None = getattr(self._local, "handle", None)
        if handle is None:
            handle = self._local.handle = _Handle(self.connection, self._count)
        return handle

    # --- the calls ------------------------------------------------------------------------------

    def check(self) -> str:
        """Who we are and that this is Jenkins: the server's version (X-Jenkins)."""
        handle = self._handle()
        self._call("check the credentials", None, "hudson.model.Hudson.Read", handle.get_whoami)
        version = handle.last.headers.get("X-Jenkins") if handle.last is not None else None
        if not version:  # what python-jenkins' get_version reads, here from the same answer
            raise JenkinsError(f"{self.server} does not answer like a Jenkins server (no "
                               f"X-Jenkins header)", fatal=True)
        return str(version)

    def list_jobs(self, depth: int) -> list[dict[str, Any]]:
        """Every item down to ``depth`` folder levels, in one request while depth < 10."""
        handle = self._handle()
        jobs: list[dict[str, Any]] = self._call(
            "list the jobs", None, "hudson.model.Item.Read",
            lambda: handle.get_all_jobs(folder_depth=depth, folder_depth_per_request=depth + 1))
        return jobs

    def job_config(self, name: str) -> str | None:
        """The live config.xml, or None when the job does not exist."""
        handle = self._handle()
        try:
            config: str = self._call("read the config of", name, "hudson.model.Item.ExtendedRead",
                                     lambda: handle.get_job_config(name))
        except JenkinsError as exc:
            if exc.status == 404:
                return None
            raise
        return config

    def create_job(self, name: str, config: str) -> None:
        handle = self._handle()
        self._call("create", name, "hudson.model.Item.Create",
                   lambda: handle.create_job(name, config))

    def update_job(self, name: str, config: str) -> None:
        handle = self._handle()
        self._call("update", name, "hudson.model.Item.Configure",
                   lambda: handle.reconfig_job(name, config))

    def delete_job(self, name: str) -> None:
        handle = self._handle()
        self._call("delete", name, "hudson.model.Item.Delete", lambda: handle.delete_job(name))

    def create_folder(self, name: str) -> None:
        handle = self._handle()
        config = folder_config("Folder created by superspec jenkins apply.")
        self._call("create the folder", name, "hudson.model.Item.Create",
                   lambda: handle.create_job(name, config))

    def lint(self, name: str, jenkinsfile: str) -> list[Any]:
        """The declarative linter's errors for ``jenkinsfile`` (empty: valid)."""
        handle = self._handle()
        errors: list[Any] = self._call("lint the Jenkinsfile of", name, "hudson.model.Hudson.Read",
                                       lambda: handle.check_jenkinsfile_syntax(jenkinsfile))
        return errors

    # --- errors ---------------------------------------------------------------------------------

    def _call(self, what: str, name: str | None, permission: str | None,
              call: Callable[[], T]) -> T:
        handle = self._handle()
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - every library failure becomes one line
            error = self._explain(exc, handle, what, name, permission)
        raise error

    def _explain(self, exc: Exception, handle: _Handle, what: str, name: str | None,
                 permission: str | None) -> JenkinsError:
        creds = self.connection.credentials
        action = f"{what} job {name}" if name else what
        if what == "create the folder":
            action = f"create the folder {name}"
        response = handle.last
        if response is None or response.status_code < 400:
            return self._no_answer(exc, action)
        status = response.status_code
        where = f"{response.request.method} {_path(response.url)}"
        body = _excerpt(response, creds)
        if status == 401:
            return JenkinsError(f"{self.server} refused the credentials of user '{creds.user}' "
                                f"from {creds.source} (401): check the API token", status=401,
                                fatal=True)
        if status == 403:
            if "crumb" in body.lower():
                return JenkinsError(f"cannot {action}: the server refused the CSRF crumb (403 on "
                                    f"{where})", status=403)
            needed = _permission(response, body) or PERMISSIONS.get(permission or "", "")
            lacks = f"the {needed} permission" if needed else "a permission"
            return JenkinsError(f"cannot {action}: user '{creds.user}' ({creds.source}) is "
                                f"missing {lacks} (403 on {where})", status=403,
                                fatal=permission == "hudson.model.Hudson.Read")
        if status == 404:
            return JenkinsError(f"cannot {action}: not found on the server (404 on {where})",
                                status=404)
        if status == 409:
            return JenkinsError(f"cannot {action}: the server reports a conflict (409 on "
                                f"{where}){_said(body)}", status=409)
        if status in RETRIED:
            return JenkinsError(f"cannot {action}: the server still answered {status} "
                                f"({'rate limited' if status == 429 else 'unavailable'}) after "
                                f"{handle.attempts} attempts with backoff", status=status)
        return JenkinsError(f"cannot {action}: HTTP {status} on {where}{_said(body)}",
                            status=status)

    def _no_answer(self, exc: BaseException, action: str) -> JenkinsError:
        chain = _chain(exc)
        if any(isinstance(e, requests.exceptions.SSLError) for e in chain):
            hint = "; give the CA with --ca-bundle FILE" if self.connection.verify is True else ""
            return JenkinsError(f"cannot {action}: TLS verification of {self.server} failed "
                                f"(certificate not trusted or not for this host){hint}",
                                fatal=True)
        if any(isinstance(e, (requests.exceptions.Timeout, jenkins.TimeoutException))
               for e in chain):
            return JenkinsError(f"cannot {action}: no answer from {self.server} within "
                                f"{self.connection.timeout:g} s (--timeout)")
        if any(isinstance(e, requests.exceptions.ConnectionError) for e in chain):
            return JenkinsError(f"cannot {action}: cannot connect to {self.server} (connection "
                                f"refused or reset)", fatal=True)
        if isinstance(exc, jenkins.JenkinsException):  # python-jenkins' own finding
            said = self.connection.credentials.redact(str(exc)).strip().splitlines()
            return JenkinsError(f"cannot {action}: {said[0] if said else type(exc).__name__}")
        if any(isinstance(e, ValueError) for e in chain):
            return JenkinsError(f"cannot {action}: the server's answer is not what Jenkins "
                                f"sends (unreadable JSON or XML)")
        return JenkinsError(f"cannot {action}: {type(exc).__name__} talking to {self.server}")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _path(url: str | None) -> str:
    return urlsplit(url or "").path or "/"


def _permission(response: requests.Response, body: str) -> str:
    header = response.headers.get("X-Required-Permission", "")
    if header:
        return PERMISSIONS.get(header, header)
    found = re.search(r"is missing the (\S+) permission", body)
    return found.group(1) if found else ""


def _excerpt(response: requests.Response, creds: Credentials, limit: int = 160) -> str:
    """The server's message, as one short line of text, the token redacted."""
    try:
        text = response.text
    except Exception:  # noqa: BLE001 - an undecodable body says nothing useful
        return ""
    title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if "<html" in text.lower():
        messages = re.findall(r"<(?:h1|h2|p)[^>]*>(.*?)</(?:h1|h2|p)>", text,
                              re.IGNORECASE | re.DOTALL)
        text = " ".join(messages) if messages else (title.group(1) if title else "")
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    text = creds.redact(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _said(body: str) -> str:
    return f": {body}" if body else ""
