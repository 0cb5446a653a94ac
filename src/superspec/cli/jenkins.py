"""superspec jenkins plan | apply | prune: Jenkins jobs from specs, checked against the server."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from superspec.cli.main import printable
from superspec.cli.options import format_option, requested_root, spec_options
from superspec.errors import SuperspecError

F = TypeVar("F", bound=Callable[..., Any])


class PendingChanges(SuperspecError):
    """--detailed-exitcode: the plan has changes (Terraform's convention: exit 2, no error)."""

    exit_code = 2

    def lines(self) -> list[str]:
        return []


def _server_options(func: F) -> F:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        spec_options,
        click.option("--url", envvar="SUPERSPEC_JENKINS_URL", metavar="URL",
                     help="The Jenkins server (default: SUPERSPEC_JENKINS_URL)."),
        click.option("--credentials", "credentials", metavar="FILE",
                     type=click.Path(dir_okay=False, path_type=Path),
                     help="A file holding the user and API token: JSON {\"user\": ..., "
                          "\"token\": ...} or one line user:token, readable by you only "
                          "(default: SUPERSPEC_JENKINS_CREDENTIALS, else SUPERSPEC_JENKINS_USER "
                          "and SUPERSPEC_JENKINS_TOKEN)."),
        click.option("--ca-bundle", "ca_bundle", metavar="FILE",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Verify the server's TLS certificate against these CA certificates."),
        click.option("--insecure", is_flag=True,
                     help="Do not verify the server's TLS certificate (prints a warning)."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0,
                     show_default=True, help="Seconds to wait for each answer."),
        click.option("--workers", type=click.IntRange(1, 64), default=4, show_default=True,
                     help="Jobs worked on in parallel."),
        click.option("--fail-fast", is_flag=True,
                     help="Stop at the first failing project (default: carry on, report all)."),
        click.option("--no-lint", "no_lint", is_flag=True,
                     help="Do not check the generated Jenkinsfiles with the server's linter."),
        click.option("--scan-folder", "scan_folders", multiple=True, metavar="FOLDER",
                     help="Also look for orphaned jobs in FOLDER (repeatable; '' = top level)."),
        click.option("--templates", "templates", multiple=True,
                     type=click.Path(file_okay=False, exists=True, path_type=Path),
                     help="Template overrides for the Jenkinsfile, as for generate."),
        click.option("--detailed-exitcode", "detailed", is_flag=True,
                     help="Exit 2 when the plan has changes (plan, or --dry-run)."),
        format_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group()
def jenkins() -> None:
    """Create and update the Jenkins jobs of one project or a fleet.

    \b
    Each project becomes a job <folder>/<name>: multibranch (when ci.jenkins.job.scm is set),
    or a pipeline job with its Jenkinsfile from SCM or inline. The folder defaults to the
    project's department. Credentials: SUPERSPEC_JENKINS_USER and SUPERSPEC_JENKINS_TOKEN, or
    --credentials FILE; never on the command line.

    \b
    Examples:
      superspec jenkins plan services/*/ --layers layers --url https://ci.example
      superspec jenkins apply services/*/ --layers layers
      superspec jenkins prune services/*/ --layers layers

    Exit codes: 0 ok, 1 a project or the server failed, 2 usage error or (with
    --detailed-exitcode) pending changes.
    """


@jenkins.command()
@_server_options
def plan(**options: Any) -> None:
    """Show what apply and prune would do: create, update (with a diff), unchanged, orphaned."""
    _run("plan", dry_run=True, **options)


@jenkins.command()
@_server_options
@click.option("--dry-run", is_flag=True, help="Change nothing: the same as plan.")
def apply(**options: Any) -> None:
    """Create folders and jobs, update jobs whose live config differs from the spec."""
    _run("apply", **options)


@jenkins.command()
@_server_options
@click.option("--dry-run", is_flag=True, help="Delete nothing: show what would be deleted.")
def prune(**options: Any) -> None:
    """Delete orphaned jobs: marked as managed by superspec, no longer wanted by the fleet."""
    _run("prune", **options)


def _run(command: str, *, paths: tuple[Path, ...], spec: Path, layers: tuple[Path, ...],
         url: str | None, credentials: Path | None, ca_bundle: Path | None, insecure: bool,
         timeout: float, workers: int, fail_fast: bool, no_lint: bool,
         scan_folders: tuple[str, ...], templates: tuple[Path, ...], detailed: bool,
         output_format: str, dry_run: bool = False) -> None:
    from superspec.integrations.jenkins import Connection, JenkinsClient
    from superspec.integrations.jenkins_auth import load_credentials, server_url
    from superspec.integrations.jenkins_jobs import FleetOptions, load_fleet
    from superspec.integrations.jenkins_plan import Settings, run
    from superspec.integrations.jenkins_report import as_json, text
    from superspec.spec import layer_dirs_from
    from superspec.spec.root import root_from

    if insecure and ca_bundle is not None:
        raise click.UsageError("--insecure and --ca-bundle exclude each other")
    base = server_url(url)
    creds = load_credentials(credentials, os.environ)
    if insecure:
        click.echo(f"warning: TLS certificate verification is off for {base} (--insecure)",
                   err=True)
    fleet = FleetOptions(layer_dirs=tuple(layer_dirs_from(layers)),
                         root=root_from(requested_root()), templates=templates)
    projects = load_fleet(list(paths) or [spec], fleet)
    verify: bool | str = False if insecure else (str(ca_bundle) if ca_bundle else True)
    client = JenkinsClient(Connection(base, creds, verify=verify, timeout=timeout))
    settings = Settings(workers=workers, fail_fast=fail_fast, lint=not no_lint,
                        dry_run=dry_run, scan_folders=scan_folders)
    report = run(command, projects, client, settings)
    if output_format == "json":
        click.echo(json.dumps(as_json(report), indent=2))
    else:
        out, errors = text(report)
        for line in out:  # live configs are the server's text: no terminal control reaches it
            click.echo(printable(line))
        for line in errors:
            click.echo(f"error: {printable(line)}", err=True)
    if report.failed:
        failed = len(report.error_lines())
        raise SuperspecError(f"superspec jenkins {command}: {failed} "
                             f"problem{'s' if failed != 1 else ''}")
    if detailed and (command == "plan" or dry_run) and report.pending:
        raise PendingChanges("changes pending")
