"""Environments with ``engine: swarm`` on the session's private dockerd as a single-node swarm:
the app runs as a service behind the router container, its Server Spec is a config mounted in
every task, describe reads the services back (and finds hand changes), destroy sweeps services,
configs, the overlay network and the router."""

from __future__ import annotations

import base64
import json
import sqlite3
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from superspec.engine.docker import DockerEngine
from superspec.engine.swarm import SwarmEngine, running
from superspec.env.names import ENV
from superspec.env.paths import sqlite_dir
from superspec.router.container import RouterContainer
from tests.dockerd import docker as docker_cli
from tests.env.conftest import get
from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # a real dockerd in swarm mode, the router, busybox services

SPEC = """
superspec: 1
kind: company
name: ledger
build: {tool: custom, commands: {build: "true"}}
pipeline: {stages: {build: {}, deploy-test: {run: deploy, env: test}}}
app:
  image: superspec-test/swarm-app
  version: "v1"
  port: 8080
  health: /healthz
  replicas: {default: 2}
  env: {LOG_FORMAT: json}
  secrets: [LEDGER_API_TOKEN]
environments:
  test:
    class: functional-test
    engine: swarm
    database: {engine: sqlite, baselineVersion: "1", baseline: db/baseline.sql,
               migrations: db/migrations}
    release: {strategy: rolling, drainSeconds: 1}
"""
TOKEN = "s3cr3t-token-value"


@pytest.fixture
def project(ledger: Path, monkeypatch: pytest.MonkeyPatch, swarm: str,
            swarm_images: dict[str, str]) -> Iterator[Path]:
    """The ledger project on engine: swarm (the CLI pointed at the swarm), its secret set;
    whatever the test left is destroyed at the end."""
    (ledger / "superspec.yaml").write_text(textwrap.dedent(SPEC).lstrip())
    monkeypatch.setenv("DOCKER_HOST", swarm)
    monkeypatch.setenv("LEDGER_API_TOKEN", TOKEN)
    yield ledger
    from superspec.env.destroy import destroy
    from tests.docker_fixtures import connect

    engine = SwarmEngine.of(connect(swarm))
    envs = {c.labels[ENV] for c in engine.containers({}) if ENV in c.labels}
    envs |= {s.labels[ENV] for s in engine.services({}) if ENV in s.labels}
    for env in sorted(envs):
        destroy(engine, env, with_children=True)


@pytest.fixture
def swarm_engine(engine: DockerEngine, swarm: str) -> SwarmEngine:
    return SwarmEngine.of(engine)


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    run = run_cli(capsys, *argv, "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)  # type: ignore[no-any-return]


def labelled(engine: SwarmEngine, env: str) -> list[str]:
    return ([c.name for c in engine.containers({ENV: env})] + engine.networks({ENV: env})
            + engine.volumes({ENV: env}) + [s.name for s in engine.services({ENV: env})]
            + [c.name for c in engine.configs({ENV: env})])


def _port(outcome: dict) -> int:
    return int(outcome["url"].rsplit(":", 1)[1].strip("/"))


def test_create_describe_list_deploy_destroy(project: Path, swarm_engine: SwarmEngine,
                                             docker_host: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    began = time.monotonic()
    created = _json(capsys, "env", "create", "test")
    took = time.monotonic() - began
    assert created["action"] == "created", took
    assert created["replicas"] == ["ss-test-ledger.1", "ss-test-ledger.2"]
    port = _port(created)
    assert get(port) == (200, "v1")
    assert get(port, host="ledger.test") == (200, "v1")
    with sqlite3.connect(sqlite_dir("test") / "ledger.sqlite") as db:
        assert db.execute("SELECT name, balance FROM account").fetchall() == [("cash", 0)]

    # a service of two tasks on the environment's overlay network, behind the router
    service = swarm_engine.service_state("ss-test-ledger")
    assert service is not None and service.replicas == 2
    assert {k: v for k, v in service.labels.items() if k.startswith("io.superspec.")} == {
        "io.superspec.env": "test", "io.superspec.role": "app",
        "io.superspec.project": "ledger", "io.superspec.version": "v1",
        "io.superspec.spec-digest": service.labels["io.superspec.spec-digest"]}
    network = docker.DockerClient(base_url=docker_host).networks.get("ss-test").attrs
    assert (network["Driver"], network["Attachable"], network["Labels"]["io.superspec.env"]) \
        == ("overlay", True, "test")
    tasks = running(swarm_engine.tasks("ss-test-ledger"))
    assert sorted(t.slot for t in tasks) == [1, 2]
    # the router's two servers follow tasks.ss-test-ledger onto the two different tasks
    router = RouterContainer(swarm_engine, "ss-test-router")
    addresses = {s.server: s.address for s in router.runtime().servers_state()
                 if s.state != "maint"}
    assert set(addresses.values()) == {a for t in tasks for a in t.addresses}
    assert len(set(addresses.values())) == 2

    # every task holds the Server Spec, the config the service mounts
    config = service.configs["/etc/superspec/server-spec.json"]
    data = swarm_engine.config_data(config)
    assert data is not None
    for task in tasks:
        assert task.container is not None
        code, text = swarm_engine.exec_in(task.container,
                                          ["cat", "/etc/superspec/server-spec.json"])
        assert (code, text.encode()) == (0, data)
        code, status = swarm_engine.exec_in(task.container, ["cat", "/proc/1/status"])
        bounding = next(line for line in status.splitlines() if line.startswith("CapBnd:"))
        assert int(bounding.split()[1], 16) & (1 << 13) == 0, bounding  # no CAP_NET_RAW
    spec = json.loads(data)
    assert (spec["environment"], spec["engine"], spec["network"]) == ("test", "swarm", "ss-test")
    assert [r["name"] for r in spec["apps"][0]["replicas"]] == created["replicas"]

    assert _json(capsys, "env", "create", "test")["action"] == "unchanged"

    listed = _json(capsys, "env", "list")
    assert [(e["environment"], e["apps"]) for e in listed] == [("test", [
        {"project": "ledger", "version": "v1", "replicas": 2, "running": 2}])]

    deployed = _json(capsys, "deploy", "--env", "test", "--version", "v2")
    assert deployed["action"] == "deployed"
    assert [get(port)[1] for _ in range(8)] == ["v2"] * 8

    described = _json(capsys, "env", "describe", "test", "--spec", "superspec.yaml")
    assert described["drift"] == []
    header = described["serverSpec"]
    assert (header["environment"], header["engine"], header["port"]) == ("test", "swarm", port)
    (app,) = header["apps"]
    assert (app["project"], app["version"], app["image"]) == ("ledger", "v2",
                                                              "superspec-test/swarm-app:v2")
    assert [m["version"] for m in app["database"]["applied"]] == ["1", "2"]
    assert described["status"] == {"ss-test-ledger.1": "running",
                                   "ss-test-ledger.2": "running"}
    # the first version's config went with its tasks
    assert [c.name for c in swarm_engine.configs({ENV: "test"})] == [
        swarm_engine.service_state("ss-test-ledger").configs[  # type: ignore[union-attr]
            "/etc/superspec/server-spec.json"]]

    run = run_cli(capsys, "env", "destroy", "test")
    assert run.code == 0, run.err
    assert labelled(swarm_engine, "test") == []
    assert not (sqlite_dir("test") / "ledger.sqlite").exists()


def test_secrets_are_variables_of_the_service_only(project: Path, swarm_engine: SwarmEngine,
                                                   docker_host: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _json(capsys, "env", "create", "test")
    client = docker.DockerClient(base_url=docker_host)
    service = client.api.inspect_service("ss-test-ledger")
    variables = service["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"]
    assert f"LEDGER_API_TOKEN={TOKEN}" in variables
    assert any(v.startswith("DATABASE_URL=sqlite:///") for v in variables)
    config = client.configs.get(service["Spec"]["TaskTemplate"]["ContainerSpec"]["Configs"][0]
                                ["ConfigID"])
    assert TOKEN not in base64.b64decode(config.attrs["Spec"]["Data"]).decode()
    assert TOKEN not in json.dumps(service["Spec"]["Labels"])
    assert TOKEN not in json.dumps(config.attrs["Spec"]["Labels"])
    router = swarm_engine.read_file("ss-test-router", "/etc/superspec/server-spec.json") or b""
    assert TOKEN not in router.decode() and b"ledger" in router


def test_a_service_changed_by_hand_is_drift(project: Path, swarm_engine: SwarmEngine,
                                            docker_host: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _json(capsys, "env", "create", "test")
    docker_cli(docker_host, "service", "update", "--detach", "--label-add",
               "io.superspec.version=v9", "--replicas", "3", "ss-test-ledger")
    run = run_cli(capsys, "env", "describe", "test")
    assert run.code == 1
    assert "  drift: ss-test-ledger: label version v9 but its server spec says v1\n" in run.out
    assert "  drift: ss-test-ledger: 3 replica(s) wanted, its server spec says 2\n" in run.out
    assert run.err.startswith("error: environment test drifted: ")


def test_an_unhealthy_version_fails_and_leaves_nothing(project: Path,
                                                       swarm_engine: SwarmEngine,
                                                       swarm_images: dict[str, str],
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    run = run_cli(capsys, "env", "create", "test", "--image", swarm_images["v3"],
                  "--timeout", "6")
    assert run.code == 1
    assert run.err.endswith("error: replicas of ledger v3 did not pass their health check "
                            "(/healthz) within 6s\n"), run.err
    assert "ss-test-ledger.1 (" in run.err
    assert labelled(swarm_engine, "test") == []


def test_a_failed_update_is_rolled_back_by_swarm(project: Path, swarm_engine: SwarmEngine,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    port = _port(_json(capsys, "env", "create", "test"))
    run = run_cli(capsys, "deploy", "--env", "test", "--version", "v3", "--timeout", "60")
    assert run.code == 1
    assert "error: replicas of ledger v3 did not pass their health check (/healthz): swarm " \
           "rolled the update back" in run.err, run.err
    assert [get(port)[1] for _ in range(4)] == ["v1"] * 4
    described = _json(capsys, "env", "describe", "test")
    assert described["serverSpec"]["apps"][0]["version"] == "v1"
    assert described["drift"] == []


def test_each_overlay_network_takes_a_vxlan_id_no_network_uses(swarm_engine: SwarmEngine,
                                                               swarm: str) -> None:
    """The manager would hand the lowest free VXLAN id to a new network: the id of a network
    just removed, whose device the node may still hold. superspec picks an unused one itself."""
    from superspec.engine.swarm import VXLAN_FIRST, VXLAN_LAST, VXLAN_OPTION

    names = ["ss-vni-a", "ss-vni-b"]
    try:
        for name in names:
            assert swarm_engine.ensure_overlay(name, {"io.superspec.test": "vni"})
        ids = [int(json.loads(docker_cli(swarm, "network", "inspect", name, "-f",
                                         "{{json .Options}}"))[VXLAN_OPTION]) for name in names]
        assert len(set(ids)) == 2 and all(VXLAN_FIRST <= i < VXLAN_LAST for i in ids), ids
        assert not swarm_engine.ensure_overlay(names[0], {"io.superspec.test": "vni"})
    finally:
        for name in names:
            docker_cli(swarm, "network", "rm", name)
