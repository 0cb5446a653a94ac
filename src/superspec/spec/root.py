"""The pinned root: the company layer every chain must end in.

Without a pinned root a project could ``extends: ./my-company.yaml``, a company layer of its own
with no locks. A platform owner pins the root on its CI agents and runners with
``SUPERSPEC_ROOT=acme`` (or a command's ``--root acme``): the chain must then end in the company
layer ``<dir>/acme/superspec.yaml`` of a layer directory (``--layers`` / ``SUPERSPEC_LAYERS``),
never in a file found by a relative path, and never in one inside the project's own directory.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from superspec.errors import Location, SpecError, UsageError
from superspec.paths import display_path
from superspec.spec.layers import NAME_PATTERN, Layer

ROOT_ENV = "SUPERSPEC_ROOT"


def root_from(requested: str | None = None) -> str | None:
    """The pinned root: ``SUPERSPEC_ROOT`` (set by the machine's owner) or ``requested`` (a
    ``--root`` option or a step's ``root`` parameter). When both are given they must agree: a
    pipeline cannot move the root its agent pins."""
    pinned = os.environ.get(ROOT_ENV) or None
    for value, source in ((pinned, ROOT_ENV), (requested, "--root")):
        if value is not None and not NAME_PATTERN.fullmatch(value):
            raise UsageError(f"{source}: {value!r} is not a layer name")
    if pinned and requested and pinned != requested:
        raise UsageError(f"the root '{requested}' asked for differs from {ROOT_ENV}={pinned} "
                         "set on this machine; the machine's root applies")
    return pinned or requested


def check_root(chain: list[Layer], root: str, layer_dirs: Sequence[Path]) -> None:
    """Raise SpecError unless ``chain`` (top first) ends in the root company layer."""
    top, project = chain[0], chain[-1]
    candidates = [Path(d) / root / "superspec.yaml" for d in layer_dirs]
    found = next((c.resolve() for c in candidates if c.is_file()), None)
    where = Location(project.file, layer=project.label)
    if found is None:
        searched = ", ".join(display_path(c) for c in candidates) or "no layer directories given"
        raise SpecError(f"the root layer '{root}' ({ROOT_ENV}/--root) is not in a layer "
                        f"directory (searched: {searched})", location=where)
    if _inside(found, project.path.parent):
        raise SpecError(f"the root layer '{root}' was found at {display_path(found)}, inside the "
                        f"project's own directory; the root must come from the platform's layer "
                        f"directories, not from the project", location=where)
    if top.path != found or top.kind != "company" or top.name != root:
        raise SpecError(f"the chain must end in the root company layer '{root}' "
                        f"({display_path(found)}); it ends in {top.label} ({top.file})",
                        location=where)


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.relative_to(directory.resolve())
    except ValueError:
        return False
    return True
