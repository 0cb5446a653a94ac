"""Releases: how fast a blue-green switch moves the traffic, how many requests fail meanwhile,
and how long canaries take, beside the same switch done by hand.

python -m benchmarks release   (writes benchmarks/results/release.json)

Everything runs on one private dockerd started for the run (its own data-root, no iptables, no
default bridge), stopped by PID at the end. The app is a busybox httpd image (``docker
import``): v1 and v2 answer their version, v4 answers 500 on /cgi-bin/version. The project runs
2 replicas in `test` behind superspec's router (HAProxy). While each switch runs, wrk (2
threads, 20 keep-alive connections) and 2 probe clients (keep-alive, one request after the
other, each answer timestamped) send requests through the front door on 127.0.0.1.

- **superspec blue-green**: `superspec release` in process; the switch is the moment the
  release calls the router's ``set_weights`` to give the new version 100% (the one call a
  blue-green switch makes). Cut-over = from that moment to the first answer from the new
  version, and to the last answer from the old one. Failed requests = wrk's non-2xx answers,
  connect/read/write errors and timeouts over the whole release (start, switch, drain).
- **HAProxy runtime API by hand**: a container of the same router image with a hand-written
  haproxy.cfg (blue weight 100, green weight 0, both health-checked) on its own network; the
  switch is one runtime API line: ``set server app/green weight 100; set server app/blue
  weight 0``.
- **nginx reload by hand**: this machine's nginx on 127.0.0.1 in front of the same two app
  containers (published on 127.0.0.1), upstream keepalive; the switch rewrites the upstream and
  runs ``nginx -s reload``.
- **canary**: 10% and 50% with a 3 s pause each, then 100%: the release's wall time minus its
  pauses (what superspec itself costs: starting the new replicas, their health checks, the
  gate watches running over, the 1 s drain, removing the old replicas).
- **failing canary**: v4 at 10% answering 500 to every request: from the moment traffic moves
  to it until the release moves it all back, in gate windows (a gate window is the step's
  window: its pause, over which the gates are computed; they are judged every second in it).

Goals: 0 failed requests during a switch, cut-over <= 150 ms, a failing canary rolled back
within 2 gate windows. SUPERSPEC_BENCH_RELEASE_RUNS sets the rounds per switch (default 5).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import Row, environ, record
from benchmarks.env_engine import (
    Unavailable,
    busybox,
    docker,
    engine_version,
    import_www_image,
    private_dockerd,
)

BIN = Path(sys.executable).parent
IMAGE = "superspec-bench/shop"
HOST = "shop.test"
GOAL_CUTOVER = 0.150  # seconds
GOAL_WINDOWS = 2
PAUSE = 3  # seconds, each canary pause
WINDOW = float(PAUSE)  # a gate window: the step's window the gates are computed over
CGI_OK = ('#!/bin/sh\nbody=$(cat /www/version-text)\necho "Content-Type: text/plain"\n'
          'echo "Content-Length: $((${#body} + 1))"\necho ""\necho "$body"\n')
CGI_500 = ('#!/bin/sh\necho "Status: 500 Internal Server Error"\necho "Content-Length: 7"\n'
           'echo ""\necho broken\n')

SPEC = """
superspec: 1
kind: company
name: shop
build: {{tool: custom, commands: {{build: "true"}}}}
pipeline: {{stages: {{build: {{}}}}}}
app: {{image: {image}, version: v1, port: 8080, health: /healthz, replicas: {{default: 2}}}}
environments:
  test:
    class: functional-test
    approval: {{required: true, groups: [release-managers]}}
    release:
      strategy: {strategy}
      steps: {steps}
      gates: {{maxErrorRate: 0.05, minRequests: 20}}
      drainSeconds: 1
"""
BLUE_GREEN = ("blue-green", "[{weight: 100, pause: 2s}]")
CANARY = ("canary", f"[{{weight: 10, pause: {PAUSE}s}}, {{weight: 50, pause: {PAUSE}s}}, "
                    "{weight: 100}]")

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d non2xx=%d errors=%d\\n", summary.requests, bad,
                         e.connect + e.read + e.write + e.timeout))
end
"""


# --- load: wrk and timestamped probes -----------------------------------------------------------


@dataclass
class Load:
    requests: int = 0
    non2xx: int = 0
    socket_errors: int = 0
    answers: list[tuple[float, str]] = field(default_factory=list)  # (time, body or error)

    @property
    def failed(self) -> int:
        return self.non2xx + self.socket_errors + sum(
            1 for _, body in self.answers if body.startswith("!"))

    def first(self, body: str, since: float) -> float | None:
        return min((t for t, b in self.answers if b == body and t >= since), default=None)

    def last(self, body: str) -> float | None:
        return max((t for t, b in self.answers if b == body), default=None)


def _probe(port: int, path: str, stop: threading.Event, out: list[tuple[float, str]]) -> None:
    """One keep-alive client: request after request, each answer timestamped on arrival."""
    conn: http.client.HTTPConnection | None = None
    while not stop.is_set():
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path, headers={"Host": HOST})
            answer = conn.getresponse()
            body = answer.read().decode().strip()
            out.append((time.time(), body if answer.status == 200 else f"!{answer.status}"))
            if answer.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            out.append((time.time(), f"!{type(exc).__name__}"))
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


@contextmanager
def load(port: int, scratch: Path, path: str = "/version", probes: int = 2) -> Iterator[Load]:
    """wrk and the probes against 127.0.0.1:``port`` while the body runs (1 s before it)."""
    script = scratch / "count.lua"
    script.write_text(WRK_SCRIPT)
    wrk = subprocess.Popen(
        ["wrk", "-t2", "-c20", "-d600s", "--timeout", "10s", "-H", f"Host: {HOST}", "-s",
         str(script), f"http://127.0.0.1:{port}{path}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stop = threading.Event()
    seen: list[list[tuple[float, str]]] = [[] for _ in range(probes)]
    threads = [threading.Thread(target=_probe, args=(port, path, stop, out)) for out in seen]
    result = Load()
    try:
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        yield result
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        wrk.send_signal(signal.SIGINT)  # wrk stops and reports
        try:
            out, _ = wrk.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            wrk.kill()
            out, _ = wrk.communicate()
    match = re.search(r"RESULT requests=(\d+) non2xx=(\d+) errors=(\d+)", out)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    result.requests, result.non2xx, result.socket_errors = (int(x) for x in match.groups())
    result.answers = sorted(a for out_ in seen for a in out_)


# --- images and the project ---------------------------------------------------------------------


def import_shop_image(host: str, version: str, cgi: str, scratch: Path) -> str:
    folder = scratch / f"shop-{version}"
    folder.mkdir()
    www = {"version": version + "\n", "version-text": version + "\n", "healthz": "ok\n",
           "cgi-bin/version": cgi}
    return import_www_image(host, f"{IMAGE}:{version}", folder, www, applets=("sh", "cat"),
                            executable=("cgi-bin/version",))


class Switches:
    """Records when the release calls the router's set_weights (each call's start)."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, dict[tuple[str, str], int]]] = []

    @contextmanager
    def watching(self) -> Iterator[Switches]:
        from superspec.router.container import RouterContainer

        original = RouterContainer.set_weights
        calls = self.calls

        def set_weights(router: Any, weights: Any, **options: Any) -> None:
            calls.append((time.time(), dict(weights)))
            original(router, weights, **options)

        RouterContainer.set_weights = set_weights  # type: ignore[method-assign]
        try:
            yield self
        finally:
            RouterContainer.set_weights = original  # type: ignore[method-assign]


def release(project: Path, strategy: tuple[str, str], version: str) -> tuple[float, Switches,
                                                                            str]:
    """``superspec release --env test --version V`` in process: (seconds, switches, outcome)."""
    from superspec.release.command import run_release
    from superspec.spec import load_spec

    (project / "superspec.yaml").write_text(textwrap.dedent(SPEC.format(
        image=IMAGE, strategy=strategy[0], steps=strategy[1])).lstrip())
    effective = load_spec(project / "superspec.yaml")
    switches = Switches()
    with switches.watching():
        start = time.perf_counter()
        try:
            run_release(effective, "test", version)
            outcome = "released"
        except Exception as exc:  # a rolled-back release (exit 4) is an outcome here
            if getattr(exc, "exit_code", None) != 4:
                raise
            outcome = "rolled-back"
        seconds = time.perf_counter() - start
    return seconds, switches, outcome


# --- by hand: HAProxy's runtime API and nginx reload --------------------------------------------

HAPROXY_CFG = """
global
    stats socket ipv4@0.0.0.0:9999 level admin
    hard-stop-after 30s

resolvers docker
    nameserver dns 127.0.0.11:53
    hold valid 10s

defaults
    mode http
    option redispatch
    retries 3
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 10s

frontend web
    bind :8080
    default_backend app

backend app
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200-399
    default-server inter 1s fastinter 200ms downinter 200ms fall 2 rise 3 resolvers docker
    default-server resolve-prefer ipv4 init-addr last,libc,none
    server blue hand-blue:8080 check weight 100
    server green hand-green:8080 check weight 0
"""

NGINX_CONF = """
worker_processes 1;
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    upstream app {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def published(host: str, container: str, port: int) -> int:
    text = docker(host, "port", container, f"{port}/tcp")
    return int(text.splitlines()[0].rsplit(":", 1)[1])


def runtime(port: int, command: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def wait_up(stats: int, servers: tuple[str, ...], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            rows = [line.split(",") for line in runtime(stats, "show stat").splitlines()]
            up = {r[1] for r in rows if len(r) > 17 and r[0] == "app" and r[17] == "UP"}
            if set(servers) <= up:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the hand-made router never saw {servers} up")
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Nginx:
    """This machine's nginx, in its own prefix, stopped by PID at the end."""

    def __init__(self, prefix: Path, upstreams: dict[str, int]) -> None:
        self.prefix, self.upstreams, self.port = prefix, upstreams, free_port()
        for name in ("body", "proxy"):
            (prefix / name).mkdir(parents=True, exist_ok=True)
        self.conf = prefix / "nginx.conf"

    def write(self, version: str) -> None:
        self.conf.write_text(NGINX_CONF.format(
            user="user root;" if os.geteuid() == 0 else "", prefix=self.prefix,
            upstream=self.upstreams[version], port=self.port))

    def command(self, *extra: str) -> list[str]:
        return ["nginx", "-p", str(self.prefix), "-c", str(self.conf), "-e",
                str(self.prefix / "error.log"), *extra]

    def start(self, version: str) -> None:
        self.write(version)
        subprocess.run(self.command(), check=True, capture_output=True, timeout=30)

    def stop(self) -> None:
        try:
            pid = int((self.prefix / "nginx.pid").read_text())
        except (OSError, ValueError):
            return
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Cut:
    first_new: float | None  # seconds from the switch to the first answer of the new version
    last_old: float | None  # ... to the last answer of the old version
    failed: int
    requests: int


def cut(seen: Load, switch: float, old: str, new: str) -> Cut:
    first = seen.first(new, switch - 5)
    last = seen.last(old)
    return Cut(None if first is None else first - switch,
               None if last is None else max(0.0, last - switch), seen.failed, seen.requests)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def summary(cuts: list[Cut]) -> tuple[float, float, str]:
    firsts = [c.first_new for c in cuts if c.first_new is not None]
    lasts = [c.last_old for c in cuts if c.last_old is not None]
    failed = [c.failed for c in cuts]
    met = max(lasts + firsts, default=float("inf")) <= GOAL_CUTOVER
    note = (f"first new answer {ms(min(firsts, default=None))}-{ms(max(firsts, default=None))}, "
            f"last old answer median {ms(median(lasts))} (max {ms(max(lasts, default=None))}); "
            f"failed requests {sum(failed)} in {sum(c.requests for c in cuts)} "
            f"(per switch {failed}); goal <= {GOAL_CUTOVER * 1000:.0f} ms and 0 failed: "
            f"{'met' if met and not sum(failed) else 'not met'}")
    return median(firsts), median(lasts), note


def main() -> None:
    runs = max(1, int(os.environ.get("SUPERSPEC_BENCH_RELEASE_RUNS", "5")))
    try:
        busybox()
        for tool in ("wrk", "nginx", "/usr/sbin/haproxy"):
            if shutil.which(tool) is None:
                raise Unavailable(f"{tool} not found (Debian: apt-get install wrk nginx-light "
                                  "haproxy)")
        with private_dockerd() as host:
            rows = measure(host, runs)
    except Unavailable as exc:
        print(f"## release\n\nskipped: {exc}\n")
        return
    record("release", rows)


def measure(host: str, runs: int) -> list[Row]:
    import superspec

    load_avg = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="superspec-bench-release-"))
    nginx: Nginx | None = None
    env = {**os.environ, "DOCKER_HOST": host, "SUPERSPEC_DATA_DIR": str(work / "data")}
    try:
        for version, cgi in (("v1", CGI_OK), ("v2", CGI_OK), ("v4", CGI_500)):
            import_shop_image(host, version, cgi, work)
        project = work / "shop"
        project.mkdir()
        (project / "superspec.yaml").write_text(textwrap.dedent(SPEC.format(
            image=IMAGE, strategy=BLUE_GREEN[0], steps=BLUE_GREEN[1])).lstrip())
        deployed = subprocess.run([str(BIN / "superspec"), "deploy", "--env", "test", "--format",
                                   "json"], cwd=project, env=env, capture_output=True, text=True,
                                  timeout=300)
        if deployed.returncode:
            raise RuntimeError(f"superspec deploy failed: {deployed.stderr[-2000:]}")
        port = int(json.loads(deployed.stdout)["url"].rstrip("/").rsplit(":", 1)[1])
        print(f"release: {os.cpu_count()} cores, load average {load_avg[0]:.2f} at start; "
              f"Docker engine {engine_version(host)}; {runs} rounds per switch")

        ours: list[Cut] = []
        walls: list[float] = []
        with environ({"DOCKER_HOST": host, "SUPERSPEC_DATA_DIR": str(work / "data")}):
            versions = ["v1", "v2"]
            for round_ in range(runs):
                old, new = versions[round_ % 2], versions[(round_ + 1) % 2]
                with load(port, work) as seen:
                    seconds, switches, outcome = release(project, BLUE_GREEN, new)
                if outcome != "released" or not switches.calls:
                    raise RuntimeError(f"blue-green release to {new}: {outcome}")
                walls.append(seconds)
                ours.append(cut(seen, switches.calls[0][0], old, new))
            current = versions[runs % 2]

            canary_walls: list[float] = []
            for _ in range(2):
                new = "v2" if current == "v1" else "v1"
                with load(port, work):
                    seconds, _switches, outcome = release(project, CANARY, new)
                if outcome != "released":
                    raise RuntimeError(f"canary release to {new}: {outcome}")
                canary_walls.append(seconds)
                current = new

            rollbacks: list[float] = []
            exposure: list[float] = []
            for _ in range(3):
                with load(port, work, path="/cgi-bin/version") as seen:
                    seconds, switches, outcome = release(project, CANARY, "v4")
                if outcome != "rolled-back" or len(switches.calls) < 2:
                    raise RuntimeError(f"the failing canary was not rolled back: {outcome}")
                moved, back = switches.calls[0][0], switches.calls[1][0]
                rollbacks.append(back - moved)
                broken = [t for t, body in seen.answers if body == "!500"]
                exposure.append((max(broken) - moved) if broken else 0.0)

        # by hand, on the same engine: HAProxy's runtime API, then nginx -s reload
        docker(host, "network", "create", "bench-hand")
        for name, version in (("hand-blue", "v1"), ("hand-green", "v2")):
            docker(host, "run", "-d", "--name", name, "--network", "bench-hand", "-p",
                   "127.0.0.1::8080", f"{IMAGE}:{version}")
        from superspec.router.image import DEFAULT_TAG

        docker(host, "create", "--name", "hand-router", "--network", "bench-hand", "-p",
               "127.0.0.1::8080", "-p", "127.0.0.1::9999", DEFAULT_TAG)
        cfg = work / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.lstrip())
        docker(host, "cp", str(cfg), "hand-router:/usr/local/etc/haproxy/haproxy.cfg")
        docker(host, "start", "hand-router")
        hand_port = published(host, "hand-router", 8080)
        stats = published(host, "hand-router", 9999)
        wait_up(stats, ("blue", "green"))
        by_api: list[Cut] = []
        names = {"v1": "blue", "v2": "green"}
        for round_ in range(runs):
            old, new = ("v1", "v2") if round_ % 2 == 0 else ("v2", "v1")
            with load(hand_port, work) as seen:
                switch = time.time()
                answer = runtime(stats, f"set server app/{names[new]} weight 100; "
                                        f"set server app/{names[old]} weight 0")
                if answer.strip():
                    raise RuntimeError(f"runtime API: {answer.strip()}")
                time.sleep(3)
            by_api.append(cut(seen, switch, old, new))

        nginx = Nginx(work / "nginx", {v: published(host, f"hand-{names[v]}", 8080)
                                       for v in ("v1", "v2")})
        nginx.start("v1")
        by_reload: list[Cut] = []
        for round_ in range(runs):
            old, new = ("v1", "v2") if round_ % 2 == 0 else ("v2", "v1")
            with load(nginx.port, work) as seen:
                nginx.write(new)
                switch = time.time()
                subprocess.run(nginx.command("-s", "reload"), check=True, capture_output=True,
                               timeout=30)
                time.sleep(3)
            by_reload.append(cut(seen, switch, old, new))
        nginx_version = subprocess.run(["nginx", "-v"], capture_output=True,
                                       text=True).stderr.strip().split("/")[-1]
        haproxy_version = subprocess.run(["/usr/sbin/haproxy", "-v"], capture_output=True,
                                         text=True).stdout.split()[2]
        subprocess.run([str(BIN / "superspec"), "env", "destroy", "test"], cwd=project, env=env,
                       capture_output=True, timeout=300)
        end_load = os.getloadavg()[0]
    finally:
        if nginx is not None:
            nginx.stop()
        shutil.rmtree(work, ignore_errors=True)

    first_ss, last_ss, note_ss = summary(ours)
    first_api, last_api, note_api = summary(by_api)
    first_ng, last_ng, note_ng = summary(by_reload)
    pauses = 2 * PAUSE
    overhead = [w - pauses for w in canary_walls]
    windows = [r / WINDOW for r in rollbacks]
    rolled_met = max(windows) <= GOAL_WINDOWS
    case_first = "blue-green switch -> first answer of the new version"
    case_last = "blue-green switch -> last answer of the old version"
    rows = [
        Row(case_first, "superspec", first_ss, len(ours),
            f"superspec {superspec.__version__}, HAProxy {haproxy_version}; {note_ss}; "
            f"whole release {median(walls):.2f} s (median)"),
        Row(case_first, "haproxy runtime API by hand", first_api, len(by_api),
            f"same router image; {note_api}"),
        Row(case_first, "nginx -s reload by hand", first_ng, len(by_reload),
            f"nginx {nginx_version}; {note_ng}"),
        Row(case_last, "superspec", last_ss, len(ours), "see above"),
        Row(case_last, "haproxy runtime API by hand", last_api, len(by_api), "see above"),
        Row(case_last, "nginx -s reload by hand", last_ng, len(by_reload), "see above"),
        Row(f"canary 10%/50%/100%, 2 pauses of {PAUSE} s: wall time minus pauses", "superspec",
            median(overhead), len(overhead),
            f"wall {', '.join(f'{w:.2f}' for w in canary_walls)} s; includes the new "
            "replicas' start and health checks (rise 3 at 1 s), the 1 s drain and removal"),
        Row("failing canary (500s at 10%): traffic moved -> moved back", "superspec",
            median(rollbacks), len(rollbacks),
            f"{', '.join(f'{w:.2f}' for w in windows)} gate windows of {WINDOW:.0f} s (goal <= "
            f"{GOAL_WINDOWS}: {'met' if rolled_met else 'not met'}); last 500 seen by clients "
            f"{', '.join(f'{e:.2f}' for e in exposure)} s after the move"),
    ]
    print(f"load average {end_load:.2f} at the end\n")
    return rows


if __name__ == "__main__":
    main()
