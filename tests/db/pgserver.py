"""A throw-away PostgreSQL server for the tests: Debian's postgresql 15, a cluster in a temp dir.

initdb refuses to run as root, so when the tests run as root the cluster belongs to the
``postgres`` user and every server command runs through ``runuser``. The server listens on a
free port of 127.0.0.1 (password authentication) and on a unix socket in the temp dir (trust,
used once to give the superuser role its password).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PACKAGE = "postgresql-15"
ROLE = "superspec_admin"


class PostgresMissing(RuntimeError):
    """Debian's PostgreSQL 15 is not installed."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    """A running server; ``url`` has no password, ``password`` is the superuser's."""

    root: Path
    port: int
    password: str = field(repr=False)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the bootstrap superuser over the unix socket; stdout."""
        done = subprocess.run(
            _as_owner([str(PG_BIN / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                       "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres",
                       "-d", database, "-f", "-"]),
            input=sql.encode(), capture_output=True, timeout=60, check=False)
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode()

    def server_pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Fast shutdown of the postmaster (by its PID), then remove the cluster."""
        pid = self.server_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
        if self.process is not None:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def _owner() -> pwd.struct_passwd | None:
    """The account that owns the cluster: ``postgres`` when running as root, else nobody else."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PostgresMissing(
            f"the tests run as root and there is no 'postgres' user: install Debian's "
            f"{PACKAGE} package (apt-get install postgresql)") from exc


def _as_owner(argv: list[str]) -> list[str]:
    owner = _owner()
    return ["runuser", "-u", owner.pw_name, "--", *argv] if owner else argv


def start() -> PgServer:
    """initdb + postgres on a free port; returns once the server accepts the password."""
    for tool in ("initdb", "postgres", "psql"):
        if not (PG_BIN / tool).is_file():
            raise PostgresMissing(
                f"{PG_BIN / tool} not found: the database tests need Debian's {PACKAGE} "
                f"package (apt-get install postgresql)")
    owner = _owner()
    root = Path(tempfile.mkdtemp(prefix="superspec-pg-"))
    (root / "sock").mkdir()
    if owner is not None:
        for path in (root, root / "sock"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    server = PgServer(root=root, port=_free_port(), password=secrets.token_urlsafe(18))
    try:
        done = subprocess.run(
            _as_owner([str(PG_BIN / "initdb"), "-D", str(server.data), "-U", "postgres",
                       "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                       "--locale=C", "--no-sync"]),
            capture_output=True, timeout=120, check=False)
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.decode(errors='replace')}")
        log = open(root / "server.log", "wb")  # noqa: SIM115 - the server keeps it open
        server.process = subprocess.Popen(
            _as_owner([str(PG_BIN / "postgres"), "-D", str(server.data),
                       "-k", str(server.socket_dir), "-p", str(server.port),
                       "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                       "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                       "-c", "max_connections=40", "-c", "shared_buffers=16MB"]),
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _wait_ready(server)
        server.psql(f"CREATE ROLE {ROLE} SUPERUSER LOGIN PASSWORD '{server.password}';")
        return server
    except BaseException:
        server.stop()
        raise


def _wait_ready(server: PgServer, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert server.process is not None
        if server.process.poll() is not None:
            log = (server.root / "server.log").read_text(errors="replace")
            raise RuntimeError(f"postgres exited with {server.process.returncode}:\n{log}")
        try:
            server.psql("SELECT 1;")
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
