"""Where `env create` and `env split` spend their time: the same code the CLI runs, in process,
with its phases and every Docker engine call timed (by wrapping them for one run; nothing in
superspec changes)."""

from __future__ import annotations

import functools
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Span:
    label: str
    start: float
    end: float
    depth: int


@dataclass
class Tracer:
    """Spans of the wrapped phases (nested by depth) and per-method engine call times."""

    origin: float = field(default_factory=time.perf_counter)
    spans: list[Span] = field(default_factory=list)
    calls: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _local: threading.local = field(default_factory=threading.local)
    _restore: list[tuple[Any, str, Any]] = field(default_factory=list)

    @property
    def _depth(self) -> int:
        """The nesting depth in this thread (threads started inside a phase begin one deeper
        than the top: `env create` starts its replicas together)."""
        default = 0 if threading.current_thread() is threading.main_thread() else 3
        return int(getattr(self._local, "depth", default))

    @_depth.setter
    def _depth(self, value: int) -> None:
        self._local.depth = value

    def phase(self, owner: Any, attr: str | tuple[str, ...], label: str) -> None:
        """Time every call of ``owner.attr`` as a span named ``label`` (the first of several
        names ``owner`` has, when the function goes by another name in this version)."""
        for name in (attr,) if isinstance(attr, str) else attr:
            if hasattr(owner, name):
                self._patch(owner, name, lambda f: self._span_wrapper(f, label))
                return

    def engine_calls(self, cls: type, names: list[str]) -> None:
        """Count and time every call of these methods of ``cls`` (the engine adapter)."""
        for name in names:
            self._patch(cls, name, functools.partial(self._call_wrapper, name=name))

    def undo(self) -> None:
        for owner, attr, original in reversed(self._restore):
            setattr(owner, attr, original)
        self._restore.clear()

    def _patch(self, owner: Any, attr: str, make: Callable[[Any], Any]) -> None:
        raw = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
        self._restore.append((owner, attr, raw))
        if isinstance(raw, classmethod):
            setattr(owner, attr, classmethod(make(raw.__func__)))
        elif isinstance(raw, staticmethod):
            setattr(owner, attr, staticmethod(make(raw.__func__)))
        else:
            setattr(owner, attr, make(raw))

    def _span_wrapper(self, func: Any, label: str) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            self._depth += 1
            try:
                return func(*args, **kwargs)
            finally:
                self._depth -= 1
                self.spans.append(Span(label, start - self.origin,
                                       time.perf_counter() - self.origin, self._depth))
        return wrapper

    def _call_wrapper(self, func: Any, *, name: str) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.calls[name].append(time.perf_counter() - start)
        return wrapper

    def timeline(self, max_depth: int = 2) -> list[str]:
        """Spans in start order, indented by depth: ``start  duration  label``."""
        lines = []
        for span in sorted(self.spans, key=lambda s: (s.start, s.depth)):
            if span.depth < max_depth:
                lines.append(f"{span.start:7.3f} s  {span.end - span.start:6.3f} s  "
                             f"{'  ' * span.depth}{span.label}")
        return lines

    def totals(self) -> dict[str, float]:
        """Seconds per label (all calls, any depth)."""
        out: dict[str, float] = defaultdict(float)
        for span in self.spans:
            out[span.label] += span.end - span.start
        return dict(out)

    def engine_summary(self) -> list[str]:
        rows = sorted(self.calls.items(), key=lambda item: -sum(item[1]))
        return [f"{name:<18} {len(times):3d} calls  {sum(times):6.3f} s" for name, times in rows]


ENGINE_METHODS = ["image", "import_image", "create_container", "container_state",
                  "start_container", "signal_container", "remove_container", "container_logs",
                  "put_files", "read_file", "exec_in", "containers", "ensure_network",
                  "networks", "remove_network"]  # put_file writes through put_files


@contextmanager
def traced(split: bool = False) -> Iterator[Tracer]:
    """A tracer on the phases of `env create` (and of `env split` with ``split``)."""
    from superspec.engine.docker import DockerEngine
    from superspec.env import apply, database
    from superspec.env import split as splitting
    from superspec.router.container import RouterContainer

    tracer = Tracer()
    tracer.engine_calls(DockerEngine, ENGINE_METHODS)
    tracer.phase(apply, "up", "up (whole application)")
    tracer.phase(apply, "router_image", "router image: look up (build when missing)")
    tracer.phase(apply, "build_router_image", "build router image")
    tracer.phase(apply, "_network", "network")
    tracer.phase(apply, "_running_router", "router: look for a running one")
    tracer.phase(apply, "_new_router", "new environment: replicas, then the router")
    tracer.phase(apply, "together", "replicas started together (router created meanwhile)")
    tracer.phase(RouterContainer, "create", "router: create, write files (not started)")
    tracer.phase(RouterContainer, "start", "router: start")
    tracer.phase(RouterContainer, "_wait_loaded", "router: wait until HAProxy serves")
    tracer.phase(RouterContainer, "_persist", "router: persist")
    tracer.phase(RouterContainer, "_reload", "router: reload (haproxy -c, mv, SIGUSR2)")
    tracer.phase(RouterContainer, "_sync", "router: sync weights/states")
    tracer.phase(database, "bring_up", "database: baseline + migrations")
    tracer.phase(database, "current", "database: read status")
    tracer.phase(apply, "start_replica", "replica: create, write Server Spec, start")
    tracer.phase(apply, "route", "router: add backend to a running router")
    tracer.phase(apply, "_wait_healthy", "wait: replicas pass health checks")
    tracer.phase(apply, "read_spec", "read Server Spec")
    if split:
        tracer.phase(splitting, "up", "up (forked application)")
        tracer.phase(splitting, "copy_database", "database: copy (SQLite backup API)")
        tracer.phase(splitting, "_parent_spec", "read parent's Server Spec")
        tracer.phase(splitting, "split", "split (whole)")
    try:
        tracer.origin = time.perf_counter()
        yield tracer
    finally:
        tracer.undo()
