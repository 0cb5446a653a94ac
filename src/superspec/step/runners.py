"""Adapters from validated step params to superspec's runners. Runners import lazily, here only.

Each adapter gets the effective spec and the params, and returns a ``Verdict``: the status, a
one-line message and the runner's JSON report. Problems the user can fix raise SuperspecError.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from superspec import __version__
from superspec.errors import Location, SuperspecError
from superspec.step.contract import DeployParams, EnforceParams, PackageParams, ReleaseParams
from superspec.step.params import locate_param


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str
    details: dict[str, Any]
    approval: dict[str, Any] | None = field(default=None)


class RunnerUnavailable(SuperspecError):
    """The runner a step names is not part of this superspec."""

    def __init__(self, name: str) -> None:
        super().__init__(f"runner '{name}' is not available in superspec {__version__}")
        self.runner = name


@dataclass(frozen=True)
class StepContext:
    """What an adapter works with: the effective spec, the params and the stage they name."""

    effective: Any
    stage: Any  # the pipeline Stage the params name, or None
    params_file: Path

    def param_location(self, key: str) -> Location:
        return locate_param(self.params_file, key)


Adapter = Callable[[StepContext, Any], Verdict]

# step -> (module, attribute) of the runner's entry point; None: no runner in this version.
# deploy and release have their contract (params, result states) but no runner yet.
ENTRY_POINTS: dict[str, tuple[str, str] | None] = {
    "enforce": ("superspec.enforce.runner", "run_enforce"),
    "package": ("superspec.package.runner", "package_envs"),
    "deploy": None,
    "release": None,
}


def runner_function(name: str) -> Callable[..., Any]:
    """The runner's entry point, or RunnerUnavailable when this superspec has none."""
    target = ENTRY_POINTS.get(name)
    if target is None:
        raise RunnerUnavailable(name)
    module_name, attribute = target
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise RunnerUnavailable(name) from None
        raise  # the runner exists but one of its own imports is broken: a bug, not "unavailable"
    function = getattr(module, attribute, None)
    if function is None:
        raise RunnerUnavailable(name)
    return function  # type: ignore[no-any-return]


def run_enforce(ctx: StepContext, params: EnforceParams) -> Verdict:
    run = runner_function("enforce")
    effective = ctx.effective
    maven_repo = Path(params.maven_repo) if params.maven_repo else None
    report = run(effective, Path(effective.path).parent, branch=params.branch,
                 maven_repo=maven_repo, use_cache=params.cache,
                 layer_dirs=tuple(Path(d) for d in params.layers))
    if params.junit:
        from superspec.enforce.reports import write_junit

        write_junit(report, Path(params.junit))
    details = report.to_json()
    return Verdict("passed" if report.passed else "failed", enforce_message(details), details)


def enforce_message(details: dict[str, Any]) -> str:
    """One line for the pipeline log: the tally, and why the failing rules failed."""
    counts = details.get("counts", {})
    tally = ", ".join(f"{counts.get(status, 0)} {word}" for status, word in (
        ("pass", "passed"), ("fail", "failed"), ("skip", "skipped"), ("error", "could not run")))
    rules = details.get("rules", [])
    failing = [r for r in rules if r["status"] == "error"
               or (r["status"] == "fail" and r["level"] == "error")]
    if not failing:
        return f"enforce passed ({tally})"
    reasons = [f"{r['id']}: {r['violations'][0]['message'] if r['violations'] else r['detail']}"
               for r in failing[:3]]
    if len(failing) > 3:
        reasons.append(f"and {len(failing) - 3} more rule(s)")
    return f"enforce failed ({tally}): " + "; ".join(reasons)


def run_package(ctx: StepContext, params: PackageParams) -> Verdict:
    effective, stage = ctx.effective, ctx.stage
    envs = params.envs
    if envs is None and stage is not None and params.stage is not None:
        from superspec.spec.packaging import package_envs as stage_envs

        envs = stage_envs(effective.model, params.stage)  # the pipeline's rule
    if not envs:
        where = (f"pipeline.stages.{params.stage}.envs" if params.stage
                 else "'stage' to use the stage's envs")
        raise SuperspecError(f"no environments to package: set 'envs' in the step or {where}",
                             location=ctx.param_location("stage" if params.stage else "envs"))
    unknown = [env for env in envs if env not in effective.model.environments]
    if unknown:
        location = (ctx.param_location("envs") if params.envs is not None
                    else effective.locate(f"pipeline.stages.{params.stage}.envs"))
        raise SuperspecError(
            f"cannot package for {', '.join(unknown)}: not defined in environments "
            f"(defined: {', '.join(effective.model.environments)})", location=location)
    package_envs = runner_function("package")
    results = package_envs(
        effective, list(envs),
        Path(params.artifact) if params.artifact else None,
        Path(params.out) if params.out else None,
    )
    packages = [result.to_json() for result in results]
    return Verdict("passed", f"packaged {len(packages)} environment(s): {', '.join(envs)}",
                   {"packages": packages})


def run_deploy(ctx: StepContext, params: DeployParams) -> Verdict:
    target_env(ctx, params)
    runner_function("deploy")  # no deploy runner yet: the params and spec are checked first
    raise AssertionError("unreachable: deploy has no runner")  # pragma: no cover


def run_release(ctx: StepContext, params: ReleaseParams) -> Verdict:
    target_env(ctx, params)
    runner_function("release")  # no release runner yet: the params and spec are checked first
    raise AssertionError("unreachable: release has no runner")  # pragma: no cover


def target_env(ctx: StepContext, params: DeployParams | ReleaseParams) -> str:
    """The environment a deploy/release targets: the params' env, else the stage's; must exist."""
    env = params.env or (ctx.stage.env if ctx.stage else None)
    if not env:
        where = (f"pipeline.stages.{params.stage}.env" if params.stage
                 else "'stage' to use the stage's env")
        raise SuperspecError(f"no environment to {params.step}: set 'env' in the step or {where}",
                             location=ctx.param_location("env" if not params.stage else "stage"))
    if params.env:
        location = ctx.param_location("env")
    else:
        location = ctx.effective.locate(f"pipeline.stages.{params.stage}.env")
    known = list(ctx.effective.model.environments)
    if env not in known:
        hint = difflib.get_close_matches(env, known, n=1, cutoff=0.6)
        message = f"environment '{env}' is not defined in environments"
        message += f"; did you mean '{hint[0]}'?" if hint else f" (defined: {', '.join(known)})"
        raise SuperspecError(message, location=location)
    return env


ADAPTERS: dict[str, Adapter] = {
    "enforce": run_enforce, "package": run_package, "deploy": run_deploy, "release": run_release,
}
