"""superspec enforce: check the project against the spec's enforce rules."""

from __future__ import annotations

from pathlib import Path

import click

from superspec.cli.options import format_option, spec_options


@click.command()
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
@click.option("--report-junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a JUnit XML report (one testcase per rule) for Jenkins' junit "
                   "step or GitLab's artifacts:reports:junit.")
@click.option("--no-cache", is_flag=True, help="Check everything again, ignoring cached results.")
def enforce(spec: Path, layers: tuple[Path, ...], project_dir: Path | None,
            maven_repo: Path | None, branch: str | None, output_format: str,
            report_junit: Path | None, no_cache: bool) -> None:
    """Check the project against the rules under 'enforce.rules' in the effective spec.

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
    from superspec.cli.options import load, requested_root
    from superspec.enforce.command import EnforceRequest
    from superspec.enforce.command import enforce as run

    request = EnforceRequest(spec, layers, project_dir, maven_repo, branch, output_format,
                             report_junit, use_cache=not no_cache,
                             root_pinned_by_option=requested_root() is not None)
    answer = run(request, lambda: load(spec, layers))
    click.echo(answer.text, nl=False)
    if answer.failing:
        from superspec.errors import RuleFailure

        raise RuleFailure(f"enforce failed: {', '.join(answer.failing)}")
