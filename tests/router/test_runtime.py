"""The runtime API client against a real HAProxy 2.6 listening on 127.0.0.1 (no Docker)."""

from __future__ import annotations

import http.client
import http.server
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from superspec.errors import InputError
from superspec.router.runtime import RuntimeClient, RuntimeUnavailable, parse_servers_state
from superspec.router.wait import wait_for
from tests.dockerd import stop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = b"ok\n"
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:
            pass  # HAProxy's health check closes as soon as it has the status line

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@dataclass
class Local:
    runtime: RuntimeClient
    frontend: int


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Local]:
    """HAProxy on 127.0.0.1 in front of a Python HTTP server, stopped by PID at the end."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        pytest.fail("haproxy not found: apt-get install haproxy (Debian haproxy 2.6)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stats, frontend, backend = free_port(), free_port(), server.server_address[1]
    (tmp_path / "h.cfg").write_text(f"""\
global
    stats socket ipv4@127.0.0.1:{stats} level admin
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend env
    bind 127.0.0.1:{frontend}
    default_backend app
backend app
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200-399
    default-server inter 1s fall 2 rise 3
    server s1 127.0.0.1:{backend} check weight 100
    server s2 127.0.0.1:{backend} check weight 50
""")
    log = open(tmp_path / "haproxy.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([haproxy, "-db", "-f", str(tmp_path / "h.cfg")], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        runtime = RuntimeClient(stats, timeout=5)
        wait_for(f"HAProxy's runtime API on 127.0.0.1:{stats}", lambda: runtime.info() or None, 10)
        yield Local(runtime, frontend)
    finally:
        stop(proc, grace=10)
        log.close()
        server.shutdown()
        server.server_close()


def test_weights_are_set_and_read_back(local: Local) -> None:
    local.runtime.set_weight("app", "s2", 7)
    state = local.runtime.server_state("app", "s2")
    assert (state.weight, state.config_weight, state.state) == (7, 50, "ready")
    assert {s.server: s.weight for s in local.runtime.show_stat()} == {"s1": 100, "s2": 7}


def test_states_are_set_and_read_back(local: Local) -> None:
    for state, status in (("drain", "DRAIN"), ("maint", "MAINT"), ("ready", None)):
        local.runtime.set_state("app", "s1", state)
        assert local.runtime.server_state("app", "s1").state == state
        stat = {s.server: s.status for s in local.runtime.show_stat()}["s1"]
        if status:
            assert stat == status


def test_show_stat_counts_requests_per_server(local: Local) -> None:
    wait_for("s1 and s2 to be UP", lambda: True if all(
        s.status == "UP" for s in local.runtime.show_stat()) else None, 10)
    local.runtime.set_weight("app", "s2", 0)
    for _ in range(5):
        conn = http.client.HTTPConnection("127.0.0.1", local.frontend, timeout=5)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
    stats = {s.server: s for s in local.runtime.show_stat()}
    assert (stats["s1"].requests, stats["s1"].responses_2xx, stats["s1"].responses_5xx) == (5, 5, 0)
    assert stats["s1"].sessions == 5 and stats["s1"].check_status == "L7OK"
    assert stats["s2"].requests == 0
    assert stats["s1"].total_time >= stats["s1"].response_time >= 0


def test_the_state_dump_is_a_server_state_file(local: Local) -> None:
    text = local.runtime.show_servers_state()
    assert text.startswith("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state ")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert [(s.backend, s.server) for s in parse_servers_state(text)] == [
        ("app", "s1"), ("app", "s2")]


def test_refusals_are_reported_with_haproxys_words(local: Local) -> None:
    with pytest.raises(InputError) as caught:
        local.runtime.set_weight("app", "nope", 5)
    assert str(caught.value) == (
        f"router runtime API at 127.0.0.1:{local.runtime.port}: 'set server app/nope weight 5' "
        "was refused: No such server.")
    with pytest.raises(InputError, match="weight: 300 is not a whole number from 0 to 256"):
        local.runtime.set_weight("app", "s1", 300)
    with pytest.raises(InputError, match="state: 'up' is not one of"):
        local.runtime.set_state("app", "s1", "up")


@pytest.mark.parametrize("name", ["s1\nshutdown sessions server app/s1", "s1;show info",
                                  "s1 weight 0", "../s1", ""])
def test_hostile_names_never_reach_the_socket(name: str) -> None:
    runtime = RuntimeClient(free_port(), timeout=1)  # nothing listens: a send would fail
    with pytest.raises(InputError, match="is not a valid name"):
        runtime.set_weight("app", name, 5)
    with pytest.raises(InputError, match="is not a valid name"):
        runtime.set_state(name, "s1", "drain")
    with pytest.raises(InputError, match="one command per call"):
        runtime.command(f"show info;{name}\nshow stat")


def test_a_closed_port_is_unavailable() -> None:
    port = free_port()
    with pytest.raises(RuntimeUnavailable, match=f"router runtime API at 127.0.0.1:{port}: "):
        RuntimeClient(port, timeout=1).info()
