"""superspec explain: effective values and the file, line and layer that set each one."""

from __future__ import annotations

import json
from pathlib import Path

import click

from superspec.cli.options import format_option, load, spec_options


@click.command()
@click.argument("dotted_path", required=False, metavar="[DOTTED.PATH]")
@spec_options
@format_option
def explain(
    dotted_path: str | None, spec: Path, layers: tuple[Path, ...], output_format: str
) -> None:
    """Show effective values with their origin.

    \b
    superspec explain                                   every value
    superspec explain environments.prod                 everything under a path
    superspec explain environments.prod.approval.required --format json

    Each line reads: path = value    (layer name: file:line).
    JSON output: {"path", "value", "origin": {file, line, layer, name}} for one value,
    or {"path", "entries": [...]} for a subtree.
    """
    from superspec.spec.explain import explain as explain_values

    effective = load(spec, layers)
    entries = explain_values(effective, dotted_path)
    if output_format == "json":
        if len(entries) == 1 and entries[0].dotted == (dotted_path or ""):
            payload = entries[0].as_dict()
        else:
            payload = {"path": dotted_path or "", "entries": [e.as_dict() for e in entries]}
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        for entry in entries:
            click.echo(entry.as_text())
