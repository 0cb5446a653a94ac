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
@click.option("--layers", "layers", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to look up a parent named in --extends (repeatable; also "
                   "SUPERSPEC_LAYERS). The new spec is validated against its chain before it "
                   "is written.")
def init(spec: Path, name: str | None, extends: str | None, tool: str | None, force: bool,
         layers: tuple[Path, ...]) -> None:
    """Write a starter project spec, detecting the build tool from the project's files.

    \b
    superspec init                               detect everything
    superspec init --extends acme/payments       inherit the department's standards
    """
    from superspec.errors import SuperspecError
    from superspec.spec import layer_dirs_from, load_spec
    from superspec.spec.starter import detect_tool, starter_spec

    if spec.exists() and not force:
        raise SuperspecError(f"{spec} already exists; pass --force to overwrite it")
    project_dir = spec.resolve().parent
    detected, marker = detect_tool(project_dir)
    chosen = tool or detected
    text = starter_spec(name or project_dir.name, chosen, extends)
    draft = spec.with_name(f".{spec.name}.draft")
    draft.write_text(text, encoding="utf-8")
    try:  # the starter must validate with its chain before it takes the spec's place
        load_spec(draft, layer_dirs_from(layers))
        draft.replace(spec)
    finally:
        draft.unlink(missing_ok=True)
    why = f" (found {marker})" if marker and not tool else ""
    click.echo(f"wrote {spec}: build.tool {chosen}{why}")
    click.echo("next: superspec explain, then superspec generate")
