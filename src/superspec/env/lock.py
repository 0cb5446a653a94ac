"""One mutation per environment at a time: a lease naming its holder.

The lease is a file under the data directory, created with O_EXCL; it names the holder (host,
pid, the CI job from BUILD_URL / CI_JOB_URL) and expires. A second caller gets a clear error
naming the holder; a lease whose time is up, or whose holder process on this host is gone (a
killed runner), is taken over, so a killed runner never blocks the environment for long. The
lease covers processes sharing this machine's data directory (the engine is local, or all
runners of a remote engine share one host).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from superspec.env.paths import data_dir
from superspec.errors import InputError

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
def environment_lock(env: str, directory: Path | None = None) -> Iterator[None]:
    """Hold the lease of ``env`` for the block; InputError when another runner holds it."""
    folder = (directory or data_dir()) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{env}.lease"
    mine = _holder()
    for _ in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            try:
                holder = json.loads(path.read_text())
            except (OSError, ValueError):
                holder = {}
            if not isinstance(holder, dict) or _stale(holder):
                path.unlink(missing_ok=True)  # a killed or expired holder: take over
                continue
            raise InputError(f"environment '{env}' is being changed by {_describe(holder)}; "
                             f"try again when it is done (the lease expires by itself)") \
                from None
        with os.fdopen(fd, "w") as handle:
            json.dump(mine, handle)
        break
    else:
        raise InputError(f"could not take the lease of environment '{env}' ({path})")
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text()).get("pid") == mine["pid"]:
                path.unlink()
