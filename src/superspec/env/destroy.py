"""`env destroy`: a label sweep, so a half-created environment goes too; its databases with it
unless kept. An environment that sub-environments depend on is kept unless they go first."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from superspec.db import PostgresTarget, drop_database
from superspec.engine.docker import DockerEngine
from superspec.env.apply import read_spec
from superspec.env.lock import environment_lock
from superspec.env.names import ENV, PARENT, ROLE, check_env_name
from superspec.env.paths import sqlite_dir
from superspec.env.serverspec import DatabaseState
from superspec.env.swarm import sweep as sweep_services
from superspec.errors import InputError


def children(engine: DockerEngine, env: str) -> list[str]:
    return sorted({c.labels.get(ENV, "") for c in engine.containers({PARENT: env,
                                                                       ROLE: "proxy"})})


def destroy(engine: DockerEngine, env: str, *, keep_data: bool = False,
            with_children: bool = False, say: Callable[[str], None] = lambda _: None) -> int:
    """Remove every container, network and volume labelled for ``env`` (and its databases
    unless ``keep_data``). Returns how many objects were removed."""
    check_env_name(env)
    below = children(engine, env)
    if below and not with_children:
        raise InputError(f"environment '{env}' has sub-environments that fall back to it: "
                         f"{', '.join(below)}; destroy them first or pass --with-children")
    removed = 0
    for child in below:
        removed += destroy(engine, child, keep_data=keep_data, with_children=True, say=say)
    with environment_lock(env):
        removed += sweep_services(engine, env)  # swarm: services (their tasks) and configs
        databases = [] if keep_data else _databases(engine, env)
        for container in engine.containers({ENV: env}):
            engine.remove_container(container.name)
            removed += 1
        for network in engine.networks({ENV: env}):
            engine.remove_network(network)
            removed += 1
        for volume in engine.volumes({ENV: env}):
            engine.remove_volume(volume)
            removed += 1
        for database in databases:
            removed += _drop(database, say)
        if not keep_data:
            shutil.rmtree(sqlite_dir(env), ignore_errors=True)
    say(f"environment {env}: removed {removed} object(s)")
    return removed


def _databases(engine: DockerEngine, env: str) -> list[DatabaseState]:
    found = {}
    for container in engine.containers({ENV: env}):
        if container.status != "running" and container.labels.get(ROLE) != "app":
            continue
        spec = read_spec(engine, container.name) if container.status == "running" else None
        for app in spec.apps if spec else []:
            if app.database is not None:
                found[(app.database.engine, app.database.location)] = app.database
    return list(found.values())


def _drop(database: DatabaseState, say: Callable[[str], None]) -> int:
    if database.engine == "sqlite":
        Path(database.location).unlink(missing_ok=True)
        return 1
    if database.server is None:
        say(f"database {database.location}: no server recorded, kept")
        return 0
    password = os.environ.get(database.password_secret or "") or None
    if drop_database(PostgresTarget(database.server, database.location, password=password)):
        return 1
    return 0
