"""superspec step: run one runner for a CI pipeline step, through the JSON step contract."""

from __future__ import annotations

from pathlib import Path

import click

from superspec.cli.options import format_option

__all__ = ["step"]


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
    from superspec.step.command import StepOutcome, report_lines, run_step

    run = run_step(name, params_file, result_file, error_file)
    for line in report_lines(name, run, output_format):
        click.echo(line)
    if run.failure is not None:
        raise StepOutcome(run.failure, run.result["exitCode"])
