"""superspec deploy / release: part of the spec format and of generated pipelines, but their
runners are not in this version. The commands check what they would use (the spec, the
environment) and then fail loudly, so a generated pipeline stops with a clear message instead of
'No such command'."""

from __future__ import annotations

from pathlib import Path

import click

from superspec.cli.options import load, spec_options


def _runner_command(name: str, summary: str) -> click.Command:
    @click.command(name=name, help=f"""{summary}

    Not available in this version: the command validates the spec and the
    environment, then exits 1 with "runner '{name}' is not available". Generated
    pipelines call it as `superspec {name} --spec FILE --env ENV`.
    """)
    @spec_options
    @click.option("--env", "env", required=True, metavar="ENV", help="The target environment.")
    def command(spec: Path, layers: tuple[Path, ...], env: str) -> None:
        from superspec.errors import SpecError
        from superspec.step.runners import RunnerUnavailable

        effective = load(spec, layers)
        environments = effective.model.environments
        if env not in environments:
            raise SpecError(f"unknown environment '{env}' (environments: "
                            f"{', '.join(environments) or 'none defined'})",
                            location=effective.locate("environments"))
        raise RunnerUnavailable(name)

    return command


deploy = _runner_command("deploy", "Deploy the packaged application to one environment.")
release = _runner_command(
    "release", "Release to one environment with the spec's strategy (blue-green, rolling, "
               "canary), gates, approval and rollback.")
