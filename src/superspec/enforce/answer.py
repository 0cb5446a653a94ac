"""The cached answer of ``superspec enforce``, without click, pydantic or rich: what the command
prints when the result cache holds a valid entry (``cached_answer``), and what the command and
its fast path share to find and render it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from typing import Any

CACHED_NOTE = "(cached: no input changed since the last check; --no-cache re-checks)"


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
