"""`superspec step release`: the release runner behind the step contract."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from superspec.release.command import run_release
from superspec.release.run import Paused, RolledBack
from superspec.step.context import StepContext, Verdict
from superspec.step.contract import ParamsBase


class ReleaseParams(ParamsBase):
    step: Literal["release"]
    env: str | None = Field(None, description="Environment; default: the stage's env.")
    version: str | None = Field(None, description="Version/tag to release; default: app.version.")
    resume: bool = Field(False, description="Continue a release paused for approval.")
    abort: bool = Field(False, description="Roll back the release in progress (e.g. when its "
                                           "approval was declined).")

    @model_validator(mode="after")
    def _one_way(self) -> ReleaseParams:
        if self.resume and self.abort:
            raise ValueError("'resume' and 'abort' exclude each other")
        return self


def run(ctx: StepContext, params: ReleaseParams) -> Verdict:
    env = params.env or (ctx.stage.env if ctx.stage is not None else None)
    assert env is not None  # the dispatcher checked the environment
    approval = ctx.effective.model.environments[env].approval
    try:
        record = run_release(ctx.effective, env, params.version, resume=params.resume,
                             abort=params.abort)
    except Paused as exc:
        return Verdict("paused-for-approval", exc.message, {"environment": env},
                       approval={"message": exc.message, "groups": list(approval.groups),
                                 "timeoutMinutes": approval.timeout_minutes})
    except RolledBack as exc:
        return Verdict("rolled-back", exc.message, {"environment": env})
    if params.abort:
        return Verdict("rolled-back", f"release of {record.project} to {record.to_version} "
                       f"aborted: {record.from_version} serves {env} again", record.to_json())
    return Verdict("done", f"released {record.project} {record.to_version} in {env}",
                   record.to_json())
