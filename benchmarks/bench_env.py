"""Environments: `superspec env create` beside `docker-compose up -d` + waiting for health, and
`superspec env split` of an environment holding a 100 MB SQLite database.

python -m benchmarks env   (writes benchmarks/results/env.json)

Everything runs on one private dockerd started for the run (its own data-root, no iptables, no
default bridge), stopped by PID at the end. The app is a busybox httpd image (``docker
import``); the project runs it as 3 replicas with an SQLite database (a baseline and one change
script). The compose stack is the same thing by hand (see benchmarks/env_compose.py): the same
app image, the router image superspec builds with the haproxy.cfg superspec renders, a
user-defined network, and health checks every 1 s on both sides.

Each timed run starts from nothing: `superspec env destroy` and `docker-compose down` run
between runs, untimed. superspec and compose alternate round by round (and swap which goes
first), so a busy machine slows both alike. Then in-process runs with their phases and engine
calls timed (3 of `env create`, 1 of `env split`) say where the time goes.

SUPERSPEC_BENCH_ENV_RUNS sets the number of rounds (default 7; at least 5 for a figure).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import Row, environ, record
from benchmarks.env_compose import (
    INTERVAL,
    RETRIES,
    ComposeStack,
    Timing,
    compose_binary,
    compose_version,
)
from benchmarks.env_engine import (
    Unavailable,
    busybox,
    engine_version,
    import_app_image,
    private_dockerd,
)
from benchmarks.env_profile import Tracer, traced

BIN = Path(sys.executable).parent
GOAL = 0.85  # superspec env create at most 0.85x compose's time
REPLICAS = 3
DB_MB = 100
APP_IMAGE = "superspec-bench/app"
CREATE = f"env create: {REPLICAS} replicas + SQLite (baseline + 1 migration)"
COLD = "env create, first on a fresh engine"
PROFILED = "env create, in process (phases timed)"
SPLIT = f"env split: {DB_MB} MB SQLite database"
COPY = f"copy a {DB_MB} MB SQLite database"

SPEC = f"""
superspec: 1
kind: company
name: ledger
build: {{tool: custom, commands: {{build: "true"}}}}
pipeline: {{stages: {{build: {{}}, deploy-test: {{run: deploy, env: test}}}}}}
app:
  image: {APP_IMAGE}
  version: "v1"
  port: 8080
  health: /healthz
  replicas: {{default: {REPLICAS}}}
  env: {{LOG_FORMAT: json}}
environments:
  test:
    class: functional-test
    database: {{engine: sqlite, baselineVersion: "1", baseline: db/baseline.sql,
               migrations: db/migrations}}
"""


def make_project(root: Path) -> Path:
    (root / "db" / "migrations").mkdir(parents=True)
    (root / "superspec.yaml").write_text(textwrap.dedent(SPEC).lstrip())
    (root / "db" / "baseline.sql").write_text(
        "CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
        "INSERT INTO account (name) VALUES ('cash');\n")
    (root / "db" / "migrations" / "V2__balance.sql").write_text(
        "ALTER TABLE account ADD COLUMN balance INTEGER NOT NULL DEFAULT 0;\n")
    return root


class Superspec:
    """The superspec CLI on the private engine, in the benchmark's project."""

    def __init__(self, project: Path, env: dict[str, str]) -> None:
        self.project, self.env = project, env
        self.argv = [str(BIN / "superspec")]

    def run(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run([*self.argv, *args], cwd=self.project, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"superspec {' '.join(args)} failed (exit {done.returncode}): "
                               f"{done.stderr.strip()[-2000:]}")
        return done.stdout

    def timed(self, *args: str) -> tuple[float, dict[str, Any]]:
        start = time.perf_counter()
        out = self.run(*args, "--format", "json")
        seconds = time.perf_counter() - start
        return seconds, json.loads(out)

    def destroy(self, env: str) -> None:
        self.run("env", "destroy", env, "--with-children")


def answers(port: int) -> int:
    """The HTTP status of GET /version at the front door on 127.0.0.1:``port``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/version")
        return conn.getresponse().status
    finally:
        conn.close()


def port_of(outcome: dict[str, Any]) -> int:
    return int(str(outcome["url"]).rstrip("/").rsplit(":", 1)[1])


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f} s"


def fill(database: Path, megabytes: int) -> int:
    """Rows of ~1 kB into the account table until the database holds ``megabytes``; the row
    count."""
    with sqlite3.connect(database) as db:
        page = db.execute("PRAGMA page_size").fetchone()[0]
        while db.execute("PRAGMA page_count").fetchone()[0] * page < megabytes * 1_000_000:
            db.execute("INSERT INTO account (name, balance) WITH RECURSIVE n(x) AS "
                       "(SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000) "
                       "SELECT hex(randomblob(500)), x FROM n")
            db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = int(db.execute("SELECT count(*) FROM account").fetchone()[0])
    return rows


def in_process(host: str, project: Path, action: Callable[[Any, Any], object],
               split: bool = False) -> tuple[float, Tracer]:
    """One run of ``action(engine, effective)`` with its phases traced."""
    from superspec.spec import load_spec

    engine = _engine(host)
    effective = load_spec(project / "superspec.yaml")
    with traced(split=split) as tracer:
        start = time.perf_counter()
        action(engine, effective)
        seconds = time.perf_counter() - start
    return seconds, tracer


def create_in_process(engine: Any, effective: Any) -> object:
    from superspec.env import apply
    from superspec.env.desired import app_plan

    return apply.up(engine, app_plan(effective, "test"))


def split_in_process(engine: Any, effective: Any) -> object:
    from superspec.env import split
    from superspec.env.desired import app_plan

    return split.split(engine, "test", "feat-x", [app_plan(effective, "test")])


def print_profile(title: str, seconds: float, tracer: Tracer) -> None:
    print(f"### {title}: {seconds:.2f} s in process\n")
    print("\n".join(["    start      took  phase",
                     *("  " + line for line in tracer.timeline(max_depth=3))]))
    print("\n  engine calls (all phases):")
    print("\n".join("    " + line for line in tracer.engine_summary()))
    print()


def main() -> None:
    runs = max(1, int(os.environ.get("SUPERSPEC_BENCH_ENV_RUNS", "7")))
    try:
        busybox()
        compose_binary()
        for tool in ("sqlite3", "/usr/sbin/haproxy"):
            if shutil.which(tool) is None:
                raise Unavailable(f"{tool} not found (Debian: apt-get install sqlite3 haproxy)")
        with private_dockerd() as host:
            rows = measure(host, runs)
    except Unavailable as exc:
        print(f"## env\n\nskipped: {exc}\n")
        return
    record("env", rows)


def measure(host: str, runs: int) -> list[Row]:
    import superspec
    from superspec.db import SqliteTarget, copy_database
    from superspec.router.image import DEFAULT_TAG, build_router_image

    load = os.getloadavg()
    cores = os.cpu_count()
    work = Path(tempfile.mkdtemp(prefix="superspec-bench-env-"))
    try:
        data = work / "data"
        env = {**os.environ, "DOCKER_HOST": host, "SUPERSPEC_DATA_DIR": str(data)}
        project = make_project(work / "ledger")
        import_app_image(host, f"{APP_IMAGE}:v1", "v1", work)
        cli = Superspec(project, env)
        versions = {"superspec": superspec.__version__, "compose": compose_version(),
                    "engine": engine_version(host)}
        print(f"env: {cores} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at "
              f"start; Docker engine {versions['engine']}; docker-compose "
              f"{versions['compose']}; {runs} rounds")

        # the first create on a fresh engine builds the router image
        cold, outcome = cli.timed("env", "create", "test")
        if answers(port_of(outcome)) != 200:
            raise RuntimeError("the environment does not answer at its front door")
        cli.destroy("test")

        stack = ComposeStack(host, work / "compose", project, f"{APP_IMAGE}:v1", DEFAULT_TAG,
                             REPLICAS)
        stack.up_and_wait()  # a warm-up round for compose, as the cold run is for superspec
        stack.down()

        ours: list[float] = []
        theirs: list[Timing] = []
        for round_ in range(runs):
            def superspec_round() -> None:
                seconds, outcome = cli.timed("env", "create", "test")
                if answers(port_of(outcome)) != 200:
                    raise RuntimeError("the environment does not answer at its front door")
                ours.append(seconds)
                cli.destroy("test")

            def compose_round() -> None:
                theirs.append(stack.up_and_wait())
                if answers(stack.front_door()) != 200:
                    raise RuntimeError("the compose stack does not answer at its router")
                stack.down()

            order = [superspec_round, compose_round]
            for step in order if round_ % 2 == 0 else reversed(order):
                step()
        ss, co = median(ours), median([t.total for t in theirs])
        ratio = ss / co
        met = "met" if ratio <= GOAL else "not met"

        # where the time goes: in process, phases and engine calls timed
        with environ({"DOCKER_HOST": host, "SUPERSPEC_DATA_DIR": str(data)}):
            profiles = []
            for _ in range(3):
                profiles.append(in_process(host, project, create_in_process))
                cli.destroy("test")
            profiles.sort(key=lambda p: p[0])
            mid_seconds, mid = profiles[len(profiles) // 2]
            phase = {label: median([p[1].totals().get(label, 0.0) for p in profiles])
                     for label in mid.totals()}
            engine = _engine(host)
            build = []
            for i in range(3):
                start = time.perf_counter()
                build_router_image(engine, f"superspec-bench/router:probe{i}")
                build.append(time.perf_counter() - start)

        # split: the environment's database filled to DB_MB, then `env split` end to end
        cli.timed("env", "create", "test")
        database = data / "envs" / "test" / "ledger.sqlite"
        started = time.perf_counter()
        rows_in_db = fill(database, DB_MB)
        fill_seconds = time.perf_counter() - started
        size_mb = database.stat().st_size / 1e6
        splits = []
        for _ in range(max(5, runs // 2)):
            seconds, _outcome = cli.timed("env", "split", "test", "feat-x")
            splits.append(seconds)
            cli.destroy("feat-x")
        with environ({"DOCKER_HOST": host, "SUPERSPEC_DATA_DIR": str(data)}):
            split_seconds, split_trace = in_process(host, project, split_in_process, split=True)
        cli.destroy("feat-x")
        copies, cps = [], []
        scratch = work / "copies"
        scratch.mkdir()
        for i in range(5):
            target = scratch / f"copy{i}.sqlite"
            start = time.perf_counter()
            copy_database(SqliteTarget(database), SqliteTarget(target))
            copies.append(time.perf_counter() - start)
            target.unlink()
            start = time.perf_counter()
            subprocess.run(["cp", str(database), str(target)], check=True)
            cps.append(time.perf_counter() - start)
            target.unlink()
        cli.destroy("test")
        copy_part = split_trace.totals().get("database: copy (SQLite backup API)", 0.0)
        end_load = os.getloadavg()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    up = median([t.up for t in theirs])
    wait = median([t.wait for t in theirs])
    health = phase.get("wait: replicas pass health checks", 0.0)
    replicas = phase.get("replicas started together (router created meanwhile)", 0.0)
    router = phase.get("router: start", 0.0)
    dbase = phase.get("database: baseline + migrations", 0.0)
    rows = [
        Row(CREATE, "superspec", ss, runs,
            f"superspec {versions['superspec']}, CLI end to end, {spread(ours)}; "
            f"{ratio:.2f}x compose (goal <= {GOAL}x: {met})"),
        Row(CREATE, "docker-compose", co, runs,
            f"docker-compose {versions['compose']}: sqlite3 CLI, up -d {up:.2f} s, polling "
            f"docker inspect until 4/4 healthy {wait:.2f} s; {spread([t.total for t in theirs])}"
            f"; checks every {INTERVAL}, retries {RETRIES} both sides"),
        Row(COLD, "superspec", cold, 1,
            f"the engine's first containers; router image built on the way (alone: "
            f"{median(build):.2f} s)"),
        Row(PROFILED, "superspec", mid_seconds, len(profiles),
            f"medians: {REPLICAS} replicas started together (router created meanwhile) "
            f"{replicas:.2f} s, router start {router:.2f} s, health wait {health:.2f} s, "
            f"database {dbase:.3f} s; CLI start-up and spec load "
            f"~{max(0.0, ss - mid_seconds):.2f} s"),
        Row(SPLIT, "superspec", median(splits), len(splits),
            f"CLI end to end, {spread(splits)}; copy part {copy_part:.2f} s (in-process run "
            f"{split_seconds:.2f} s); {size_mb:.0f} MB, {rows_in_db} rows"),
        Row(COPY, "superspec", median(copies), len(copies),
            "copy_database alone (SQLite backup API, as env split copies), page cache warm"),
        Row(COPY, "cp", median(cps), len(cps), "the file alone, page cache warm"),
    ]
    print(f"load average {end_load:.2f} at the end; database filled in {fill_seconds:.1f} s\n")
    print_profile("env create, median profiled run", mid_seconds, mid)
    print(f"  phase totals, median of {len(profiles)} profiled runs (nested phases are part of "
          "their parents):")
    for label, seconds in sorted(phase.items(), key=lambda item: -item[1]):
        print(f"    {seconds:6.3f} s  {label}")
    print()
    print_profile(f"env split, {size_mb:.0f} MB database", split_seconds, split_trace)
    print("| tool | version | median | ratio to compose | notes |\n|---|---|---:|---:|---|")
    print(f"| superspec env create | {versions['superspec']} | {ss:.2f} s | {ratio:.2f}x "
          f"(goal <= {GOAL}x: {met}) | {rows[0].note} |")
    print(f"| docker-compose up -d + health poll | {versions['compose']} | {co:.2f} s | 1.00x "
          f"| {rows[1].note} |")
    print(f"| superspec env split ({DB_MB} MB) | {versions['superspec']} | "
          f"{median(splits):.2f} s | - | {rows[4].note} |\n")
    return rows


def _engine(host: str) -> Any:
    """The engine adapter on ``host`` (the in-process runs pass it, as the tests do)."""
    import docker

    from superspec.engine.docker import DockerEngine

    return DockerEngine(docker.DockerClient(base_url=host, timeout=60))


if __name__ == "__main__":
    main()
