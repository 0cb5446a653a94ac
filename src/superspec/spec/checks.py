"""Checks across keys that the schema alone cannot express (each finding is located)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from superspec.errors import Location, SpecError
from superspec.runners import registry
from superspec.spec.envmodels import Release
from superspec.spec.layers import Layer
from superspec.spec.models import Spec
from superspec.spec.stages import StageCycle, stage_order
from superspec.spec.validate import known_keys, path_exists_in_schema
from superspec.spec.yamlsource import KeyPath
from superspec.suggest import closest, unknown_environment

Locate = Callable[[KeyPath], Location]


def check_lock_paths(layer: Layer) -> list[SpecError]:
    """A lock on a path no spec can contain would silently lock nothing: refuse it."""
    problems = []
    for index, dotted in enumerate(layer.data.get("locked") or []):
        path = tuple(dotted.split("."))
        if "" in path or not path_exists_in_schema(path):
            hint = _hint(path)
            problems.append(SpecError(
                f"locked path '{dotted}' is not a key of the spec format{hint}",
                location=layer.location(("locked", str(index))),
            ))
    return problems


# Keys only a company layer may write (or delete): templates are code every pipeline is rendered
# through, and the root names the company itself (docs/security.md).
COMPANY_ONLY: tuple[KeyPath, ...] = (("ci", "templates"), ("ci", "root"))


def check_company_only(layer: Layer) -> list[SpecError]:
    if layer.kind == "company":
        return []
    problems = []
    for path in COMPANY_ONLY:
        parent: Any = layer.data
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and path[-1] in parent:
            problems.append(SpecError(
                f"only a company layer may set {'.'.join(path)} (a {layer.kind} layer cannot)",
                location=layer.location(path)))
    return problems


def check_semantics(spec: Spec, locate: Locate, company: str) -> list[SpecError]:
    """Cross-key checks on the merged spec; ``company`` is the name of the chain's top layer."""
    problems: list[SpecError] = []
    stages = spec.pipeline.stages
    envs = spec.environments

    def problem(path: KeyPath, message: str) -> None:
        problems.append(SpecError(message, location=locate(path)))

    def check_env(path: KeyPath, name: str) -> None:
        if name not in envs:
            problem(path, unknown_environment(name, envs))

    if spec.ci.root is not None and spec.ci.root != company:
        problem(("ci", "root"), f"ci.root must name the company layer that sets it "
                                f"('{company}'), got '{spec.ci.root}'")
    if not stages:
        problem(("pipeline", "stages"), "the pipeline has no stages")
    for stage_id, stage in stages.items():
        base = ("pipeline", "stages", stage_id)
        runner = stage.run or (stage_id if registry.get(stage_id) is not None else None)
        if runner is None and stage.script is None:
            problem(base, f"stage '{stage_id}' has no runner: set 'run:' "
                          f"({', '.join(registry.names())}) or 'script:'")
        if runner == "script" and not stage.script:
            problem(base, f"stage '{stage_id}' runs 'script' but has no 'script:' commands")
        if runner in registry.deploying() and not stage.env:
            problem(base, f"stage '{stage_id}' runs '{runner}' and needs 'env:'")
        if stage.env is not None:
            check_env(base + ("env",), stage.env)
        for index, name in enumerate(stage.envs or []):
            check_env(base + ("envs", str(index)), name)
        if stage.after is not None and stage.after not in stages:
            problem(base + ("after",), f"'after: {stage.after}' names no stage of this pipeline")
        if stage.after == stage_id:
            problem(base + ("after",), f"stage '{stage_id}' cannot come after itself")
    for name, environment in envs.items():
        if environment.release is not None:
            problems += check_release(spec, name, environment.release, locate)
    if not problems:
        try:
            stage_order(spec)
        except StageCycle as cycle:
            problem(("pipeline", "stages", cycle.stages[0], "after"), str(cycle))
    return problems


def check_release(spec: Spec, env: str, release: Release, locate: Locate) -> list[SpecError]:
    """What a release of ``env`` could not carry out as written (docs/release.md): canary steps
    that do not move traffic forward or never reach all of it, a manual pause nobody may
    approve, more replicas allowed down than the environment runs."""
    problems: list[SpecError] = []
    base = ("environments", env, "release")

    def problem(path: KeyPath, message: str) -> None:
        problems.append(SpecError(message, location=locate(base + path)))

    steps = release.steps
    if release.strategy == "canary":
        before = 0  # the new version's share before the first step
        for index, step in enumerate(steps):
            if step.weight <= before:
                after = f"step {index}'s {before}%" if index else \
                    f"{before}% (the new version's share before the first step)"
                problem(("steps", str(index), "weight"),
                        f"canary step weights must increase strictly: step {index + 1} gives "
                        f"{step.weight}% after {after}")
            before = step.weight
        if steps and steps[-1].weight != 100:
            problem(("steps", str(len(steps) - 1), "weight"),
                    f"the last canary step must move all the traffic (weight: 100), got "
                    f"{steps[-1].weight}")
    groups = spec.environments[env].approval.groups
    if not groups:
        for index, step in enumerate(steps):
            if step.pause == "manual":
                problem(("steps", str(index), "pause"),
                        f"'pause: manual' waits for an approver, but environments.{env}.approval"
                        ".groups names none: add the groups that may approve, or give the pause "
                        "a duration")
    replicas = spec.app.replicas.get(env, spec.app.replicas.get("default", 1))
    if release.rolling.max_unavailable > replicas:
        problem(("rolling", "maxUnavailable"),
                f"rolling.maxUnavailable is {release.rolling.max_unavailable} but {env} runs "
                f"{replicas} replica(s) (app.replicas)")
    return problems


def _hint(path: KeyPath) -> str:
    for depth in range(len(path)):
        if not path_exists_in_schema(path[: depth + 1]):
            close = closest(path[depth], known_keys(path[:depth]))
            if close:
                return f"; did you mean '{'.'.join(path[:depth] + (close,))}'?"
            return ""
    return ""
