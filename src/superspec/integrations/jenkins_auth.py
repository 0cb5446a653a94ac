"""Who talks to Jenkins, and where: the server URL and the user's API token.

The token comes from the environment (SUPERSPEC_JENKINS_USER / SUPERSPEC_JENKINS_TOKEN) or from
a credentials file only the user can read; never from the command line. No message, repr or
exception built here carries the token or the file's content.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from superspec.errors import InputError, UsageError
from superspec.paths import display_path

URL_ENV = "SUPERSPEC_JENKINS_URL"
USER_ENV = "SUPERSPEC_JENKINS_USER"
TOKEN_ENV = "SUPERSPEC_JENKINS_TOKEN"
CREDENTIALS_ENV = "SUPERSPEC_JENKINS_CREDENTIALS"


@dataclass(frozen=True)
class Credentials:
    user: str
    token: str = field(repr=False)
    source: str = ""  # where they came from, for messages: never the value

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, token=<hidden>, source={self.source!r})"

    def secrets(self) -> list[str]:
        """Every form the token could take in text: as is, URL-encoded, in a Basic header."""
        basic = base64.b64encode(f"{self.user}:{self.token}".encode()).decode()
        forms = {self.token, quote(self.token, safe=""), basic}
        return sorted((f for f in forms if f), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "<token>")
        return text


def server_url(url: str | None) -> str:
    """The server's base URL, ending in '/': http(s), no credentials, no query or fragment."""
    if not url:
        raise UsageError(f"no Jenkins server: pass --url URL or set {URL_ENV}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--url must be an http:// or https:// URL, not {_public(url)}")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"the URL {_public(url)} carries credentials; give the user and "
                         f"API token through {USER_ENV} and {TOKEN_ENV} or --credentials FILE")
    if parts.query or parts.fragment:
        raise UsageError(f"--url must be the server's base URL, without ?query or #fragment: "
                         f"{_public(url)}")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _public(url: str) -> str:
    """``url`` with any user:password@ removed, for messages."""
    try:
        parts = urlsplit(url.strip())
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return "(an unparsable URL)"


def load_credentials(path: Path | None, environ: Mapping[str, str]) -> Credentials:
    """--credentials FILE (or SUPERSPEC_JENKINS_CREDENTIALS), else the two variables."""
    file = path if path is not None else (Path(environ[CREDENTIALS_ENV])
                                          if environ.get(CREDENTIALS_ENV) else None)
    if file is not None:
        return _from_file(file)
    user, token = environ.get(USER_ENV, ""), environ.get(TOKEN_ENV, "")
    if user and token:
        return Credentials(user, token, f"{USER_ENV}/{TOKEN_ENV}")
    if user or token:
        missing = TOKEN_ENV if user else USER_ENV
        raise UsageError(f"{missing} is not set (both {USER_ENV} and {TOKEN_ENV} are needed)")
    raise UsageError(f"no Jenkins credentials: set {USER_ENV} and {TOKEN_ENV}, or pass "
                     f"--credentials FILE (JSON {{\"user\": ..., \"token\": ...}} or one line "
                     f"user:token, readable by you only)")


def _from_file(path: Path) -> Credentials:
    shown = display_path(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"credentials file {shown}: {exc.strerror or 'cannot be read'}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"credentials file {shown} is not a regular file")
    if os.name == "posix" and info.st_mode & 0o077:
        raise InputError(f"credentials file {shown} is accessible by group or others "
                         f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {shown}")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise InputError(f"credentials file {shown} cannot be read as UTF-8 text") from None
    source = f"the credentials file {shown}"
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise InputError(f"credentials file {shown} is not valid JSON") from None
        user = data.get("user") if isinstance(data, dict) else None
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(user, str) or not isinstance(token, str) or not user or not token:
            raise InputError(f"credentials file {shown} must hold {{\"user\": \"...\", "
                             f"\"token\": \"...\"}} with two non-empty strings")
        return Credentials(user, token, source)
    user, colon, token = text.partition(":")
    if not colon or not user or not token or "\n" in text:
        raise InputError(f"credentials file {shown} must hold one line user:token, or JSON "
                         f"{{\"user\": ..., \"token\": ...}}")
    return Credentials(user, token, source)
