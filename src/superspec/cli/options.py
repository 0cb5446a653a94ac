"""Options shared by every command that reads a spec."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SPEC = "superspec.yaml"


ROOT_META = "superspec.root"


def _remember_root(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    ctx.meta[ROOT_META] = value


def spec_options(func: F) -> F:
    """Adds ``--spec PATH``, ``--layers DIR`` (repeatable) and ``--root NAME``."""
    func = click.option(
        "--root", metavar="NAME", default=None, expose_value=False, callback=_remember_root,
        help="The company layer every chain must end in, found in a --layers directory "
             "(default: SUPERSPEC_ROOT; when both are set they must agree).",
    )(func)
    func = click.option(
        "--layers", "layers", multiple=True, type=click.Path(file_okay=False, path_type=Path),
        help="Directory to look up layers named in 'extends' (as DIR/NAME/superspec.yaml). "
             "Repeatable; searched before SUPERSPEC_LAYERS.",
    )(func)
    func = click.option(
        "--spec", "spec", default=DEFAULT_SPEC, show_default=True,
        type=click.Path(path_type=Path),  # the loader says what is wrong with the file
        help="The project's spec file.",
    )(func)
    return func


def format_option(func: F) -> F:
    return click.option(
        "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
        show_default=True, help="Output for people (text) or programs (json).",
    )(func)


def requested_root() -> str | None:
    """The ``--root`` of the running command, if any."""
    ctx = click.get_current_context(silent=True)
    return None if ctx is None else ctx.meta.get(ROOT_META)


def load(spec: Path, layers: tuple[Path, ...]) -> EffectiveSpec:
    """Load the effective spec for a command (imports the spec core only when needed)."""
    from superspec.spec import layer_dirs_from, load_spec
    from superspec.spec.root import root_from

    return load_spec(spec, layer_dirs_from(layers), root_from(requested_root()))


def version_options(func: F) -> F:
    """Adds ``--version V``, ``--image REF`` and ``--timeout S`` (the runners that start an
    application's replicas)."""
    func = click.option("--timeout", type=float, default=60.0, show_default=True,
                        help="Seconds the replicas have to pass their health checks.")(func)
    func = click.option("--image", default=None,
                        help="A full image reference instead of app.image:version.")(func)
    func = click.option("--version", "version", default=None,
                        help="The version (image tag); default app.version.")(func)
    return func
