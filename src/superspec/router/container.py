"""A router container's lifecycle through the engine adapter.

Files are written into the container atomically: the new contents go, in one archive, to a
staging directory beside their targets, a config is checked with ``haproxy -c``, then ``mv``
renames them into place (one ``mv`` per directory). Weights and states change through the
runtime API; HAProxy loads a new config (a master-worker reload, SIGUSR2) only when backends,
servers or health checks change. After every change the running state is persisted: the config
is re-rendered with the new weights and states, ``show servers state`` is written to the
server-state file, and the model is written beside the config, so a restarted router comes
back with what was last set.

A handle keeps the model it read or set (one read per operation, under the environment's
lease) and the config it installed, so it neither reads the model back nor checks and writes
an unchanged config again.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from superspec.engine.docker import DockerEngine
from superspec.errors import InputError
from superspec.router.config import (
    CONFIG_PATH,
    MODEL_PATH,
    STATE_PATH,
    UPSTREAM_BACKEND,
    UPSTREAM_SERVER,
    Router,
    check_name,
    check_state,
    check_weight,
    render,
)
from superspec.router.runtime import RuntimeClient, RuntimeUnavailable, ServerStat
from superspec.router.wait import wait_for

LABEL_ENV = "io.superspec.env"
LABEL_ROLE = "io.superspec.role"
HEALTHY = ("UP", "DRAIN", "NOLB")  # `show stat` statuses of a server whose checks pass
STAGING = ".new"  # the directory beside a target its new content is written to
LOAD_POLL = 0.02  # seconds between probes while HAProxy starts or reloads
HEALTH_POLL = 0.025  # seconds between probes while servers come up


@dataclass(frozen=True)
class Applied:
    """What ``RouterContainer.apply`` did: whether HAProxy loaded a new config, and the runtime
    changes made ("backend/server weight 50", "backend/server state drain")."""

    reloaded: bool
    changes: tuple[str, ...]


class RouterContainer:
    """The router container ``name`` of an environment, driven through ``engine``."""

    def __init__(self, engine: DockerEngine, name: str, timeout: float = 30.0) -> None:
        self.engine, self.name, self.timeout = engine, check_name(name, "container name"), timeout
        self._runtime: RuntimeClient | None = None  # found once; a restart finds it again
        self._model: Router | None = None  # as read from the container or last set
        self._installed: bytes | None = None  # the config this handle wrote into place
        self._checked: bytes | None = None  # the last config `haproxy -c` accepted

    @classmethod
    def create(cls, engine: DockerEngine, router: Router, *, name: str, image: str,
               networks: Sequence[str], port: int | None = None,
               labels: Mapping[str, str] | None = None, timeout: float = 30.0,
               files: Mapping[str, bytes] | None = None,
               aliases: Sequence[str] = (), start: bool = True) -> RouterContainer:
        """Create and start the router: on ``networks`` (the first one is the environment's),
        its frontend published on 127.0.0.1:``port`` (None: any free port) and its runtime API
        on a free 127.0.0.1 port. Every server starts as down: it gets traffic only after its
        health check has passed ``rise`` times. ``files`` are written into it before it
        starts; ``aliases`` are more names it answers to on the first network (a sub-environment's
        router stands in for the applications it falls back to the parent for). With ``start``
        false it is created but not started (see ``start``)."""
        handle = cls(engine, name, timeout)
        # the runtime API answers the host only: its addresses on these networks
        router = replace(router, admin_from=engine.host_addresses(networks))
        if not router.admin_from:
            raise InputError(f"router {name}: networks {', '.join(networks)} have no gateway "
                             "address, so the runtime API could not tell the host from a "
                             "container")
        engine.create_container(
            image, handle.name, networks=networks,
            labels={LABEL_ENV: router.env, LABEL_ROLE: "proxy", **(labels or {})},
            ports={router.port: port, router.stats_port: None}, stop_signal="SIGUSR1",
            aliases=aliases)
        try:
            config = render(router).encode()
            # the config, a state file starting every server down and the model, plus e.g.
            # the environment's Server Spec: one archive
            engine.put_files(handle.name, {
                CONFIG_PATH: config, STATE_PATH: _fresh_state(router, set()).encode(),
                MODEL_PATH: _model_json(router), **(files or {})})
            handle._model, handle._installed = router, config
            if start:
                handle.start()
        except BaseException:
            engine.remove_container(handle.name)
            raise
        return handle

    def start(self) -> None:
        """Start a router created with ``start=False`` and wait until HAProxy serves its
        servers. The files written before the start are what runs, so there is nothing to
        persist unless a server's state needed a runtime change (``drain`` has no config
        keyword). The names of its servers must resolve by now: start their containers
        first. On failure the container stays: the caller removes it."""
        model = self.router()
        self.engine.start_container(self.name)
        self._wait_loaded(model, previous_pid=None)
        with self._changing():
            if self._sync(model):
                self._persist(model)

    # --- reading ---------------------------------------------------------------------------

    def router(self) -> Router:
        """The router as last set: read from the container (not from a local file) the first
        time, then as this handle last set it."""
        if self._model is None:
            data = self.engine.read_file(self.name, MODEL_PATH)
            if data is None:
                raise InputError(f"container {self.name} holds no {MODEL_PATH}: not a router")
            self._model = Router.from_dict(json.loads(data))
        return self._model

    def runtime(self) -> RuntimeClient:
        """A client of the runtime API, at the port published now (it may change on restart,
        which finds it again)."""
        if self._runtime is None:
            stats_port = self.router().stats_port
            self._runtime = RuntimeClient(self._published(stats_port),
                                          relocate=lambda: self._published(stats_port))
        return self._runtime

    def address(self) -> tuple[str, int]:
        """Where the environment's port is published: ("127.0.0.1", port)."""
        return "127.0.0.1", self._published(self.router().port)

    def stats(self) -> list[ServerStat]:
        return self.runtime().show_stat()

    def wait_healthy(self, servers: Iterable[tuple[str, str]] | None = None,
                     timeout: float | None = None) -> None:
        """Wait until ``servers`` ((backend, server) pairs; default: every server in state
        ready) pass their health checks."""
        wanted = set(servers if servers is not None else
                     ((b, s.name) for b, s in self.router().servers() if s.state == "ready"))
        runtime = self.runtime()

        def probe() -> bool | None:
            status = {(s.backend, s.server): s.status for s in runtime.show_stat()}
            return True if all(status.get(pair) in HEALTHY for pair in wanted) else None

        wait_for(f"servers {_pairs(wanted)} of router {self.name} to pass their health checks",
                 probe, timeout or self.timeout, interval=HEALTH_POLL)

    # --- changing --------------------------------------------------------------------------

    def set_weights(self, weights: Mapping[tuple[str, str], int],
                    model: Router | None = None) -> None:
        """Set the weights of (backend, server) pairs through the runtime API in one exchange
        (rises first), then persist. ``model``: the router as just read, if the caller has it."""
        with self._changing():
            before = model or self.router()
            after = before
            for (backend, server), weight in weights.items():
                after = after.with_server(backend, server,
                                          weight=check_weight(weight, "weight"))
            runtime = self.runtime()
            runtime.set_weights([(b, s, w) for (b, s), w in _raises_first(before, weights)])
            self._persist(after, runtime)

    def set_weight(self, backend: str, server: str, weight: int) -> None:
        self.set_weights({(backend, server): weight})

    def set_state(self, backend: str, server: str, state: str) -> None:
        """Set a server's state (ready, drain, maint) through the runtime API, then persist."""
        with self._changing():
            model = self.router().with_server(backend, server,
                                              state=check_state(state, "state"))
            runtime = self.runtime()
            runtime.set_state(backend, server, state)
            self._persist(model, runtime)

    def apply(self, desired: Router) -> Applied:
        """Make the router ``desired``: a reload when backends, servers or health checks
        changed, runtime changes for weights and states; then persist (nothing to persist when
        nothing changed)."""
        with self._changing():
            current = self.router()
            if desired.env != current.env:
                raise InputError(f"router {self.name} serves environment {current.env!r}, "
                                 f"not {desired.env!r}")
            reloaded = desired.structure() != current.structure()
            if reloaded:
                self._reload(desired)
            changes = self._sync(desired)
            if reloaded or changes or desired != current:
                self._persist(desired)
            return Applied(reloaded=reloaded, changes=tuple(changes))

    def restart(self) -> None:
        """Restart the container (state saved first); wait until HAProxy is back."""
        model = self.router()
        # not running: the state file written after the last change is what it restarts with
        with contextlib.suppress(RuntimeUnavailable):
            state = paired_state(model, self.runtime().show_servers_state())
            self._install({STATE_PATH: state.encode()})
        self.engine.restart_container(self.name)
        self._wait_loaded(model, previous_pid=None)
        self._sync(model)

    def remove(self) -> None:
        self.engine.remove_container(self.name)

    # --- internals -------------------------------------------------------------------------

    def _published(self, port: int) -> int:
        state = self.engine.container_state(self.name)
        if state is None:
            raise InputError(f"router container {self.name} does not exist")
        if port not in state.ports:
            raise RuntimeUnavailable(f"router container {self.name} ({state.status}) has no "
                                     f"port {port} published on 127.0.0.1")
        return state.ports[port]

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        """A change that fails half-way leaves the container's files unknown: read them
        again next time."""
        try:
            yield
        except BaseException:
            self._model = self._installed = None
            raise

    def _write(self, path: str, data: bytes, check: bool = False) -> None:
        """Write one file into place (checked with ``haproxy -c`` first when ``check``)."""
        self._install({path: data}, checked=(path,) if check else ())

    def _install(self, files: Mapping[str, bytes],
                 checked: Iterable[str] = (CONFIG_PATH,)) -> None:
        """Write ``files`` (path -> content) into place: all staged in one archive, those of
        ``checked`` (the config) checked with ``haproxy -c`` unless these very bytes passed
        already, then renamed, one ``mv`` per directory (the model, beside the config,
        last)."""
        staged: dict[str, str] = {}
        for path in files:
            directory, _, filename = path.rpartition("/")
            staged[path] = f"{directory}/{STAGING}/{filename}"
        self.engine.put_files(self.name, {staged[path]: data for path, data in files.items()})
        for path in checked:
            if path not in files or files[path] == self._checked:
                continue
            code, output = self.engine.exec_in(self.name, ["haproxy", "-c", "-f", staged[path]])
            if code != 0:
                raise InputError(f"router {self.name}: HAProxy refused the new config "
                                 f"(haproxy -c exit {code}):\n{output.strip()}")
            self._checked = files[path]
        config = files.get(CONFIG_PATH)
        by_directory: dict[str, list[str]] = {}
        for path in sorted(files, key=lambda p: p == MODEL_PATH):
            by_directory.setdefault(path.rpartition("/")[0], []).append(path)
        for directory, paths in sorted(by_directory.items(),
                                       key=lambda item: MODEL_PATH in item[1]):
            code, output = self.engine.exec_in(
                self.name, ["mv", "-f", *(staged[p] for p in paths), directory + "/"])
            if code != 0:
                raise InputError(f"router {self.name}: renaming {', '.join(paths)} into place "
                                 f"failed (exit {code}): {output.strip()}")
        if config is not None:
            self._installed = config

    def _persist(self, model: Router, runtime: RuntimeClient | None = None) -> None:
        """Config with the current weights (when it differs from the one in place), the
        server-state file, then the model."""
        state = paired_state(model, (runtime or self.runtime()).show_servers_state())
        files = {STATE_PATH: state.encode(), MODEL_PATH: _model_json(model)}
        config = render(model).encode()
        if config != self._installed:
            files[CONFIG_PATH] = config
        self._install(files)
        self._model = model

    def _reload(self, desired: Router) -> None:
        runtime = self.runtime()
        pid = runtime.info().get("Pid")
        known = {(s.backend, s.server) for s in runtime.servers_state()}
        state = (paired_state(desired, runtime.show_servers_state())
                 + _fresh_state(desired, known, header=False))
        self._install({CONFIG_PATH: render(desired).encode(), STATE_PATH: state.encode()})
        self.engine.signal_container(self.name, "SIGUSR2")
        self._wait_loaded(desired, previous_pid=pid)

    def _wait_loaded(self, model: Router, previous_pid: str | None) -> None:
        """Wait until a HAProxy worker (a new one after a reload) serves ``model``'s servers."""
        expected = _expected_pairs(model)

        def probe() -> bool | None:
            state = self.engine.container_state(self.name)
            if state is not None and state.status in ("exited", "dead"):
                raise _Stopped(f"router container {self.name} stopped: "
                               f"{self.engine.container_logs(self.name).strip()}")
            runtime = self.runtime()
            if previous_pid is not None and runtime.info().get("Pid") == previous_pid:
                return None
            loaded = {(s.backend, s.server) for s in runtime.servers_state()}
            return True if loaded == expected else None

        what = f"router {self.name} to serve {_pairs(expected) or 'no servers'}"
        try:
            wait_for(what + (" after a reload" if previous_pid else ""), probe, self.timeout,
                     interval=LOAD_POLL)
        except _Stopped as exc:
            raise InputError(str(exc)) from None
        except InputError as exc:
            logs = self.engine.container_logs(self.name).strip()
            raise InputError(f"{exc}\nrouter log:\n{logs}") from None

    def _sync(self, model: Router) -> list[str]:
        """Runtime changes for every server whose weight or state differs from ``model``, in
        an order that never leaves a backend without a server to send to in between: servers
        coming back (ready) first, then weights that rise, weights that fall, and servers
        leaving (drain, maint) last."""
        runtime = self.runtime()
        live = {(s.backend, s.server): s for s in runtime.servers_state()}
        missing = sorted(f"{b}/{s.name}" for b, s in model.servers() if (b, s.name) not in live)
        if missing:
            raise InputError(f"router {self.name} has no server {', '.join(missing)}")
        states = [(b, s.name, s.state) for b, s in model.servers()
                  if live[(b, s.name)].state != s.state]
        weights = sorted(((b, s.name, s.weight) for b, s in model.servers()
                          if live[(b, s.name)].weight != s.weight),
                         key=lambda c: weight_order(live[(c[0], c[1])].weight, c[2]))
        changes = []
        for backend, server, state in states:
            if state == "ready" and live[(backend, server)].state == "maint":
                runtime.enable_checked(backend, server)
                changes.append(f"{backend}/{server} state {state}")
            elif state == "ready":
                runtime.set_state(backend, server, state)
                changes.append(f"{backend}/{server} state {state}")
        for backend, server, weight in weights:
            runtime.set_weight(backend, server, weight)
            changes.append(f"{backend}/{server} weight {weight}")
        for backend, server, state in states:
            if state != "ready":
                runtime.set_state(backend, server, state)
                changes.append(f"{backend}/{server} state {state}")
        return changes


def weight_order(current: int, new: int) -> tuple[int, int]:
    """Sort key of a weight change: rises before falls (largest first), so traffic always has
    somewhere to go while several weights change one command at a time."""
    return (0, current - new) if new > current else (1, current - new)


def _raises_first(model: Router, weights: Mapping[tuple[str, str], int]
                  ) -> list[tuple[tuple[str, str], int]]:
    current = {(b, s.name): s.weight for b, s in model.servers()}
    return sorted(weights.items(), key=lambda item: weight_order(current[item[0]], item[1]))


class _Stopped(BaseException):
    """The container stopped while waiting: no point waiting longer."""


def _expected_pairs(model: Router) -> set[tuple[str, str]]:
    pairs = {(backend, server.name) for backend, server in model.servers()}
    if model.upstream is not None:
        pairs.add((UPSTREAM_BACKEND, UPSTREAM_SERVER))
    return pairs


def _pairs(pairs: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{b}/{s}" for b, s in sorted(pairs))


def _model_json(model: Router) -> bytes:
    return (json.dumps(model.to_dict(), indent=2, sort_keys=True) + "\n").encode()


def paired_state(model: Router, dump: str) -> str:
    """``dump`` (`show servers state`) as the server-state file of the config ``model``
    renders: each server's srv_iweight (the config weight HAProxy was started with) becomes the
    weight the new config holds. HAProxy applies a saved runtime weight only when that field
    equals the config's weight, and drops a saved drain when it was 0 and the config's is not;
    paired, both survive a restart."""
    weights = {(b, s.name): s.weight for b, s in model.servers()}
    lines = []
    for line in dump.splitlines(keepends=True):
        fields = line.split(" ")
        if len(fields) > 8 and not line.startswith("#") and (fields[1], fields[3]) in weights:
            fields[8] = str(weights[(fields[1], fields[3])])
            line = " ".join(fields)
        lines.append(line)
    return "".join(lines)


def _fresh_state(model: Router, known: set[tuple[str, str]], header: bool = True) -> str:
    """Server-state lines (format version 1) saying "stopped" for every server of ``model``
    not in ``known``: HAProxy then starts them down, so a replica gets traffic only once its
    health check has passed, never in the moments before its first check."""
    lines = ["1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
             "srv_uweight srv_iweight srv_time_since_last_change srv_check_status "
             "srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id "
             "srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port "
             "srv_check_addr srv_agent_addr srv_agent_port\n"] if header else []
    for backend, server in model.servers():
        if (backend, server.name) not in known:
            weight = server.weight
            # check status 1 ("initializing"): HAProxy 2.6 crashes on 0 ("unknown") here
            lines.append(f"0 {backend} 0 {server.name} - 0 0 {weight} {weight} 0 1 0 0 0 0 0 0 "
                         f"- {server.port} - 0 0 - - 0\n")
    return "".join(lines)
