"""A client of HAProxy's runtime API (the stats socket) over TCP.

HAProxy answers one command per connection and closes it. A change (``set server ...``) answers
an empty line on success and a message otherwise; every change is read back, so a command that
was lost (a router restarting behind Docker's port proxy accepts and closes connections) is
reported, never assumed.
"""

from __future__ import annotations

import csv
import io
import socket
from collections.abc import Callable
from dataclasses import dataclass

from superspec.errors import InputError
from superspec.router.config import RUNTIME_API, check_name, check_state, check_weight
from superspec.router.wait import wait_for

# srv_admin_state bits of `show servers state` (HAProxy's enum srv_admin).
ADMIN_FORCED_MAINT = 0x01
ADMIN_FORCED_DRAIN = 0x08
ADMIN_RESOLUTION_MAINT = 0x20  # no address: the name did not resolve (yet)


class RuntimeUnavailable(InputError):
    """The runtime API did not answer (the router is starting, restarting or gone)."""


@dataclass(frozen=True)
class ServerStat:
    """One server's line of `show stat`. Times are HAProxy's averages over the last 1024
    requests, in milliseconds."""

    backend: str
    server: str
    status: str  # UP, DOWN, DRAIN, MAINT, "UP 1/3", "no check", ...
    weight: int  # effective weight
    check_status: str  # L7OK, L7STS, L4CON, ... ("" before the first check)
    requests: int  # req_tot
    sessions: int  # stot
    responses_2xx: int
    responses_4xx: int
    responses_5xx: int
    connect_errors: int  # econ
    response_errors: int  # eresp
    queue_time: int  # qtime
    connect_time: int  # ctime
    response_time: int  # rtime
    total_time: int  # ttime


@dataclass(frozen=True)
class ServerState:
    """One server's line of `show servers state`."""

    backend: str
    server: str
    address: str
    op_state: int  # 0 stopped, 1 starting, 2 running, 3 stopping
    admin_state: int  # bit field, see ADMIN_*
    weight: int  # srv_uweight: the weight set at runtime (or the config's)
    config_weight: int  # srv_iweight

    @property
    def state(self) -> str:
        """ready, drain or maint, as the model names them."""
        if self.admin_state & ADMIN_FORCED_MAINT:
            return "maint"
        if self.admin_state & ADMIN_FORCED_DRAIN:
            return "drain"
        return "ready"


class RuntimeClient:
    """The runtime API at ``host:port`` (a port published on 127.0.0.1)."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 5.0,
                 relocate: Callable[[], int] | None = None) -> None:
        """``relocate``: the port published now, asked once when the known one does not
        answer (a restarted container may publish it elsewhere)."""
        self.host, self.port, self.timeout = host, port, timeout
        self.relocate = relocate

    def __repr__(self) -> str:
        return f"RuntimeClient({self.host}:{self.port})"

    def command(self, line: str) -> str:
        """The answer to one command (without its trailing empty line)."""
        if "\n" in line or "\r" in line or ";" in line:
            raise InputError(f"runtime API command {line!r}: one command per call")
        return self._exchange(line)

    def _exchange(self, line: str) -> str:
        try:
            return self._exchange_once(line)
        except RuntimeUnavailable:
            if self.relocate is None or (port := self.relocate()) == self.port:
                raise
            self.port = port
            return self._exchange_once(line)

    def _exchange_once(self, line: str) -> str:
        where = f"{self.host}:{self.port}"
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(line.encode() + b"\n")
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
        except OSError as exc:
            raise RuntimeUnavailable(f"router runtime API at {where}: {exc}") from None
        answer = b"".join(chunks).decode("utf-8", "replace")
        if not answer:
            raise RuntimeUnavailable(f"router runtime API at {where} closed without answering "
                                     f"{line!r}")
        return answer.rstrip("\n")

    def _change(self, line: str) -> None:
        answer = self.command(line).strip()
        if answer:
            raise InputError(f"router runtime API at {self.host}:{self.port}: {line!r} was "
                             f"refused: {answer}")

    def set_weight(self, backend: str, server: str, weight: int) -> None:
        """Set the server's weight (0-256) and read it back."""
        check_weight(weight, "weight")
        self._change(f"set server {_target(backend, server)} weight {weight}")
        self._confirm(backend, server, "weight", weight)

    def set_weights(self, changes: list[tuple[str, str, int]]) -> None:
        """Set several servers' weights in one exchange, in the order given (HAProxy runs the
        commands of a line one after the other, microseconds apart), then read them back."""
        if not changes:
            return
        line = "; ".join(f"set server {_target(b, s)} weight {check_weight(w, 'weight')}"
                         for b, s, w in changes)
        answer = self._exchange(line).strip()
        if answer:
            raise InputError(f"router runtime API at {self.host}:{self.port}: {line!r} was "
                             f"refused: {answer}")
        now = {(item.backend, item.server): item.weight for item in self.servers_state()}
        wrong = [f"{b}/{s} weight is {now.get((b, s))!r} after setting {w}"
                 for b, s, w in changes if now.get((b, s)) != w]
        if wrong:
            raise InputError(f"router runtime API at {self.host}:{self.port}: "
                             + "; ".join(wrong))

    def set_state(self, backend: str, server: str, state: str) -> None:
        """Set the server's administrative state (ready, drain, maint) and read it back."""
        check_state(state, "state")
        self._change(f"set server {_target(backend, server)} state {state}")
        self._confirm(backend, server, "state", state)

    def enable_checked(self, backend: str, server: str, timeout: float = 15.0) -> None:
        """Take the server out of maintenance *down*. HAProxy counts a server leaving
        maintenance up at once, before any check, and so does it one whose name resolves again;
        so first wait until the name has an address, then set it ready and force its health
        down: it gets requests only after ``rise`` passing checks."""
        target = _target(backend, server)

        def resolved() -> bool | None:
            found = self.server_state(backend, server)
            return (True if not found.admin_state & ADMIN_RESOLUTION_MAINT
                    and found.address not in ("-", "0.0.0.0") else None)

        wait_for(f"Docker's DNS to resolve {server} in the router", resolved, timeout)
        self._change(f"set server {target} state ready")
        self._change(f"set server {target} health down")
        self._confirm(backend, server, "state", "ready")

    def _confirm(self, backend: str, server: str, what: str, value: object) -> None:
        current = self.server_state(backend, server)
        if getattr(current, what) != value:
            raise InputError(f"router runtime API at {self.host}:{self.port}: {backend}/"
                             f"{server} {what} is {getattr(current, what)!r} after setting "
                             f"{value!r}")

    def info(self) -> dict[str, str]:
        """`show info` as a mapping (Pid, Uptime_sec, Version, ...)."""
        lines = self.command("show info").splitlines()
        return {key.strip(): value.strip() for key, _, value in
                (line.partition(":") for line in lines) if key.strip()}

    def show_stat(self) -> list[ServerStat]:
        """`show stat` for every server of every backend."""
        text = self.command("show stat -1 4 -1")
        if not text.startswith("# "):
            raise InputError(f"router runtime API at {self.host}:{self.port}: unexpected "
                             f"`show stat` answer: {text[:200]!r}")
        return [_stat(row) for row in csv.DictReader(io.StringIO(text[2:]))
                if row.get("svname") not in (None, "FRONTEND", "BACKEND")
                and row.get("pxname") != RUNTIME_API]

    def show_servers_state(self) -> str:
        """`show servers state` exactly as HAProxy's server-state-file wants it."""
        text = self.command("show servers state")
        if not text.startswith("1\n"):
            raise InputError(f"router runtime API at {self.host}:{self.port}: unexpected "
                             f"`show servers state` answer: {text[:200]!r}")
        return text + "\n"

    def servers_state(self) -> list[ServerState]:
        return parse_servers_state(self.show_servers_state())

    def server_state(self, backend: str, server: str) -> ServerState:
        for item in self.servers_state():
            if item.backend == backend and item.server == server:
                return item
        raise InputError(f"router runtime API at {self.host}:{self.port}: no server "
                         f"{backend}/{server}")


def parse_servers_state(text: str) -> list[ServerState]:
    """The servers of a `show servers state` answer (or a server-state file); the runtime
    API's own proxy is not one of them."""
    lines = text.splitlines()
    header = next((line[2:].split() for line in lines if line.startswith("# be_id")), None)
    if header is None:
        return []
    out = []
    for line in lines:
        if not line.strip() or line.startswith("#") or line.strip() == "1":
            continue
        row = dict(zip(header, line.split(), strict=False))
        if row["be_name"] == RUNTIME_API:
            continue
        out.append(ServerState(
            backend=row["be_name"], server=row["srv_name"], address=row["srv_addr"],
            op_state=int(row["srv_op_state"]), admin_state=int(row["srv_admin_state"]),
            weight=int(row["srv_uweight"]), config_weight=int(row["srv_iweight"])))
    return out


def _target(backend: str, server: str) -> str:
    return f"{check_name(backend, 'backend')}/{check_name(server, 'server')}"


def _int(row: dict[str, str], key: str) -> int:
    value = row.get(key) or ""
    return int(value) if value.isdigit() else 0


def _stat(row: dict[str, str]) -> ServerStat:
    return ServerStat(
        backend=row["pxname"], server=row["svname"], status=row.get("status", ""),
        weight=_int(row, "weight"), check_status=row.get("check_status", "") or "",
        requests=_int(row, "req_tot"), sessions=_int(row, "stot"),
        responses_2xx=_int(row, "hrsp_2xx"), responses_4xx=_int(row, "hrsp_4xx"),
        responses_5xx=_int(row, "hrsp_5xx"), connect_errors=_int(row, "econ"),
        response_errors=_int(row, "eresp"), queue_time=_int(row, "qtime"),
        connect_time=_int(row, "ctime"), response_time=_int(row, "rtime"),
        total_time=_int(row, "ttime"))
