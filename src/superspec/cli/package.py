"""superspec package: build once, configure per environment; and package verify."""

from __future__ import annotations

import json
from pathlib import Path

import click

from superspec.cli.options import format_option, load, requested_no_cache, spec_options


@click.group(invoke_without_command=True)
@spec_options
@click.option("--env", "envs", multiple=True, metavar="ENV",
              help="Environment to package for (repeatable).")
@click.option("--all-envs", is_flag=True,
              help="Every environment of the pipeline's package stage, from one read of the base.")
@click.option("--artifact", type=click.Path(path_type=Path),
              help="The built artifact (jar/war/ear/zip/whl, tar, tar.gz or a directory). "
                   "Default: package.artifact, relative to the spec file.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Output path for one environment; the output directory for several. "
                   "Default: <stem>-<env><suffix> beside the artifact.")
@click.option("--image", metavar="REF",
              help="Package a container image instead: add one config layer on top of REF and "
                   "tag it REF-<env> (name:tag -> name:tag-<env>).")
@click.option("--version", "version", metavar="VERSION",
              help="The app version templates see as app.version (default: app.version).")
@format_option
@click.pass_context
def package(ctx: click.Context, spec: Path, layers: tuple[Path, ...], envs: tuple[str, ...],
            all_envs: bool, artifact: Path | None, out: Path | None, image: str | None,
            version: str | None, output_format: str) -> None:
    """Write one artifact per environment from one build.

    Renders the package.files templates (jinja2, undefined names are errors) with the
    environment's values, env, app and secrets.NAME (a runtime reference such as ${NAME},
    never a value), and writes them into a copy of the artifact whose every other entry is
    copied byte for byte. A manifest (superspec-package.json) goes inside the output and beside
    it; `superspec package verify BASE PACKAGED` checks the claim later.

    \b
    Examples:
      superspec package --env prod
      superspec package --env test --env prod     # one read of the base for both
      superspec package --all-envs --artifact target/app.jar --out dist/
      superspec package --env test --image registry.example/app:1.4.2
      superspec package verify target/app.jar target/app-prod.jar
      superspec package verify --image registry.example/app:1.4.2 registry.example/app:1.4.2-test

    The base's sha256 and its checked layout are remembered between runs while the file is
    unchanged (same device, inode, size, mtime and ctime), and each environment's rendered files
    while every template and value they came from is the same; --no-cache hashes, checks and
    renders afresh.

    Progress goes to stderr; --format json prints the results on stdout.
    """
    if ctx.invoked_subcommand is not None:
        return
    from superspec.errors import UsageError
    from superspec.package.plan import stage_envs
    from superspec.package.result import result_lines
    from superspec.package.runner import package_artifact

    if image is not None and (artifact is not None or out is not None):
        raise UsageError("--image packages an image: --artifact and --out do not apply")
    if all_envs and envs:
        raise UsageError("--all-envs and --env exclude each other")
    effective = load(spec, layers)
    names = stage_envs(effective) if all_envs else list(envs)
    results = package_artifact(effective, names, artifact, out, image=image, version=version,
                               progress=lambda line: click.echo(line, err=True),
                               cache=not requested_no_cache())
    for line in result_lines(results, output_format):
        click.echo(line)


@package.command()
@click.argument("base")
@click.argument("packaged")
@click.option("--image", "images", is_flag=True,
              help="BASE and PACKAGED are container images in the Docker engine.")
@format_option
def verify(base: str, packaged: str, images: bool, output_format: str) -> None:
    """Prove PACKAGED differs from BASE only in the entries its manifest lists.

    Reads superspec-package.json inside PACKAGED, checks BASE is the artifact it was made
    from (sha256), that every other entry is byte-identical (raw compressed bytes, CRC and
    header fields for zips; header and data blocks for tars; content, mode and link targets
    for directories) and that each listed entry has the recorded digest. Lists the changed
    entries. Exit 0 when it holds, 1 otherwise.

    With --image: PACKAGED's layers must be BASE's layers plus exactly one, and that layer
    must hold only the manifest and the files it lists, with the recorded digests.
    """
    from superspec.errors import InputError, Location, RuleFailure

    if images:
        from superspec.package.image import verify_image

        report = verify_image(base, packaged)
    else:
        from superspec.package.plan import artifact_problem
        from superspec.package.verify import verify_package

        for path in (base, packaged):
            problem = artifact_problem(Path(path))
            if problem is not None:
                raise InputError(problem, location=Location(path))
        report = verify_package(Path(base), Path(packaged))
    if output_format == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for line in report.lines():
            click.echo(line)
    if not report.ok:
        raise RuleFailure(f"{packaged} is not {base} plus its manifest's entries "
                          f"({len(report.problems)} problem(s))")
