"""Environments on a swarm (``environments.<env>.engine: swarm``).

The same shape as on a plain engine — an overlay network per environment (attachable), the
HAProxy router as a container on it publishing the environment's port on 127.0.0.1, the
database as for containers — but each application is a replicated **service**
``ss-<env>-<project>`` (endpoint mode dnsrr, reached by its project name and by
``tasks.<service>``). Its Server Spec is a swarm config mounted read-only at
/etc/superspec/server-spec.json in every task; a config cannot change, so each content is a new
config (named by its digest) and a changed one rolls the tasks over. The router lists one
server per replica slot, all resolving ``tasks.<service>``: HAProxy gives each slot another
task's address and follows the tasks through DNS, without a reload. Swarm replaces the tasks
itself (its update config comes from ``environments.<env>.release``) and rolls an update back
when the new tasks fail their health check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from superspec.db.changes import ChangeSet
from superspec.digest import digest
from superspec.engine.docker import DockerEngine, Mount
from superspec.engine.swarm import Health, Rollout, ServiceSpec, ServiceState, SwarmEngine, running
from superspec.env import database as databases
from superspec.env.apply import (
    Lineage,
    Made,
    Outcome,
    Say,
    _environment,
    _remove,
    app_spec,
    health_checks,
    read_spec,
    required_image,
    secret_values,
)
from superspec.env.desired import AppPlan
from superspec.env.inspect import Description, _check_database
from superspec.env.lock import environment_lock
from superspec.env.names import (
    DB_MOUNT,
    ENV,
    PROJECT,
    ROLE,
    SERVER_SPEC_PATH,
    SPEC_DIGEST,
    VERSION,
    env_labels,
    network_name,
    router_name,
    slot_names,
)
from superspec.env.serverspec import AppSpec, DatabaseState, Replica, ServerSpec
from superspec.errors import InputError
from superspec.release.durations import seconds
from superspec.router.config import Backend, Server, shared_host
from superspec.router.container import HEALTHY, RouterContainer
from superspec.spec.envmodels import Release

FAILED_UPDATE = ("rollback_started", "rollback_completed", "rollback_paused", "paused")


def service_name(env: str, project: str, alternate: bool = False) -> str:
    """The application's service; a blue-green or canary release starts the new version as
    the alternate service (``...-next``, or back to the plain name), beside the stable one."""
    return f"ss-{env}-{project}" + ("-next" if alternate else "")


def live_service(swarm: SwarmEngine, env: str, project: str) -> str:
    """The service that serves ``project`` now: the one of its two names that exists (the
    plain name when none does). While a release runs both exist: the router's Server Spec
    names the stable one."""
    names = [service_name(env, project, alternate) for alternate in (False, True)]
    found = [name for name in names if swarm.service_state(name) is not None]
    if len(found) == 1:
        return found[0]
    listed = read_spec(swarm, router_name(env)) if found else None
    app = listed.app(project) if listed is not None else None
    if app is not None and app.replicas:
        owner = service_of_task(app.replicas[0].name)
        if owner in names:
            return owner
    return names[0]


def service_of_task(task: str) -> str:
    """``ss-env-shop-next.2`` -> ``ss-env-shop-next``."""
    return task.rpartition(".")[0]


def slot_servers(env: str, project: str, service: str, replicas: int) -> list[str]:
    """The router's servers of ``service``'s replica slots: the slot names of a replica on a
    plain engine (``ss-<env>-<project>-<n>``, ``...-<n>-next`` for the alternate service)."""
    return slot_names(env, project, replicas, alternate=service.endswith("-next"))


def task_names(service: str, replicas: int) -> list[str]:
    """The replicas as swarm names its tasks: ``<service>.<slot>``."""
    return [f"{service}.{slot}" for slot in range(1, replicas + 1)]


@dataclass
class MadeHere(Made):
    services: list[str] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)


def up(engine: DockerEngine, plan: AppPlan, *, timeout: float = 60.0,
       keep_failed: bool = False, say: Say = lambda _: None,
       lineage: Lineage | None = None) -> Outcome:
    """Create or update ``plan``'s service in its environment (holding its lease)."""
    lineage = lineage or Lineage()
    if lineage.parent is not None:
        raise InputError(f"environment '{plan.env}': sub-environments (env split) are not "
                         "available on engine: swarm")
    swarm = SwarmEngine.of(engine)
    swarm.require_manager(f"environment '{plan.env}'")
    with environment_lock(plan.env):
        return _up(swarm, plan, timeout=timeout, keep_failed=keep_failed, say=say,
                   lineage=lineage)


def _up(swarm: SwarmEngine, plan: AppPlan, *, timeout: float, keep_failed: bool, say: Say,
        lineage: Lineage) -> Outcome:
    secrets = secret_values(plan)
    image = required_image(swarm, plan)
    made = MadeHere()
    service = live_service(swarm, plan.env, plan.project)
    try:
        network = network_name(plan.env)
        if swarm.ensure_overlay(network, env_labels(plan.env, "network")):
            made.network = network
        router, env_spec = _environment(swarm, plan, made, say, lineage)
        current = swarm.service_state(service)
        before = service_spec(swarm, current)
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
        names = task_names(service, plan.replicas)
        if current is not None and before is not None and _unchanged(
                swarm, plan, service, current, before, image.id, db_state, router):
            return Outcome(plan.env, plan.project, "unchanged", plan.version,
                           router.address()[1], names, db_state)
        previous = before.app(plan.project) if before is not None else None
        app = app_spec(plan, image.id, db_state, previous, lineage, names=names)
        app = app.model_copy(update={"replicas": [
            Replica(name=n, endpoint=f"http://tasks.{service}:{plan.port}") for n in names]})
        config = spec_config(swarm, plan, env_spec.model_copy(update={"apps": [app]}), made)
        spec = service_definition(plan, secrets, db, config,
                                  swarm.image_has_healthcheck(plan.image), service)
        if current is None:
            swarm.create_service(spec)
            made.services.append(service)
        else:
            swarm.update_service(spec)
        say(f"service {service}: {plan.replicas} task(s) of {plan.project} {plan.version}")
        route(router, plan, service)
        wait_converged(swarm, router, plan, config, timeout, say, service=service,
                       stale=current.update_started if current is not None else "")
        router_spec = read_spec(swarm, router.name) or env_spec
        swarm.put_file(router.name, SERVER_SPEC_PATH, router_spec.with_app(app).encode())
        prune_configs(swarm, plan.env, plan.project)
    except BaseException:
        if not keep_failed:
            remove_made(swarm, made)
        raise
    action = "created" if made.network is not None or previous is None else "deployed"
    return Outcome(plan.env, plan.project, action, plan.version, router.address()[1], names,
                   db_state)


def service_spec(swarm: SwarmEngine, service: ServiceState | None) -> ServerSpec | None:
    """The Server Spec the service's tasks mount (from its config, read through the API)."""
    name = service.configs.get(SERVER_SPEC_PATH) if service is not None else None
    data = swarm.config_data(name) if name else None
    return None if data is None else ServerSpec.decode(data, f"config {name}")


def spec_config(swarm: SwarmEngine, plan: AppPlan, spec: ServerSpec, made: MadeHere) -> str:
    data = spec.encode()
    name = f"{service_name(plan.env, plan.project)}-spec-{digest(spec.to_json())[:12]}"
    if swarm.config_data(name) is None:
        made.configs.append(name)
    swarm.ensure_config(name, data, env_labels(plan.env, "spec", plan.project)
                        | {VERSION: plan.version})
    return name


def settings(plan: AppPlan) -> Release:
    return plan.release or Release()


def service_definition(plan: AppPlan, secrets: dict[str, str], db: Any, config: str,
                       own_health: bool, service: str | None = None) -> ServiceSpec:
    """The service (``service``, default the plain name): the app's variables, secrets and
    DATABASE_URL as environment variables (never in labels or the config), the Server Spec
    config, a health check of app.health (unless the image has its own) and swarm's update
    config from the release settings."""
    variables = dict(plan.variables) | secrets
    mounts: list[Mount] = []
    if db is not None:
        variables["DATABASE_URL"] = databases.app_url(db, plan.project)
        folder = databases.mount_dir(db)
        if folder is not None:
            mounts.append(Mount(str(folder), DB_MOUNT))
    release = settings(plan)
    interval = seconds(release.health.interval)
    health = None if own_health else Health(
        test=("wget", "-q", "-O", "/dev/null", f"http://127.0.0.1:{plan.port}{plan.health}"),
        interval=interval, timeout=seconds(release.health.timeout),
        retries=release.health.healthy_after)
    rollout = Rollout(
        parallelism=release.rolling.batch,
        order="start-first" if release.rolling.max_unavailable == 0 else "stop-first",
        failure_action="rollback",
        monitor=max(2.0, interval * (release.health.healthy_after + 1)),
        max_failure_ratio=0.0)
    labels = env_labels(plan.env, "app", plan.project) | {
        VERSION: plan.version, SPEC_DIGEST: plan.spec_digest}
    return ServiceSpec(
        name=service or service_name(plan.env, plan.project), image=plan.image,
        replicas=plan.replicas,
        network=network_name(plan.env), labels=labels,
        container_labels=env_labels(plan.env, "task", plan.project),
        environment=variables, aliases=(plan.project,), mounts=tuple(mounts),
        configs={SERVER_SPEC_PATH: config}, health=health, rollout=rollout,
        stop_grace=float(release.drain_seconds))


def route(router: RouterContainer, plan: AppPlan, live: str, spare: str | None = None,
          live_replicas: int | None = None) -> None:
    """The project's backend: one server per replica slot of each of the two services, each
    resolving ``tasks.<service>`` (HAProxy gives every slot of a service a different task).
    The ``live`` service's servers are ready; the ``spare`` one's (a release's new version)
    are listed with weight 0 until the release moves traffic to them; the other name's are in
    maintenance. Both services' slots are listed from the start, so a release changes weights
    and states only: the router never reloads under its clients."""
    model = router.router()
    ready = set(slot_servers(plan.env, plan.project, live, live_replicas or plan.replicas))
    waiting = set(slot_servers(plan.env, plan.project, spare, plan.replicas) if spare else ())
    count = max(plan.replicas, live_replicas or 0)
    servers = []
    for alternate in (False, True):
        host = f"tasks.{service_name(plan.env, plan.project, alternate)}"
        for name in slot_names(plan.env, plan.project, count, alternate):
            if name in ready:
                servers.append(Server(name, plan.port, host=host))
            elif name in waiting:
                servers.append(Server(name, plan.port, weight=0, host=host))
            else:
                servers.append(Server(name, plan.port, weight=0, state="maint", host=host))
    backend = Backend(plan.project, hosts=(shared_host(plan.project, plan.env),
                                           plan.project.lower()),
                      servers=tuple(servers), health_path=plan.health, **health_checks(plan))
    backends = tuple(b for b in model.backends if b.name != plan.project) + (backend,)
    router.apply(replace(model, backends=backends,
                         default_backend=model.default_backend or plan.project))


def pending(swarm: SwarmEngine, router: RouterContainer, plan: AppPlan, config: str,
            stale: str = "", service: str | None = None) -> str | None:
    """What the service still waits for (None: converged): every slot a running task with
    ``config``, no other task running, and the router's servers on exactly those tasks, all
    passing their health checks. An update status of the update begun at ``stale`` is an
    earlier one's: not this change's outcome. ``service``: default the plain name."""
    service = service or service_name(plan.env, plan.project)
    state = swarm.service_state(service)
    if state is None:
        return f"service {service} is gone"
    update = state.update_state if state.update_started != stale or not stale else None
    if update in FAILED_UPDATE:
        raise UpdateFailed(update, state.update_message)
    live = running(swarm.tasks(service))
    fresh = [t for t in live if t.configs.get(SERVER_SPEC_PATH) == config]
    if len(fresh) != plan.replicas or len(live) != len(fresh):
        return f"{len(fresh)} of {plan.replicas} task(s) running the new spec, {len(live)} running"
    if update not in (None, "completed"):
        return f"update {update}"
    runtime = router.runtime()
    mine = set(slot_servers(plan.env, plan.project, service, plan.replicas))
    addresses = {s.server: s.address for s in runtime.servers_state()
                 if s.backend == plan.project and s.server in mine}
    wanted = {a for t in fresh for a in t.addresses}
    if set(addresses.values()) != wanted:
        return "the router does not reach every task yet"
    status = {s.server: s.status for s in runtime.show_stat() if s.backend == plan.project}
    if not all(status.get(name) in HEALTHY for name in addresses):
        return "not every task passes its health check through the router yet"
    return None


class UpdateFailed(InputError):
    def __init__(self, state: str | None, message: str) -> None:
        done = "rolled the update back" if "rollback" in str(state) else "paused the update"
        super().__init__(f"swarm {done} ({state}: {message})")
        self.state = state


def wait_converged(swarm: SwarmEngine, router: RouterContainer, plan: AppPlan, config: str,
                   timeout: float, say: Say, stale: str = "", service: str | None = None
                   ) -> None:
    service = service or service_name(plan.env, plan.project)
    deadline = time.monotonic() + timeout
    last: str | None = "not checked"
    try:
        while True:
            last = pending(swarm, router, plan, config, stale, service)
            if last is None:
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)
    except UpdateFailed as exc:
        tell_tasks(swarm, service, say)
        if exc.state == "rollback_started":  # leave the previous version running again
            settle(swarm, service, 60.0)
        raise InputError(f"replicas of {plan.project} {plan.version} did not pass their health "
                         f"check ({plan.health}): {exc}") from None
    tell_tasks(swarm, service, say)
    raise InputError(f"replicas of {plan.project} {plan.version} did not pass their health "
                     f"check ({plan.health}) within {timeout:g}s") from None


def settle(swarm: SwarmEngine, service: str, timeout: float) -> str | None:
    """Wait (at most ``timeout``) until swarm is no longer rolling ``service`` forward or
    back; its update state then."""
    deadline = time.monotonic() + timeout
    while True:
        state = swarm.service_state(service)
        update = state.update_state if state is not None else None
        if update not in ("updating", "rollback_started") or time.monotonic() > deadline:
            return update
        time.sleep(0.25)


def tell_tasks(swarm: SwarmEngine, service: str, say: Say) -> None:
    """The newest task of every slot: its state, error and last log lines."""
    newest = {t.slot: t for t in swarm.tasks(service)}
    for slot, task in sorted(newest.items()):
        say(f"{service}.{slot} ({task.state}{': ' + task.error if task.error else ''}), "
            "last log lines:")
        logs = ""
        if task.container and swarm.container_state(task.container) is not None:
            logs = swarm.container_logs(task.container, tail=20)
        for line in logs.splitlines():
            say(f"  {line}")


def _unchanged(swarm: SwarmEngine, plan: AppPlan, service: str, current: ServiceState,
               before: ServerSpec, image_id: str, db_state: DatabaseState | None,
               router: RouterContainer) -> bool:
    app = before.app(plan.project)
    if app is None or current.replicas != plan.replicas or \
            current.labels.get(VERSION) != plan.version:
        return False
    if (app.version, app.image_id, app.config_digest) != (plan.version, image_id,
                                                          plan.config_digest):
        return False
    if db_state is not None and app.database != db_state:
        return False
    config = current.configs.get(SERVER_SPEC_PATH, "")
    try:
        return pending(swarm, router, plan, config, current.update_started, service) is None
    except UpdateFailed:
        return False


def prune_configs(swarm: SwarmEngine, env: str, project: str) -> None:
    """The project's Server Spec configs no service uses any more (swarm refuses the rest)."""
    for config in swarm.configs({ENV: env, PROJECT: project, ROLE: "spec"}):
        swarm.remove_config(config.name)


def remove_made(swarm: SwarmEngine, made: MadeHere) -> None:
    for service in reversed(made.services):
        swarm.remove_service(service)
    for config in made.configs:
        swarm.remove_config(config)
    _remove(swarm, made)


def sweep(engine: DockerEngine, env: str) -> int:
    """`env destroy`'s part on a swarm: the environment's services (waiting until their
    tasks are gone) and configs. 0 on an engine that is not a swarm manager."""
    swarm = SwarmEngine.of(engine)
    if not swarm.is_manager():
        return 0
    removed = 0
    for service in swarm.services({ENV: env}):
        swarm.remove_service(service.name)
        removed += 1
    for config in swarm.configs({ENV: env}):
        removed += swarm.remove_config(config.name)
    return removed


# --- env describe / env list ----------------------------------------------------------------


def describe(engine: DockerEngine, header: ServerSpec, project: str | None,
             changes: ChangeSet | None) -> Description:
    """The environment as its services describe themselves (their labels, the Server Spec
    config every task mounts, their tasks); every disagreement is drift."""
    swarm = SwarmEngine.of(engine)
    env = header.environment
    out = Description(header.model_copy(update={"apps": []}))
    services = swarm.services({ENV: env, ROLE: "app"}) if swarm.is_manager() else []
    projects = sorted({s.labels.get(PROJECT, "") for s in services}
                      | {a.project for a in header.apps})
    for name in projects:
        if project is not None and name != project:
            continue
        service = next((s for s in services if s.labels.get(PROJECT) == name), None)
        app = _app(swarm, name, service, header.app(name), out)
        if app is not None:
            if app.database is not None and changes is not None and project is not None:
                _check_database(app, changes, out)
            out.spec = out.spec.with_app(app)
    if project is not None and not out.spec.apps:
        raise InputError(f"environment '{env}' holds no application '{project}'")
    return out


def _app(swarm: SwarmEngine, project: str, service: ServiceState | None,
         listed: AppSpec | None, out: Description) -> AppSpec | None:
    if service is None:
        if listed is not None:
            out.drift.append(f"{project}: listed by the router, but no service runs")
        return listed
    spec = service_spec(swarm, service)
    own = spec.app(project) if spec is not None else None
    if own is None:
        out.drift.append(f"{service.name}: no server spec for {project}")
        return listed
    if service.labels.get(VERSION) != own.version:
        out.drift.append(f"{service.name}: label version {service.labels.get(VERSION)} but "
                         f"its server spec says {own.version}")
    if service.image != own.image:
        out.drift.append(f"{service.name}: runs image {service.image} but its server spec "
                         f"says {own.image}")
    if service.replicas != len(own.replicas):
        out.drift.append(f"{service.name}: {service.replicas} replica(s) wanted, its server "
                         f"spec says {len(own.replicas)}")
    if service.update_state in ("paused", "rollback_paused"):
        out.drift.append(f"{service.name}: its update is {service.update_state}: "
                         f"{service.update_message}")
    config = service.configs.get(SERVER_SPEC_PATH)
    live = running(swarm.tasks(service.name))
    for task in live:
        name = f"{service.name}.{task.slot}"
        out.running[name] = task.state
        if task.configs.get(SERVER_SPEC_PATH) != config or task.image != service.image:
            out.drift.append(f"{name}: runs another server spec or image than its service")
    if len(live) != service.replicas:
        out.drift.append(f"{service.name}: {len(live)} of {service.replicas} task(s) running")
    if listed is None:
        out.drift.append(f"{project}: the service runs, but the router does not list the "
                         "application")
    elif (listed.version, listed.config_digest) != (own.version, own.config_digest):
        out.drift.append(f"{project}: the router lists version {listed.version}, the service "
                         f"runs {own.version}")
    return own


def applications(engine: DockerEngine, env: str) -> list[dict[str, Any]]:
    """`env list`'s view of a swarm environment's applications (from the services)."""
    swarm = SwarmEngine.of(engine)
    if not swarm.is_manager():
        return []
    return [{"project": s.labels.get(PROJECT, "?"), "version": s.labels.get(VERSION, "?"),
             "replicas": s.replicas, "running": len(running(swarm.tasks(s.name)))}
            for s in swarm.services({ENV: env, ROLE: "app"})]
