"""Bring one application of an environment to its plan: `env create` and `deploy` (recreate).

Order: the environment's network, the database (baseline, then change scripts), then the
replicas (each with its Server Spec written in before it starts; started together), then the
router's backend; done when every replica passes its health check through the router.

The router is created once, shared by the environment's applications. A new environment's
router is created with its final config while the replicas start, and started once they run
(HAProxy resolves their names as it starts; its server-state file starts them down): no
reload. Its front-door port is chosen beforehand, so the replicas' Server Spec names it. An
existing router gets the backend through ``RouterContainer.apply``.

A run that fails removes what it created (unless ``keep_failed``); a run killed half-way is
converged by the next one (the lease of a dead runner is taken over, half-made containers are
replaced).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from superspec import __version__
from superspec.db import SqliteTarget, Target, drop_database
from superspec.engine.docker import DockerEngine, ImageInfo, Mount
from superspec.env import database as databases
from superspec.env.desired import AppPlan
from superspec.env.lock import environment_lock
from superspec.env.names import (
    APP_PORT,
    DB_MOUNT,
    ENV,
    PROJECT,
    ROLE,
    SERVER_SPEC_PATH,
    SPEC_DIGEST,
    VERSION,
    env_labels,
    network_name,
    replica_name,
    router_name,
    slot_names,
)
from superspec.env.serverspec import AppSpec, DatabaseState, Replica, ServerSpec, SplitPoint
from superspec.errors import InputError
from superspec.release.durations import seconds
from superspec.router.config import Backend, Router, Server, Upstream, shared_host
from superspec.router.container import RouterContainer
from superspec.router.image import DEFAULT_TAG, build_router_image
from superspec.spec.envmodels import Release

Say = Callable[[str], None]


@dataclass
class Outcome:
    env: str
    project: str
    action: str  # created | deployed | unchanged
    version: str
    port: int  # the front door on 127.0.0.1
    replicas: list[str] = field(default_factory=list)
    database: DatabaseState | None = None

    def to_json(self) -> dict[str, Any]:
        return {"environment": self.env, "project": self.project, "action": self.action,
                "version": self.version, "url": f"http://127.0.0.1:{self.port}/",
                "replicas": self.replicas,
                "database": None if self.database is None
                else self.database.model_dump(mode="json")}


@dataclass
class Made:
    """What this run created, to remove if it fails."""

    containers: list[str] = field(default_factory=list)
    network: str | None = None
    database: Target | None = None


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def router_image(engine: DockerEngine, plan: AppPlan) -> str:
    if plan.proxy_image is not None:
        if engine.image(plan.proxy_image) is None:
            raise InputError(f"router image {plan.proxy_image!r} (environments.{plan.env}.proxy."
                             "image) is not in the Docker engine")
        return plan.proxy_image
    if engine.image(DEFAULT_TAG) is None:
        build_router_image(engine, DEFAULT_TAG)
    return DEFAULT_TAG


def exact_image(engine: DockerEngine, app: AppSpec) -> str:
    """The image ``app`` runs: its reference while the tag still names that image, else the
    image id (the tag has moved on since)."""
    found = engine.image(app.image)
    return app.image if found is not None and found.id == app.image_id else app.image_id


def read_spec(engine: DockerEngine, container: str) -> ServerSpec | None:
    data = engine.read_file(container, SERVER_SPEC_PATH)
    return None if data is None else ServerSpec.decode(data, f"{container}:{SERVER_SPEC_PATH}")


@dataclass(frozen=True)
class Lineage:
    """How a sub-environment's application came to be: the environment it was split from
    (its router falls back to the parent's for ``fallback`` names), the split point, and the
    sub-environment a merge took changes from."""

    parent: str | None = None
    split_point: SplitPoint | None = None
    fallback: tuple[str, ...] = ()
    merged_from: str | None = None
    migrate: bool = True  # a split copies the database as it is: no scripts on top


def up(engine: DockerEngine, plan: AppPlan, *, timeout: float = 60.0, keep_failed: bool = False,
       say: Say = lambda _: None, lineage: Lineage = Lineage()) -> Outcome:
    """Create or update ``plan``'s application in its environment (holding its lease)."""
    if plan.engine == "swarm":  # services: superspec.env.engines.up runs superspec.env.swarm
        raise InputError(f"environment '{plan.env}' runs on engine: swarm; sub-environments "
                         "(env split, env merge) are not available there")
    with environment_lock(plan.env):
        return _up(engine, plan, timeout=timeout, keep_failed=keep_failed, say=say,
                   lineage=lineage)


def _up(engine: DockerEngine, plan: AppPlan, *, timeout: float, keep_failed: bool, say: Say,
        lineage: Lineage) -> Outcome:
    secrets = secret_values(plan)
    image = required_image(engine, plan)
    made = Made()
    try:
        network = _network(engine, plan, made, lineage)
        found = _running_router(engine, plan, lineage)
        current = engine.containers({ENV: plan.env, PROJECT: plan.project, ROLE: "app"})
        before = read_spec(engine, current[0].name) if current else None
        db = databases.target(plan)
        db_state = None
        if db is not None and lineage.migrate:
            result = databases.bring_up(plan, db)
            if result.created:
                made.database = db
            if result.applied:
                say(f"database {db.describe()}: applied {len(result.applied)} script(s), now "
                    f"at version {result.schema_version}")
        if db is not None:
            db_state = databases.state(plan, db, databases.current(plan, db))
        if found is not None and before is not None and _unchanged(
                plan, current, before, image.id, db_state, *found):
            app = before.app(plan.project)
            assert app is not None
            # as planned, and healthy: a run killed while it waited for the checks ends here
            _wait_healthy(engine, found[0], plan, [c.name for c in current], timeout, say)
            return Outcome(plan.env, plan.project, "unchanged", plan.version,
                           _front_port(found[0]), [r.name for r in app.replicas], db_state)
        previous = before.app(plan.project) if before is not None else None
        app = app_spec(plan, image.id, db_state, previous, lineage)
        for old in current:
            engine.remove_container(old.name)
        names = slot_names(plan.env, plan.project, plan.replicas, alternate=False)
        if found is not None:
            router, env_spec = found
            start_replicas(engine, plan, names, env_spec.model_copy(update={"apps": [app]}),
                           secrets, db, made)
            say(f"started {len(names)} replica(s) of {plan.project} {plan.version}")
            route(router, plan, live=names)
            _wait_healthy(engine, router, plan, names, timeout, say)
            # the router lists the new version once its replicas passed their checks
            engine.put_file(router.name, SERVER_SPEC_PATH, env_spec.with_app(app).encode())
        else:
            router = _new_router(engine, plan, made, say, lineage, network, app, names,
                                 secrets, db)
            _wait_healthy(engine, router, plan, names, timeout, say)
    except BaseException:
        if not keep_failed:
            _remove(engine, made)
        raise
    action = "created" if made.network is not None or previous is None else "deployed"
    return Outcome(plan.env, plan.project, action, plan.version, _front_port(router), names,
                   db_state)


def required_image(engine: DockerEngine, plan: AppPlan) -> ImageInfo:
    """The image ``plan`` runs, which must be in the engine already (no registry is asked)."""
    image = engine.image(plan.image)
    if image is None:
        raise InputError(f"image {plan.image!r} is not in the Docker engine; build or load it "
                         "first")
    return image


def secret_values(plan: AppPlan) -> dict[str, str]:
    missing = [name for name in plan.secrets if not os.environ.get(name)]
    if missing:
        raise InputError(f"secret(s) {', '.join(missing)} named in app.secrets are not set in "
                         "the environment (the CI passes them as credentials)")
    return {name: os.environ[name] for name in plan.secrets}


def _network(engine: DockerEngine, plan: AppPlan, made: Made, lineage: Lineage) -> str:
    """The environment's network, created when missing."""
    network = network_name(plan.env)
    if engine.ensure_network(network, env_labels(plan.env, "network", parent=lineage.parent)):
        made.network = network
    return network


def _header(plan: AppPlan, lineage: Lineage, port: int | None) -> ServerSpec:
    """The environment's part of a Server Spec, for a router made now."""
    return ServerSpec.model_validate({
        "superspec": __version__, "environment": plan.env, "class": plan.env_class,
        "engine": plan.engine, "network": network_name(plan.env),
        "router": router_name(plan.env), "port": port, "parent": lineage.parent})


def _running_router(engine: DockerEngine, plan: AppPlan, lineage: Lineage
                    ) -> tuple[RouterContainer, ServerSpec] | None:
    """The environment's router and the Server Spec it holds, when it runs; a router that
    does not run is a half-made one: it is removed (and made again)."""
    name = router_name(plan.env)
    state = engine.container_state(name)
    if state is None:
        return None
    if state.status != "running":
        engine.remove_container(name)
        return None
    router = RouterContainer(engine, name)
    spec = read_spec(engine, name) or _header(plan, lineage, plan.front_port)
    if spec.port is None:  # a router made by a run killed before it wrote its port
        spec = spec.model_copy(update={"port": router.address()[1]})
    return router, spec


def _router_parts(plan: AppPlan, lineage: Lineage
                  ) -> tuple[Upstream | None, list[str], dict[str, str]]:
    """A new router's upstream (a sub-environment's parent), networks and labels."""
    parent = lineage.parent
    upstream = None if parent is None else Upstream(router_name(parent), APP_PORT,
                                                    hosts=lineage.fallback)
    networks = [network_name(plan.env)] + ([network_name(parent)] if parent else [])
    return upstream, networks, env_labels(plan.env, "proxy", parent=parent)


def _environment(engine: DockerEngine, plan: AppPlan, made: Made, say: Say,
                 lineage: Lineage) -> tuple[RouterContainer, ServerSpec]:
    """The environment's network and router, created when missing (a router that is not
    running is a half-made one: it is replaced). A router made here serves no backend yet:
    the caller adds its application's (a reload)."""
    network = _network(engine, plan, made, lineage)
    found = _running_router(engine, plan, lineage)
    if found is not None:
        return found
    name = router_name(plan.env)
    spec = _header(plan, lineage, plan.front_port)
    upstream, networks, labels = _router_parts(plan, lineage)
    made.containers.append(name)
    router = RouterContainer.create(
        engine, Router(plan.env, port=APP_PORT, upstream=upstream), name=name,
        image=router_image(engine, plan), networks=networks, port=plan.front_port,
        labels=labels, files={SERVER_SPEC_PATH: spec.encode()}, aliases=lineage.fallback)
    port = router.address()[1]
    spec = spec.model_copy(update={"port": port})  # the engine chose it when none was given
    engine.put_file(name, SERVER_SPEC_PATH, spec.encode())
    say(f"environment {plan.env}: network {network}, router {name} on 127.0.0.1:{port}")
    return router, spec


def _new_router(engine: DockerEngine, plan: AppPlan, made: Made, say: Say, lineage: Lineage,
                network: str, app: AppSpec, names: list[str], secrets: dict[str, str],
                db: Target | None) -> RouterContainer:
    """A new environment's replicas and router: the router created with its final config (the
    application's backend) while the replicas are created and started, then started itself.
    Its front-door port is chosen first, so the replicas' Server Spec names it; the router
    holds the same Server Spec (a run that fails removes the router; one killed before the
    replicas passed their checks is finished by the next, which waits for them)."""
    name = router_name(plan.env)
    port = plan.front_port or free_port()
    spec = _header(plan, lineage, port).model_copy(update={"apps": [app]})
    upstream, networks, labels = _router_parts(plan, lineage)
    model = routed(Router(plan.env, port=APP_PORT, upstream=upstream), plan, live=names)
    image = router_image(engine, plan)

    def create(chosen: int | None, start: bool) -> RouterContainer:
        return RouterContainer.create(
            engine, model, name=name, image=image, networks=networks, port=chosen,
            labels=labels, files={SERVER_SPEC_PATH: spec.encode()}, aliases=lineage.fallback,
            start=start)

    made.containers.append(name)
    created: list[RouterContainer] = []
    together([lambda: created.append(create(port, start=False))] + replica_starts(
        engine, plan, names, spec, secrets, db, made))
    say(f"started {len(names)} replica(s) of {plan.project} {plan.version}")
    router = created[0]
    try:
        router.start()
    except InputError as exc:
        if plan.front_port is not None or not _port_taken(str(exc)):
            raise
        # the port chosen a moment ago was taken meanwhile: the engine chooses another, and
        # the replicas' Server Spec is written again with it
        engine.remove_container(name)
        router = create(None, start=True)
        spec = spec.model_copy(update={"port": router.address()[1]})
        for holder in [name, *names]:
            engine.put_file(holder, SERVER_SPEC_PATH, spec.encode())
    say(f"environment {plan.env}: network {network}, router {name} on "
        f"127.0.0.1:{router.address()[1]}")
    return router


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_taken(message: str) -> bool:
    return "address already in use" in message or "port is already allocated" in message


def _unchanged(plan: AppPlan, current: list[Any], before: ServerSpec, image_id: str,
               db_state: DatabaseState | None, router: RouterContainer,
               env_spec: ServerSpec) -> bool:
    app = before.app(plan.project)
    if app is None or len(current) != plan.replicas:
        return False
    if any(c.status != "running" or c.labels.get(VERSION) != plan.version for c in current):
        return False
    if (app.version, app.image_id, app.config_digest) != (plan.version, image_id,
                                                          plan.config_digest):
        return False
    if db_state is not None and app.database != db_state:
        return False
    # the router lists a new version once its replicas passed their checks (a new
    # environment's router from the start): a deploy killed before that is done again
    listed = env_spec.app(plan.project)
    if listed is None or (listed.version, listed.config_digest) != (app.version,
                                                                    app.config_digest):
        return False
    model = router.router()
    names = {c.name for c in current}
    return any(b.name == plan.project
               and {s.name for s in b.servers if s.state == "ready"} == names
               for b in model.backends)


def app_spec(plan: AppPlan, image_id: str, db_state: DatabaseState | None,
             previous: AppSpec | None, lineage: Lineage, names: list[str] | None = None
             ) -> AppSpec:
    names = names or slot_names(plan.env, plan.project, plan.replicas, alternate=False)
    stamp = now()
    return AppSpec(
        project=plan.project, version=plan.version, image=plan.image, image_id=image_id,
        config=plan.config, config_digest=plan.config_digest, spec_digest=plan.spec_digest,
        replicas=[Replica(name=n, endpoint=f"http://{n}:{plan.port}") for n in names],
        database=db_state,
        parent=lineage.parent or (previous.parent if previous else None),
        split_point=lineage.split_point or (previous.split_point if previous else None),
        merged_from=lineage.merged_from,
        created=previous.created if previous else stamp, updated=stamp)


def start_replica(engine: DockerEngine, plan: AppPlan, name: str, spec: bytes,
                  secrets: dict[str, str], db: Target | None, made: Made) -> None:
    variables = dict(plan.variables) | secrets
    mounts: list[Mount] = []
    if db is not None:
        variables["DATABASE_URL"] = databases.app_url(db, plan.project)
        folder = databases.mount_dir(db)
        if folder is not None:
            mounts.append(Mount(str(folder), DB_MOUNT))
    labels = env_labels(plan.env, "app", plan.project) | {
        VERSION: plan.version, SPEC_DIGEST: plan.spec_digest}
    made.containers.append(name)  # removing one that was never made does nothing
    engine.create_container(plan.image, name, networks=[network_name(plan.env)],
                            aliases=[plan.project], labels=labels, ports={},
                            environment=variables, mounts=mounts)
    engine.put_file(name, SERVER_SPEC_PATH, spec)
    engine.start_container(name)


def replica_starts(engine: DockerEngine, plan: AppPlan, names: list[str], spec: ServerSpec,
                   secrets: dict[str, str], db: Target | None, made: Made
                   ) -> list[Callable[[], None]]:
    data = spec.encode()

    def starter(name: str) -> Callable[[], None]:
        return lambda: start_replica(engine, plan, name, data, secrets, db, made)

    return [starter(name) for name in names]


def start_replicas(engine: DockerEngine, plan: AppPlan, names: list[str], spec: ServerSpec,
                   secrets: dict[str, str], db: Target | None, made: Made) -> None:
    """Create, fill in and start the replicas ``names``, together."""
    together(replica_starts(engine, plan, names, spec, secrets, db, made))


def together(calls: list[Callable[[], None]]) -> None:
    """Run ``calls`` at the same time (threads: each mostly waits on the engine); when all are
    done, raise the first failure."""
    errors: list[BaseException] = []

    def run(call: Callable[[], None]) -> None:
        try:
            call()
        except BaseException as exc:  # raised in the caller's thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls[1:]]
    for thread in threads:
        thread.start()
    if calls:
        run(calls[0])
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def health_checks(plan: AppPlan) -> dict[str, int]:
    """The router's health-check settings of the application: ``environments.<env>.release.
    health`` (interval, timeout, healthyAfter), its defaults when the spec says none."""
    health = (plan.release or Release()).health
    return {"check_interval_ms": _milliseconds(health.interval),
            "check_timeout_ms": _milliseconds(health.timeout), "rise": health.healthy_after}


def _milliseconds(duration: str) -> int:
    return round(seconds(duration) * 1000)


def routed(model: Router, plan: AppPlan, live: list[str], spare: tuple[str, ...] = ()
           ) -> Router:
    """``model`` with the project's backend: the ``live`` replicas ready, the ``spare`` ones
    (running, a release's new version) listed with weight 0 until the release moves traffic
    to them. Every replica slot and its alternate is listed (the unused ones in maintenance),
    so a release, which starts its new version under the alternate names, changes weights and
    states only: the router never reloads under its clients."""
    hosts = (shared_host(plan.project, plan.env), plan.project.lower())
    slots = [name for index in range(1, plan.replicas + 1)
             for name in (replica_name(plan.env, plan.project, index),
                          replica_name(plan.env, plan.project, index, alternate=True))]
    slots += sorted((set(live) | set(spare)) - set(slots))  # a release changing the count

    def server(name: str) -> Server:
        if name in live:
            return Server(name, plan.port)
        if name in spare:
            return Server(name, plan.port, weight=0)
        return Server(name, plan.port, weight=0, state="maint")

    servers = tuple(server(name) for name in slots)
    backend = Backend(plan.project, hosts=hosts, servers=servers, health_path=plan.health,
                      **health_checks(plan))
    backends = tuple(b for b in model.backends if b.name != plan.project) + (backend,)
    # the first application is what the plain port answers
    default = model.default_backend or plan.project
    return replace(model, backends=backends, default_backend=default)


def route(router: RouterContainer, plan: AppPlan, live: list[str],
          spare: tuple[str, ...] = ()) -> None:
    """The router made to serve the project's backend (see ``routed``)."""
    router.apply(routed(router.router(), plan, live, spare))


def _wait_healthy(engine: DockerEngine, router: RouterContainer, plan: AppPlan,
                  names: list[str], timeout: float, say: Say) -> None:
    try:
        router.wait_healthy({(plan.project, n) for n in names}, timeout=timeout)
    except InputError:
        for name in names:
            state = engine.container_state(name)
            status = state.status if state else "missing"
            say(f"{name} ({status}), last log lines:")
            for line in (engine.container_logs(name, tail=20) if state else "").splitlines():
                say(f"  {line}")
        raise InputError(f"replicas of {plan.project} {plan.version} did not pass their health "
                         f"check ({plan.health}) within {timeout:g}s") from None


def _front_port(router: RouterContainer) -> int:
    return router.address()[1]


def _remove(engine: DockerEngine, made: Made) -> None:
    for name in reversed(made.containers):
        engine.remove_container(name)
    if made.network is not None:
        engine.remove_network(made.network)
    if made.database is not None:
        if isinstance(made.database, SqliteTarget):
            made.database.path.unlink(missing_ok=True)
        else:
            drop_database(made.database)
