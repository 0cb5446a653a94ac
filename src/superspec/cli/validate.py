"""superspec validate: check a spec and every layer it extends."""

from __future__ import annotations

import json
from pathlib import Path

import click

from superspec.cli.options import format_option, load, spec_options


@click.command()
@spec_options
@format_option
def validate(spec: Path, layers: tuple[Path, ...], output_format: str) -> None:
    """Check the spec and the layers it extends: syntax, unknown keys, types, locks, and the
    enforce rules' ids and options (company rule plugins included).

    Exits 0 when the merged spec is valid, 1 with one located message per problem
    (file:line [layer] dotted.key: what is wrong).
    """
    from superspec.enforce.registry import check_rule_config
    from superspec.errors import SpecError

    effective = load(spec, layers)
    problems = check_rule_config(effective)
    if problems:
        raise SpecError(problems)
    chain = [layer.file for layer in reversed(effective.layers)]
    if output_format == "json":
        click.echo(json.dumps({"valid": True, "chain": chain, "digest": effective.digest}))
    else:
        click.echo(f"ok: {' -> '.join(chain)} (digest {effective.digest[:12]})")
