"""Where a database lives: an SQLite file, or a database on a PostgreSQL server.

A PostgreSQL target is the server's URL *without* a password (the maintenance database in its
path, ``postgres`` by default), the password given on its own (from a secret), and the name of
the environment's database. Names are checked here so that every later step can quote them
with ``psycopg.sql.Identifier`` and nothing else."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from superspec.errors import InputError
from superspec.paths import display_path

_NAME = re.compile(r"[a-z_][a-z0-9_-]*")
RESERVED = frozenset({"postgres", "template0", "template1"})
MAX_NAME_BYTES = 63


def check_database_name(name: str) -> str:
    """A database name superspec may create, copy to or drop: lowercase letters, digits,
    ``_`` and ``-``, starting with a letter or ``_``, at most 63 bytes, not a system one."""
    if not _NAME.fullmatch(name) or len(name.encode()) > MAX_NAME_BYTES:
        raise InputError(
            f"database name {name!r} is not allowed: use lowercase letters, digits, '_' and "
            f"'-', starting with a letter or '_', at most {MAX_NAME_BYTES} characters")
    if name in RESERVED:
        raise InputError(f"database name {name!r} is a system database of the server")
    return name


@dataclass(frozen=True)
class SqliteTarget:
    """An SQLite database file."""

    path: Path
    engine: ClassVar[str] = "sqlite"

    def describe(self) -> str:
        return display_path(self.path)


@dataclass(frozen=True)
class PostgresTarget:
    """Database ``database`` on the server at ``url``; ``password`` never appears in messages,
    ``repr`` or comparisons."""

    url: str
    database: str
    password: str | None = field(default=None, repr=False, compare=False)
    engine: ClassVar[str] = "postgres"

    def __post_init__(self) -> None:
        check_server_url(self.url)
        check_database_name(self.database)

    @property
    def server(self) -> str:
        """``user@host:port`` of the URL, for messages."""
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        user = f"{parts.username}@" if parts.username else ""
        return f"{user}{host}:{parts.port or 5432}"

    def describe(self) -> str:
        return f"database '{self.database}' on {self.server}"


Target = SqliteTarget | PostgresTarget


def check_server_url(url: str) -> None:
    """A ``postgresql://`` URL without a password (the password comes from a secret)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError:
        raise InputError("database url is not a valid URL (its port is not a number)") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise InputError(
            f"database url must start with postgresql:// (got scheme {parts.scheme or 'none'!r})")
    if parts.password is not None or "password" in parse_qs(parts.query):
        raise InputError(
            "database url must not contain a password: give it through the environment's "
            "passwordSecret")
