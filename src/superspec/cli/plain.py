"""What the fast paths (answers before the CLI framework is imported) share with the full CLI:
click's way of printing a line, the checks its Path type makes of an existing path, and the
error boundary of ``superspec.cli.main``. Standard library only."""

from __future__ import annotations

import os
import sys


def echo(text: str, err: bool = False) -> None:
    """``click.echo`` of one line: written and flushed. Text click might change (ANSI escapes it
    strips, characters a stream's encoding lacks) goes through click itself."""
    if not text.isascii() or "\x1b" in text:
        import click

        click.echo(text, err=err)
        return
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def acceptable_path(path: str, *, file_ok: bool = True, dir_ok: bool = True) -> bool:
    """Whether click's ``Path(file_okay=..., dir_okay=...)`` accepts ``path`` (a readable one of
    the right kind, or a missing one): a path it refuses is left to the CLI to report."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return True
    if (not file_ok and stat.S_ISREG(mode)) or (not dir_ok and stat.S_ISDIR(mode)):
        return False
    return os.access(path, os.R_OK)


def boundary(exc: BaseException) -> int:
    """What ``superspec.cli.main.main`` prints for ``exc``, and the code it exits with."""
    from superspec.errors import SuperspecError

    if isinstance(exc, SuperspecError):
        for line in exc.lines():
            echo(f"error: {printable(line)}", err=True)
        return exc.exit_code
    from superspec.cli import main as cli

    if isinstance(exc, KeyboardInterrupt):
        echo("interrupted", err=True)
        return cli.EXIT_INTERRUPT
    if isinstance(exc, BrokenPipeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return cli.EXIT_FAILURE
    if not isinstance(exc, Exception):
        raise exc  # SystemExit and the like leave as they would from the CLI
    log = cli._write_crash_log(exc)
    echo(f"internal error: {type(exc).__name__}: {exc} (details: {log})", err=True)
    return cli.EXIT_BUG


def printable(text: str) -> str:
    """``superspec.cli.main.printable`` (the CLI framework is imported only when ``text`` holds
    a character to escape)."""
    if text.isprintable():
        return text
    from superspec.cli.main import printable as escape

    return escape(text)
