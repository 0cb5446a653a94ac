"""`superspec release` on ``engine: swarm``.

Blue-green and canary run the new version as a second service (``ss-<env>-<project>-next``,
or back to the plain name) behind the same router and move traffic through its runtime API,
exactly as on a plain engine (superspec.release.run with superspec.release.fleet's
ServiceFleet): steps, gates from the router's access log, pauses, the record, rollback.

Rolling is swarm's own rolling update of the service. Its update config comes from the spec
(``rolling.batch`` tasks at a time, start-first when ``maxUnavailable`` is 0, failure action
rollback, each new task monitored for about its health window, no failure tolerated); a new
version whose tasks fail their health check is rolled back by swarm itself. superspec follows
``UpdateStatus``: ``completed`` is a release, ``rollback_completed`` a rollback (exit 4). The
router follows the tasks through DNS: no weights move and HAProxy never reloads.
"""

from __future__ import annotations

import time

from superspec.engine.docker import DockerEngine
from superspec.engine.swarm import SwarmEngine, running
from superspec.env import database as databases
from superspec.env import swarm as services
from superspec.env.apply import Lineage, Say, app_spec, read_spec, required_image, secret_values
from superspec.env.desired import AppPlan
from superspec.env.lock import environment_lock
from superspec.env.names import SERVER_SPEC_PATH, router_name
from superspec.env.serverspec import Replica
from superspec.errors import InputError
from superspec.release import record as records
from superspec.release.audit import Audit
from superspec.release.record import TERMINAL, Record
from superspec.release.run import RolledBack
from superspec.release.run import release as staged
from superspec.router.container import RouterContainer
from superspec.spec.envmodels import Release
from superspec.spec.models import Webhook


def release(engine: DockerEngine, plan: AppPlan, spec: Release, *, webhooks: list[Webhook],
            resume: bool = False, abort: bool = False, say: Say = lambda _: None,
            health_timeout: float = 60.0) -> Record:
    """Release ``plan``'s version on its swarm: blue-green and canary (or a release of theirs
    in progress) as two services behind the router, rolling as swarm's update of the service;
    the final record, or Paused (exit 5) / RolledBack (exit 4) / InputError (exit 1)."""
    if spec.strategy == "recreate":
        raise InputError(f"environment '{plan.env}' runs on engine: swarm: strategy recreate "
                         "is not available there (use blue-green, canary or rolling)")
    swarm = SwarmEngine.of(engine)
    swarm.require_manager(f"environment '{plan.env}'")
    current = records.load(plan.env, plan.project)
    two_services = current is not None and current.phase not in TERMINAL and \
        current.strategy != "rolling"  # a blue-green or canary release to go on with
    if spec.strategy != "rolling" or two_services:
        return staged(swarm, plan, spec, webhooks=webhooks, resume=resume, abort=abort,
                      say=say, health_timeout=health_timeout)
    if resume or abort:
        raise InputError("a rolling release on engine: swarm never pauses: there is nothing "
                         "to resume or abort")
    with environment_lock(plan.env):
        return _release(swarm, plan, Audit(plan.env, plan.project, webhooks, say), say,
                        health_timeout)


def _release(swarm: SwarmEngine, plan: AppPlan, audit: Audit, say: Say,
             health_timeout: float) -> Record:
    name = services.live_service(swarm, plan.env, plan.project)
    state = swarm.service_state(name)
    before = services.service_spec(swarm, state)
    app = before.app(plan.project) if before is not None else None
    if swarm.container_state(router_name(plan.env)) is None or before is None or app is None:
        raise InputError(f"{plan.project} does not run in {plan.env}: `superspec deploy --env "
                         f"{plan.env}` first (a release moves a running application)")
    image = required_image(swarm, plan)
    router = RouterContainer(swarm, router_name(plan.env))
    names = services.task_names(name, plan.replicas)
    if app.version == plan.version and app.image_id == image.id:
        say(f"{plan.project} already runs {plan.version} in {plan.env}")
        return Record(plan.env, plan.project, "rolling", plan.version, plan.version, names,
                      names, phase="released", reason="already at this version")
    record = Record(plan.env, plan.project, "rolling", app.version, plan.version,
                    [r.name for r in app.replicas], names, image=image.id)
    record.save()
    audit.event("started", strategy="rolling", fromVersion=app.version, toVersion=plan.version,
                engine="swarm")
    db = databases.target(plan)
    db_state = None
    if db is not None:
        databases.bring_up(plan, db)
        db_state = databases.state(plan, db, databases.current(plan, db))
    new_app = app_spec(plan, image.id, db_state, app, Lineage(), names=names)
    new_app = new_app.model_copy(update={"replicas": [
        Replica(name=n, endpoint=f"http://tasks.{name}:{plan.port}") for n in names]})
    header = before.model_copy(update={"apps": [new_app]})
    made = services.MadeHere()
    config = services.spec_config(swarm, plan, header, made)
    started = state.update_started if state is not None else ""
    swarm.update_service(services.service_definition(
        plan, secret_values(plan), db, config, swarm.image_has_healthcheck(plan.image), name))
    record.phase = "stepping"
    record.save()
    batch = services.settings(plan).rolling.batch
    say(f"swarm updates {name} to {plan.version}: {batch} task(s) at a time")
    outcome = _follow(swarm, name, config, plan, started,
                      health_timeout * max(1, plan.replicas), say)
    if outcome != "completed":
        reason = f"swarm rolled the update back ({outcome}: " \
                 f"{_message(swarm, name)})"
        services.prune_configs(swarm, plan.env, plan.project)
        record.phase, record.weight, record.reason = "rolled-back", 0, reason
        record.save()
        audit.event("rolled-back", reason=reason, version=plan.version)
        say(f"rolled back to {app.version}: {reason}")
        raise RolledBack(f"release of {plan.project} to {plan.version} rolled back: {reason}")
    services.wait_converged(swarm, router, plan, config, health_timeout, say, service=name)
    router_spec = read_spec(swarm, router.name) or before
    swarm.put_file(router.name, SERVER_SPEC_PATH, router_spec.with_app(new_app).encode())
    services.prune_configs(swarm, plan.env, plan.project)
    record.phase, record.weight = "released", 100
    record.save()
    audit.event("released", version=plan.version)
    return record


def _follow(swarm: SwarmEngine, name: str, config: str, plan: AppPlan, started: str,
            timeout: float, say: Say) -> str:
    """Wait until swarm finished the update or its rollback: ``completed``,
    ``rollback_completed`` (or ``rollback_paused``/``paused``, a rollback that stopped)."""
    deadline = time.monotonic() + timeout
    seen = -1
    while time.monotonic() < deadline:
        state = swarm.service_state(name)
        if state is None:
            raise InputError(f"service {name} went away during the release")
        update = state.update_state if state.update_started != started else None
        if update == "completed":
            return update
        if update in ("rollback_completed", "rollback_paused", "paused"):
            return update
        fresh = sum(1 for t in running(swarm.tasks(name))
                    if t.configs.get(SERVER_SPEC_PATH) == config)
        if fresh != seen and update == "updating":
            say(f"rolling: {fresh}/{plan.replicas} task(s) on {plan.version}")
            seen = fresh
        time.sleep(0.25)
    raise InputError(f"swarm did not finish updating {name} within {timeout:g}s (update "
                     f"{_message(swarm, name)})")


def _message(swarm: SwarmEngine, name: str) -> str:
    state = swarm.service_state(name)
    return state.update_message if state is not None else "service gone"
