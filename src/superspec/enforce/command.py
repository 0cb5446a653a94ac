"""`superspec enforce` as one call: the cached answer when nothing changed, else load the spec,
run the rules, write the JUnit report and render the report (the CLI prints what this returns)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from superspec.errors import SuperspecError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec


@dataclass(frozen=True)
class EnforceRequest:
    spec: Path
    layers: tuple[Path, ...]
    project_dir: Path | None
    maven_repo: Path | None
    branch: str | None
    output_format: str  # text | json
    report_junit: Path | None
    use_cache: bool
    root_pinned_by_option: bool  # a --root is checked when the spec loads, so no early answer


@dataclass(frozen=True)
class EnforceAnswer:
    text: str  # exactly what to print
    failing: list[str]  # the failing rule ids (empty: passed)


def enforce(request: EnforceRequest, load: Callable[[], EffectiveSpec]) -> EnforceAnswer:
    from superspec.enforce.answer import cached_answer

    if request.use_cache and not request.root_pinned_by_option:
        hit = cached_answer(request.spec, request.layers, request.project_dir,
                            request.maven_repo, request.branch, request.output_format,
                            request.report_junit)
        if hit is not None:
            return EnforceAnswer(hit[0], hit[1])
    return check(request, load)


def check(request: EnforceRequest, load: Callable[[], EffectiveSpec]) -> EnforceAnswer:
    """What ``enforce`` answers when the result cache does not: the rules run."""
    from superspec.enforce import cache
    from superspec.enforce.answer import CACHED_NOTE, default_project, text_variant
    from superspec.enforce.branch import current_branch

    project = default_project(request.spec, request.project_dir)
    key = cache.entry_key(request.spec, project, request.maven_repo,
                          current_branch(project, request.branch), request.layers) \
        if request.use_cache else None

    from superspec.enforce.reports import render_text, to_json_text, write_junit
    from superspec.enforce.runner import run_enforce

    report = run_enforce(load(), project, branch=request.branch, maven_repo=request.maven_repo,
                         use_cache=request.use_cache, layer_dirs=request.layers)
    if request.report_junit is not None:
        write_junit(report, request.report_junit)
    failing = [] if report.passed else [r.id for r in report.rule_results if r.failing]
    if request.output_format == "json":
        return EnforceAnswer(to_json_text(report) + "\n", failing)
    variant = text_variant()
    width, color = (int(p) for p in variant.split(":"))
    rendered = render_text(report, width=width, color=bool(color))
    if key is not None:
        cache.remember_rendering(project, key, variant, rendered, report.to_json())
    return EnforceAnswer(rendered + (CACHED_NOTE + "\n" if report.cached else ""), failing)


@dataclass(frozen=True)
class ProjectOutcome:
    """One project of a multi-project run: its answer, or the error that stopped it."""

    spec: Path
    project_dir: Path
    name: str | None  # the spec's project name (None when the spec did not load)
    answer: EnforceAnswer | None
    error: SuperspecError | None

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.answer and self.answer.failing)


def project_paths(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """(spec file, project directory) of each path: a directory holding superspec.yaml, or a spec
    file (its directory is the project). A path given twice is checked once."""
    found: dict[str, tuple[Path, Path]] = {}
    for path in paths:
        spec = path / "superspec.yaml" if path.is_dir() else path
        project = spec.parent if spec.parent != Path("") else Path(".")
        found.setdefault(os.path.realpath(spec), (spec, project))
    return list(found.values())


def enforce_many(paths: Sequence[Path], template: EnforceRequest,
                 load: Callable[[Path], EffectiveSpec]) -> list[ProjectOutcome]:
    """Check every project in one process (``superspec enforce DIR...``). ``template`` holds the
    options shared by all; its ``report_junit``, when given, is a directory that receives one
    ``<project name>.xml`` per project. Projects are checked in the order given; the dependency
    models of the local Maven repository are read once for all of them. Two projects of one name
    both fail (their JUnit files would collide)."""
    from superspec.enforce.maven.resolve import shared_models
    from superspec.enforce.tools import shared_versions

    specs = project_paths(paths)
    loaded: list[tuple[Path, Path, EffectiveSpec | SuperspecError]] = []
    for spec, project in specs:
        try:
            loaded.append((spec, project, load(spec)))
        except SuperspecError as exc:
            loaded.append((spec, project, exc))
    names: dict[str, int] = {}
    for _spec, _project, effective in loaded:
        if not isinstance(effective, SuperspecError):
            name = effective.facts["name"]
            names[name] = names.get(name, 0) + 1
    outcomes: list[ProjectOutcome] = []
    with shared_models(), shared_versions():
        for spec, project, effective in loaded:
            if isinstance(effective, SuperspecError):
                outcomes.append(ProjectOutcome(spec, project, None, None, effective))
                continue
            name = effective.facts["name"]
            if names[name] > 1:
                clash = SuperspecError(f"two projects are named '{name}' (the name of a "
                                       "project's report): rename one")
                outcomes.append(ProjectOutcome(spec, project, name, None, clash))
                continue
            junit = template.report_junit / f"{name}.xml" if template.report_junit else None
            request = replace(template, spec=spec, project_dir=project, report_junit=junit)
            try:
                answer = enforce(request, lambda e=effective: e)  # type: ignore[misc]
            except SuperspecError as exc:
                outcomes.append(ProjectOutcome(spec, project, name, None, exc))
                continue
            outcomes.append(ProjectOutcome(spec, project, name, answer, None))
    return outcomes
