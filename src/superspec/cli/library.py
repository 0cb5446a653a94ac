"""superspec library: the Jenkins shared library's company layers."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from superspec.cli.options import format_option


@click.group()
def library() -> None:
    """Manage what a Jenkins shared library of superspec carries."""


@library.command("add-layers")
@click.option("--layers", "layers", required=True, type=click.Path(path_type=Path),
              help="A directory of layers: NAME/superspec.yaml (as --layers reads them).")
@click.option("--library", "library_dir", required=True, type=click.Path(path_type=Path),
              help="The shared library checkout (the directory holding vars/ and resources/).")
@format_option
def add_layers(layers: Path, library_dir: Path, output_format: str) -> None:
    """Copy company layers into a shared library: resources/superspec/layers/NAME/superspec.yaml.

    The library's steps unpack them before they call superspec and point SUPERSPEC_LAYERS at
    them, so the layers travel with the library version a pipeline pins. Every layer is
    validated first (keys, locks, kinds, chains that stay inside the layers); a symlink, a
    special file or an invalid layer stops the command before anything is written. Files of the
    same path are replaced, other layers of the library are kept; the layers directory is
    swapped in as a whole.

    Exit codes: 0 ok, 1 invalid layers or files, 2 usage error.
    """
    from superspec.sharedlib import add_layers as run

    result = run(layers, library_dir)
    if output_format == "json":
        click.echo(json.dumps(asdict(result), sort_keys=True))
        return
    counts = (f"{len(result.added)} added, {len(result.replaced)} replaced, "
              f"{len(result.unchanged)} unchanged")
    click.echo(f"ok {result.target}: {', '.join(result.layers)} ({counts})")
