"""One mutation per environment at a time: a lease naming its holder.

The lease is a file under the data directory; it names the holder (host, pid, the CI job from
BUILD_URL / CI_JOB_URL) and expires. It is read, and taken, under an flock on a guard file beside
it, and written whole (a temporary file renamed over it). A second caller gets a clear error
naming the holder; a lease whose time is up, or whose holder process on this host is gone (a
killed runner), is taken over, so a killed runner never blocks the environment for long. The
lease covers processes sharing this machine's data directory (the engine is local, or all
runners of a remote engine share one host).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from superspec.env.paths import data_dir
from superspec.errors import InputError
from superspec.fileio import write_atomic

LEASE_SECONDS = 1800


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder() -> dict[str, object]:
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "job": os.environ.get("BUILD_URL") or os.environ.get("CI_JOB_URL"),
            "since": time.time(), "until": time.time() + LEASE_SECONDS}


def _stale(holder: dict[str, object]) -> bool:
    until = holder.get("until")
    if not isinstance(until, (int, float)) or until < time.time():
        return True
    pid = holder.get("pid")
    return holder.get("host") == socket.gethostname() and isinstance(pid, int) \
        and not _alive(pid)


def _describe(holder: dict[str, object]) -> str:
    job = f", job {holder['job']}" if holder.get("job") else ""
    since = time.strftime("%H:%M:%S", time.localtime(float(str(holder.get("since", 0)))))
    return f"{holder.get('host')} pid {holder.get('pid')}{job}, since {since}"


@contextlib.contextmanager
def _guarded(folder: Path, env: str) -> Iterator[None]:
    """Exclusive use of ``env``'s lease file for a few reads and writes: an flock, which the
    kernel drops with its process, so a killed runner never leaves it held."""
    fd = os.open(folder / f"{env}.guard", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read(path: Path) -> dict[str, object] | None:
    """The lease's holder; None when there is no lease, {} when it cannot be read."""
    try:
        holder = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


@contextlib.contextmanager
def environment_lock(env: str, directory: Path | None = None) -> Iterator[None]:
    """Hold the lease of ``env`` for the block; InputError when another runner holds it.

    Reading the lease and writing one's own happen under the guard's flock, so two runners
    arriving together can never both find the lease free or stale."""
    folder = (directory or data_dir()) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{env}.lease"
    mine = _holder()
    with _guarded(folder, env):
        holder = _read(path)
        if holder is not None and not _stale(holder):
            raise InputError(f"environment '{env}' is being changed by {_describe(holder)}; "
                             f"try again when it is done (the lease expires by itself)")
        # none, or a killed or expired holder's: take over, whole (renamed into place)
        write_atomic(path, json.dumps(mine).encode(), 0o600)
    try:
        yield
    finally:
        with _guarded(folder, env), contextlib.suppress(OSError):
            if _read(path) == mine:
                path.unlink()
