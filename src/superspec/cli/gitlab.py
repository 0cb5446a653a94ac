"""superspec gitlab plan | publish | audit: the generated CI files of a fleet, kept in GitLab."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from superspec.cli.options import format_option, requested_root, spec_options
from superspec.errors import InputError, Location, SuperspecError, UsageError

F = TypeVar("F", bound=Callable[..., Any])
TARGET_CHOICES = {"jenkins": ("jenkins",), "gitlab": ("gitlab",), "all": ("jenkins", "gitlab")}
TOKEN_HELP = ("The token comes from SUPERSPEC_GITLAB_TOKEN only (read_api scope for plan and "
              "audit, api for publish; Developer role).")


def _common(func: F) -> F:
    """The options plan, publish and audit share (applied bottom-up)."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        spec_options,
        click.option("--group", metavar="GROUP", default=None,
                     help="The GitLab group of the fleet: a spec maps to GROUP/<name> unless "
                          "it sets ci.gitlab.project; the group's projects (and its "
                          "subgroups') without a spec are reported as not managed."),
        click.option("--url", metavar="URL", envvar="SUPERSPEC_GITLAB_URL",
                     help="The GitLab server, e.g. https://gitlab.example.com "
                          "(default: SUPERSPEC_GITLAB_URL)."),
        click.option("--target", type=click.Choice(list(TARGET_CHOICES)), default="all",
                     show_default=True, help="Which generated files the projects hold."),
        click.option("--templates", "templates", multiple=True,
                     type=click.Path(file_okay=False, exists=True, path_type=Path),
                     help="Template overrides, as for superspec generate. Repeatable."),
        click.option("--ca-bundle", type=click.Path(dir_okay=False, exists=True,
                                                    path_type=Path),
                     help="A CA certificate file to verify the server's TLS certificate."),
        click.option("--insecure", is_flag=True,
                     help="Do not verify the server's TLS certificate (prints a warning)."),
        click.option("--timeout", type=click.FloatRange(min=1), default=30.0,
                     show_default=True, help="Seconds to wait for each answer."),
        click.option("--max-retries", type=click.IntRange(0, 20), default=5,
                     show_default=True,
                     help="Retries of a request answered 429 (rate limited; Retry-After is "
                          "honoured), or of a read answered 500/502/503/504 or timing out."),
        click.option("--per-page", type=click.IntRange(1, 100), default=100,
                     show_default=True, help="Projects per page when listing the group."),
        click.option("--fail-fast", is_flag=True,
                     help="Stop at the first project that fails (default: go on with the "
                          "others and report them all)."),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


@click.group()
def gitlab() -> None:
    """Keep the generated CI files of a fleet of GitLab projects in step with their specs.

    \b
      superspec gitlab plan     compare, and say what publish would do
      superspec gitlab publish  lint, then propose the files in one merge request per project
      superspec gitlab audit    compare only; exit 1 on drift (JUnit report for pipelines)

    Each spec (a file, or a directory holding superspec.yaml) maps to a project; its files
    are compared with those committed on the project's default branch, as superspec generate
    writes them in the project's root.
    """


@gitlab.command()
@_common
@format_option
def plan(**options: Any) -> None:
    """Compare each project's committed .gitlab-ci.yml and Jenkinsfile with the generated ones
    and say what publish would do (branch, commit, merge request, resource groups). Changes
    nothing.

    Exit codes: 0 ok (drift included), 1 a project could not be checked, 2 usage error.
    """
    _run("plan", options)


@gitlab.command()
@_common
@click.option("--dry-run", is_flag=True,
              help="Lint and say what would be done; push and change nothing.")
@format_option
def publish(**options: Any) -> None:
    """Propose the generated files to every project that needs them.

    Per project: lint .gitlab-ci.yml with the project's CI lint API (an invalid file stops
    that project only), then one branch superspec/update-ci, one commit and one merge request;
    a later run updates the same branch and merge request. Then the process mode of each
    resource group the jobs use is set to environments.<env>.concurrency (a resource group
    exists only once a job used it: until then it is reported and set by a later run).

    Exit codes: 0 ok, 1 a project failed (lint, HTTP error), 2 usage error.
    """
    _run("publish", options)


@gitlab.command()
@_common
@click.option("--report-junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a JUnit XML report: one testcase per managed project.")
@format_option
def audit(**options: Any) -> None:
    """Compare each project's committed files (and resource group process modes) with the
    specs, for a scheduled pipeline.

    Exit codes: 0 every managed project up to date, 1 drift, missing files or a project that
    could not be checked, 2 usage error.
    """
    _run("audit", options)


def _run(command: str, options: dict[str, Any]) -> None:
    from superspec.cli.main import printable
    from superspec.integrations.gitlab import GitlabApi
    from superspec.integrations.gitlab_fleet import run_fleet
    from superspec.integrations.gitlab_model import (
        TOKEN_ENV,
        Settings,
        check_token,
        check_url,
        connection_warnings,
    )
    from superspec.integrations.gitlab_report import json_text, junit_xml, text
    from superspec.integrations.gitlab_targets import TargetOptions, check_group, load_targets
    from superspec.spec import layer_dirs_from
    from superspec.spec.root import root_from

    if options["insecure"] and options["ca_bundle"] is not None:
        raise UsageError("--insecure and --ca-bundle exclude each other")
    ca_bundle = options["ca_bundle"]
    settings = Settings(
        url=check_url(options["url"]), token=check_token(os.environ.get(TOKEN_ENV)),
        ca_bundle=None if ca_bundle is None else str(ca_bundle), insecure=options["insecure"],
        timeout=options["timeout"], max_retries=options["max_retries"],
        per_page=options["per_page"])
    redact = _redactor(settings.token)
    for warning in connection_warnings(settings):
        click.echo(f"warning: {warning}", err=True)
    group = check_group(options["group"])
    targets = load_targets(list(options["paths"]) or [options["spec"]], TargetOptions(
        group=group, targets=TARGET_CHOICES[options["target"]], templates=options["templates"],
        layer_dirs=tuple(layer_dirs_from(options["layers"])), root=root_from(requested_root())))
    report = run_fleet(GitlabApi(settings), targets, command, group,
                       dry_run=bool(options.get("dry_run")), fail_fast=options["fail_fast"])
    junit = options.get("report_junit")
    if junit is not None:
        from superspec.fileio import write_atomic

        try:
            write_atomic(junit, redact(junit_xml(report).decode("utf-8")).encode("utf-8"))
        except OSError as exc:
            raise InputError(f"cannot write the JUnit report: {exc.strerror}",
                             location=Location(str(junit))) from None
    out, errors = text(report)
    if options["output_format"] == "json":
        click.echo(redact(json_text(report)))
    else:
        click.echo(redact(out), nl=False)
    for line in errors:
        click.echo(f"error: {printable(redact(line))}", err=True)
    if report.ok:
        return
    if report.fatal is not None:
        raise SuperspecError("nothing was checked")
    skipped = sum(1 for p in report.projects if p.skipped is not None)
    failed = sum(1 for p in report.projects if p.failed) - skipped
    if failed or skipped:
        also = f", {skipped} not checked" if skipped else ""
        raise SuperspecError(f"{failed} of {len(report.projects)} projects failed{also}")
    raise SuperspecError("generated files are out of date in GitLab: run superspec gitlab "
                         "publish")


def _redactor(token: str) -> Callable[[str], str]:
    """Removes the token from anything written (a server could echo it back)."""
    def redact(value: str) -> str:
        return value.replace(token, "[token]")
    return redact
