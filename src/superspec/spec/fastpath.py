"""The answer of ``superspec validate`` for an unchanged spec, without click, YAML or pydantic.

``main(argv)`` answers ``validate [--spec P] [--layers D]... [--root N] [--format F]`` when the
compiled-spec cache holds the spec (``spec.compiled``) and its rule settings are known to be valid
(``enforce.rulememo``): it prints what the command prints and returns 0. It returns None — the
full CLI must run — for anything else: a miss, ``--no-cache``, ``--help``, an option it does not
know, any error. A console-script shim can call it before importing the CLI framework.
"""

from __future__ import annotations

import sys
from pathlib import Path

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from typing import Any

    from superspec.spec.effective import EffectiveSpec

_VALUED = {"--spec": "spec", "--layers": "layers", "--root": "root", "--format": "output_format"}


def answer(effective: EffectiveSpec, output_format: str) -> str:
    """What ``superspec validate`` prints for a valid spec (one line, no newline)."""
    chain = list(reversed(effective.layer_files))
    if output_format == "json":
        import json

        return json.dumps({"valid": True, "chain": chain, "digest": effective.digest})
    return f"ok: {' -> '.join(chain)} (digest {effective.digest[:12]})"


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The options of ``validate ...``; None for anything this parser does not handle."""
    if not argv or argv[0] != "validate":
        return None
    found: dict[str, Any] = {"spec": "superspec.yaml", "layers": [], "root": None,
                             "output_format": "text"}
    args = iter(argv[1:])
    for arg in args:
        name, eq, value = arg.partition("=")
        if name not in _VALUED:
            return None
        if not eq:
            value = next(args, "")
        if not value:
            return None
        if name == "--layers":
            found["layers"].append(value)
        else:
            found[_VALUED[name]] = value
    if found["output_format"] not in ("text", "json"):
        return None
    return found


def main(argv: list[str] | None = None) -> int | None:
    """Answer ``superspec validate ...`` from the caches: 0, or None to run the CLI."""
    options = parse(sys.argv[1:] if argv is None else argv)
    if options is None:
        return None
    try:
        text = _cached(options)
    except Exception:  # noqa: BLE001 - anything unusual: the full CLI runs and reports it
        return None
    if text is None:
        return None
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return 0


def _cached(options: dict[str, Any]) -> str | None:
    from superspec.enforce import rulememo
    from superspec.spec import compiled
    from superspec.spec.effective import EffectiveSpec

    if compiled.disabled():
        return None
    layer_dirs = compiled.search_dirs(options["layers"])
    entry = compiled.lookup(Path(options["spec"]), layer_dirs,
                            compiled.pinned_root(options["root"]))
    if entry is None:
        return None
    effective = EffectiveSpec(Path(entry["chain"][-1][0]), entry=entry)
    if not rulememo.known_valid(effective):
        return None
    return answer(effective, options["output_format"])
