"""Run one step: params file -> validated params -> runner -> result message (or error message)."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

from superspec import __version__
from superspec.errors import InputError, SpecError, SuperspecError
from superspec.spec.layers import display_path
from superspec.step.contract import (
    CONTRACT_VERSION,
    STATUS_EXIT_CODES,
    ApprovalRequest,
    StepParams,
    StepResult,
)
from superspec.step.params import load_params, locate_param
from superspec.step.runners import ADAPTERS, StepContext


def execute(name: str, params_file: Path) -> StepResult:
    """Validate the params, load the spec and run the step's runner. Raises SuperspecError."""
    params = load_params(name, params_file)
    check_secrets(params, params_file)
    from superspec.spec import layer_dirs_from, load_spec
    from superspec.spec.root import root_from

    effective = load_spec(Path(params.spec), layer_dirs_from(params.layers),
                          root_from(params.root))
    stage = _stage(effective, params, params_file)
    context = StepContext(effective, stage, params_file)
    verdict = ADAPTERS[params.step](context, params)
    approval = ApprovalRequest.model_validate(verdict.approval) if verdict.approval else None
    return StepResult(
        contract=CONTRACT_VERSION, step=params.step, status=verdict.status,  # type: ignore[arg-type]
        exit_code=STATUS_EXIT_CODES[verdict.status], superspec=__version__,
        message=verdict.message, details=verdict.details, approval=approval,
    )


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


def _stage(effective: Any, params: StepParams, params_file: Path) -> Any:
    """The pipeline stage the params name (checked to exist and to run this step), or None."""
    if params.stage is None:
        return None
    stages = effective.model.pipeline.stages
    if params.stage not in stages:
        hint = difflib.get_close_matches(params.stage, list(stages), n=1, cutoff=0.6)
        spec = display_path(effective.path)
        message = f"stage '{params.stage}' is not in pipeline.stages of {spec}"
        message += f"; did you mean '{hint[0]}'?" if hint else f" (stages: {', '.join(stages)})"
        raise SuperspecError(message, location=locate_param(params_file, "stage"))
    runner = effective.model.stage_runner(params.stage)
    if runner != params.step:
        raise SpecError(
            f"stage '{params.stage}' runs '{runner}', not '{params.step}'",
            location=effective.locate(f"pipeline.stages.{params.stage}"),
        )
    return stages[params.stage]
