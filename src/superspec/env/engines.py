"""Which code runs an environment: containers (superspec.env.apply, superspec.env.inspect) or
swarm services (superspec.env.swarm), by ``environments.<env>.engine`` — read from the spec for
create and deploy, from the router's Server Spec for describe, from the services for list."""

from __future__ import annotations

from typing import Any

from superspec.db.changes import ChangeSet
from superspec.engine.docker import DockerEngine
from superspec.env import apply, inspect, swarm
from superspec.env.apply import Lineage, Outcome, Say, read_spec
from superspec.env.desired import AppPlan
from superspec.env.inspect import Description
from superspec.env.names import router_name


def up(engine: DockerEngine, plan: AppPlan, *, timeout: float = 60.0,
       keep_failed: bool = False, say: Say = lambda _: None,
       lineage: Lineage | None = None) -> Outcome:
    """Create or update ``plan``'s application in its environment, on its engine."""
    if plan.engine == "swarm":
        return swarm.up(engine, plan, timeout=timeout, keep_failed=keep_failed, say=say,
                        lineage=lineage)
    return apply.up(engine, plan, timeout=timeout, keep_failed=keep_failed, say=say,
                    lineage=lineage or Lineage())


def describe(engine: DockerEngine, env: str, project: str | None = None,
             changes: ChangeSet | None = None) -> Description:
    """``env describe``: the environment as it runs (see inspect.describe)."""
    router = engine.container_state(router_name(env))
    header = read_spec(engine, router.name) if router is not None else None
    if header is not None and header.engine == "swarm":
        return swarm.describe(engine, header, project, changes)
    return inspect.describe(engine, env, project, changes)


def environments(engine: DockerEngine, project: str | None = None) -> list[dict[str, Any]]:
    """``env list``: every environment on the engine (or those holding ``project``), their
    applications read from the replicas' containers or the services."""
    found = []
    for item in inspect.environments(engine):
        if not item["apps"]:
            item["apps"] = swarm.applications(engine, item["environment"])
        if project is None or any(a["project"] == project for a in item["apps"]):
            found.append(item)
    return found
