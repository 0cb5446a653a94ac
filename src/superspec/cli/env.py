"""superspec env: create, list, describe, split, merge and destroy environments on a Docker
engine (DOCKER_HOST honoured). Progress goes to stderr; results to stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from superspec.cli.options import format_option, load, spec_options, version_options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.db import ChangeSet
    from superspec.env.desired import AppPlan
    from superspec.spec import EffectiveSpec


def _say(line: str) -> None:
    from superspec.cli.progress import say

    say(line)


def _engine() -> Any:
    from superspec.engine.docker import DockerEngine

    return DockerEngine.connect()


@click.group()
def env() -> None:
    """Environments: self-describing application instances on a Docker engine.

    \b
    Every container, network and volume carries io.superspec.* labels and every container
    holds /etc/superspec/server-spec.json: what runs is read back from the engine.
      superspec env create test            network, router, database, replicas; waits for health
      superspec env list                   environments on the engine
      superspec env describe test          what runs, from the engine; drift exits 1
      superspec env destroy test           everything labelled for it
    """


@env.command()
@click.argument("name")
@spec_options
@version_options
@click.option("--keep-failed", is_flag=True, help="Keep what a failed create made, to look at.")
@format_option
def create(name: str, spec: Path, layers: tuple[Path, ...], version: str | None,
           image: str | None, timeout: float, keep_failed: bool, output_format: str) -> None:
    """Create environment NAME for this project (or bring it up to date: a second create of
    an up-to-date environment changes nothing and says so). Exit 1 with the failing
    replica's last log lines when it does not become healthy; what this run made is removed."""
    from superspec.env.desired import app_plan
    from superspec.env.engines import up

    plan = app_plan(load(spec, layers), name, version, image)
    outcome = up(_engine(), plan, timeout=timeout, keep_failed=keep_failed, say=_say)
    _print_outcome(outcome.to_json(), output_format)


def _print_outcome(data: dict[str, Any], output_format: str) -> None:
    if output_format == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    click.echo(f"{data['action']} {data['project']} {data['version']} in {data['environment']}"
               f": {data['url']} ({len(data['replicas'])} replica(s))")


@env.command(name="list")
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Only the environments holding this project.")
@click.option("--layers", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where layers named in 'extends' are found.")
@click.option("--all", "everything", is_flag=True, help="Every environment on the engine "
              "(the default without --spec).")
@format_option
def list_(spec: Path | None, layers: tuple[Path, ...], everything: bool,
          output_format: str) -> None:
    """The environments on the engine, read from their labels."""
    from superspec.env.engines import environments

    project = None if spec is None or everything else load(spec, layers).model.name
    found = environments(_engine(), project)
    if output_format == "json":
        click.echo(json.dumps(found, indent=2, sort_keys=True))
        return
    for item in found:
        apps = ", ".join(f"{a['project']} {a['version']} ({a['running']}/{a['replicas']})"
                         for a in item["apps"]) or "no applications"
        parent = f" (split from {item['parent']})" if item["parent"] else ""
        click.echo(f"{item['environment']}{parent}: {item['url']} - {apps}")


@env.command()
@click.argument("name")
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Show this project's part only (and compare its database).")
@click.option("--layers", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where layers named in 'extends' are found.")
@format_option
def describe(name: str, spec: Path | None, layers: tuple[Path, ...], output_format: str) -> None:
    """What environment NAME runs, read from the engine: its Server Spec, assembled from the
    router and the replicas. Labels, Server Spec files and database that disagree are drift:
    listed, exit 1."""
    from superspec.env.engines import describe as read
    from superspec.errors import RuleFailure

    project, changes = None, None
    if spec is not None:
        effective = load(spec, layers)
        project = effective.model.name
        changes = _changes(effective, name)
    found = read(_engine(), name, project, changes)
    if output_format == "json":
        click.echo(json.dumps(found.to_json(), indent=2, sort_keys=True))
    else:
        header = found.spec
        click.echo(f"{header.environment} ({header.env_class}, {header.engine}) - router "
                   f"{header.router} on 127.0.0.1:{header.port}"
                   + (f", split from {header.parent}" if header.parent else ""))
        for app in header.apps:
            db = "" if app.database is None else (
                f", database {app.database.engine} at version {app.database.schema_version}")
            click.echo(f"  {app.project} {app.version} ({app.image_id[:19]}), "
                       f"{len(app.replicas)} replica(s){db}")
        for line in found.drift:
            click.echo(f"  drift: {line}")
    if found.drift:
        raise RuleFailure(f"environment {name} drifted: {len(found.drift)} difference(s)")


def _changes(effective: EffectiveSpec, env: str) -> ChangeSet | None:
    environment = effective.model.environments.get(env)
    database = environment.database if environment is not None else None
    if database is None or database.baseline is None:
        return None
    from superspec.db import load_changes

    root = Path(effective.path).parent
    return load_changes(root / database.baseline, database.baseline_version,
                        root / database.migrations if database.migrations else None)


@env.command()
@click.argument("name")
@click.option("--keep-data", is_flag=True, help="Keep the environment's databases.")
@click.option("--with-children", is_flag=True, help="Also destroy its sub-environments.")
def destroy(name: str, keep_data: bool, with_children: bool) -> None:
    """Remove every container, network and volume labelled for environment NAME (a label
    sweep: a half-created environment goes too), and its databases unless --keep-data."""
    from superspec.env.destroy import destroy as sweep

    count = sweep(_engine(), name, keep_data=keep_data, with_children=with_children)
    click.echo(f"destroyed {name}: {count} object(s) removed")


def _plans(paths: tuple[Path, ...], spec: Path, layers: tuple[Path, ...],
           env: str) -> list[AppPlan]:
    """The plan for ``env`` of every project named (spec files or directories; default
    --spec)."""
    from superspec.env.desired import app_plan
    from superspec.render.generate import spec_files

    return [app_plan(load(path, layers), env) for path in spec_files(list(paths) or [spec])]


@env.command()
@click.argument("parent")
@click.argument("new")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@spec_options
@click.option("--port", type=int, default=None, help="The new environment's front door on "
              "127.0.0.1 (default: a free port).")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds to wait for every replica to pass its health check.")
@format_option
def split(parent: str, new: str, paths: tuple[Path, ...], spec: Path, layers: tuple[Path, ...],
          port: int | None, timeout: float, output_format: str) -> None:
    """Split sub-environment NEW off PARENT, forking the projects in PATHS (spec files or
    directories; default --spec): each starts from the image, configuration and replicas the
    parent runs, with a copy of its database as it is now. Calls to the parent's other
    applications fall back to the parent; nothing in the parent calls into NEW."""
    from superspec.env.split import split as fork

    outcomes = fork(_engine(), parent, new, _plans(paths, spec, layers, parent), port=port,
                    timeout=timeout, say=_say)
    for outcome in outcomes:
        _print_outcome(outcome.to_json() | {"action": f"split from {parent}:"}, output_format)


@env.command()
@click.argument("child")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--into", "parent", required=True, metavar="PARENT",
              help="The environment CHILD was split from.")
@spec_options
@click.option("--take", default=None, metavar="ENV",
              help="The side that wins every conflict: CHILD or PARENT.")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--keep", is_flag=True, help="Keep CHILD after a successful merge.")
@click.option("--timeout", type=float, default=60.0, show_default=True)
@format_option
def merge(child: str, paths: tuple[Path, ...], parent: str, spec: Path,
          layers: tuple[Path, ...], take: str | None, dry_run: bool, keep: bool,
          timeout: float, output_format: str) -> None:
    """Merge sub-environment CHILD into PARENT, three-way from the split point, for the
    projects in PATHS (default --spec). Changed only in CHILD (version, configuration, newer
    migrations): applied to PARENT. Changed only in PARENT: kept. Changed on both sides
    differently: a conflict; all are listed and nothing changes (exit 1) unless --take says
    which side wins. Row data is never merged. CHILD is destroyed afterwards unless --keep."""
    from superspec.env.merge import merge as join

    plans = {plan.project: plan for plan in _plans(paths, spec, layers, parent)}
    found, outcomes = join(_engine(), child, parent, plans, take=take, dry_run=dry_run,
                           keep=keep, timeout=timeout, say=_say)
    if output_format == "json":
        click.echo(json.dumps(found.to_json() | {"dryRun": dry_run, "deployed": [
            o.to_json() for o in outcomes]}, indent=2, sort_keys=True))
        return
    for line in found.changes or ["nothing to merge"]:
        click.echo(("would apply: " if dry_run else "applied: ") + line)
    click.echo("row data is never merged: only versions, configuration and migrations")
