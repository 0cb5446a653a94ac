"""Options shared by every command that reads a spec."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SPEC = "superspec.yaml"


def spec_options(func: F) -> F:
    """Adds ``--spec PATH`` and ``--layers DIR`` (repeatable)."""
    func = click.option(
        "--layers", "layers", multiple=True, type=click.Path(file_okay=False, path_type=Path),
        help="Directory to look up layers named in 'extends' (as DIR/NAME/superspec.yaml). "
             "Repeatable; searched before SUPERSPEC_LAYERS.",
    )(func)
    func = click.option(
        "--spec", "spec", default=DEFAULT_SPEC, show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The project's spec file.",
    )(func)
    return func


def format_option(func: F) -> F:
    return click.option(
        "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
        show_default=True, help="Output for people (text) or programs (json).",
    )(func)


def load(spec: Path, layers: tuple[Path, ...]) -> Any:
    """Load the effective spec for a command (imports the spec core only when needed)."""
    from superspec.spec import layer_dirs_from, load_spec

    return load_spec(spec, layer_dirs_from(layers))
