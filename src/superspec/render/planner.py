"""Build the pipeline ``Plan`` from an effective spec (pure; every refusal is a located error)."""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath

from superspec.errors import SpecError
from superspec.render import branches
from superspec.render.branches import Condition
from superspec.render.names import Problem, check_names
from superspec.render.needs import with_needs
from superspec.render.plan import (
    DEFAULT_ENFORCE_JUNIT,
    DEPLOYMENT_TIERS,
    Approval,
    Environment,
    GitlabLayers,
    GitlabSettings,
    JenkinsSettings,
    Plan,
    RunnerCall,
    Stage,
)
from superspec.runners import registry
from superspec.spec import EffectiveSpec, Spec, packaging, stage_order
from superspec.spec.models import Environment as EnvironmentSpec

DEFAULT_COMMANDS: dict[str, dict[str, str]] = {
    "maven": {"build": "mvn -B -DskipTests package", "test": "mvn -B test"},
    "gradle": {"build": "./gradlew assemble", "test": "./gradlew test"},
    "python": {"build": "python -m pip install .", "test": "python -m pytest"},
    "npm": {"build": "npm ci && npm run build --if-present", "test": "npm test"},
    "go": {"build": "go build ./...", "test": "go test ./..."},
    "custom": {},
}


def build_plan(effective: EffectiveSpec, spec_file: str, version: str) -> Plan:
    """The plan of ``effective``; ``spec_file`` is how the generated files name the spec."""
    spec = effective.model
    problems: list[SpecError] = []

    def problem(path: tuple[str, ...], message: str) -> None:
        problems.append(SpecError(message, location=effective.locate(path)))

    check_names(spec, problem)
    names = {"main": spec.branching.main, "develop": spec.branching.develop,
             "release": spec.branching.release}
    for role, pattern in names.items():
        if (why := branches.bad_pattern(pattern)) is not None:
            problem(("branching", role), why)
    order = stage_order(spec)
    suppliers = _suppliers(spec, order, problem)
    conditions = _conditions(spec, order, names, suppliers, problem)
    stages: list[Stage] = []
    milestone = 0
    for stage_id in order:
        stage = spec.pipeline.stages[stage_id]
        runner = spec.stage_runner(stage_id)
        env = _deploy_env(spec, stage_id)
        approval = None
        if env is not None and env.approval.required:
            approval = Approval(
                groups=tuple(env.approval.groups),
                timeout_minutes=env.approval.timeout_minutes,
                message=f"Approve {runner} of {spec.name} to {stage.env}?",
            )
        condition = conditions[stage_id]
        commands: tuple[str, ...] = ()
        call = None
        if runner in registry.step_names():
            junit = None
            if runner == "enforce":
                junit = stage.reports.junit if stage.reports and stage.reports.junit else (
                    DEFAULT_ENFORCE_JUNIT)
            envs = _packaged_envs(spec, stage_id, problem) if runner == "package" else ()
            call = RunnerCall(runner, stage_id, spec_file, env=stage.env if env else None,
                              envs=envs, junit=junit, root=spec.ci.root)
        else:
            commands = _commands(spec, stage_id, runner, problem)
        environment = lock = None
        milestones: tuple[int, ...] = ()
        if env is not None and stage.env is not None:
            environment = Environment(stage.env, env.class_, DEPLOYMENT_TIERS[env.class_], env.url)
            lock = f"{spec.name}-{stage.env}"
            count = 2 if approval else 1
            milestones = tuple(range(milestone + 1, milestone + 1 + count))
            milestone += count
        stages.append(Stage(
            id=stage_id,
            runner=runner,
            condition=condition,
            commands=commands,
            call=call,
            image=spec.build.image if call is None else None,
            environment=environment,
            approval=approval,
            lock=lock,
            milestones=milestones,
            junit=call.junit if call and call.junit else (
                stage.reports.junit if stage.reports else None),
            artifacts=_artifacts(spec, runner, call),
            secrets=tuple(spec.package.secrets) if runner in registry.deploying() else (),
            package=suppliers.get(stage_id),
        ))
    _check_jenkins_names(stages, problem)
    layers = _gitlab_layers(spec, problem)
    if problems:
        raise SpecError(problems)
    approvals = sum(s.approval.timeout_minutes for s in stages if s.approval)
    options = spec.ci.jenkins.options
    agent = spec.ci.jenkins.agent
    library = spec.ci.jenkins.library
    return Plan(
        project=spec.name,
        spec_file=spec_file,
        digest=effective.digest,
        version=version,
        strategy=spec.branching.strategy,
        stages=with_needs(stages),
        jenkins=JenkinsSettings(
            library=None if library == "none" else library,
            agent_label=agent.label,
            agent_image=agent.docker.image if agent.docker else None,
            agent_args=agent.docker.args if agent.docker else None,
            timeout_minutes=options.timeout_minutes + approvals
            if options.timeout_minutes else None,
            keep_builds=options.keep_builds,
        ),
        gitlab=GitlabSettings(image=spec.ci.gitlab.image, tags=tuple(spec.ci.gitlab.tags),
                              layers=layers),
    )


# ci.gitlab.layers: a GitLab project path and a git ref (checked here: they reach a git command)
LAYERS_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)+")
LAYERS_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


def _gitlab_layers(spec: Spec, problem: Problem) -> GitlabLayers | None:
    """``ci.gitlab.layers`` ({project, ref}), checked: both reach a git command line."""
    layers = spec.ci.gitlab.layers
    if layers is None:
        return None
    where = ("ci", "gitlab", "layers")
    if not LAYERS_PROJECT.fullmatch(layers.project):
        problem(where + ("project",), f"layers project {layers.project!r} is not a GitLab "
                "project path such as acme/ci-layers")
        return None
    ref = layers.ref
    if not LAYERS_REF.fullmatch(ref) or ".." in ref or ref.endswith((".", "/", ".lock")):
        problem(where + ("ref",), f"layers ref {ref!r} is not a tag, branch or commit")
        return None
    return GitlabLayers(layers.project, ref)


def _check_jenkins_names(stages: list[Stage], problem: Problem) -> None:
    """Jenkins stage names are unique in a pipeline: a stage id may not be the name of a part
    of a deploy/release stage (`<id>: approval`, `<id>: deploy`, ...)."""
    owners: dict[str, str] = {}
    for stage in stages:
        for name in stage.jenkins_names:
            owners.setdefault(name, stage.id)
    for stage in stages:
        owner = owners[stage.id]
        if owner != stage.id:
            problem(("pipeline", "stages", stage.id),
                    f"stage id '{stage.id}' is the Jenkins name of a part of stage '{owner}': "
                    "choose another id")


def _deploy_env(spec: Spec, stage_id: str) -> EnvironmentSpec | None:
    """The environment a deploy/release stage targets (None for other stages)."""
    stage = spec.pipeline.stages[stage_id]
    if spec.stage_runner(stage_id) not in registry.deploying() or not stage.env:
        return None
    return spec.environments.get(stage.env)


def _suppliers(spec: Spec, order: list[str], problem: Problem) -> dict[str, str]:
    """Deploy/release stage -> the package stage whose outputs it deploys: the nearest earlier
    stage packaging its environment. A package stage placed after a stage deploying what it
    packages cannot supply it: refused, naming both."""
    packaged = {s: set(packaging.envs_packaged_by(spec, s)) for s in order
                if spec.stage_runner(s) == "package"}
    suppliers: dict[str, str] = {}
    for index, stage_id in enumerate(order):
        env = spec.pipeline.stages[stage_id].env
        if _deploy_env(spec, stage_id) is None or env is None:
            continue
        earlier = [s for s in order[:index] if env in packaged.get(s, ())]
        if earlier:
            suppliers[stage_id] = earlier[-1]
            continue
        later = [s for s in order[index + 1:] if env in packaged.get(s, ())]
        if later:
            problem(("pipeline", "stages", stage_id),
                    f"stage '{stage_id}' deploys environment '{env}' before stage '{later[0]}' "
                    f"packages it: move '{stage_id}' after '{later[0]}' (e.g. after: {later[0]})")
    return suppliers


def _conditions(spec: Spec, order: list[str], names: dict[str, str],
                suppliers: dict[str, str], problem: Problem) -> dict[str, Condition]:
    """Each stage's branch condition. A package stage also runs wherever a stage deploying its
    outputs runs (its own condition widened by theirs), and stages placed `after:` it follow;
    repeated until nothing widens (conditions only grow, so this ends)."""
    consumers: dict[str, list[str]] = {}
    for consumer, package in suppliers.items():
        consumers.setdefault(package, []).append(consumer)
    widen: dict[str, Condition] = {}
    report = problem
    known: dict[str, Condition] = {}
    for _ in range(len(order) + 1):
        known = {}
        for stage_id in order:
            condition = _condition(spec, stage_id, names, known, report)
            if stage_id in widen:
                condition = condition.union(widen[stage_id])
            env = _deploy_env(spec, stage_id)
            if env is not None and env.approval.required:
                condition = Condition(condition.branches, protected=True)
            known[stage_id] = condition
        report = _quiet  # every problem is reported once, by the first pass
        wider = {}
        for package, users in consumers.items():
            # the package itself needs no approval: it runs on those branches, protected or not
            merged = Condition(known[users[0]].branches)
            for user in users[1:]:
                merged = merged.union(Condition(known[user].branches))
            wider[package] = merged
        if wider == widen:
            break
        widen = wider
    return known


def _quiet(path: tuple[str, ...], message: str) -> None:
    """A Problem that reports nothing (later passes of the same checks)."""


def _packaged_envs(spec: Spec, stage_id: str, problem: Problem) -> tuple[str, ...]:
    """The environments a package stage packages (superspec.spec.packaging), or a problem."""
    envs = tuple(packaging.envs_packaged_by(spec, stage_id))
    if not envs:
        problem(("pipeline", "stages", stage_id),
                f"stage '{stage_id}' runs 'package' but names no environments and no stage "
                "deploys to one: set 'envs: [...]'")
    return envs


def _artifacts(spec: Spec, runner: str, call: RunnerCall | None) -> tuple[str, ...]:
    """Files a later job needs (GitLab passes only declared artifacts): the build's artifact,
    and the package stage's per-environment outputs. Paths relative to the project root (the
    spec's directory), where jobs run, wherever the generated files are written."""
    artifact = spec.package.artifact
    if artifact is None or runner not in ("build", "package"):
        return ()
    base = posixpath.normpath(PurePosixPath(artifact).as_posix())
    if runner == "build":
        return (base,)
    assert call is not None
    from superspec.package.plan import output_name  # what `superspec package` writes by default

    where = posixpath.dirname(base)
    return tuple(posixpath.join(where, output_name(PurePosixPath(base), env, is_dir=False)
                                .as_posix()) for env in call.envs)


def _condition(spec: Spec, stage_id: str, names: dict[str, str],
               known: dict[str, Condition], problem: Problem) -> Condition:
    stage = spec.pipeline.stages[stage_id]
    runner = spec.stage_runner(stage_id)
    strategy = spec.branching.strategy
    if stage.when is not None and stage.when.branch is not None:
        given = stage.when.branch
        patterns = (given,) if isinstance(given, str) else tuple(given)
        for index, pattern in enumerate(patterns):
            if (why := branches.bad_pattern(pattern)) is not None:
                where: tuple[str, ...] = ("pipeline", "stages", stage_id, "when", "branch")
                if not isinstance(given, str):
                    where += (str(index),)
                problem(where, why)
        return Condition(tuple(dict.fromkeys(patterns)))
    if stage.after is not None and stage.after in known:
        return known[stage.after]
    if runner in registry.deploying() and stage.env in spec.environments:
        env_class = spec.environments[stage.env].class_
        return Condition(branches.env_branches(strategy, names, env_class))
    if runner == "package":
        envs = _packaged_envs(spec, stage_id, lambda path, message: None)
        if envs:
            return Condition(branches.union(*(
                branches.env_branches(strategy, names, spec.environments[e].class_)
                for e in envs)))
        return Condition(branches.deployable_branches(strategy, names))
    return Condition()


def _commands(spec: Spec, stage_id: str, runner: str, problem: Problem) -> tuple[str, ...]:
    stage = spec.pipeline.stages[stage_id]
    if runner == "script":
        return tuple(stage.script or ())
    command = spec.build.commands.get(runner) or DEFAULT_COMMANDS[spec.build.tool].get(runner)
    if command is None:
        problem(("build", "commands"),
                f"stage '{stage_id}' runs '{runner}' but build.tool '{spec.build.tool}' has no "
                f"default command: set build.commands.{runner}")
        return ()
    return (command,)


