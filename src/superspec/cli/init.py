"""superspec init: write a starter superspec.yaml for the project in the current directory."""

from __future__ import annotations

from pathlib import Path

import click

from superspec.cli.options import DEFAULT_SPEC


@click.command()
@click.option("--spec", "spec", default=DEFAULT_SPEC, show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Where to write the spec.")
@click.option("--name", help="Project name (default: the directory's name).")
@click.option("--extends", "extends", metavar="PARENT",
              help="Parent layer: a relative path or a layer name (e.g. acme/payments).")
@click.option("--tool", type=click.Choice(["maven", "gradle", "python", "npm", "go", "custom"]),
              help="Build tool (default: detected from pom.xml, build.gradle, pyproject.toml, "
                   "package.json, go.mod).")
@click.option("--force", is_flag=True, help="Overwrite an existing spec file.")
def init(spec: Path, name: str | None, extends: str | None, tool: str | None, force: bool) -> None:
    """Write a starter project spec, detecting the build tool from the project's files.

    \b
    superspec init                               detect everything
    superspec init --extends acme/payments       inherit the department's standards
    """
    from superspec.errors import SuperspecError
    from superspec.fileio import write_atomic
    from superspec.spec.starter import detect_tool, starter_spec

    if spec.exists() and not force:
        raise SuperspecError(f"{spec} already exists; pass --force to overwrite it")
    project_dir = spec.resolve().parent
    detected, marker = detect_tool(project_dir)
    chosen = tool or detected
    write_atomic(spec, starter_spec(name or project_dir.name, chosen, extends).encode())
    why = f" (found {marker})" if marker and not tool else ""
    click.echo(f"wrote {spec}: build.tool {chosen}{why}")
    click.echo("next: superspec validate" + (" --layers DIR" if extends else ""))
