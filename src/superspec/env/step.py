"""`superspec step deploy`: the environment runner behind the step contract.

``params`` is the validated ``DeployParams`` or its values from the params memo: read only as
attributes."""

from __future__ import annotations

from superspec.env.engines import up
from superspec.env.lookup import plan_in
from superspec.step.context import StepContext, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.env.stepparams import DeployParams


def run(ctx: StepContext, params: DeployParams) -> Verdict:
    from superspec.engine.docker import DockerEngine

    env = params.env or (ctx.stage.env if ctx.stage is not None else None)
    assert env is not None  # the dispatcher checked the environment
    engine = DockerEngine.connect()
    outcome = up(engine, plan_in(engine, ctx.effective, env, params.version))
    details = outcome.to_json()
    return Verdict("done", f"{outcome.action} {outcome.project} {outcome.version} in {env}: "
                           f"{details['url']}", details)
