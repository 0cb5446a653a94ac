"""superspec init: write a starter superspec.yaml for the project in the current directory."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from superspec.cli.options import DEFAULT_SPEC

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.errors import SuperspecError


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
    created = _make_parents(spec)
    try:
        project_dir = spec.resolve().parent
        detected, marker = detect_tool(project_dir)
        chosen = tool or detected
        text = starter_spec(name or project_dir.name, chosen, extends)
        draft = spec.with_name(f".{spec.name}.draft")
        try:
            draft.write_text(text, encoding="utf-8")
            try:  # the starter must validate with its chain before it takes the spec's place
                load_spec(draft, layer_dirs_from(layers))
            except SuperspecError as exc:
                raise _naming(exc, draft, spec) from None
            draft.replace(spec)
        except OSError as exc:
            raise SuperspecError(f"cannot write {spec}: {exc.strerror or exc}") from None
        finally:
            draft.unlink(missing_ok=True)
    except BaseException:
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise
    why = f" (found {marker})" if marker and not tool else ""
    click.echo(f"wrote {spec}: build.tool {chosen}{why}")
    click.echo("next: superspec explain, then superspec generate")


def _make_parents(spec: Path) -> list[Path]:
    """Create the spec's missing parent directories; returns them, outermost first."""
    from superspec.errors import SuperspecError
    from superspec.paths import display_path

    parent = spec.absolute().parent
    missing = [p for p in (parent, *parent.parents) if not p.exists()][::-1]
    blocking = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise SuperspecError(f"cannot create {spec}: {display_path(blocking)} is not a directory")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        for directory in reversed(missing):
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise SuperspecError(f"cannot create the directory {spec.parent}: "
                             f"{exc.strerror or exc}") from None
    return missing


def _naming(exc: SuperspecError, draft: Path, spec: Path) -> SuperspecError:
    """``exc`` with the draft's name replaced by the spec's: the draft is the spec-to-be, and the
    user asked for the spec."""
    from superspec.errors import SpecError
    from superspec.paths import display_path

    old, new = display_path(draft.resolve()), display_path(spec.resolve())

    def renamed(problem: SuperspecError) -> SuperspecError:
        if isinstance(problem, SpecError):
            return SpecError([renamed(p) for p in problem.problems])
        location = problem.location
        if location is not None and location.file == old:
            location = location.replace(file=new)
        return type(problem)(problem.message.replace(old, new), location=location)

    return renamed(exc)
