"""`superspec step release`: the release runner behind the step contract.

``params`` is the validated ``ReleaseParams`` or its values from the params memo: read only as
attributes."""

from __future__ import annotations

from superspec.release.command import run_release
from superspec.release.run import Paused, RolledBack
from superspec.step.context import StepContext, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.release.stepparams import ReleaseParams


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
