"""`superspec jenkins plan | apply | prune`: compare the wanted jobs with the live server, then
create, update or delete.

The truth is the server: every plan reads the live config.xml of each existing job (never a
local cache), so an edit made in the UI shows as an update. Orphans are jobs carrying the
superspec marker in the folders the fleet touches that no project wants any more; a job without
the marker is never one. Work on jobs runs on ``workers`` threads; one job's failure does not
stop the others unless ``fail_fast``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from superspec.integrations.jenkins import JenkinsClient, JenkinsError
from superspec.integrations.jenkins_config import (
    FOLDER,
    MULTIBRANCH,
    WORKFLOW_JOB,
    canonical,
    diff,
    item_class,
    marker_of,
)
from superspec.integrations.jenkins_jobs import Project, WantedJob
from superspec.integrations.jenkins_lint import located

R = TypeVar("R")
PENDING = ("create", "update", "replace", "orphaned")
KIND_OF_CLASS = {WORKFLOW_JOB: "pipeline", MULTIBRANCH: "multibranch"}


@dataclass(frozen=True)
class Settings:
    workers: int = 4
    fail_fast: bool = False
    lint: bool = True
    dry_run: bool = False
    scan_folders: tuple[str, ...] = ()


@dataclass
class JobChange:
    name: str | None  # None: the spec did not load
    action: str  # create, update, replace, unchanged, orphaned, error, skipped
    project: str | None = None
    spec: str | None = None
    kind: str | None = None
    managed: bool = True  # False: the job exists without the marker (apply takes it over)
    diff: str = ""
    errors: list[str] = field(default_factory=list)
    result: str | None = None  # after apply/prune: created, updated, replaced, deleted, failed
    wanted: WantedJob | None = field(default=None, repr=False)


@dataclass
class FolderChange:
    name: str
    action: str = "create"
    result: str | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Report:
    command: str
    server: str
    dry_run: bool = False
    version: str | None = None
    folders: list[FolderChange] = field(default_factory=list)
    jobs: list[JobChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # failures of the run as a whole
    requests: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(j.errors for j in self.jobs) or any(
            f.errors for f in self.folders)

    @property
    def pending(self) -> bool:
        """Changes the server does not have yet (Terraform's exit code 2 with a plan)."""
        return any(f.result is None for f in self.folders) or any(
            j.action in PENDING and j.result in (None, "failed") for j in self.jobs)

    def error_lines(self) -> list[str]:
        lines = [e for j in self.jobs if j.name is None for e in j.errors]  # specs first
        lines += [e for f in self.folders for e in f.errors]
        lines += [e for j in self.jobs if j.name is not None for e in j.errors]
        return lines + self.problems


def run(command: str, projects: Sequence[Project], client: JenkinsClient,
        settings: Settings) -> Report:
    """Plan; then, for apply and prune (unless dry_run), carry the plan out."""
    report = Report(command, client.server, dry_run=settings.dry_run)
    stop = threading.Event()
    for project in projects:
        if project.error is not None:
            report.jobs.append(JobChange(None, "error", spec=project.spec, errors=[
                line if line.startswith(project.spec) else f"{project.spec}: {line}"
                for line in project.error.lines()]))
    wanted = [p.job for p in projects if p.job is not None]
    if settings.fail_fast and report.failed:
        return report
    try:
        report.version = client.check()
        _plan(report, wanted, client, settings, stop)
        if not settings.dry_run and not (settings.fail_fast and report.failed):
            if command == "apply":
                _apply(report, client, settings, stop)
            elif command == "prune":
                _prune(report, projects, client, settings, stop)
    except JenkinsError as exc:  # fatal: the listing, the credentials, the server itself
        report.problems.append(str(exc))
    finally:
        report.requests = client.requests
    report.jobs.sort(key=lambda j: (j.name is not None, (j.name or j.spec or "").casefold()))
    return report


def _plan(report: Report, wanted: list[WantedJob], client: JenkinsClient, settings: Settings,
          stop: threading.Event) -> None:
    touched = {job.folder.casefold() for job in wanted}
    touched |= {f.strip("/").casefold() for f in settings.scan_folders}
    depth = max((len(f.split("/")) if f else 0 for f in touched), default=0)
    listing = {str(item["fullname"]).casefold(): item for item in client.list_jobs(depth)}
    broken: dict[str, str] = {}  # folder -> why jobs under it cannot be planned
    for folder in sorted({a for job in wanted for a in _ancestors(job.folder)},
                         key=lambda f: (f.count("/"), f.casefold())):
        item = listing.get(folder.casefold())
        if item is None:
            report.folders.append(FolderChange(folder))
        elif item.get("_class") != FOLDER:
            broken[folder] = (f"{folder} exists on the server and is not a folder "
                              f"({item.get('_class')})")
    missing = {f.name.casefold() for f in report.folders}

    def plan_job(job: WantedJob) -> JobChange:
        change = JobChange(job.name, "create", job.project, job.spec, job.kind, wanted=job)
        blocked = [broken[a] for a in _ancestors(job.folder) if a in broken]
        if blocked:
            return _failed(change, f"cannot plan job {job.name}: {blocked[0]}")
        if settings.lint:
            problems = client.lint(job.name, job.jenkinsfile)
            if problems:
                return _failed(change, *located(job.name, job.spec, job.jenkinsfile, problems))
        in_new_folder = any(a.casefold() in missing for a in _ancestors(job.folder))
        if in_new_folder or job.name.casefold() not in listing:
            return change
        live = client.job_config(job.name)
        if live is None:
            return change
        _compare(change, job, live)
        return change

    report.jobs += _parallel([_guarded(plan_job, job, stop, settings) for job in wanted],
                             settings.workers)
    wanted_names = {job.name.casefold() for job in wanted}
    companies = {job.company for job in wanted}
    candidates = [item for key, item in sorted(listing.items())
                  if key.rpartition("/")[0] in touched and key not in wanted_names
                  and item.get("_class") != FOLDER]

    def check_orphan(item: dict[str, Any]) -> JobChange | None:
        name = str(item["fullname"])
        live = client.job_config(name)
        marker = marker_of(live) if live is not None else None
        if marker is None or marker.company not in companies:
            return None  # not superspec's (or another company's): never touched
        return JobChange(name, "orphaned", project=marker.project,
                         kind=KIND_OF_CLASS.get(str(item.get("_class"))))

    found = _parallel([_guarded_orphan(check_orphan, item, stop, settings)
                       for item in candidates], settings.workers)
    report.jobs += [change for change in found if change is not None]


def _compare(change: JobChange, job: WantedJob, live: str) -> None:
    marker = marker_of(live)
    change.managed = marker is not None
    try:
        live_canonical = canonical(live)
        live_class = item_class(live)
    except ValueError:
        _failed(change, f"{job.name}: the server's config.xml is not well-formed XML")
        return
    wanted_canonical = canonical(job.config)
    if live_class != item_class(job.config):
        if not change.managed:
            _failed(change, f"{job.name} exists as a {live_class} that superspec does not "
                            f"manage; rename or delete it to create the {job.kind} job")
            return
        change.action = "replace"
    elif live_canonical == wanted_canonical:
        change.action = "unchanged"
        return
    else:
        change.action = "update"
    change.diff = diff(live_canonical, wanted_canonical, job.name)


def _apply(report: Report, client: JenkinsClient, settings: Settings,
           stop: threading.Event) -> None:
    failed_folders: dict[str, str] = {}
    for folder in report.folders:
        parent = next((failed_folders[a] for a in _ancestors(folder.name)[:-1]
                       if a in failed_folders), None)
        try:
            if parent is not None:
                raise JenkinsError(parent)
            if stop.is_set():
                continue
            client.create_folder(folder.name)
            folder.result = "created"
        except JenkinsError as exc:
            folder.result = "failed"
            folder.errors.append(str(exc))
            failed_folders[folder.name] = f"the folder {folder.name} was not created"
            if settings.fail_fast or exc.fatal:
                stop.set()

    def apply_job(change: JobChange) -> JobChange:
        job = change.wanted
        assert job is not None
        blocked = [failed_folders[a] for a in _ancestors(job.folder) if a in failed_folders]
        if blocked:
            change.result = "failed"
            change.errors.append(f"cannot create job {job.name}: {blocked[0]}")
            return change
        if change.action == "create":
            client.create_job(job.name, job.config)
        elif change.action == "update":
            client.update_job(job.name, job.config)
        else:
            client.delete_job(job.name)
            client.create_job(job.name, job.config)
        change.result = {"create": "created", "update": "updated"}.get(change.action, "replaced")
        return change

    todo = [c for c in report.jobs if c.action in ("create", "update", "replace")]
    _parallel([_guarded_result(apply_job, c, stop, settings) for c in todo], settings.workers)


def _prune(report: Report, projects: Sequence[Project], client: JenkinsClient,
           settings: Settings, stop: threading.Event) -> None:
    unloaded = [p.spec for p in projects if p.job is None]
    orphans = [c for c in report.jobs if c.action == "orphaned"]
    if unloaded and orphans:
        report.problems.append(f"{len(unloaded)} of {len(projects)} projects did not load; "
                               f"prune deletes nothing while the fleet is incomplete")
        return

    def delete(change: JobChange) -> JobChange:
        assert change.name is not None
        client.delete_job(change.name)
        change.result = "deleted"
        return change

    _parallel([_guarded_result(delete, c, stop, settings) for c in orphans], settings.workers)


# --- running tasks ------------------------------------------------------------------------------


def _failed(change: JobChange, *messages: str) -> JobChange:
    change.action = "error"
    change.errors += messages
    return change


def _guarded(task: Callable[[WantedJob], JobChange], job: WantedJob, stop: threading.Event,
             settings: Settings) -> Callable[[], JobChange]:
    def run() -> JobChange:
        if stop.is_set():
            return JobChange(job.name, "skipped", job.project, job.spec, job.kind, wanted=job)
        try:
            change = task(job)
        except JenkinsError as exc:
            change = _failed(JobChange(job.name, "error", job.project, job.spec, job.kind,
                                       wanted=job), str(exc))
            if exc.fatal:
                stop.set()
        if change.errors and settings.fail_fast:
            stop.set()
        return change
    return run


def _guarded_orphan(task: Callable[[dict[str, Any]], JobChange | None], item: dict[str, Any],
                    stop: threading.Event, settings: Settings) -> Callable[[], JobChange | None]:
    def run() -> JobChange | None:
        if stop.is_set():
            return None
        try:
            return task(item)
        except JenkinsError as exc:
            if exc.fatal or settings.fail_fast:
                stop.set()
            return JobChange(str(item["fullname"]), "error", errors=[str(exc)])
    return run


def _guarded_result(task: Callable[[JobChange], JobChange], change: JobChange,
                    stop: threading.Event, settings: Settings) -> Callable[[], JobChange]:
    def run() -> JobChange:
        if stop.is_set():
            change.result = "skipped"
            return change
        try:
            return task(change)
        except JenkinsError as exc:
            change.result = "failed"
            change.errors.append(str(exc))
            if exc.fatal or settings.fail_fast:
                stop.set()
            return change
    return run


def _parallel(tasks: list[Callable[[], R]], workers: int) -> list[R]:
    """Run ``tasks`` on ``workers`` threads; results in the order given."""
    if workers <= 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=min(workers, len(tasks)),
                            thread_name_prefix="superspec-jenkins") as pool:
        futures = [pool.submit(task) for task in tasks]
        return [future.result() for future in futures]


def _ancestors(folder: str) -> list[str]:
    """``a/b`` -> ``["a", "a/b"]``; the top level has none."""
    parts = folder.split("/") if folder else []
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
