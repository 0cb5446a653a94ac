"""`env list` and `env describe`: read from the engine (labels and the Server Spec files in the
containers) and from the databases, never from a local state file. Disagreement between them
(someone changed an instance by hand) is drift."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from superspec.db import SqliteTarget, status
from superspec.db.changes import ChangeSet
from superspec.engine.docker import ContainerState, DockerEngine
from superspec.env.apply import read_spec
from superspec.env.names import APP_PORT, ENV, PARENT, PROJECT, ROLE, VERSION, router_name
from superspec.env.serverspec import AppSpec, ServerSpec
from superspec.errors import InputError


@dataclass
class Description:
    spec: ServerSpec
    running: dict[str, str] = field(default_factory=dict)  # replica -> engine status
    drift: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"serverSpec": self.spec.to_json(), "status": self.running, "drift": self.drift}


def environments(engine: DockerEngine, project: str | None = None) -> list[dict[str, Any]]:
    """Every environment on the engine (or those holding ``project``): name, parent, front
    door and applications."""
    found = []
    for router in engine.containers({ROLE: "proxy"}):
        env = router.labels.get(ENV, "")
        apps: dict[str, dict[str, Any]] = {}
        for replica in engine.containers({ENV: env, ROLE: "app"}):
            app = apps.setdefault(replica.labels.get(PROJECT, "?"), {
                "project": replica.labels.get(PROJECT, "?"),
                "version": replica.labels.get(VERSION, "?"), "replicas": 0, "running": 0})
            app["replicas"] += 1
            app["running"] += replica.status == "running"
        if project is not None and project not in apps:
            continue
        found.append({"environment": env, "parent": router.labels.get(PARENT),
                      "url": f"http://127.0.0.1:{router.ports[APP_PORT]}/"
                      if APP_PORT in router.ports else None,
                      "router": router.status, "apps": sorted(apps.values(),
                                                              key=lambda a: a["project"])})
    return sorted(found, key=lambda e: e["environment"])


def describe(engine: DockerEngine, env: str, project: str | None = None,
             changes: ChangeSet | None = None) -> Description:
    """The environment ``env`` as it runs (``project``: that application's part only);
    ``changes`` (the project's scripts) lets the database be compared too."""
    router = engine.container_state(router_name(env))
    if router is None:
        raise InputError(f"environment '{env}' does not exist on this engine (no router "
                         f"{router_name(env)})")
    header = read_spec(engine, router.name)
    if header is None:
        raise InputError(f"router {router.name} holds no server spec: not made by superspec")
    description = Description(header.model_copy(update={"apps": []}))
    replicas = engine.containers({ENV: env, ROLE: "app"})
    projects = sorted({r.labels.get(PROJECT, "") for r in replicas} | {a.project
                                                                       for a in header.apps})
    for name in projects:
        if project is not None and name != project:
            continue
        own = [r for r in replicas if r.labels.get(PROJECT) == name]
        listed = header.app(name)
        app = _app(engine, name, own, listed, description)
        if app is not None:
            if app.database is not None and changes is not None and project is not None:
                _check_database(app, changes, description)
            description.spec = description.spec.with_app(app)
    if project is not None and not description.spec.apps:
        raise InputError(f"environment '{env}' holds no application '{project}'")
    return description


def _app(engine: DockerEngine, project: str, replicas: list[ContainerState],
         listed: AppSpec | None, out: Description) -> AppSpec | None:
    """The application as its replicas describe themselves; every disagreement is drift."""
    specs = {}
    for replica in replicas:
        out.running[replica.name] = replica.status
        spec = read_spec(engine, replica.name)
        own = spec.app(project) if spec is not None else None
        if own is None:
            out.drift.append(f"{replica.name}: no server spec for {project}")
            continue
        specs[replica.name] = own
        if replica.labels.get(VERSION) != own.version:
            out.drift.append(f"{replica.name}: label version {replica.labels.get(VERSION)} but "
                             f"its server spec says {own.version}")
        if replica.status != "running":
            out.drift.append(f"{replica.name}: {replica.status}, not running")
    if listed is None:
        out.drift.append(f"{project}: replicas run, but the router does not list the "
                         "application")
    if not specs:
        if listed is not None:
            out.drift.append(f"{project}: listed by the router, but no replica runs")
        return listed
    app = next(iter(specs.values()))
    for name, other in specs.items():
        if other != app:
            out.drift.append(f"{name}: its server spec differs from the other replicas'")
    if listed is not None and (listed.version, listed.config_digest) != (app.version,
                                                                         app.config_digest):
        out.drift.append(f"{project}: the router lists version {listed.version}, the replicas "
                         f"run {app.version}")
    expected = {r.name for r in app.replicas}
    if expected != {r.name for r in replicas}:
        out.drift.append(f"{project}: replicas {sorted(expected)} expected, found "
                         f"{sorted(r.name for r in replicas)}")
    return app


def _check_database(app: AppSpec, changes: ChangeSet, out: Description) -> None:
    """The database's history against what the Server Spec recorded (SQLite: read directly)."""
    assert app.database is not None
    if app.database.engine != "sqlite":
        return
    found = status(SqliteTarget(Path(app.database.location)), changes)
    applied = [(r.version, r.checksum) for r in found.applied if r.success]
    recorded = [(m.version, m.checksum) for m in app.database.applied]
    if applied != recorded:
        out.drift.append(f"{app.project}: the database's history ({len(applied)} script(s), "
                         f"version {found.schema_version}) differs from the server spec's "
                         f"({len(recorded)}, version {app.database.schema_version})")
