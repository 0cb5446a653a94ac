"""``superspec step NAME --params-file F`` without the CLI framework.

``main(argv)`` parses ``step NAME --params-file F [--result-file R] [--error-file E]
[--format F]`` (options in any order, ``--opt=value`` or ``--opt value``), runs the step as the
``step`` command does (``step.command.run_step``: the params validated against the contract or
taken from the params memo, the spec from the compiled-spec cache when unchanged) and prints and
exits as it does, errors included (the CLI's error boundary, ``cli.entry.boundary``). It returns
None — the full CLI must run — for anything it does not parse, before the step starts:
``--help``, an unknown option, a missing or empty value, a path click's Path type would refuse.
"""

from __future__ import annotations

import sys
from pathlib import Path

from superspec.cli.plain import acceptable_path, boundary, echo

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms
if TYPE_CHECKING:
    from typing import Any

_VALUED = {"--params-file": "params_file", "--result-file": "result_file",
           "--error-file": "error_file", "--format": "output_format"}


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The arguments of ``step ...``; None for anything this parser does not handle."""
    if not argv or argv[0] != "step":
        return None
    found: dict[str, Any] = {"name": None, "params_file": None, "result_file": None,
                             "error_file": None, "output_format": "text"}
    args = iter(argv[1:])
    for arg in args:
        if arg and not arg.startswith("-"):
            if found["name"] is not None:
                return None
            found["name"] = arg
            continue
        name, eq, value = arg.partition("=")
        if name not in _VALUED:
            return None
        if not eq:
            value = next(args, "")
        if not value or value.startswith("-"):
            return None
        found[_VALUED[name]] = value
    if found["name"] is None or found["params_file"] is None \
            or found["output_format"] not in ("text", "json"):
        return None
    files = [found[k] for k in ("params_file", "result_file", "error_file") if found[k]]
    if not all(acceptable_path(f, dir_ok=False) for f in files):
        return None
    return found


def main(argv: list[str] | None = None) -> int | None:
    """Run the step: the exit code, or None to run the CLI."""
    options = parse(sys.argv[1:] if argv is None else argv)
    if options is None:
        return None
    try:
        from superspec.step.command import StepOutcome, report_lines, run_step

        name = options["name"]
        run = run_step(name, Path(options["params_file"]),
                       *(None if options[k] is None else Path(options[k])
                         for k in ("result_file", "error_file")))
        for line in report_lines(name, run, options["output_format"]):
            echo(line)
        if run.failure is not None:
            raise StepOutcome(run.failure, run.result["exitCode"])
    except BaseException as exc:  # noqa: BLE001 - reported as the CLI reports it
        return boundary(exc)
    return 0
