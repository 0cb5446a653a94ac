"""Which spec environment an environment on the engine stands for: itself, or, for a
sub-environment, the spec environment its chain of parents starts from."""

from __future__ import annotations

from dataclasses import replace

from superspec.engine.docker import DockerEngine
from superspec.env.apply import read_spec
from superspec.env.desired import AppPlan, app_plan
from superspec.env.names import check_env_name, router_name
from superspec.errors import InputError
from superspec.spec import EffectiveSpec


def plan_in(engine: DockerEngine, effective: EffectiveSpec, env: str,
            version: str | None = None, image: str | None = None) -> AppPlan:
    """The plan of this project in ``env``: a spec environment, or a sub-environment on the
    engine (planned as the spec environment it was split from, under its own name)."""
    check_env_name(env)
    root, seen = env, [env]
    while root not in effective.model.environments:
        state = engine.container_state(router_name(root))
        spec = read_spec(engine, router_name(root)) if state is not None else None
        if spec is None or spec.parent is None or spec.parent in seen:
            return app_plan(effective, env, version, image)  # the spec's own error
        root = spec.parent
        seen.append(root)
    plan = app_plan(effective, root, version, image)
    return plan if root == env else replace(plan, env=env, front_port=None)


def engine_and_plan(effective: EffectiveSpec, env: str, version: str | None = None,
                    image: str | None = None) -> tuple[DockerEngine, AppPlan]:
    """The engine and the plan of this project in ``env``; the spec is checked before the
    engine is asked anything (an environment the spec does not define is looked up on the
    engine as a sub-environment)."""
    if env in effective.model.environments:
        plan = app_plan(effective, env, version, image)
        return DockerEngine.connect(), plan
    try:
        engine = DockerEngine.connect()
    except InputError:
        app_plan(effective, env, version, image)  # the spec's own error: not defined
        raise
    return engine, plan_in(engine, effective, env, version, image)
