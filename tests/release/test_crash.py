"""kill -9 of the release runner at each phase, while wrk's keep-alive clients send requests
through the router: the same command again finds the release record and converges (a release
killed before traffic moved is rolled back and started afresh; one killed while stepping or
draining goes on from where traffic stands), no client request fails meanwhile, and no
container is left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from superspec.engine.docker import DockerEngine
from superspec.env.names import ENV, PROJECT, ROLE
from tests.env.conftest import get
from tests.release.conftest import kill_release_when, release_record, spec, superspec
from tests.router.conftest import wrk

pytestmark = pytest.mark.slow  # a real dockerd, the router, busybox replicas, wrk

STEPS = "[{weight: 10, pause: 3s}, {weight: 50, pause: 3s}, {weight: 100}]"


@pytest.mark.parametrize(("phase", "weight"), [
    ("starting", None),  # the new replicas being started, no traffic moved yet
    ("stepping", 10),  # 10% on v2, in the step's pause
    ("stepping", 50),
    ("promoted", 100),  # every step done, v1 draining
])
def test_killed_at_any_phase_the_rerun_converges_with_no_failed_request(
        shop: Path, tmp_path: Path, engine: DockerEngine, phase: str,
        weight: int | None) -> None:
    (shop / "superspec.yaml").write_text(
        spec("canary", STEPS).replace("drainSeconds: 1", "drainSeconds: 4"))
    deployed = superspec("deploy", "--env", "test", "--format", "json")
    assert deployed.returncode == 0, deployed.stderr
    port = int(json.loads(deployed.stdout)["url"].rsplit(":", 1)[1].strip("/"))
    outcome: dict[str, object] = {}

    def crash_then_rerun() -> None:
        outcome["died_at"] = kill_release_when(phase, weight)
        outcome["rerun"] = superspec("release", "--env", "test", "--version", "v2")

    load = wrk(port, "shop.test", crash_then_rerun, after=1.0, duration=40, tmp=tmp_path)

    rerun = outcome["rerun"]
    assert rerun.returncode == 0, rerun.stderr  # type: ignore[attr-defined]
    if phase != "starting":
        assert "continuing the release of shop to v2" in rerun.stderr  # type: ignore[attr-defined]
    assert load.non2xx == 0 and load.socket_errors == 0, load.output
    assert set(load.bodies) == {"v1", "v2"}, load.bodies
    assert {get(port)[1] for _ in range(8)} == {"v2"}
    record = release_record()
    assert record is not None and (record["phase"], record["weight"]) == ("released", 100)
    # nothing leaked: two replicas of v2 and the router, nothing else labelled for the env
    apps = engine.containers({ENV: "test", PROJECT: "shop", ROLE: "app"})
    assert sorted(c.labels["io.superspec.version"] for c in apps) == ["v2", "v2"]
    assert sorted(c.name for c in engine.containers({ENV: "test"})) == sorted(
        [c.name for c in apps] + ["ss-test-router"])
