"""How `env create` makes a new environment: the router created with its final config after
the replicas start (HAProxy loads once, no reload), its front-door port chosen beforehand so
the replicas' Server Spec names it, and the release's health settings in the router's
checks."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from superspec.engine.docker import DockerEngine
from superspec.env import apply
from superspec.env.apply import read_spec
from superspec.router.config import CONFIG_PATH
from superspec.router.container import RouterContainer
from tests.env.conftest import get
from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # a real dockerd, the router, busybox replicas

ROUTER = "ss-test-router"
REPLICAS = ["ss-test-ledger-1", "ss-test-ledger-2"]


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    run = run_cli(capsys, *argv, "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)  # type: ignore[no-any-return]


def _port(outcome: dict) -> int:
    return int(outcome["url"].rsplit(":", 1)[1].strip("/"))


def _loads(engine: DockerEngine) -> int:
    """How many times HAProxy loaded a config (its master forks a worker each time)."""
    return sum(" New worker " in line
               for line in engine.container_logs(ROUTER, tail=500).splitlines())


def _backend(engine: DockerEngine) -> str:
    config = (engine.read_file(ROUTER, CONFIG_PATH) or b"").decode()
    return config[config.index("\nbackend ledger\n"):]


def test_a_new_environment_s_router_loads_once_and_its_port_is_in_every_server_spec(
        project: Path, engine: DockerEngine, capsys: pytest.CaptureFixture[str]) -> None:
    created = _json(capsys, "env", "create", "test")
    port = _port(created)
    assert get(port) == (200, "v1")

    assert _loads(engine) == 1  # started with the backend: no reload
    for name in [ROUTER, *REPLICAS]:
        spec = read_spec(engine, name)
        assert spec is not None and spec.port == port, name
    # the release's health defaults (1s, 5s, 3) in the router's checks
    backend = _backend(engine)
    assert "    timeout check 5s\n" in backend
    assert "    default-server inter 1s fastinter 200ms downinter 200ms fall 2 rise 3 " in backend
    # every slot and its alternate listed from the start; the unused ones in maintenance
    model = RouterContainer(engine, ROUTER).router().backend("ledger")
    assert {s.name: s.state for s in model.servers} == {
        "ss-test-ledger-1": "ready", "ss-test-ledger-2": "ready",
        "ss-test-ledger-1-next": "maint", "ss-test-ledger-2-next": "maint"}

    assert _json(capsys, "env", "create", "test")["action"] == "unchanged"
    assert _loads(engine) == 1


def test_the_release_health_settings_are_the_router_s_checks(
        project: Path, engine: DockerEngine, capsys: pytest.CaptureFixture[str]) -> None:
    spec = project / "superspec.yaml"
    text = spec.read_text()
    spec.write_text(text + "    release: {health: {interval: 2s, timeout: 1500ms, "
                           "healthyAfter: 2}}\n")
    port = _port(_json(capsys, "env", "create", "test"))
    backend = _backend(engine)
    assert "    timeout check 1500ms\n" in backend
    assert "    default-server inter 2s fastinter 200ms downinter 200ms fall 2 rise 2 " in backend
    model = RouterContainer(engine, ROUTER).router().backend("ledger")
    assert (model.check_interval_ms, model.check_timeout_ms, model.rise) == (2000, 1500, 2)
    assert _loads(engine) == 1

    # a new version with the same settings moves no check: no reload
    assert _json(capsys, "deploy", "--env", "test", "--version", "v2")["action"] == "deployed"
    assert _loads(engine) == 1
    # changed settings are a new config: one reload
    spec.write_text(text + "    release: {health: {interval: 2s, timeout: 1500ms, "
                           "healthyAfter: 4}}\n")
    assert _json(capsys, "deploy", "--env", "test", "--version", "v3")["action"] == "deployed"
    assert _loads(engine) == 2
    assert " rise 4 " in _backend(engine)
    assert [get(port)[1] for _ in range(4)] == ["v3"] * 4


def test_a_front_door_port_taken_meanwhile_is_replaced_and_the_spec_says_so(
        project: Path, engine: DockerEngine, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setattr(apply, "free_port", lambda: busy)  # chosen, then taken

        created = _json(capsys, "env", "create", "test")

    port = _port(created)
    assert port != busy
    assert get(port) == (200, "v1")
    for name in [ROUTER, *REPLICAS]:
        spec = read_spec(engine, name)
        assert spec is not None and spec.port == port, name
    described = run_cli(capsys, "env", "describe", "test", "--spec", "superspec.yaml")
    assert described.code == 0, described.out


def test_an_application_cannot_reach_the_router_s_runtime_api(
        project: Path, engine: DockerEngine, capsys: pytest.CaptureFixture[str]) -> None:
    """A replica (a project's own code) on the environment's network reaches the router's
    frontend, but the runtime API — which could drain or re-weight any server of a shared
    environment — answers the host only."""
    port = _port(_json(capsys, "env", "create", "test"))
    router = RouterContainer(engine, ROUTER)
    assert router.runtime().info()["Pid"]  # the host's client is served

    def from_replica(script: str) -> str:
        code, output = engine.exec_in(REPLICAS[0], ["/bin/busybox", "sh", "-c", script])
        return output

    # the same network path works for the frontend...
    assert from_replica(f"/bin/busybox wget -qO- http://{ROUTER}:8080/version") == "v1\n"
    # ...but the runtime API closes the connection without a word, whatever is sent
    for command in ("show info", f"set server ledger/{REPLICAS[0]} state maint"):
        answer = from_replica(
            f"echo '{command}' | /bin/busybox nc -w 3 {ROUTER} 9999 2>/dev/null; true")
        assert "Pid" not in answer and answer.strip() == "", answer
    assert {s.server: s.state for s in router.runtime().servers_state()
            if s.backend == "ledger" and s.server in REPLICAS} == dict.fromkeys(REPLICAS, "ready")
    assert get(port) == (200, "v1")
    # ...and it cannot forge the gateway's address either: no container superspec starts
    # holds NET_RAW (ARP or IP packets of its own making), which Docker grants by default
    code, status = engine.exec_in(REPLICAS[0], ["/bin/busybox", "cat", "/proc/1/status"])
    assert code == 0, status
    bounding = next(line for line in status.splitlines() if line.startswith("CapBnd:"))
    assert int(bounding.split()[1], 16) & (1 << 13) == 0, bounding  # bit 13: CAP_NET_RAW
