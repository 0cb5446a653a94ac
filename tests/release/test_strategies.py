"""Releases on a real engine while wrk (keep-alive clients) sends requests through the router:
every strategy moves v1 -> v2 without a failed request; a new version that fails its health
check or a gate is rolled back by itself (exit 4); a manual pause exits 5 and resumes; two
releases at once: one proceeds, one is told who holds the environment."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from superspec.engine.docker import DockerEngine
from superspec.env.names import router_name
from superspec.router.container import RouterContainer
from tests.env.conftest import get
from tests.release.conftest import spec, superspec
from tests.router.conftest import wrk

pytestmark = pytest.mark.slow  # a real dockerd, the router, busybox replicas, wrk

CANARY = "[{weight: 10, pause: 2s}, {weight: 50, pause: 2s}, {weight: 100}]"


def _deploy_v1(root: Path, text: str) -> int:
    (root / "superspec.yaml").write_text(text)
    done = superspec("deploy", "--env", "test", "--format", "json")
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["url"].rsplit(":", 1)[1].strip("/"))


def _release_under_load(port: int, tmp: Path, *argv: str, path: str = "/version",
                        duration: int = 18) -> tuple[object, object]:
    outcome: dict[str, object] = {}

    def act() -> None:
        outcome["run"] = superspec("release", "--env", "test", *argv)

    load = wrk(port, "shop.test", act, after=1.0, duration=duration, tmp=tmp, path=path)
    return outcome["run"], load


@pytest.mark.parametrize(("strategy", "steps"), [
    ("canary", CANARY),
    ("blue-green", "[{weight: 100, pause: 2s}]"),
    ("rolling", "[]"),
])
def test_v1_to_v2_under_load_fails_no_request(shop: Path, tmp_path: Path, strategy: str,
                                              steps: str, engine: DockerEngine) -> None:
    port = _deploy_v1(shop, spec(strategy, steps))
    router = RouterContainer(engine, router_name("test"))
    worker = router.runtime().info()["Pid"]
    run, load = _release_under_load(port, tmp_path, "--version", "v2")
    assert run.returncode == 0, run.stderr  # type: ignore[attr-defined]
    assert run.stdout == "released shop v2 in test\n"  # type: ignore[attr-defined]
    # no error and no reset: the router never reloaded (the same HAProxy worker served it all)
    assert router.runtime().info()["Pid"] == worker
    assert load.non2xx == 0, load.output  # type: ignore[attr-defined]
    assert load.socket_errors == 0, load.output  # type: ignore[attr-defined]
    assert load.requests > 1000 and set(load.bodies) == {"v1", "v2"}  # type: ignore[attr-defined]
    assert [get(port)[1] for _ in range(4)] == ["v2"] * 4
    status = json.loads(superspec("release", "status", "--env", "test", "--format",
                                  "json").stdout)
    assert (status["phase"], status["weight"], status["to_version"]) == ("released", 100, "v2")


def test_a_failing_gate_rolls_back_and_stable_clients_see_no_error(shop: Path,
                                                                  tmp_path: Path) -> None:
    port = _deploy_v1(shop, spec("canary", CANARY))
    run, load = _release_under_load(port, tmp_path, "--version", "v4",
                                    path="/cgi-bin/version", duration=14)
    assert run.returncode == 4, run.stderr  # type: ignore[attr-defined]
    assert "error: release of shop to v4 rolled back: gate maxErrorRate failed: 1.0 over " \
        in run.stderr  # type: ignore[attr-defined]
    served_by_v4 = load.bodies.get("status-500", 0)  # type: ignore[attr-defined]
    assert 0 < served_by_v4 < load.requests * 0.2  # type: ignore[attr-defined]
    # every error answer came from v4; busybox's CGI answers end their connection, which wrk
    # counts as read errors, so this test judges answers only (the static-path tests judge
    # the connections)
    assert load.non2xx == served_by_v4  # type: ignore[attr-defined]
    assert [get(port, "/cgi-bin/version")[1] for _ in range(4)] == ["v1"] * 4


def test_an_unhealthy_version_is_rolled_back_before_any_traffic(shop: Path,
                                                                tmp_path: Path) -> None:
    port = _deploy_v1(shop, spec("canary", CANARY))
    run, load = _release_under_load(port, tmp_path, "--version", "v3", "--timeout", "5",
                                    duration=10)
    assert run.returncode == 4, run.stderr  # type: ignore[attr-defined]
    assert "rolled back: the new replicas did not become healthy" in run.stderr  # type: ignore[attr-defined]
    assert load.non2xx == 0 and set(load.bodies) == {"v1"}  # type: ignore[attr-defined]
    assert load.socket_errors == 0, load.output  # type: ignore[attr-defined]


def test_a_manual_pause_exits_5_then_resume_or_abort(shop: Path) -> None:
    port = _deploy_v1(shop, spec("canary", "[{weight: 50, pause: manual}, {weight: 100}]",
                                 approvers="[release-managers]"))
    paused = superspec("release", "--env", "test", "--version", "v2")
    assert paused.returncode == 5, paused.stderr
    assert "paused at 50% for approval" in paused.stderr
    assert sorted({get(port)[1] for _ in range(20)}) == ["v1", "v2"]
    again = superspec("release", "--env", "test", "--version", "v2")
    assert again.returncode == 1 and "--resume to go on or --abort" in again.stderr
    resumed = superspec("release", "--env", "test", "--version", "v2", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert {get(port)[1] for _ in range(8)} == {"v2"}

    assert superspec("release", "--env", "test", "--version", "v1").returncode == 5
    aborted = superspec("release", "--env", "test", "--version", "v1", "--abort")
    assert aborted.returncode == 0, aborted.stderr
    assert {get(port)[1] for _ in range(8)} == {"v2"}
    events = [e["event"] for e in json.loads(superspec("audit", "--env", "test", "--format",
                                                       "json").stdout)]
    assert events == ["started", "step", "paused", "resumed", "step", "promoted", "released",
                      "started", "step", "paused", "rolled-back"]


def test_two_releases_at_once_one_proceeds(shop: Path) -> None:
    _deploy_v1(shop, spec("canary", CANARY))
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(
        superspec("release", "--env", "test", "--version", "v2"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    codes = sorted(r.returncode for r in results)  # type: ignore[attr-defined]
    assert codes == [0, 1], [r.stderr for r in results]  # type: ignore[attr-defined]
    loser = next(r for r in results if r.returncode == 1)  # type: ignore[attr-defined]
    assert "environment 'test' is being changed by " in loser.stderr  # type: ignore[attr-defined]
