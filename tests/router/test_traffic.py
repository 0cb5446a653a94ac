"""The router in a real dockerd: HAProxy in front of busybox httpd replicas, traffic through the
port published on 127.0.0.1, weights and states changed through the runtime API."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from superspec.errors import InputError
from superspec.router.config import CONFIG_PATH, Backend, Router, Server, Upstream, render
from superspec.router.container import RouterContainer
from superspec.router.wait import wait_for
from tests.router.conftest import Env, docker_cli, get, versions, wrk

pytestmark = pytest.mark.slow  # starts a real dockerd


def one_backend(env: Env, weights: dict[str, int], host: str = "app.test") -> Router:
    """Router of environment "test": backend "app" (Host ``host``) over replicas named by
    ``weights`` (replica name -> weight)."""
    servers = tuple(Server(name, 8080, weight=weight) for name, weight in weights.items())
    return Router(env="test", backends=(Backend("app", hosts=(host,), servers=servers),))


def worker_pid(router: RouterContainer) -> str:
    return router.runtime().info()["Pid"]


def test_a_weight_switch_moves_traffic_from_v1_to_v2_without_a_reload(env: Env) -> None:
    v1, v2 = env.replica(env.name("v1"), "v1"), env.replica(env.name("v2"), "v2")
    router = env.router(one_backend(env, {v1: 100, v2: 0}), env.name("router"))
    router.wait_healthy()
    _, port = router.address()
    assert versions(port, "app.test", 10) == ["v1"] * 10
    pid = worker_pid(router)

    applied = router.apply(router.router().with_server("app", v1, weight=0)
                           .with_server("app", v2, weight=100))

    assert applied.reloaded is False
    assert sorted(applied.changes) == [f"app/{v1} weight 0", f"app/{v2} weight 100"]
    assert versions(port, "app.test", 10) == ["v2"] * 10
    assert worker_pid(router) == pid  # the same HAProxy worker: no reload happened


def test_a_weight_switch_under_keep_alive_load_fails_no_request(env: Env, tmp_path: Path) -> None:
    v1, v2 = env.replica(env.name("v1"), "v1"), env.replica(env.name("v2"), "v2")
    router = env.router(one_backend(env, {v1: 100, v2: 0}), env.name("router"))
    router.wait_healthy()
    _, port = router.address()
    pid = worker_pid(router)

    result = wrk(port, "app.test", lambda: router.set_weights({("app", v1): 0, ("app", v2): 100}),
                 tmp=tmp_path)

    print(f"\nweight switch under wrk -t2 -c20 -d5s: {result.requests} requests, "
          f"{result.non2xx} non-2xx, {result.socket_errors} socket errors, {result.bodies}, "
          f"latency {result.latency}")
    assert result.failed == 0, result.output
    assert set(result.bodies) == {"v1", "v2"} and min(result.bodies.values()) > 100, result.bodies
    assert worker_pid(router) == pid


def test_drain_then_maint_takes_a_replica_out_with_no_error(env: Env, tmp_path: Path) -> None:
    v1, v2 = env.replica(env.name("v1"), "v1"), env.replica(env.name("v2"), "v2")
    router = env.router(one_backend(env, {v1: 100, v2: 100}), env.name("router"))
    router.wait_healthy()
    _, port = router.address()

    def take_v1_out() -> None:
        router.set_state("app", v1, "drain")
        time.sleep(1)
        router.set_state("app", v1, "maint")

    result = wrk(port, "app.test", take_v1_out, after=1.0, tmp=tmp_path)

    print(f"\ndrain then maint under wrk: {result.requests} requests, {result.non2xx} non-2xx, "
          f"{result.socket_errors} socket errors, {result.bodies}, latency {result.latency}")
    assert result.failed == 0, result.output
    assert {s.server: s.status for s in router.stats()}[v1] == "MAINT"
    assert versions(port, "app.test", 10) == ["v2"] * 10
    assert router.router().backend("app").server(v1).state == "maint"


def test_a_replica_failing_its_health_check_never_gets_traffic(env: Env) -> None:
    good = env.replica(env.name("good"), "good")
    bad = env.replica(env.name("bad"), "bad", healthy=False)  # no /healthz: 404
    router = env.router(one_backend(env, {good: 100, bad: 100}), env.name("router"))
    _, port = router.address()

    seen: dict[str, int] = {}
    deadline = time.monotonic() + 6  # from the router's first second until well after rise
    while time.monotonic() < deadline:
        status, body = get(port, "app.test")
        key = body if status == 200 else f"status {status}"
        seen[key] = seen.get(key, 0) + 1

    assert "bad" not in seen, seen
    assert seen.get("good", 0) > 0, seen
    stats = {s.server: s for s in router.stats()}
    assert (stats[bad].requests, stats[bad].status, stats[bad].check_status) == (0, "DOWN",
                                                                                 "L7STS")
    assert stats[good].status == "UP"


def test_a_slot_listed_before_its_container_exists_is_taken_up_only_after_its_checks(
        env: Env) -> None:
    """An environment lists replica slots whose containers do not exist yet, in maintenance:
    the router starts at once (no blocking lookup of the unknown names). Once the containers
    run, taking the slots out of maintenance changes no config: the same worker serves on, the
    slots start down, a healthy one comes up after its checks and an unhealthy one never does,
    so neither gets a request before passing."""
    v1 = env.replica(env.name("v1"), "v1")
    good, bad = env.name("good"), env.name("bad")
    model = Router(env="test", backends=(Backend("app", hosts=("app.test",), servers=(
        Server(v1, 8080), Server(good, 8080, weight=0, state="maint"),
        Server(bad, 8080, weight=0, state="maint"))),))
    began = time.monotonic()
    router = env.router(model, env.name("router"))
    router.wait_healthy()
    assert time.monotonic() - began < 20  # not a lookup timeout per unknown name
    _, port = router.address()
    pid = worker_pid(router)
    env.replica(good, "v2")
    env.replica(bad, "v3", healthy=False)

    applied = router.apply(router.router().with_server("app", good, state="ready", weight=50)
                           .with_server("app", bad, state="ready", weight=50))

    assert applied.reloaded is False and worker_pid(router) == pid
    router.wait_healthy([("app", good)], timeout=20)
    seen = versions(port, "app.test", 30)
    assert set(seen) == {"v1", "v2"}, seen  # the unhealthy slot got nothing
    stats = {s.server: s for s in router.stats()}
    assert (stats[bad].status.split()[0], stats[bad].requests) == ("DOWN", 0)
    # HAProxy's log: each slot was forced down as it left maintenance (still at weight 0);
    # the healthy one came up by passing its checks, the unhealthy one never came up
    log = [line for line in env.engine.container_logs(router.name).splitlines()
           if line.startswith("[WARNING]") and " is " in line]
    good_log = [line.split(" is ", 1)[1] for line in log if f"app/{good} " in line]
    assert good_log[-2:] == ["DOWN, changed from CLI. 1 active and 0 backup servers left. 0 "
                             "sessions active, 0 requeued, 0 remaining in queue.",
                             good_log[-1]], good_log
    assert good_log[-1].startswith("UP, reason: Layer7 check passed"), good_log
    assert not [line for line in log if f"app/{bad} is UP, reason" in line], log


def test_host_headers_select_backends_and_a_new_server_starts_down(env: Env) -> None:
    a1, b1 = env.replica(env.name("a1"), "a1"), env.replica(env.name("b1"), "b1")
    model = Router(env="test", backends=(
        Backend("a", hosts=("a.test",), servers=(Server(a1, 8080),)),
        Backend("b", hosts=("b.test",), servers=(Server(b1, 8080),))))
    router = env.router(model, env.name("router"))
    router.wait_healthy()
    _, port = router.address()
    assert versions(port, "a.test", 3) == ["a1"] * 3
    assert versions(port, "B.TEST:80", 3) == ["b1"] * 3  # case and port do not matter
    assert versions(port, "c.test", 2) == ["status 503"] * 2
    router.set_weight("a", a1, 50)
    pid = worker_pid(router)

    a2 = env.replica(env.name("a2"), "a2")
    current = router.router()
    grown = Router(env="test", default_backend="b", backends=(
        Backend("a", hosts=("a.test",),
                servers=(*current.backend("a").servers, Server(a2, 8080, weight=50))),
        current.backend("b")))
    applied = router.apply(grown)

    assert applied.reloaded is True and worker_pid(router) != pid
    assert {s.server: s.status.split()[0] for s in router.stats()}[a2] == "DOWN"
    assert router.runtime().server_state("a", a1).weight == 50  # carried over the reload
    assert versions(port, "c.test", 2) == ["b1"] * 2  # the new default backend
    router.wait_healthy([("a", a2)])
    assert set(versions(port, "a.test", 10)) == {"a1", "a2"}


def test_a_sub_environment_forwards_other_hosts_to_its_parent(env: Env) -> None:
    x1, y1 = env.replica(env.name("x1"), "x1"), env.replica(env.name("y1"), "y1")
    parent = env.router(Router(env="test", backends=(
        Backend("x", hosts=("x.test",), servers=(Server(x1, 8080),)),)), env.name("parent"))
    child = env.router(Router(env="feature", upstream=Upstream(parent.name, 8080), backends=(
        Backend("y", hosts=("y.feature",), servers=(Server(y1, 8080),)),)), env.name("child"))
    parent.wait_healthy()
    child.wait_healthy()
    _, port = child.address()

    assert versions(port, "y.feature", 3) == ["y1"] * 3
    assert versions(port, "x.test", 3) == ["x1"] * 3  # by container name through the parent
    assert {s.server for s in parent.stats() if s.requests} == {x1}


def test_a_restarted_router_keeps_runtime_weights_and_states(env: Env) -> None:
    v1, v2, v3 = (env.replica(env.name(v), v) for v in ("v1", "v2", "v3"))
    router = env.router(one_backend(env, {v1: 100, v2: 0, v3: 0}), env.name("router"))
    router.wait_healthy()
    _, port = router.address()
    assert set(versions(port, "app.test", 6)) == {"v1"}

    router.set_weights({("app", v1): 0, ("app", v2): 100, ("app", v3): 100})
    router.set_state("app", v3, "drain")
    router.set_state("app", v1, "maint")
    docker_cli(env.host, "restart", router.name)  # not through superspec: nothing saved now

    runtime = wait_for(f"router {router.name} to answer after `docker restart`",
                       lambda: router.runtime() if router.runtime().info() else None, 30)
    state = {s.server: (s.weight, s.state) for s in runtime.servers_state()}
    print(f"\nafter docker restart: {state}")
    assert state == {v1: (0, "maint"), v2: (100, "ready"), v3: (100, "drain")}
    _, port = router.address()
    wait_for(f"{v2} to be UP after the restart",
             lambda: True if {s.server: s.status for s in router.stats()}[v2] == "UP" else None,
             30)
    assert versions(port, "app.test", 10) == ["v2"] * 10


def test_a_config_haproxy_refuses_is_never_installed(env: Env) -> None:
    v1 = env.replica(env.name("v1"), "v1")
    model = one_backend(env, {v1: 100})
    router = env.router(model, env.name("router"))

    with pytest.raises(InputError) as caught:
        router._write(CONFIG_PATH, b"frontend broken\n    bind :8080\n    no-such-keyword\n",
                      check=True)

    assert str(caught.value).startswith(f"router {router.name}: HAProxy refused the new config "
                                        "(haproxy -c exit 1):")
    assert "no-such-keyword" in str(caught.value)
    assert env.engine.read_file(router.name, CONFIG_PATH) == render(router.router()).encode()
    router.wait_healthy()
    assert versions(router.address()[1], "app.test", 3) == ["v1"] * 3


def test_restart_through_superspec_waits_until_the_router_serves_again(env: Env) -> None:
    v1, v2 = env.replica(env.name("v1"), "v1"), env.replica(env.name("v2"), "v2")
    router = env.router(one_backend(env, {v1: 100, v2: 0}), env.name("router"))
    router.set_weights({("app", v1): 0, ("app", v2): 100})

    router.restart()

    assert {s.server: s.weight for s in router.runtime().servers_state()} == {v1: 0, v2: 100}
    router.wait_healthy([("app", v2)])
    assert versions(router.address()[1], "app.test", 5) == ["v2"] * 5


COUNTED_CHECK = """#!/bin/sh
count=$(( $(cat /www/count 2>/dev/null || echo 0) + 1 ))
echo "$count" > /www/count
if [ "$count" -le "$(cat /www/passes)" ]; then
  printf 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nok\\n'
else
  printf 'HTTP/1.1 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\nno\\n'
fi
"""


def counted_replica(env: Env, name: str, passes: int) -> str:
    """A replica whose health path (/cgi-bin/check) answers 200 to its first ``passes``
    requests and 500 to every later one, counting them in /www/count."""
    env.replica(name, "v1")
    for applet in ("sh", "cat"):
        code, output = env.engine.exec_in(name, ["/bin/busybox", "ln", "-s", "/bin/busybox",
                                                 f"/bin/{applet}"])
        assert code == 0, output
    env.engine.put_file(name, "/www/passes", f"{passes}\n".encode())
    env.engine.put_file(name, "/www/cgi-bin/check", COUNTED_CHECK.encode(), mode=0o755)
    return name


def test_a_backend_with_rise_5_takes_a_server_up_after_5_passing_checks_not_4(
        env: Env) -> None:
    """Counted, not timed: one replica passes only its first 4 checks and never comes up; one
    that passes its first 5 comes up (HAProxy's log says so, and its 6th check, which fails,
    comes a whole interval, 10 s, later)."""
    four = counted_replica(env, env.name("four"), 4)
    five = counted_replica(env, env.name("five"), 5)
    model = Router(env="test", backends=(Backend(
        "app", hosts=("app.test",), health_path="/cgi-bin/check", check_interval_ms=10000,
        check_timeout_ms=2000, rise=5, servers=(Server(four, 8080), Server(five, 8080))),))
    router = env.router(model, env.name("router"))
    assert "    default-server inter 10s fastinter 200ms downinter 200ms fall 2 rise 5 " in \
        env.engine.read_file(router.name, CONFIG_PATH).decode()

    def count(name: str) -> int:
        return int((env.engine.read_file(name, "/www/count") or b"0").decode())

    def up_lines() -> list[str]:
        return [line for line in env.engine.container_logs(router.name, tail=200).splitlines()
                if " is UP" in line]

    # four: 4 passes then failures; five: its 5 passes and the UP they bring
    wait_for("4 passes and 2 failures of the replica that passes 4",
             lambda: True if count(four) >= 6 else None, 30)
    wait_for("the replica that passes 5 to come up",
             lambda: True if any(f"app/{five} is UP" in line for line in up_lines()) else None,
             30)
    assert count(five) == 5  # it came up on its 5th pass: the 6th check is 10 s after it
    assert not [line for line in up_lines() if f"app/{four} " in line], up_lines()
    stats = {s.server: s for s in router.stats()}
    assert (stats[four].status, stats[four].check_status) == ("DOWN", "L7STS")
    assert stats[five].status == "UP"
