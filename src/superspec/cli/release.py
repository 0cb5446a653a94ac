"""superspec release: move an environment's application to a new version, staged."""

from __future__ import annotations

import json
from pathlib import Path

import click

from superspec.cli.options import format_option, load, spec_options, version_options


@click.group(invoke_without_command=True)
@spec_options
@click.option("--env", "env", metavar="ENV", help="The environment.")
@click.option("--resume", is_flag=True, help="Go on with a release paused for approval.")
@click.option("--abort", is_flag=True, help="Roll back the release in progress.")
@version_options
@format_option
@click.pass_context
def release(ctx: click.Context, spec: Path, layers: tuple[Path, ...], env: str | None,
            version: str | None, image: str | None, resume: bool, abort: bool,
            timeout: float, output_format: str) -> None:
    """Release this project's version into environment ENV with the strategy of
    environments.ENV.release (blue-green, rolling, canary, recreate), behind its router.

    \b
    New replicas must pass their health checks before any traffic moves; traffic moves
    through the router's runtime API (no reload); gates (maxErrorRate, maxP95Ms over at
    least minRequests) judge the new version per step; a failing gate rolls back by itself.
      superspec release --env prod --version 1.5.0
      superspec release --env prod --resume     after a manual pause
      superspec release status --env prod

    Exit codes: 0 released, 1 failed before any traffic moved, 4 rolled back,
    5 paused for approval.
    """
    if ctx.invoked_subcommand is not None:
        return
    if env is None:
        raise click.UsageError("--env ENV is required")
    if resume and abort:
        raise click.UsageError("--resume and --abort exclude each other")
    from superspec.cli.env import _say
    from superspec.release.command import run_release

    record = run_release(load(spec, layers), env, version, image, resume=resume, abort=abort,
                         say=_say, health_timeout=timeout)
    if output_format == "json":
        click.echo(json.dumps(record.to_json(), indent=2, sort_keys=True))
    elif record.phase == "released":
        click.echo(f"released {record.project} {record.to_version} in {record.env}"
                   + (f" ({record.reason})" if record.reason else ""))
    else:
        click.echo(f"{record.phase}: {record.project} stays on {record.from_version} in "
                   f"{record.env} ({record.reason})")


@release.command()
@spec_options
@click.option("--env", "env", required=True, metavar="ENV", help="The environment.")
@format_option
def status(spec: Path, layers: tuple[Path, ...], env: str, output_format: str) -> None:
    """The last release of this project in ENV: phase, versions, weights and gate readings."""
    from superspec.release.run import status as read

    found = read(env, load(spec, layers).model.name)
    if output_format == "json":
        click.echo(json.dumps(found, indent=2, sort_keys=True))
        return
    click.echo(f"{found['project']} in {found['env']}: {found['phase']} "
               f"{found['from_version']} -> {found['to_version']} ({found['strategy']}, "
               f"{found['weight']}% on the new version)")
    for gate in found["gates"]:
        click.echo(f"  gate {gate['name']}: {gate['value']} (threshold {gate['threshold']}, "
                   f"{gate['requests']} request(s)) {'ok' if gate['passed'] else 'FAILED'}")
    if found["reason"]:
        click.echo(f"  reason: {found['reason']}")
