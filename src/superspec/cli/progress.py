"""Progress lines of long commands (env, deploy, release) on standard error: on a terminal,
rich lines with the time elapsed; in CI logs and pipes, the plain line and nothing else."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

_STARTED = time.monotonic()


def say(line: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    if not _interactive(out):
        out.write(line + "\n")
        out.flush()
        return
    from rich.console import Console
    from rich.text import Text

    elapsed = f"{time.monotonic() - _STARTED:6.1f}s "
    # the line is text, never markup: names and messages come from specs and engines
    Console(file=out, highlight=False).print(Text.assemble((elapsed, "dim"), line))


def _interactive(stream: TextIO) -> bool:
    """A person watching: a terminal, outside CI (CI, JENKINS_URL or GITLAB_CI set)."""
    if any(os.environ.get(name) for name in ("CI", "JENKINS_URL", "GITLAB_CI")):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
