"""The docker-compose stack equivalent to `superspec env create test` of the benchmark's
project: the same app image as 3 replicas with the SQLite database (baseline, then one change
script, applied with the sqlite3 CLI) bind-mounted at the same path, an HAProxy router from
the image superspec builds (``build_router_image``) with the haproxy.cfg superspec renders for
the same backend, one user-defined network, and health checks at the router's settings.

Compose v1 has no ``--wait``: ``up`` is followed by polling ``docker inspect`` until every
container reports ``healthy``, as a deploy script would.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.env_engine import APP_PORT, Unavailable, busybox, docker
from superspec.env.names import DB_MOUNT
from superspec.router.config import CONFIG_PATH, Backend, Router, Server, render, shared_host

PROJECT = "bench"  # the compose project: containers bench_app_1.., bench_router_1
INTERVAL = "1s"  # HAProxy's `inter 1s` in superspec's router config
RETRIES = 2  # HAProxy's `fall 2`; Docker has no `rise`: one passing check is healthy
POLL = 0.1  # seconds between `docker inspect` polls (superspec's own wait polls at 0.1 s)

COMPOSE_FILE = """\
version: "2.4"
services:
  app:
    image: {app_image}
    scale: {replicas}
    environment:
      LOG_FORMAT: json
      DATABASE_URL: "sqlite:///{db_mount}/ledger.sqlite"
    volumes:
      - "{db_dir}:{db_mount}"
    networks: [ledger]
    healthcheck:
      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null",
             "http://127.0.0.1:{port}{health}"]
      interval: {interval}
      timeout: 5s
      retries: {retries}
  router:
    image: {router_image}
    depends_on: [app]
    stop_signal: SIGUSR1
    ports: ["127.0.0.1::{port}"]
    volumes:
      - "{config}:{config_path}:ro"
      - "{busybox}:/bin/busybox:ro"
    networks: [ledger]
    healthcheck:
      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null",
             "http://127.0.0.1:{port}{health}"]
      interval: {interval}
      timeout: 5s
      retries: {retries}
networks:
  ledger: {{}}
"""


def compose_binary() -> str:
    """Debian's docker-compose 1.29 (its own Python, under /usr/bin)."""
    path = shutil.which("docker-compose")
    if path is None:
        raise Unavailable("docker-compose not found (Debian: apt-get install -y docker-compose)")
    return path


def compose_version() -> str:
    done = subprocess.run([compose_binary(), "version", "--short"], capture_output=True,
                          text=True, timeout=60)
    return done.stdout.strip() or "unknown"


@dataclass
class Timing:
    total: float  # database + up -d + waiting for health
    database: float
    up: float  # `docker-compose up -d` alone
    wait: float  # polling until every container is healthy


class ComposeStack:
    """The stack in ``work``, on the engine at ``host``."""

    def __init__(self, host: str, work: Path, project_dir: Path, app_image: str,
                 router_image: str, replicas: int, health: str = "/healthz") -> None:
        self.host, self.work, self.replicas = host, work, replicas
        self.baseline = project_dir / "db" / "baseline.sql"
        self.migrations = sorted((project_dir / "db" / "migrations").glob("V*.sql"))
        self.db_dir = work / "db"
        self.database = self.db_dir / "ledger.sqlite"
        work.mkdir(parents=True, exist_ok=True)
        names = [f"{PROJECT}_app_{i}" for i in range(1, replicas + 1)]
        router = Router("test", backends=(Backend(
            "ledger", hosts=(shared_host("ledger", "test"), "ledger"),
            servers=tuple(Server(n, APP_PORT) for n in names), health_path=health,
            check_timeout_ms=5000),), port=APP_PORT, default_backend="ledger")
        (work / "haproxy.cfg").write_text(render(router))
        (work / "docker-compose.yml").write_text(COMPOSE_FILE.format(
            app_image=app_image, router_image=router_image, replicas=replicas,
            db_mount=DB_MOUNT, db_dir=self.db_dir, port=APP_PORT, health=health,
            interval=INTERVAL, retries=RETRIES, config=work / "haproxy.cfg",
            config_path=CONFIG_PATH, busybox=busybox()))
        self.env = {"DOCKER_HOST": host, "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}

    def _compose(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run([compose_binary(), "-p", PROJECT, "-f",
                               str(self.work / "docker-compose.yml"), *args],
                              cwd=self.work, env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"docker-compose {' '.join(args)} failed: "
                               f"{done.stderr.strip()[-2000:]}")

    def up_and_wait(self, timeout: float = 120) -> Timing:
        """Database, ``up -d``, then ``docker inspect`` until all containers are healthy."""
        start = time.perf_counter()
        self.db_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["sqlite3", str(self.database), f".read {self.baseline}",
                        *(f".read {m}" for m in self.migrations)], check=True, timeout=60,
                       capture_output=True)
        database = time.perf_counter()
        self._compose("up", "-d")
        up = time.perf_counter()
        ids = docker(self.host, "ps", "-aq", "--filter",
                     f"label=com.docker.compose.project={PROJECT}").split()
        if len(ids) != self.replicas + 1:
            raise RuntimeError(f"expected {self.replicas + 1} containers, found {len(ids)}")
        deadline = up + timeout
        while True:
            states = docker(self.host, "inspect", "--format",
                            "{{if .State.Health}}{{.State.Health.Status}}"
                            "{{else}}{{.State.Status}}{{end}}", *ids).split()
            if all(s == "healthy" for s in states):
                break
            if any(s in ("unhealthy", "exited", "dead") for s in states) \
                    or time.perf_counter() > deadline:
                raise RuntimeError(f"compose stack not healthy: {states}")
            time.sleep(POLL)
        end = time.perf_counter()
        return Timing(end - start, database - start, up - database, end - up)

    def front_door(self) -> int:
        """The router's published port on 127.0.0.1."""
        out = docker(self.host, "port", f"{PROJECT}_router_1", f"{APP_PORT}/tcp")
        return int(out.splitlines()[0].rsplit(":", 1)[1])

    def down(self) -> None:
        self._compose("down", "-v", "-t", "0")
        self.database.unlink(missing_ok=True)
