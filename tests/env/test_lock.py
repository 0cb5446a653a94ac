"""The environment lease: one holder at a time, even when runners arrive together; a dead,
expired or unreadable lease is taken over; a holder removes only its own lease."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import time
from pathlib import Path

import pytest

from superspec.env.lock import environment_lock
from superspec.errors import InputError


def _contend(folder: str, rounds: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Take the lease ``rounds`` times; inside, claim a marker only one holder may own."""
    taken = overlaps = 0
    marker = Path(folder) / "inside"
    for _ in range(rounds):
        try:
            with environment_lock("test", Path(folder)):
                taken += 1
                try:
                    os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                except FileExistsError:
                    overlaps += 1
                    continue
                time.sleep(0.0005)
                marker.unlink()
        except InputError:
            pass
    results.put((taken, overlaps))


def test_runners_arriving_together_never_hold_it_at_once(tmp_path: Path) -> None:
    """Six processes, 300 attempts each: the lease is never held twice. (Creating the lease
    and writing its holder used to be two steps; a runner reading in between found an empty,
    'unreadable' lease, took it over, and both went on: two releases at once.)"""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_contend, args=(str(tmp_path), 300, results))
               for _ in range(6)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sum(overlaps for _, overlaps in outcomes) == 0, outcomes
    assert sum(taken for taken, _ in outcomes) > 6, outcomes
    assert not (tmp_path / "locks" / "test.lease").exists()
    assert [p.name for p in (tmp_path / "locks").iterdir()] == ["test.guard"]


def _lease(tmp_path: Path) -> Path:
    return tmp_path / "locks" / "test.lease"


def _plant(tmp_path: Path, holder: object) -> None:
    _lease(tmp_path).parent.mkdir(parents=True, exist_ok=True)
    _lease(tmp_path).write_text(holder if isinstance(holder, str) else json.dumps(holder))


def _live(**changes: object) -> dict[str, object]:
    now = time.time()
    return {"host": socket.gethostname(), "pid": os.getppid(), "job": "https://ci/job/3/",
            "since": now, "until": now + 600, **changes}


def test_a_live_holder_is_named(tmp_path: Path) -> None:
    _plant(tmp_path, _live())
    with pytest.raises(InputError, match=rf"environment 'test' is being changed by "
                       rf"{socket.gethostname()} pid {os.getppid()}, job https://ci/job/3/"):
        with environment_lock("test", tmp_path):
            pytest.fail("entered a held environment")
    assert json.loads(_lease(tmp_path).read_text())["pid"] == os.getppid()


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


@pytest.mark.parametrize("holder", [
    pytest.param(_live(until=time.time() - 1), id="expired"),
    pytest.param("", id="empty"),
    pytest.param("{not json", id="unreadable"),
    pytest.param("[1, 2]", id="not-a-mapping"),
    pytest.param(None, id="killed-holder"),
])
def test_a_dead_expired_or_unreadable_lease_is_taken_over(tmp_path: Path,
                                                          holder: object) -> None:
    _plant(tmp_path, _live(pid=_dead_pid()) if holder is None else holder)
    with environment_lock("test", tmp_path):
        assert json.loads(_lease(tmp_path).read_text())["pid"] == os.getpid()
    assert not _lease(tmp_path).exists()


def test_a_holder_leaves_a_lease_taken_over_from_it_alone(tmp_path: Path) -> None:
    with environment_lock("test", tmp_path):
        _plant(tmp_path, _live())  # expired meanwhile and taken over by another runner
    assert json.loads(_lease(tmp_path).read_text())["pid"] == os.getppid()
