"""The router model and the haproxy.cfg it renders to: pure values, no engine, no I/O.

Every name and value that reaches the config text is checked against a closed alphabet (letters,
digits, ``-``, ``_``, ``.``; paths also ``/ ? = & ~``), so no spec value can add a line, a
comment or an argument to the config, nor a command to a runtime API call.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from superspec.errors import InputError

CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg"
MODEL_PATH = "/usr/local/etc/haproxy/router.json"
STATE_PATH = "/var/lib/haproxy/server-state"
STATES = ("ready", "drain", "maint")
MAX_WEIGHT = 256
MAX_CHECK_MS = 86_400_000  # a day: the longest check interval or timeout
MAX_RISE = 1000
FAST_CHECK_MS = 200  # the check interval of a server coming up or going down
UPSTREAM_BACKEND = "superspec-upstream"  # the generated backend of the fallback upstream
UPSTREAM_SERVER = "parent"
# the runtime API: HAProxy's stats socket is a unix socket inside the container, reached from
# outside through this TCP proxy, which accepts connections from the host's addresses only
RUNTIME_API = "superspec-runtime-api"
ADMIN_SOCKET = "/run/haproxy-admin.sock"
RESERVED = (UPSTREAM_BACKEND, RUNTIME_API)

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_PATH = re.compile(r"/[A-Za-z0-9._~/?=&-]{0,255}")
_ALPHABET = "only letters, digits, '-', '_' and '.' (starting with a letter or digit, at most 128)"


def check_name(value: object, where: str) -> str:
    """``value`` when it is a name that is safe in config text and runtime commands."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InputError(f"router {where}: {value!r} is not a valid name: {_ALPHABET}")
    return value


def _check_int(value: object, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"router {where}: {value!r} is not a whole number from {low} to {high}")
    return value


def check_weight(value: object, where: str) -> int:
    return _check_int(value, where, 0, MAX_WEIGHT)


def check_state(value: object, where: str) -> str:
    if value not in STATES:
        raise InputError(f"router {where}: {value!r} is not one of {', '.join(STATES)}")
    return str(value)


def shared_host(project: str, env: str) -> str:
    """The Host header that selects ``project`` in a shared environment ``env``."""
    return f"{check_name(project, 'project')}.{check_name(env, 'environment')}".lower()


@dataclass(frozen=True)
class Server:
    """One replica, reached by its container name through Docker's DNS (or by ``host``: a
    DNS name several servers of a backend share, e.g. a swarm service's ``tasks.<name>``;
    HAProxy gives each of them a different address of the answer)."""

    name: str  # the container name
    port: int
    weight: int = 100
    state: str = "ready"  # ready | drain | maint
    host: str | None = None  # the name to resolve, when it is not the server's name

    def check(self, where: str) -> None:
        check_name(self.name, f"{where}.name")
        if self.host is not None:
            check_name(self.host, f"{where}.host")
        _check_int(self.port, f"{where}.port", 1, 65535)
        check_weight(self.weight, f"{where}.weight")
        check_state(self.state, f"{where}.state")


@dataclass(frozen=True)
class Backend:
    """An application: the Host headers that select it, its health path, its replicas and its
    health checks: one every ``check_interval_ms`` while a server is up (every 200 ms, or the
    interval when shorter, while it comes up or goes down), each answer within
    ``check_timeout_ms`` (None: HAProxy's default, the interval), and ``rise`` passing checks
    in a row before a server gets traffic."""

    name: str
    hosts: tuple[str, ...] = ()
    servers: tuple[Server, ...] = ()
    health_path: str = "/healthz"
    check_interval_ms: int = 1000
    check_timeout_ms: int | None = None
    rise: int = 3

    def __post_init__(self) -> None:
        where = f"backends[{self.name!r}]"
        check_name(self.name, f"{where}.name")
        if self.name in RESERVED:
            raise InputError(f"router {where}.name: {self.name!r} is reserved for the router")
        for host in self.hosts:
            check_name(host, f"{where}.hosts")
        if not isinstance(self.health_path, str) or not _PATH.fullmatch(self.health_path):
            raise InputError(
                f"router {where}.health_path: {self.health_path!r} is not a valid path: '/' "
                "then only letters, digits and '-', '_', '.', '~', '/', '?', '=', '&'")
        _check_int(self.check_interval_ms, f"{where}.check_interval_ms", 1, MAX_CHECK_MS)
        if self.check_timeout_ms is not None:
            _check_int(self.check_timeout_ms, f"{where}.check_timeout_ms", 1, MAX_CHECK_MS)
        _check_int(self.rise, f"{where}.rise", 1, MAX_RISE)
        names = [server.name for server in self.servers]
        for server in self.servers:
            server.check(f"{where}.servers[{server.name!r}]")
        _unique(names, f"{where}.servers", "server")
        object.__setattr__(self, "hosts", tuple(sorted({h.lower() for h in self.hosts})))
        object.__setattr__(self, "servers", tuple(sorted(self.servers, key=lambda s: s.name)))

    def server(self, name: str) -> Server:
        for server in self.servers:
            if server.name == name:
                return server
        raise InputError(f"router backend {self.name!r} has no server {name!r}")


@dataclass(frozen=True)
class Upstream:
    """Where requests for applications this router does not hold go: another router, by its
    container name and the port its frontend listens on inside its container. ``hosts`` are
    always forwarded there (the parent's applications a sub-environment did not fork); other
    unmatched requests go to the default backend when there is one, else there too."""

    host: str
    port: int = 8080
    hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_name(self.host, "upstream.host")
        _check_int(self.port, "upstream.port", 1, 65535)
        for host in self.hosts:
            check_name(host, "upstream.hosts")
        object.__setattr__(self, "hosts", tuple(sorted({h.lower() for h in self.hosts})))


@dataclass(frozen=True)
class Router:
    """An environment's router: its frontend port and runtime API port inside the container,
    its backends, and optionally a default backend or a fallback upstream (not both)."""

    env: str
    backends: tuple[Backend, ...] = ()
    port: int = 8080
    stats_port: int = 9999
    default_backend: str | None = None
    upstream: Upstream | None = None
    # the IPv4 addresses the runtime API accepts connections from (the host's, on the router's
    # networks); empty: from anywhere (a router created before this was recorded)
    admin_from: tuple[str, ...] = ()
    _index: dict[str, Backend] = field(default_factory=dict, init=False, repr=False,
                                       compare=False)

    def __post_init__(self) -> None:
        check_name(self.env, "env")
        _check_int(self.port, "port", 1, 65535)
        _check_int(self.stats_port, "stats_port", 1, 65535)
        if self.port == self.stats_port:
            raise InputError(f"router stats_port: {self.stats_port} is also the frontend port")
        _unique([b.name for b in self.backends], "backends", "backend")
        object.__setattr__(self, "admin_from", _addresses(self.admin_from))
        _unique([h for b in self.backends for h in b.hosts]
                + list(self.upstream.hosts if self.upstream else ()), "backends.hosts", "host")
        backends = tuple(sorted(self.backends, key=lambda b: b.name))
        object.__setattr__(self, "backends", backends)
        self._index.update({b.name: b for b in backends})
        if self.default_backend is not None:
            check_name(self.default_backend, "default_backend")
            if self.default_backend not in self._index:
                raise InputError(f"router default_backend: {self.default_backend!r} is not one "
                                 f"of the backends ({', '.join(self._index) or 'none'})")

    def backend(self, name: str) -> Backend:
        try:
            return self._index[check_name(name, "backend")]
        except KeyError:
            raise InputError(f"router for {self.env!r} has no backend {name!r}") from None

    def servers(self) -> Iterator[tuple[str, Server]]:
        """(backend name, server) for every replica, in config order."""
        for backend in self.backends:
            for server in backend.servers:
                yield backend.name, server

    def with_server(self, backend: str, server: str, *, weight: int | None = None,
                    state: str | None = None) -> Router:
        """This router with one server's weight and/or state changed."""
        current = self.backend(backend).server(check_name(server, "server"))
        changed = replace(current,
                          weight=current.weight if weight is None else weight,
                          state=current.state if state is None else state)
        changed.check(f"backends[{backend!r}].servers[{server!r}]")
        backends = tuple(
            replace(b, servers=tuple(changed if s.name == server else s for s in b.servers))
            if b.name == backend else b for b in self.backends)
        return replace(self, backends=backends)

    def structure(self) -> tuple[Any, ...]:
        """Everything but weights and states: when it changes, HAProxy must load a new config
        (a reload); weights and states change through the runtime API."""
        return (self.env, self.port, self.stats_port, self.default_backend, self.upstream,
                self.admin_from,
                tuple((b.name, b.hosts, b.health_path, b.check_interval_ms,
                       b.check_timeout_ms, b.rise,
                       tuple((s.name, s.port, s.host) for s in b.servers))
                      for b in self.backends))

    def to_dict(self) -> dict[str, Any]:
        return {
            "env": self.env, "port": self.port, "stats_port": self.stats_port,
            "default_backend": self.default_backend, "admin_from": list(self.admin_from),
            "upstream": None if self.upstream is None else
            {"host": self.upstream.host, "port": self.upstream.port,
             "hosts": list(self.upstream.hosts)},
            "backends": [
                {"name": b.name, "hosts": list(b.hosts), "health_path": b.health_path,
                 "check_interval_ms": b.check_interval_ms,
                 "check_timeout_ms": b.check_timeout_ms, "rise": b.rise,
                 "servers": [{"name": s.name, "port": s.port, "weight": s.weight,
                              "state": s.state} | ({"host": s.host} if s.host else {})
                             for s in b.servers]}
                for b in self.backends],
        }

    @classmethod
    def from_dict(cls, data: object) -> Router:
        """The router ``data`` (as ``to_dict`` writes it) describes; unknown keys are refused."""
        top = _fields(data, "router", {"env"}, {"port", "stats_port", "default_backend",
                                                 "upstream", "backends", "admin_from"})
        upstream = top.get("upstream")
        backends = []
        for index, item in enumerate(_list(top.get("backends", []), "backends")):
            where = f"backends[{index}]"
            raw = _fields(item, where, {"name"}, {"hosts", "health_path", "servers",
                                                  "check_interval_ms", "check_timeout_ms",
                                                  "rise"})
            servers = tuple(
                Server(**_fields(s, f"{where}.servers[{i}]", {"name", "port"},
                                 {"weight", "state", "host"}))
                for i, s in enumerate(_list(raw.get("servers", []), f"{where}.servers")))
            backends.append(Backend(
                name=raw["name"], hosts=tuple(_list(raw.get("hosts", []), f"{where}.hosts")),
                servers=servers, health_path=raw.get("health_path", "/healthz"),
                check_interval_ms=raw.get("check_interval_ms", 1000),
                check_timeout_ms=raw.get("check_timeout_ms"), rise=raw.get("rise", 3)))
        return cls(
            env=top["env"], backends=tuple(backends), port=top.get("port", 8080),
            stats_port=top.get("stats_port", 9999), default_backend=top.get("default_backend"),
            admin_from=tuple(_list(top.get("admin_from", []), "admin_from")),
            upstream=None if upstream is None else
            _upstream(_fields(upstream, "upstream", {"host"}, {"port", "hosts"})))


def _addresses(found: object) -> tuple[str, ...]:
    """IPv4 addresses, each once, sorted; anything else is refused (they are rendered into the
    config)."""
    if not isinstance(found, tuple):
        raise InputError("router admin_from: expected a tuple of IPv4 addresses")
    out = set()
    for item in found:
        if not isinstance(item, str):
            raise InputError(f"router admin_from: {item!r} is not an IPv4 address")
        try:
            out.add(str(ipaddress.IPv4Address(item)))
        except (ipaddress.AddressValueError, ValueError, TypeError):
            raise InputError(f"router admin_from: {item!r} is not an IPv4 address") from None
    return tuple(sorted(out, key=ipaddress.IPv4Address))


def _upstream(fields: dict[str, Any]) -> Upstream:
    return Upstream(host=fields["host"], port=fields.get("port", 8080),
                    hosts=tuple(_list(fields.get("hosts", []), "upstream.hosts")))


def _unique(names: list[str], where: str, what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise InputError(f"router {where}: {what} {name!r} appears more than once")
        seen.add(name.lower())


def _fields(data: object, where: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise InputError(f"router {where}: expected a mapping, got {type(data).__name__}")
    unknown = sorted(str(key) for key in data if key not in required | optional)
    if unknown:
        raise InputError(f"router {where}: unknown key(s) {', '.join(unknown)}")
    missing = sorted(required - set(data))
    if missing:
        raise InputError(f"router {where}: missing key(s) {', '.join(missing)}")
    return dict(data)


def _list(data: object, where: str) -> list[Any]:
    if not isinstance(data, list | tuple):
        raise InputError(f"router {where}: expected a list, got {type(data).__name__}")
    return list(data)


# --- haproxy.cfg ----------------------------------------------------------------------------

_GLOBAL = """\
global
    log stdout format raw local0 info
    stats socket {admin_socket} mode 600 level admin
    stats timeout 30s
    server-state-file {state_path}
    hard-stop-after 30s

resolvers docker
    nameserver dns 127.0.0.11:53
    resolve_retries 3
    timeout resolve 1s
    timeout retry 1s
    hold valid 10s
    hold other 10s
    hold refused 10s
    hold nx 10s
    hold timeout 10s
    hold obsolete 0s
    accepted_payload_size 8192

defaults
    mode http
    log global
    option dontlognull
    log-format "superspec-access %b %s %ST %Ta"
    option redispatch
    retries 3
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout queue 10s
    load-server-state-from-file global
"""



def _duration(ms: int) -> str:
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _default_server(interval_ms: int = 1000, rise: int = 3) -> str:
    """A server that is up is checked every ``interval_ms``; one coming up (or down) every
    200 ms (or the interval when shorter), so a new replica passes its ``rise`` checks
    quickly."""
    fast = _duration(min(FAST_CHECK_MS, interval_ms))
    return (f"    default-server inter {_duration(interval_ms)} fastinter {fast} downinter {fast} "
            f"fall 2 rise {rise} resolvers docker resolve-prefer ipv4 "
            "init-addr last,libc,none\n")


def _runtime_api(router: Router) -> str:
    """The runtime API's TCP side: a proxy to the admin socket that accepts a connection only
    from the host (the client at the published port), never from a container on the
    environment's networks (an application could otherwise drain or re-weight any server)."""
    allow = (f"    tcp-request connection reject unless {{ src {' '.join(router.admin_from)} }}\n"
             if router.admin_from else "")
    return (f"\nlisten {RUNTIME_API}\n"
            "    mode tcp\n"
            "    log-format \"superspec-runtime-api %ci\"\n"
            "    no log\n"
            f"    bind ipv4@0.0.0.0:{router.stats_port}\n"
            f"{allow}"
            f"    server api {ADMIN_SOCKET}\n")


def render(router: Router) -> str:
    """haproxy.cfg for ``router``: the same router gives the same bytes."""
    out = [f"# superspec router of environment {router.env}\n",
           _GLOBAL.format(admin_socket=ADMIN_SOCKET, state_path=STATE_PATH),
           _runtime_api(router),
           "\nfrontend env\n",
           f"    bind :{router.port}\n",
           "    http-request set-var(txn.host) req.hdr(host),field(1,:),lower\n"]
    for backend in router.backends:
        if backend.hosts:
            out.append(f"    use_backend {backend.name} if "
                       f"{{ var(txn.host) -m str {' '.join(backend.hosts)} }}\n")
    if router.upstream is not None and router.upstream.hosts:
        out.append(f"    use_backend {UPSTREAM_BACKEND} if "
                   f"{{ var(txn.host) -m str {' '.join(router.upstream.hosts)} }}\n")
    if router.default_backend is not None:
        out.append(f"    default_backend {router.default_backend}\n")
    elif router.upstream is not None:
        out.append(f"    default_backend {UPSTREAM_BACKEND}\n")
    for backend in router.backends:
        out += [f"\nbackend {backend.name}\n",
                "    balance roundrobin\n",
                f"    option httpchk GET {backend.health_path}\n",
                "    http-check expect status 200-399\n"]
        if backend.check_timeout_ms is not None:
            out.append(f"    timeout check {_duration(backend.check_timeout_ms)}\n")
        out.append(_default_server(backend.check_interval_ms, backend.rise))
        for server in backend.servers:
            # a name unknown to Docker's DNS (an unused slot) would block HAProxy's start on
            # the C library's lookup, forwarded to unreachable upstream resolvers: resolved at
            # run time only
            disabled = " disabled init-addr none" if server.state == "maint" else ""
            address = f"{server.host or server.name}:{server.port}"
            # a shared name may not resolve yet (no task is healthy): the resolvers fill it in
            # at run time, never a blocking libc lookup while HAProxy loads
            init = " init-addr last,none" if server.host else ""
            out.append(f"    server {server.name} {address} check "
                       f"weight {server.weight}{disabled}{init}\n")
    if router.upstream is not None:
        up = router.upstream
        out += [f"\nbackend {UPSTREAM_BACKEND}\n", _default_server(),
                f"    server {UPSTREAM_SERVER} {up.host}:{up.port}\n"]
    return "".join(out)
