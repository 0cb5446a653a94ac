"""Reading only regular files (never waiting on a FIFO or a device), writing files so that a
failure never leaves a half-written one behind, and holding an flock while several files change
together."""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from collections.abc import Iterator
from pathlib import Path


class NotRegularFile(OSError):
    """The path is a directory, FIFO, device or socket: nothing was read from it."""

    def __init__(self, mode: int) -> None:
        super().__init__(f"not a regular file ({file_kind(mode)})")
        self.mode = mode


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is: 'a directory', 'a FIFO', ..."""
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symlink"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def read_regular(path: Path) -> bytes:
    """The bytes of ``path`` when it is a regular file; ``NotRegularFile`` otherwise, decided
    before any read, so a FIFO without a writer never blocks. Other failures are ``OSError``."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(mode)
        with os.fdopen(fd, "rb") as handle:  # closes fd
            fd = -1
            return handle.read()
    finally:
        if fd >= 0:
            os.close(fd)


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to a temp file beside ``path``, then rename it over ``path``."""
    import tempfile  # (3 ms: not on the paths that only read, or only lock)

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def flocked(path: Path, *, create: bool = False, strict: bool = True) -> Iterator[None]:
    """An exclusive flock on ``path`` for the block: a folder, or a file (made when ``create``).
    The kernel drops it with its process, so a killed run never leaves it held. ``strict=False``:
    a file system refusing flock (a folder on NFS) leaves the block unlocked instead of failing."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT if create else os.O_RDONLY, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            if strict:
                raise
        yield
    finally:
        os.close(fd)
