"""`superspec generate` as a library call: spec(s) -> plan -> Jenkinsfile / .gitlab-ci.yml.

Many projects can be generated in one process (a fleet); each gets its own result, and one
project's error does not stop the others.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from superspec import __version__
from superspec.errors import SpecError, SuperspecError, UsageError
from superspec.render.engine import TARGETS, Environments, render
from superspec.render.output import FileResult, check_file, write_file
from superspec.render.planner import build_plan
from superspec.spec import EffectiveSpec, load_spec

SPEC_NAME = "superspec.yaml"


@dataclass(frozen=True)
class Options:
    targets: tuple[str, ...] = ("jenkins", "gitlab")
    out: Path | None = None  # default: next to each spec
    check: bool = False
    templates: tuple[Path, ...] = ()  # --templates, searched before ci.templates and built-ins
    layer_dirs: tuple[Path, ...] = ()
    root: str | None = None  # the pinned root company layer (spec.root)
    environments: Environments = field(default_factory=Environments, compare=False)


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

    Every spec is loaded before anything is written, so two projects that would write to the
    same folder (one naming itself after another) both fail and neither is written."""
    options = replace(options, environments=Environments())  # compiled templates for this run
    unique: dict[Path, Path] = {}
    for spec_path in spec_files(paths):  # the same spec twice (however written) is generated once
        unique.setdefault(spec_path.resolve(), spec_path)
    specs = list(unique.values())
    fleet = len(specs) > 1
    loaded: list[tuple[ProjectResult, EffectiveSpec | None, Path | None]] = []
    writers: dict[str, list[tuple[ProjectResult, Path]]] = {}
    for spec_path in specs:
        result = ProjectResult(spec=str(spec_path))
        effective, out_dir = None, None
        try:
            effective = load_spec(spec_path, options.layer_dirs, options.root)
            result.name, result.digest = effective.model.name, effective.digest
            out_dir = _out_dir(spec_path, effective, options.out, fleet)
            writers.setdefault(os.path.abspath(out_dir), []).append((result, out_dir))
        except SuperspecError as exc:
            result.error = exc
        loaded.append((result, effective, out_dir))
    for claims in writers.values():
        if len(claims) > 1:
            for result, out_dir in claims:
                others = " and ".join(other.spec for other, _ in claims if other is not result)
                result.error = UsageError(
                    f"{result.spec} and {others} would both write to {out_dir} (project name "
                    f"'{result.name}'); nothing was written for either")
    for result, effective, out_dir in loaded:
        if result.error is None and effective is not None and out_dir is not None:
            try:
                result.files = generate_project(effective, out_dir, options)
            except SuperspecError as exc:
                result.error = exc
    return [result for result, _, _ in loaded]


def generate_project(effective: EffectiveSpec, out_dir: Path, options: Options) -> list[FileResult]:
    """Render every target first, then compare or write them (nothing half-written)."""
    out_abs = Path(os.path.abspath(out_dir))
    results = []
    for name, content in render_project(effective, out_abs, options):
        display = str(out_dir / name)
        if options.check:
            results.append(check_file(out_abs / name, display, content))
        else:
            results.append(write_file(out_abs / name, display, content))
    return results


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
    origin = effective.origin("ci.templates")
    if value is None or origin is None:
        return []
    directory = Path(origin.file).parent / value
    if not directory.is_dir():
        raise SpecError(f"template directory {directory} does not exist",
                        location=effective.locate("ci.templates"))
    return [os.path.abspath(directory)]


def _extends_by_name(effective: EffectiveSpec) -> bool:
    """Whether a layer of the chain was found by name (so regenerating needs --layers)."""
    from superspec.spec.layers import looks_like_path

    refs = [layer.data.get("extends") for layer in effective.layers]
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
