"""superspec deploy: put this project's version into an environment (recreate)."""

from __future__ import annotations

from pathlib import Path

import click

from superspec.cli.options import format_option, load, spec_options, version_options


@click.command()
@spec_options
@click.option("--env", "env", required=True, metavar="ENV", help="The target environment.")
@version_options
@format_option
def deploy(spec: Path, layers: tuple[Path, ...], env: str, version: str | None,
           image: str | None, timeout: float, output_format: str) -> None:
    """Deploy this project to environment ENV (of the spec, or a sub-environment split from
    one): create the environment when it is absent,
    else migrate its database first and replace the replicas with the new version
    (recreate: the zero-downtime strategies are `superspec release`'s), then wait for health.
    The same version and configuration again: "unchanged".
    """
    from superspec.cli.env import _print_outcome, _say
    from superspec.env.engines import up
    from superspec.env.lookup import engine_and_plan

    engine, plan = engine_and_plan(load(spec, layers), env, version, image)
    outcome = up(engine, plan, timeout=timeout, say=_say)
    _print_outcome(outcome.to_json(), output_format)
