"""Run one step: params file -> validated params -> runner -> result message (or error message).

An unchanged step imports no pydantic: its params come from the params memo
(``step.params.step_params``), its spec from the compiled-spec cache, the stage it names is
checked against the spec's facts, and the result message is built as plain data
(``step.messages``)."""

from __future__ import annotations

import os
from pathlib import Path

from superspec.errors import InputError, SpecError, SuperspecError
from superspec.runners import registry
from superspec.step.context import RunnerUnavailable, StepContext, Verdict
from superspec.step.messages import result_message
from superspec.step.params import locate_param, step_params

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms
if TYPE_CHECKING:
    from typing import Any

    from superspec.spec import EffectiveSpec
    from superspec.step.params import StepParams


def execute(name: str, params_file: Path) -> dict[str, Any]:
    """Validate the params, load the spec and run the step's runner: the result message.
    Raises SuperspecError."""
    params = step_params(name, params_file)
    check_secrets(params, params_file)
    from superspec.spec.compiled import pinned_root, search_dirs
    from superspec.spec.effective import load_spec

    # the compiled-spec cache answers an unchanged spec (SUPERSPEC_NO_SPEC_CACHE=1 bypasses it;
    # so does a step's "cache": false, which asks for everything to be checked again)
    effective = load_spec(Path(params.spec), search_dirs(params.layers),
                          pinned_root(params.root), use_cache=getattr(params, "cache", True))
    stage = _stage(effective, params, params_file)
    context = StepContext(effective, stage, params_file)
    return result_message(name, run_runner(context, params))


def run_runner(ctx: StepContext, params: StepParams) -> Verdict:
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


def target_env(ctx: StepContext, params: StepParams) -> str:
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
        from superspec.suggest import unknown_environment

        raise SuperspecError(unknown_environment(env, known), location=location)
    return str(env)


def check_secrets(params: StepParams, params_file: Path) -> None:
    """Every secret the params name must be in the environment (the CI puts it there)."""
    missing = [name for name in params.secrets if not os.environ.get(name)]
    if missing:
        names = ", ".join(missing)
        raise InputError(
            f"secret(s) {names} named in the params are not set in the environment "
            "(a Jenkins step passes them with withCredentials)",
            location=locate_param(params_file, "secrets"),
        )


def _stage(effective: EffectiveSpec, params: StepParams, params_file: Path) -> str | None:
    """The pipeline stage the params name (checked to exist and to run this step), or None.
    Read from the spec's facts: the spec model is not built for it."""
    stage: str | None = params.stage
    if stage is None:
        return None
    stages: dict[str, str] = effective.facts["stages"]
    if stage not in stages:
        from superspec.paths import display_path
        from superspec.suggest import hinted

        spec = display_path(effective.path)
        message = hinted(f"stage '{stage}' is not in pipeline.stages of {spec}",
                         stage, stages, "stages")
        raise SuperspecError(message, location=locate_param(params_file, "stage"))
    runner = stages[stage]
    if runner != params.step:
        raise SpecError(
            f"stage '{stage}' runs '{runner}', not '{params.step}'",
            location=effective.locate(f"pipeline.stages.{stage}"),
        )
    return stage
