"""One mutation per environment at a time: a lease naming its holder.

The lease is a file under the data directory; it names the holder (host, PID namespace, pid and
the process's start time, the CI job from BUILD_URL / CI_JOB_URL). It is read, and taken, under
an flock on a guard file beside it, and written whole (a temporary file renamed over it). A
second caller gets a clear error naming the holder.

Who may take a lease over:
- a holder this process can see (same host, same PID namespace) keeps the lease while its
  process lives, however long it works (a canary paused for an hour); once the process is gone,
  or its pid belongs to a newer process, the lease is taken over at once (a killed runner);
- a holder elsewhere (another host sharing the data directory, another container with its own
  PID namespace) renews its lease every ``RENEW_SECONDS``; it is taken over once it has not
  been renewed for ``LEASE_SECONDS``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from superspec.env.paths import data_dir
from superspec.errors import InputError, Location
from superspec.fileio import flocked, write_atomic
from superspec.paths import display_path

LEASE_SECONDS = 600.0  # a holder that cannot be probed is gone after this long unrenewed
RENEW_SECONDS = 60.0
_IDENTITY = ("host", "pidns", "pid", "started", "since")
_held: set[tuple[Path, int]] = set()  # the leases this process holds, by holding thread


def _pid_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None  # no /proc (macOS): pids of this host are probed with kill(pid, 0)


def _started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks after boot; field 22 of /proc/PID/stat), or
    None when there is no such process (or no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return fields[19].decode()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder() -> dict[str, object]:
    now = time.time()
    return {"host": socket.gethostname(), "pidns": _pid_namespace(), "pid": os.getpid(),
            "started": _started(os.getpid()),
            "job": os.environ.get("BUILD_URL") or os.environ.get("CI_JOB_URL"),
            "since": now, "until": now + LEASE_SECONDS}


def _stale(holder: dict[str, object]) -> bool:
    pid = holder.get("pid")
    if holder.get("host") == socket.gethostname() and isinstance(pid, int) and pid > 0 \
            and "pidns" in holder and holder["pidns"] == _pid_namespace():
        started = _started(pid) if holder.get("started") is not None else None
        if started is None:  # no start time to compare (or /proc hides the process: hidepid)
            return not _alive(pid)
        return started != holder["started"]  # the pid now belongs to a newer process
    until = holder.get("until")
    return not isinstance(until, (int, float)) or until < time.time()


def _describe(holder: dict[str, object]) -> str:
    job = f", job {holder['job']}" if holder.get("job") else ""
    since = time.strftime("%H:%M:%S", time.localtime(float(str(holder.get("since", 0)))))
    return f"{holder.get('host')} pid {holder.get('pid')}{job}, since {since}"


def _guarded(folder: Path, env: str) -> contextlib.AbstractContextManager[None]:
    """Exclusive use of ``env``'s lease file for a few reads and writes."""
    return flocked(folder / f"{env}.guard", create=True)


def _read(path: Path) -> dict[str, object] | None:
    """The lease's holder; None when there is no lease, {} when it cannot be read."""
    try:
        holder = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _mine(holder: dict[str, object] | None, mine: dict[str, object]) -> bool:
    return holder is not None and all(holder.get(key) == mine[key] for key in _IDENTITY)


def _write(path: Path, holder: dict[str, object]) -> None:
    write_atomic(path, json.dumps(holder).encode(), 0o600)


class _Renewal(threading.Thread):
    """Pushes the lease's expiry forward every ``RENEW_SECONDS`` while it is still ours."""

    def __init__(self, folder: Path, env: str, mine: dict[str, object]) -> None:
        super().__init__(name=f"lease-{env}", daemon=True)
        self.folder, self.env, self.mine = folder, env, mine
        self.done = threading.Event()

    def run(self) -> None:
        path = self.folder / f"{self.env}.lease"
        while not self.done.wait(RENEW_SECONDS):
            with contextlib.suppress(OSError), _guarded(self.folder, self.env):
                if _mine(_read(path), self.mine):
                    _write(path, {**self.mine, "until": time.time() + LEASE_SECONDS})


@contextlib.contextmanager
def environment_lock(env: str, directory: Path | None = None) -> Iterator[None]:
    """Hold the lease of ``env`` for the block; InputError when another runner holds it.

    Reading the lease and writing one's own happen under the guard's flock, so two runners
    arriving together can never both find the lease free or stale. Within the thread holding
    it the lease nests: an inner block neither takes nor returns it."""
    folder = (directory or data_dir()) / "locks"
    path = folder / f"{env}.lease"
    held = (path, threading.get_ident())
    if held in _held:  # this thread holds it already (merge deploys into the parent it holds)
        yield
        return
    mine = _holder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _guarded(folder, env):
            holder = _read(path)
            if holder is not None and not _stale(holder):
                raise InputError(f"environment '{env}' is being changed by "
                                 f"{_describe(holder)}; try again when it is done (the lease "
                                 f"expires by itself)")
            _write(path, mine)  # none, or a killed or expired holder's: take over
    except OSError as exc:  # an unwritable data directory, a file where its folder belongs...
        raise InputError(f"cannot take the lease of environment '{env}': "
                         f"{exc.strerror or exc}", location=Location(display_path(path))) \
            from None
    renewal = _Renewal(folder, env, mine)
    renewal.start()
    _held.add(held)
    try:
        yield
    finally:
        _held.discard(held)
        renewal.done.set()
        renewal.join()
        with _guarded(folder, env), contextlib.suppress(OSError):
            if _mine(_read(path), mine):
                path.unlink()
