"""The cached answer of ``superspec enforce``, without click, pydantic or rich.

``cached_answer`` is what the ``enforce`` command prints when the result cache holds a valid
entry. ``main(argv)`` gives the same answer straight from a command line, so a console-script
shim can answer an unchanged project before importing the CLI framework at all: it returns the
exit code, or None when the full CLI must run (a cache miss, ``--no-cache``, ``--help``, any
option it does not know). Its lookup is the full path's (``cache.lookup``: a signed entry, bound to
the spec chain's bytes and the project's inputs, from a cache directory outside the project);
only the effective spec's digest comes from the signed memo of a full load instead of a load.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from typing import Any

CACHED_NOTE = "(cached: no input changed since the last check; --no-cache re-checks)"
_VALUED = {"--spec": "spec", "--layers": "layers", "--project-dir": "project_dir",
           "--maven-repo": "maven_repo", "--branch": "branch", "--format": "output_format",
           "--report-junit": "report_junit"}


def default_project(spec: Path, project_dir: Path | None) -> Path:
    if project_dir is not None:
        return project_dir
    return spec.parent if spec.parent != Path("") else Path(".")


def text_variant() -> str:
    """Width and colour of the text report, as 'width:color' (cached renderings are per variant)."""
    if sys.stdout.isatty():
        import shutil

        color = "NO_COLOR" not in os.environ
        return f"{shutil.get_terminal_size().columns}:{int(color)}"
    columns = os.environ.get("COLUMNS", "")
    return f"{int(columns) if columns.isdigit() else 100}:0"


def cached_answer(spec: Path, layers: tuple[Path, ...], project_dir: Path | None,
                  maven_repo: Path | None, branch: str | None, output_format: str,
                  report_junit: Path | None) -> tuple[str, list[str]] | None:
    """(what to print, failing rule ids) when the cache answers, else None. Writes the JUnit
    report when asked. Report objects and rich are imported only to render something anew."""
    from superspec.enforce import cache
    from superspec.enforce.branch import current_branch

    project = default_project(spec, project_dir)
    key = cache.entry_key(spec, project, maven_repo, current_branch(project, branch), layers)
    hit = cache.lookup(project, key, spec)
    if hit is None:
        return None
    data: dict[str, Any] = {**hit["report"], "cached": True}
    if report_junit is not None:
        from superspec.enforce.model import EnforceReport
        from superspec.enforce.reports import write_junit

        write_junit(EnforceReport.from_json(data, cached=True), report_junit)
    if output_format == "json":
        import json

        out = json.dumps(data, indent=2, sort_keys=True) + "\n"
    else:
        variant = text_variant()
        rendered = hit.get("rendered", {}).get(variant)
        if rendered is None:
            from superspec.enforce.model import EnforceReport
            from superspec.enforce.reports import render_text

            width, color = (int(p) for p in variant.split(":"))
            rendered = render_text(EnforceReport.from_json(data), width=width, color=bool(color))
            cache.remember_rendering(project, key, variant, rendered, hit["report"])
        out = rendered + CACHED_NOTE + "\n"
    return out, ([] if data["passed"] else list(hit.get("failing", [])))


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The options of ``enforce ...``; None for anything this parser does not handle."""
    if not argv or argv[0] != "enforce":
        return None
    found: dict[str, Any] = {"spec": "superspec.yaml", "layers": [], "project_dir": None,
                             "maven_repo": None, "branch": None, "output_format": "text",
                             "report_junit": None}
    args = iter(argv[1:])
    paths = []
    for arg in args:
        if arg == "--no-cache":
            return None
        if arg and not arg.startswith("-"):  # a project directory or spec file (PATHS)
            paths.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if name not in _VALUED:
            return None
        if not eq:
            value = next(args, "")
        if not value:
            return None
        if name == "--layers":
            found["layers"].append(Path(value))
        else:
            found[_VALUED[name]] = value
    if found["output_format"] not in ("text", "json") or len(paths) > 1:
        return None
    if paths:  # one project: as the command takes it (enforce.command.project_paths)
        path = Path(paths[0])
        spec = path / "superspec.yaml" if path.is_dir() else path
        found["spec"] = spec
        if found["project_dir"] is None:
            found["project_dir"] = spec.parent if spec.parent != Path("") else Path(".")
    found["layers"] = tuple(found["layers"])
    for k in ("spec", "project_dir", "maven_repo", "report_junit"):
        if found[k] is not None:
            found[k] = Path(found[k])
    return found


def main(argv: list[str] | None = None) -> int | None:
    """Answer ``superspec enforce ...`` from the cache: the exit code, or None to run the CLI."""
    options = parse(sys.argv[1:] if argv is None else argv)
    if options is None:
        return None
    try:
        answer = cached_answer(**options)
    except Exception:  # noqa: BLE001 - anything unusual: the full CLI runs and reports it
        return None
    if answer is None:
        return None
    out, failing = answer
    sys.stdout.write(out)
    sys.stdout.flush()
    if failing:
        sys.stderr.write(f"error: enforce failed: {', '.join(failing)}\n")
        return 1
    return 0
