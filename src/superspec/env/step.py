"""`superspec step deploy`: the environment runner behind the step contract."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from superspec.env.engines import up
from superspec.env.lookup import plan_in
from superspec.step.context import StepContext, Verdict
from superspec.step.contract import ParamsBase


class DeployParams(ParamsBase):
    step: Literal["deploy"]
    env: str | None = Field(None, description="Environment; default: the stage's env.")
    version: str | None = Field(None, description="Version/tag to deploy; default: app.version.")


def run(ctx: StepContext, params: DeployParams) -> Verdict:
    from superspec.engine.docker import DockerEngine

    env = params.env or (ctx.stage.env if ctx.stage is not None else None)
    assert env is not None  # the dispatcher checked the environment
    engine = DockerEngine.connect()
    outcome = up(engine, plan_in(engine, ctx.effective, env, params.version))
    details = outcome.to_json()
    return Verdict("done", f"{outcome.action} {outcome.project} {outcome.version} in {env}: "
                           f"{details['url']}", details)
