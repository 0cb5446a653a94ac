"""Run one step: params file -> validated params -> runner -> result message (or error message)."""

from __future__ import annotations

import os
from pathlib import Path

from superspec import __version__
from superspec.errors import InputError, SpecError, SuperspecError
from superspec.paths import display_path
from superspec.runners import registry
from superspec.step.context import RunnerUnavailable, StepContext, Verdict
from superspec.step.contract import (
    CONTRACT_VERSION,
    STATUS_EXIT_CODES,
    ApprovalRequest,
    ParamsBase,
    StepResult,
)
from superspec.step.params import load_params, locate_param
from superspec.suggest import hinted, unknown_environment

TYPE_CHECKING = False
if TYPE_CHECKING:  # the spec model is built only for a runner (or a stage) that reads it
    from superspec.spec import EffectiveSpec
    from superspec.spec.models import Stage


def execute(name: str, params_file: Path) -> StepResult:
    """Validate the params, load the spec and run the step's runner. Raises SuperspecError."""
    params = load_params(name, params_file)
    check_secrets(params, params_file)
    from superspec.spec.compiled import pinned_root, search_dirs
    from superspec.spec.effective import load_spec

    # the compiled-spec cache answers an unchanged spec (SUPERSPEC_NO_SPEC_CACHE=1 bypasses it;
    # so does a step's "cache": false, which asks for everything to be checked again)
    effective = load_spec(Path(params.spec), search_dirs(params.layers),
                          pinned_root(params.root), use_cache=getattr(params, "cache", True))
    stage = _stage(effective, params, params_file)
    context = StepContext(effective, stage, params_file)
    verdict = run_runner(context, params)
    approval = ApprovalRequest.model_validate(verdict.approval) if verdict.approval else None
    return StepResult(
        contract=CONTRACT_VERSION, step=name, status=verdict.status,  # type: ignore[arg-type]
        exit_code=STATUS_EXIT_CODES[verdict.status], superspec=__version__,
        message=verdict.message, details=verdict.details, approval=approval,
    )


def run_runner(ctx: StepContext, params: ParamsBase) -> Verdict:
    """The registered runner's verdict. A runner not in this version answers "not available"
    once its params and the environment it targets are checked."""
    name = params.step
    runner = registry.get(name)
    if runner is None:
        raise RunnerUnavailable(name)
    if runner.needs_env:
        target_env(ctx, params)
    if runner.adapter is None:
        raise RunnerUnavailable(name)
    verdict: Verdict = registry.load(runner.adapter)(ctx, params)
    return verdict


def target_env(ctx: StepContext, params: ParamsBase) -> str:
    """The environment a runner targets: the params' env, else the stage's; must exist."""
    name = params.step
    env = getattr(params, "env", None) or (ctx.stage.env if ctx.stage else None)
    if not env:
        where = (f"pipeline.stages.{params.stage}.env" if params.stage
                 else "'stage' to use the stage's env")
        raise SuperspecError(f"no environment to {name}: set 'env' in the step or {where}",
                             location=ctx.param_location("env" if not params.stage else "stage"))
    if getattr(params, "env", None):
        location = ctx.param_location("env")
    else:
        location = ctx.effective.locate(f"pipeline.stages.{params.stage}.env")
    known = ctx.effective.model.environments
    if env not in known:
        raise SuperspecError(unknown_environment(env, known), location=location)
    return str(env)


def check_secrets(params: ParamsBase, params_file: Path) -> None:
    """Every secret the params name must be in the environment (the CI puts it there)."""
    missing = [name for name in params.secrets if not os.environ.get(name)]
    if missing:
        names = ", ".join(missing)
        raise InputError(
            f"secret(s) {names} named in the params are not set in the environment "
            "(a Jenkins step passes them with withCredentials)",
            location=locate_param(params_file, "secrets"),
        )


def _stage(effective: EffectiveSpec, params: ParamsBase, params_file: Path) -> Stage | None:
    """The pipeline stage the params name (checked to exist and to run this step), or None."""
    if params.stage is None:
        return None
    stages = effective.model.pipeline.stages
    if params.stage not in stages:
        spec = display_path(effective.path)
        message = hinted(f"stage '{params.stage}' is not in pipeline.stages of {spec}",
                         params.stage, stages, "stages")
        raise SuperspecError(message, location=locate_param(params_file, "stage"))
    runner = effective.model.stage_runner(params.stage)
    step = params.step
    if runner != step:
        raise SpecError(
            f"stage '{params.stage}' runs '{runner}', not '{step}'",
            location=effective.locate(f"pipeline.stages.{params.stage}"),
        )
    return stages[params.stage]
