"""superspec generate: write (or --check) Jenkinsfile and .gitlab-ci.yml from the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from superspec.cli.options import format_option, requested_root, spec_options
from superspec.errors import SuperspecError

TARGET_CHOICES = {"jenkins": ("jenkins",), "gitlab": ("gitlab",), "all": ("jenkins", "gitlab")}


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@spec_options
@click.option("--target", type=click.Choice(list(TARGET_CHOICES)), default="all",
              show_default=True, help="Which file(s) to generate.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write into DIR instead of next to the spec (several projects: DIR/NAME/).")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 and print a unified diff if a file is missing or "
                   "differs from what the spec generates.")
@click.option("--templates", "templates", multiple=True,
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A directory of template overrides, searched before the spec's "
                   "ci.templates and the built-ins. Repeatable.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes for many projects (default: one per CPU; a small fleet "
                   "runs in one process). 1: everything in this process.")
@click.option("--verbose", "-v", is_flag=True,
              help="Several projects: a line per project (default: one summary line, plus "
                   "every error and drift).")
@format_option
def generate(paths: tuple[Path, ...], spec: Path, layers: tuple[Path, ...], target: str,
             out: Path | None, check: bool, templates: tuple[Path, ...], jobs: int | None,
             verbose: bool, output_format: str) -> None:
    """Generate Jenkinsfile and .gitlab-ci.yml from one spec, or from many in one run.

    PATHS are spec files or directories holding superspec.yaml (default: --spec). Both files
    are drawn from the same pipeline plan: same stages in the same order, same environments,
    approvals and locks. Unchanged files are not rewritten; others are replaced atomically.

    \b
    Examples:
      superspec generate                              next to ./superspec.yaml
      superspec generate --target gitlab --out ci/    only .gitlab-ci.yml, into ci/
      superspec generate --check                      in CI: fail (exit 1) on hand edits
      superspec generate services/*/ --layers layers  a whole fleet, on every CPU

    Exit codes: 0 ok, 1 spec error or (with --check) drift, 2 usage error.
    """
    from superspec.render.generate import Options
    from superspec.render.generate import generate as run
    from superspec.spec.root import root_from

    options = Options(targets=TARGET_CHOICES[target], out=out, check=check,
                      templates=templates, layer_dirs=_layer_dirs(layers),
                      root=root_from(requested_root()), jobs=jobs)
    results = run(list(paths) or [spec], options)
    if len(results) == 1 and results[0].error is not None:
        raise results[0].error
    if output_format == "json":
        click.echo(json.dumps(_as_json(results, check), indent=2))
    else:
        _print_text(results, verbose)
    failed = [r for r in results if r.error is not None]
    drifted = [r for r in results if r.drift]
    if failed:
        raise SuperspecError(f"{len(failed)} of {len(results)} projects failed")
    if drifted:
        raise SuperspecError("generated files are out of date: run superspec generate")


def _layer_dirs(layers: tuple[Path, ...]) -> tuple[Path, ...]:
    from superspec.spec import layer_dirs_from

    return tuple(layer_dirs_from(layers))


def _print_text(results: list[Any], verbose: bool) -> None:
    """One project: its line. A fleet: the projects that failed or drifted (all of them with
    ``verbose``), then one summary line."""
    fleet = len(results) > 1
    each = verbose or not fleet
    for result in results:
        if result.error is not None:
            for line in result.error.lines():
                where = "" if line.startswith(result.spec) else f"{result.spec}: "
                click.echo(f"error: {where}{line}", err=True)
            continue
        if not (each or result.drift):
            continue
        summary = ", ".join(f"{f.path} {f.status}" for f in result.files)
        verdict = "drift" if result.drift else "ok"
        click.echo(f"{verdict} {result.name}: {summary}")
        for file in result.files:
            if file.diff:
                click.echo(file.diff, nl=not file.diff.endswith("\n"))
    if fleet:
        click.echo(fleet_summary(results))


STATUS_ORDER = ("created", "written", "unchanged", "current", "missing", "differs")


def fleet_summary(results: list[Any]) -> str:
    """``1000 projects: 998 ok, 2 failed; files: 1996 created`` (zero counts left out)."""
    verdicts = {"ok": 0, "drift": 0, "failed": 0}
    statuses = dict.fromkeys(STATUS_ORDER, 0)
    for result in results:
        verdicts["failed" if result.error is not None else "drift" if result.drift else "ok"] += 1
        for file in result.files:
            statuses[file.status] = statuses.get(file.status, 0) + 1
    projects = ", ".join(f"{n} {v}" for v, n in verdicts.items() if n)
    files = ", ".join(f"{n} {s}" for s, n in statuses.items() if n) or "none"
    return f"{len(results)} projects: {projects}; files: {files}"


def _as_json(results: list[Any], check: bool) -> dict[str, Any]:
    return {
        "check": check,
        "ok": all(r.ok for r in results),
        "projects": [
            {
                "spec": r.spec,
                "name": r.name,
                "digest": r.digest,
                "ok": r.ok,
                "error": r.error.lines() if r.error is not None else None,
                "files": [{"path": f.path, "status": f.status, "diff": f.diff or None}
                          for f in r.files],
            }
            for r in results
        ],
    }
