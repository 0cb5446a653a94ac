"""The .gitlab-ci.yml as data: a ``Plan`` turned into job mappings (emitted by yamlout)."""

from __future__ import annotations

from typing import Any

from superspec.render.branches import Condition, gitlab_regex
from superspec.render.gitlab_setup import base_job
from superspec.render.plan import Plan, Stage

BRANCH_VARIABLE = "CI_COMMIT_REF_NAME"
APPROVERS_VARIABLE = "SUPERSPEC_APPROVERS"
BASE_JOB = ".superspec"  # the hidden job every job calling superspec extends


def preamble(plan: Plan) -> dict[str, Any]:
    """The keys before the jobs: stages in order, defaults, branch pipelines only, and the
    hidden job that gives the runner jobs the pinned superspec (and the company layers)."""
    doc: dict[str, Any] = {"stages": [s.id for s in plan.stages]}
    default: dict[str, Any] = {}
    if plan.gitlab.image:
        default["image"] = plan.gitlab.image
    if plan.gitlab.tags:
        default["tags"] = list(plan.gitlab.tags)
    if default:
        doc["default"] = default
    doc["workflow"] = {"rules": [{"if": "$CI_COMMIT_BRANCH"}]}
    if any(stage.call is not None for stage in plan.stages):
        doc[BASE_JOB] = base_job(plan.version, plan.gitlab.layers)
    return doc


def job(stage: Stage) -> dict[str, Any]:
    """One job per stage, in its own GitLab stage of the same name."""
    body: dict[str, Any] = {"stage": stage.id}
    if stage.call is not None:
        body["extends"] = BASE_JOB
    if stage.image:
        body["image"] = stage.image
    if stage.call is not None:
        body["script"] = [stage.call.command(BRANCH_VARIABLE)]
    else:
        body["script"] = list(stage.commands)
    if stage.needs is not None:
        body["needs"] = [
            {"job": need.stage, "optional": True} if need.optional else need.stage
            for need in stage.needs
        ]
    rules = _rules(stage)
    if rules:
        body["rules"] = rules
    if stage.environment is not None:
        environment: dict[str, Any] = {
            "name": stage.environment.name,
            "deployment_tier": stage.environment.tier,
        }
        if stage.environment.url:
            environment["url"] = stage.environment.url
        body["environment"] = environment
    if stage.lock:
        body["resource_group"] = stage.lock
    if stage.approval is not None:
        # informational (the groups GitLab's protected environment should require); never
        # expanded, so a group name cannot pull in a CI variable
        body["variables"] = {
            APPROVERS_VARIABLE: {"value": ",".join(stage.approval.groups), "expand": False}
        }
    artifacts: dict[str, Any] = {}
    if stage.artifacts:
        artifacts["paths"] = list(stage.artifacts)
    if stage.junit:
        artifacts["when"] = "always"
        artifacts["reports"] = {"junit": stage.junit}
    if artifacts:
        body["artifacts"] = artifacts
    return body


def _rules(stage: Stage) -> list[dict[str, Any]]:
    if stage.condition.always:
        return []
    rule: dict[str, Any] = {"if": condition_expression(stage.condition)}
    if stage.approval is not None:
        rule["when"] = "manual"
        rule["allow_failure"] = False
    return [rule]


def condition_expression(condition: Condition) -> str:
    """A GitLab `rules:if` expression; patterns arrive as escaped, anchored regexes."""
    parts = []
    if condition.protected:
        parts.append('$CI_COMMIT_REF_PROTECTED == "true"')
    if condition.branches is not None:
        alternatives = [f"$CI_COMMIT_BRANCH =~ {gitlab_regex(p)}" for p in condition.branches]
        branch_part = " || ".join(alternatives)
        if condition.protected and len(alternatives) > 1:
            branch_part = f"({branch_part})"
        parts.append(branch_part)
    return " && ".join(parts)
