"""Fixtures for the router: a private dockerd, app images, an environment network, wrk.

Traffic goes only to ports published on 127.0.0.1; containers reach each other by name on a
user-defined network (Docker's DNS), never by bridge IP.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from superspec.engine.docker import DockerEngine
from superspec.router.config import Router
from superspec.router.container import RouterContainer
from tests.dockerd import docker as docker_cli

# --- an environment: a network, replicas and routers, removed at the end ---------------------


@dataclass
class Env:
    host: str
    engine: DockerEngine
    network: str
    router_image: str
    app_image: Callable[[str, bool], str]
    containers: list[str] = field(default_factory=list)

    def name(self, what: str) -> str:
        return f"{self.network}-{what}"

    def replica(self, name: str, version: str, healthy: bool = True) -> str:
        """Start replica container ``name`` serving ``version`` on the environment network."""
        self.containers.append(name)
        docker_cli(self.host, "run", "-d", "--name", name, "--network", self.network,
                   self.app_image(version, healthy))
        return name

    def router(self, model: Router, name: str, extra_networks: tuple[str, ...] = ()
               ) -> RouterContainer:
        self.containers.append(name)
        return RouterContainer.create(self.engine, model, name=name, image=self.router_image,
                                      networks=[self.network, *extra_networks])


@pytest.fixture
def env(docker_host: str, engine: DockerEngine, router_image: str,
        app_image: Callable[[str, bool], str]) -> Iterator[Env]:
    network = f"ss-rt-{uuid.uuid4().hex[:8]}"
    docker_cli(docker_host, "network", "create", "--label", "io.superspec.test=router", network)
    made = Env(docker_host, engine, network, router_image, app_image)
    try:
        yield made
    finally:
        for name in reversed(made.containers):
            subprocess.run(["docker", "-H", docker_host, "rm", "-f", name], capture_output=True,
                           timeout=60)
        subprocess.run(["docker", "-H", docker_host, "network", "rm", network],
                       capture_output=True, timeout=60)


# --- HTTP through the published port -----------------------------------------------------------


def get(port: int, host: str, path: str = "/version", timeout: float = 5) -> tuple[int, str]:
    """(status, body stripped) of GET ``path`` on 127.0.0.1:``port`` with Host ``host``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace").strip()
    finally:
        conn.close()


def versions(port: int, host: str, count: int) -> list[str]:
    """The bodies of ``count`` GET /version requests (status code when not 200)."""
    out = []
    for _ in range(count):
        status, body = get(port, host)
        out.append(body if status == 200 else f"status {status}")
    return out


# --- load with wrk -----------------------------------------------------------------------------

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0; bodies = {} end
function response(status, headers, body)
  local key
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    key = "status-" .. status
  else
    key = string.gsub(body or "", "%s+$", "")
  end
  bodies[key] = (bodies[key] or 0) + 1
end
function done(summary, latency, requests)
  local non2xx_total = 0
  local merged = {}
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    for key, count in pairs(thread:get("bodies")) do
      merged[key] = (merged[key] or 0) + count
    end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d non2xx=%d connect=%d read=%d write=%d status=%d timeout=%d\\n",
    summary.requests, non2xx_total, e.connect, e.read, e.write, e.status, e.timeout))
  for key, count in pairs(merged) do io.write(string.format("BODY %s=%d\\n", key, count)) end
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    non2xx: int
    socket_errors: int  # connect + read + write + timeout
    bodies: dict[str, int]
    latency: str  # "avg <a> max <m> p99 <p>" as wrk prints them
    output: str

    @property
    def failed(self) -> int:
        return self.non2xx + self.socket_errors


def wrk(port: int, host: str, during: Callable[[], None], *, after: float = 1.5,
        duration: int = 5, tmp: Path, path: str = "/version") -> WrkResult:
    """Run ``wrk -t2 -c20 -d<duration>s`` (keep-alive) against 127.0.0.1:``port`` with Host
    ``host``, calling ``during()`` ``after`` seconds into the run.

    wrk counts a response slower than its timeout (default 2 s) as a socket error. The busybox
    httpd replicas accept few pending connections, so under 20 concurrent clients HAProxy's
    connect to them sometimes takes 1 or 2 s (SYN retransmits; HAProxy logs Tc=1000/2000 ms
    and status 200). Those are the test replicas' delays, not failures: the timeout is 10 s."""
    if shutil.which("wrk") is None:
        pytest.fail("wrk not found: apt-get install wrk")
    script = tmp / "count.lua"
    script.write_text(WRK_SCRIPT)
    proc = subprocess.Popen(
        ["wrk", "-t2", "-c20", f"-d{duration}s", "--timeout", "10s", "--latency",
         "-H", f"Host: {host}", "-s", str(script), f"http://127.0.0.1:{port}{path}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    errors: list[BaseException] = []

    def act() -> None:
        try:
            during()
        except BaseException as exc:  # reported after wrk is done
            errors.append(exc)

    try:
        time.sleep(after)
        worker = threading.Thread(target=act)
        worker.start()
        worker.join(timeout=duration + 30)
        out, _ = proc.communicate(timeout=duration + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if errors:
        raise errors[0]
    match = re.search(r"RESULT requests=(\d+) non2xx=(\d+) connect=(\d+) read=(\d+) "
                      r"write=(\d+) status=(\d+) timeout=(\d+)", out)
    assert match, f"wrk printed no result:\n{out}"
    numbers = [int(x) for x in match.groups()]
    bodies = {key: int(count) for key, count in re.findall(r"^BODY (.*)=(\d+)$", out, re.M)}
    spread = re.search(r"Latency\s+(\S+)\s+\S+\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    latency = (f"avg {spread.group(1)} max {spread.group(2)} p99 {p99.group(1) if p99 else '?'}"
               if spread else "?")
    return WrkResult(requests=numbers[0], non2xx=numbers[1],
                     socket_errors=numbers[2] + numbers[3] + numbers[4] + numbers[6],
                     bodies=bodies, latency=latency, output=out)
