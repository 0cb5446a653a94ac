"""Compare, diff and atomically write generated files (nothing is rewritten when unchanged)."""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from superspec.errors import InputError, Location
from superspec.fileio import write_atomic

# statuses: written (new content), created (file was missing), unchanged,
#           differs / missing (--check found drift), current (--check found it up to date)
DRIFT = ("differs", "missing")


@dataclass(frozen=True)
class FileResult:
    path: str  # as shown to the user
    status: str
    diff: str = ""

    @property
    def drift(self) -> bool:
        return self.status in DRIFT


def read_current(path: Path, display: str) -> bytes | None:
    """The generated file as it is on disk; None when missing. Never read through a link (a
    link's target could be any file the user can read, and --check prints what differs) nor
    from anything but a regular file (a FIFO would block)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if path.is_symlink():
            raise InputError("is a symlink; generated files are only written as regular files "
                             "(remove the link)", location=Location(display)) from None
        raise InputError(f"cannot read: {exc.strerror}", location=Location(display)) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError("is not a regular file; generated files are only written as regular "
                         "files", location=Location(display))
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def check_file(path: Path, display: str, content: str) -> FileResult:
    """--check: compare only; a drift carries a unified diff (on disk -> generated)."""
    current = read_current(path, display)
    wanted = content.encode("utf-8")
    if current == wanted:
        return FileResult(display, "current")
    old = "" if current is None else current.decode("utf-8", errors="replace")
    diff = "".join(difflib.unified_diff(
        old.splitlines(keepends=True), content.splitlines(keepends=True),
        fromfile="/dev/null" if current is None else f"{display} (on disk)",
        tofile=f"{display} (generated)",
    ))
    return FileResult(display, "missing" if current is None else "differs", diff)


def write_file(path: Path, display: str, content: str) -> FileResult:
    """Write ``content`` unless the file already holds it; temp file + os.replace, never half."""
    current = read_current(path, display)
    wanted = content.encode("utf-8")
    if current == wanted:
        return FileResult(display, "unchanged")
    try:
        mode = path.stat().st_mode & 0o7777 if current is not None else 0o644
        write_atomic(path, wanted, mode)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", location=Location(display)) from None
    return FileResult(display, "created" if current is None else "written")
