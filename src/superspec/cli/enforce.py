"""superspec enforce: check the project against the spec's enforce rules."""

from __future__ import annotations

from pathlib import Path

import click

from superspec.cli.options import format_option, spec_options


@click.command()
@spec_options
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
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
    Dependencies come from pom.xml (resolved offline), poetry.lock, uv.lock, requirements*.txt or
    the active Python environment, and package-lock.json.

    \b
    Each rule has level error or warn (rule 'level', else 'enforce.level'); 'onlyWhen:
    {branch: [main, "release/*"]}' runs it on matching branches only.
    An unchanged project is answered from the result cache (--no-cache to re-check).

    Exits 0 when no error-level rule fails, 1 otherwise (the report says which and why).
    """
    from superspec.cli import options
    from superspec.enforce import cache
    from superspec.enforce.branch import current_branch
    from superspec.enforce.fastpath import CACHED_NOTE, cached_answer, default_project, text_variant

    # a --root is checked when the spec loads: then only the runner's lookup, after loading
    requested_root = getattr(options, "requested_root", None)
    if not no_cache and (requested_root is None or requested_root() is None):
        answer = cached_answer(spec, layers, project_dir, maven_repo, branch, output_format,
                               report_junit)
        if answer is not None:
            click.echo(answer[0], nl=False)
            _verdict(not answer[1], answer[1])
            return
    project = default_project(spec, project_dir)
    key = None if no_cache else cache.entry_key(spec, project, maven_repo,
                                                 current_branch(project, branch), layers)

    from superspec.cli.options import load
    from superspec.enforce.runner import run_enforce

    effective = load(spec, layers)
    report = run_enforce(effective, project, branch=branch, maven_repo=maven_repo,
                         use_cache=not no_cache, layer_dirs=layers)
    if report_junit is not None:
        from superspec.enforce.reports import write_junit

        write_junit(report, report_junit)
    if output_format == "json":
        from superspec.enforce.reports import to_json_text

        click.echo(to_json_text(report))
    else:
        from superspec.enforce.reports import render_text

        variant = text_variant()
        width, color = (int(p) for p in variant.split(":"))
        rendered = render_text(report, width=width, color=bool(color))
        if key is not None:
            cache.remember_rendering(project, key, variant, rendered, report.to_json())
        click.echo(rendered, nl=False)
        if report.cached:
            click.echo(CACHED_NOTE)
    _verdict(report.passed, [r.id for r in report.rule_results if r.failing])


def _verdict(passed: bool, failing: list[str]) -> None:
    if not passed:
        from superspec.errors import RuleFailure

        raise RuleFailure(f"enforce failed: {', '.join(failing)}")
