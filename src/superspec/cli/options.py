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
NO_CACHE_META = "superspec.no_cache"


def _remember_root(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    ctx.meta[ROOT_META] = value


def _remember_no_cache(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta[NO_CACHE_META] = value
    if value:  # for this command only (its loads may not go through load() below)
        from superspec.spec import compiled

        compiled.bypass()
        ctx.call_on_close(lambda: compiled.bypass(False))


def spec_options(func: F) -> F:
    """Adds ``--spec PATH``, ``--layers DIR`` (repeatable), ``--root NAME`` and ``--no-cache``."""
    func = click.option(
        "--no-cache", is_flag=True, expose_value=False, callback=_remember_no_cache,
        help="Read every layer again instead of the compiled-spec cache (and re-check "
             "everything where the command caches results).",
    )(func)
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


def requested_no_cache() -> bool:
    """Whether the running command was given ``--no-cache``."""
    ctx = click.get_current_context(silent=True)
    return False if ctx is None else bool(ctx.meta.get(NO_CACHE_META))


def load(spec: Path, layers: tuple[Path, ...]) -> EffectiveSpec:
    """Load the effective spec for a command: from the compiled-spec cache when the chain is
    unchanged (then neither YAML nor pydantic is imported), else in full."""
    from superspec.spec.compiled import pinned_root, search_dirs
    from superspec.spec.effective import load_spec

    return load_spec(spec, search_dirs(layers), pinned_root(requested_root()),
                     use_cache=not requested_no_cache())


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
