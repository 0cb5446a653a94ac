"""What every rendered file must still contain when template overrides are in use.

Overrides are company code (see docs/security.md), but the standards the spec sets must survive
them: every stage of the plan is in the output, with its approval, its lock (Jenkins ``lock``,
GitLab ``resource_group``) and its runner call (``superspecEnforce(...)``, ``superspec enforce``).
A file that lost one of them is refused, naming the override templates that rendered it.
"""

from __future__ import annotations

from typing import Any

import yaml

from superspec.errors import SpecError
from superspec.render.groovylex import Token, calls, stage_blocks, tokens
from superspec.render.plan import Plan, Stage
from superspec.spec.yamlerrors import yaml_problem


def jenkins_problems(text: str, plan: Plan) -> list[str]:
    blocks = stage_blocks(tokens(text))
    problems = []
    for stage in plan.stages:
        body = blocks.get(stage.id)
        if body is None:
            problems.append(f"stage '{stage.id}' is missing")
            continue
        if stage.approval is not None and not calls(body, "input"):
            problems.append(f"stage '{stage.id}' lost its approval (no input step)")
        if stage.lock is not None and not any(
                _named_string(args, "resource") == stage.lock for args in calls(body, "lock")):
            problems.append(f"stage '{stage.id}' lost its lock '{stage.lock}'")
        if stage.call is not None and not _jenkins_runs(body, stage):
            problems.append(f"stage '{stage.id}' no longer runs superspec {stage.call.runner}")
    return problems


def _named_string(args: list[Token], name: str) -> str | None:
    for index in range(len(args) - 2):
        if (args[index] == Token("name", name) and args[index + 1] == Token("punct", ":")
                and args[index + 2].kind == "string"):
            return args[index + 2].text
    return None


def _jenkins_runs(body: list[Token], stage: Stage) -> bool:
    assert stage.call is not None
    runner = stage.call.runner
    if calls(body, "superspec" + runner.capitalize()):
        return True
    return any(tok.kind == "string" and _runs(tok.text, runner)
               for args in calls(body, "sh") for tok in args)


def _runs(command: str, runner: str) -> bool:
    words = command.split()
    return words[:2] == ["superspec", runner] or words[:3] == ["superspec", "step", runner]


def gitlab_problems(text: str, plan: Plan) -> list[str]:
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        return [f"invalid YAML: {yaml_problem(exc, text)}"]
    if not isinstance(data, dict):
        return ["not a YAML mapping"]
    problems = []
    for stage in plan.stages:
        job = data.get(stage.id)
        if not isinstance(job, dict):
            problems.append(f"job '{stage.id}' is missing")
            continue
        if stage.approval is not None and not _manual(job):
            problems.append(f"job '{stage.id}' lost its approval (no manual rule)")
        if stage.lock is not None and job.get("resource_group") != stage.lock:
            problems.append(f"job '{stage.id}' lost its resource_group '{stage.lock}'")
        if stage.call is not None and not any(
                isinstance(line, str) and _runs(line, stage.call.runner)
                for line in _script(job)):
            problems.append(f"job '{stage.id}' no longer runs superspec {stage.call.runner}")
    return problems


def _manual(job: dict[str, Any]) -> bool:
    rules = job.get("rules")
    return isinstance(rules, list) and any(
        isinstance(rule, dict) and rule.get("when") == "manual" for rule in rules)


def _script(job: dict[str, Any]) -> list[Any]:
    script = job.get("script")
    return script if isinstance(script, list) else [script]


def check(target: str, text: str, plan: Plan, templates: list[str]) -> None:
    """Raise SpecError when ``text`` lost a stage, approval, lock or runner call of ``plan``."""
    try:
        problems = (jenkins_problems if target == "jenkins" else gitlab_problems)(text, plan)
    except SpecError as exc:
        problems = [exc.message]
    if problems:
        name = "Jenkinsfile" if target == "jenkins" else ".gitlab-ci.yml"
        source = ", ".join(templates) or "the templates"
        raise SpecError([SpecError(f"the {name} rendered with template overrides ({source}): "
                                   f"{problem}") for problem in problems])
