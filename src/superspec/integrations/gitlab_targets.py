"""Which GitLab project each spec of a fleet maps to, and the files it should hold there.

A spec maps to ``ci.gitlab.project`` when it names one, else to ``<--group>/<name>``. The files
are rendered exactly as ``superspec generate`` writes them beside the spec (the project's root):
same header, same paths, same bytes. Pure: no requests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from superspec import __version__
from superspec.errors import SpecError, SuperspecError, UsageError
from superspec.render.engine import Environments
from superspec.render.generate import Options, render_project, spec_files
from superspec.render.planner import build_plan
from superspec.spec import EffectiveSpec, load_spec

# A GitLab namespace/project path: segments of letters, digits, '_', '-' and '.', not starting
# with '-' or '.', separated by '/'.
SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
GROUP_PATH = re.compile(rf"{SEGMENT}(?:/{SEGMENT})*")
PROJECT_PATH = re.compile(rf"{SEGMENT}(?:/{SEGMENT})+")


@dataclass(frozen=True)
class ResourceGroup:
    """A resource group the generated jobs use, and the process mode the spec wants."""

    key: str  # <project>-<env>, as the planner names the lock
    env: str
    process_mode: str  # environments.<env>.concurrency


@dataclass(frozen=True)
class Target:
    spec: str  # the spec path as given (or found in a directory)
    name: str | None = None
    project: str | None = None  # the GitLab project path
    digest: str | None = None
    files: tuple[tuple[str, str], ...] = ()  # (file name in the repository root, text)
    resource_groups: tuple[ResourceGroup, ...] = ()
    error: SuperspecError | None = None


@dataclass(frozen=True)
class TargetOptions:
    group: str | None = None
    targets: tuple[str, ...] = ("jenkins", "gitlab")
    templates: tuple[Path, ...] = ()
    layer_dirs: tuple[Path, ...] = ()
    root: str | None = None


def check_group(group: str | None) -> str | None:
    if group is None:
        return None
    cleaned = group.strip().strip("/")
    if not GROUP_PATH.fullmatch(cleaned):
        raise UsageError(f"--group: {group!r} is not a GitLab group path (e.g. acme/payments)")
    return cleaned


def load_targets(paths: Sequence[Path], options: TargetOptions) -> list[Target]:
    """One target per spec (the same spec twice counts once); a spec that cannot be loaded,
    rendered or mapped is a target with its error. Two specs that map to the same project
    are both errors."""
    unique: dict[Path, Path] = {}
    for spec_path in spec_files(paths):
        unique.setdefault(spec_path.resolve(), spec_path)
    render = Options(targets=options.targets, templates=options.templates,
                     layer_dirs=options.layer_dirs, root=options.root,
                     environments=Environments())
    targets = [_target(path, options, render) for path in unique.values()]
    claims: dict[str, list[Target]] = {}
    for target in targets:
        if target.project is not None and target.error is None:
            claims.setdefault(target.project.lower(), []).append(target)
    clashes: dict[int, list[Target]] = {}
    for same in claims.values():
        if len(same) > 1:
            for target in same:
                clashes[id(target)] = [other for other in same if other is not target]
    return [_clash(t, clashes[id(t)]) if id(t) in clashes else t for t in targets]


def _target(spec_path: Path, options: TargetOptions, render: Options) -> Target:
    spec = str(spec_path)
    try:
        effective = load_spec(spec_path, options.layer_dirs, options.root)
    except SuperspecError as exc:
        return Target(spec=spec, error=exc)
    name = effective.model.name
    try:
        project = _project_path(effective, options.group)
        files = tuple(render_project(effective, spec_path.parent, render))
        groups = _resource_groups(effective, spec_path.parent) if "gitlab" in render.targets \
            else ()
    except SuperspecError as exc:
        return Target(spec=spec, name=name, digest=effective.digest, error=exc)
    return Target(spec=spec, name=name, project=project, digest=effective.digest, files=files,
                  resource_groups=groups)


def _project_path(effective: EffectiveSpec, group: str | None) -> str:
    named = effective.model.ci.gitlab.project
    if named is not None:
        cleaned = named.strip("/")
        if not PROJECT_PATH.fullmatch(cleaned):
            raise SpecError(f"'{named}' is not a GitLab project path (namespace/project)",
                            location=effective.locate("ci.gitlab.project"))
        return cleaned
    if group is None:
        raise SpecError("no GitLab project for this spec: set ci.gitlab.project or give "
                        "--group GROUP (the project is then GROUP/<name>)",
                        location=effective.locate("name"))
    return f"{group}/{effective.model.name}"


def _resource_groups(effective: EffectiveSpec, out_dir: Path) -> tuple[ResourceGroup, ...]:
    """The locks of the plan (``resource_group:`` of the deploy and release jobs)."""
    spec_rel = Path(os.path.relpath(effective.path, os.path.abspath(out_dir))).as_posix()
    plan = build_plan(effective, spec_rel, __version__)
    found: dict[str, ResourceGroup] = {}
    for stage in plan.stages:
        if stage.lock and stage.environment is not None:
            env = stage.environment.name
            mode = effective.model.environments[env].concurrency
            found.setdefault(stage.lock, ResourceGroup(stage.lock, env, mode))
    return tuple(sorted(found.values(), key=lambda group: group.key))


def _clash(target: Target, others: list[Target]) -> Target:
    names = " and ".join(other.spec for other in others)
    error = UsageError(f"{target.spec} and {names} both map to the GitLab project "
                       f"{target.project}; nothing is compared or published for either")
    return Target(spec=target.spec, name=target.name, project=target.project,
                  digest=target.digest, error=error)
