"""Releases on ``engine: swarm`` (the session's dockerd as a single-node swarm) while wrk sends
keep-alive requests through the router.

Rolling is swarm's own update (start-first, one task at a time): v1 -> v2 without a failed
request; a v3 failing its health check is rolled back by swarm itself, which superspec tells
from a completed update by UpdateStatus (exit 4).

Blue-green and canary run the new version as a second service behind the same router: v1 -> v2
without a failed request and without a router reload; a v3 failing its health check is removed
before any traffic (exit 4); a manual pause exits 5 and `--resume` goes on; the runner killed
with -9 while stepping converges when run again.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from superspec.engine.docker import DockerEngine
from superspec.engine.swarm import SwarmEngine
from superspec.env.names import ENV, router_name
from superspec.router.container import RouterContainer
from tests.env.conftest import get
from tests.release.conftest import SUPERSPEC, kill_release_when, release_record, superspec
from tests.router.conftest import WrkResult, wrk

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


def test_recreate_is_refused_on_swarm(shop: Path) -> None:
    _deploy_v1()
    _use(shop, "recreate", "[]")
    run = superspec("release", "--env", "test", "--version", "v2")
    assert (run.returncode, run.stderr) == (1, "error: environment 'test' runs on engine: "
                                               "swarm: strategy recreate is not available "
                                               "there (use blue-green, canary or rolling)\n")


# --- blue-green and canary: two services behind the router ------------------------------------

CANARY = "[{weight: 10, pause: 2s}, {weight: 50, pause: 2s}, {weight: 100}]"


def _use(root: Path, strategy: str, steps: str, drain: int = 1) -> None:
    """The spec with ``strategy`` and ``steps`` (and approvers, for a manual pause)."""
    text = (root / "superspec.yaml").read_text()
    text = text.replace("strategy: rolling", f"strategy: {strategy}\n      steps: {steps}\n"
                        "      gates: {maxErrorRate: 0.05, minRequests: 20}")
    text = text.replace("drainSeconds: 1", f"drainSeconds: {drain}")
    text = text.replace("    class: functional-test\n", "    class: functional-test\n"
                        "    approval: {required: true, groups: [release-managers]}\n")
    (root / "superspec.yaml").write_text(text)


def _services(swarm: str) -> list[str]:
    engine = SwarmEngine.of(DockerEngine(docker.DockerClient(base_url=swarm)))
    return [s.name for s in engine.services({ENV: "test"})]


def _worker(swarm: str) -> str:
    engine = DockerEngine(docker.DockerClient(base_url=swarm))
    return RouterContainer(engine, router_name("test")).runtime().info()["Pid"]


def _release_under_load(port: int, tmp: Path, *argv: str, duration: int = 25
                        ) -> tuple[subprocess.CompletedProcess[str], WrkResult]:
    outcome: dict[str, subprocess.CompletedProcess[str]] = {}

    def act() -> None:
        outcome["run"] = superspec("release", "--env", "test", *argv)

    load = wrk(port, "shop.test", act, after=1.0, duration=duration, tmp=tmp)
    return outcome["run"], load


@pytest.mark.parametrize(("strategy", "steps"), [
    ("canary", CANARY),
    ("blue-green", "[{weight: 100, pause: 2s}]"),
])
def test_two_services_v1_to_v2_under_load_fail_no_request(
        shop: Path, tmp_path: Path, swarm: str, strategy: str, steps: str) -> None:
    _use(shop, strategy, steps)
    port = _deploy_v1()
    worker = _worker(swarm)
    run, load = _release_under_load(port, tmp_path, "--version", "v2")
    assert run.returncode == 0, run.stderr
    assert run.stdout == "released shop v2 in test\n"
    assert "100% of the traffic on v2" in run.stderr
    assert load.failed == 0, load.output  # no non-2xx answer, no socket error
    assert load.requests > 1000 and set(load.bodies) == {"v1", "v2"}, load.output
    assert _worker(swarm) == worker  # the router never reloaded
    assert [get(port)[1] for _ in range(4)] == ["v2"] * 4
    # the old service went after the drain: only the new one runs
    assert _services(swarm) == ["ss-test-shop-next"]
    status = json.loads(superspec("release", "status", "--env", "test", "--format",
                                  "json").stdout)
    assert (status["phase"], status["weight"], status["to_version"]) == ("released", 100, "v2")
    assert status["fresh"] == ["ss-test-shop-1-next", "ss-test-shop-2-next"]
    described = json.loads(superspec("env", "describe", "test", "--format", "json").stdout)
    assert described["drift"] == []
    assert described["serverSpec"]["apps"][0]["version"] == "v2"

    # the next release alternates back to the plain name, again under load
    run, load = _release_under_load(port, tmp_path, "--version", "v1")
    assert run.returncode == 0, run.stderr
    assert load.failed == 0, load.output
    assert _worker(swarm) == worker
    assert [get(port)[1] for _ in range(4)] == ["v1"] * 4
    assert _services(swarm) == ["ss-test-shop"]


def test_an_unhealthy_second_service_is_removed_before_any_traffic(
        shop: Path, tmp_path: Path, swarm: str) -> None:
    _use(shop, "canary", CANARY)
    port = _deploy_v1()
    run, load = _release_under_load(port, tmp_path, "--version", "v3", "--timeout", "8",
                                    duration=18)
    assert run.returncode == 4, run.stderr
    assert "error: release of shop to v3 rolled back: the new replicas did not become " \
           "healthy: the tasks of ss-test-shop-next did not pass their health check " \
           "(/healthz) within 8s" in run.stderr, run.stderr
    assert load.failed == 0, load.output  # the stable version's clients saw nothing
    assert set(load.bodies) == {"v1"}, load.output
    assert _services(swarm) == ["ss-test-shop"]
    assert [get(port)[1] for _ in range(4)] == ["v1"] * 4
    status = json.loads(superspec("release", "status", "--env", "test", "--format",
                                  "json").stdout)
    assert (status["phase"], status["weight"]) == ("rolled-back", 0)


def test_a_manual_pause_exits_5_then_resume(shop: Path, swarm: str) -> None:
    _use(shop, "canary", "[{weight: 50, pause: manual}, {weight: 100}]")
    port = _deploy_v1()
    paused = superspec("release", "--env", "test", "--version", "v2")
    assert paused.returncode == 5, paused.stderr
    assert "paused at 50% for approval" in paused.stderr
    assert sorted({get(port)[1] for _ in range(20)}) == ["v1", "v2"]
    assert _services(swarm) == ["ss-test-shop", "ss-test-shop-next"]
    again = superspec("release", "--env", "test", "--version", "v2")
    assert again.returncode == 1 and "--resume to go on or --abort" in again.stderr
    resumed = superspec("release", "--env", "test", "--version", "v2", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert {get(port)[1] for _ in range(8)} == {"v2"}
    assert _services(swarm) == ["ss-test-shop-next"]

    assert superspec("release", "--env", "test", "--version", "v1").returncode == 5
    aborted = superspec("release", "--env", "test", "--version", "v1", "--abort")
    assert aborted.returncode == 0, aborted.stderr
    assert {get(port)[1] for _ in range(8)} == {"v2"}
    assert _services(swarm) == ["ss-test-shop-next"]
    events = [e["event"] for e in json.loads(superspec("audit", "--env", "test", "--format",
                                                       "json").stdout)]
    assert events == ["started", "step", "paused", "resumed", "step", "promoted", "released",
                      "started", "step", "paused", "rolled-back"]


@pytest.mark.parametrize(("phase", "weight"), [
    ("starting", None),  # the new service being created, no traffic moved yet
    ("stepping", 50),  # 50% on v2, in the step's pause
    ("promoted", 100),  # every step done, the v1 service draining
])
def test_killed_at_a_phase_the_rerun_converges(shop: Path, tmp_path: Path, swarm: str,
                                               phase: str, weight: int | None) -> None:
    _use(shop, "canary", "[{weight: 10, pause: 3s}, {weight: 50, pause: 3s}, {weight: 100}]",
         drain=4)
    port = _deploy_v1()
    outcome: dict[str, subprocess.CompletedProcess[str]] = {}

    def crash_then_rerun() -> None:
        kill_release_when(phase, weight)
        outcome["rerun"] = superspec("release", "--env", "test", "--version", "v2")

    load = wrk(port, "shop.test", crash_then_rerun, after=1.0, duration=40, tmp=tmp_path)
    rerun = outcome["rerun"]
    assert rerun.returncode == 0, rerun.stderr
    if phase != "starting":
        assert f"continuing the release of shop to v2 ({phase}, {weight}%)" in rerun.stderr
    assert load.failed == 0, load.output
    assert set(load.bodies) == {"v1", "v2"}, load.output
    assert {get(port)[1] for _ in range(8)} == {"v2"}
    record = release_record()
    assert record is not None and (record["phase"], record["weight"]) == ("released", 100)
    assert _services(swarm) == ["ss-test-shop-next"]
