"""`superspec step NAME` as one call: stale messages removed, the runner run, the result (or the
error) message written; the CLI prints what this returns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from superspec.errors import SuperspecError
from superspec.step.dispatch import execute
from superspec.step.files import Outputs
from superspec.step.messages import error_message, write_json
from superspec.step.params import check_step_name


class StepOutcome(SuperspecError):
    """The runner's verdict is not a success: the CLI exits with the status' own code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class StepRun:
    result: dict[str, Any]  # the result message, as written
    outputs: Outputs
    failure: str | None  # the message to exit with when the status is not a success


def run_step(name: str, params_file: Path, result_file: Path | None = None,
             error_file: Path | None = None) -> StepRun:
    """Run step ``name``. Raises SuperspecError (or any exception: a bug) after writing the
    error message."""
    outputs = Outputs.beside(params_file, result_file, error_file)
    for stale in (outputs.result, outputs.error):
        stale.unlink(missing_ok=True)
    try:
        check_step_name(name)
        result = execute(name, params_file)
    except Exception as exc:
        write_json(outputs.error, error_message(name, exc))
        raise
    write_json(outputs.result, result)
    if not result["exitCode"]:
        return StepRun(result, outputs, None)
    # a failed verdict's message names the step ("enforce failed (...)"); other states do not
    failed = result["status"] == "failed"
    text = result["message"] if failed else f"{name} {result['status']}: {result['message']}"
    if failed:
        write_json(outputs.error, error_message(name, SuperspecError(text)))
    return StepRun(result, outputs, text)


def report_lines(name: str, run: StepRun, output_format: str) -> list[str]:
    """What ``superspec step`` prints on stdout."""
    result = run.result
    if output_format == "json":
        import json

        return [json.dumps(result, sort_keys=True)]
    return [f"superspec step {name}: {result['status']}: {result['message']} "
            f"(result: {run.outputs.result})"]
