"""kill -9 at any point of create or deploy, then the same command again: it converges and
nothing is leaked. A second runner meanwhile gets a clear error naming the lease's holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from superspec.engine.docker import DockerEngine
from tests.env.conftest import get, labelled
from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # a real dockerd, the router, busybox replicas

SUPERSPEC = Path(sys.executable).parent / "superspec"


def _killed_at(marker: str, *argv: str) -> None:
    """Run `superspec ARGV` and kill -9 it when its progress shows ``marker``."""
    proc = subprocess.Popen([str(SUPERSPEC), *argv], stderr=subprocess.PIPE, text=True,
                            env=os.environ.copy())
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        seen.append(line)
        if marker in line:
            proc.send_signal(signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "".join(seen)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"never reached {marker!r}: {''.join(seen)}"


def _expected(engine: DockerEngine) -> list[str]:
    return sorted(labelled(engine, "test"))


@pytest.mark.parametrize("marker", ["environment test: network", "database ",
                                    "started 2 replica(s)"])
def test_create_killed_then_run_again_converges(project: Path, engine: DockerEngine,
                                                capsys: pytest.CaptureFixture[str],
                                                marker: str) -> None:
    _killed_at(marker, "env", "create", "test")
    run = run_cli(capsys, "env", "create", "test")
    assert run.code == 0, run.err
    port = int(run.out.rsplit("127.0.0.1:", 1)[1].split("/")[0])
    assert get(port) == (200, "v1")
    assert _expected(engine) == ["ss-test", "ss-test-ledger-1", "ss-test-ledger-2",
                                 "ss-test-router"]
    described = run_cli(capsys, "env", "describe", "test", "--spec", "superspec.yaml")
    assert described.code == 0, described.out


def test_deploy_killed_then_run_again_converges(project: Path, engine: DockerEngine,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "env", "create", "test").code == 0
    _killed_at("started 2 replica(s)", "deploy", "--env", "test", "--version", "v2")
    run = run_cli(capsys, "deploy", "--env", "test", "--version", "v2")
    assert run.code == 0, run.err
    port = int(run.out.rsplit("127.0.0.1:", 1)[1].split("/")[0])
    assert [get(port)[1] for _ in range(4)] == ["v2"] * 4
    assert _expected(engine) == ["ss-test", "ss-test-ledger-1", "ss-test-ledger-2",
                                 "ss-test-router"]


def test_a_second_runner_gets_a_clear_error(project: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    holder = tmp_path / "hold.py"
    holder.write_text(textwrap.dedent("""
        import sys, time
        from superspec.env.lock import environment_lock
        with environment_lock("test"):
            print("holding", flush=True)
            time.sleep(60)
    """))
    proc = subprocess.Popen([sys.executable, str(holder)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "BUILD_URL": "https://ci.example/job/7/"})
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "holding\n"
        run = run_cli(capsys, "env", "create", "test")
        assert run.code == 1
        assert run.err.startswith(f"error: environment 'test' is being changed by "
                                  f"{os.uname().nodename} pid {proc.pid}, job "
                                  "https://ci.example/job/7/, since ")
        assert run.err.endswith("; try again when it is done (the lease expires by itself)\n")
    finally:
        proc.kill()
        proc.wait(timeout=30)
    run = run_cli(capsys, "env", "create", "test")  # the killed holder's lease is taken over
    assert run.code == 0, run.err
