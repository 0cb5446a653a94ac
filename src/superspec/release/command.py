"""One call for the CLI and the step: the spec's plan and release settings, on the engine."""

from __future__ import annotations

from collections.abc import Callable

from superspec.env.lookup import engine_and_plan
from superspec.release.record import Record
from superspec.release.run import release
from superspec.release.swarm import release as swarm_release
from superspec.spec import EffectiveSpec
from superspec.spec.envmodels import Release


def run_release(effective: EffectiveSpec, env: str, version: str | None = None,
                image: str | None = None, *, resume: bool = False, abort: bool = False,
                say: Callable[[str], None] = lambda _: None,
                health_timeout: float = 60.0) -> Record:
    engine, plan = engine_and_plan(effective, env, version, image)
    root = env if env in effective.model.environments else None
    settings = (effective.model.environments[root].release if root else None) or Release()
    run = swarm_release if plan.engine == "swarm" else release  # swarm: its rolling update
    return run(engine, plan, settings, webhooks=list(effective.model.notifications.webhooks),
               resume=resume, abort=abort, say=say, health_timeout=health_timeout)
