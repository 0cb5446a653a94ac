"""What a release does differently on each engine: where the new version's instances run and
how they start beside the stable ones, which router servers each version has, and how a
version's instances go away. The rest — steps, gates, pauses, the record, rollback — is the
same on every engine (superspec.release.run).

- ``ContainerFleet`` (a plain engine): one container per replica, the new version under the
  alternate slot names (``ss-<env>-<project>-<n>-next``, or back to ``...-<n>``).
- ``ServiceFleet`` (``engine: swarm``): one replicated service per version, the new one under
  the alternate service name (``ss-<env>-<project>-next``, or back to ``ss-<env>-<project>``);
  the router's servers of a service are its slot names, each resolving ``tasks.<service>``.

Both start the new version's instances healthy and routed with weight 0: the router has listed
every server of both names since the environment was created (the unused ones in
maintenance), so starting them changes states and weights only, never the config.
"""

from __future__ import annotations

import time
from typing import Protocol

from superspec.db import Target
from superspec.engine.docker import DockerEngine
from superspec.engine.swarm import SwarmEngine, running
from superspec.env import swarm as services
from superspec.env.apply import Made, read_spec, route, secret_values, start_replica
from superspec.env.desired import AppPlan
from superspec.env.names import slot_names
from superspec.env.serverspec import AppSpec, Replica, ServerSpec
from superspec.errors import InputError
from superspec.router.container import RouterContainer


class Fleet(Protocol):
    """The instances of an application's versions on one engine."""

    def stable(self, app: AppSpec) -> list[str]:
        """The router's servers of the version ``app`` (the router's Server Spec) describes."""

    def fresh(self, stable: list[str]) -> list[str]:
        """The router's servers the new version starts under (the other name of each)."""

    def start(self, header: ServerSpec, app: AppSpec, stable: list[str], fresh: list[str],
              db: Target | None, timeout: float) -> None:
        """Start the new version (``app``, in ``header``) beside the stable one and route its
        servers ``fresh`` with weight 0 (their health checks through the router are the
        caller's to wait for); InputError when it does not come up within ``timeout``."""

    def running(self, names: list[str]) -> list[str]:
        """Those of ``names`` whose instances still exist."""

    def remove(self, names: list[str]) -> None:
        """Remove the instances behind servers ``names`` (already out of traffic)."""

    def described(self, names: list[str]) -> AppSpec | None:
        """The application as the instances behind ``names`` describe themselves."""


class ContainerFleet:
    """A plain engine: a container per replica, named like its router server."""

    def __init__(self, engine: DockerEngine, plan: AppPlan, router: RouterContainer) -> None:
        self.engine, self.plan, self.router = engine, plan, router

    def stable(self, app: AppSpec) -> list[str]:
        return [r.name for r in app.replicas]

    def fresh(self, stable: list[str]) -> list[str]:
        return slot_names(self.plan.env, self.plan.project, self.plan.replicas,
                          alternate=not stable[0].endswith("-next"))

    def start(self, header: ServerSpec, app: AppSpec, stable: list[str], fresh: list[str],
              db: Target | None, timeout: float) -> None:
        made = Made()
        secrets = secret_values(self.plan)
        data = header.model_copy(update={"apps": [app]}).encode()
        for name in fresh:
            self.engine.remove_container(name)  # a crashed earlier attempt's leftovers
            start_replica(self.engine, self.plan, name, data, secrets, db, made)
        route(self.router, self.plan, live=stable, spare=tuple(fresh))

    def running(self, names: list[str]) -> list[str]:
        return [n for n in names if self.engine.container_state(n) is not None]

    def remove(self, names: list[str]) -> None:
        for name in names:
            self.engine.remove_container(name)

    def described(self, names: list[str]) -> AppSpec | None:
        replica = read_spec(self.engine, names[0]) if names else None
        return replica.app(self.plan.project) if replica is not None else None


class ServiceFleet:
    """``engine: swarm``: a replicated service per version (endpoint mode dnsrr); the router's
    servers of a service are its slot names, all resolving ``tasks.<service>``."""

    def __init__(self, swarm: SwarmEngine, plan: AppPlan, router: RouterContainer) -> None:
        self.swarm, self.plan, self.router = swarm, plan, router

    def service(self, names: list[str]) -> str:
        """The service whose slot servers ``names`` are."""
        return services.service_name(self.plan.env, self.plan.project,
                                     alternate=bool(names) and names[0].endswith("-next"))

    def stable(self, app: AppSpec) -> list[str]:
        service = services.service_of_task(app.replicas[0].name) if app.replicas else ""
        return services.slot_servers(self.plan.env, self.plan.project, service,
                                     len(app.replicas))

    def fresh(self, stable: list[str]) -> list[str]:
        return slot_names(self.plan.env, self.plan.project, self.plan.replicas,
                          alternate=not stable[0].endswith("-next"))

    def start(self, header: ServerSpec, app: AppSpec, stable: list[str], fresh: list[str],
              db: Target | None, timeout: float) -> None:
        plan, swarm = self.plan, self.swarm
        service = self.service(fresh)
        swarm.remove_service(service)  # a crashed earlier attempt's leftovers
        app = app.model_copy(update={"replicas": [
            Replica(name=n, endpoint=f"http://tasks.{service}:{plan.port}")
            for n in services.task_names(service, plan.replicas)]})
        config = services.spec_config(swarm, plan, header.model_copy(update={"apps": [app]}),
                                      services.MadeHere())
        swarm.create_service(services.service_definition(
            plan, secret_values(plan), db, config, swarm.image_has_healthcheck(plan.image),
            service))
        self._wait_running(service, timeout)
        services.route(self.router, plan, live=self.service(stable), spare=service,
                       live_replicas=len(stable))

    def _wait_running(self, service: str, timeout: float) -> None:
        """Every slot runs a task that passed swarm's health check (only such a task is in
        ``tasks.<service>``, and so reachable by the router)."""
        deadline = time.monotonic() + timeout
        while len(running(self.swarm.tasks(service))) < self.plan.replicas:
            if time.monotonic() > deadline:
                failed = [t for t in self.swarm.tasks(service) if t.error]
                why = f" ({failed[-1].state}: {failed[-1].error})" if failed else ""
                raise InputError(f"the tasks of {service} did not pass their health check "
                                 f"({self.plan.health}) within {timeout:g}s{why}")
            time.sleep(0.25)

    def running(self, names: list[str]) -> list[str]:
        return list(names) if self.swarm.service_state(self.service(names)) else []

    def remove(self, names: list[str]) -> None:
        self.swarm.remove_service(self.service(names))
        services.prune_configs(self.swarm, self.plan.env, self.plan.project)

    def described(self, names: list[str]) -> AppSpec | None:
        state = self.swarm.service_state(self.service(names))
        spec = services.service_spec(self.swarm, state)
        return spec.app(self.plan.project) if spec is not None else None


def fleet_of(engine: DockerEngine, plan: AppPlan, router: RouterContainer) -> Fleet:
    if plan.engine == "swarm":
        return ServiceFleet(SwarmEngine.of(engine), plan, router)
    return ContainerFleet(engine, plan, router)

