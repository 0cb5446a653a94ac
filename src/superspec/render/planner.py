"""Build the pipeline ``Plan`` from an effective spec (pure; every refusal is a located error)."""

from __future__ import annotations

import posixpath
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
    GitlabSettings,
    JenkinsSettings,
    Plan,
    RunnerCall,
    Stage,
)
from superspec.runners import registry
from superspec.spec import EffectiveSpec, Spec, packaging, stage_order

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
    stages: list[Stage] = []
    conditions: dict[str, Condition] = {}
    milestone = 0
    for stage_id in stage_order(spec):
        stage = spec.pipeline.stages[stage_id]
        runner = spec.stage_runner(stage_id)
        deploys = runner in registry.deploying()
        env = spec.environments.get(stage.env) if stage.env and deploys else None
        approval = None
        if env is not None and env.approval.required:
            approval = Approval(
                groups=tuple(env.approval.groups),
                timeout_minutes=env.approval.timeout_minutes,
                message=f"Approve {runner} of {spec.name} to {stage.env}?",
            )
        condition = _condition(spec, stage_id, names, conditions, problem)
        if approval is not None:
            condition = Condition(condition.branches, protected=True)
        conditions[stage_id] = condition
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
            artifacts=_artifacts(spec, spec_file, runner, call),
            secrets=tuple(spec.package.secrets) if runner in registry.deploying() else (),
        ))
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
        gitlab=GitlabSettings(image=spec.ci.gitlab.image, tags=tuple(spec.ci.gitlab.tags)),
    )


def _packaged_envs(spec: Spec, stage_id: str, problem: Problem) -> tuple[str, ...]:
    """The environments a package stage packages (superspec.spec.packaging), or a problem."""
    envs = tuple(packaging.envs_packaged_by(spec, stage_id))
    if not envs:
        problem(("pipeline", "stages", stage_id),
                f"stage '{stage_id}' runs 'package' but names no environments and no stage "
                "deploys to one: set 'envs: [...]'")
    return envs


def _artifacts(spec: Spec, spec_file: str, runner: str,
               call: RunnerCall | None) -> tuple[str, ...]:
    """Files a later job needs (GitLab passes only declared artifacts): the build's artifact,
    and the package stage's per-environment outputs. Paths relative to the generated file."""
    artifact = spec.package.artifact
    if artifact is None or runner not in ("build", "package"):
        return ()
    base = posixpath.normpath(posixpath.join(posixpath.dirname(spec_file), artifact))
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


