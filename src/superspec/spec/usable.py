"""What the commands that use a spec would refuse later, checked once when it is loaded.

``generate`` needs usable branch patterns, names and build commands, and environments for every
package stage; ``package`` needs safe entry paths, template paths inside the project, value names
that do not hide the template context, and a usable ``secretStyle``. A spec that passes
``superspec validate`` passes these in every command.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from superspec.errors import Location, SpecError
from superspec.package.names import normalize, unsafe_reason
from superspec.runners import registry
from superspec.spec.branches import bad_pattern
from superspec.spec.models import BranchPatterns, Spec
from superspec.spec.names import check_names
from superspec.spec.packaging import envs_packaged_by
from superspec.spec.stages import StageCycle, stage_order
from superspec.spec.yamlsource import KeyPath

Locate = Callable[[KeyPath], Location]
Problem = Callable[[KeyPath, str], None]

# build.tool values with no default build and test commands (every other tool has both)
NO_DEFAULT_COMMANDS = frozenset({"custom"})
# names package templates see besides the values (package.values may not use them)
RESERVED_VALUES = ("env", "app", "secrets")


def check_usable(spec: Spec, locate: Locate, project_dir: Path) -> list[SpecError]:
    """Located problems, in the order the pipeline planner would meet them, then packaging's."""
    problems: list[SpecError] = []

    def problem(path: KeyPath, message: str) -> None:
        problems.append(SpecError(message, location=locate(path)))

    check_names(spec, problem)
    for role in ("main", "develop", "release"):
        _patterns(getattr(spec.branching, role), ("branching", role), problem)
    try:
        order, ordered = stage_order(spec), True
    except StageCycle:  # reported by check_semantics
        order, ordered = list(spec.pipeline.stages), False
    for stage_id in order:
        stage = spec.pipeline.stages[stage_id]
        base = ("pipeline", "stages", stage_id)
        if stage.when is not None and stage.when.branch is not None:
            _patterns(stage.when.branch, base + ("when", "branch"), problem)
        runner = spec.stage_runner(stage_id)
        if runner == "package" and ordered:
            _package_envs(spec, stage_id, problem)
        elif runner not in registry.step_names() and runner != "script":
            _command(spec, stage_id, runner, problem)
    for rule_id, rule in spec.enforce.rules.items():
        if rule.only_when is not None and rule.only_when.branch is not None:
            _patterns(rule.only_when.branch,
                      ("enforce", "rules", rule_id, "onlyWhen", "branch"), problem)
    _package(spec, problem, project_dir)
    return problems


def _patterns(given: BranchPatterns, path: KeyPath, problem: Problem) -> None:
    patterns = [given] if isinstance(given, str) else given
    for index, pattern in enumerate(patterns):
        if (why := bad_pattern(pattern)) is not None:
            problem(path if isinstance(given, str) else path + (str(index),), why)


def _package_envs(spec: Spec, stage_id: str, problem: Problem) -> None:
    stage = spec.pipeline.stages[stage_id]
    if stage.envs or stage.env:
        return  # the names it gives are checked against environments (check_semantics)
    if not envs_packaged_by(spec, stage_id):
        problem(("pipeline", "stages", stage_id),
                f"stage '{stage_id}' runs 'package' but names no environments and no stage "
                "deploys to one: set 'envs: [...]'")


def _command(spec: Spec, stage_id: str, runner: str, problem: Problem) -> None:
    tool = spec.build.tool
    if spec.build.commands.get(runner) is None and tool in NO_DEFAULT_COMMANDS:
        problem(("build", "commands"),
                f"stage '{stage_id}' runs '{runner}' but build.tool '{tool}' has no default "
                f"command: set build.commands.{runner}")


def _package(spec: Spec, problem: Problem, project_dir: Path) -> None:
    package = spec.package
    for index, file in enumerate(package.files):
        key = ("package", "files", str(index))
        reason = unsafe_reason(file.path) or _dot_component(normalize(file.path))
        if reason or file.path.endswith("/"):
            problem(key + ("path",),
                    f"unsafe entry path {file.path!r} ({reason or 'a directory'})")
        if unsafe_reason(file.template):
            problem(key + ("template",),
                    f"template {file.template!r} must be a path inside the project directory "
                    f"{os.path.realpath(project_dir)}")
    for where, values in package.values.items():
        for name in RESERVED_VALUES:
            if name in values:
                problem(("package", "values", where, name),
                        f"value name '{name}' is reserved (templates see env, app and secrets)")
    if "NAME" not in package.secret_style:
        problem(("package", "secretStyle"),
                "secretStyle must contain the token NAME (e.g. '${NAME}')")


def _dot_component(path: str) -> str | None:
    """An entry path must name one entry: no empty or '.' component ('a//b', 'a/./b')."""
    return "empty or '.' component" if any(p in ("", ".") for p in path.split("/")) else None
