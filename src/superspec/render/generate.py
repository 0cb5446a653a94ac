"""`superspec generate` as a library call: spec(s) -> plan -> Jenkinsfile / .gitlab-ci.yml.

Many projects can be generated in one run (a fleet); each gets its own result, and one project's
error does not stop the others. A fleet runs in two passes: every project is loaded and rendered
(nothing written), then, once no two projects claim one folder, the files are compared and
written. A large fleet runs both passes in worker processes, one per CPU (see ``fleet_workers``);
the results, and every byte written, are those of the same run in one process.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from superspec import __version__
from superspec.errors import SpecError, SuperspecError, UsageError
from superspec.render.engine import TARGETS, Environments, render
from superspec.render.output import FileResult, check_file, write_file
from superspec.render.planner import build_plan
from superspec.spec import EffectiveSpec, compiled, load_spec

SPEC_NAME = "superspec.yaml"
# Below this many projects per CPU a fleet stays in this process: starting the workers costs
# more than they save (measured on 2 cores: about even at 64 projects, ahead from about 96).
POOL_MIN_PROJECTS = 32

_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass(frozen=True)
class Options:
    targets: tuple[str, ...] = ("jenkins", "gitlab")
    out: Path | None = None  # default: next to each spec
    check: bool = False
    templates: tuple[Path, ...] = ()  # --templates, searched before ci.templates and built-ins
    layer_dirs: tuple[Path, ...] = ()
    root: str | None = None  # the pinned root company layer (spec.root)
    environments: Environments = field(default_factory=Environments, compare=False)
    # worker processes for a fleet: None = one per CPU this process may run on (a small fleet
    # stays in process); 1 = in process; N > 1 = N workers, whatever the fleet's size
    jobs: int | None = None


@dataclass
class ProjectResult:
    spec: str  # the spec path as given (or found in a directory)
    name: str | None = None
    digest: str | None = None
    files: list[FileResult] = field(default_factory=list)
    error: SuperspecError | None = None

    @property
    def drift(self) -> bool:
        return any(f.drift for f in self.files)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.drift


def spec_files(paths: Sequence[Path]) -> list[Path]:
    """Each path is a spec file or a directory holding superspec.yaml."""
    found = []
    for path in paths:
        if path.is_dir():
            candidate = path / SPEC_NAME
            if not candidate.is_file():
                raise UsageError(f"{path} is a directory without {SPEC_NAME}")
            found.append(candidate)
        else:
            found.append(path)
    return found


def generate(paths: Sequence[Path], options: Options) -> list[ProjectResult]:
    """Generate (or --check) every project; results in the order given.

    Every spec is loaded and rendered before anything is written to a folder that another
    project of the run could claim: two projects that would write to the same folder (one
    naming itself after another, or two specs side by side) both fail and neither is written.
    A project whose folder no other can claim (next to its spec, the only spec given there) is
    written as soon as it is rendered."""
    options = replace(options, environments=Environments())  # compiled templates for this run
    unique: dict[Path, Path] = {}
    for spec_path in spec_files(paths):  # the same spec twice (however written) is generated once
        unique.setdefault(spec_path.resolve(), spec_path)
    specs = list(unique.values())
    run = _Run(options, fleet=len(specs) > 1, alone=_alone(specs, options.out),
               spec_cache=not compiled.disabled())
    with _mapper(fleet_workers(len(specs), options.jobs), run) as map_:
        rendered = map_(_render_one, specs)
        _claim_folders(rendered)
        todo = [r for r in rendered if r.result.error is None and not r.emitted]
        emitted = map_(_emit_one, [(r.out_dir, r.files) for r in todo])
        for item, files in zip(todo, emitted, strict=True):
            if isinstance(files, SuperspecError):
                item.result.error = files
            else:
                item.result.files = files
    return [r.result for r in rendered]


@dataclass(frozen=True)
class _Run:
    """What every project of a run needs besides its spec path (each worker holds a copy)."""

    options: Options
    fleet: bool = False
    alone: frozenset[str] = frozenset()  # folders (absolute) exactly one spec writes to
    spec_cache: bool = True  # the compiled-spec cache is on in the calling process (a worker
    # that does not inherit the caller's state, not started by fork, is told here)


def _alone(specs: Sequence[Path], out: Path | None) -> frozenset[str]:
    """The folders no two projects can claim: next to each spec, when it is the only one given
    in its directory (with --out, a folder is named after the project: known only once loaded)."""
    if out is not None:
        return frozenset()
    seen: dict[str, int] = {}
    for spec_path in specs:
        folder = os.path.abspath(spec_path.parent)
        seen[folder] = seen.get(folder, 0) + 1
    return frozenset(folder for folder, count in seen.items() if count == 1)


@dataclass
class _Rendered:
    """One project after the first pass: loaded and rendered; written if ``emitted``."""

    result: ProjectResult
    out_dir: Path = Path()  # the folder it claims (once the spec loaded)
    files: list[tuple[str, str]] = field(default_factory=list)  # (file name, text) to write
    claims: bool = False  # the spec loaded: it claims ``out_dir``
    emitted: bool = False  # written (or checked) already: its folder was its own


def _render_one(spec_path: Path) -> _Rendered:
    run = _RUN
    options = run.options
    item = _Rendered(ProjectResult(spec=str(spec_path)))
    try:
        effective = load_spec(spec_path, options.layer_dirs, options.root,
                              use_cache=run.spec_cache)
        item.result.name, item.result.digest = effective.model.name, effective.digest
        item.out_dir = _out_dir(spec_path, effective, options.out, run.fleet)
        item.claims = True
        files = render_project(effective, item.out_dir, options)
        if os.path.abspath(item.out_dir) in run.alone:
            item.emitted = True
            item.result.files = emit_project(files, item.out_dir, options.check)
        else:
            item.files = files
    except SuperspecError as exc:
        item.result.error = exc
    return item


def _claim_folders(rendered: list[_Rendered]) -> None:
    """Projects that would write to one folder all fail (whatever else went wrong for them)."""
    writers: dict[str, list[_Rendered]] = {}
    for item in rendered:
        if item.claims:
            writers.setdefault(os.path.abspath(item.out_dir), []).append(item)
    for claims in writers.values():
        if len(claims) > 1:
            for item in claims:
                result = item.result
                others = " and ".join(o.result.spec for o in claims if o is not item)
                result.error = UsageError(
                    f"{result.spec} and {others} would both write to {item.out_dir} (project "
                    f"name '{result.name}'); nothing was written for either")


def _emit_one(task: tuple[Path, list[tuple[str, str]]]) -> list[FileResult] | SuperspecError:
    out_dir, files = task
    try:
        return emit_project(files, out_dir, _RUN.options.check)
    except SuperspecError as exc:
        return exc


def emit_project(files: Sequence[tuple[str, str]], out_dir: Path,
                 check: bool) -> list[FileResult]:
    """Compare (``check``) or write the rendered ``files`` of one project into ``out_dir``."""
    out_abs = Path(os.path.abspath(out_dir))
    results = []
    for name, content in files:
        display = str(out_dir / name)
        if check:
            results.append(check_file(out_abs / name, display, content))
        else:
            results.append(write_file(out_abs / name, display, content))
    return results


def generate_project(effective: EffectiveSpec, out_dir: Path, options: Options) -> list[FileResult]:
    """Render every target first, then compare or write them (nothing half-written)."""
    return emit_project(render_project(effective, out_dir, options), out_dir, options.check)


def fleet_workers(projects: int, jobs: int | None = None) -> int:
    """How many worker processes generate ``projects`` projects; 0 = in this process."""
    if projects < 2 or jobs == 1:
        return 0
    if jobs is not None:
        return min(jobs, projects)
    cpus = _usable_cpus()
    if cpus < 2 or projects < POOL_MIN_PROJECTS * cpus:
        return 0
    return cpus


def _usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask (e.g. a container's cpuset), and no more
    than its cgroup's CPU quota (a container started with ``--cpus``)."""
    affinity = getattr(os, "sched_getaffinity", None)  # not on macOS or Windows
    cpus = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    quota = cgroup_cpus()
    return cpus if quota is None else max(1, min(cpus, quota))


def cgroup_cpus(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The CPU quota of this process's cgroup, rounded up (None: no quota, or none readable).
    cgroup v2 ``cpu.max`` ("max 100000" or "QUOTA PERIOD"), else v1 ``cpu.cfs_quota_us``."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    try:
        if quota == "max" or int(quota) <= 0 or int(period) <= 0:
            return None
        return -(-int(quota) // int(period))
    except ValueError:
        return None


_RUN = _Run(Options())  # the current run: set here for its length, and in each worker


@contextmanager
def _mapper(workers: int,
            run: _Run) -> Iterator[Callable[[Callable[[_T], _R], Sequence[_T]], list[_R]]]:
    """A ``map`` over the fleet, in order: in this process, or in ``workers`` processes. The
    first project is done here before the workers start, so that they start with what it
    loaded: imported modules, the layers it extends, the compiled templates."""
    global _RUN
    saved, _RUN = _RUN, run
    pools: list[Any] = []

    def map_(func: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
        if workers == 0 or len(items) < 2:
            return [func(item) for item in items]
        done = []
        if not pools:
            done.append(func(items[0]))
            items = items[1:]
            pools.append(_pool(workers, run))
        chunk = max(1, min(16, len(items) // (workers * 8)))
        return done + list(pools[0].map(func, items, chunksize=chunk))

    try:
        yield map_
    finally:
        _RUN = saved
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _pool(workers: int, run: _Run) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start_method()),
                               initializer=_start_worker, initargs=(run,))


def start_method() -> str:
    """``fork`` where it is safe (Linux, no other thread running): a worker starts in a few
    milliseconds with this process's modules, parsed layers and compiled templates. Elsewhere
    ``forkserver`` (or ``spawn``), whose workers import superspec themselves."""
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _start_worker(run: _Run) -> None:
    import signal

    global _RUN
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    _RUN = run


def render_project(effective: EffectiveSpec, out_dir: Path,
                   options: Options) -> list[tuple[str, str]]:
    """(file name, text) of every target, as written into ``out_dir``."""
    out_abs = Path(os.path.abspath(out_dir))
    spec_rel = Path(os.path.relpath(effective.path, out_abs)).as_posix()
    plan = build_plan(effective, spec_rel, __version__)
    overrides = [os.path.abspath(d) for d in options.templates] + _layer_templates(effective)
    regenerate = _regenerate_command(spec_rel, out_abs == effective.path.parent,
                                     _extends_by_name(effective))
    return [(TARGETS[t], render(t, plan, overrides, regenerate, options.environments))
            for t in options.targets]


def _out_dir(spec_path: Path, effective: EffectiveSpec, out: Path | None, fleet: bool) -> Path:
    if out is None:
        return spec_path.parent  # shown as the user wrote it
    return out / effective.model.name if fleet else out


def _layer_templates(effective: EffectiveSpec) -> list[str]:
    """`ci.templates`: a directory relative to the layer file that set it."""
    value = effective.model.ci.templates
    if value is None:
        return []
    origin = effective.origin("ci.templates")
    if origin is None:
        return []
    directory = Path(origin.file).parent / value
    if not directory.is_dir():
        raise SpecError(f"template directory {directory} does not exist",
                        location=effective.locate("ci.templates"))
    return [os.path.abspath(directory)]


def _extends_by_name(effective: EffectiveSpec) -> bool:
    """Whether a layer of the chain was found by name (so regenerating needs --layers)."""
    from superspec.spec.layers import looks_like_path

    refs = [layer.data.get("extends") for layer in effective.layer_view()]
    return any(ref is not None and not looks_like_path(ref) for ref in refs)


def _regenerate_command(spec_rel: str, beside_spec: bool, by_name: bool = False) -> str:
    words = ["superspec", "generate"]
    if spec_rel != SPEC_NAME:
        words += ["--spec", shlex.quote(spec_rel)]
    if by_name:
        words += ["--layers", "DIR"]  # machine-specific: the reader supplies it
    if not beside_spec:
        words += ["--out", "."]
    return " ".join(words)
