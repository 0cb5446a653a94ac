"""The jobs a fleet of specs wants: name, kind, config.xml and the generated Jenkinsfile.

Pure: reads specs and renders, talks to no server. A project's job is ``<folder>/<name>``; the
folder is ``ci.jenkins.job.folder``, else the name of the department layer nearest the project,
else none (a project extending the company directly sits at the top level).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from superspec import __version__
from superspec.errors import Location, SpecError, SuperspecError
from superspec.integrations.jenkins_config import (
    JobShape,
    Marker,
    Scm,
    description,
    job_config,
    unwritable,
)
from superspec.render.engine import Environments
from superspec.render.generate import Options, render_project, spec_files
from superspec.spec import EffectiveSpec, load_spec

# characters Jenkins refuses in an item name (Jenkins.checkGoodName)
UNSAFE = set("?*/\\%!@#$^&|<>[]:;")


@dataclass(frozen=True)
class WantedJob:
    project: str
    spec: str  # the spec path as given
    name: str  # full name: folder/project
    folder: str  # "" at the top level
    kind: str  # "multibranch" | "pipeline"
    company: str
    config: str
    jenkinsfile: str


@dataclass
class Project:
    spec: str
    job: WantedJob | None = None
    error: SuperspecError | None = None


@dataclass(frozen=True)
class FleetOptions:
    layer_dirs: tuple[Path, ...] = ()
    root: str | None = None
    templates: tuple[Path, ...] = ()
    environments: Environments = field(default_factory=Environments, compare=False)


def load_fleet(paths: Sequence[Path], options: FleetOptions) -> list[Project]:
    """Every project's wanted job, or its error; two projects wanting one job both fail."""
    unique: dict[Path, Path] = {}
    for spec_path in spec_files(paths):
        unique.setdefault(spec_path.resolve(), spec_path)
    render = Options(targets=("jenkins",), templates=options.templates,
                     layer_dirs=options.layer_dirs, root=options.root,
                     environments=options.environments)
    projects = []
    for spec_path in unique.values():
        project = Project(spec=str(spec_path))
        try:
            effective = load_spec(spec_path, options.layer_dirs, options.root)
            project.job = wanted_job(effective, str(spec_path), render)
        except SuperspecError as exc:
            project.error = exc
        projects.append(project)
    claims: dict[str, list[Project]] = {}
    for project in projects:
        if project.job is not None:
            claims.setdefault(project.job.name.casefold(), []).append(project)
    for claim in claims.values():
        if len(claim) > 1:  # Jenkins item names are case-insensitive
            for project in claim:
                others = " and ".join(p.spec for p in claim if p is not project)
                name = project.job.name if project.job else ""
                project.error = SpecError(f"{project.spec} and {others} both want the job "
                                          f"{name}; neither is planned")
                project.job = None
    return projects


def wanted_job(effective: EffectiveSpec, spec: str, render: Options) -> WantedJob:
    model = effective.model
    job = model.ci.jenkins.job
    kind = job.kind or ("multibranch" if job.scm is not None else "pipeline")
    if kind == "multibranch" and job.scm is None:
        raise SpecError("a multibranch job reads the Jenkinsfile from SCM: set "
                        "ci.jenkins.job.scm.url, or kind: pipeline",
                        location=effective.locate("ci.jenkins.job.kind"))
    folder = job_folder(effective)
    scm = None
    if job.scm is not None:
        patterns = tuple(p for p in re.split(r"[\s,]+", job.scm.branches or "") if p)
        if kind == "pipeline":
            patterns = tuple(_branch_spec(p) for p in patterns) or (f"*/{model.branching.main}",)
        scm = Scm(url=job.scm.url, credentials_id=job.scm.credentials_id, branches=patterns)
        for key, value in (("url", scm.url), ("credentialsId", scm.credentials_id or ""),
                           ("branches", job.scm.branches or "")):
            problem = unwritable(value)
            if problem:
                raise SpecError(problem, location=effective.locate(f"ci.jenkins.job.scm.{key}"))
    [(_, jenkinsfile)] = render_project(effective, effective.path.parent, render)
    company = effective.layers[0].name
    marker = Marker(version=__version__, company=company, project=model.name,
                    digest=f"sha256:{effective.digest}")
    shape = JobShape(kind=kind, description=description(marker), scm=scm,
                     script=jenkinsfile if kind == "pipeline" and scm is None else None,
                     script_path=script_path(effective.path.parent),
                     source_id=f"superspec-{model.name}")
    name = f"{folder}/{model.name}" if folder else model.name
    return WantedJob(project=model.name, spec=spec, name=name, folder=folder, kind=kind,
                     company=company, config=job_config(shape), jenkinsfile=jenkinsfile)


def job_folder(effective: EffectiveSpec) -> str:
    """``ci.jenkins.job.folder`` ("" = top level), else the nearest department's name."""
    folder = effective.model.ci.jenkins.job.folder
    if folder is None:
        departments = [layer for layer in effective.layers if layer.kind == "department"]
        return departments[-1].name if departments else ""
    where = effective.locate("ci.jenkins.job.folder")
    folder = folder.strip("/")
    for segment in folder.split("/") if folder else []:
        _check_segment(segment, where)
    return folder


def _check_segment(segment: str, where: Location) -> None:
    if segment in ("", ".", "..") or segment != segment.strip():
        raise SpecError(f"folder name {segment!r} is not a Jenkins item name", location=where)
    bad = sorted(set(segment) & UNSAFE) or [c for c in segment if not c.isprintable()]
    if bad:
        raise SpecError(f"folder name {segment!r}: Jenkins refuses {bad[0]!r} in item names",
                        location=where)


def _branch_spec(pattern: str) -> str:
    """A pipeline job's Git branch specifier: ``main`` -> ``*/main``."""
    return pattern if pattern.startswith(("*/", "refs/", ":")) else f"*/{pattern}"


def script_path(spec_dir: Path) -> str:
    """The Jenkinsfile beside the spec, relative to the root of its Git checkout (the spec's
    directory when it is not in one)."""
    directory = spec_dir.resolve()
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            relative = directory.relative_to(candidate).as_posix()
            return "Jenkinsfile" if relative == "." else f"{relative}/Jenkinsfile"
    return "Jenkinsfile"
