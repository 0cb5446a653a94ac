"""`superspec release --env ENV`: move an application from its running version to a new one.

The new version's replicas start beside the stable ones under the alternate names (containers
on a plain engine, a second service on a swarm: superspec.release.fleet), join the router with
weight 0 and must pass their health checks before any traffic moves. Then the
strategy moves traffic through the router's runtime API (never a reload): canary by weighted
steps with pauses and gates, blue-green in one switch watched by the gates, rolling batch by
batch, recreate by stopping the stable version first. A failing gate or health check moves all
traffic back to the stable version and removes the new replicas (exit 4); a manual pause stops
with exit 5 until `--resume` (or `--abort`). The record of every step lets a rerun after a crash
converge: it resumes where traffic stands, or rolls back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from superspec.engine.docker import DockerEngine
from superspec.env import database as databases
from superspec.env.apply import Lineage, Say, app_spec, read_spec, required_image
from superspec.env.desired import AppPlan
from superspec.env.lock import environment_lock
from superspec.env.names import SERVER_SPEC_PATH, router_name
from superspec.env.serverspec import ServerSpec
from superspec.errors import InputError, SuperspecError
from superspec.release import gates as metrics
from superspec.release import record as records
from superspec.release.audit import Audit
from superspec.release.durations import seconds
from superspec.release.fleet import Fleet, fleet_of
from superspec.release.record import TERMINAL, Record
from superspec.router.container import RouterContainer
from superspec.spec.envmodels import Release, ReleaseStep
from superspec.spec.models import Webhook


class RolledBack(SuperspecError):
    """A gate or health check failed: traffic is back on the stable version (exit 4)."""

    exit_code = 4


class Paused(SuperspecError):
    """The release waits for approval at a manual pause (exit 5)."""

    exit_code = 5


@dataclass
class Run:
    engine: DockerEngine
    plan: AppPlan
    spec: Release
    router: RouterContainer
    audit: Audit
    say: Say
    health_timeout: float
    fleet: Fleet

    @property
    def backend(self) -> str:
        return self.plan.project


def release(engine: DockerEngine, plan: AppPlan, spec: Release, *, webhooks: list[Webhook],
            resume: bool = False, abort: bool = False, say: Say = lambda _: None,
            health_timeout: float = 60.0) -> Record:
    """Release ``plan`` (its version) into its environment; returns the final record, or
    raises Paused (exit 5) / RolledBack (exit 4) / InputError (exit 1, nothing moved)."""
    with environment_lock(plan.env):
        state = engine.container_state(router_name(plan.env))
        if state is None:
            raise InputError(f"environment '{plan.env}' does not exist on this engine: "
                             f"`superspec deploy --env {plan.env}` first")
        router = RouterContainer(engine, router_name(plan.env))
        run = Run(engine, plan, spec, router, Audit(plan.env, plan.project, webhooks, say), say,
                  health_timeout, fleet_of(engine, plan, router))
        current = records.load(plan.env, plan.project)
        if current is not None and current.phase == "starting":  # killed before any traffic
            _roll_back(run, current, "interrupted before traffic moved", raise_after=False)
            current = None
        if current is not None and current.phase not in TERMINAL:
            if abort:
                return _roll_back(run, current, "aborted (--abort)", raise_after=False)
            if current.phase == "paused" and not resume:
                raise InputError(f"a release of {plan.project} to {current.to_version} is "
                                 f"paused at {current.weight}% in {plan.env}: pass --resume "
                                 "to go on or --abort to roll it back")
            say(f"continuing the release of {plan.project} to {current.to_version} "
                f"({current.phase}, {current.weight}%)")
            run.audit.event("resumed", version=current.to_version, weight=current.weight)
            return _drive(run, current)
        if resume or abort:
            raise InputError(f"no release of {plan.project} is in progress in {plan.env}")
        fresh = _start(run)
        if fresh is None:
            return Record(plan.env, plan.project, spec.strategy, plan.version, plan.version,
                          [], [], phase="released", reason="already at this version")
        return _drive(run, fresh)


def _start(run: Run) -> Record | None:
    """Start the new version beside the stable one, healthy, with no traffic yet."""
    plan, engine = run.plan, run.engine
    header = read_spec(engine, run.router.name)
    app = header.app(plan.project) if header is not None else None
    if header is None or app is None:
        raise InputError(f"{plan.project} does not run in {plan.env}: `superspec deploy "
                         f"--env {plan.env}` first (a release moves a running application)")
    image = required_image(engine, plan)
    if app.version == plan.version and app.image_id == image.id:
        run.say(f"{plan.project} already runs {plan.version} in {plan.env}")
        return None
    stable = run.fleet.stable(app)
    fresh = run.fleet.fresh(stable)
    record = Record(plan.env, plan.project, run.spec.strategy, app.version, plan.version,
                    stable, fresh, image=image.id)
    record.save()
    run.audit.event("started", strategy=run.spec.strategy, fromVersion=app.version,
                    toVersion=plan.version)
    db = databases.target(plan)
    db_state = None
    if db is not None:
        databases.bring_up(plan, db)
        db_state = databases.state(plan, db, databases.current(plan, db))
    if run.spec.strategy == "recreate":
        _set(run, {name: 0 for name in stable})
    new_app = app_spec(plan, image.id, db_state, app, Lineage(), names=fresh)
    try:
        run.fleet.start(header, new_app, stable, fresh, db, run.health_timeout)
        run.router.wait_healthy({(run.backend, n) for n in fresh}, timeout=run.health_timeout)
    except InputError as exc:
        _roll_back(run, record, f"the new replicas did not become healthy: {exc}".split("\n")[0],
                   raise_after=True)
    run.say(f"{plan.project} {plan.version}: {len(fresh)} replica(s) healthy, no traffic yet")
    record.phase = "stepping"
    record.save()
    return record


def _drive(run: Run, record: Record) -> Record:
    """Move traffic step by step from where the record says it stands."""
    if record.phase == "promoted":
        return _promote(run, record)  # every step was done: finish draining
    try:  # after a crash or a pause, the new replicas must still be healthy
        run.router.wait_healthy({(run.backend, n) for n in record.fresh},
                                timeout=run.health_timeout)
    except InputError as exc:
        _roll_back(run, record, f"the new replicas are not healthy: {exc}".split("\n")[0],
                   raise_after=True)
    steps = _steps(run.spec)
    while record.step < len(steps):
        step = steps[record.step]
        if record.phase == "paused":  # resumed: the step's weight is in place already
            record.phase = "stepping"
            record.step += 1
            record.save()
            continue
        record.phase = "stepping"
        _shift(run, record, step.weight)
        record.save()
        run.audit.event("step", weight=step.weight, step=record.step + 1)
        if step.pause == "manual":
            record.phase = "paused"
            record.save()
            run.audit.event("paused", weight=record.weight, step=record.step + 1)
            raise Paused(f"release of {record.project} to {record.to_version} paused at "
                         f"{record.weight}% for approval: `superspec release --env "
                         f"{record.env} --resume` to go on, `--abort` to roll back")
        if step.pause is not None:
            _watch(run, record, seconds(step.pause))
        elif step.weight < 100 or run.spec.strategy == "blue-green":
            _watch(run, record, 2.0)
        record.step += 1
        record.save()
    return _promote(run, record)


def _steps(spec: Release) -> list[ReleaseStep]:
    """What the strategy moves through: canary its steps; blue-green one switch (watched for
    its first pause); rolling one batch after another; recreate all at once."""
    if spec.strategy == "canary":
        return list(spec.steps) or [ReleaseStep(weight=100)]
    if spec.strategy == "blue-green":
        pauses = [s.pause for s in spec.steps if s.pause]
        manual = [ReleaseStep(weight=0, pause="manual")] if "manual" in pauses else []
        watch = next((p for p in pauses if p != "manual"), None)
        return manual + [ReleaseStep(weight=100, pause=watch)]
    return [ReleaseStep(weight=100)]


def _shift(run: Run, record: Record, weight: int) -> None:
    """Give the new version ``weight`` percent of the traffic (rolling: batch by batch)."""
    fresh, stable = record.fresh, record.stable
    if run.spec.strategy == "rolling" and weight == 100:
        batch = run.spec.rolling.batch
        for start in range(0, len(fresh), batch):
            chunk = range(start, min(start + batch, len(fresh)))
            _set(run, {fresh[i]: 100 for i in chunk} | {
                stable[i]: 0 for i in chunk if i < len(stable)})
            run.say(f"rolling: {min(start + batch, len(fresh))}/{len(fresh)} replica(s) on "
                    f"{record.to_version}")
            _watch(run, record, 1.0)
        _set(run, {name: 0 for name in stable})
    else:
        _set(run, {name: weight for name in fresh} | {name: 100 - weight for name in stable})
    record.weight = weight
    run.say(f"{record.project}: {weight}% of the traffic on {record.to_version}")


def _set(run: Run, weights: dict[str, int]) -> None:
    model = run.router.router()
    known = {s.name for _, s in model.servers()}
    run.router.set_weights({(run.backend, n): w for n, w in weights.items() if n in known},
                           model=model)


def _watch(run: Run, record: Record, duration: float) -> None:
    """Watch the gates over ``duration`` (longer, up to 3x, until ``minRequests``): a failing
    gate rolls back at once."""
    gates = run.spec.gates
    began = time.time()
    deadline, limit = began + duration, began + 3 * duration
    while True:
        time.sleep(min(1.0, max(0.1, deadline - time.time())))
        log = run.engine.container_logs_since(run.router.name, began - 1)
        seen = metrics.window(log, run.backend, record.fresh)
        readings = metrics.judge(seen, gates)
        record.gates = readings
        failed = [g for g in readings if not g.passed]
        if failed and metrics.enough(seen, gates):
            gate = failed[0]
            run.audit.event("gate", gate=gate.name, value=gate.value, threshold=gate.threshold,
                            requests=gate.requests, passed=False)
            _roll_back(run, record, f"gate {gate.name} failed: {gate.value} over "
                                    f"{gate.requests} request(s), threshold {gate.threshold}",
                       raise_after=True)
        now = time.time()
        if now >= deadline and (metrics.enough(seen, gates) or now >= limit
                                or not readings):
            if readings:
                run.audit.event("gate", readings=[g.__dict__ for g in readings], passed=True)
            record.save()
            return


def _promote(run: Run, record: Record) -> Record:
    """All traffic on the new version: drain the stable replicas, then remove them."""
    record.phase = "promoted"
    record.save()
    run.audit.event("promoted", version=record.to_version)
    for name in record.stable:
        run.router.set_state(run.backend, name, "drain")
    time.sleep(run.spec.drain_seconds)
    for name in record.stable:
        run.router.set_state(run.backend, name, "maint")
    run.fleet.remove(record.stable)
    _write_router_spec(run, record)
    record.phase = "released"
    record.save()
    run.audit.event("released", version=record.to_version)
    return record


def _write_router_spec(run: Run, record: Record) -> None:
    """The router's Server Spec lists the application as its new replicas describe it."""
    header = read_spec(run.engine, run.router.name)
    app = run.fleet.described(record.fresh)
    if header is not None and app is not None:
        run.engine.put_file(run.router.name, SERVER_SPEC_PATH, header.with_app(app).encode())


def _roll_back(run: Run, record: Record, reason: str, raise_after: bool) -> Record:
    """All traffic back on the stable version; the new replicas removed."""
    stable = run.fleet.running(record.stable)
    if stable:
        _set(run, {name: 100 for name in stable} | {name: 0 for name in record.fresh})
    for name in record.fresh:
        _maint(run, name)
    run.fleet.remove(record.fresh)
    record.phase, record.weight, record.reason = "rolled-back", 0, reason
    record.save()
    run.audit.event("rolled-back", reason=reason, version=record.to_version)
    run.say(f"rolled back to {record.from_version}: {reason}")
    if raise_after:
        raise RolledBack(f"release of {record.project} to {record.to_version} rolled back: "
                         f"{reason}")
    return record


def _maint(run: Run, name: str) -> None:
    model = run.router.router()
    if any(s.name == name for _, s in model.servers()):
        run.router.set_state(run.backend, name, "maint")


def status(env: str, project: str) -> dict[str, Any]:
    found = records.load(env, project)
    if found is None:
        raise InputError(f"no release of {project} has run in {env}")
    return found.to_json()


def router_spec(engine: DockerEngine, env: str) -> ServerSpec | None:
    return read_spec(engine, router_name(env))
