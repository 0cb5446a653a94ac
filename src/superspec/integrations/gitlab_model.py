"""GitLab settings, values and messages that need no client library (python-gitlab is imported
by ``superspec.integrations.gitlab`` only)."""

from __future__ import annotations

import email.utils
import ipaddress
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from superspec.errors import InputError, UsageError

TOKEN_ENV = "SUPERSPEC_GITLAB_TOKEN"
URL_ENV = "SUPERSPEC_GITLAB_URL"
REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 422: "Unprocessable Entity",
           429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}
RETRY_STATUSES = (500, 502, 503, 504)  # retried for reads only: a write may have happened


@dataclass(frozen=True)
class Settings:
    url: str  # checked by check_url: no credentials, no query
    token: str = field(repr=False)
    ca_bundle: str | None = None
    insecure: bool = False
    timeout: float = 30.0
    max_retries: int = 5  # per request, for 429 (and 500/502/503/504 or a timeout on reads)
    max_wait: float = 60.0  # the longest single wait; a longer Retry-After gives up at once
    per_page: int = 100


@dataclass(frozen=True)
class RemoteProject:
    id: int
    path: str  # path_with_namespace
    default_branch: str | None  # None: an empty repository
    web_url: str = ""
    archived: bool = False


@dataclass(frozen=True)
class MergeRequest:
    iid: int
    web_url: str
    title: str
    description: str


@dataclass(frozen=True)
class LintResult:
    valid: bool
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    """What a request does, for messages: ``what`` completes "while trying to ..."."""

    what: str
    project: str | None = None  # the project path (404: which project)
    group: str | None = None  # the group path (404: which group)
    write: bool = False  # needs the api scope (reads need read_api)
    role: str = "Reporter"  # the least role in the project that allows it


class GitlabError(InputError):
    """A request failed. ``fatal``: every other request would fail the same way (the token
    was rejected, the server cannot be reached), so a fleet run stops."""

    def __init__(self, message: str, status: int | None = None, fatal: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.fatal = fatal


def check_url(value: str | None) -> str:
    """The server's base URL, or a UsageError that never repeats a credential."""
    if not value:
        raise UsageError(f"no GitLab server: give --url URL or set {URL_ENV}")
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UsageError("--url is not a valid URL") from None
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"--url must not carry credentials (user:password@); the token "
                         f"comes from {TOKEN_ENV} only")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError("--url must be the http:// or https:// address of the GitLab server")
    if parts.query or parts.fragment:
        raise UsageError("--url must not have a query (?...) or a fragment (#...)")
    path = parts.path.rstrip("/")
    if path.endswith("/api/v4"):
        path = path[: -len("/api/v4")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def check_token(value: str | None) -> str:
    """The token from the environment; a message about it never shows it."""
    token = (value or "").strip()
    if not token:
        raise UsageError(f"set {TOKEN_ENV} to a GitLab access token (scope read_api for plan "
                         f"and audit, api for publish); it is never taken on the command line")
    if any(not "\x21" <= c <= "\x7e" for c in token):
        raise UsageError(f"{TOKEN_ENV} holds a space, a control or a non-ASCII character "
                         f"inside: a GitLab token is one word")
    return token


def connection_warnings(settings: Settings) -> list[str]:
    """What the CLI should warn about before the first request."""
    found = []
    if settings.insecure:
        found.append(f"--insecure: the TLS certificate of {settings.url} is not verified; "
                     f"anyone on the network path can read the token")
    host = urlsplit(settings.url).hostname or ""
    if settings.url.startswith("http://") and not _loopback(host):
        found.append(f"{settings.url} is plain http://: the token travels unencrypted")
    return found


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Retry:
    """When to try a request again: 429 always (the server did nothing), 500/502/503/504 and
    timeouts for reads only. Waits honour Retry-After (seconds or an HTTP date), else back off
    exponentially (1, 2, 4, ... s); a Retry-After longer than ``max_wait`` gives up at once."""

    def __init__(self, max_retries: int, max_wait: float,
                 sleep: Callable[[float], None]) -> None:
        self.max_retries, self.max_wait, self.sleep = max_retries, max_wait, sleep
        self.retries = 0  # of the request that failed last
        self.asked: float | None = None  # its last Retry-After, in seconds

    def wait(self, status: int | None, verb: str, attempt: int,
             headers: Mapping[str, str]) -> float | None:
        reads = verb.lower() in ("get", "head")
        if not (status == 429 or (reads and (status is None or status in RETRY_STATUSES))):
            return None
        self.asked = retry_after(headers)
        if attempt >= self.max_retries:
            return None
        if self.asked is not None:
            return None if self.asked > self.max_wait else self.asked
        return min(self.max_wait, float(2 ** attempt))


def retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def forbidden(call: Call, detail: str, body: bytes | None) -> str:
    scope = "api" if call.write else "read_api"
    if detail == "insufficient_scope" or b"insufficient_scope" in (body or b""):
        return (f"GitLab refused to {call.what} (403 Forbidden): the token in {TOKEN_ENV} "
                f"lacks the {scope} scope")
    where = f"project {call.project}" if call.project else f"group {call.group}"
    said = "" if detail in ("", "403 Forbidden") else f": {detail}"
    return (f"GitLab refused to {call.what} (403 Forbidden{said}): the token's user needs "
            f"at least the {call.role} role in {where} (and the token the {scope} scope)")


def not_found(call: Call, url: str, detail: str) -> str:
    if call.group is not None:
        return (f"GitLab at {url} has no group {call.group} that the token's user can see "
                f"(404 Not Found): check --group")
    if call.project is not None and "project" in detail.lower():
        return (f"GitLab at {url} has no project {call.project} that the token's user can see "
                f"(404 Not Found): check ci.gitlab.project or --group")
    return f"GitLab could not {call.what} (404 Not Found: {detail})"


def detail(message: Any) -> str:
    """The server's message as one short line (GitLab sends strings, lists or mappings)."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    if isinstance(message, list):
        message = "; ".join(detail(m) for m in message)
    elif isinstance(message, dict):
        message = "; ".join(f"{k} {detail(v)}" for k, v in message.items())
    text = " ".join(str(message).split())
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 200 else text[:197] + "..."


def connect_reason(exc: Exception) -> str:
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    return found.group(1).strip() if found else type(exc).__name__


def tls_reason(exc: Exception) -> str:
    found = re.search(r"certificate verify failed: ([^'\"()\]]+)", str(exc))
    return found.group(1).strip() if found else "the TLS handshake failed"
