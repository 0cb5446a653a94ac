"""superspec db: an environment's database, from its baseline and change scripts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from superspec.cli.options import format_option, load, spec_options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.db import Target
    from superspec.env.desired import AppPlan


@click.group()
def db() -> None:
    """The database of this project in an environment (environments.<env>.database):
    a baseline plus V<version>__<description>.sql change scripts, Flyway's semantics.

    \b
      superspec db status --env test     baseline, applied scripts with checksums, pending
      superspec db migrate --env test    apply the pending scripts, each in its transaction
    """


def _plan(spec: Path, layers: tuple[Path, ...], env: str) -> AppPlan:
    from superspec.env.desired import app_plan

    effective = load(spec, layers)
    if env in effective.model.environments:
        return app_plan(effective, env)
    from superspec.cli.env import _engine
    from superspec.env.lookup import plan_in

    return plan_in(_engine(), effective, env)


def _target(plan: AppPlan) -> Target:
    from superspec.env.database import target
    from superspec.errors import UsageError

    found = target(plan)
    if found is None:
        raise UsageError(f"environment '{plan.env}' has no database (environments."
                         f"{plan.env}.database)")
    return found


@db.command()
@spec_options
@click.option("--env", "env", required=True, metavar="ENV", help="The environment.")
@format_option
def status(spec: Path, layers: tuple[Path, ...], env: str, output_format: str) -> None:
    """Where the database stands: baseline version, applied scripts (with checksums), pending
    and changed scripts. Exit 1 when it is not up to date."""
    from superspec.env.database import current
    from superspec.errors import RuleFailure

    plan = _plan(spec, layers, env)
    found = current(plan, _target(plan))
    if output_format == "json":
        click.echo(json.dumps(found.to_dict(), indent=2, sort_keys=True))
    else:
        click.echo(f"{found.engine} {found.database}: schema version {found.schema_version} "
                   f"(baseline {found.baseline_version})")
        for row in found.applied:
            click.echo(f"  applied  {row.version:<10} {row.script}  sha256 {row.checksum[:12]}"
                       f"  {row.installed_on}")
        for script in found.pending:
            click.echo(f"  pending  {script.version:<10} {script.script}")
        for changed in found.changed:
            click.echo(f"  CHANGED  {changed.version:<10} {changed.script} (applied "
                       f"{changed.applied_checksum[:12]}, file {changed.file_checksum[:12]})")
    if not found.up_to_date:
        raise RuleFailure(f"the database of {plan.project} in {env} is not up to date")


@db.command()
@spec_options
@click.option("--env", "env", required=True, metavar="ENV", help="The environment.")
@format_option
def migrate(spec: Path, layers: tuple[Path, ...], env: str, output_format: str) -> None:
    """Apply the baseline (to a new database) and every pending change script, in version
    order, each in its own transaction; a failing script leaves the last good version."""
    from superspec.env.database import bring_up

    plan = _plan(spec, layers, env)
    result = bring_up(plan, _target(plan))
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, sort_keys=True))
        return
    for row in result.applied:
        click.echo(f"applied {row.version} {row.script} ({row.execution_ms} ms)")
    click.echo(f"{result.engine} {result.database}: schema version {result.schema_version}"
               + ("" if result.applied else " (nothing to apply)"))
