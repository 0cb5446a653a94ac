"""superspec schema: the JSON Schema of a layer file, for editor completion and validation."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file instead of standard output.")
def schema(out: Path | None) -> None:
    """Print the JSON Schema (2020-12) of a spec layer file.

    \b
    Point your editor at it, e.g. with the YAML language server:
      # yaml-language-server: $schema=superspec.schema.json
    Every key is optional and may be null (a layer fills in part of the spec and
    null deletes an inherited key); superspec, kind and name are required in every file.
    """
    from superspec.fileio import write_atomic
    from superspec.spec.jsonschema import layer_schema

    text = json.dumps(layer_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        write_atomic(out, text.encode())
        click.echo(f"wrote {out}", err=True)
