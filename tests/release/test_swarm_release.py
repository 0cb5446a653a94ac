"""Releases on ``engine: swarm`` (the session's dockerd as a single-node swarm) while wrk sends
keep-alive requests through the router: swarm's rolling update (start-first, one task at a
time) moves v1 -> v2 without a failed request; a v3 failing its health check is rolled back by
swarm itself, which superspec tells from a completed update by UpdateStatus (exit 4)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.env.conftest import get
from tests.release.conftest import SUPERSPEC, superspec
from tests.router.conftest import wrk

pytestmark = pytest.mark.slow  # a real dockerd in swarm mode, the router, wrk

SPEC = """
superspec: 1
kind: company
name: shop
build: {tool: custom, commands: {build: "true"}}
pipeline: {stages: {build: {}}}
app: {image: superspec-test/swarm-app, version: v1, port: 8080, health: /healthz,
      replicas: {default: 2}}
environments:
  test:
    class: functional-test
    engine: swarm
    release:
      strategy: rolling
      rolling: {batch: 1, maxUnavailable: 0}
      health: {interval: 1s, timeout: 2s, healthyAfter: 2}
      drainSeconds: 1
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swarm: str,
         swarm_images: dict[str, str]) -> Iterator[Path]:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "superspec.yaml").write_text(textwrap.dedent(SPEC).lstrip())
    monkeypatch.setenv("DOCKER_HOST", swarm)
    monkeypatch.setenv("SUPERSPEC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(root)
    yield root
    subprocess.run([str(SUPERSPEC), "env", "destroy", "test"],
                   capture_output=True, env=os.environ.copy(), timeout=120)


def _deploy_v1() -> int:
    done = superspec("deploy", "--env", "test", "--format", "json")
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["url"].rsplit(":", 1)[1].strip("/"))


def _update_config(host: str) -> dict:
    service = docker.DockerClient(base_url=host).api.inspect_service("ss-test-shop")
    return service["Spec"]["UpdateConfig"]  # type: ignore[no-any-return]


def test_v1_to_v2_under_load_fails_no_request(shop: Path, tmp_path: Path, swarm: str) -> None:
    port = _deploy_v1()
    assert _update_config(swarm) == {
        "Parallelism": 1, "FailureAction": "rollback", "Monitor": 3_000_000_000,
        "MaxFailureRatio": 0, "Order": "start-first"}
    outcome: dict[str, subprocess.CompletedProcess[str]] = {}

    def act() -> None:
        outcome["run"] = superspec("release", "--env", "test", "--version", "v2")

    load = wrk(port, "shop.test", act, after=1.0, duration=20, tmp=tmp_path)
    run = outcome["run"]
    assert run.returncode == 0, run.stderr
    assert run.stdout == "released shop v2 in test\n"
    assert "rolling: 2/2 task(s) on v2" in run.stderr
    assert load.failed == 0, load.output
    assert load.requests > 1000 and set(load.bodies) == {"v1", "v2"}, load.output
    assert [get(port)[1] for _ in range(4)] == ["v2"] * 4
    status = json.loads(superspec("release", "status", "--env", "test", "--format",
                                  "json").stdout)
    assert (status["phase"], status["to_version"]) == ("released", "v2")
    described = json.loads(superspec("env", "describe", "test", "--format", "json").stdout)
    assert described["drift"] == []
    assert described["serverSpec"]["apps"][0]["version"] == "v2"


def test_an_unhealthy_version_is_rolled_back_by_swarm(shop: Path, tmp_path: Path) -> None:
    port = _deploy_v1()
    outcome: dict[str, subprocess.CompletedProcess[str]] = {}

    def act() -> None:
        outcome["run"] = superspec("release", "--env", "test", "--version", "v3")

    load = wrk(port, "shop.test", act, after=1.0, duration=25, tmp=tmp_path)
    run = outcome["run"]
    assert run.returncode == 4, run.stderr
    assert "error: release of shop to v3 rolled back: swarm rolled the update back " \
           "(rollback_completed: " in run.stderr
    assert load.failed == 0, load.output
    assert set(load.bodies) == {"v1"}, load.output
    assert [get(port)[1] for _ in range(4)] == ["v1"] * 4
    status = json.loads(superspec("release", "status", "--env", "test", "--format",
                                  "json").stdout)
    assert status["phase"] == "rolled-back"


def test_other_strategies_are_refused_on_swarm(shop: Path) -> None:
    _deploy_v1()
    text = (shop / "superspec.yaml").read_text().replace("strategy: rolling",
                                                         "strategy: blue-green")
    (shop / "superspec.yaml").write_text(text)
    run = superspec("release", "--env", "test", "--version", "v2")
    assert (run.returncode, run.stderr) == (1, "error: environment 'test' runs on engine: "
                                               "swarm, where a release is swarm's rolling "
                                               "update: strategy blue-green is not available (use "
                                               "strategy: rolling)\n")
