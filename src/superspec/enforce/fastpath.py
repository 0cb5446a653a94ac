"""``superspec enforce`` for one project, without click (and, while the rules memo holds,
without pydantic: see ``rulememo``).

``main(argv)`` runs the command from a command line, so the console-script shim answers before
importing the CLI framework at all: it parses ``enforce [PATH] [--spec P] [--layers D]...
[--project-dir D] [--maven-repo D] [--branch B] [--format text|json] [--report-junit F]
[--no-cache]``, gives the cached answer (``answer.cached_answer``) when nothing changed, else runs
``command.check`` with the spec loaded as the CLI loads it, and prints and exits as the click
command does, errors included (the CLI's error boundary, ``cli.plain.boundary``). It returns
None — the full CLI must run — for anything it does not parse, before anything runs: ``--help``,
``--root``, several PATHS, an unknown option, a missing or empty value, a path click's Path type
would refuse.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from typing import Any

    from superspec.spec.effective import EffectiveSpec

_VALUED = {"--spec": "spec", "--layers": "layers", "--project-dir": "project_dir",
           "--maven-repo": "maven_repo", "--branch": "branch", "--format": "output_format",
           "--report-junit": "report_junit"}


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The options of ``enforce ...``; None for anything this parser does not handle."""
    if not argv or argv[0] != "enforce":
        return None
    found: dict[str, Any] = {"spec": "superspec.yaml", "layers": [], "project_dir": None,
                             "maven_repo": None, "branch": None, "output_format": "text",
                             "report_junit": None, "use_cache": True}
    args = iter(argv[1:])
    paths = []
    for arg in args:
        if arg == "--no-cache":
            found["use_cache"] = False
            continue
        if arg and not arg.startswith("-"):  # a project directory or spec file (PATHS)
            paths.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if name not in _VALUED:
            return None
        if not eq:
            value = next(args, "")
        if not value or (not eq and value.startswith("-")):
            return None
        if name == "--layers":
            found["layers"].append(value)
        else:
            found[_VALUED[name]] = value
    if found["output_format"] not in ("text", "json") or len(paths) > 1 \
            or not _click_accepts(found, paths):
        return None
    if paths:  # one project: as the command takes it (enforce.command.project_paths)
        path = Path(paths[0])
        spec = path / "superspec.yaml" if path.is_dir() else path
        found["spec"] = spec
        if found["project_dir"] is None:
            found["project_dir"] = spec.parent if spec.parent != Path("") else Path(".")
    found["layers"] = tuple(Path(d) for d in found["layers"])
    for k in ("spec", "project_dir", "maven_repo", "report_junit"):
        if found[k] is not None:
            found[k] = Path(found[k])
    return found


def _click_accepts(found: dict[str, Any], paths: list[str]) -> bool:
    """Whether the command's click Path types accept these paths (else click reports them)."""
    from superspec.cli.plain import acceptable_path

    project = found["project_dir"]
    if project is not None and not (os.path.isdir(project)
                                    and acceptable_path(project, file_ok=False)):
        return False
    dirs = [*found["layers"], *([found["maven_repo"]] if found["maven_repo"] else [])]
    files = [found["spec"], *paths, *([found["report_junit"]] if found["report_junit"] else [])]
    return all(acceptable_path(d, file_ok=False) for d in dirs) \
        and all(acceptable_path(f) for f in files)


def main(argv: list[str] | None = None) -> int | None:
    """Run ``superspec enforce ...``: the exit code, or None to run the CLI."""
    options = parse(sys.argv[1:] if argv is None else argv)
    if options is None:
        return None
    from superspec.cli.plain import boundary, echo, printable

    try:
        out, failing = _answer(options)
        write(out)
    except BaseException as exc:  # noqa: BLE001 - reported as the CLI reports it
        return boundary(exc)
    if failing:  # the CLI's RuleFailure, without importing the exception tree (dataclasses)
        echo(f"error: {printable('enforce failed: ' + ', '.join(failing))}", err=True)
        return 1
    return 0


def _answer(options: dict[str, Any]) -> tuple[str, list[str]]:
    """``command.enforce`` of these options: (what to print, failing rule ids)."""
    from superspec.enforce.answer import cached_answer

    use_cache = options.pop("use_cache")
    if use_cache:
        hit = cached_answer(**options)
        if hit is not None:
            return hit
    from superspec.enforce.command import EnforceRequest, check
    from superspec.spec import compiled
    from superspec.spec.effective import load_spec

    request = EnforceRequest(**options, use_cache=use_cache, root_pinned_by_option=False)

    def load() -> EffectiveSpec:
        return load_spec(request.spec, compiled.search_dirs(request.layers),
                         compiled.pinned_root(None), use_cache=use_cache)

    if use_cache:
        answer = check(request, load)
    else:
        compiled.bypass()  # as the CLI's --no-cache: every load of this command in full
        try:
            answer = check(request, load)
        finally:
            compiled.bypass(False)
    return answer.text, answer.failing


def write(text: str) -> None:
    """``click.echo(text, nl=False)``. click writes text as it is to a stream whose encoding is
    not ASCII; anything else (an ASCII stream with non-ASCII text, ANSI escapes it may strip)
    goes through click itself."""
    if "\x1b" not in text and (text.isascii() or not _ascii_stream(sys.stdout)):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    import click

    click.echo(text, nl=False)


def _ascii_stream(stream: object) -> bool:
    """click's ``_stream_is_misconfigured``: no encoding, or an ASCII one."""
    import codecs

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "ascii"
    except LookupError:
        return False
