"""superspec step: run one runner for a CI pipeline step, through the JSON step contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from superspec.cli.options import format_option
from superspec.errors import SuperspecError


class StepOutcome(SuperspecError):
    """The runner's verdict is not a success: the CLI exits with the status' own code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@click.command()
@click.argument("name", metavar="NAME")
@click.option("--params-file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="JSON params of the step (contract 1).")
@click.option("--result-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the result JSON. Default: PARAMS.result.json "
                   "(PARAMS without its .json suffix).")
@click.option("--error-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the error JSON. Default: PARAMS.error.json.")
@format_option
def step(name: str, params_file: Path, result_file: Path | None, error_file: Path | None,
         output_format: str) -> None:
    """Run step NAME (enforce, package, deploy, release) with the params in a JSON file.

    This is what CI pipeline steps call (the Jenkins shared library's superspecEnforce,
    superspecPackage, ... write the params file and run this one fixed command), so no
    parameter value ever has to pass through a shell command line.

    \b
    Params (every step): {"contract": 1, "step": NAME, "spec": "superspec.yaml",
      "layers": [DIR, ...], "stage": STAGE_ID, "secrets": [ENV_NAME, ...]}
    enforce: branch, junit, mavenRepo, cache    package: envs, artifact, out
    deploy: env, version                        release: env, version, resume

    \b
    Writes (stale ones are removed first):
      result JSON  when the runner reached a verdict: {"status": ..., "message": ...,
                   "details": {...}, "exitCode": N}
      error JSON   when the step failed: {"kind": ..., "message": ..., "location":
                   {"file", "line", "key"}, "problems": [...], "exitCode": N}

    \b
    Exit codes: 0 passed/done, 1 failed (rules, spec, runner not available),
      2 bad params or unknown step, 3 internal error,
      4 release rolled back, 5 release paused for approval.

    \b
    Example:
      echo '{"contract": 1, "step": "enforce", "stage": "enforce"}' > p.json
      superspec step enforce --params-file p.json   # writes p.result.json

    Examples of every message: shared-library/resources/superspec/contract/;
    the Jenkins side: docs/jenkins-shared-library.md.
    """
    from superspec.errors import SuperspecError as Failure
    from superspec.step.files import Outputs
    from superspec.step.messages import error_message, write_json

    outputs = Outputs.beside(params_file, result_file, error_file)
    for stale in (outputs.result, outputs.error):
        stale.unlink(missing_ok=True)
    result = _run(name, params_file, outputs.error)
    write_json(outputs.result, result)
    if output_format == "json":
        click.echo(json.dumps(result, sort_keys=True))
    else:
        click.echo(f"superspec step {name}: {result['status']}: {result['message']} "
                   f"(result: {outputs.result})")
    if result["exitCode"]:
        # a failed verdict's message names the step ("enforce failed (...)"); other states do not
        failed = result["status"] == "failed"
        text = result["message"] if failed else f"{name} {result['status']}: {result['message']}"
        if failed:
            write_json(outputs.error, dump_message(error_message(name, Failure(text))))
        raise StepOutcome(text, result["exitCode"])


def dump_message(message: Any) -> dict[str, Any]:
    from superspec.step.contract import dump

    return dump(message)


def _run(name: str, params_file: Path, error_file: Path) -> dict[str, Any]:
    """Validate the params, load the spec, run the runner; an error message on failure."""
    from superspec.step.contract import dump
    from superspec.step.dispatch import execute
    from superspec.step.messages import error_message, write_message
    from superspec.step.params import check_step_name

    try:
        check_step_name(name)
        return dump(execute(name, params_file))
    except Exception as exc:
        write_message(error_file, error_message(name, exc))
        raise
