"""`superspec enforce` as one call: the cached answer when nothing changed, else load the spec,
run the rules, write the JUnit report and render the report (the CLI prints what this returns)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
    from superspec.enforce import cache
    from superspec.enforce.branch import current_branch
    from superspec.enforce.fastpath import CACHED_NOTE, cached_answer, default_project, text_variant

    if request.use_cache and not request.root_pinned_by_option:
        hit = cached_answer(request.spec, request.layers, request.project_dir,
                            request.maven_repo, request.branch, request.output_format,
                            request.report_junit)
        if hit is not None:
            return EnforceAnswer(hit[0], hit[1])
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
