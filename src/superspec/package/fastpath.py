"""``superspec package --env ...`` for an unchanged spec, without click or pydantic.

``main(argv)`` runs ``package [--spec P] [--layers D]... [--root N] --env E... [--artifact A]
[--out O] [--version V] [--format F]`` when the compiled-spec cache holds the spec
(``spec.compiled``): the package runner reads what it needs from the cached plain data
(``package.specdata``), so a console-script shim can package before the CLI framework is
imported. It prints what the command prints and returns its exit code; an error of the run is
reported as the CLI's error boundary reports it. It returns None — the full CLI must run — for
anything else, before anything is written: a cache miss, ``--no-cache``, ``--all-envs``,
``--image``, ``verify``, ``--help``, an option it does not know or a value the CLI would refuse.
"""

from __future__ import annotations

import sys
from pathlib import Path

from superspec.cli.plain import acceptable_path, boundary, echo

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from typing import Any

    from superspec.spec.effective import EffectiveSpec

_VALUED = {"--spec": "spec", "--layers": "layers", "--root": "root", "--env": "envs",
           "--artifact": "artifact", "--out": "out", "--version": "version",
           "--format": "output_format"}
_REPEATED = ("layers", "envs")


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The options of ``package ...``; None for anything this parser does not handle."""
    if not argv or argv[0] != "package":
        return None
    found: dict[str, Any] = {"spec": "superspec.yaml", "layers": [], "root": None, "envs": [],
                             "artifact": None, "out": None, "version": None,
                             "output_format": "text"}
    args = iter(argv[1:])
    for arg in args:
        name, eq, value = arg.partition("=")
        if name not in _VALUED:
            return None
        if not eq:
            value = next(args, "")
        if not value or value.startswith("-"):
            return None
        key = _VALUED[name]
        if key in _REPEATED:
            found[key].append(value)
        else:
            found[key] = value
    if found["output_format"] not in ("text", "json") or not found["envs"]:
        return None
    # the checks click's Path type makes of an existing path; a path it would refuse is
    # left to the CLI, which reports it
    paths = [(found["spec"], True)] + [(d, False) for d in found["layers"]]
    paths += [(found[k], True) for k in ("artifact", "out") if found[k] is not None]
    if not all(acceptable_path(path, file_ok=file_ok) for path, file_ok in paths):
        return None
    return found


def main(argv: list[str] | None = None) -> int | None:
    """Package from the compiled-spec cache: the exit code, or None to run the CLI."""
    options = parse(sys.argv[1:] if argv is None else argv)
    if options is None:
        return None
    try:
        effective = _cached(options)
    except Exception:  # noqa: BLE001 - anything unusual: the full CLI runs and reports it
        return None
    if effective is None:
        return None
    try:
        from superspec.package.result import result_lines
        from superspec.package.runner import package_artifact

        artifact, out = options["artifact"], options["out"]
        results = package_artifact(
            effective, options["envs"], None if artifact is None else Path(artifact),
            None if out is None else Path(out), version=options["version"],
            progress=lambda line: echo(line, err=True))
        for line in result_lines(results, options["output_format"]):
            echo(line)
    except BaseException as exc:  # noqa: BLE001 - reported as the CLI reports it
        return boundary(exc)
    return 0


def _cached(options: dict[str, Any]) -> EffectiveSpec | None:
    from superspec.spec import compiled
    from superspec.spec.effective import EffectiveSpec

    if compiled.disabled():
        return None
    layer_dirs = compiled.search_dirs(options["layers"])
    entry = compiled.lookup(Path(options["spec"]), layer_dirs,
                            compiled.pinned_root(options["root"]))
    if entry is None:
        return None
    return EffectiveSpec(Path(entry["chain"][-1][0]), entry=entry)
