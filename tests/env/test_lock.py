"""The environment lease: one holder at a time, even when runners arrive together; a dead,
expired or unreadable lease is taken over; a holder removes only its own lease."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from superspec.env import lock
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


@pytest.fixture
def other() -> Iterator[int]:
    """A live process of this host and PID namespace: another runner."""
    proc = subprocess.Popen(["sleep", "60"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait(timeout=30)


def _holder(pid: int, **changes: object) -> dict[str, object]:
    now = time.time()
    return {"host": socket.gethostname(), "pidns": lock._pid_namespace(), "pid": pid,
            "started": lock._started(pid), "job": "https://ci/job/3/", "since": now,
            "until": now + 600, **changes}


def _refused(tmp_path: Path, pid: object) -> None:
    with pytest.raises(InputError, match=rf"environment 'test' is being changed by "
                       rf"\S+ pid {pid}, job https://ci/job/3/, since "):
        with environment_lock("test", tmp_path):
            pytest.fail("entered a held environment")
    assert json.loads(_lease(tmp_path).read_text())["pid"] == pid


def test_a_live_holder_keeps_it_however_long_it_works(tmp_path: Path, other: int) -> None:
    """A canary paused for an hour: the holder's lease time is long past, its process lives."""
    _plant(tmp_path, _holder(other, since=time.time() - 7200, until=time.time() - 3600))
    _refused(tmp_path, other)


@pytest.mark.parametrize("where", [
    pytest.param({"host": "ci-agent-7"}, id="another-host"),
    pytest.param({"pidns": "pid:[1]"}, id="another-pid-namespace"),
    pytest.param({"pidns": None, "started": None}, id="written-without-namespace"),
])
def test_a_holder_it_cannot_probe_keeps_it_until_unrenewed(tmp_path: Path, where: dict[str, object],
                                                           other: int) -> None:
    """Elsewhere, the pid says nothing (it may even be free here): the renewal time decides."""
    dead = _dead_pid()
    _plant(tmp_path, _holder(dead, **where))
    _refused(tmp_path, dead)
    _plant(tmp_path, _holder(other, **where, until=time.time() - 1))
    with environment_lock("test", tmp_path):
        assert json.loads(_lease(tmp_path).read_text())["pid"] == os.getpid()


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


@pytest.mark.parametrize("holder", [
    pytest.param(lambda live: _holder(_dead_pid()), id="killed-holder"),
    pytest.param(lambda live: _holder(live, started="1"), id="pid-reused"),
    pytest.param(lambda live: "", id="empty"),
    pytest.param(lambda live: "{not json", id="unreadable"),
    pytest.param(lambda live: "[1, 2]", id="not-a-mapping"),
])
def test_a_dead_or_unreadable_lease_is_taken_over(tmp_path: Path, other: int,
                                                  holder: Callable[[int], object]) -> None:
    _plant(tmp_path, holder(other))
    with environment_lock("test", tmp_path):
        assert json.loads(_lease(tmp_path).read_text())["pid"] == os.getpid()
    assert not _lease(tmp_path).exists()


def test_the_holder_renews_its_lease(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lock, "RENEW_SECONDS", 0.05)
    with environment_lock("test", tmp_path):
        first = json.loads(_lease(tmp_path).read_text())
        deadline = time.monotonic() + 30
        while json.loads(_lease(tmp_path).read_text())["until"] == first["until"]:
            assert time.monotonic() < deadline, "the lease was never renewed"
            time.sleep(0.02)
        renewed = json.loads(_lease(tmp_path).read_text())
        assert renewed["until"] > first["until"]
        assert {k: v for k, v in renewed.items() if k != "until"} == \
            {k: v for k, v in first.items() if k != "until"}
    assert not _lease(tmp_path).exists()


def test_a_holder_leaves_a_lease_taken_over_from_it_alone(tmp_path: Path, other: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lock, "RENEW_SECONDS", 0.01)
    with environment_lock("test", tmp_path):
        planted = _holder(other)  # expired meanwhile and taken over by another runner
        _plant(tmp_path, planted)
        time.sleep(0.1)  # renewals meanwhile leave the other runner's lease alone
        assert json.loads(_lease(tmp_path).read_text()) == planted
    assert json.loads(_lease(tmp_path).read_text())["pid"] == other


def test_a_held_lease_nests_within_its_process(tmp_path: Path) -> None:
    """merge holds the parent while it deploys into it (deploy takes the parent's lease)."""
    with environment_lock("test", tmp_path):
        held = _lease(tmp_path).read_text()
        with environment_lock("test", tmp_path):
            assert _lease(tmp_path).read_text() == held
        assert _lease(tmp_path).read_text() == held  # the inner block did not return it
    assert not _lease(tmp_path).exists()


@pytest.mark.parametrize("held", ["test", "test-fix"])
def test_merge_compares_nothing_while_either_side_is_being_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: int, held: str) -> None:
    """The three-way comparison and the deploys see both sides hold still: with either side's
    lease held by another runner, merge stops before it reads anything (no engine is used)."""
    from superspec.env.merge import merge

    monkeypatch.setenv("SUPERSPEC_DATA_DIR", str(tmp_path))
    (tmp_path / "locks").mkdir()
    (tmp_path / "locks" / f"{held}.lease").write_text(json.dumps(_holder(other)))
    with pytest.raises(InputError, match=f"environment '{held}' is being changed by "):
        merge(None, "test-fix", "test", {})  # type: ignore[arg-type]
    assert not (tmp_path / "locks" / ("test-fix.lease" if held == "test" else "test.lease")) \
        .exists()


def test_another_thread_of_the_holding_process_is_refused(tmp_path: Path) -> None:
    outcome: list[str] = []

    def second() -> None:
        try:
            with environment_lock("test", tmp_path):
                outcome.append("entered")
        except InputError as exc:
            outcome.append(str(exc))

    with environment_lock("test", tmp_path):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=30)
    assert len(outcome) == 1 and outcome[0].startswith(
        f"environment 'test' is being changed by {socket.gethostname()} pid {os.getpid()}")


def test_a_holder_hidden_from_proc_is_probed_by_signal(tmp_path: Path, other: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc mounted with hidepid shows no other user's process: its holder is not called gone."""
    _plant(tmp_path, _holder(other))
    monkeypatch.setattr(lock, "_started", lambda pid: None)
    _refused(tmp_path, other)


def test_a_data_directory_it_cannot_write_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "locks").write_text("a file where the folder of leases belongs\n")
    with pytest.raises(InputError, match="cannot take the lease of environment 'test': ") as err:
        with environment_lock("test", tmp_path):
            pytest.fail("entered without a lease")
    assert err.value.location is not None
    assert err.value.location.file.endswith("locks/test.lease")
