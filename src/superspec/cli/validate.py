"""superspec validate: check a spec and every layer it extends."""

from __future__ import annotations

from pathlib import Path

import click

from superspec.cli.options import format_option, load, requested_no_cache, spec_options


@click.command()
@spec_options
@format_option
def validate(spec: Path, layers: tuple[Path, ...], output_format: str) -> None:
    """Check the spec and the layers it extends: syntax, unknown keys, types, locks, and the
    enforce rules' ids and options (company rule plugins included).

    Exits 0 when the merged spec is valid, 1 with one located message per problem
    (file:line [layer] dotted.key: what is wrong).
    """
    from superspec.enforce import rulememo

    effective = load(spec, layers)
    if requested_no_cache() or not rulememo.known_valid(effective):
        from superspec.enforce.registry import check_rule_config
        from superspec.errors import SpecError

        problems = check_rule_config(effective)
        if problems:
            raise SpecError(problems)
        rulememo.remember_valid(effective)
    from superspec.spec.fastpath import answer

    click.echo(answer(effective, output_format))
