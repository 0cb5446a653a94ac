"""`superspec step package`: the package runner behind the step contract.

``params`` is the validated ``PackageParams`` or its values from the params memo: read only as
attributes."""

from __future__ import annotations

from pathlib import Path

from superspec.errors import SuperspecError
from superspec.package.runner import package_artifact
from superspec.package.specdata import package_spec
from superspec.step.context import StepContext, Verdict
from superspec.suggest import unknown_environment

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.package.stepparams import PackageParams


def run(ctx: StepContext, params: PackageParams) -> Verdict:
    effective = ctx.effective
    envs = params.envs
    if envs is None and params.stage is not None:  # the stage (checked to exist) packages them
        from superspec.spec.packaging import envs_packaged_by

        envs = envs_packaged_by(effective.model, params.stage)  # the pipeline's rule
    if not envs:
        where = (f"pipeline.stages.{params.stage}.envs" if params.stage
                 else "'stage' to use the stage's envs")
        raise SuperspecError(f"no environments to package: set 'envs' in the step or {where}",
                             location=ctx.param_location("stage" if params.stage else "envs"))
    envs = list(dict.fromkeys(envs))  # envs: [prod, prod] packages prod once
    defined = package_spec(effective).environments
    unknown = [env for env in envs if env not in defined]
    if unknown:
        location = (ctx.param_location("envs") if params.envs is not None
                    else effective.locate(f"pipeline.stages.{params.stage}.envs"))
        raise SuperspecError(unknown_environment(unknown[0], list(defined)),
                             location=location)
    results = package_artifact(
        effective, envs,
        Path(params.artifact) if params.artifact else None,
        Path(params.out) if params.out else None,
    )
    packages = [result.to_json() for result in results]
    return Verdict("passed", f"packaged {len(packages)} environment(s): {', '.join(envs)}",
                   {"packages": packages})
