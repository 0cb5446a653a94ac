"""The command of a step runner that is part of the spec format and of generated pipelines but
not of this version (deploy, release): it checks what it would use (the spec, the environment)
and then fails loudly, so a generated pipeline stops with a clear message instead of 'No such
command'."""

from __future__ import annotations

from pathlib import Path

import click

from superspec.cli.options import load, spec_options
from superspec.runners.registry import Runner


def runner_command(runner: Runner) -> click.Command:
    name = runner.name
    usage = f"superspec {name} --spec FILE" + (" --env ENV" if runner.needs_env else "")

    checked = "the spec and the environment" if runner.needs_env else "the spec"

    @click.command(name=name, help=f"""{runner.summary}

    Not available in this version: the command validates {checked}, then exits 1
    with "runner '{name}' is not available". Generated pipelines call it as
    `{usage}`.
    """)
    @spec_options
    @click.option("--env", "env", required=runner.needs_env, metavar="ENV",
                  help="The target environment.")
    def command(spec: Path, layers: tuple[Path, ...], env: str | None) -> None:
        from superspec.errors import SpecError
        from superspec.step.context import RunnerUnavailable
        from superspec.suggest import unknown_environment

        effective = load(spec, layers)
        environments = effective.model.environments
        if env is not None and env not in environments:
            raise SpecError(unknown_environment(env, environments),
                            location=effective.locate("environments"))
        raise RunnerUnavailable(name)

    return command
