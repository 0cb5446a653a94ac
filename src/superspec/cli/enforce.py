"""superspec enforce: check the project (or several) against the spec's enforce rules."""

from __future__ import annotations

from pathlib import Path

import click

from superspec.cli.options import format_option, spec_options


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@spec_options
@click.option("--project-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None,
              help="The project to check (default: the spec file's directory).")
@click.option("--maven-repo", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Local Maven repository to resolve from, offline (default: Maven's "
                   "settings, else ~/.m2/repository).")
@click.option("--branch", default=None,
              help="Branch for onlyWhen (default: BRANCH_NAME, CI_COMMIT_REF_NAME, then git).")
@format_option
@click.option("--report-junit", type=click.Path(path_type=Path), default=None,
              help="Also write a JUnit XML report (one testcase per rule) for Jenkins' junit "
                   "step or GitLab's artifacts:reports:junit. With several projects: a "
                   "directory, one NAME.xml per project.")
def enforce(paths: tuple[Path, ...], spec: Path, layers: tuple[Path, ...],
            project_dir: Path | None, maven_repo: Path | None, branch: str | None,
            output_format: str, report_junit: Path | None) -> None:
    """Check the project against the rules under 'enforce.rules' in the effective spec.

    PATHS are project directories holding superspec.yaml, or spec files (default: --spec).
    Several paths are checked in one process, each with its own report (and JUnit file);
    the exit code is the worst of them.

    \b
    Rules (Maven Enforcer's names): requireToolVersion, requireOS, requireReleaseDeps,
    bannedDependencies, dependencyConvergence, requireUpperBoundDeps, banDuplicateClasses,
    requireFilesExist, plus any company rule installed under the 'superspec.rules' entry points.
    Dependencies come from pom.xml (resolved offline), poetry.lock, uv.lock, requirements*.txt,
    pyproject.toml or the project's virtualenv, and package-lock.json.

    \b
    Each rule has level error or warn (rule 'level', else 'enforce.level'); 'onlyWhen:
    {branch: [main, "release/*"]}' runs it on matching branches only.
    An unchanged project is answered from the result cache (--no-cache to re-check).

    Exits 0 when no error-level rule fails, 1 otherwise (the report says which and why).
    """
    from superspec.cli.options import load, requested_no_cache, requested_root
    from superspec.enforce.command import EnforceRequest

    if len(paths) > 1 and project_dir is not None:
        raise click.UsageError("--project-dir names one project: with several PATHS, each "
                               "path is its project's directory")
    if len(paths) > 1 and report_junit is not None and report_junit.exists() \
            and not report_junit.is_dir():
        raise click.UsageError(f"--report-junit {report_junit}: with several PATHS this is a "
                               "directory (one NAME.xml per project), and a file is there")
    request = EnforceRequest(spec, layers, project_dir, maven_repo, branch, output_format,
                             report_junit, use_cache=not requested_no_cache(),
                             root_pinned_by_option=requested_root() is not None)
    if len(paths) > 1:
        _enforce_many(paths, request)
        return
    from dataclasses import replace

    from superspec.enforce.command import enforce as run
    from superspec.enforce.command import project_paths

    if paths:
        spec, project = project_paths(paths)[0]
        request = replace(request, spec=spec, project_dir=project_dir or project)
    answer = run(request, lambda: load(request.spec, layers))
    click.echo(answer.text, nl=False)
    if answer.failing:
        from superspec.errors import RuleFailure

        raise RuleFailure(f"enforce failed: {', '.join(answer.failing)}")


def _enforce_many(paths: tuple[Path, ...], request: object) -> None:
    import json

    from superspec.cli.main import printable
    from superspec.cli.options import load
    from superspec.enforce.command import EnforceRequest, enforce_many
    from superspec.errors import SuperspecError
    from superspec.paths import display_path

    assert isinstance(request, EnforceRequest)
    outcomes = enforce_many(paths, request, lambda spec: load(spec, request.layers))
    if request.output_format == "json":
        projects = []
        for o in outcomes:
            item: dict[str, object] = {"spec": display_path(o.spec), "project": o.name,
                                       "passed": not o.failed}
            if o.answer is not None:
                item["report"] = json.loads(o.answer.text)
            if o.error is not None:
                item["errors"] = o.error.lines()
            projects.append(item)
        click.echo(json.dumps({"passed": not any(o.failed for o in outcomes),
                               "projects": projects}, indent=2, sort_keys=True))
    else:
        for o in outcomes:
            click.echo(f"== {o.name or '?'} ({display_path(o.spec)})")
            if o.answer is not None:
                click.echo(o.answer.text, nl=False)
            if o.error is not None:
                for line in o.error.lines():
                    click.echo(f"error: {printable(line)}")
            click.echo()
    failed = [o for o in outcomes if o.failed]
    if failed:
        names = ", ".join(o.name or display_path(o.spec) for o in failed)
        raise SuperspecError(f"enforce failed in {len(failed)} of {len(outcomes)} projects: "
                             f"{names}")
